// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * libsrxctl: a device's governance as the operator sees it, read from
 * the netlink dumps `rdma res show srq|qp|cm_id` reads (RDMA_NL_NLDEV):
 * srx puts its state in each SRQ's and QP's driver attributes
 * (srx_govnl.c), and the rdma_cm id of a QP comes from the cm_id dump.
 * Nothing here parses text. Every length in a reply is checked against
 * the bytes received before it is used.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <rdma/rdma_netlink.h>

#include "srxctl.h"

#define NL_BUF		(64 * 1024)
#define ATTR_DATA(a)	((const char *)(a) + NLA_HDRLEN)
#define ATTR_LEN(a)	((size_t)(a)->nla_len - NLA_HDRLEN)

struct nl {
	int fd;
	uint32_t seq;
	char *buf;
};

/* Called with each entry's attributes (@len bytes at @attrs). */
typedef int (*nl_entry_fn)(const void *attrs, size_t len, void *arg);

struct nl_dump {
	uint16_t cmd;
	uint16_t table;		/* the nest listing the entries; 0: the
				 * message is the entry
				 */
	uint32_t index;		/* device, or UINT32_MAX for none */
	nl_entry_fn fn;
	void *arg;
};

static int nl_open(struct nl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	nl->seq = 1;
	nl->buf = malloc(NL_BUF);
	if (!nl->buf)
		return -ENOMEM;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_RDMA);
	if (nl->fd < 0 || bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		if (nl->fd >= 0)
			close(nl->fd);
		free(nl->buf);
		return err;
	}
	return 0;
}

static void nl_close(struct nl *nl)
{
	close(nl->fd);
	free(nl->buf);
}

/* Append attribute @type of @len bytes to the message at @msg. */
static void nl_put(struct nlmsghdr *msg, uint16_t type, const void *data,
		   uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)msg +
					      NLMSG_ALIGN(msg->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	msg->nlmsg_len = NLMSG_ALIGN(msg->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static int nl_send_dump(struct nl *nl, const struct nl_dump *d)
{
	uint32_t req[32] = { 0 };	/* NLMSG_ALIGNTO-aligned */
	struct nlmsghdr *msg = (struct nlmsghdr *)req;

	msg->nlmsg_len = NLMSG_HDRLEN;
	msg->nlmsg_type = RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, d->cmd);
	msg->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg->nlmsg_seq = ++nl->seq;
	if (d->index != UINT32_MAX)
		nl_put(msg, RDMA_NLDEV_ATTR_DEV_INDEX, &d->index,
		       sizeof(d->index));
	ssize_t n = send(nl->fd, msg, msg->nlmsg_len, 0);

	if (n < 0)
		return -errno;
	return n == (ssize_t)msg->nlmsg_len ? 0 : -EIO;
}

/* Is @a a whole attribute inside the @left bytes it starts? */
static int attr_ok(const struct nlattr *a, size_t left)
{
	return left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= left;
}

#define for_each_attr(a, data, len, left)				\
	for ((left) = (len), (a) = (const struct nlattr *)(data);	\
	     attr_ok((a), (left));					\
	     (left) -= (size_t)NLA_ALIGN((a)->nla_len) < (left) ?	\
		       (size_t)NLA_ALIGN((a)->nla_len) : (left),	\
	     (a) = (const struct nlattr *)((const char *)(a) +		\
					   NLA_ALIGN((a)->nla_len)))

/* The first attribute @type among the @len bytes at @data, or NULL. */
static const struct nlattr *attr_find(const void *data, size_t len,
				      uint16_t type)
{
	const struct nlattr *a;
	size_t left;

	for_each_attr(a, data, len, left)
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

static int attr_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || ATTR_LEN(a) < sizeof(*v))
		return -1;
	memcpy(v, ATTR_DATA(a), sizeof(*v));
	return 0;
}

static int attr_u64(const struct nlattr *a, uint64_t *v)
{
	if (!a || ATTR_LEN(a) < sizeof(*v))
		return -1;
	memcpy(v, ATTR_DATA(a), sizeof(*v));
	return 0;
}

/* A NUL-terminated string attribute copied into @buf, or -1. */
static int attr_str(const struct nlattr *a, char *buf, size_t len)
{
	size_t n;

	if (!a || !ATTR_LEN(a))
		return -1;
	n = strnlen(ATTR_DATA(a), ATTR_LEN(a));
	if (n == ATTR_LEN(a) || n >= len)
		return -1;
	memcpy(buf, ATTR_DATA(a), n + 1);
	return 0;
}

/* Each entry of one reply message's table. */
static int nl_entries(const struct nlmsghdr *h, const struct nl_dump *d)
{
	const char *data = (const char *)NLMSG_DATA(h);
	size_t len = h->nlmsg_len - NLMSG_HDRLEN, left;
	const struct nlattr *t, *e;
	int err;

	if (!d->table)
		return d->fn(data, len, d->arg);
	t = attr_find(data, len, d->table);
	if (!t)
		return 0;
	for_each_attr(e, ATTR_DATA(t), ATTR_LEN(t), left) {
		err = d->fn(ATTR_DATA(e), ATTR_LEN(e), d->arg);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The end of a dump: it carries the dump's own error (a dump the kernel
 * could not finish, say for memory, ends early but with DONE).
 */
static int nl_done(const struct nlmsghdr *h)
{
	int err;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(err)))
		return 0;
	memcpy(&err, NLMSG_DATA(h), sizeof(err));
	return err < 0 ? err : 0;
}

/* Read replies until the dump is done. */
static int nl_recv_dump(struct nl *nl, const struct nl_dump *d)
{
	const struct nlmsghdr *h;
	ssize_t n;
	size_t left;
	int err;

	struct sockaddr_nl from;
	socklen_t fromlen;

	for (;;) {
		fromlen = sizeof(from);
		n = recvfrom(nl->fd, nl->buf, NL_BUF, 0,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			return -errno;
		if (fromlen != sizeof(from) || from.nl_pid)
			continue;	/* only the kernel answers */
		left = n;
		for (h = (const struct nlmsghdr *)nl->buf;
		     left >= NLMSG_HDRLEN && h->nlmsg_len >= NLMSG_HDRLEN &&
		     h->nlmsg_len <= left;
		     left -= NLMSG_ALIGN(h->nlmsg_len) < left ?
			     NLMSG_ALIGN(h->nlmsg_len) : left,
		     h = (const struct nlmsghdr *)((const char *)h +
						   NLMSG_ALIGN(h->nlmsg_len))) {
			if (h->nlmsg_seq != nl->seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return nl_done(h);
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO;
				return e->error ?: 0;
			}
			err = nl_entries(h, d);
			if (err)
				return err;
		}
	}
}

static int nl_run(struct nl *nl, const struct nl_dump *d)
{
	return nl_send_dump(nl, d) ?: nl_recv_dump(nl, d);
}

/* ---- srx's driver attributes: "name" then its value, in one nest ---- */

enum field_kind { F_U32, F_U64, F_POLICY, F_MODE, F_CREDIT, F_STR };

struct field {
	const char *name;
	size_t off;
	enum field_kind kind;
};

#define QPF(n, m, k)	{ n, offsetof(struct srxctl_qp, m), k }
#define SRQF(n, m, k)	{ n, offsetof(struct srxctl_srq, m), k }

static const struct field qp_fields[] = {
	QPF("gov_srqn", srqn, F_U32),
	QPF("gov_limit", info.limit, F_U32),
	QPF("gov_held", info.held, F_U32),
	QPF("gov_policy", info.policy, F_POLICY),
	QPF("gov_group", info.group, F_U32),
	QPF("gov_draws", info.draws, F_U64),
	QPF("gov_credits", info.credits, F_U64),
	QPF("gov_rnr", info.rnr, F_U64),
	QPF("gov_drops", info.drops, F_U64),
	QPF("gov_disconnects", info.disconnects, F_U64),
	QPF("gov_recent_draws", recent_draws, F_U32),
	QPF("gov_recent_refused", recent_refused, F_U32),
	QPF("ooo_limit", ooo_limit, F_U32),
	QPF("ooo_holding", ooo_holding, F_U32),
	QPF("ooo_held", ooo_held, F_U64),
	QPF("ooo_released", ooo_released, F_U64),
	QPF("gov_group_limit", group_limit, F_U32),
	QPF("gov_group_held", group_held, F_U32),
	QPF("gov_wm_rank", wm_rank, F_U32),
	QPF("gov_wm_held", wm.held, F_U32),
	QPF("gov_wm_limit", wm.limit, F_U32),
	QPF("gov_wm_draws", wm.draws, F_U64),
	QPF("gov_wm_refused", wm.refused, F_U64),
	QPF("gov_peer", peer, F_STR),
	{ NULL, 0, 0 }
};

static const struct field srq_fields[] = {
	SRQF("gov_size", info.size, F_U32),
	SRQF("gov_mode", info.mode, F_MODE),
	SRQF("gov_credit", info.credit, F_CREDIT),
	SRQF("gov_overcommit", info.overcommit, F_U32),
	SRQF("gov_floor", info.floor, F_U32),
	SRQF("gov_ceiling", info.ceiling, F_U32),
	SRQF("gov_admin_wm", admin_wm, F_U32),
	SRQF("gov_qps", info.nqps, F_U32),
	SRQF("gov_groups", info.ngroups, F_U32),
	SRQF("gov_draws", info.draws, F_U64),
	SRQF("gov_credits", info.credits, F_U64),
	SRQF("gov_rnr", info.rnr, F_U64),
	SRQF("gov_drops", info.drops, F_U64),
	SRQF("gov_disconnects", info.disconnects, F_U64),
	SRQF("gov_watermarks", info.watermarks, F_U64),
	SRQF("gov_admin_events", admin_events, F_U64),
	SRQF("gov_matched", matched, F_U64),
	SRQF("gov_unmatched", unmatched, F_U64),
	SRQF("ooo_cap", ooo_cap, F_U32),
	SRQF("ooo_low", ooo_low, F_U32),
	SRQF("ooo_holding", ooo_holding, F_U32),
	SRQF("ooo_held", ooo_held, F_U64),
	SRQF("ooo_released", ooo_released, F_U64),
	{ NULL, 0, 0 }
};

typedef int (*name_parse_fn)(const char *s);

static int name_field(const struct nlattr *a, name_parse_fn parse,
		      uint32_t *v)
{
	char s[32];
	int i;

	if (attr_str(a, s, sizeof(s)))
		return -1;
	i = parse(s);
	if (i < 0)
		return -1;
	*v = i;
	return 0;
}

/* Store value @a of field @f in @obj; -1 if it is not what @f says. */
static int field_set(const struct field *f, const struct nlattr *a, void *obj)
{
	char *p = (char *)obj + f->off;

	switch (f->kind) {
	case F_U32:
		return attr_u32(a, (uint32_t *)p);
	case F_U64:
		return attr_u64(a, (uint64_t *)p);
	case F_POLICY:
		return name_field(a, srxctl_policy_parse, (uint32_t *)p);
	case F_MODE:
		return name_field(a, srxctl_mode_parse, (uint32_t *)p);
	case F_CREDIT:
		return name_field(a, srxctl_credit_parse, (uint32_t *)p);
	default:
		return attr_str(a, p, SRXCTL_ADDR_LEN);
	}
}

/*
 * The driver nest of one entry into @obj by @fields. Returns how many
 * known fields it had (0: not an srx object), or -EPROTO.
 */
static int driver_fields(const void *attrs, size_t len,
			 const struct field *fields, void *obj)
{
	const struct nlattr *d = attr_find(attrs, len, RDMA_NLDEV_ATTR_DRIVER);
	const struct nlattr *a;
	const struct field *f;
	char name[64];
	int named = 0, n = 0;
	size_t left;

	if (!d)
		return 0;
	for_each_attr(a, ATTR_DATA(d), ATTR_LEN(d), left) {
		uint16_t type = a->nla_type & NLA_TYPE_MASK;

		if (type == RDMA_NLDEV_ATTR_DRIVER_PRINT_TYPE)
			continue;
		if (!named) {
			named = type == RDMA_NLDEV_ATTR_DRIVER_STRING &&
				!attr_str(a, name, sizeof(name));
			continue;
		}
		named = 0;
		for (f = fields; f->name && strcmp(f->name, name); f++)
			;
		if (!f->name)
			continue;	/* a newer srx's field */
		if (field_set(f, a, obj))
			return -EPROTO;
		n++;
	}
	return n;
}

/* ---- the dumps ---- */

struct dev_find {
	const char *name;
	uint32_t index;
};

static int dev_entry(const void *attrs, size_t len, void *arg)
{
	struct dev_find *f = arg;
	char name[64];
	uint32_t index;

	if (!attr_str(attr_find(attrs, len, RDMA_NLDEV_ATTR_DEV_NAME), name,
		      sizeof(name)) &&
	    !attr_u32(attr_find(attrs, len, RDMA_NLDEV_ATTR_DEV_INDEX),
		      &index) &&
	    !strcmp(name, f->name))
		f->index = index;
	return 0;
}

struct status {
	struct srxctl_srq *srqs;
	int n;
};

static struct srxctl_srq *status_srq(struct status *st, uint32_t id)
{
	int i;

	for (i = 0; i < st->n; i++)
		if (st->srqs[i].id == id)
			return &st->srqs[i];
	return NULL;
}

static int srq_entry(const void *attrs, size_t len, void *arg)
{
	struct status *st = arg;
	struct srxctl_srq s = { 0 }, *grown;
	int n;

	if (attr_u32(attr_find(attrs, len, RDMA_NLDEV_ATTR_RES_SRQN), &s.id))
		return 0;
	n = driver_fields(attrs, len, srq_fields, &s);
	if (n <= 0)
		return n;
	grown = realloc(st->srqs, (st->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	st->srqs = grown;
	st->srqs[st->n++] = s;
	return 0;
}

static int srq_add_qp(struct srxctl_srq *s, const struct srxctl_qp *q)
{
	struct srxctl_qp *grown;

	/* As many as the kernel lists: the array doubles as it fills. */
	if (!s->nqps || (s->nqps >= 16 && !(s->nqps & (s->nqps - 1)))) {
		grown = realloc(s->qps, (s->nqps ? 2 * s->nqps : 16) *
					sizeof(*s->qps));
		if (!grown)
			return -ENOMEM;
		s->qps = grown;
	}
	s->qps[s->nqps++] = *q;
	return 0;
}

static int qp_entry(const void *attrs, size_t len, void *arg)
{
	struct srxctl_qp q = { .cm_id = -1 };
	struct srxctl_srq *s;
	int n;

	if (attr_u32(attr_find(attrs, len, RDMA_NLDEV_ATTR_RES_LQPN),
		     &q.info.qpn))
		return 0;
	attr_u32(attr_find(attrs, len, RDMA_NLDEV_ATTR_RES_RQPN), &q.dqpn);
	n = driver_fields(attrs, len, qp_fields, &q);
	if (n <= 0)
		return n;
	s = status_srq(arg, q.srqn);
	/* An SRQ created after the SRQ dump: seen next time. */
	return s ? srq_add_qp(s, &q) : 0;
}

static int cm_id_entry(const void *attrs, size_t len, void *arg)
{
	struct status *st = arg;
	uint32_t qpn, id;
	int i;
	uint32_t j;

	if (attr_u32(attr_find(attrs, len, RDMA_NLDEV_ATTR_RES_LQPN), &qpn) ||
	    attr_u32(attr_find(attrs, len, RDMA_NLDEV_ATTR_RES_CM_IDN), &id))
		return 0;
	for (i = 0; i < st->n; i++)
		for (j = 0; j < st->srqs[i].nqps; j++)
			if (st->srqs[i].qps[j].info.qpn == qpn)
				st->srqs[i].qps[j].cm_id = id;
	return 0;
}

/* ---- what the dumps give, put together ---- */

static void srq_groups(struct srxctl_srq *s)
{
	const struct srxctl_qp *q;
	struct srxctl_group *g;
	uint32_t i, k;

	for (i = 0; i < s->nqps; i++) {
		q = &s->qps[i];
		if (!q->info.group)
			continue;
		for (k = 0; k < s->ngroups && s->groups[k].id != q->info.group;
		     k++)
			;
		if (k == SRXCTL_MAX_GROUPS)
			continue;
		g = &s->groups[k];
		if (k == s->ngroups) {
			s->ngroups++;
			g->id = q->info.group;
			g->limit = q->group_limit;
			g->held = q->group_held;
		}
		g->members++;
	}
}

/* The ranking kept at the last watermark, from each QP's place in it. */
static void srq_marks(struct srxctl_srq *s)
{
	const struct srxctl_qp *q;
	struct srxctl_mark m;
	uint32_t i, j;

	for (i = 0; i < s->nqps; i++) {
		q = &s->qps[i];
		if (!q->wm_rank || s->nmarks == SRXCTL_MAX_MARKS)
			continue;
		m = q->wm;
		m.qpn = q->info.qpn;
		m.rank = q->wm_rank;
		for (j = s->nmarks++; j > 0 && s->marks[j - 1].rank > m.rank;
		     j--)
			s->marks[j] = s->marks[j - 1];
		s->marks[j] = m;
	}
}

static int status_dumps(struct nl *nl, uint32_t index, struct status *st)
{
	struct nl_dump d = { .index = index, .arg = st };
	int err;

	d.cmd = RDMA_NLDEV_CMD_RES_SRQ_GET;
	d.table = RDMA_NLDEV_ATTR_RES_SRQ;
	d.fn = srq_entry;
	err = nl_run(nl, &d);
	if (err)
		return err;
	d.cmd = RDMA_NLDEV_CMD_RES_QP_GET;
	d.table = RDMA_NLDEV_ATTR_RES_QP;
	d.fn = qp_entry;
	err = nl_run(nl, &d);
	if (err)
		return err;
	d.cmd = RDMA_NLDEV_CMD_RES_CM_ID_GET;
	d.table = RDMA_NLDEV_ATTR_RES_CM_ID;
	d.fn = cm_id_entry;
	return nl_run(nl, &d);
}

static int dev_index(struct nl *nl, const char *dev, uint32_t *index)
{
	struct dev_find f = { .name = dev, .index = UINT32_MAX };
	struct nl_dump d = {
		.cmd = RDMA_NLDEV_CMD_GET, .index = UINT32_MAX,
		.fn = dev_entry, .arg = &f,
	};
	int err = nl_run(nl, &d);

	if (err)
		return err;
	if (f.index == UINT32_MAX)
		return -ENODEV;
	*index = f.index;
	return 0;
}

/* As every libsrxctl call: -@err, and errno set. */
static int status_fail(int err)
{
	errno = err;
	return -err;
}

int srxctl_status(const char *dev, struct srxctl_srq **srqs)
{
	struct status st = { 0 };
	uint32_t index;
	struct nl nl;
	int err, i;

	err = srxctl_is_srx(dev);
	if (err <= 0)
		return status_fail(err ? -err : ENODEV);
	err = nl_open(&nl);
	if (err)
		return status_fail(-err);
	err = dev_index(&nl, dev, &index) ?: status_dumps(&nl, index, &st);
	nl_close(&nl);
	if (err) {
		srxctl_status_free(st.srqs, st.n);
		return status_fail(-err);
	}
	for (i = 0; i < st.n; i++) {
		srq_groups(&st.srqs[i]);
		srq_marks(&st.srqs[i]);
	}
	*srqs = st.srqs;
	return st.n;
}

void srxctl_status_free(struct srxctl_srq *srqs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(srqs[i].qps);
	free(srqs);
}
