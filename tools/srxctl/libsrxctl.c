// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * libsrxctl: srx's governance uverbs methods (stock libibverbs has no
 * call for driver methods, so the ioctl is built here) and the operator's
 * sysfs interface; the operator's view of a device is read in nl.c.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <rdma/ib_user_ioctl_cmds.h>
#include <rdma/ib_user_ioctl_verbs.h>
#include <rdma/rdma_user_ioctl_cmds.h>

#include "srxctl.h"

#define MAX_ATTRS	8

struct srx_call {
	struct ib_uverbs_ioctl_hdr hdr;
	struct ib_uverbs_attr attrs[MAX_ATTRS];
};

static int fail(int err)
{
	errno = err;
	return -err;
}

static void call_init(struct srx_call *c, uint16_t object, uint16_t method)
{
	memset(c, 0, sizeof(*c));
	c->hdr.object_id = object;
	c->hdr.method_id = method;
	c->hdr.driver_id = RDMA_DRIVER_RXE;	/* srx speaks rxe's ABI */
}

static struct ib_uverbs_attr *call_attr(struct srx_call *c, uint16_t id)
{
	struct ib_uverbs_attr *a = &c->attrs[c->hdr.num_attrs++];

	a->attr_id = id;
	a->flags = UVERBS_ATTR_F_MANDATORY;
	return a;
}

/* An object handle, or a value of up to 8 bytes (passed inline). */
static void call_in(struct srx_call *c, uint16_t id, uint64_t v, uint16_t len)
{
	struct ib_uverbs_attr *a = call_attr(c, id);

	a->len = len;
	a->data = v;
}

static void call_u32(struct srx_call *c, uint16_t id, uint32_t v)
{
	struct ib_uverbs_attr *a = call_attr(c, id);

	a->len = sizeof(v);
	memcpy(&a->data, &v, sizeof(v));
}

static void call_out(struct srx_call *c, uint16_t id, void *p, size_t len)
{
	struct ib_uverbs_attr *a = call_attr(c, id);

	a->len = len;
	a->data = (uintptr_t)p;
}

static int call_run(struct ibv_context *ctx, struct srx_call *c)
{
	c->hdr.length = sizeof(c->hdr) +
			c->hdr.num_attrs * sizeof(struct ib_uverbs_attr);
	if (ioctl(ctx->cmd_fd, RDMA_VERBS_IOCTL, c))
		return -errno;
	return 0;
}

static void qp_call(struct srx_call *c, struct ibv_qp *qp, uint16_t method)
{
	call_init(c, UVERBS_OBJECT_QP, method);
	call_in(c, SRX_ATTR_QP_GOV_HANDLE, qp->handle, 0);
}

static int qp_set(struct ibv_qp *qp, uint16_t attr, uint32_t v)
{
	struct srx_call c;

	qp_call(&c, qp, SRX_METHOD_QP_GOV_SET);
	call_u32(&c, attr, v);
	return call_run(qp->context, &c);
}

int srx_qp_set_limit(struct ibv_qp *qp, uint32_t limit)
{
	return qp_set(qp, SRX_ATTR_QP_GOV_LIMIT, limit);
}

int srx_qp_set_policy(struct ibv_qp *qp, uint32_t policy)
{
	return qp_set(qp, SRX_ATTR_QP_GOV_POLICY, policy);
}

int srx_qp_set_group(struct ibv_qp *qp, uint32_t group)
{
	return qp_set(qp, SRX_ATTR_QP_GOV_GROUP, group);
}

int srx_qp_query(struct ibv_qp *qp, struct srx_gov_qp_info *info)
{
	struct srx_call c;

	qp_call(&c, qp, SRX_METHOD_QP_GOV_QUERY);
	call_out(&c, SRX_ATTR_QP_GOV_INFO, info, sizeof(*info));
	return call_run(qp->context, &c);
}

int srx_qp_set_ooo(struct ibv_qp *qp, uint32_t limit)
{
	return qp_set(qp, SRX_ATTR_QP_GOV_OOO_LIMIT, limit);
}

int srx_qp_query_ooo(struct ibv_qp *qp, struct srx_gov_ooo_info *ooo)
{
	struct srx_gov_qp_info info;
	struct srx_call c;

	qp_call(&c, qp, SRX_METHOD_QP_GOV_QUERY);
	call_out(&c, SRX_ATTR_QP_GOV_INFO, &info, sizeof(info));
	call_out(&c, SRX_ATTR_QP_GOV_OOO_INFO, ooo, sizeof(*ooo));
	return call_run(qp->context, &c);
}

static void srq_call(struct srx_call *c, struct ibv_srq *srq, uint16_t method)
{
	call_init(c, UVERBS_OBJECT_SRQ, method);
	call_in(c, SRX_ATTR_SRQ_GOV_HANDLE, srq->handle, 0);
}

int srx_srq_set_mode(struct ibv_srq *srq, uint32_t mode, uint32_t overcommit,
		     uint32_t floor, uint32_t ceiling)
{
	struct srx_call c;

	srq_call(&c, srq, SRX_METHOD_SRQ_GOV_SET);
	call_u32(&c, SRX_ATTR_SRQ_GOV_MODE, mode);
	call_u32(&c, SRX_ATTR_SRQ_GOV_OVERCOMMIT, overcommit);
	call_u32(&c, SRX_ATTR_SRQ_GOV_FLOOR, floor);
	call_u32(&c, SRX_ATTR_SRQ_GOV_CEILING, ceiling);
	return call_run(srq->context, &c);
}

int srx_srq_set_credit(struct ibv_srq *srq, uint32_t credit)
{
	struct srx_call c;

	srq_call(&c, srq, SRX_METHOD_SRQ_GOV_SET);
	call_u32(&c, SRX_ATTR_SRQ_GOV_CREDIT, credit);
	return call_run(srq->context, &c);
}

int srx_srq_query(struct ibv_srq *srq, struct srx_gov_srq_info *info)
{
	struct srx_call c;

	srq_call(&c, srq, SRX_METHOD_SRQ_GOV_QUERY);
	call_out(&c, SRX_ATTR_SRQ_GOV_INFO, info, sizeof(*info));
	return call_run(srq->context, &c);
}

int srx_srq_set_ooo(struct ibv_srq *srq, uint32_t cap, uint32_t low)
{
	struct srx_call c;

	srq_call(&c, srq, SRX_METHOD_SRQ_GOV_SET);
	call_u32(&c, SRX_ATTR_SRQ_GOV_OOO_CAP, cap);
	call_u32(&c, SRX_ATTR_SRQ_GOV_OOO_LOW, low);
	return call_run(srq->context, &c);
}

int srx_srq_query_ooo(struct ibv_srq *srq, struct srx_gov_ooo_info *ooo)
{
	struct srx_gov_srq_info info;
	struct srx_call c;

	srq_call(&c, srq, SRX_METHOD_SRQ_GOV_QUERY);
	call_out(&c, SRX_ATTR_SRQ_GOV_INFO, &info, sizeof(info));
	call_out(&c, SRX_ATTR_SRQ_GOV_OOO_INFO, ooo, sizeof(*ooo));
	return call_run(srq->context, &c);
}

int srx_srq_offenders(struct ibv_srq *srq, uint32_t flags,
		      struct srx_gov_qp_info *out, uint32_t max)
{
	uint32_t n = 0;
	struct srx_call c;
	int err;

	srq_call(&c, srq, SRX_METHOD_SRQ_GOV_OFFENDERS);
	call_u32(&c, SRX_ATTR_SRQ_GOV_FLAGS, flags);
	call_out(&c, SRX_ATTR_SRQ_GOV_OFFENDERS, out, max * sizeof(*out));
	call_out(&c, SRX_ATTR_SRQ_GOV_COUNT, &n, sizeof(n));
	err = call_run(srq->context, &c);
	return err ? err : (int)n;
}

int srx_srq_set_group(struct ibv_srq *srq, uint32_t group, uint32_t limit)
{
	struct srx_call c;

	srq_call(&c, srq, SRX_METHOD_SRQ_GOV_GROUP);
	call_u32(&c, SRX_ATTR_SRQ_GOV_GROUP_ID, group);
	call_u32(&c, SRX_ATTR_SRQ_GOV_GROUP_LIMIT, limit);
	return call_run(srq->context, &c);
}

int srx_srq_remove_group(struct ibv_srq *srq, uint32_t group)
{
	struct srx_call c;

	srq_call(&c, srq, SRX_METHOD_SRQ_GOV_GROUP);
	call_u32(&c, SRX_ATTR_SRQ_GOV_GROUP_ID, group);
	return call_run(srq->context, &c);
}

/* ---- names ---- */

static const char *const policy_names[] = { "rnr", "drop", "disconnect" };
static const char *const credit_names[] = { "poll", "post", "repost",
					    "buffer" };
static const char *const mode_names[] = { "static", "share" };

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *tbl, uint32_t n, uint32_t i)
{
	return i < n ? tbl[i] : "?";
}

const char *srxctl_policy_name(uint32_t policy)
{
	return name_of(policy_names, ARRAY_SIZE(policy_names), policy);
}

const char *srxctl_credit_name(uint32_t credit)
{
	return name_of(credit_names, ARRAY_SIZE(credit_names), credit);
}

const char *srxctl_mode_name(uint32_t mode)
{
	return name_of(mode_names, ARRAY_SIZE(mode_names), mode);
}

static int name_parse(const char *const *tbl, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(tbl[i], s))
			return i;
	return fail(EINVAL);
}

int srxctl_policy_parse(const char *s)
{
	return name_parse(policy_names, ARRAY_SIZE(policy_names), s);
}

int srxctl_credit_parse(const char *s)
{
	return name_parse(credit_names, ARRAY_SIZE(credit_names), s);
}

int srxctl_mode_parse(const char *s)
{
	return name_parse(mode_names, ARRAY_SIZE(mode_names), s);
}

int srxctl_limit_parse(const char *s, uint32_t *limit)
{
	unsigned long v;
	char *end;

	if (!strcmp(s, "none")) {
		*limit = SRXCTL_UNLIMITED;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 0);
	if (!*s || *end || errno || v >= SRXCTL_UNLIMITED || *s == '-')
		return fail(EINVAL);
	*limit = v;
	return 0;
}

/* ---- sysfs ---- */

static int gov_path(char *path, size_t len, const char *dev, const char *file)
{
	if (!dev || !*dev || strchr(dev, '/') ||
	    snprintf(path, len, "/sys/class/infiniband/%s/gov/%s", dev,
		     file) >= (int)len)
		return fail(EINVAL);
	return 0;
}

/* Write @s to gov/@file; the kernel's errno comes back unchanged. */
static int gov_write(const char *dev, const char *file, const char *s)
{
	char path[256];
	ssize_t n;
	int fd, err;

	err = gov_path(path, sizeof(path), dev, file);
	if (err)
		return err;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return fail(errno == ENOENT ? ENODEV : errno);
	n = write(fd, s, strlen(s));
	err = n < 0 ? errno : 0;
	close(fd);
	return err ? fail(err) : 0;
}

int srxctl_ctl(const char *dev, const char *fmt, ...)
{
	char cmd[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(cmd))
		return fail(EINVAL);
	return gov_write(dev, "ctl", cmd);
}

int srxctl_default_set(const char *dev, const char *name, const char *value)
{
	if (!strcmp(name, "ctl") || !strcmp(name, "status"))
		return fail(EINVAL);
	return gov_write(dev, name, value);
}

int srxctl_default_get(const char *dev, const char *name, char *buf,
		       size_t len)
{
	char path[256];
	FILE *f;
	int err;

	err = gov_path(path, sizeof(path), dev, name);
	if (err)
		return err;
	f = fopen(path, "r");
	if (!f)
		return fail(errno == ENOENT ? ENODEV : errno);
	if (!fgets(buf, len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int srxctl_is_srx(const char *dev)
{
	char path[256];
	int err = gov_path(path, sizeof(path), dev, "ctl");

	if (err)
		return err;
	if (!access(path, F_OK))
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : fail(errno);
}

/* As the kernel ranks: held now, then refused lately, then drawn lately. */
static int drains_more(const struct srxctl_qp *a, const struct srxctl_qp *b)
{
	if (a->info.held != b->info.held)
		return a->info.held > b->info.held;
	if (a->recent_refused != b->recent_refused)
		return a->recent_refused > b->recent_refused;
	return a->recent_draws > b->recent_draws;
}

void srxctl_rank(struct srxctl_srq *srq)
{
	struct srxctl_qp t;
	uint32_t i, j;

	for (i = 1; i < srq->nqps; i++)
		for (j = i; j > 0 && drains_more(&srq->qps[j], &srq->qps[j - 1]);
		     j--) {
			t = srq->qps[j];
			srq->qps[j] = srq->qps[j - 1];
			srq->qps[j - 1] = t;
		}
}
