/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Helpers shared by the libibverbs test programs under tests/.
 */

#ifndef SRX_TESTLIB_H
#define SRX_TESTLIB_H

/* The governance status table of device %s (srx_govstat.c; root). */
#define SRX_GOV_STATUS "/sys/kernel/debug/srx/%s/gov_status"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/verbs.h>
#include <rdma/ib_user_verbs.h>

/* Monotonic time, in seconds and in milliseconds. */
static inline double tl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline long long tl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

#ifdef TL_PROG
/* A call that must not fail did: "TL_PROG: WHAT: errno text", exit 2. */
static inline void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", TL_PROG, what, strerror(errno));
	exit(2);
}
#endif

/*
 * An option's number: all of @s, at least @min. Return: 0 with *@v set,
 * or -1 (the caller prints its usage).
 */
static inline int tl_num(const char *s, long min, long *v)
{
	char *end;
	long n = strtol(s, &end, 0);

	if (!*s || *end || n < min)
		return -1;
	*v = n;
	return 0;
}

/*
 * The groups of checks named after the options (argv[optind] on), all
 * of them if none is: @want[i] for the group whose name is
 * @names[i * @stride] (a table of structs whose first member is the
 * name). Return: 0, or -1 for a name not in the table.
 */
static inline int tl_pick_groups(int argc, char **argv, int optind_,
				 const void *names, size_t stride, size_t n,
				 bool *want)
{
	size_t i;
	int a;

	memset(want, optind_ == argc, n);
	for (a = optind_; a < argc; a++) {
		for (i = 0; i < n; i++)
			if (!strcmp(*(const char *const *)((const char *)names +
							   i * stride), argv[a]))
				break;
		if (i == n)
			return -1;
		want[i] = true;
	}
	return 0;
}

#define TL_PICK_GROUPS(argc, argv, groups, want)			\
	tl_pick_groups(argc, argv, optind, groups, sizeof((groups)[0]),	\
		       sizeof(groups) / sizeof((groups)[0]), want)

/* Open the verbs device called @name, or return NULL. */
static inline struct ibv_context *open_dev(const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	int i;

	if (!list)
		return NULL;
	for (i = 0; list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	return ctx;
}

/* Is @g an IPv4-mapped GID (::ffff:a.b.c.d)? */
/* A QP's state, or -1 if it cannot be queried. */
static inline int qp_state(struct ibv_qp *qp)
{
	struct ibv_qp_init_attr init;
	struct ibv_qp_attr a;

	if (ibv_query_qp(qp, &a, IBV_QP_STATE, &init))
		return -1;
	return a.qp_state;
}

/* Move a QP to @st with no other attribute (ERR, RESET, SQD ...). */
static inline int set_state(struct ibv_qp *qp, enum ibv_qp_state st)
{
	struct ibv_qp_attr a = { .qp_state = st };

	return ibv_modify_qp(qp, &a, IBV_QP_STATE);
}

/*
 * The kernel's rereg_mr through the uverbs write ABI itself: librxe
 * does not implement ibv_rereg_mr, so libibverbs never sends it. Returns
 * 0 or an errno; *@keys gets the response's lkey and rkey.
 */
static inline int tl_rereg_mr(struct ibv_mr *mr, uint32_t flags, void *addr,
			      size_t len, uint64_t iova, struct ibv_pd *pd,
			      int access, uint32_t keys[2])
{
	struct ib_uverbs_rereg_mr_resp resp = { 0 };
	struct {
		struct ib_uverbs_cmd_hdr hdr;
		struct ib_uverbs_rereg_mr cmd;
	} req = {
		.hdr = { .command = IB_USER_VERBS_CMD_REREG_MR,
			 .in_words = sizeof(req) / 4,
			 .out_words = sizeof(resp) / 4 },
		.cmd = { .response = (uintptr_t)&resp, .mr_handle = mr->handle,
			 .flags = flags, .start = (uintptr_t)addr,
			 .length = len, .hca_va = iova,
			 .pd_handle = pd ? pd->handle : 0,
			 .access_flags = access },
	};

	if (write(mr->context->cmd_fd, &req, sizeof(req)) != sizeof(req))
		return errno;
	keys[0] = resp.lkey;
	keys[1] = resp.rkey;
	return 0;
}

static inline bool gid_is_v4(const union ibv_gid *g)
{
	static const unsigned char prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	return !memcmp(g->raw, prefix, sizeof(prefix));
}

static inline bool gid_is_zero(const union ibv_gid *g)
{
	static const union ibv_gid zero;

	return !memcmp(g, &zero, sizeof(zero));
}

/* The RTR path towards @dqpn at @dgid (sgid index @gidx), in @a. */
static inline void tl_rtr_path(struct ibv_qp_attr *a, uint32_t dqpn,
			       const union ibv_gid *dgid, int gidx)
{
	memset(a, 0, sizeof(*a));
	a->qp_state = IBV_QPS_RTR;
	a->path_mtu = IBV_MTU_1024;
	a->dest_qp_num = dqpn;
	a->ah_attr.is_global = 1;
	a->ah_attr.grh.dgid = *dgid;
	a->ah_attr.grh.sgid_index = gidx;
	a->ah_attr.grh.hop_limit = 64;
	a->ah_attr.port_num = 1;
}

/*
 * Take an RC QP to RTS towards @dqpn at @dgid (sgid index @gidx), with
 * unlimited RNR retries and a short RNR timer. Returns 0 or an errno.
 */
static inline int rc_connect(struct ibv_qp *qp, uint32_t dqpn,
			     const union ibv_gid *dgid, int gidx)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = 1,
		.qp_access_flags = IBV_ACCESS_LOCAL_WRITE,
	};
	int err;

	err = ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			    IBV_QP_PORT | IBV_QP_ACCESS_FLAGS);
	if (err)
		return err;
	tl_rtr_path(&a, dqpn, dgid, gidx);
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 1;
	err = ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV |
			    IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			    IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
			    IBV_QP_MIN_RNR_TIMER);
	if (err)
		return err;
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	return ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
			     IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			     IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}

/* The qkey the UD helpers use on both ends. */
#define TL_QKEY		0x11111111

/*
 * Take a UC or UD QP to RTS (a UC one towards @dqpn at @dgid, sgid index
 * @gidx; a UD one with TL_QKEY). Returns 0 or an errno.
 */
static inline int unrel_connect(struct ibv_qp *qp, uint32_t dqpn,
				const union ibv_gid *dgid, int gidx)
{
	bool ud = qp->qp_type == IBV_QPT_UD;
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = 1,
		.qp_access_flags = IBV_ACCESS_LOCAL_WRITE, .qkey = TL_QKEY,
	};
	int err;

	err = ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			    IBV_QP_PORT | (ud ? IBV_QP_QKEY :
					   IBV_QP_ACCESS_FLAGS));
	if (err)
		return err;
	tl_rtr_path(&a, dqpn, dgid, gidx);
	err = ibv_modify_qp(qp, &a, ud ? IBV_QP_STATE :
			    IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			    IBV_QP_DEST_QPN | IBV_QP_RQ_PSN);
	if (err)
		return err;
	a.qp_state = IBV_QPS_RTS;
	return ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN);
}

#ifdef TESTLIB_REPORT
/*
 * TAP-like reporting of named checks within a group: "ok - GROUP.NAME",
 * "not ok - GROUP.NAME: why", "skip - GROUP.NAME: why".
 */

static const char *group;
static unsigned int n_pass, n_fail, n_skip;

static void vreport(const char *tag, const char *name, const char *fmt,
		    va_list ap)
{
	printf("%s - %s.%s", tag, group, name);
	if (fmt) {
		fputs(": ", stdout);
		vprintf(fmt, ap);
	}
	putchar('\n');
}

static bool __attribute__((format(printf, 3, 4)))
check(bool good, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (good) {
		n_pass++;
		vreport("ok", name, NULL, ap);
	} else {
		n_fail++;
		vreport("not ok", name, fmt, ap);
	}
	va_end(ap);
	return good;
}

static void __attribute__((format(printf, 2, 3)))
skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	n_skip++;
	va_start(ap, fmt);
	vreport("skip", name, fmt, ap);
	va_end(ap);
}

/* The first mismatch of several fields, for one check line. */
struct diff {
	char msg[200];
};

static void __attribute__((format(printf, 3, 4), unused))
diff_if(struct diff *d, bool bad, const char *fmt, ...)
{
	va_list ap;

	if (d->msg[0] || !bad)
		return;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
}

static void __attribute__((unused))
diff_u(struct diff *d, const char *what, unsigned long long got,
       unsigned long long want)
{
	diff_if(d, got != want, "%s is %llu (%#llx), expected %llu (%#llx)",
		what, got, got, want, want);
}

static void __attribute__((unused))
diff_ge(struct diff *d, const char *what, unsigned long long got,
	unsigned long long min)
{
	diff_if(d, got < min, "%s is %llu, expected >= %llu", what, got, min);
}

static bool __attribute__((unused))
check_diff(const char *name, const struct diff *d)
{
	return check(!d->msg[0], name, "%s", d->msg);
}
#endif /* TESTLIB_REPORT */

#endif /* SRX_TESTLIB_H */
