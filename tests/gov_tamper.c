// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * gov_tamper - a process that writes garbage into its own CQ ring gains
 * no SRQ credits and disturbs nobody else's accounting.
 *
 * Two RC pairs over loopback on one device. Both receiving QPs share one
 * SRQ and get the limit -L (gov/qp_limit, set before they are created).
 * The "tamperer" receives on a CQ of its own that is never polled while
 * it is abused; the "victim" receives on another CQ, polled and refilled
 * promptly. The tamperer's CQ ring is the uverbs mapping that appeared
 * in /proc/self/maps when that CQ was created, confirmed by its
 * struct rxe_queue_buf header (element size, index mask == cqe).
 *
 * Each step first lets the tamperer fill its limit, then abuses its ring,
 * runs victim traffic while sampling gov_status, restores the ring and
 * checks:
 *   cons_ahead     consumer index half a ring ahead of the producer
 *   ring_full      consumer index one past the producer: the ring looks
 *                  full, completions overflow (IBV_EVENT_CQ_ERR)
 *   cons_behind    consumer index moved backwards
 *   cons_range     consumer index out of range (unmasked garbage)
 *   prod_garbage   producer index overwritten (the kernel owns it)
 *   cqe_garbage    every CQE overwritten, naming the victim's QP
 *   resize_race    consumer index rewritten by a thread while the CQ is
 *                  resized, over and over
 * Always (every sample): held <= limit for both QPs, draws == credits +
 * held, the SRQ's draws - credits == the sum of its QPs' held. After each
 * step: the victim was never refused, holds nothing once its completions
 * are polled, and was charged exactly the messages it received; no async
 * event names the victim's QP or CQ. At the end the tamperer, its ring
 * restored, still receives and holds nothing once it polled; everything
 * is destroyed with the ring tampered again; the kernel is not tainted
 * by a WARN or an oops.
 *
 * usage: gov_tamper -d DEV -g GIDX [-L LIMIT] [-v MSGS] [-r ROUNDS] [-s SCALE]
 *   -L  the limit of both QPs (default 8)
 *   -v  victim messages per step (default 24)
 *   -r  resizes in resize_race (default 100)
 *   -s  multiply every time limit by SCALE (a slow debug kernel; 1)
 *
 * Prints "ok - gov_tamper.NAME", "not ok - gov_tamper.NAME: why" or
 * "skip - ...", then "gov_tamper: N passed, N failed, N skipped"; exits
 * 0 when nothing failed, 1 when a check failed, 2 when setup failed.
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/verbs.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/rdma_user_rxe.h>

#define TESTLIB_REPORT
#include "testlib.h"

#define SRQ_SIZE	64	/* WQEs kept posted */
#define MSG		64
#define S_CQE		255	/* send CQ */
#define V_CQE		511	/* victim's receive CQ */
#define T_CQE		31	/* tamperer's: 32 slots, no other ring */
#define T_CQE_BIG	63	/* the size resize_race alternates with */
#define V_DEPTH		2	/* victim sends in flight */
#define MAX_MAPS	64
/* Taint flags a kernel splat sets: BAD_PAGE, DIE (oops), WARN. */
#define SPLAT_TAINT	((1UL << 5) | (1UL << 7) | (1UL << 9))

enum { T, V };			/* the tamperer, the victim */

struct qstat {
	bool		found;
	uint64_t	limit;		/* UINT64_MAX: none */
	uint64_t	held, draws, credits, rnr, drops, disconnects;
};

struct sstat {
	bool		found;
	uint64_t	draws, credits, held_sum;
};

struct ring {
	struct rxe_queue_buf	*q;
	unsigned long		off;	/* mmap offset on the command fd */
	size_t			len;
};

static const char *dev;
static int gidx;
static unsigned int limit = 8;
static int v_round = 24, race_rounds = 100;
static double scale = 1;		/* for time limits */
static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_mr *mr;
static struct ibv_srq *srq;
static struct ibv_cq *scq, *rcq[2];
static struct ibv_qp *sqp[2], *rqp[2];
static union ibv_gid gid;
static char *buf;
static long inflight[2];
static uint64_t posted, delivered[2];
static struct ring tring;		/* the tamperer's CQ ring */
static unsigned int cq_err[2], foreign_events;	/* async events */

/* Invariant violations seen while sampling, reported per step. */
static unsigned int bad;
static char bad_why[256];
static uint64_t max_held[2];
static struct qstat last[2];		/* the latest sample */

static void __attribute__((noreturn)) die(const char *what)
{
	printf("not ok - gov_tamper.setup: %s: %s\n", what, strerror(errno));
	printf("gov_tamper: %u passed, %u failed, %u skipped\n", n_pass,
	       n_fail + 1, n_skip);
	exit(2);
}

static void sysfs_write(const char *attr, const char *val)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/infiniband/%s/gov/%s", dev,
		 attr);
	f = fopen(path, "w");
	if (!f || fputs(val, f) < 0 || fclose(f))
		die(path);
}

static unsigned long tainted(void)
{
	unsigned long t = 0;
	FILE *f = fopen("/proc/sys/kernel/tainted", "r");

	if (f) {
		if (fscanf(f, "%lu", &t) != 1)
			t = 0;
		fclose(f);
	}
	return t;
}

/* ---- gov_status ---- */

static void parse_qp(const char *line, struct qstat *q)
{
	char lim[32];

	if (sscanf(line, " qp %*u limit %31s held %" SCNu64 " draws %" SCNu64
		   " credits %" SCNu64 " rnr %" SCNu64 " drops %" SCNu64
		   " disconnects %" SCNu64, lim, &q->held, &q->draws,
		   &q->credits, &q->rnr, &q->drops, &q->disconnects) != 7)
		return;
	q->limit = strcmp(lim, "none") ? strtoull(lim, NULL, 0) : UINT64_MAX;
	q->found = true;
}

/*
 * The status of our two receiving QPs (a destroyed one: not found) and
 * of the SRQ whose block lists either of them.
 */
static bool read_status(struct qstat q[2], struct sstat *s)
{
	struct sstat cur = {};
	bool ours = false;
	char path[256], line[512];
	unsigned int qpn;
	FILE *f;
	int i;

	memset(q, 0, 2 * sizeof(*q));
	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), SRX_GOV_STATUS, dev);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		struct qstat any = {};

		if (!strncmp(line, "srq ", 4)) {
			if (ours)
				*s = cur;
			memset(&cur, 0, sizeof(cur));
			ours = false;
			cur.found = sscanf(line, "srq %*u size %*u mode %*s credit %*s qps %*u draws %" SCNu64 " credits %" SCNu64,
					   &cur.draws, &cur.credits) == 2;
			continue;
		}
		if (sscanf(line, " qp %u ", &qpn) != 1)
			continue;
		parse_qp(line, &any);
		cur.held_sum += any.held;
		for (i = 0; i < 2; i++) {
			if (rqp[i] && qpn == rqp[i]->qp_num) {
				q[i] = any;
				ours = true;
			}
		}
	}
	if (ours)
		*s = cur;
	fclose(f);
	return s->found;
}

static void note_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note_bad(const char *fmt, ...)
{
	va_list ap;

	if (!bad++) {
		va_start(ap, fmt);
		vsnprintf(bad_why, sizeof(bad_why), fmt, ap);
		va_end(ap);
	}
}

/* One sample: the invariants that must hold at every moment. */
static void sample(void)
{
	static const char * const who[2] = { "tamperer", "victim" };
	struct qstat q[2];
	struct sstat s;
	int i;

	if (!read_status(q, &s)) {
		note_bad("our SRQ is missing from gov_status");
		return;
	}
	memcpy(last, q, sizeof(last));
	for (i = 0; i < 2; i++) {
		if (!rqp[i])
			continue;
		if (!q[i].found) {
			note_bad("%s QP missing from gov_status", who[i]);
			continue;
		}
		if (q[i].held > max_held[i])
			max_held[i] = q[i].held;
		if (q[i].held > q[i].limit)
			note_bad("%s holds %" PRIu64 " over its limit %" PRIu64,
				 who[i], q[i].held, q[i].limit);
		if (q[i].draws != q[i].credits + q[i].held)
			note_bad("%s: draws %" PRIu64 " != credits %" PRIu64 " + held %" PRIu64,
				 who[i], q[i].draws, q[i].credits, q[i].held);
	}
	if (s.draws - s.credits != s.held_sum)
		note_bad("SRQ: draws %" PRIu64 " - credits %" PRIu64 " != held %" PRIu64,
			 s.draws, s.credits, s.held_sum);
}

/* ---- the ring ---- */

/* The uverbs mappings of this process: start, length, offset. */
static int uverbs_maps(struct ring *out, int max)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long start, end, off;
	char line[512];
	int n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "/dev/infiniband/uverbs") ||
		    sscanf(line, "%lx-%lx %*s %lx", &start, &end, &off) != 3)
			continue;
		out[n].q = (struct rxe_queue_buf *)start;
		out[n].len = end - start;
		out[n].off = off;
		n++;
	}
	fclose(f);
	return n;
}

/* Is @r a CQ ring of @cqe entries (as srx lays out user CQs)? */
static bool is_cq_ring(const struct ring *r, int cqe)
{
	return r->len >= sizeof(*r->q) &&
	       (1U << r->q->log2_elem_size) >= sizeof(struct ib_uverbs_wc) &&
	       r->q->log2_elem_size <= 12 &&
	       r->q->index_mask == (uint32_t)cqe &&
	       sizeof(*r->q) + (((size_t)cqe + 1) << r->q->log2_elem_size) <=
	       r->len;
}

/* The one CQ ring of the tamperer's current size, or false. */
static bool find_tring(void)
{
	struct ring m[MAX_MAPS];
	int n = uverbs_maps(m, MAX_MAPS), i, found = 0;

	for (i = 0; i < n; i++) {
		if (is_cq_ring(&m[i], rcq[T]->cqe)) {
			tring = m[i];
			found++;
		}
	}
	return found == 1;
}

static uint32_t ld(uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void st(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/*
 * Make the ring sane for librxe again (it trusts both indices): the
 * producer index in range (the kernel republishes its own on every
 * completion; @prod_ok is a value it had), consumer == producer, the
 * entries there are discarded.
 */
static void ring_restore(uint32_t prod_ok)
{
	struct rxe_queue_buf *q = tring.q;
	uint32_t prod = ld(&q->producer_index);

	if (prod > q->index_mask) {
		prod = prod_ok & q->index_mask;
		st(&q->producer_index, prod);
	}
	st(&q->consumer_index, prod);
}

/* ---- traffic ---- */

static void connect_qp(struct ibv_qp *qp, uint32_t dqpn)
{
	errno = rc_connect(qp, dqpn, &gid, gidx);
	if (errno)
		die("connect");
}

static void setup(void)
{
	struct ibv_srq_init_attr sattr = {
		.attr = { .max_wr = SRQ_SIZE, .max_sge = 1 },
	};
	const struct ibv_qp_cap cap = {
		.max_send_wr = 64, .max_send_sge = 1,
		.max_recv_wr = 1, .max_recv_sge = 1,
	};
	struct ibv_qp_init_attr qattr = { .qp_type = IBV_QPT_RC };
	struct ring before[MAX_MAPS], after[MAX_MAPS];
	int nb, na, i, j, fresh = 0;
	char lim[16];

	ctx = open_dev(dev);
	if (!ctx)
		die("open device");
	snprintf(lim, sizeof(lim), "%u", limit);
	sysfs_write("qp_limit", lim);
	sysfs_write("credit", "poll");
	buf = calloc(SRQ_SIZE + 1, MSG);
	pd = buf ? ibv_alloc_pd(ctx) : NULL;
	mr = pd ? ibv_reg_mr(pd, buf, (SRQ_SIZE + 1) * MSG,
			     IBV_ACCESS_LOCAL_WRITE) : NULL;
	srq = mr ? ibv_create_srq(pd, &sattr) : NULL;
	scq = srq ? ibv_create_cq(ctx, S_CQE, NULL, NULL, 0) : NULL;
	rcq[V] = scq ? ibv_create_cq(ctx, V_CQE, NULL, NULL, 0) : NULL;
	if (!rcq[V] || ibv_query_gid(ctx, 1, gidx, &gid))
		die("PD, MR, SRQ or CQs");

	/* The tamperer's CQ ring: what it adds to the process's mappings. */
	nb = uverbs_maps(before, MAX_MAPS);
	rcq[T] = ibv_create_cq(ctx, T_CQE, NULL, NULL, 0);
	if (!rcq[T])
		die("tamperer's CQ");
	na = uverbs_maps(after, MAX_MAPS);
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++)
			if (after[i].q == before[j].q &&
			    after[i].off == before[j].off)
				break;
		if (j == nb) {
			tring = after[i];
			fresh++;
		}
	}
	check(fresh == 1 && is_cq_ring(&tring, rcq[T]->cqe), "find_cq_ring",
	      "%d new uverbs mappings with the CQ, header log2 %u mask %u, cqe %d",
	      fresh, fresh ? tring.q->log2_elem_size : 0,
	      fresh ? tring.q->index_mask : 0, rcq[T]->cqe);
	if (fresh != 1 || !is_cq_ring(&tring, rcq[T]->cqe)) {
		errno = ENOENT;
		die("the tamperer's CQ ring");
	}

	for (i = 0; i < 2; i++) {
		/* create_qp wrote back the last QP's capabilities. */
		qattr.cap = cap;
		qattr.send_cq = scq;
		qattr.recv_cq = scq;
		qattr.srq = NULL;
		sqp[i] = ibv_create_qp(pd, &qattr);
		qattr.recv_cq = rcq[i];
		qattr.srq = srq;
		rqp[i] = sqp[i] ? ibv_create_qp(pd, &qattr) : NULL;
		if (!rqp[i])
			die("create QPs");
		connect_qp(sqp[i], rqp[i]->qp_num);
		connect_qp(rqp[i], sqp[i]->qp_num);
	}
	/* Restore the device default for whatever the test does next. */
	sysfs_write("qp_limit", "none");
}

static void post_recv(void)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)buf + (posted % SRQ_SIZE) * MSG,
		.length = MSG, .lkey = mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = posted, .sg_list = &sge,
				  .num_sge = 1 }, *bad_wr;

	if (ibv_post_srq_recv(srq, &wr, &bad_wr))
		die("post_srq_recv");
	posted++;
}

/* Keep SRQ_SIZE WQEs in the SRQ: every draw took one. */
static void srq_topup(void)
{
	struct qstat q[2];
	struct sstat s;

	if (!read_status(q, &s))
		return;
	while (posted - s.draws < SRQ_SIZE)
		post_recv();
}

static void post_send(int i)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)buf + SRQ_SIZE * MSG, .length = MSG,
		.lkey = mr->lkey,
	};
	struct ibv_send_wr wr = { .wr_id = i, .sg_list = &sge, .num_sge = 1,
				  .opcode = IBV_WR_SEND,
				  .send_flags = IBV_SEND_SIGNALED }, *bad_wr;

	if (ibv_post_send(sqp[i], &wr, &bad_wr))
		die("post_send");
	inflight[i]++;
}

static void reap_send(void)
{
	struct ibv_wc wc[16];
	int n, i;

	n = ibv_poll_cq(scq, 16, wc);
	for (i = 0; i < n; i++) {
		if (wc[i].status != IBV_WC_SUCCESS)
			note_bad("send on the %s pair failed: status %d",
				 wc[i].wr_id == T ? "tamperer" : "victim",
				 wc[i].status);
		inflight[wc[i].wr_id == T ? T : V]--;
	}
}

/* Poll a receive CQ the honest way; count what is ours. */
static int reap_recv(int i)
{
	struct ibv_wc wc[16];
	int n, k;

	n = ibv_poll_cq(rcq[i], 16, wc);
	for (k = 0; k < n; k++) {
		if (wc[k].status != IBV_WC_SUCCESS ||
		    wc[k].opcode != IBV_WC_RECV ||
		    wc[k].qp_num != rqp[i]->qp_num)
			note_bad("%s completion: status %d opcode %d qp %u",
				 i == T ? "tamperer" : "victim", wc[k].status,
				 wc[k].opcode, wc[k].qp_num);
		else
			delivered[i]++;
	}
	return n > 0 ? n : 0;
}

/* CQ and QP events: only the tamperer's may have any. */
static void reap_events(void)
{
	struct pollfd pfd = { .fd = ctx->async_fd, .events = POLLIN };
	struct ibv_async_event ev;

	while (poll(&pfd, 1, 0) == 1 && !ibv_get_async_event(ctx, &ev)) {
		switch (ev.event_type) {
		case IBV_EVENT_CQ_ERR:
			if (ev.element.cq == rcq[T])
				cq_err[T]++;
			else
				foreign_events++;
			break;
		case IBV_EVENT_QP_FATAL:
		case IBV_EVENT_QP_REQ_ERR:
		case IBV_EVENT_QP_ACCESS_ERR:
		case IBV_EVENT_QP_LAST_WQE_REACHED:
			if (ev.element.qp == rqp[T] || ev.element.qp == sqp[T])
				printf("# tamperer QP event %d\n", ev.event_type);
			else
				foreign_events++;
			break;
		default:
			break;
		}
		ibv_ack_async_event(&ev);
	}
}

/*
 * @n victim messages, polled and refilled promptly, and on until the
 * tamperer has drawn @t_draws (its RNR retries come from a timer and a
 * worker: they need not fall into a short round); samples throughout.
 */
static bool victim_round(int n, uint64_t t_draws)
{
	double end = tl_now() + 20 * scale;
	uint64_t want = delivered[V] + n;
	int sent = 0;

	sample();
	while (delivered[V] < want || (rqp[T] && last[T].draws < t_draws)) {
		if (delivered[V] >= want)
			usleep(1000);
		while (inflight[V] < V_DEPTH && sent < n) {
			post_send(V);
			sent++;
		}
		reap_send();
		reap_recv(V);
		reap_events();
		sample();
		srq_topup();
		if (tl_now() > end)
			break;
	}
	return delivered[V] >= want;
}

/*
 * Keep the tamperer's sends coming until it holds its limit and a
 * message of it was refused since: one is waiting for its RNR retry.
 */
static bool tamperer_fill(void)
{
	double end = tl_now() + 5 * scale;
	struct qstat q[2];
	struct sstat s;
	uint64_t rnr0;

	if (!read_status(q, &s))
		return false;
	rnr0 = q[T].rnr;
	for (;;) {
		reap_send();
		while (inflight[T] < 2 * (long)limit)
			post_send(T);
		srq_topup();
		if (read_status(q, &s) && q[T].held >= limit &&
		    q[T].rnr > rnr0)
			return true;
		if (tl_now() > end)
			return false;
		usleep(1000);
	}
}

/*
 * Settle: every victim completion polled and its credit taken (the
 * kernel reaps a CQ when it is armed), then the per-step checks.
 */
static void step_checks(const char *step, bool round_ok, uint64_t v_rnr0)
{
	struct qstat q[2];
	struct sstat s;
	char name[64];

	reap_recv(V);
	ibv_req_notify_cq(rcq[V], 0);
	ibv_req_notify_cq(rcq[T], 0);
	reap_events();
	sample();
	read_status(q, &s);

	snprintf(name, sizeof(name), "%s.victim_delivered", step);
	check(round_ok, name, "victim stalled: %" PRIu64 " delivered",
	      delivered[V]);
	snprintf(name, sizeof(name), "%s.invariants", step);
	check(!bad, name, "%u violations, first: %s", bad, bad_why);
	snprintf(name, sizeof(name), "%s.victim_unaffected", step);
	check(q[V].found && q[V].held == 0 && q[V].rnr == v_rnr0 &&
	      q[V].drops == 0 && q[V].disconnects == 0 &&
	      q[V].draws == delivered[V] && q[V].credits == delivered[V] &&
	      !foreign_events, name,
	      "held %" PRIu64 " rnr %" PRIu64 " (was %" PRIu64 ") drops %" PRIu64
	      " draws %" PRIu64 " credits %" PRIu64 " delivered %" PRIu64
	      ", foreign events %u",
	      q[V].held, q[V].rnr, v_rnr0, q[V].drops, q[V].draws,
	      q[V].credits, delivered[V], foreign_events);
	bad = 0;
}

/* ---- the tampering ---- */

typedef void (*tamper_fn)(struct rxe_queue_buf *q, uint32_t prod);

static void t_cons_ahead(struct rxe_queue_buf *q, uint32_t prod)
{
	st(&q->consumer_index, (prod + (q->index_mask + 1) / 2) & q->index_mask);
}

static void t_ring_full(struct rxe_queue_buf *q, uint32_t prod)
{
	st(&q->consumer_index, (prod + 1) & q->index_mask);
}

static void t_cons_behind(struct rxe_queue_buf *q, uint32_t prod)
{
	(void)prod;
	st(&q->consumer_index,
	   (ld(&q->consumer_index) - 5) & q->index_mask);
}

static void t_cons_range(struct rxe_queue_buf *q, uint32_t prod)
{
	st(&q->consumer_index, 0xfffffff0U | prod);
}

static void t_prod_garbage(struct rxe_queue_buf *q, uint32_t prod)
{
	/* Consume everything, and claim entries that never were. */
	st(&q->consumer_index, prod);
	st(&q->producer_index, 0x7fffff00U);
}

/* Garbage in every CQE: the victim's QP number, random fields. */
static void t_cqe_garbage(struct rxe_queue_buf *q, uint32_t prod)
{
	size_t esize = 1UL << q->log2_elem_size;
	uint32_t i;

	for (i = 0; i <= q->index_mask; i++) {
		struct ib_uverbs_wc *wc = (void *)(q->data + i * esize);

		memset(wc, 0xa5, esize);
		wc->wr_id = random();
		wc->status = IBV_WC_SUCCESS;
		wc->opcode = IBV_WC_RECV;
		wc->qp_num = rqp[V]->qp_num;
		wc->src_qp = random();
		wc->byte_len = random();
	}
	st(&q->consumer_index, (prod + 3) & q->index_mask);
}

static void run_step(const char *step, tamper_fn fn)
{
	struct qstat q[2];
	struct sstat s;
	bool filled, round_ok;
	uint64_t draws;
	uint32_t prod;
	char name[64];

	read_status(q, &s);
	filled = tamperer_fill();
	snprintf(name, sizeof(name), "%s.tamperer_at_limit", step);
	check(filled, name, "the tamperer never reached its limit %u", limit);
	sample();
	draws = last[T].draws;
	prod = ld(&tring.q->producer_index);
	fn(tring.q, prod);
	round_ok = victim_round(v_round, draws + 1);
	snprintf(name, sizeof(name), "%s.tamperer_progress", step);
	check(last[T].draws > draws, name,
	      "the tamperer drew nothing after the tampering (%" PRIu64 ")",
	      draws);
	step_checks(step, round_ok, q[V].rnr);
	read_status(q, &s);
	printf("# %s: tamperer held %" PRIu64 " draws %" PRIu64 " rnr %" PRIu64 ", %ld sends in flight, ring prod %#x cons %#x\n",
	       step, q[T].held, q[T].draws, q[T].rnr, inflight[T],
	       ld(&tring.q->producer_index), ld(&tring.q->consumer_index));
	if (fn == t_prod_garbage)
		/* The tamperer received since: the kernel's index is back. */
		check(ld(&tring.q->producer_index) <= tring.q->index_mask,
		      "prod_garbage.kernel_index", "producer index %#x",
		      ld(&tring.q->producer_index));
	ring_restore(prod);
}

/* ---- resize_race ---- */

static struct rxe_queue_buf *race_q;
static int race_stop, race_busy;

/* Rewrite the consumer index of whatever ring race_q points at. */
static void *racer(void *arg)
{
	unsigned int seed = 42;

	(void)arg;
	while (!__atomic_load_n(&race_stop, __ATOMIC_SEQ_CST)) {
		struct rxe_queue_buf *q;
		uint32_t v;

		__atomic_store_n(&race_busy, 1, __ATOMIC_SEQ_CST);
		q = __atomic_load_n(&race_q, __ATOMIC_SEQ_CST);
		if (q) {
			v = rand_r(&seed);
			if (v & 1)
				v &= q->index_mask;
			st(&q->consumer_index, v);
		}
		__atomic_store_n(&race_busy, 0, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void resize_race(void)
{
	int i, rc, ok = 0, einval = 0, other = 0, lost = 0;
	struct rxe_queue_buf *own;
	pthread_t th;
	uint32_t prod;
	struct qstat q[2];
	struct sstat s;

	read_status(q, &s);
	if (!tamperer_fill())
		note_bad("resize_race: the tamperer never reached its limit");
	if (pthread_create(&th, NULL, racer, NULL)) {
		skip("resize_race", "pthread_create: %s", strerror(errno));
		return;
	}
	for (i = 0; i < race_rounds; i++) {
		if (!find_tring()) {
			lost++;
			break;
		}
		/*
		 * The racer writes through a mapping of our own: librxe
		 * unmaps the old ring when the resize succeeds.
		 */
		own = mmap(NULL, tring.len, PROT_READ | PROT_WRITE, MAP_SHARED,
			   ctx->cmd_fd, tring.off);
		if (own == MAP_FAILED) {
			lost++;
			break;
		}
		prod = ld(&own->producer_index);
		__atomic_store_n(&race_q, own, __ATOMIC_SEQ_CST);
		rc = ibv_resize_cq(rcq[T], i & 1 ? T_CQE : T_CQE_BIG);
		__atomic_store_n(&race_q, NULL, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&race_busy, __ATOMIC_SEQ_CST))
			;
		munmap(own, tring.len);
		if (!rc)
			ok++;
		else if (rc == EINVAL)
			einval++;
		else
			other++;
		/* The ring now in use (new, or old after a failure): sane. */
		if (!find_tring()) {
			lost++;
			break;
		}
		ring_restore(rc ? prod : 0);
		reap_send();
		reap_events();
		sample();
		srq_topup();
	}
	__atomic_store_n(&race_stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	printf("# resize_race: %d resized, %d EINVAL, %d other errors\n", ok,
	       einval, other);
	check(!lost && !other && ok > 0, "resize_race.resizes",
	      "%d resized, %d EINVAL, %d other, ring lost %d", ok, einval, other,
	      lost);
	step_checks("resize_race", victim_round(v_round, 0), q[V].rnr);
}

/* ---- the end ---- */

/* Ring restored, the tamperer polls honestly: it works and settles. */
static void tamperer_recovers(void)
{
	double end = tl_now() + 20 * scale;
	uint64_t want;
	struct qstat q[2];
	struct sstat s;

	ring_restore(0);
	/* Whatever it had in flight, then 2 * limit more, polled promptly. */
	want = delivered[T] + 2 * limit;
	while (inflight[T] < 2 * (long)limit)
		post_send(T);
	while (tl_now() < end) {
		reap_send();
		reap_recv(T);
		reap_events();
		srq_topup();
		sample();
		if (!inflight[T] && delivered[T] >= want)
			break;
		if (delivered[T] + inflight[T] < want)
			post_send(T);
	}
	ibv_req_notify_cq(rcq[T], 0);
	sample();
	read_status(q, &s);
	check(!inflight[T] && delivered[T] >= want, "tamperer_recovers",
	      "%ld sends in flight, %" PRIu64 " delivered of %" PRIu64,
	      inflight[T], delivered[T], want);
	check(q[T].held == 0 && !bad, "tamperer_settles",
	      "held %" PRIu64 " after polling everything; %s", q[T].held,
	      bad ? bad_why : "invariants held");
	bad = 0;
}

/* Destroy everything, the tamperer with its ring in garbage again. */
static void teardown(void)
{
	struct qstat q[2];
	struct sstat s;
	int err = 0, i;

	st(&tring.q->consumer_index, 0xfffffff7U);
	st(&tring.q->producer_index, 0x12345678U);
	err |= ibv_destroy_qp(rqp[T]) ? 1 : 0;
	rqp[T] = NULL;
	/* The victim keeps going without the tamperer. */
	check(victim_round(v_round, 0), "after_destroy.victim_delivered",
	      "victim stalled");
	ibv_req_notify_cq(rcq[V], 0);
	read_status(q, &s);
	check(!bad && q[V].held == 0 && s.draws - s.credits == 0,
	      "after_destroy.accounting",
	      "victim held %" PRIu64 ", SRQ draws %" PRIu64 " credits %" PRIu64
	      "; %s", q[V].held, s.draws, s.credits, bad ? bad_why : "");
	err |= ibv_destroy_cq(rcq[T]) ? 2 : 0;
	err |= ibv_destroy_qp(rqp[V]) ? 4 : 0;
	rqp[V] = NULL;
	for (i = 0; i < 2; i++)
		err |= ibv_destroy_qp(sqp[i]) ? 8 : 0;
	err |= ibv_destroy_srq(srq) ? 16 : 0;
	err |= ibv_destroy_cq(rcq[V]) ? 32 : 0;
	err |= ibv_destroy_cq(scq) ? 64 : 0;
	err |= ibv_dereg_mr(mr) ? 128 : 0;
	err |= ibv_dealloc_pd(pd) ? 256 : 0;
	check(!err, "destroy", "destroy failures (bit mask) %#x", err);
	ibv_close_device(ctx);
}

int main(int argc, char **argv)
{
	static const struct {
		const char	*name;
		tamper_fn	fn;
	} steps[] = {
		{ "cons_ahead", t_cons_ahead },
		{ "ring_full", t_ring_full },
		{ "cons_behind", t_cons_behind },
		{ "cons_range", t_cons_range },
		{ "prod_garbage", t_prod_garbage },
		{ "cqe_garbage", t_cqe_garbage },
	};
	unsigned long taint0;
	unsigned int i, cq_err_t;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "d:g:L:v:r:s:")) != -1) {
		switch (opt) {
		case 'd': dev = optarg; break;
		case 'g': gidx = atoi(optarg); break;
		case 'L': limit = strtoul(optarg, NULL, 0); break;
		case 'v': v_round = atoi(optarg); break;
		case 'r': race_rounds = atoi(optarg); break;
		case 's': scale = atof(optarg); break;
		default: return 2;
		}
	}
	if (!dev || !limit || limit > SRQ_SIZE / 4 || v_round < 1 ||
	    race_rounds < 1 || scale < 1) {
		fprintf(stderr, "usage: gov_tamper -d DEV -g GIDX [-L 1..%d] [-v MSGS] [-r ROUNDS] [-s SCALE]\n",
			SRQ_SIZE / 4);
		return 2;
	}
	group = "gov_tamper";
	taint0 = tainted();
	setup();
	for (i = 0; i < (unsigned int)SRQ_SIZE; i++)
		post_recv();

	/* Honest traffic first: the accounting matches what happened. */
	step_checks("baseline", victim_round(v_round, 0), 0);

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		cq_err_t = cq_err[T];
		run_step(steps[i].name, steps[i].fn);
		if (steps[i].fn == t_ring_full)
			check(cq_err[T] > cq_err_t, "ring_full.cq_err",
			      "no IBV_EVENT_CQ_ERR on the tamperer's CQ");
	}
	resize_race();
	printf("# tamperer: at most %" PRIu64 " held (limit %u), %u CQ_ERR on its CQ; victim at most %" PRIu64 " held\n",
	       max_held[T], limit, cq_err[T], max_held[V]);
	check(max_held[T] <= limit && max_held[V] <= limit, "held_bounded",
	      "tamperer %" PRIu64 ", victim %" PRIu64 ", limit %u",
	      max_held[T], max_held[V], limit);
	check(cq_err[V] == 0, "no_victim_cq_err", "%u", cq_err[V]);
	tamperer_recovers();
	teardown();
	check(!((tainted() & ~taint0) & SPLAT_TAINT), "kernel_not_tainted",
	      "taint %#lx (was %#lx)", tainted(), taint0);
	printf("gov_tamper: %u passed, %u failed, %u skipped\n", n_pass, n_fail,
	       n_skip);
	return n_fail ? 1 : 0;
}
