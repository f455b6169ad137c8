// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * fault_ops - one pass over what an srx device serves a process, made to
 * run under the kernel's fault injection (failslab, fail_page_alloc; see
 * tests/t-fault.sh), repeated.
 *
 * Usage: fault_ops -d DEVICE [-n PASSES] [-t SECONDS] [-f | -N FIRST[:STEP]]
 *                  [-v]
 *
 * A pass opens the device; creates a PD, a send and a receive CQ, an SRQ
 * (resized, limit armed), two MRs, a type 1 and a type 2 MW, an AH and
 * four QP pairs (RC, RC receiving from the SRQ, UC with inline data, UD);
 * takes every QP RESET -> INIT -> RTR -> RTS towards its peer over the
 * device's IPv4 RoCEv2 GID (loopback); sends a message over each pair,
 * an RDMA WRITE and READ over RC and a WRITE through each MW once bound;
 * resizes the receive CQ and sends again; governs the SRQ and its QP
 * through libsrxctl (QP limit, policy and group, SRQ group, mode and
 * credit, the queries and offenders, gov_status, gov/ctl, a device
 * default); attaches the UD pair's B to a multicast group (which the
 * netdev must then have joined) and sends to the group; flushes a QP
 * with receives posted to ERR and takes it back through RESET to INIT;
 * and destroys everything.
 *
 * Without -f or -N every step must succeed and every message arrive
 * intact, byte for byte: the device works. Exit 1 otherwise.
 *
 * -f: every pass runs with /proc/self/make-it-fail set, so failslab and
 *   fail_page_alloc with task-filter=Y fail this process only. A step
 *   that fails is skipped along with what depends on it; its errno must
 *   be a clean one: ENOMEM, or EBUSY when destroying what a failed
 *   destroy left in use (and, from libibverbs' and librxe's own lookups
 *   over sysfs and netlink, what they make of a failure there: for
 *   open_device ENOENT, ENODEV, ENOSYS, ENOBUFS, for create_ah ENOBUFS;
 *   the route lookups of modify_qp to RTR, the core's and srx's, and the
 *   netlink dumps srxctl_status() reads: ENOBUFS; its socket: ENFILE).
 *   Every third pass leaves all its objects to ibv_close_device, so the
 *   kernel cleans a whole context up under faults too.
 * -N FIRST[:STEP]: systematic. Pass i makes the (FIRST + i * STEP)th
 *   fault site this thread reaches fail (/proc/thread-self/fail-nth: the
 *   debugfs filters of failslab and fail_page_alloc apply, probability,
 *   interval and the task filter do not). Ends at the first pass that
 *   had fewer sites (with STEP 1, every site of a pass has failed once
 *   by then) and prints how many sites that pass reached: -N 1000000000
 *   -n 1 counts them.
 * -n: passes (default 1); -t: start no pass after SECONDS.
 * -v: print every step that failed.
 *
 * Under faults too, a message that completes successfully must hold the
 * data sent, a completion must not be in error, and an RC message must
 * arrive (UC and UD may lose one). A watchdog ends the program if a pass
 * hangs. The last line reads "fault_ops: P passes, S steps, F failed
 * (errno counts), M messages checked, L lost, T stray, B bad" (stray:
 * completions of WRs whose doorbell failed but which went later).
 * Exit status: 0; 1 something above did not hold; 2 bad usage or no
 * fault injection in this kernel; 3 the watchdog fired; 4 crashed (the
 * last step before it and a backtrace are printed).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/verbs.h>

#include "testlib.h"
#include "srxctl.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define PASS_TIMEOUT_S	240	/* watchdog, per pass (debug kernel: slow) */
#define RC_WAIT_MS	15000	/* a reliable completion must come */
#define UNREL_WAIT_MS	2000	/* UC/UD under faults: lost, probably */
#define QKEY		0x1ee7c0deu
#define SLICE		(64 * 1024)	/* buffer per QP pair */
#define S_OFF		0		/* A's send data */
#define R_OFF		(8 * 1024)	/* B's receive buffer */
#define W_OFF		(16 * 1024)	/* B's RDMA WRITE target / READ source */
#define L_OFF		(24 * 1024)	/* A's READ destination */
#define MW_SLICE	4		/* windows live in this slice */
#define MR2_SLICE	5		/* the second MR covers this one */
#define NSLICES		6
#define BUF_SIZE	(NSLICES * SLICE)
#define GRH_LEN		40
#define NFLUSH		4
#define ACC_DATA	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC)
#define MW_ACC		(IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ)

enum { P_RC, P_SRQ, P_UC, P_UD, NPAIRS };

static const struct pair_def {
	const char *name;
	enum ibv_qp_type type;
	bool srq;		/* B receives from the SRQ */
	uint32_t inline_sz;
	uint32_t len;		/* first message's length */
} defs[NPAIRS] = {
	[P_RC] = { "rc", IBV_QPT_RC, false, 0, 5000 },
	[P_SRQ] = { "rc_srq", IBV_QPT_RC, true, 0, 3000 },
	[P_UC] = { "uc", IBV_QPT_UC, false, 64, 2500 },	/* 60 later: inline */
	[P_UD] = { "ud", IBV_QPT_UD, false, 0, 512 },
};

struct qpair {
	const struct pair_def *d;
	struct ibv_qp *a, *b;
	enum ibv_qp_state b_state;	/* as far as B got */
	bool up;		/* both in RTS */
	uint8_t *base;		/* its slice of the buffer */
};

/* Everything one pass creates. */
struct pass {
	unsigned int no;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *scq, *rcq;
	bool rcq_ok;		/* rcq may be polled (no failed resize) */
	struct ibv_srq *srq;
	bool srq_ok;		/* the SRQ may be posted to */
	struct ibv_mr *mr, *mr2;
	struct ibv_mw *mw1, *mw2;
	uint32_t mw1_rkey, mw2_rkey;	/* 0: not bound */
	struct ibv_ah *ah;
	struct qpair qp[NPAIRS];
	bool busy;		/* a destroy failed: parents may be EBUSY */
	bool abandon;		/* objects left to ibv_close_device */
	unsigned int tag;	/* wr_id sequence */
};

/* ------------------------------------------------------------ state */

static const char *dev_name;
static int gidx = -1;
static int ifindex;		/* the GID's netdev */
static union ibv_gid gid;
static enum ibv_mtu path_mtu = IBV_MTU_1024;
static bool mw1_cap, mw2_cap;
static uint8_t *buf;
static bool faulty;		/* failures may be injected in this pass */
static bool verbose;

static struct {
	unsigned long passes, steps, failed, msgs, lost, stray, bad;
	struct { int err; unsigned long n; } errs[16];
} st;

/*
 * Notes of a pass, printed once the pass is over: nothing is written
 * while faults may be injected, so no output is lost to them and output
 * allocates nothing the faults are meant for.
 */
static char notes[32768];
static size_t notes_len;
static char last_step[128] = "none";	/* for a crash report */

static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (notes_len >= sizeof(notes) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(notes + notes_len, sizeof(notes) - notes_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		notes_len += n;
	if (notes_len >= sizeof(notes) - 1) {
		notes_len = sizeof(notes) - 1;
		notes[notes_len - 1] = '\n';
	}
}

static void flush_notes(void)
{
	fwrite(notes, 1, notes_len, stdout);
	fflush(stdout);
	notes_len = 0;
}

/* Something that must not happen, faults or not. */
static void __attribute__((format(printf, 2, 3)))
bad(struct pass *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	st.bad++;
	note("not ok - pass %u: %s\n", p->no, msg);
}

static void count_errno(int err)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(st.errs); i++) {
		if (!st.errs[i].n || st.errs[i].err == err) {
			st.errs[i].err = err;
			st.errs[i].n++;
			return;
		}
	}
}

/* The errno of a verb's return value @rc (0, -1 with errno, or errno). */
static int verr(int rc)
{
	if (rc == -1)
		return errno ? errno : -1;
	return rc < 0 ? -rc : rc;
}

static bool listed(int err, const int *also)
{
	for (; also && *also; also++)
		if (*also == err)
			return true;
	return false;
}

/*
 * The outcome of one step: 0 or an errno (-1: failed without one).
 * Returns true on success. Under faults ENOMEM is clean, and so are
 * the errnos in @also (0-terminated). @destroy: the step destroys an
 * object, which may find it still in use (EBUSY) if a failed destroy
 * left a child.
 */
static bool step_x(struct pass *p, const char *what, int err, bool destroy,
		   const int *also)
{
	snprintf(last_step, sizeof(last_step), "%s: %d", what, err);
	st.steps++;
	if (!err)
		return true;
	st.failed++;
	count_errno(err);
	if (destroy && err != EBUSY)
		p->busy = true;
	if (!faulty)
		bad(p, "%s failed without faults: %s (%d)", what,
		    err > 0 ? strerror(err) : "no errno", err);
	else if (err != ENOMEM && !(destroy && err == EBUSY && p->busy) &&
		 !listed(err, also))
		bad(p, "%s failed with an unclean errno: %s (%d)", what,
		    err > 0 ? strerror(err) : "no errno", err);
	else if (verbose)
		note("# pass %u: %s: %s\n", p->no, what, strerror(err));
	return false;
}

static bool step(struct pass *p, const char *what, int err)
{
	return step_x(p, what, err, false, NULL);
}

/* For verbs that return an object: NULL is a failure with errno. */
static bool step_obj(struct pass *p, const char *what, const void *obj)
{
	return step(p, what, obj ? 0 : (errno ? errno : -1));
}

static bool step_destroy(struct pass *p, const char *what, int rc)
{
	return step_x(p, what, verr(rc), true, NULL);
}

static void watchdog(int sig)
{
	static const char msg[] =
		"not ok - watchdog: a pass did not end (a verb or poll hangs)\n";

	ssize_t r;

	(void)sig;
	r = write(1, notes, notes_len);
	r = write(1, msg, sizeof(msg) - 1);
	(void)r;
	_exit(3);
}

/* A crash (in librxe, say, after a failure it did not expect). */
static void crashed(int sig)
{
	char msg[256];
	void *bt[32];
	int n;

	ssize_t r;

	n = snprintf(msg, sizeof(msg),
		     "not ok - crashed: signal %d after step \"%s\"\n", sig,
		     last_step);
	r = write(1, notes, notes_len);
	r = write(1, msg, n);
	(void)r;
	n = backtrace(bt, 32);
	backtrace_symbols_fd(bt, n, 1);
	_exit(4);
}

/* ------------------------------------------------------------ data */

static void fill(uint8_t *d, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 0x6d2b79f5u;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		d[i] = x >> 24;
	}
}

static bool same(struct pass *p, const char *what, const uint8_t *got,
		 const uint8_t *want, size_t len)
{
	size_t i;

	st.msgs++;
	for (i = 0; i < len; i++) {
		if (got[i] != want[i]) {
			bad(p, "%s: byte %zu of %zu is %#x, sent %#x", what, i,
			    len, got[i], want[i]);
			return false;
		}
	}
	return true;
}

static uint64_t next_id(struct pass *p)
{
	return ((uint64_t)p->no << 32) | ++p->tag;
}

/*
 * Wait up to @ms for the completion of @id on @cq. Returns 1 (in *wc),
 * 0 if none came. Other completions met on the way are strays: a
 * message posted before a failed doorbell may still go, so they are
 * counted under faults and bad without.
 */
static int wait_wc(struct pass *p, struct ibv_cq *cq, uint64_t id, int ms,
		   struct ibv_wc *wc)
{
	long long end = tl_now_ms() + ms;
	int n;

	for (;;) {
		n = ibv_poll_cq(cq, 1, wc);
		if (n < 0) {
			bad(p, "ibv_poll_cq returned %d", n);
			return 0;
		}
		if (n == 1 && wc->wr_id == id)
			return 1;
		if (n == 1) {
			st.stray++;
			if (!faulty)
				bad(p, "stray completion wr_id %#llx status %s",
				    (unsigned long long)wc->wr_id,
				    ibv_wc_status_str(wc->status));
			continue;
		}
		if (tl_now_ms() > end)
			return 0;
		usleep(200);
	}
}

/*
 * The completion of a posted WR: true if it came successfully. A
 * completion in error is bad; one that does not come is bad unless the
 * transport may lose it under faults.
 */
static bool completed(struct pass *p, const char *what, struct ibv_cq *cq,
		      uint64_t id, bool reliable, struct ibv_wc *wc)
{
	int ms = reliable || !faulty ? RC_WAIT_MS : UNREL_WAIT_MS;

	if (!wait_wc(p, cq, id, ms, wc)) {
		if (reliable || !faulty)
			bad(p, "%s: no completion within %d ms", what, ms);
		else
			st.lost++;
		return false;
	}
	if (wc->status != IBV_WC_SUCCESS) {
		bad(p, "%s: completion status %s (%d)", what,
		    ibv_wc_status_str(wc->status), wc->status);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ QPs */

static void qp_create(struct pass *p, struct qpair *q, bool is_b)
{
	struct ibv_qp_init_attr ia = {
		.send_cq = p->scq, .recv_cq = p->rcq,
		.qp_type = q->d->type, .sq_sig_all = 1,
		.cap = { .max_send_wr = 16, .max_recv_wr = 16,
			 .max_send_sge = 2, .max_recv_sge = 2,
			 .max_inline_data = q->d->inline_sz },
	};
	char what[64];
	struct ibv_qp *qp;

	if (is_b && q->d->srq) {
		if (!p->srq)
			return;
		ia.srq = p->srq;
		ia.cap.max_recv_wr = 0;
		ia.cap.max_recv_sge = 0;
	}
	snprintf(what, sizeof(what), "create_qp(%s.%c)", q->d->name,
		 is_b ? 'b' : 'a');
	errno = 0;
	qp = ibv_create_qp(p->pd, &ia);
	if (step_obj(p, what, qp))
		*(is_b ? &q->b : &q->a) = qp;
}

/* RESET -> INIT -> RTR -> RTS towards @dqpn on our own GID. */
static bool qp_connect(struct pass *p, struct qpair *q, struct ibv_qp *qp,
		       uint32_t dqpn, char side)
{
	enum ibv_qp_state dummy, *reached = side == 'b' ? &q->b_state : &dummy;
	enum ibv_qp_type type = q->d->type;
	struct ibv_qp_attr a = {};
	char what[64];
	int mask;

	a.qp_state = IBV_QPS_INIT;
	a.port_num = 1;
	mask = IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT;
	if (type == IBV_QPT_UD) {
		a.qkey = QKEY;
		mask |= IBV_QP_QKEY;
	} else {
		a.qp_access_flags = IBV_ACCESS_REMOTE_WRITE |
			(type == IBV_QPT_RC ? IBV_ACCESS_REMOTE_READ : 0);
		mask |= IBV_QP_ACCESS_FLAGS;
	}
	snprintf(what, sizeof(what), "modify_qp(%s.%c, INIT)", q->d->name, side);
	if (!step(p, what, verr(ibv_modify_qp(qp, &a, mask))))
		return false;
	*reached = IBV_QPS_INIT;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	mask = IBV_QP_STATE;
	if (type != IBV_QPT_UD) {
		a.path_mtu = path_mtu;
		a.dest_qp_num = dqpn;
		a.rq_psn = 0x1234;
		a.ah_attr.is_global = 1;
		a.ah_attr.port_num = 1;
		a.ah_attr.grh.dgid = gid;
		a.ah_attr.grh.sgid_index = gidx;
		a.ah_attr.grh.hop_limit = 64;
		mask |= IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			IBV_QP_RQ_PSN;
		if (type == IBV_QPT_RC) {
			a.max_dest_rd_atomic = 4;
			a.min_rnr_timer = 1;
			mask |= IBV_QP_MAX_DEST_RD_ATOMIC |
				IBV_QP_MIN_RNR_TIMER;
		}
	}
	snprintf(what, sizeof(what), "modify_qp(%s.%c, RTR)", q->d->name, side);
	/* The path's route lookups (the core's for the MAC, srx's): ENOBUFS. */
	if (!step_x(p, what, verr(ibv_modify_qp(qp, &a, mask)), false,
		    (const int[]){ ENOBUFS, 0 }))
		return false;
	*reached = IBV_QPS_RTR;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = 0x1234;
	mask = IBV_QP_STATE | IBV_QP_SQ_PSN;
	if (type == IBV_QPT_RC) {
		a.timeout = 14;
		a.retry_cnt = 7;
		a.rnr_retry = 7;
		a.max_rd_atomic = 4;
		mask |= IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			IBV_QP_MAX_QP_RD_ATOMIC;
	}
	snprintf(what, sizeof(what), "modify_qp(%s.%c, RTS)", q->d->name, side);
	if (!step(p, what, verr(ibv_modify_qp(qp, &a, mask))))
		return false;
	*reached = IBV_QPS_RTS;
	return true;
}

static void pair_up(struct pass *p, struct qpair *q)
{
	qp_create(p, q, false);
	qp_create(p, q, true);
	q->b_state = IBV_QPS_RESET;
	if (!q->a || !q->b)
		return;
	/* B is taken as far as it goes even if A fails (flush_cycle). */
	q->up = qp_connect(p, q, q->a, q->b->qp_num, 'a') &
		qp_connect(p, q, q->b, q->a->qp_num, 'b');
}

static struct ibv_sge sge_at(struct pass *p, uint8_t *at, uint32_t len)
{
	struct ibv_sge s = {
		.addr = (uintptr_t)at, .length = len, .lkey = p->mr->lkey,
	};

	return s;
}

static int post_send_op(struct pass *p, struct ibv_qp *qp,
			enum ibv_wr_opcode op, uint64_t id, uint8_t *from,
			uint32_t len, uint8_t *raddr, uint32_t rkey,
			unsigned int flags)
{
	struct ibv_sge s = sge_at(p, from, len);
	struct ibv_send_wr wr = {
		.wr_id = id, .sg_list = &s, .num_sge = 1, .opcode = op,
		.send_flags = flags,
	}, *badwr;

	wr.wr.rdma.remote_addr = (uintptr_t)raddr;
	wr.wr.rdma.rkey = rkey;
	return ibv_post_send(qp, &wr, &badwr);
}

/*
 * A message A -> B over the pair, received and compared; a UD one
 * through @ah to @dqpn (B's QPN, or the multicast QPN for a group B is
 * attached to).
 */
static void send_recv(struct pass *p, struct qpair *q, uint32_t len,
		      const char *why, struct ibv_ah *ah, uint32_t dqpn)
{
	bool ud = q->d->type == IBV_QPT_UD, rel = q->d->type == IBV_QPT_RC;
	uint32_t rlen = len + (ud ? GRH_LEN : 0);
	uint8_t *src = q->base + S_OFF, *dst = q->base + R_OFF;
	struct ibv_sge s = sge_at(p, dst, rlen);
	struct ibv_recv_wr rwr = { .sg_list = &s, .num_sge = 1 }, *badr;
	struct ibv_send_wr wr = {}, *badw;
	uint64_t rid = next_id(p), sid = next_id(p);
	struct ibv_sge ss;
	struct ibv_wc wc;
	char what[96];
	int err;

	if (!q->up || !p->rcq_ok || (q->d->srq && !p->srq_ok) ||
	    (ud && !ah))
		return;
	memset(dst, 0, rlen);
	fill(src, len, (uint32_t)sid);
	rwr.wr_id = rid;
	snprintf(what, sizeof(what), "post_recv(%s, %s)", q->d->name, why);
	err = q->d->srq ? ibv_post_srq_recv(p->srq, &rwr, &badr) :
			  ibv_post_recv(q->b, &rwr, &badr);
	if (!step(p, what, verr(err)))
		return;
	ss = sge_at(p, src, len);
	wr.wr_id = sid;
	wr.sg_list = &ss;
	wr.num_sge = 1;
	wr.opcode = IBV_WR_SEND;
	wr.send_flags = q->d->inline_sz && len <= q->d->inline_sz ?
			IBV_SEND_INLINE : 0;
	if (ud) {
		wr.wr.ud.ah = ah;
		wr.wr.ud.remote_qpn = dqpn;
		wr.wr.ud.remote_qkey = QKEY;
	}
	snprintf(what, sizeof(what), "post_send(%s, %s)", q->d->name, why);
	if (!step(p, what, verr(ibv_post_send(q->a, &wr, &badw))))
		return;
	snprintf(what, sizeof(what), "%s send (%s)", q->d->name, why);
	if (!completed(p, what, p->scq, sid, rel, &wc))
		return;
	snprintf(what, sizeof(what), "%s receive (%s)", q->d->name, why);
	if (!completed(p, what, p->rcq, rid, rel, &wc))
		return;
	if (wc.byte_len != rlen) {
		bad(p, "%s: byte_len %u, expected %u", what, wc.byte_len, rlen);
		return;
	}
	same(p, what, dst + (ud ? GRH_LEN : 0), src, len);
}

static void pair_send(struct pass *p, struct qpair *q, uint32_t len,
		      const char *why)
{
	send_recv(p, q, len, why, p->ah, q->b ? q->b->qp_num : 0);
}

/* The multicast step's group: 239.1.2.4, IPv4-mapped like the GID. */
static const uint8_t mc_group[16] = { [10] = 0xff, [11] = 0xff, 239, 1, 2, 4 };

/*
 * Is the GID's netdev a member of mc_group's IPv4 group, as
 * /proc/net/igmp lists it? 1 yes, 0 no, -1 unknown (under faults the
 * read itself may fail).
 */
static int igmp_member(void)
{
	unsigned int idx, grp;
	char line[256];
	uint32_t want;
	bool in = false;
	int found = 0;
	FILE *f;

	f = fopen("/proc/net/igmp", "r");
	if (!f)
		return -1;
	memcpy(&want, mc_group + 12, sizeof(want));	/* as it prints */
	while (fgets(line, sizeof(line), f)) {
		if (line[0] != '\t')
			in = sscanf(line, "%u", &idx) == 1 &&
			     (int)idx == ifindex;
		else if (in && sscanf(line, "%x", &grp) == 1 && grp == want)
			found = 1;
	}
	if (ferror(f))
		found = -1;
	fclose(f);
	return found;
}

/*
 * UD multicast: B attaches to a group and gets A's datagram to it. An
 * attach that succeeds must have joined the group on the netdev, under
 * faults too (the kernel's IPv4 join reports no failure of its own). B
 * detaches, except on passes that abandon their objects: the context's
 * cleanup then detaches it.
 */
static void mcast(struct pass *p, struct qpair *q)
{
	struct ibv_ah_attr aa = {
		.is_global = 1, .port_num = 1,
		.grh = { .sgid_index = gidx, .hop_limit = 64 },
	};
	struct ibv_ah *ah;
	union ibv_gid g;

	if (!q->up || !p->pd)
		return;
	memcpy(g.raw, mc_group, sizeof(g.raw));
	if (!step(p, "attach_mcast", verr(ibv_attach_mcast(q->b, &g, 0))))
		return;
	if (!igmp_member())
		bad(p, "attach_mcast succeeded, the netdev (ifindex %d) did not join the group",
		    ifindex);
	aa.grh.dgid = g;
	errno = 0;
	ah = ibv_create_ah(p->pd, &aa);
	if (step_x(p, "create_ah(group)", ah ? 0 : (errno ? errno : -1),
		   false, (const int[]){ ENOBUFS, 0 })) {
		send_recv(p, q, 300, "multicast", ah, 0xffffff);
		step_destroy(p, "destroy_ah(group)", ibv_destroy_ah(ah));
	}
	if (!p->abandon)
		step_destroy(p, "detach_mcast",
			     verr(ibv_detach_mcast(q->b, &g, 0)));
}

/* RDMA WRITE then READ back over the RC pair. */
static void rc_rdma(struct pass *p, struct qpair *q)
{
	uint8_t *src = q->base + S_OFF, *tgt = q->base + W_OFF;
	uint8_t *back = q->base + L_OFF;
	uint64_t id;
	struct ibv_wc wc;

	if (!q->up)
		return;
	memset(tgt, 0, 6000);
	id = next_id(p);
	fill(src, 6000, (uint32_t)id);
	if (!step(p, "post_send(rc, WRITE)",
		  verr(post_send_op(p, q->a, IBV_WR_RDMA_WRITE, id, src, 6000,
				    tgt, p->mr->rkey, 0))) ||
	    !completed(p, "rc WRITE", p->scq, id, true, &wc) ||
	    !same(p, "rc WRITE", tgt, src, 6000))
		return;
	memset(back, 0, 4000);
	id = next_id(p);
	if (!step(p, "post_send(rc, READ)",
		  verr(post_send_op(p, q->a, IBV_WR_RDMA_READ, id, back, 4000,
				    tgt + 1000, p->mr->rkey, 0))) ||
	    !completed(p, "rc READ", p->scq, id, true, &wc))
		return;
	same(p, "rc READ", back, tgt + 1000, 4000);
}

/* Bind both MWs on the RC pair's B over windows of the MW slice. */
static void mw_bind(struct pass *p, struct qpair *q)
{
	uint8_t *win = buf + MW_SLICE * SLICE;
	struct ibv_send_wr wr = {}, *badw;
	struct ibv_mw_bind b = {};
	struct ibv_wc wc;
	uint32_t rkey;

	if (!q->up)
		return;
	if (p->mw1) {
		b.wr_id = next_id(p);
		b.send_flags = IBV_SEND_SIGNALED;
		b.bind_info.mr = p->mr;
		b.bind_info.addr = (uintptr_t)win;
		b.bind_info.length = 4096;
		b.bind_info.mw_access_flags = MW_ACC;
		if (step(p, "bind_mw(type 1)", verr(ibv_bind_mw(q->b, p->mw1, &b))) &&
		    completed(p, "bind_mw(type 1)", p->scq, b.wr_id, true, &wc))
			p->mw1_rkey = p->mw1->rkey;
	}
	if (p->mw2) {
		rkey = ibv_inc_rkey(p->mw2->rkey);
		wr.wr_id = next_id(p);
		wr.opcode = IBV_WR_BIND_MW;
		wr.send_flags = IBV_SEND_SIGNALED;
		wr.bind_mw.mw = p->mw2;
		wr.bind_mw.rkey = rkey;
		wr.bind_mw.bind_info.mr = p->mr;
		wr.bind_mw.bind_info.addr = (uintptr_t)win + 8192;
		wr.bind_mw.bind_info.length = 4096;
		wr.bind_mw.bind_info.mw_access_flags = MW_ACC;
		if (step(p, "post_send(BIND_MW type 2)",
			 verr(ibv_post_send(q->b, &wr, &badw))) &&
		    completed(p, "bind_mw(type 2)", p->scq, wr.wr_id, true, &wc)) {
			p->mw2->rkey = rkey;
			p->mw2_rkey = rkey;
		}
	}
}

/* A writes through each bound window. */
static void mw_write(struct pass *p, struct qpair *q)
{
	uint8_t *win = buf + MW_SLICE * SLICE, *src = q->base + S_OFF;
	const uint32_t rkeys[2] = { p->mw1_rkey, p->mw2_rkey };
	struct ibv_wc wc;
	uint64_t id;
	int i;

	for (i = 0; i < 2 && q->up; i++) {
		if (!rkeys[i])
			continue;
		memset(win + i * 8192, 0, 4096);
		id = next_id(p);
		fill(src, 3000, (uint32_t)id);
		if (step(p, "post_send(WRITE through MW)",
			 verr(post_send_op(p, q->a, IBV_WR_RDMA_WRITE, id, src,
					   3000, win + i * 8192 + 100,
					   rkeys[i], 0))) &&
		    completed(p, "WRITE through MW", p->scq, id, true, &wc))
			same(p, "WRITE through MW", win + i * 8192 + 100, src,
			     3000);
	}
}

/*
 * The UC pair's B, with receives posted, flushed to ERR: each receive
 * completes in error; then RESET and INIT again. Receives need a QP out
 * of RESET (librxe refuses them with EINVAL, as C10-97.2.1 says), and
 * RESET -> ERR is no transition.
 */
static void flush_cycle(struct pass *p, struct qpair *q)
{
	uint8_t *at = buf + MR2_SLICE * SLICE;
	struct ibv_sge s = { .addr = (uintptr_t)at, .length = 256 };
	struct ibv_recv_wr wr = { .sg_list = &s, .num_sge = 1 }, *badr;
	struct ibv_qp_attr a = {};
	uint64_t ids[NFLUSH];
	struct ibv_wc wc;
	int i, posted;

	if (!q->b || !p->rcq_ok || q->b_state == IBV_QPS_RESET)
		return;
	if (p->mr2)
		s.lkey = p->mr2->lkey;
	else
		s.lkey = p->mr->lkey;
	for (posted = 0; posted < NFLUSH; posted++) {
		ids[posted] = wr.wr_id = next_id(p);
		s.addr = (uintptr_t)at + posted * 256;
		if (!step(p, "post_recv(flush)",
			  verr(ibv_post_recv(q->b, &wr, &badr))))
			break;
	}
	a.qp_state = IBV_QPS_ERR;
	if (!step(p, "modify_qp(uc.b, ERR)",
		  verr(ibv_modify_qp(q->b, &a, IBV_QP_STATE))))
		return;
	q->up = false;
	for (i = 0; i < posted; i++) {
		if (!wait_wc(p, p->rcq, ids[i], RC_WAIT_MS, &wc)) {
			bad(p, "flush: receive %d of %d not flushed", i + 1,
			    posted);
			break;
		}
		if (wc.status != IBV_WC_WR_FLUSH_ERR) {
			bad(p, "flush: status %s", ibv_wc_status_str(wc.status));
			break;
		}
	}
	a.qp_state = IBV_QPS_RESET;
	if (!step(p, "modify_qp(uc.b, RESET)",
		  verr(ibv_modify_qp(q->b, &a, IBV_QP_STATE))))
		return;
	a.qp_state = IBV_QPS_INIT;
	a.port_num = 1;
	a.qp_access_flags = IBV_ACCESS_REMOTE_WRITE;
	step(p, "modify_qp(uc.b, RESET->INIT)",
	     verr(ibv_modify_qp(q->b, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
				IBV_QP_PORT | IBV_QP_ACCESS_FLAGS)));
}

/* ------------------------------------------------------------ governance */

static void governance(struct pass *p, struct qpair *q)
{
	struct srx_gov_qp_info qi, off[8];
	struct srx_gov_srq_info si;
	struct srxctl_srq *srqs = NULL;
	char val[64];
	bool group;
	int n, i;
	uint32_t j;

	if (!p->srq)
		return;
	group = step(p, "srx_srq_set_group", -srx_srq_set_group(p->srq, 1, 8));
	if (q->b) {
		step(p, "srx_qp_set_limit", -srx_qp_set_limit(q->b, 6));
		step(p, "srx_qp_set_policy",
		     -srx_qp_set_policy(q->b, SRX_GOV_RNR));
		if (group)
			step(p, "srx_qp_set_group", -srx_qp_set_group(q->b, 1));
		memset(&qi, 0, sizeof(qi));
		if (step(p, "srx_qp_query", -srx_qp_query(q->b, &qi)) &&
		    qi.qpn != q->b->qp_num)
			bad(p, "srx_qp_query: qpn %u, expected %u", qi.qpn,
			    q->b->qp_num);
	}
	step(p, "srx_srq_query", -srx_srq_query(p->srq, &si));
	n = srx_srq_offenders(p->srq, 0, off, ARRAY_SIZE(off));
	step(p, "srx_srq_offenders", n < 0 ? -n : 0);
	step(p, "srx_srq_set_mode(share)",
	     -srx_srq_set_mode(p->srq, SRX_GOV_SHARE, 150, 1,
			       SRXCTL_UNLIMITED));
	/*
	 * The credit mode changes only while no WQE is held (EBUSY): a
	 * fault that kept a completion from being polled leaves one held.
	 */
	step_x(p, "srx_srq_set_credit",
	       -srx_srq_set_credit(p->srq, SRX_GOV_CREDIT_POST), false,
	       (const int[]){ EBUSY, 0 });

	/* The operator's side: the netlink view, gov/ctl, a default. */
	/*
	 * Its netlink socket: ENFILE when the kernel cannot allocate the
	 * file, ENOBUFS for a reply it could not deliver.
	 */
	n = srxctl_status(dev_name, &srqs);
	if (step_x(p, "srxctl_status", n < 0 ? -n : 0, false,
		   (const int[]){ ENFILE, ENOBUFS, 0 }) && q->b) {
		for (i = 0; i < n; i++)
			for (j = 0; j < srqs[i].nqps; j++)
				if (srqs[i].qps[j].info.qpn == q->b->qp_num) {
					step_x(p, "srxctl_ctl(srq credit)",
					       -srxctl_ctl(dev_name,
							   "srq %u credit repost",
							   srqs[i].id),
					       false, (const int[]){ EBUSY, 0 });
					step(p, "srxctl_ctl(qp limit)",
					     -srxctl_ctl(dev_name,
							 "qp %u limit 5",
							 q->b->qp_num));
				}
	}
	srxctl_status_free(srqs, n);
	step(p, "srxctl_default_get",
	     -srxctl_default_get(dev_name, "qp_limit", val, sizeof(val)));

	/* Back to plain static mode, the group left and removed. */
	if (q->b && group)
		step(p, "srx_qp_set_group(0)", -srx_qp_set_group(q->b, 0));
	if (group)
		step(p, "srx_srq_remove_group",
		     -srx_srq_remove_group(p->srq, 1));
	step(p, "srx_srq_set_mode(static)",
	     -srx_srq_set_mode(p->srq, SRX_GOV_STATIC, 100, 0,
			       SRXCTL_UNLIMITED));
}

/* ------------------------------------------------------------ a pass */

static bool open_ctx(struct pass *p)
{
	/*
	 * libibverbs finds the device through sysfs and netlink, and makes
	 * its own errno of a failure there (a device it cannot read is
	 * left out: not found).
	 */
	static const int lib[] = { ENOENT, ENODEV, ENOSYS, ENOBUFS, 0 };

	errno = 0;
	p->ctx = open_dev(dev_name);
	if (p->ctx)
		return step(p, "open_device", 0);
	return step_x(p, "open_device", errno ? errno : ENODEV, false, lib);
}

static void create_all(struct pass *p)
{
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = 16, .max_sge = 2 } };
	struct ibv_device_attr_ex dx;
	struct ibv_port_attr port;
	struct ibv_ah_attr ah = {};
	union ibv_gid g;
	int i;

	step(p, "query_device_ex", verr(ibv_query_device_ex(p->ctx, NULL, &dx)));
	step(p, "query_port", verr(ibv_query_port(p->ctx, 1, &port)));
	if (step(p, "query_gid", verr(ibv_query_gid(p->ctx, 1, gidx, &g))) &&
	    memcmp(&g, &gid, sizeof(g)))
		bad(p, "GID %d changed", gidx);

	errno = 0;
	p->pd = ibv_alloc_pd(p->ctx);
	if (!step_obj(p, "alloc_pd", p->pd))
		return;
	errno = 0;
	p->scq = ibv_create_cq(p->ctx, 64, NULL, NULL, 0);
	step_obj(p, "create_cq(send)", p->scq);
	errno = 0;
	p->rcq = ibv_create_cq(p->ctx, 64, NULL, NULL, 0);
	p->rcq_ok = step_obj(p, "create_cq(recv)", p->rcq);
	errno = 0;
	p->srq = ibv_create_srq(p->pd, &sa);
	p->srq_ok = step_obj(p, "create_srq", p->srq);
	/*
	 * Every message gets a fresh buffer, so with credit=buffer (the
	 * default) the last draw stays held until the next post, and the
	 * credit change after the traffic would be EBUSY: credit at poll.
	 */
	if (p->srq_ok)
		step(p, "srx_srq_set_credit(poll)",
		     -srx_srq_set_credit(p->srq, SRX_GOV_CREDIT_POLL));
	errno = 0;
	p->mr = ibv_reg_mr(p->pd, buf, BUF_SIZE, ACC_DATA | IBV_ACCESS_MW_BIND);
	step_obj(p, "reg_mr", p->mr);
	errno = 0;
	p->mr2 = ibv_reg_mr(p->pd, buf + MR2_SLICE * SLICE, SLICE,
			    IBV_ACCESS_LOCAL_WRITE);
	step_obj(p, "reg_mr(second)", p->mr2);
	if (mw1_cap) {
		errno = 0;
		p->mw1 = ibv_alloc_mw(p->pd, IBV_MW_TYPE_1);
		step_obj(p, "alloc_mw(type 1)", p->mw1);
	}
	if (mw2_cap) {
		errno = 0;
		p->mw2 = ibv_alloc_mw(p->pd, IBV_MW_TYPE_2);
		step_obj(p, "alloc_mw(type 2)", p->mw2);
	}
	ah.is_global = 1;
	ah.port_num = 1;
	ah.grh.dgid = gid;
	ah.grh.sgid_index = gidx;
	ah.grh.hop_limit = 64;
	/* librxe resolves the MAC over a netlink socket: ENOBUFS. */
	errno = 0;
	p->ah = ibv_create_ah(p->pd, &ah);
	step_x(p, "create_ah", p->ah ? 0 : (errno ? errno : -1), false,
	       (const int[]){ ENOBUFS, 0 });
	if (!p->scq || !p->rcq || !p->mr)
		return;
	for (i = 0; i < NPAIRS; i++)
		pair_up(p, &p->qp[i]);
}

static void exercise(struct pass *p)
{
	struct ibv_srq_attr sattr = {};
	struct ibv_qp_init_attr qinit;
	struct ibv_qp_attr qattr;
	int i;

	if (!p->mr)
		return;
	if (p->srq) {
		sattr.max_wr = 64;
		p->srq_ok = step(p, "modify_srq(resize)",
				 verr(ibv_modify_srq(p->srq, &sattr,
						     IBV_SRQ_MAX_WR)));
		sattr.srq_limit = 2;
		if (p->srq_ok)
			step(p, "modify_srq(limit)",
			     verr(ibv_modify_srq(p->srq, &sattr,
						 IBV_SRQ_LIMIT)));
		step(p, "query_srq", verr(ibv_query_srq(p->srq, &sattr)));
	}
	for (i = 0; i < NPAIRS; i++)
		pair_send(p, &p->qp[i], p->qp[i].d->len, "first");
	rc_rdma(p, &p->qp[P_RC]);
	mw_bind(p, &p->qp[P_RC]);
	mw_write(p, &p->qp[P_RC]);
	if (p->qp[P_RC].a)
		step(p, "query_qp", verr(ibv_query_qp(p->qp[P_RC].a, &qattr,
						       IBV_QP_STATE, &qinit)));
	if (p->rcq && p->rcq_ok) {
		/* librxe remaps the ring: after a failure, poll it no more. */
		p->rcq_ok = step(p, "resize_cq", verr(ibv_resize_cq(p->rcq, 256)));
		pair_send(p, &p->qp[P_RC], 1500, "after resize_cq");
		pair_send(p, &p->qp[P_UC], 60, "inline");
	}
	governance(p, &p->qp[P_SRQ]);
	pair_send(p, &p->qp[P_SRQ], 2000, "governed");
	mcast(p, &p->qp[P_UD]);
	flush_cycle(p, &p->qp[P_UC]);
}

/* Everything, children first. */
static void destroy_all(struct pass *p)
{
	static const char *const qn[NPAIRS][2] = {
		{ "destroy_qp(rc.a)", "destroy_qp(rc.b)" },
		{ "destroy_qp(rc_srq.a)", "destroy_qp(rc_srq.b)" },
		{ "destroy_qp(uc.a)", "destroy_qp(uc.b)" },
		{ "destroy_qp(ud.a)", "destroy_qp(ud.b)" },
	};
	int i;

	/* Windows before the QP and MR they are bound to. */
	if (p->mw1)
		step_destroy(p, "dealloc_mw(type 1)", ibv_dealloc_mw(p->mw1));
	if (p->mw2)
		step_destroy(p, "dealloc_mw(type 2)", ibv_dealloc_mw(p->mw2));
	if (p->ah)
		step_destroy(p, "destroy_ah", ibv_destroy_ah(p->ah));
	for (i = 0; i < NPAIRS; i++) {
		if (p->qp[i].a)
			step_destroy(p, qn[i][0], ibv_destroy_qp(p->qp[i].a));
		if (p->qp[i].b)
			step_destroy(p, qn[i][1], ibv_destroy_qp(p->qp[i].b));
	}
	if (p->srq)
		step_destroy(p, "destroy_srq", ibv_destroy_srq(p->srq));
	if (p->scq)
		step_destroy(p, "destroy_cq(send)", ibv_destroy_cq(p->scq));
	if (p->rcq)
		step_destroy(p, "destroy_cq(recv)", ibv_destroy_cq(p->rcq));
	if (p->mr2)
		step_destroy(p, "dereg_mr(second)", ibv_dereg_mr(p->mr2));
	if (p->mr)
		step_destroy(p, "dereg_mr", ibv_dereg_mr(p->mr));
	if (p->pd)
		step_destroy(p, "dealloc_pd", ibv_dealloc_pd(p->pd));
}

static void run_pass(struct pass *p, bool abandon)
{
	int i;

	for (i = 0; i < NPAIRS; i++) {
		p->qp[i].d = &defs[i];
		p->qp[i].base = buf + i * SLICE;
	}
	p->abandon = abandon;
	if (!open_ctx(p))
		return;
	create_all(p);
	exercise(p);
	/*
	 * Abandoned: ibv_close_device with every object alive, so the
	 * kernel's context cleanup destroys them (librxe's rings stay
	 * mapped until exit).
	 */
	if (!abandon)
		destroy_all(p);
	step_destroy(p, "close_device", ibv_close_device(p->ctx));
}

/* ------------------------------------------------------------ setup */

/* Before any fault: the GID, MTU and capabilities every pass uses. */
static int probe(void)
{
	struct ibv_context *ctx = open_dev(dev_name);
	struct ibv_device_attr_ex dx;
	struct ibv_port_attr port;
	struct ibv_gid_entry ent;
	int i;

	if (!ctx) {
		fprintf(stderr, "fault_ops: cannot open %s\n", dev_name);
		return -1;
	}
	if (ibv_query_device_ex(ctx, NULL, &dx) ||
	    ibv_query_port(ctx, 1, &port)) {
		fprintf(stderr, "fault_ops: query %s: %s\n", dev_name,
			strerror(errno));
		ibv_close_device(ctx);
		return -1;
	}
	for (i = 0; i < port.gid_tbl_len && gidx < 0; i++) {
		if (ibv_query_gid_ex(ctx, 1, i, &ent, 0) ||
		    ent.gid_type != IBV_GID_TYPE_ROCE_V2 ||
		    !gid_is_v4(&ent.gid))
			continue;
		gidx = i;
		gid = ent.gid;
		ifindex = ent.ndev_ifindex;
	}
	path_mtu = port.active_mtu < IBV_MTU_1024 ? port.active_mtu :
						     IBV_MTU_1024;
	mw1_cap = dx.orig_attr.device_cap_flags & IBV_DEVICE_MEM_WINDOW;
	mw2_cap = dx.orig_attr.device_cap_flags &
		  (IBV_DEVICE_MEM_WINDOW_TYPE_2A | IBV_DEVICE_MEM_WINDOW_TYPE_2B);
	ibv_close_device(ctx);
	if (gidx < 0) {
		fprintf(stderr, "fault_ops: %s has no IPv4 RoCEv2 GID\n",
			dev_name);
		return -1;
	}
	return 0;
}

/*
 * Faults in this process's page tables would turn a kernel copy to a
 * buffer not touched yet into EFAULT: have the stack, the buffer and
 * all later mappings resident before any fault.
 */
static void __attribute__((noinline)) prefault(void)
{
	volatile char stack[256 * 1024];
	size_t i;

	for (i = 0; i < sizeof(stack); i += 4096)
		stack[i] = 0;
	mlockall(MCL_CURRENT | MCL_FUTURE);
}

static int usage(const char *me)
{
	fprintf(stderr,
		"usage: %s -d DEVICE [-n PASSES] [-t SECONDS] [-f | -N FIRST[:STEP]] [-v]\n",
		me);
	return 2;
}

static int write_num(int fd, long v)
{
	char s[32];
	int n = snprintf(s, sizeof(s), "%ld", v);

	return pwrite(fd, s, n, 0) == n ? 0 : -1;
}

static long read_num(int fd)
{
	char s[32] = "";

	if (pread(fd, s, sizeof(s) - 1, 0) <= 0)
		return -1;
	return strtol(s, NULL, 10);
}

int main(int argc, char **argv)
{
	long passes = 1, seconds = 0, nth_first = 0, nth_step = 1, armed;
	long left = 0;
	int opt, fail_fd = -1, nth_fd = -1, i;
	bool nth_done = false;
	long long start;
	void *bt[1];
	char *end;

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	while ((opt = getopt(argc, argv, "d:n:t:fN:v")) != -1) {
		switch (opt) {
		case 'd':
			dev_name = optarg;
			break;
		case 'n':
			if (tl_num(optarg, 1, &passes))
				return usage(argv[0]);
			break;
		case 't':
			if (tl_num(optarg, 1, &seconds))
				return usage(argv[0]);
			break;
		case 'f':
			faulty = true;
			break;
		case 'N':
			nth_first = strtol(optarg, &end, 0);
			if (*end == ':')
				nth_step = strtol(end + 1, &end, 0);
			if (*end || nth_first < 1 || nth_step < 1)
				return usage(argv[0]);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			return usage(argv[0]);
		}
	}
	if (!dev_name || optind != argc || (faulty && nth_first))
		return usage(argv[0]);

	if (faulty) {
		fail_fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
		if (fail_fd < 0) {
			printf("fault_ops: no /proc/self/make-it-fail: %s (no CONFIG_FAULT_INJECTION)\n",
			       strerror(errno));
			return 2;
		}
	}
	if (nth_first) {
		nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
		if (nth_fd < 0) {
			printf("fault_ops: no /proc/thread-self/fail-nth: %s (no CONFIG_FAULT_INJECTION)\n",
			       strerror(errno));
			return 2;
		}
	}
	buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED) {
		perror("fault_ops: mmap");
		return 2;
	}
	/* libibverbs loads its providers once, here, outside any fault. */
	if (probe())
		return 2;
	prefault();
	signal(SIGALRM, watchdog);
	backtrace(bt, 1);	/* loads libgcc_s now, not in the handler */
	signal(SIGSEGV, crashed);
	signal(SIGBUS, crashed);
	signal(SIGABRT, crashed);

	start = tl_now_ms();
	for (i = 0; i < passes; i++) {
		struct pass p = { .no = i };
		bool abandon = fail_fd >= 0 && i % 3 == 2;
		unsigned long steps = st.steps;

		if (seconds && tl_now_ms() - start > seconds * 1000)
			break;
		alarm(PASS_TIMEOUT_S);
		armed = nth_first + (long)i * nth_step;
		if (nth_fd >= 0) {
			faulty = true;
			if (write_num(nth_fd, armed)) {
				printf("fault_ops: fail-nth: %s\n", strerror(errno));
				return 2;
			}
		} else if (faulty && write_num(fail_fd, 1)) {
			printf("fault_ops: make-it-fail: %s\n", strerror(errno));
			return 2;
		}

		run_pass(&p, abandon);

		if (nth_fd >= 0) {
			/* 0: the fault was injected; else what was left. */
			left = read_num(nth_fd);
			nth_done = left != 0;
			write_num(nth_fd, 0);
		} else if (faulty) {
			while (write_num(fail_fd, 0))
				usleep(1000);
		}
		alarm(0);
		st.passes++;
		if (verbose || notes_len)
			printf("# pass %d%s%s: %lu steps\n", i,
			       abandon ? " (left to close_device)" : "",
			       nth_fd < 0 ? "" : nth_done ?
			       " (fewer fault sites than fail-nth)" :
			       " (fail-nth injected)", st.steps - steps);
		flush_notes();
		if (nth_done) {
			printf("# fail-nth: pass %d reached %ld fault sites; %d passes before it had one fail each\n",
			       i, armed - left, i);
			break;
		}
	}
	if (nth_fd >= 0 && !nth_done)
		printf("# fail-nth: stopped before every site was reached (next: %ld)\n",
		       nth_first + (long)i * nth_step);

	printf("fault_ops: %lu passes, %lu steps, %lu failed (", st.passes,
	       st.steps, st.failed);
	for (i = 0; i < (int)ARRAY_SIZE(st.errs) && st.errs[i].n; i++)
		printf("%s%s %lu", i ? ", " : "",
		       st.errs[i].err > 0 ? strerrorname_np(st.errs[i].err) :
					    "no errno",
		       st.errs[i].n);
	printf("), %lu messages checked, %lu lost, %lu stray, %lu bad\n",
	       st.msgs, st.lost, st.stray, st.bad);
	return st.bad ? 1 : 0;
}
