// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * verbs_abuse - the control-path cases that need a queue with entries in
 * it, and user space misbehaving with its rings.
 *
 * Usage: verbs_abuse -d DEVICE CASE
 *   cq_resize_keeps_order  flushed CQEs survive resize in order; shrinking
 *                          below the entries present fails with EINVAL
 *   cq_overflow_event      a CQ that overflows raises IBV_EVENT_CQ_ERR
 *   last_wqe_event         an SRQ-attached QP moved to ERR raises
 *                          IBV_EVENT_QP_LAST_WQE_REACHED
 *   ring_tamper            garbage in every mapped ring index, then
 *                          flush, doorbell, resize and destroy: the kernel
 *                          stays sane (run it on the KASAN kernel)
 *   publish_race           SRQs and QPs created and destroyed while another
 *                          process reads gov_status and writes gov/ctl:
 *                          nothing half-built is ever found
 *   flush_race             a thread keeps the SQ and RQ producer indices
 *                          just behind the kernel's consumer index and
 *                          the CQ looking empty while the QP is flushed:
 *                          the flush, with interrupts off, still ends
 *
 * Prints "ok - CASE" or "not ok - CASE: why"; exits 0 only on success.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/verbs.h>

#include "testlib.h"

#define RQ_DEPTH	32

struct env {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	struct ibv_mr *mr;
	char buf[4096];
};

static int fail(const char *name, const char *why)
{
	printf("not ok - %s: %s (errno %d)\n", name, why, errno);
	return 1;
}

static int setup(struct env *e, const char *dev, int cqe, int sq_depth,
		 int rq_depth, int recv_sge)
{
	struct ibv_qp_init_attr init = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = sq_depth, .max_recv_wr = rq_depth,
			 .max_send_sge = 1, .max_recv_sge = recv_sge },
	};

	e->ctx = open_dev(dev);
	if (!e->ctx)
		return -1;
	e->pd = ibv_alloc_pd(e->ctx);
	e->cq = e->pd ? ibv_create_cq(e->ctx, cqe, NULL, NULL, 0) : NULL;
	e->mr = e->cq ? ibv_reg_mr(e->pd, e->buf, sizeof(e->buf),
				   IBV_ACCESS_LOCAL_WRITE) : NULL;
	if (!e->mr)
		return -1;
	init.send_cq = e->cq;
	init.recv_cq = e->cq;
	e->qp = ibv_create_qp(e->pd, &init);
	return e->qp ? 0 : -1;
}

static void teardown(struct env *e)
{
	if (e->qp)
		ibv_destroy_qp(e->qp);
	if (e->mr)
		ibv_dereg_mr(e->mr);
	if (e->cq)
		ibv_destroy_cq(e->cq);
	if (e->pd)
		ibv_dealloc_pd(e->pd);
	if (e->ctx)
		ibv_close_device(e->ctx);
}

static int to_state(struct ibv_qp *qp, enum ibv_qp_state state)
{
	struct ibv_qp_attr a = {
		.qp_state = state, .port_num = 1,
		.qp_access_flags = IBV_ACCESS_LOCAL_WRITE,
	};
	int mask = IBV_QP_STATE;

	if (state == IBV_QPS_INIT)
		mask |= IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS;
	return ibv_modify_qp(qp, &a, mask);
}

/* Post @n receives with wr_id 0..n-1, then flush them into the CQ. */
static int post_and_flush(struct env *e, int n)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)e->buf, .length = 64, .lkey = e->mr->lkey,
	};
	struct ibv_recv_wr wr = { .sg_list = &sge, .num_sge = 1 }, *bad;
	int i;

	if (to_state(e->qp, IBV_QPS_INIT))
		return -1;
	for (i = 0; i < n; i++) {
		wr.wr_id = i;
		if (ibv_post_recv(e->qp, &wr, &bad))
			return -1;
	}
	return to_state(e->qp, IBV_QPS_ERR);
}

static int case_cq_resize(const char *dev)
{
	const char *name = "cq_resize_keeps_order";
	struct ibv_wc wc[16];
	struct env e = {};
	int n, i, got = 0, rc = 1;

	if (setup(&e, dev, 16, 4, RQ_DEPTH, 1) || post_and_flush(&e, 10)) {
		rc = fail(name, "setup");
		goto out;
	}
	n = ibv_poll_cq(e.cq, 3, wc);
	if (n != 3 || wc[0].wr_id != 0 || wc[2].wr_id != 2) {
		rc = fail(name, "first polls");
		goto out;
	}
	/* 2 rounds up to 3 usable slots: the 7 entries left cannot fit. */
	errno = 0;
	if (ibv_resize_cq(e.cq, 2) == 0 || errno != EINVAL) {
		rc = fail(name, "shrinking below 7 entries was not EINVAL");
		goto out;
	}
	if (ibv_resize_cq(e.cq, 100) || e.cq->cqe < 100) {
		rc = fail(name, "resize to 100");
		goto out;
	}
	n = ibv_poll_cq(e.cq, 16, wc);
	for (i = 0; i < n; i++)
		if (wc[i].wr_id == (uint64_t)(3 + i) &&
		    wc[i].status == IBV_WC_WR_FLUSH_ERR)
			got++;
	if (n != 7 || got != 7) {
		printf("# polled %d after resize, %d in order\n", n, got);
		rc = fail(name, "entries lost or reordered by resize");
		goto out;
	}
	printf("ok - %s\n", name);
	rc = 0;
out:
	teardown(&e);
	return rc;
}

static int wait_async(struct ibv_context *ctx, enum ibv_event_type want)
{
	struct pollfd p = { .fd = ctx->async_fd, .events = POLLIN };
	struct ibv_async_event ev;

	while (poll(&p, 1, 5000) == 1) {
		if (ibv_get_async_event(ctx, &ev))
			return -1;
		ibv_ack_async_event(&ev);
		if (ev.event_type == want)
			return 0;
	}
	return -1;
}

static int case_cq_overflow(const char *dev)
{
	const char *name = "cq_overflow_event";
	struct env e = {};
	int rc;

	/* 32 flushed receives cannot fit a CQ of 4 (7 slots usable). */
	if (setup(&e, dev, 4, 4, RQ_DEPTH, 1) || post_and_flush(&e, RQ_DEPTH))
		rc = fail(name, "setup");
	else if (wait_async(e.ctx, IBV_EVENT_CQ_ERR))
		rc = fail(name, "no IBV_EVENT_CQ_ERR within 5 s");
	else
		rc = !printf("ok - %s\n", name);
	teardown(&e);
	return rc;
}

static int case_last_wqe(const char *dev)
{
	const char *name = "last_wqe_event";
	struct ibv_srq_init_attr sinit = { .attr = { .max_wr = 8, .max_sge = 1 } };
	struct ibv_qp_init_attr init = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_send_sge = 1 },
	};
	struct ibv_srq *srq = NULL;
	struct env e = {};
	int rc = 1;

	if (setup(&e, dev, 16, 4, 4, 1)) {
		rc = fail(name, "setup");
		goto out;
	}
	srq = ibv_create_srq(e.pd, &sinit);
	init.send_cq = e.cq;
	init.recv_cq = e.cq;
	init.srq = srq;
	ibv_destroy_qp(e.qp);
	e.qp = srq ? ibv_create_qp(e.pd, &init) : NULL;
	if (!e.qp || to_state(e.qp, IBV_QPS_INIT) ||
	    to_state(e.qp, IBV_QPS_ERR)) {
		rc = fail(name, "SRQ QP to ERR");
		goto out;
	}
	if (wait_async(e.ctx, IBV_EVENT_QP_LAST_WQE_REACHED))
		rc = fail(name, "no IBV_EVENT_QP_LAST_WQE_REACHED within 5 s");
	else
		rc = !printf("ok - %s\n", name);
out:
	if (e.qp)
		ibv_destroy_qp(e.qp);
	e.qp = NULL;
	if (srq)
		ibv_destroy_srq(srq);
	teardown(&e);
	return rc;
}

/* The mapped rings of this process, at most a few. */
static int find_rings(volatile uint32_t **hdrs, int max)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	unsigned long start, end;
	char line[512];
	int n = 0;

	if (!maps)
		return 0;
	while (n < max && fgets(line, sizeof(line), maps)) {
		if (strstr(line, "/dev/infiniband/uverbs") &&
		    sscanf(line, "%lx-%lx", &start, &end) == 2 &&
		    end - start >= 512)
			hdrs[n++] = (volatile uint32_t *)start;
	}
	fclose(maps);
	return n;
}

/*
 * Write garbage over the indices of every ring this process has mapped.
 * The element size and index mask are left alone: librxe itself computes
 * addresses from them, and the point is the kernel, not crashing librxe.
 */
static int tamper_rings(void)
{
	volatile uint32_t *hdrs[8];
	int i, n = find_rings(hdrs, 8);

	for (i = 0; i < n; i++) {
		hdrs[i][32] = 0x7ffffff3;	/* producer_index */
		hdrs[i][64] = 0xfffffffe;	/* consumer_index */
	}
	return n;
}

static int case_ring_tamper(const char *dev)
{
	const char *name = "ring_tamper";
	struct env e = {};
	int rings, rc = 1;

	if (setup(&e, dev, 16, 4, RQ_DEPTH, 1) || to_state(e.qp, IBV_QPS_INIT)) {
		rc = fail(name, "setup");
		goto out;
	}
	rings = tamper_rings();
	if (rings < 3) {
		rc = fail(name, "fewer than 3 rings mapped (CQ, SQ, RQ)");
		goto out;
	}
	/*
	 * Only verbs the kernel carries out from here on: librxe trusts
	 * its own indices and would fault on the garbage itself. The
	 * kernel reads them on the flush to ERR and on the CQ resize.
	 */
	if (to_state(e.qp, IBV_QPS_ERR)) {
		rc = fail(name, "modify to ERR");
		goto out;
	}
	if (ibv_resize_cq(e.cq, 64))
		printf("# resize after tamper: errno %d\n", errno);
	printf("# %d rings tampered\n", rings);
	printf("ok - %s\n", name);
	rc = 0;
out:
	teardown(&e);
	return rc;
}

static atomic_bool race_stop;

/*
 * Per ring, over and over: a CQ (64-byte entries) is made to look empty
 * (consumer = producer), a work queue full (producer one behind the
 * kernel's consumer index), so a flush that re-read them would not end.
 */
static void *race_thread(void *arg)
{
	volatile uint32_t **hdrs = arg;
	int i;

	while (!atomic_load(&race_stop)) {
		for (i = 0; hdrs[i]; i++) {
			if (hdrs[i][0] == 6)		/* log2_elem_size */
				hdrs[i][64] = hdrs[i][32];
			else
				hdrs[i][32] = hdrs[i][64] + hdrs[i][1];
		}
	}
	return NULL;
}

static int case_flush_race(const char *dev)
{
	const char *name = "flush_race";
	volatile uint32_t *hdrs[9] = {}, *cq = NULL;
	uint32_t slots = 0, prod, flushed, most = 0;
	struct env e = {};
	pthread_t t;
	int i, n, rc = 1, round;

	/*
	 * The largest rings, so that the thread refreshes the indices long
	 * before the kernel could reach them; two receive SGEs, so that RQ
	 * entries are 128 bytes, unlike the CQ's 64.
	 */
	if (setup(&e, dev, 65535, 16384, 16384, 2) ||
	    to_state(e.qp, IBV_QPS_INIT)) {
		rc = fail(name, "setup");
		goto out;
	}
	n = find_rings(hdrs, 8);
	/* The CQ counts what each flush completes; SQ and RQ bound it. */
	for (i = 0; i < n; i++) {
		if (hdrs[i][0] == 6)
			cq = hdrs[i];
		else
			slots += hdrs[i][1];
	}
	if (n < 3 || !cq) {
		rc = fail(name, "fewer than 3 rings mapped (CQ, SQ, RQ)");
		goto out;
	}
	if (pthread_create(&t, NULL, race_thread, hdrs)) {
		rc = fail(name, "pthread_create");
		goto out;
	}
	/* Each flush is bounded now; before, the first one never ended. */
	for (round = 0; round < 4; round++) {
		prod = cq[32];
		if (to_state(e.qp, IBV_QPS_ERR))
			break;
		flushed = (cq[32] - prod) & cq[1];
		most = flushed > most ? flushed : most;
		if (to_state(e.qp, IBV_QPS_RESET) ||
		    to_state(e.qp, IBV_QPS_INIT))
			break;
	}
	atomic_store(&race_stop, true);
	pthread_join(t, NULL);
	if (round < 4) {
		rc = fail(name, "modify_qp");
		goto out;
	}
	printf("# %d rings raced over %d flushes, at most %u completions of %u slots\n",
	       n, round, most, slots);
	if (most > slots) {
		rc = fail(name, "a flush completed more WQEs than the queues hold");
		goto out;
	}
	printf("ok - %s\n", name);
	rc = 0;
out:
	teardown(&e);
	return rc;
}

/* Read gov_status and poke gov/ctl at QPNs near @qpn until killed. */
static void publish_reader(const char *dev, uint32_t qpn)
{
	char path[256], buf[4096], cmd[64];
	FILE *f;
	uint32_t i;

	for (i = 0;; i++) {
		snprintf(path, sizeof(path), SRX_GOV_STATUS, dev);
		f = fopen(path, "r");
		if (f) {
			while (fread(buf, 1, sizeof(buf), f) > 0)
				;
			fclose(f);
		}
		snprintf(path, sizeof(path), "/sys/class/infiniband/%s/gov/ctl",
			 dev);
		f = fopen(path, "w");
		if (f) {
			snprintf(cmd, sizeof(cmd), "qp %u limit 3", qpn + i % 8);
			fputs(cmd, f);
			fclose(f);
		}
	}
}

static int case_publish_race(const char *dev)
{
	const char *name = "publish_race";
	struct ibv_srq_init_attr sinit = {
		.attr = { .max_wr = 4096, .max_sge = 4 },
	};
	struct ibv_qp_init_attr init = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 64, .max_send_sge = 1 },
	};
	struct env e = {};
	struct ibv_srq *srq;
	struct ibv_qp *qp;
	int i, rc = 1, status;
	pid_t child;

	if (setup(&e, dev, 16, 4, RQ_DEPTH, 1)) {
		rc = fail(name, "setup");
		goto out;
	}
	child = fork();
	if (child < 0) {
		rc = fail(name, "fork");
		goto out;
	}
	if (!child) {
		publish_reader(dev, e.qp->qp_num + 1);
		_exit(0);
	}
	init.send_cq = e.cq;
	init.recv_cq = e.cq;
	for (i = 0; i < 300; i++) {
		srq = ibv_create_srq(e.pd, &sinit);
		if (!srq)
			break;
		init.srq = srq;
		qp = ibv_create_qp(e.pd, &init);
		if (qp)
			ibv_destroy_qp(qp);
		ibv_destroy_srq(srq);
		if (!qp)
			break;
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	if (i < 300) {
		rc = fail(name, "create");
		goto out;
	}
	printf("# %d SRQs and QPs created under gov_status and gov/ctl\n", i);
	printf("ok - %s\n", name);
	rc = 0;
out:
	teardown(&e);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(const char *dev);
	} cases[] = {
		{ "cq_resize_keeps_order", case_cq_resize },
		{ "cq_overflow_event", case_cq_overflow },
		{ "last_wqe_event", case_last_wqe },
		{ "ring_tamper", case_ring_tamper },
		{ "flush_race", case_flush_race },
		{ "publish_race", case_publish_race },
	};
	unsigned int i;

	if (argc != 4 || strcmp(argv[1], "-d")) {
		fprintf(stderr, "usage: %s -d DEVICE CASE\n", argv[0]);
		return 2;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(argv[3], cases[i].name))
			return cases[i].fn(argv[2]);
	fprintf(stderr, "unknown case %s\n", argv[3]);
	return 2;
}
