// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * verbs_test - control-path checks of an RDMA device through libibverbs.
 *
 * Usage: verbs_test -d DEVICE [GROUP...]
 *
 * Groups: device pd mr mw ah cq srq qp limits fork (default: all).
 * Each check prints "ok - GROUP.NAME", "not ok - GROUP.NAME: DETAILS"
 * or "skip - GROUP.NAME: REASON"; the last line is
 * "verbs_test: N passed, M failed". Exit status 1 if a check failed,
 * 2 on bad usage.
 *
 * A group whose object the device does not offer (query_device reports
 * its max_* as 0) is skipped as a whole.
 *
 * Expected errors follow the verbs man pages and the IBTA spec, not what
 * one provider happens to return; where rdma_rxe deviates, the check
 * says so in a comment ("rxe:").
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <infiniband/verbs.h>

#define TESTLIB_REPORT
#include "testlib.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))

#define QKEY		0x11111111u
#define RQ_PSN		0x123456u
#define SQ_PSN		0x654321u
#define MIN_RNR_TIMER	12
#define TIMEOUT		14
#define RETRY_CNT	6
#define RNR_RETRY	5
#define HOP_LIMIT	64
#define RC_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ | \
			 IBV_ACCESS_REMOTE_WRITE)

struct env {
	const char *dev;
	struct ibv_context *ctx;
	struct ibv_device_attr_ex xattr;
	struct ibv_device_attr *attr;	/* &xattr.orig_attr */
	struct ibv_port_attr port;
	int gid4, gid6;			/* RoCEv2 GID indexes, -1: none */
	union ibv_gid gid4_val, gid6_val;
	size_t page;
};

/* Reporting (check(), skip(), group, counters): testlib.h. */

/* Check names built from a prefix, e.g. "rc.init_to_rtr". */
static const char *nm(const char *prefix, const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%.100s.%.100s", prefix, name);
	return buf;
}

static const char *ename(int err)
{
	static const struct { int err; const char *name; } tab[] = {
		{ 0, "success" }, { EINVAL, "EINVAL" }, { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" }, { ENOMEM, "ENOMEM" }, { EPERM, "EPERM" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ENOENT, "ENOENT" },
		{ ENODATA, "ENODATA" }, { EAGAIN, "EAGAIN" },
		{ ENOSYS, "ENOSYS" }, { EACCES, "EACCES" }, { ENOSPC, "ENOSPC" },
		{ ERANGE, "ERANGE" }, { EIO, "EIO" }, { ENODEV, "ENODEV" },
	};
	static char buf[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tab); i++)
		if (tab[i].err == err)
			return tab[i].name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/*
 * Verbs report errors three ways: an errno value, a negative errno, or -1
 * with errno set. Normalise to a positive errno (0: success).
 */
static int verr(int rc)
{
	if (rc == -1)
		return errno ? errno : EIO;
	return rc < 0 ? -rc : rc;
}

/* A verb returned rc; it must have returned want (0: success). */
static bool expect_rc(const char *name, int rc, int want)
{
	rc = verr(rc);
	if (!want)
		return check(!rc, name, "failed: %s", ename(rc));
	if (!rc)
		return check(false, name, "succeeded, expected %s", ename(want));
	return check(rc == want, name, "failed with %s, expected %s",
		     ename(rc), ename(want));
}

static bool expect_errno(const char *name, int err, int want)
{
	if (!err)
		return check(false, name, "failed without errno, expected %s",
			     ename(want));
	return check(err == want, name, "failed with %s, expected %s",
		     ename(err), ename(want));
}

/* A constructor must fail with errno want; destroy what it made if not. */
#define EXPECT_NULL(name, want, destroy, expr) do {			\
	typeof(expr) p__;						\
									\
	errno = 0;							\
	p__ = (expr);							\
	if (p__) {							\
		check(false, name, "succeeded, expected %s", ename(want)); \
		(void)destroy(p__);					\
	} else {							\
		expect_errno(name, errno, want);			\
	}								\
} while (0)

#define EXPECT_PTR(name, p) \
	check((p) != NULL, name, "failed: %s", ename(errno))

/* struct diff, diff_u(), diff_ge(), check_diff(): testlib.h. */

/* ------------------------------------------------------------ helpers */

/* gid_is_v4(), gid_is_zero(): testlib.h. */

/* Find the first RoCEv2 IPv4 and IPv6 GIDs (link-local preferred). */
static void find_gids(struct env *e)
{
	struct ibv_gid_entry ent;
	int i;

	e->gid4 = e->gid6 = -1;
	for (i = 0; i < e->port.gid_tbl_len; i++) {
		if (ibv_query_gid_ex(e->ctx, 1, i, &ent, 0))
			continue;
		if (ent.gid_type != IBV_GID_TYPE_ROCE_V2 ||
		    gid_is_zero(&ent.gid))
			continue;
		if (gid_is_v4(&ent.gid)) {
			if (e->gid4 < 0) {
				e->gid4 = i;
				e->gid4_val = ent.gid;
			}
		} else if (e->gid6 < 0 || ent.gid.raw[0] == 0xfe) {
			if (e->gid6 < 0 || e->gid6_val.raw[0] != 0xfe) {
				e->gid6 = i;
				e->gid6_val = ent.gid;
			}
		}
	}
}

static void fill_ah(struct ibv_ah_attr *ah, int sgid, const union ibv_gid *dgid)
{
	memset(ah, 0, sizeof(*ah));
	ah->is_global = 1;
	ah->port_num = 1;
	ah->grh.dgid = *dgid;
	ah->grh.sgid_index = sgid;
	ah->grh.hop_limit = HOP_LIMIT;
}

/* A page-aligned, zeroed anonymous buffer of n pages. */
static void *alloc_pages(struct env *e, size_t n, int prot)
{
	void *p = mmap(NULL, n * e->page, prot, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static const char *qpt_name(enum ibv_qp_type t)
{
	switch (t) {
	case IBV_QPT_RC:	return "rc";
	case IBV_QPT_UC:	return "uc";
	case IBV_QPT_UD:	return "ud";
	default:		return "qp";
	}
}

static struct ibv_qp_init_attr qp_init_attr(enum ibv_qp_type type,
					    struct ibv_cq *scq,
					    struct ibv_cq *rcq,
					    struct ibv_srq *srq)
{
	struct ibv_qp_init_attr a = {
		.send_cq = scq,
		.recv_cq = rcq,
		.srq = srq,
		.qp_type = type,
		.cap = {
			.max_send_wr = 16,
			.max_recv_wr = srq ? 0 : 16,
			.max_send_sge = 1,
			.max_recv_sge = srq ? 0 : 1,
		},
	};

	return a;
}

static struct ibv_qp *make_qp(struct ibv_pd *pd, enum ibv_qp_type type,
			      struct ibv_cq *cq, struct ibv_srq *srq)
{
	struct ibv_qp_init_attr a = qp_init_attr(type, cq, cq, srq);

	return ibv_create_qp(pd, &a);
}

/* Attributes and mask of the standard transitions, per QP type. */
static int init_attr(enum ibv_qp_type type, struct ibv_qp_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->qp_state = IBV_QPS_INIT;
	a->pkey_index = 0;
	a->port_num = 1;
	if (type == IBV_QPT_UD) {
		a->qkey = QKEY;
		return IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
		       IBV_QP_QKEY;
	}
	a->qp_access_flags = type == IBV_QPT_RC ? RC_ACCESS :
			     IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE;
	return IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
	       IBV_QP_ACCESS_FLAGS;
}

static unsigned int rd_atomic(const struct env *e)
{
	return MIN(4, e->attr->max_qp_init_rd_atom);
}

static unsigned int dest_rd_atomic(const struct env *e)
{
	return MIN(8, e->attr->max_qp_rd_atom);
}

/* RTR towards the QP itself over the IPv4 GID (loopback). */
static int rtr_attr(const struct env *e, struct ibv_qp *qp,
		    struct ibv_qp_attr *a)
{
	int mask = IBV_QP_STATE;

	memset(a, 0, sizeof(*a));
	a->qp_state = IBV_QPS_RTR;
	if (qp->qp_type == IBV_QPT_UD)
		return mask;
	a->path_mtu = IBV_MTU_1024;
	a->dest_qp_num = qp->qp_num;
	a->rq_psn = RQ_PSN;
	fill_ah(&a->ah_attr, e->gid4, &e->gid4_val);
	mask |= IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN;
	if (qp->qp_type == IBV_QPT_RC) {
		a->max_dest_rd_atomic = dest_rd_atomic(e);
		a->min_rnr_timer = MIN_RNR_TIMER;
		mask |= IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER;
	}
	return mask;
}

static int rts_attr(const struct env *e, struct ibv_qp *qp,
		    struct ibv_qp_attr *a)
{
	int mask = IBV_QP_STATE | IBV_QP_SQ_PSN;

	memset(a, 0, sizeof(*a));
	a->qp_state = IBV_QPS_RTS;
	a->sq_psn = SQ_PSN;
	if (qp->qp_type == IBV_QPT_RC) {
		a->timeout = TIMEOUT;
		a->retry_cnt = RETRY_CNT;
		a->rnr_retry = RNR_RETRY;
		a->max_rd_atomic = rd_atomic(e);
		mask |= IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			IBV_QP_MAX_QP_RD_ATOMIC;
	}
	return mask;
}

static int move_qp(const struct env *e, struct ibv_qp *qp,
		   enum ibv_qp_state to)
{
	struct ibv_qp_attr a;
	int rc;

	rc = ibv_modify_qp(qp, &a, init_attr(qp->qp_type, &a));
	if (rc || to == IBV_QPS_INIT)
		return rc;
	rc = ibv_modify_qp(qp, &a, rtr_attr(e, qp, &a));
	if (rc || to == IBV_QPS_RTR)
		return rc;
	return ibv_modify_qp(qp, &a, rts_attr(e, qp, &a));
}

static bool check_state(const char *name, struct ibv_qp *qp,
			enum ibv_qp_state want)
{
	int s = qp_state(qp);

	return check(s == (int)want, name, "state %d, expected %d", s, want);
}

/* ------------------------------------------------------------ rdma res */

struct res_counts {
	long pd, cq, qp, mr, srq, ctx;
};

static long res_key(const char *obj, const char *end, const char *key)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(obj, pat);
	if (!p || p > end)
		return -1;
	return strtol(p + strlen(pat), NULL, 10);
}

/* The device's object counts from "rdma -j res show"; false if unknown. */
static bool res_read(const char *dev, struct res_counts *c)
{
	char buf[65536], pat[96];
	const char *obj, *end;
	size_t n = 0;
	FILE *f;

	f = popen("rdma -j res show 2>/dev/null", "r");
	if (!f)
		return false;
	while (n < sizeof(buf) - 1 && !feof(f) && !ferror(f))
		n += fread(buf + n, 1, sizeof(buf) - 1 - n, f);
	buf[n] = 0;
	if (pclose(f))
		return false;
	snprintf(pat, sizeof(pat), "\"ifname\":\"%s\"", dev);
	obj = strstr(buf, pat);
	if (!obj)
		return false;
	end = strchr(obj, '}');
	if (!end)
		return false;
	c->pd = res_key(obj, end, "pd");
	c->cq = res_key(obj, end, "cq");
	c->qp = res_key(obj, end, "qp");
	c->mr = res_key(obj, end, "mr");
	c->srq = res_key(obj, end, "srq");
	c->ctx = res_key(obj, end, "ctx");
	return c->pd >= 0;
}

static void res_diff(struct diff *d, const struct res_counts *got,
		     const struct res_counts *want)
{
	diff_u(d, "pd", got->pd, want->pd);
	diff_u(d, "cq", got->cq, want->cq);
	diff_u(d, "qp", got->qp, want->qp);
	diff_u(d, "mr", got->mr, want->mr);
	diff_u(d, "srq", got->srq, want->srq);
	diff_u(d, "ctx", got->ctx, want->ctx);
}

/* ------------------------------------------------------------ device */

static void test_device_attr(struct env *e)
{
	const struct ibv_device_attr *a = e->attr;
	struct diff d = {};

	check(a->phys_port_cnt == 1, "phys_port_cnt", "%u", a->phys_port_cnt);
	check(a->node_guid != 0, "node_guid", "is 0");
	check(a->max_pd > 0, "max_pd", "is 0");
	check(a->max_pkeys > 0, "max_pkeys", "is 0");
	if (a->max_qp) {
		diff_ge(&d, "max_qp_wr", a->max_qp_wr, 1);
		diff_ge(&d, "max_sge", a->max_sge, 1);
		diff_ge(&d, "max_cq", a->max_cq, 1);
		diff_ge(&d, "max_qp_init_rd_atom", a->max_qp_init_rd_atom, 1);
		diff_ge(&d, "max_qp_rd_atom", a->max_qp_rd_atom, 1);
	}
	if (a->max_cq)
		diff_ge(&d, "max_cqe", a->max_cqe, 1);
	if (a->max_srq) {
		diff_ge(&d, "max_srq_wr", a->max_srq_wr, 1);
		diff_ge(&d, "max_srq_sge", a->max_srq_sge, 1);
	}
	if (a->max_mr) {
		diff_ge(&d, "max_mr_size", a->max_mr_size, e->page);
		if (!d.msg[0] && !(a->page_size_cap & e->page))
			snprintf(d.msg, sizeof(d.msg),
				 "page_size_cap %#llx lacks %zu",
				 (unsigned long long)a->page_size_cap,
				 e->page);
	}
	check_diff("caps_consistent", &d);
}

static void test_device_port(struct env *e)
{
	const struct ibv_port_attr *p = &e->port;
	struct ibv_port_attr pa;
	struct diff d = {};

	diff_u(&d, "state", p->state, IBV_PORT_ACTIVE);
	diff_u(&d, "link_layer", p->link_layer, IBV_LINK_LAYER_ETHERNET);
	diff_ge(&d, "gid_tbl_len", p->gid_tbl_len, 1);
	diff_ge(&d, "pkey_tbl_len", p->pkey_tbl_len, 1);
	diff_ge(&d, "active_mtu", p->active_mtu, IBV_MTU_256);
	diff_ge(&d, "max_mtu", p->max_mtu, p->active_mtu);
	if (!d.msg[0] && p->max_mtu > IBV_MTU_4096)
		snprintf(d.msg, sizeof(d.msg), "max_mtu %d invalid", p->max_mtu);
	diff_ge(&d, "max_msg_sz", p->max_msg_sz, e->attr->max_mr ? 1 : 0);
	check_diff("query_port", &d);

	expect_rc("query_port_0", ibv_query_port(e->ctx, 0, &pa), EINVAL);
	expect_rc("query_port_2", ibv_query_port(e->ctx, 2, &pa), EINVAL);
}

static void test_device_gid(struct env *e)
{
	struct ibv_gid_entry ent;
	union ibv_gid gid;
	uint16_t pkey;

	check(!ibv_query_gid(e->ctx, 1, 0, &gid) && !gid_is_zero(&gid),
	      "query_gid_0", "failed or empty");
	errno = 0;
	check(ibv_query_gid(e->ctx, 1, e->port.gid_tbl_len, &gid) != 0,
	      "query_gid_past_table", "succeeded");
	expect_rc("query_gid_ex_past_table",
		  ibv_query_gid_ex(e->ctx, 1, e->port.gid_tbl_len, &ent, 0),
		  EINVAL);
	expect_rc("query_gid_ex_port_2",
		  ibv_query_gid_ex(e->ctx, 2, 0, &ent, 0), EINVAL);
	check(e->gid4 >= 0, "gid_ipv4", "no RoCEv2 IPv4 GID");
	check(e->gid6 >= 0, "gid_ipv6", "no RoCEv2 IPv6 GID");
	if (e->gid4 >= 0 && !ibv_query_gid_ex(e->ctx, 1, e->gid4, &ent, 0))
		check(ent.ndev_ifindex != 0 && ent.port_num == 1 &&
		      ent.gid_index == (uint32_t)e->gid4, "gid_entry",
		      "ifindex %u port %u index %u", ent.ndev_ifindex,
		      ent.port_num, ent.gid_index);

	check(!ibv_query_pkey(e->ctx, 1, 0, &pkey) && pkey == 0xffff,
	      "query_pkey_0", "pkey %#x", pkey);
	check(ibv_query_pkey(e->ctx, 1, e->port.pkey_tbl_len, &pkey) != 0,
	      "query_pkey_past_table", "succeeded");
}

static void test_device(struct env *e)
{
	test_device_attr(e);
	test_device_port(e);
	test_device_gid(e);
}

/* ------------------------------------------------------------ pd */

static void test_pd(struct env *e)
{
	struct ibv_pd *pd[16];
	struct ibv_mr *mr;
	bool distinct = true;
	size_t i, j;
	void *buf;
	int rc;

	for (i = 0; i < ARRAY_SIZE(pd); i++) {
		pd[i] = ibv_alloc_pd(e->ctx);
		if (!pd[i])
			break;
	}
	if (!check(i == ARRAY_SIZE(pd), "alloc", "PD %zu: %s", i,
		   ename(errno)))
		goto out;
	for (i = 0; i < ARRAY_SIZE(pd); i++)
		for (j = 0; j < i; j++)
			if (pd[i]->handle == pd[j]->handle)
				distinct = false;
	check(distinct, "distinct_handles", "two PDs share a handle");

	if (!e->attr->max_mr) {
		skip("dealloc_busy", "device has no MRs");
	} else if ((buf = alloc_pages(e, 1, PROT_READ | PROT_WRITE))) {
		mr = ibv_reg_mr(pd[0], buf, e->page, IBV_ACCESS_LOCAL_WRITE);
		if (EXPECT_PTR("reg_mr_on_pd", mr)) {
			expect_rc("dealloc_busy", ibv_dealloc_pd(pd[0]), EBUSY);
			expect_rc("dereg_mr", ibv_dereg_mr(mr), 0);
		}
		munmap(buf, e->page);
	}
	i = ARRAY_SIZE(pd);
out:
	rc = 0;
	while (i--)
		rc = rc ? rc : verr(ibv_dealloc_pd(pd[i]));
	check(!rc, "dealloc", "%s", ename(rc));
}

/* ------------------------------------------------------------ mr */

struct mr_case {
	const char *name;
	int access;
	int want;
};

static const struct mr_case mr_cases[] = {
	{ "local_read",		0,					0 },
	{ "local_write",	IBV_ACCESS_LOCAL_WRITE,			0 },
	{ "remote_read",	IBV_ACCESS_REMOTE_READ,			0 },
	{ "remote_write",	IBV_ACCESS_LOCAL_WRITE |
				IBV_ACCESS_REMOTE_WRITE,		0 },
	{ "remote_atomic",	IBV_ACCESS_LOCAL_WRITE |
				IBV_ACCESS_REMOTE_ATOMIC,		0 },
	{ "mw_bind",		IBV_ACCESS_LOCAL_WRITE |
				IBV_ACCESS_MW_BIND,			0 },
	{ "all",		IBV_ACCESS_LOCAL_WRITE |
				IBV_ACCESS_REMOTE_WRITE |
				IBV_ACCESS_REMOTE_READ |
				IBV_ACCESS_REMOTE_ATOMIC,		0 },
	/* ibv_reg_mr(3): remote write/atomic need local write */
	{ "remote_write_no_local", IBV_ACCESS_REMOTE_WRITE,		EINVAL },
	{ "remote_atomic_no_local", IBV_ACCESS_REMOTE_ATOMIC,		EINVAL },
	{ "unknown_access_bit",	IBV_ACCESS_LOCAL_WRITE | (1 << 12),	EINVAL },
};

static void test_mr_access(struct env *e, struct ibv_pd *pd, char *buf)
{
	const struct mr_case *c;
	struct ibv_mr *mr;

	for (c = mr_cases; c < mr_cases + ARRAY_SIZE(mr_cases); c++) {
		if (c->want) {
			EXPECT_NULL(c->name, c->want, ibv_dereg_mr,
				    ibv_reg_mr(pd, buf, 2 * e->page, c->access));
			continue;
		}
		mr = ibv_reg_mr(pd, buf, 2 * e->page, c->access);
		if (!EXPECT_PTR(c->name, mr))
			continue;
		check(mr->addr == buf && mr->length == 2 * e->page &&
		      mr->pd == pd, nm(c->name, "attrs"),
		      "addr %p length %zu", mr->addr, mr->length);
		expect_rc(nm(c->name, "dereg"), ibv_dereg_mr(mr), 0);
	}
}

static void test_mr_ranges(struct env *e, struct ibv_pd *pd, char *buf)
{
	uint64_t max = e->attr->max_mr_size;
	struct ibv_mr *mr, *mr2;
	char *hole;

	EXPECT_NULL("zero_length", EINVAL, ibv_dereg_mr,
		    ibv_reg_mr(pd, buf, 0, IBV_ACCESS_LOCAL_WRITE));
	EXPECT_NULL("wrapping_length", EINVAL, ibv_dereg_mr,
		    ibv_reg_mr(pd, buf, SIZE_MAX - e->page, 0));
	if (max == UINT64_MAX || max >= SIZE_MAX - (uintptr_t)buf)
		skip("above_max_mr_size", "max_mr_size %#llx",
		     (unsigned long long)max);
	else
		EXPECT_NULL("above_max_mr_size", EINVAL, ibv_dereg_mr,
			    ibv_reg_mr(pd, buf, max + 1, 0));

	/* an address inside a page is fine; the MR covers exactly it */
	mr = ibv_reg_mr(pd, buf + 1, 100, IBV_ACCESS_LOCAL_WRITE);
	if (EXPECT_PTR("unaligned_addr", mr)) {
		check(mr->addr == buf + 1 && mr->length == 100,
		      "unaligned_addr_attrs", "addr %p length %zu",
		      mr->addr, mr->length);
		/* two MRs may overlap */
		mr2 = ibv_reg_mr(pd, buf, e->page, IBV_ACCESS_LOCAL_WRITE);
		if (EXPECT_PTR("overlapping", mr2)) {
			check(mr2->lkey != mr->lkey, "distinct_lkeys",
			      "both %#x", mr->lkey);
			ibv_dereg_mr(mr2);
		}
		ibv_dereg_mr(mr);
	}

	/* iova and addr must share their offset within a page */
	mr = ibv_reg_mr_iova(pd, buf, e->page, 0x100000, 0);
	if (EXPECT_PTR("iova", mr))
		ibv_dereg_mr(mr);
	EXPECT_NULL("iova_page_offset_differs", EINVAL, ibv_dereg_mr,
		    ibv_reg_mr_iova(pd, buf, e->page, 0x100001, 0));

	/* unmapped and inaccessible memory cannot be pinned */
	hole = alloc_pages(e, 2, PROT_NONE);
	if (hole) {
		EXPECT_NULL("prot_none", EFAULT, ibv_dereg_mr,
			    ibv_reg_mr(pd, hole, e->page, 0));
		munmap(hole, 2 * e->page);
		EXPECT_NULL("unmapped", EFAULT, ibv_dereg_mr,
			    ibv_reg_mr(pd, hole, e->page,
				       IBV_ACCESS_LOCAL_WRITE));
	}
	hole = alloc_pages(e, 1, PROT_READ);
	if (hole) {
		EXPECT_NULL("readonly_local_write", EFAULT, ibv_dereg_mr,
			    ibv_reg_mr(pd, hole, e->page,
				       IBV_ACCESS_LOCAL_WRITE));
		mr = ibv_reg_mr(pd, hole, e->page, IBV_ACCESS_REMOTE_READ);
		if (EXPECT_PTR("readonly_remote_read", mr))
			ibv_dereg_mr(mr);
		munmap(hole, e->page);
	}
}

/* ibv_rereg_mr is optional: skip if the device says EOPNOTSUPP. */
static void test_mr_rereg(struct env *e, struct ibv_pd *pd, char *buf)
{
	struct ibv_pd *pd2 = ibv_alloc_pd(e->ctx);
	struct ibv_mr *mr;
	int rc;

	if (!pd2)
		return;
	mr = ibv_reg_mr(pd, buf, e->page, IBV_ACCESS_LOCAL_WRITE);
	if (!EXPECT_PTR("rereg_setup", mr))
		goto out;
	errno = 0;
	rc = ibv_rereg_mr(mr, IBV_REREG_MR_CHANGE_ACCESS, NULL, NULL, 0,
			  RC_ACCESS);
	if (rc && (errno == EOPNOTSUPP || errno == ENOSYS)) {
		skip("rereg", "not supported");
		goto dereg;
	}
	check(!rc, "rereg_access", "rc %d: %s", rc, ename(errno));
	errno = 0;
	rc = ibv_rereg_mr(mr, IBV_REREG_MR_CHANGE_PD, pd2, NULL, 0, 0);
	check(!rc && mr->pd == pd2, "rereg_pd", "rc %d: %s", rc, ename(errno));
	errno = 0;
	rc = ibv_rereg_mr(mr, IBV_REREG_MR_CHANGE_ACCESS, NULL, NULL, 0,
			  IBV_ACCESS_REMOTE_WRITE);
	check(rc && errno == EINVAL, "rereg_remote_write_no_local",
	      "rc %d: %s", rc, ename(errno));
dereg:
	expect_rc("rereg_dereg", ibv_dereg_mr(mr), 0);
out:
	ibv_dealloc_pd(pd2);
}

/*
 * rereg_mr as the kernel implements it (rights and PD in place, a new
 * translation as a new region with new keys), and what it refuses.
 */
static void test_mr_tl_rereg_mr(struct env *e, struct ibv_pd *pd, char *buf)
{
	struct ibv_pd *pd2 = ibv_alloc_pd(e->ctx);
	struct ibv_mr *mr, *ro;
	uint32_t k[2] = { 0 }, old;
	int rc;

	mr = ibv_reg_mr(pd, buf, e->page, IBV_ACCESS_LOCAL_WRITE);
	ro = ibv_reg_mr(pd, buf + e->page, e->page, 0);
	if (!check(pd2 && mr && ro, "rereg_cmd_setup", "%s", ename(errno)))
		goto out;
	old = mr->rkey;
	rc = tl_rereg_mr(mr, IBV_REREG_MR_CHANGE_ACCESS, NULL, 0, 0, NULL, RC_ACCESS, k);
	check(!rc && k[0] == old && k[1] == old, "rereg_cmd_access",
	      "%s keys %#x %#x (were %#x)", ename(rc), k[0], k[1], old);
	rc = tl_rereg_mr(mr, IBV_REREG_MR_CHANGE_PD, NULL, 0, 0, pd2, 0, k);
	check(!rc && k[1] == old, "rereg_cmd_pd", "%s", ename(rc));
	rc = tl_rereg_mr(mr, IBV_REREG_MR_CHANGE_ACCESS, NULL, 0, 0, NULL,
		       IBV_ACCESS_REMOTE_WRITE, k);
	check(rc == EINVAL, "rereg_cmd_remote_write_no_local", "%s",
	      ename(rc));
	/* Pinned read-only: no new write rights without new pages. */
	rc = tl_rereg_mr(ro, IBV_REREG_MR_CHANGE_ACCESS, NULL, 0, 0, NULL,
		       IBV_ACCESS_LOCAL_WRITE, k);
	check(rc == EACCES, "rereg_cmd_write_on_read_only", "%s", ename(rc));
	rc = tl_rereg_mr(mr, IBV_REREG_MR_CHANGE_TRANSLATION, buf + 2 * e->page, 2 * e->page,
		       0x7000000, NULL, 0, k);
	check(!rc && k[0] == k[1] && k[1] != old, "rereg_cmd_trans",
	      "%s keys %#x %#x (were %#x)", ename(rc), k[0], k[1], old);
	if (!rc) {
		mr->lkey = k[0];
		mr->rkey = k[1];
	}
	rc = tl_rereg_mr(mr, IBV_REREG_MR_CHANGE_TRANSLATION, buf, 0, 0x7000000, NULL, 0, k);
	check(rc == EINVAL, "rereg_cmd_trans_empty", "%s", ename(rc));
	rc = tl_rereg_mr(mr, IBV_REREG_MR_CHANGE_TRANSLATION, buf + 8, e->page, 0x7000000,
		       NULL, 0, k);
	check(rc == EINVAL, "rereg_cmd_trans_page_offset", "%s", ename(rc));
	rc = tl_rereg_mr(mr, 0, NULL, 0, 0, NULL, 0, k);
	check(rc == EINVAL, "rereg_cmd_no_flags", "%s", ename(rc));
out:
	if (ro)
		expect_rc("rereg_cmd_dereg_ro", ibv_dereg_mr(ro), 0);
	if (mr)
		expect_rc("rereg_cmd_dereg", ibv_dereg_mr(mr), 0);
	if (pd2)
		expect_rc("rereg_cmd_dealloc_pd2", ibv_dealloc_pd(pd2), 0);
}

static void test_mr(struct env *e)
{
	struct ibv_pd *pd;
	char *buf;

	if (!e->attr->max_mr) {
		skip("group", "device reports max_mr 0");
		return;
	}
	pd = ibv_alloc_pd(e->ctx);
	buf = alloc_pages(e, 4, PROT_READ | PROT_WRITE);
	if (!check(pd && buf, "setup", "%s", ename(errno)))
		goto out;
	test_mr_access(e, pd, buf);
	test_mr_ranges(e, pd, buf);
	test_mr_rereg(e, pd, buf);
	test_mr_tl_rereg_mr(e, pd, buf);
out:
	if (buf)
		munmap(buf, 4 * e->page);
	if (pd)
		expect_rc("dealloc_pd", ibv_dealloc_pd(pd), 0);
}

/* ------------------------------------------------------------ mw */

static void test_mw_type(struct ibv_pd *pd, enum ibv_mw_type type,
			 const char *name)
{
	struct ibv_mw *mw = ibv_alloc_mw(pd, type);

	if (!EXPECT_PTR(name, mw))
		return;
	check(mw->type == type && mw->pd == pd, nm(name, "attrs"),
	      "type %d", mw->type);
	if (type == IBV_MW_TYPE_2)
		expect_rc(nm(name, "dealloc_pd_busy"), ibv_dealloc_pd(pd),
			  EBUSY);
	expect_rc(nm(name, "dealloc"), ibv_dealloc_mw(mw), 0);
}

static void test_mw(struct env *e)
{
	uint64_t caps = e->attr->device_cap_flags;
	struct ibv_mw *mw[8];
	struct ibv_pd *pd;
	size_t i;
	int rc = 0;

	if (!e->attr->max_mw || !(caps & IBV_DEVICE_MEM_WINDOW)) {
		skip("group", "device has no memory windows");
		return;
	}
	pd = ibv_alloc_pd(e->ctx);
	if (!check(pd != NULL, "setup", "%s", ename(errno)))
		return;
	test_mw_type(pd, IBV_MW_TYPE_1, "type1");
	if (caps & (IBV_DEVICE_MEM_WINDOW_TYPE_2A |
		    IBV_DEVICE_MEM_WINDOW_TYPE_2B))
		test_mw_type(pd, IBV_MW_TYPE_2, "type2");
	else
		skip("type2", "no MEM_WINDOW_TYPE_2A/2B");
	EXPECT_NULL("bad_type", EINVAL, ibv_dealloc_mw,
		    ibv_alloc_mw(pd, (enum ibv_mw_type)3));

	for (i = 0; i < ARRAY_SIZE(mw); i++)
		if (!(mw[i] = ibv_alloc_mw(pd, IBV_MW_TYPE_1)))
			break;
	if (check(i == ARRAY_SIZE(mw), "alloc_many", "MW %zu: %s", i,
		  ename(errno)))
		check(mw[0]->rkey != mw[1]->rkey, "distinct_rkeys", "both %#x",
		      mw[0]->rkey);
	while (i--)
		rc = rc ? rc : verr(ibv_dealloc_mw(mw[i]));
	check(!rc, "dealloc_many", "%s", ename(rc));
	expect_rc("dealloc_pd", ibv_dealloc_pd(pd), 0);
}

/* ------------------------------------------------------------ ah */

static void test_ah_gid(struct ibv_pd *pd, int idx, const union ibv_gid *gid,
			const char *name)
{
	struct ibv_ah_attr a;
	struct ibv_ah *ah;

	if (idx < 0) {
		skip(name, "no such GID");
		return;
	}
	fill_ah(&a, idx, gid);
	ah = ibv_create_ah(pd, &a);
	if (!EXPECT_PTR(name, ah))
		return;
	expect_rc(nm(name, "dealloc_pd_busy"), ibv_dealloc_pd(pd), EBUSY);
	expect_rc(nm(name, "destroy"), ibv_destroy_ah(ah), 0);
}

static void test_ah(struct env *e)
{
	struct ibv_ah_attr a;
	struct ibv_pd *pd;

	if (!e->attr->max_ah) {
		skip("group", "device reports max_ah 0");
		return;
	}
	pd = ibv_alloc_pd(e->ctx);
	if (!check(pd != NULL, "setup", "%s", ename(errno)))
		return;
	test_ah_gid(pd, e->gid4, &e->gid4_val, "ipv4");
	test_ah_gid(pd, e->gid6, &e->gid6_val, "ipv6");
	if (e->gid4 >= 0) {
		fill_ah(&a, e->gid4, &e->gid4_val);
		a.is_global = 0;	/* RoCE needs a GRH */
		EXPECT_NULL("no_grh", EINVAL, ibv_destroy_ah,
			    ibv_create_ah(pd, &a));
		fill_ah(&a, e->gid4, &e->gid4_val);
		a.port_num = 2;
		EXPECT_NULL("bad_port", EINVAL, ibv_destroy_ah,
			    ibv_create_ah(pd, &a));
		fill_ah(&a, e->port.gid_tbl_len, &e->gid4_val);
		EXPECT_NULL("bad_sgid_index", EINVAL, ibv_destroy_ah,
			    ibv_create_ah(pd, &a));
	}
	expect_rc("dealloc_pd", ibv_dealloc_pd(pd), 0);
}

/* ------------------------------------------------------------ cq */

static void test_cq_sizes(struct env *e)
{
	int max = e->attr->max_cqe;
	struct ibv_cq *cq;

	cq = ibv_create_cq(e->ctx, 1, NULL, NULL, 0);
	if (EXPECT_PTR("create_1", cq)) {
		check(cq->cqe >= 1, "create_1_cqe", "cqe %d", cq->cqe);
		expect_rc("destroy_1", ibv_destroy_cq(cq), 0);
	}
	cq = ibv_create_cq(e->ctx, max, NULL, NULL, 0);
	if (EXPECT_PTR("create_max", cq)) {
		check(cq->cqe >= max, "create_max_cqe", "cqe %d < %d",
		      cq->cqe, max);
		expect_rc("destroy_max", ibv_destroy_cq(cq), 0);
	}
	EXPECT_NULL("create_0", EINVAL, ibv_destroy_cq,
		    ibv_create_cq(e->ctx, 0, NULL, NULL, 0));
	if (max < INT32_MAX)
		EXPECT_NULL("create_above_max", EINVAL, ibv_destroy_cq,
			    ibv_create_cq(e->ctx, max + 1, NULL, NULL, 0));
	EXPECT_NULL("create_negative", EINVAL, ibv_destroy_cq,
		    ibv_create_cq(e->ctx, -1, NULL, NULL, 0));
	EXPECT_NULL("bad_comp_vector", EINVAL, ibv_destroy_cq,
		    ibv_create_cq(e->ctx, 16, NULL, NULL,
				  e->ctx->num_comp_vectors));
}

static void test_cq_resize(struct env *e)
{
	int max = e->attr->max_cqe;
	struct ibv_wc wc;
	struct ibv_cq *cq;
	int rc;

	cq = ibv_create_cq(e->ctx, MIN(16, max), NULL, NULL, 0);
	if (!EXPECT_PTR("resize_setup", cq))
		return;
	rc = ibv_resize_cq(cq, MIN(256, max));
	if (verr(rc) == EOPNOTSUPP) {
		skip("resize", "not supported");
		goto out;
	}
	if (expect_rc("resize_bigger", rc, 0))
		check(cq->cqe >= MIN(256, max), "resize_bigger_cqe", "cqe %d",
		      cq->cqe);
	if (expect_rc("resize_smaller", ibv_resize_cq(cq, 4), 0))
		check(cq->cqe >= 4, "resize_smaller_cqe", "cqe %d", cq->cqe);
	expect_rc("resize_0", ibv_resize_cq(cq, 0), EINVAL);
	if (max < INT32_MAX)
		expect_rc("resize_above_max", ibv_resize_cq(cq, max + 1),
			  EINVAL);
	check(ibv_poll_cq(cq, 1, &wc) == 0, "poll_empty_after_resize",
	      "found a completion");
out:
	expect_rc("resize_destroy", ibv_destroy_cq(cq), 0);
}

static void test_cq_channel(struct env *e)
{
	struct ibv_comp_channel *ch;
	struct ibv_cq *cq, *ev_cq;
	struct ibv_wc wc;
	void *ev_ctx;
	int flags;

	ch = ibv_create_comp_channel(e->ctx);
	if (!EXPECT_PTR("channel_create", ch))
		return;
	cq = ibv_create_cq(e->ctx, 16, &wc, ch, 0);
	if (!EXPECT_PTR("channel_cq_create", cq))
		goto out;
	check(cq->channel == ch && cq->cq_context == &wc, "channel_cq_attrs",
	      "channel/context not kept");
	expect_rc("req_notify", ibv_req_notify_cq(cq, 0), 0);
	expect_rc("req_notify_solicited", ibv_req_notify_cq(cq, 1), 0);
	check(ibv_poll_cq(cq, 1, &wc) == 0, "poll_empty", "found a completion");

	/* nothing completed: a non-blocking read finds no event */
	flags = fcntl(ch->fd, F_GETFL);
	fcntl(ch->fd, F_SETFL, flags | O_NONBLOCK);
	errno = 0;
	check(ibv_get_cq_event(ch, &ev_cq, &ev_ctx) == -1 && errno == EAGAIN,
	      "no_event", "%s", ename(errno));

	/* a channel with CQs on it cannot go first */
	expect_rc("channel_destroy_busy", ibv_destroy_comp_channel(ch), EBUSY);
	expect_rc("channel_cq_destroy", ibv_destroy_cq(cq), 0);
out:
	expect_rc("channel_destroy", ibv_destroy_comp_channel(ch), 0);
}

static void test_cq_busy(struct env *e)
{
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;

	if (!e->attr->max_qp) {
		skip("destroy_busy", "device has no QPs");
		return;
	}
	pd = ibv_alloc_pd(e->ctx);
	cq = ibv_create_cq(e->ctx, 16, NULL, NULL, 0);
	if (!check(pd && cq, "busy_setup", "%s", ename(errno)))
		goto out;
	qp = make_qp(pd, IBV_QPT_RC, cq, NULL);
	if (EXPECT_PTR("busy_qp_create", qp)) {
		expect_rc("destroy_busy", ibv_destroy_cq(cq), EBUSY);
		expect_rc("busy_qp_destroy", ibv_destroy_qp(qp), 0);
	}
out:
	if (cq)
		expect_rc("destroy_after_qp", ibv_destroy_cq(cq), 0);
	if (pd)
		ibv_dealloc_pd(pd);
}

static void test_cq(struct env *e)
{
	if (!e->attr->max_cq || !e->attr->max_cqe) {
		skip("group", "device reports max_cq 0");
		return;
	}
	test_cq_sizes(e);
	test_cq_resize(e);
	test_cq_channel(e);
	test_cq_busy(e);
}

/* ------------------------------------------------------------ srq */

static struct ibv_srq *make_srq(struct ibv_pd *pd, uint32_t wr, uint32_t sge)
{
	struct ibv_srq_init_attr a = {
		.attr = { .max_wr = wr, .max_sge = sge },
	};

	return ibv_create_srq(pd, &a);
}

static void test_srq_create(struct env *e, struct ibv_pd *pd)
{
	const struct ibv_device_attr *d = e->attr;

	EXPECT_NULL("create_wr_above_max", EINVAL, ibv_destroy_srq,
		    make_srq(pd, d->max_srq_wr + 1, 1));
	EXPECT_NULL("create_sge_above_max", EINVAL, ibv_destroy_srq,
		    make_srq(pd, 16, d->max_srq_sge + 1));
	EXPECT_NULL("create_wr_0", EINVAL, ibv_destroy_srq,
		    make_srq(pd, 0, 1));
}

static void test_srq_modify(struct env *e, struct ibv_srq *srq)
{
	uint32_t max = e->attr->max_srq_wr;
	struct ibv_srq_attr a;
	struct diff d = {};
	uint32_t cur;
	int rc;

	if (!expect_rc("query", ibv_query_srq(srq, &a), 0))
		return;
	diff_ge(&d, "max_wr", a.max_wr, 16);
	diff_ge(&d, "max_sge", a.max_sge, 2);
	diff_u(&d, "srq_limit", a.srq_limit, 0);
	check_diff("query_attrs", &d);
	cur = a.max_wr;

	a.srq_limit = 8;
	expect_rc("arm_limit", ibv_modify_srq(srq, &a, IBV_SRQ_LIMIT), 0);
	check(!ibv_query_srq(srq, &a) && a.srq_limit == 8, "query_limit",
	      "srq_limit %u, expected 8", a.srq_limit);
	a.srq_limit = cur + 1;
	expect_rc("limit_above_max_wr", ibv_modify_srq(srq, &a, IBV_SRQ_LIMIT),
		  EINVAL);

	if (!(e->attr->device_cap_flags & IBV_DEVICE_SRQ_RESIZE)) {
		skip("resize", "no IBV_DEVICE_SRQ_RESIZE");
		return;
	}
	a.max_wr = MIN(cur + 64, max);
	rc = ibv_modify_srq(srq, &a, IBV_SRQ_MAX_WR);
	if (expect_rc("resize", rc, 0)) {
		memset(&a, 0, sizeof(a));
		memset(&d, 0, sizeof(d));
		ibv_query_srq(srq, &a);
		diff_ge(&d, "max_wr", a.max_wr, MIN(cur + 64, max));
		diff_u(&d, "srq_limit", a.srq_limit, 8);
		check_diff("query_resized", &d);
	}
	a.max_wr = max + 1;
	expect_rc("resize_above_max", ibv_modify_srq(srq, &a, IBV_SRQ_MAX_WR),
		  EINVAL);
}

static void test_srq_post(struct env *e, struct ibv_pd *pd,
			  struct ibv_srq *srq)
{
	struct ibv_recv_wr wr = {}, *bad = NULL;
	struct ibv_sge sge[64];
	struct ibv_srq_attr a;
	struct ibv_mr *mr;
	unsigned int i;
	char *buf;

	if (ibv_query_srq(srq, &a) || a.max_sge + 1 > ARRAY_SIZE(sge))
		return;
	buf = alloc_pages(e, 1, PROT_READ | PROT_WRITE);
	mr = buf && e->attr->max_mr ?
	     ibv_reg_mr(pd, buf, e->page, IBV_ACCESS_LOCAL_WRITE) : NULL;
	if (!check(mr != NULL, "post_setup", "%s", ename(errno)))
		goto out;
	for (i = 0; i < ARRAY_SIZE(sge); i++)
		sge[i] = (struct ibv_sge){
			.addr = (uintptr_t)buf, .length = 8, .lkey = mr->lkey,
		};
	wr.sg_list = sge;
	wr.num_sge = 1;
	expect_rc("post_recv", ibv_post_srq_recv(srq, &wr, &bad), 0);
	wr.num_sge = a.max_sge + 1;
	bad = NULL;
	check(ibv_post_srq_recv(srq, &wr, &bad) != 0 && bad == &wr,
	      "post_too_many_sge", "accepted %d SGEs (max_sge %u)",
	      wr.num_sge, a.max_sge);
	ibv_dereg_mr(mr);
out:
	if (buf)
		munmap(buf, e->page);
}

static void test_srq_busy(struct env *e, struct ibv_pd *pd)
{
	struct ibv_srq *srq;
	struct ibv_cq *cq;
	struct ibv_qp *qp;

	if (!e->attr->max_qp) {
		skip("destroy_busy", "device has no QPs");
		return;
	}
	srq = make_srq(pd, 16, 1);
	cq = ibv_create_cq(e->ctx, 16, NULL, NULL, 0);
	if (!check(srq && cq, "busy_setup", "%s", ename(errno)))
		goto out;
	qp = make_qp(pd, IBV_QPT_RC, cq, srq);
	if (EXPECT_PTR("busy_qp_create", qp)) {
		expect_rc("destroy_busy", ibv_destroy_srq(srq), EBUSY);
		expect_rc("busy_qp_destroy", ibv_destroy_qp(qp), 0);
	}
out:
	if (srq)
		expect_rc("destroy_after_qp", ibv_destroy_srq(srq), 0);
	if (cq)
		ibv_destroy_cq(cq);
}

static void test_srq(struct env *e)
{
	struct ibv_srq *srq;
	struct ibv_pd *pd;

	if (!e->attr->max_srq) {
		skip("group", "device reports max_srq 0");
		return;
	}
	pd = ibv_alloc_pd(e->ctx);
	if (!check(pd != NULL, "setup", "%s", ename(errno)))
		return;
	test_srq_create(e, pd);
	srq = make_srq(pd, 16, MIN(2, e->attr->max_srq_sge));
	if (EXPECT_PTR("create", srq)) {
		test_srq_modify(e, srq);
		test_srq_post(e, pd, srq);
		expect_rc("destroy", ibv_destroy_srq(srq), 0);
	}
	test_srq_busy(e, pd);
	expect_rc("dealloc_pd", ibv_dealloc_pd(pd), 0);
}

/* ------------------------------------------------------------ qp */

struct qp_env {
	struct env *e;
	struct ibv_pd *pd;
	struct ibv_cq *scq, *rcq;
	struct ibv_srq *srq;		/* NULL if the device has none */
};

static void test_qp_create(struct qp_env *q, enum ibv_qp_type type,
			   struct ibv_srq *srq)
{
	struct ibv_qp_init_attr ia = qp_init_attr(type, q->scq, q->rcq, srq);
	struct ibv_qp_init_attr qi;
	struct ibv_qp_attr a;
	struct diff d = {};
	char prefix[32];
	struct ibv_qp *qp;

	snprintf(prefix, sizeof(prefix), "%.8s%s", qpt_name(type),
		 srq ? ".srq" : "");
	qp = ibv_create_qp(q->pd, &ia);
	if (!EXPECT_PTR(nm(prefix, "create"), qp))
		return;
	diff_u(&d, "qp_type", qp->qp_type, type);
	diff_u(&d, "state", qp->state, IBV_QPS_RESET);
	diff_ge(&d, "qp_num", qp->qp_num, 2);
	check_diff(nm(prefix, "create_attrs"), &d);

	memset(&qi, 0, sizeof(qi));
	if (expect_rc(nm(prefix, "query"),
		      ibv_query_qp(qp, &a, IBV_QP_STATE | IBV_QP_CAP, &qi), 0)) {
		diff_u(&d, "qp_state", a.qp_state, IBV_QPS_RESET);
		diff_u(&d, "init.qp_type", qi.qp_type, type);
		diff_u(&d, "init.srq", (uintptr_t)qi.srq, (uintptr_t)srq);
		diff_ge(&d, "cap.max_send_wr", a.cap.max_send_wr, 16);
		diff_ge(&d, "cap.max_send_sge", a.cap.max_send_sge, 1);
		if (!srq) {
			diff_ge(&d, "cap.max_recv_wr", a.cap.max_recv_wr, 16);
			diff_ge(&d, "cap.max_recv_sge", a.cap.max_recv_sge, 1);
		}
		check_diff(nm(prefix, "query_attrs"), &d);
	}
	expect_rc(nm(prefix, "destroy"), ibv_destroy_qp(qp), 0);
}

static void test_qp_caps(struct qp_env *q)
{
	const struct ibv_device_attr *d = q->e->attr;
	struct ibv_qp_init_attr a;
	int i;

	static const char *const names[] = {
		"send_wr_above_max", "recv_wr_above_max", "send_sge_above_max",
		"recv_sge_above_max", "inline_above_max",
	};

	for (i = 0; i < (int)ARRAY_SIZE(names); i++) {
		a = qp_init_attr(IBV_QPT_RC, q->scq, q->rcq, NULL);
		switch (i) {
		case 0: a.cap.max_send_wr = d->max_qp_wr + 1; break;
		case 1: a.cap.max_recv_wr = d->max_qp_wr + 1; break;
		case 2: a.cap.max_send_sge = d->max_sge + 1; break;
		case 3: a.cap.max_recv_sge = d->max_sge + 1; break;
		case 4: a.cap.max_inline_data = 1 << 20; break;
		}
		EXPECT_NULL(names[i], EINVAL, ibv_destroy_qp,
			    ibv_create_qp(q->pd, &a));
	}
}

static void check_rtr_attrs(struct qp_env *q, struct ibv_qp *qp,
			    const char *prefix)
{
	struct ibv_qp_init_attr qi;
	struct ibv_qp_attr a;
	struct diff d = {};
	int mask = IBV_QP_STATE | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
		   IBV_QP_RQ_PSN | IBV_QP_AV | IBV_QP_ACCESS_FLAGS |
		   IBV_QP_PORT | IBV_QP_PKEY_INDEX | IBV_QP_QKEY |
		   IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER;

	memset(&a, 0, sizeof(a));
	if (!expect_rc(nm(prefix, "query_rtr"),
		       ibv_query_qp(qp, &a, mask, &qi), 0))
		return;
	diff_u(&d, "qp_state", a.qp_state, IBV_QPS_RTR);
	diff_u(&d, "port_num", a.port_num, 1);
	diff_u(&d, "pkey_index", a.pkey_index, 0);
	if (qp->qp_type == IBV_QPT_UD) {
		diff_u(&d, "qkey", a.qkey, QKEY);
		check_diff(nm(prefix, "query_rtr_attrs"), &d);
		return;
	}
	diff_u(&d, "path_mtu", a.path_mtu, IBV_MTU_1024);
	diff_u(&d, "dest_qp_num", a.dest_qp_num, qp->qp_num);
	diff_u(&d, "rq_psn", a.rq_psn, RQ_PSN);
	diff_u(&d, "ah.is_global", a.ah_attr.is_global, 1);
	diff_u(&d, "ah.port_num", a.ah_attr.port_num, 1);
	diff_u(&d, "ah.sgid_index", a.ah_attr.grh.sgid_index, q->e->gid4);
	diff_u(&d, "ah.hop_limit", a.ah_attr.grh.hop_limit, HOP_LIMIT);
	if (!d.msg[0] && memcmp(&a.ah_attr.grh.dgid, &q->e->gid4_val, 16))
		snprintf(d.msg, sizeof(d.msg), "ah.grh.dgid differs");
	if (qp->qp_type == IBV_QPT_RC) {
		diff_u(&d, "qp_access_flags", a.qp_access_flags, RC_ACCESS);
		diff_u(&d, "max_dest_rd_atomic", a.max_dest_rd_atomic,
		       dest_rd_atomic(q->e));
		diff_u(&d, "min_rnr_timer", a.min_rnr_timer, MIN_RNR_TIMER);
	}
	check_diff(nm(prefix, "query_rtr_attrs"), &d);
}

static void check_rts_attrs(struct qp_env *q, struct ibv_qp *qp,
			    const char *prefix)
{
	struct ibv_qp_init_attr qi;
	struct ibv_qp_attr a;
	struct diff d = {};
	int mask = IBV_QP_STATE | IBV_QP_SQ_PSN | IBV_QP_TIMEOUT |
		   IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
		   IBV_QP_MAX_QP_RD_ATOMIC | IBV_QP_RQ_PSN;

	memset(&a, 0, sizeof(a));
	if (!expect_rc(nm(prefix, "query_rts"),
		       ibv_query_qp(qp, &a, mask, &qi), 0))
		return;
	diff_u(&d, "qp_state", a.qp_state, IBV_QPS_RTS);
	diff_u(&d, "sq_psn", a.sq_psn, SQ_PSN);
	if (qp->qp_type == IBV_QPT_RC) {
		diff_u(&d, "rq_psn", a.rq_psn, RQ_PSN);
		diff_u(&d, "timeout", a.timeout, TIMEOUT);
		diff_u(&d, "retry_cnt", a.retry_cnt, RETRY_CNT);
		diff_u(&d, "rnr_retry", a.rnr_retry, RNR_RETRY);
		diff_u(&d, "max_rd_atomic", a.max_rd_atomic, rd_atomic(q->e));
	}
	check_diff(nm(prefix, "query_rts_attrs"), &d);
}

/*
 * SQD is optional in the verbs API: RTS->SQD may fail with EOPNOTSUPP,
 * which is reported as a skip; any other outcome must be a clean drain
 * to SQD and back to RTS.
 */
static void qp_sqd(struct ibv_qp *qp, const char *prefix)
{
	int rc = verr(set_state(qp, IBV_QPS_SQD));

	if (rc == EOPNOTSUPP) {
		skip(nm(prefix, "rts_to_sqd"), "SQD not supported");
		return;
	}
	if (!expect_rc(nm(prefix, "rts_to_sqd"), rc, 0))
		return;
	check_state(nm(prefix, "query_sqd"), qp, IBV_QPS_SQD);
	expect_rc(nm(prefix, "sqd_to_rts"), set_state(qp, IBV_QPS_RTS), 0);
}

static void test_qp_states(struct qp_env *q, enum ibv_qp_type type)
{
	const char *p = qpt_name(type);
	struct ibv_qp_attr a;
	struct ibv_qp *qp;

	qp = make_qp(q->pd, type, q->scq, NULL);
	if (!EXPECT_PTR(nm(p, "sm_create"), qp))
		return;
	if (!expect_rc(nm(p, "reset_to_init"),
		       ibv_modify_qp(qp, &a, init_attr(type, &a)), 0))
		goto out;
	check_state(nm(p, "query_init"), qp, IBV_QPS_INIT);
	if (!expect_rc(nm(p, "init_to_rtr"),
		       ibv_modify_qp(qp, &a, rtr_attr(q->e, qp, &a)), 0))
		goto out;
	check_rtr_attrs(q, qp, p);
	if (!expect_rc(nm(p, "rtr_to_rts"),
		       ibv_modify_qp(qp, &a, rts_attr(q->e, qp, &a)), 0))
		goto out;
	check_rts_attrs(q, qp, p);
	qp_sqd(qp, p);
	expect_rc(nm(p, "rts_to_err"), set_state(qp, IBV_QPS_ERR), 0);
	check_state(nm(p, "query_err"), qp, IBV_QPS_ERR);
	expect_rc(nm(p, "err_to_reset"), set_state(qp, IBV_QPS_RESET), 0);
	check_state(nm(p, "query_reset"), qp, IBV_QPS_RESET);
	expect_rc(nm(p, "reuse_to_rts"), move_qp(q->e, qp, IBV_QPS_RTS), 0);
	expect_rc(nm(p, "rts_to_reset"), set_state(qp, IBV_QPS_RESET), 0);
out:
	expect_rc(nm(p, "sm_destroy"), ibv_destroy_qp(qp), 0);
}

/* Transitions the spec does not allow, from RESET and from INIT. */
static void test_qp_bad_transitions(struct qp_env *q)
{
	struct ibv_qp_attr a;
	struct ibv_qp *qp;

	qp = make_qp(q->pd, IBV_QPT_RC, q->scq, NULL);
	if (!EXPECT_PTR("bad_transition_setup", qp))
		return;
	expect_rc("reset_to_rtr", ibv_modify_qp(qp, &a, rtr_attr(q->e, qp, &a)),
		  EINVAL);
	expect_rc("reset_to_rts", ibv_modify_qp(qp, &a, rts_attr(q->e, qp, &a)),
		  EINVAL);
	expect_rc("reset_to_sqd", set_state(qp, IBV_QPS_SQD), EINVAL);
	check_state("failed_modify_keeps_reset", qp, IBV_QPS_RESET);
	a.qp_state = 42;
	expect_rc("bad_state_value", ibv_modify_qp(qp, &a, IBV_QP_STATE),
		  EINVAL);
	if (expect_rc("to_init", move_qp(q->e, qp, IBV_QPS_INIT), 0)) {
		expect_rc("init_to_rts",
			  ibv_modify_qp(qp, &a, rts_attr(q->e, qp, &a)),
			  EINVAL);
		expect_rc("init_to_sqd", set_state(qp, IBV_QPS_SQD), EINVAL);
		check_state("failed_modify_keeps_init", qp, IBV_QPS_INIT);
	}
	expect_rc("init_to_err", set_state(qp, IBV_QPS_ERR), 0);
	expect_rc("err_to_rts", ibv_modify_qp(qp, &a, rts_attr(q->e, qp, &a)),
		  EINVAL);
	expect_rc("bad_transition_destroy", ibv_destroy_qp(qp), 0);
}

/*
 * A transition with a required attribute missing (drop) or a disallowed
 * one added (add) fails with EINVAL; the QP stays where it was.
 */
struct mask_case {
	const char *name;
	enum ibv_qp_type type;
	enum ibv_qp_state from;	/* state the QP is moved to first */
	enum ibv_qp_state to;
	int drop, add;
};

static const struct mask_case mask_cases[] = {
	{ "rc_init_no_access", IBV_QPT_RC, IBV_QPS_RESET, IBV_QPS_INIT,
	  IBV_QP_ACCESS_FLAGS, 0 },
	{ "rc_init_no_port", IBV_QPT_RC, IBV_QPS_RESET, IBV_QPS_INIT,
	  IBV_QP_PORT, 0 },
	{ "rc_init_no_pkey", IBV_QPT_RC, IBV_QPS_RESET, IBV_QPS_INIT,
	  IBV_QP_PKEY_INDEX, 0 },
	{ "ud_init_no_qkey", IBV_QPT_UD, IBV_QPS_RESET, IBV_QPS_INIT,
	  IBV_QP_QKEY, 0 },
	{ "rc_rtr_no_av", IBV_QPT_RC, IBV_QPS_INIT, IBV_QPS_RTR,
	  IBV_QP_AV, 0 },
	{ "rc_rtr_no_dest_qpn", IBV_QPT_RC, IBV_QPS_INIT, IBV_QPS_RTR,
	  IBV_QP_DEST_QPN, 0 },
	{ "rc_rtr_no_path_mtu", IBV_QPT_RC, IBV_QPS_INIT, IBV_QPS_RTR,
	  IBV_QP_PATH_MTU, 0 },
	{ "rc_rtr_no_rq_psn", IBV_QPT_RC, IBV_QPS_INIT, IBV_QPS_RTR,
	  IBV_QP_RQ_PSN, 0 },
	{ "rc_rtr_no_min_rnr_timer", IBV_QPT_RC, IBV_QPS_INIT, IBV_QPS_RTR,
	  IBV_QP_MIN_RNR_TIMER, 0 },
	{ "rc_rts_no_sq_psn", IBV_QPT_RC, IBV_QPS_RTR, IBV_QPS_RTS,
	  IBV_QP_SQ_PSN, 0 },
	{ "rc_rts_no_timeout", IBV_QPT_RC, IBV_QPS_RTR, IBV_QPS_RTS,
	  IBV_QP_TIMEOUT, 0 },
	{ "uc_rtr_no_av", IBV_QPT_UC, IBV_QPS_INIT, IBV_QPS_RTR,
	  IBV_QP_AV, 0 },
	{ "ud_rts_no_sq_psn", IBV_QPT_UD, IBV_QPS_RTR, IBV_QPS_RTS,
	  IBV_QP_SQ_PSN, 0 },
	{ "rc_init_extra_sq_psn", IBV_QPT_RC, IBV_QPS_RESET, IBV_QPS_INIT,
	  0, IBV_QP_SQ_PSN },
	{ "rc_init_extra_av", IBV_QPT_RC, IBV_QPS_RESET, IBV_QPS_INIT,
	  0, IBV_QP_AV },
	{ "ud_init_extra_access", IBV_QPT_UD, IBV_QPS_RESET, IBV_QPS_INIT,
	  0, IBV_QP_ACCESS_FLAGS },
	{ "uc_init_extra_qkey", IBV_QPT_UC, IBV_QPS_RESET, IBV_QPS_INIT,
	  0, IBV_QP_QKEY },
	{ "rc_rtr_extra_sq_psn", IBV_QPT_RC, IBV_QPS_INIT, IBV_QPS_RTR,
	  0, IBV_QP_SQ_PSN },
	{ "rc_rtr_extra_timeout", IBV_QPT_RC, IBV_QPS_INIT, IBV_QPS_RTR,
	  0, IBV_QP_TIMEOUT },
	{ "ud_rtr_extra_av", IBV_QPT_UD, IBV_QPS_INIT, IBV_QPS_RTR,
	  0, IBV_QP_AV },
	{ "rc_rts_extra_dest_qpn", IBV_QPT_RC, IBV_QPS_RTR, IBV_QPS_RTS,
	  0, IBV_QP_DEST_QPN },
	{ "rc_rts_extra_path_mtu", IBV_QPT_RC, IBV_QPS_RTR, IBV_QPS_RTS,
	  0, IBV_QP_PATH_MTU },
};

/* Attributes (all masks set) for from->to, with every extra filled in. */
static int transition_attr(struct qp_env *q, struct ibv_qp *qp,
			   enum ibv_qp_state to, struct ibv_qp_attr *a)
{
	struct ibv_qp_attr x;
	int mask;

	switch (to) {
	case IBV_QPS_INIT:
		mask = init_attr(qp->qp_type, a);
		break;
	case IBV_QPS_RTR:
		mask = rtr_attr(q->e, qp, a);
		break;
	default:
		mask = rts_attr(q->e, qp, a);
		break;
	}
	/* values for attributes a case may add */
	rtr_attr(q->e, qp, &x);
	a->ah_attr = x.ah_attr;
	a->dest_qp_num = qp->qp_num;
	a->path_mtu = IBV_MTU_1024;
	a->sq_psn = SQ_PSN;
	a->timeout = TIMEOUT;
	a->qkey = QKEY;
	a->qp_access_flags = IBV_ACCESS_LOCAL_WRITE;
	return mask;
}

static void test_qp_masks(struct qp_env *q)
{
	const struct mask_case *c;
	struct ibv_qp_attr a;
	struct ibv_qp *qp;
	int mask;

	for (c = mask_cases; c < mask_cases + ARRAY_SIZE(mask_cases); c++) {
		qp = make_qp(q->pd, c->type, q->scq, NULL);
		if (!EXPECT_PTR(nm(c->name, "create"), qp))
			continue;
		if (c->from != IBV_QPS_RESET &&
		    !expect_rc(nm(c->name, "setup"),
			       move_qp(q->e, qp, c->from), 0))
			goto next;
		mask = transition_attr(q, qp, c->to, &a);
		if (expect_rc(c->name,
			      ibv_modify_qp(qp, &a, (mask & ~c->drop) | c->add),
			      EINVAL))
			check_state(nm(c->name, "state_kept"), qp, c->from);
next:
		ibv_destroy_qp(qp);
	}
}

/*
 * Out-of-range attribute values, each on a fresh RC QP; all must fail
 * with EINVAL (ibv_modify_qp(3); the IBTA field widths: min_rnr_timer
 * and timeout are 5 bits, retry_cnt and rnr_retry 3 bits).
 * rxe: accepts a pkey_index past the P_Key table, max_dest_rd_atomic
 * above max_qp_rd_atom, min_rnr_timer 32, retry_cnt 8 and rnr_retry 8
 * (it masks or ignores them), so those five fail against rdma_rxe.
 */
enum { BAD_PORT, BAD_PKEY, BAD_MTU, BAD_DEST_RD_ATOMIC, BAD_MIN_RNR,
       BAD_TIMEOUT, BAD_RETRY, BAD_RNR_RETRY, BAD_RD_ATOMIC, BAD_SGID };

static const struct {
	const char *name;
	enum ibv_qp_state from;
} bad_values[] = {
	[BAD_PORT]		= { "init_port_2",		IBV_QPS_RESET },
	[BAD_PKEY]		= { "init_pkey_past_table",	IBV_QPS_RESET },
	[BAD_MTU]		= { "rtr_path_mtu_invalid",	IBV_QPS_INIT },
	[BAD_DEST_RD_ATOMIC]	= { "rtr_dest_rd_atomic_above_max",
								IBV_QPS_INIT },
	[BAD_MIN_RNR]		= { "rtr_min_rnr_timer_32",	IBV_QPS_INIT },
	[BAD_SGID]		= { "rtr_sgid_past_table",	IBV_QPS_INIT },
	[BAD_TIMEOUT]		= { "rts_timeout_32",		IBV_QPS_RTR },
	[BAD_RETRY]		= { "rts_retry_cnt_8",		IBV_QPS_RTR },
	[BAD_RNR_RETRY]		= { "rts_rnr_retry_8",		IBV_QPS_RTR },
	[BAD_RD_ATOMIC]		= { "rts_rd_atomic_above_max",	IBV_QPS_RTR },
};

static int bad_value_attr(struct qp_env *q, struct ibv_qp *qp, int i,
			  struct ibv_qp_attr *a)
{
	const struct ibv_device_attr *d = q->e->attr;
	int mask;

	mask = transition_attr(q, qp, bad_values[i].from + 1, a);
	switch (i) {
	case BAD_PORT:		a->port_num = 2; break;
	case BAD_PKEY:		a->pkey_index = q->e->port.pkey_tbl_len; break;
	case BAD_MTU:		a->path_mtu = IBV_MTU_4096 + 2; break;
	case BAD_DEST_RD_ATOMIC: a->max_dest_rd_atomic = d->max_qp_rd_atom + 1;
				break;
	case BAD_MIN_RNR:	a->min_rnr_timer = 32; break;
	case BAD_SGID:		a->ah_attr.grh.sgid_index =
					q->e->port.gid_tbl_len;
				break;
	case BAD_TIMEOUT:	a->timeout = 32; break;
	case BAD_RETRY:		a->retry_cnt = 8; break;
	case BAD_RNR_RETRY:	a->rnr_retry = 8; break;
	case BAD_RD_ATOMIC:	a->max_rd_atomic = d->max_qp_init_rd_atom + 1;
				break;
	}
	return mask;
}

static void test_qp_values(struct qp_env *q)
{
	const struct ibv_device_attr *d = q->e->attr;
	struct ibv_qp_attr a;
	struct ibv_qp *qp;
	size_t i;
	int mask;

	for (i = 0; i < ARRAY_SIZE(bad_values); i++) {
		const char *name = bad_values[i].name;

		if ((i == BAD_DEST_RD_ATOMIC && d->max_qp_rd_atom >= 255) ||
		    (i == BAD_RD_ATOMIC && d->max_qp_init_rd_atom >= 255)) {
			skip(name, "cap does not fit the 8-bit attribute");
			continue;
		}
		qp = make_qp(q->pd, IBV_QPT_RC, q->scq, NULL);
		if (!EXPECT_PTR(nm(name, "create"), qp))
			continue;
		if (bad_values[i].from == IBV_QPS_RESET ||
		    expect_rc(nm(name, "setup"),
			      move_qp(q->e, qp, bad_values[i].from), 0)) {
			mask = bad_value_attr(q, qp, i, &a);
			expect_rc(name, ibv_modify_qp(qp, &a, mask), EINVAL);
		}
		ibv_destroy_qp(qp);
	}
}

/*
 * Wait up to ms for one completion on cq, armed on channel ch; returns
 * the number polled (0 on timeout, -1 on error). Event driven: no sleeps.
 */
static int wait_wc(struct ibv_comp_channel *ch, struct ibv_cq *cq,
		   struct ibv_wc *wc, int ms)
{
	struct pollfd pfd = { .fd = ch->fd, .events = POLLIN };
	struct ibv_cq *ev_cq;
	void *ev_ctx;
	int n;

	for (;;) {
		n = ibv_poll_cq(cq, 1, wc);
		if (n)
			return n;
		if (poll(&pfd, 1, ms) != 1)
			return 0;
		if (ibv_get_cq_event(ch, &ev_cq, &ev_ctx))
			return -1;
		ibv_ack_cq_events(ev_cq, 1);
		if (ibv_req_notify_cq(cq, 0))
			return -1;
	}
}

/* A send posted to a QP in ERR completes with IBV_WC_WR_FLUSH_ERR. */
static void test_qp_err_flush(struct qp_env *q)
{
	struct ibv_send_wr wr = {
		.wr_id = 0x5eed, .opcode = IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;
	struct ibv_comp_channel *ch;
	struct ibv_cq *cq = NULL;
	struct ibv_qp *qp = NULL;
	struct ibv_wc wc = {};
	int n;

	ch = ibv_create_comp_channel(q->e->ctx);
	if (ch)
		cq = ibv_create_cq(q->e->ctx, 16, NULL, ch, 0);
	if (cq)
		qp = make_qp(q->pd, IBV_QPT_RC, cq, NULL);
	if (!check(qp != NULL, "flush_setup", "%s", ename(errno)))
		goto out;
	if (!expect_rc("flush_to_rts", move_qp(q->e, qp, IBV_QPS_RTS), 0) ||
	    !expect_rc("flush_to_err", set_state(qp, IBV_QPS_ERR), 0) ||
	    !expect_rc("err_post_send", ibv_post_send(qp, &wr, &bad), 0))
		goto out;
	/* armed after posting: wait_wc polls before it waits */
	if (!expect_rc("flush_req_notify", ibv_req_notify_cq(cq, 0), 0))
		goto out;
	n = wait_wc(ch, cq, &wc, 5000);
	check(n == 1 && wc.wr_id == wr.wr_id &&
	      wc.status == IBV_WC_WR_FLUSH_ERR && wc.qp_num == qp->qp_num,
	      "err_post_send_flushed", "%d completions, wr_id %#llx status %d",
	      n, (unsigned long long)wc.wr_id, wc.status);
out:
	if (qp)
		ibv_destroy_qp(qp);
	if (cq)
		ibv_destroy_cq(cq);
	if (ch)
		ibv_destroy_comp_channel(ch);
}

static void test_qp(struct env *e)
{
	struct qp_env q = { .e = e };

	if (!e->attr->max_qp || !e->attr->max_cq) {
		skip("group", "device reports max_qp 0");
		return;
	}
	if (e->gid4 < 0) {
		check(false, "setup", "no RoCEv2 IPv4 GID for the address vector");
		return;
	}
	q.pd = ibv_alloc_pd(e->ctx);
	q.scq = ibv_create_cq(e->ctx, 64, NULL, NULL, 0);
	q.rcq = ibv_create_cq(e->ctx, 64, NULL, NULL, 0);
	if (e->attr->max_srq)
		q.srq = make_srq(q.pd, 16, 1);
	if (!check(q.pd && q.scq && q.rcq && (q.srq || !e->attr->max_srq),
		   "setup", "%s", ename(errno)))
		goto out;

	test_qp_create(&q, IBV_QPT_RC, NULL);
	test_qp_create(&q, IBV_QPT_UC, NULL);
	test_qp_create(&q, IBV_QPT_UD, NULL);
	if (q.srq) {
		test_qp_create(&q, IBV_QPT_RC, q.srq);
		test_qp_create(&q, IBV_QPT_UD, q.srq);
	} else {
		skip("srq", "device has no SRQs");
	}
	test_qp_caps(&q);
	test_qp_states(&q, IBV_QPT_RC);
	test_qp_states(&q, IBV_QPT_UC);
	test_qp_states(&q, IBV_QPT_UD);
	test_qp_bad_transitions(&q);
	test_qp_masks(&q);
	test_qp_values(&q);
	test_qp_err_flush(&q);
out:
	if (q.srq)
		ibv_destroy_srq(q.srq);
	if (q.rcq)
		ibv_destroy_cq(q.rcq);
	if (q.scq)
		ibv_destroy_cq(q.scq);
	if (q.pd)
		expect_rc("dealloc_pd", ibv_dealloc_pd(q.pd), 0);
}

/* ------------------------------------------------------------ limits */

/*
 * One object kind for the limits group: how to make and free one, its
 * restrack counter, and the device's cap.
 */
struct kind {
	const char *name;
	void *(*make)(struct env *e, struct ibv_pd *pd, void *buf);
	int (*free)(void *obj);
	long *(*count)(struct res_counts *c);
	int (*cap)(const struct ibv_device_attr *d);
};

static void *make_pd(struct env *e, struct ibv_pd *pd, void *buf)
{
	(void)pd; (void)buf;
	return ibv_alloc_pd(e->ctx);
}

static int free_pd(void *obj) { return ibv_dealloc_pd(obj); }
static long *count_pd(struct res_counts *c) { return &c->pd; }
static int cap_pd(const struct ibv_device_attr *d) { return d->max_pd; }

static void *make_cq(struct env *e, struct ibv_pd *pd, void *buf)
{
	(void)pd; (void)buf;
	return ibv_create_cq(e->ctx, 1, NULL, NULL, 0);
}

static int free_cq(void *obj) { return ibv_destroy_cq(obj); }
static long *count_cq(struct res_counts *c) { return &c->cq; }
static int cap_cq(const struct ibv_device_attr *d) { return d->max_cq; }

static void *make_mr(struct env *e, struct ibv_pd *pd, void *buf)
{
	return ibv_reg_mr(pd, buf, e->page, IBV_ACCESS_LOCAL_WRITE);
}

static int free_mr(void *obj) { return ibv_dereg_mr(obj); }
static long *count_mr(struct res_counts *c) { return &c->mr; }
static int cap_mr(const struct ibv_device_attr *d) { return d->max_mr; }

static void *make_srq_k(struct env *e, struct ibv_pd *pd, void *buf)
{
	(void)e; (void)buf;
	return make_srq(pd, 1, 1);
}

static int free_srq(void *obj) { return ibv_destroy_srq(obj); }
static long *count_srq(struct res_counts *c) { return &c->srq; }
static int cap_srq(const struct ibv_device_attr *d) { return d->max_srq; }

/* A UD QP on its own CQ; the QP is freed with it. */
static void *make_qp_k(struct env *e, struct ibv_pd *pd, void *buf)
{
	struct ibv_cq *cq = buf;

	(void)e;
	return make_qp(pd, IBV_QPT_UD, cq, NULL);
}

static int free_qp(void *obj) { return ibv_destroy_qp(obj); }
static long *count_qp(struct res_counts *c) { return &c->qp; }
static int cap_qp(const struct ibv_device_attr *d)
{
	return MIN(d->max_qp, d->max_cq);
}

static const struct kind kinds[] = {
	{ "pd", make_pd, free_pd, count_pd, cap_pd },
	{ "cq", make_cq, free_cq, count_cq, cap_cq },
	{ "mr", make_mr, free_mr, count_mr, cap_mr },
	{ "srq", make_srq_k, free_srq, count_srq, cap_srq },
	{ "qp", make_qp_k, free_qp, count_qp, cap_qp },
};

#define LIMIT_COUNT	32		/* objects per kind in counted_* */
#define LIMIT_FULL	4096		/* fill caps up to this size */

/* Make up to n objects; returns how many were made, errno of the failure. */
static int make_n(struct env *e, const struct kind *k, struct ibv_pd *pd,
		  void *buf, void **objs, int n, int *err)
{
	int i;

	*err = 0;
	for (i = 0; i < n; i++) {
		errno = 0;
		objs[i] = k->make(e, pd, buf);
		if (!objs[i]) {
			*err = errno;
			break;
		}
	}
	return i;
}

static int free_n(const struct kind *k, void **objs, int n)
{
	int rc = 0;

	while (n--)
		rc = rc ? rc : verr(k->free(objs[n]));
	return rc;
}

static void limits_counted(struct env *e, const struct kind *k,
			   struct ibv_pd *pd, void *buf)
{
	struct res_counts base, c, want;
	void *objs[LIMIT_COUNT];
	struct diff d = {};
	int n, err;

	if (!res_read(e->dev, &base)) {
		skip(nm("counted", k->name), "no rdma res counts");
		return;
	}
	n = make_n(e, k, pd, buf, objs, LIMIT_COUNT, &err);
	if (check(n == LIMIT_COUNT, nm("make", k->name), "%d made: %s", n,
		  ename(err))) {
		want = base;
		*k->count(&want) += n;
		if (res_read(e->dev, &c))
			res_diff(&d, &c, &want);
		else
			snprintf(d.msg, sizeof(d.msg), "rdma res failed");
		check_diff(nm("counted", k->name), &d);
	}
	err = free_n(k, objs, n);
	check(!err, nm("free", k->name), "%s", ename(err));
	memset(&d, 0, sizeof(d));
	if (res_read(e->dev, &c))
		res_diff(&d, &c, &base);
	check_diff(nm("released", k->name), &d);
}

/*
 * Fill a small cap: the device-wide count reaches exactly the cap and one
 * more fails with ENOMEM (rxe: its pools return EINVAL when full, but its
 * caps are too large to be filled here).
 */
static void limits_full(struct env *e, const struct kind *k,
			struct ibv_pd *pd, void *buf)
{
	int cap = k->cap(e->attr);
	struct res_counts base;
	long have;
	void **objs;
	int n, err;

	if (cap <= 0 || cap > LIMIT_FULL || !res_read(e->dev, &base)) {
		skip(nm("full", k->name), "cap %d too large or no rdma res",
		     cap);
		return;
	}
	have = *k->count(&base);
	objs = calloc(cap + 1, sizeof(*objs));
	if (!objs || have > cap)
		goto out;
	n = make_n(e, k, pd, buf, objs, cap - have + 1, &err);
	if (check(n == cap - have, nm("full", k->name),
		  "made %d with %ld existing, cap %d", n, have, cap))
		check(err == ENOMEM, nm("full_errno", k->name), "%s, expected %s",
		      ename(err), ename(ENOMEM));
	err = free_n(k, objs, n);
	check(!err, nm("full_free", k->name), "%s", ename(err));
out:
	free(objs);
}

static void test_limits(struct env *e)
{
	const struct kind *k;
	struct ibv_cq *cq = NULL;
	struct ibv_pd *pd;
	void *buf, *arg;

	pd = ibv_alloc_pd(e->ctx);
	buf = alloc_pages(e, 1, PROT_READ | PROT_WRITE);
	if (e->attr->max_cq)
		cq = ibv_create_cq(e->ctx, 64, NULL, NULL, 0);
	if (!check(pd && buf && (cq || !e->attr->max_cq), "setup", "%s",
		   ename(errno)))
		goto out;
	for (k = kinds; k < kinds + ARRAY_SIZE(kinds); k++) {
		if (!k->cap(e->attr)) {
			skip(k->name, "device cap is 0");
			continue;
		}
		arg = k->make == make_qp_k ? (void *)cq : buf;
		limits_counted(e, k, pd, arg);
		limits_full(e, k, pd, arg);
	}
out:
	if (cq)
		ibv_destroy_cq(cq);
	if (buf)
		munmap(buf, e->page);
	if (pd)
		ibv_dealloc_pd(pd);
}

/* ------------------------------------------------------------ fork */

/*
 * The child opens its own context, makes one of each object the device
 * offers, reports ready on a pipe and waits to be killed.
 */
static void __attribute__((noreturn)) fork_child(struct env *e, int wfd)
{
	struct ibv_context *ctx = open_dev(e->dev);
	const struct ibv_device_attr *d = e->attr;
	struct ibv_cq *cq = NULL;
	struct ibv_pd *pd = NULL;
	struct ibv_qp_attr a;
	struct ibv_qp *qp;
	char step = 'R';
	char *buf;

	if (ctx)
		pd = ibv_alloc_pd(ctx);
	if (!pd)
		step = 'p';
	buf = alloc_pages(e, 1, PROT_READ | PROT_WRITE);
	if (step == 'R' && d->max_mr &&
	    !(buf && ibv_reg_mr(pd, buf, e->page, IBV_ACCESS_LOCAL_WRITE)))
		step = 'm';
	if (step == 'R' && d->max_cq &&
	    !(cq = ibv_create_cq(ctx, 16, NULL,
				 ibv_create_comp_channel(ctx), 0)))
		step = 'c';
	if (step == 'R' && d->max_srq && !make_srq(pd, 16, 1))
		step = 's';
	if (step == 'R' && d->max_qp && cq) {
		qp = make_qp(pd, IBV_QPT_RC, cq, NULL);
		if (!qp || ibv_modify_qp(qp, &a, init_attr(qp->qp_type, &a)))
			step = 'q';
	}
	if (write(wfd, &step, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static void fork_round(struct env *e, const struct res_counts *base,
		       const char *how)
{
	struct res_counts c;
	struct diff d = {};
	int fds[2], st;
	char ready = 0;
	pid_t pid;

	if (pipe(fds))
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		fork_child(e, fds[1]);
	}
	close(fds[1]);
	if (pid > 0 && read(fds[0], &ready, 1) != 1)
		ready = 0;
	if (!check(ready == 'R', nm(how, "child_ready"),
		   "child failed at step '%c' (p pd, m mr, c cq, s srq, q qp)",
		   ready ? ready : '?'))
		goto reap;
	if (check(res_read(e->dev, &c), nm(how, "res_read"), "rdma res"))
		check(c.pd > base->pd && c.ctx > base->ctx,
		      nm(how, "child_counted"), "pd %ld ctx %ld", c.pd, c.ctx);
reap:
	if (pid > 0) {
		kill(pid, strcmp(how, "sigkill") ? SIGTERM : SIGKILL);
		waitpid(pid, &st, 0);
	}
	close(fds[0]);
	if (res_read(e->dev, &c))
		res_diff(&d, &c, base);
	else
		snprintf(d.msg, sizeof(d.msg), "rdma res failed");
	check_diff(nm(how, "released"), &d);
}

static void test_fork(struct env *e)
{
	struct res_counts base;

	if (!res_read(e->dev, &base)) {
		skip("group", "no rdma res counts");
		return;
	}
	fork_round(e, &base, "sigkill");
	fork_round(e, &base, "sigterm");
}

/* ------------------------------------------------------------ main */

static const struct {
	const char *name;
	void (*run)(struct env *e);
} groups[] = {
	{ "device",	test_device },
	{ "pd",		test_pd },
	{ "mr",		test_mr },
	{ "mw",		test_mw },
	{ "ah",		test_ah },
	{ "cq",		test_cq },
	{ "srq",	test_srq },
	{ "qp",		test_qp },
	{ "limits",	test_limits },
	{ "fork",	test_fork },
};

static int usage(const char *prog)
{
	size_t i;

	fprintf(stderr, "usage: %s -d DEVICE [GROUP...]\ngroups:", prog);
	for (i = 0; i < ARRAY_SIZE(groups); i++)
		fprintf(stderr, " %s", groups[i].name);
	fputc('\n', stderr);
	return 2;
}

static bool setup(struct env *e)
{
	group = "setup";
	e->page = sysconf(_SC_PAGESIZE);
	e->attr = &e->xattr.orig_attr;
	e->ctx = open_dev(e->dev);
	if (!check(e->ctx != NULL, "open", "cannot open %s", e->dev))
		return false;
	if (!expect_rc("query_device",
		       ibv_query_device_ex(e->ctx, NULL, &e->xattr), 0))
		return false;
	if (!expect_rc("query_port", ibv_query_port(e->ctx, 1, &e->port), 0))
		return false;
	find_gids(e);
	return true;
}

int main(int argc, char **argv)
{
	bool want[ARRAY_SIZE(groups)] = {};
	struct env e = {};
	int opt, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "d:h")) != -1) {
		if (opt != 'd')
			return usage(argv[0]);
		e.dev = optarg;
	}
	if (!e.dev || TL_PICK_GROUPS(argc, argv, groups, want))
		return usage(argv[0]);

	if (setup(&e)) {
		for (i = 0; i < (int)ARRAY_SIZE(groups); i++) {
			if (!want[i])
				continue;
			group = groups[i].name;
			groups[i].run(&e);
		}
		ibv_close_device(e.ctx);
	}
	printf("verbs_test: %u passed, %u failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
