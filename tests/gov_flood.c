// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * One flooding connection among well-behaved ones on a shared SRQ.
 *
 * N RC pairs over loopback on one device; the receiving QPs share one
 * SRQ. Sender 0 (the flooder) keeps many sends in flight; the others a
 * few. The receiver reposts each buffer as soon as it sees the
 * completion, except the flooder's, which it handles slowly (every
 * SLOW_MS): in "dedicated" shape each receiver has its own CQ and the
 * flooder's CQ is polled late; in "shared" shape one CQ is polled
 * promptly but every buffer is reposted only after "processing", in
 * arrival order and at a bounded rate (REPOST_US each), slower than the
 * flooder sends; in "spdk" shape one CQ is polled promptly and each
 * buffer is reposted when its request is processed, out of order: the
 * flooder's requests take SLOW_MS each, the others REPOST_US (a
 * user-space target with one slow connection; its honest hosts keep at
 * most NORMAL_DEPTH requests outstanding until the target has processed
 * them, as an NVMe-oF host's queue depth bounds its commands, while the
 * flooder sends on every ACK); "mpi" is the spdk shape
 * with many ranks that send in bursts (MPI_BURST messages, then a pause
 * of MPI_GAP_MS once they are through), one of which sends without
 * pause messages that wait long to be matched. Without
 * governance the flooder holds the SRQ and the others starve; with a
 * per-QP limit (set through the device's gov/ defaults before anything
 * is created) they keep going.
 *
 * usage: gov_flood -d DEV -g GIDX [-s dedicated|shared|spdk|mpi] [-L LIMIT]
 *        [-C poll|post|repost|buffer] [-t SECONDS] [-n QPS] [-w SRQ_LIMIT]
 *        [-S CSV [-i MS]] [-F] [-q SRQ_WQES] [-H SECONDS] [-N]
 *
 * -F: no flood; connection 0 behaves like the others (the flood-free
 * rate the others are compared with). -q: the SRQ's size (default 32).
 * -N: leave the device's gov/ settings alone (they are absent when srx
 * was loaded with governance=0; make bench compares the two).
 * -H: after the run, print "holding" and keep every object for SECONDS
 * (or until stdin closes), so tools can look at them.
 *
 * Prints "qp QPN delivered N" per pair (flooder first), then
 * "flooder QPN", "min_normal N", "total N" (all pairs), "srq_limit_events
 * N" and (unless -N) the device's gov_status lines prefixed "status: ";
 * exits 0 unless a verb failed.
 *
 * With -S, also writes a time series to CSV: every MS milliseconds
 * (default 100) one row per receiving QP,
 * "t_ms,qpn,role,delivered,per_s,held,holds": milliseconds since the traffic
 * started, the QP, flooder or normal, messages delivered since the last
 * row and that as a rate, the SRQ WQEs the QP holds (from gov_status;
 * -1 if it is not listed) and, with a shared CQ, an upper bound on what it
 * really holds then (-1 with dedicated CQs).
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/verbs.h>

#define TL_PROG "gov_flood"
#include "testlib.h"

#define MAX_QPS		1024
#define QPN_TABLE	4096	/* receiving QPN -> pair, open addressing */
#define MSG		64
#define FLOOD_DEPTH	128
#define NORMAL_DEPTH	4
#define SLOW_MS		200
#define REPOST_US	500
#define MPI_BURST	8
#define MPI_GAP_MS	20

struct pair {
	struct ibv_qp	*s, *r;
	struct ibv_cq	*rcq;		/* dedicated shape */
	long		inflight;
	long		holding;	/* delivered, not yet given back */
	long		delivered;
	long		sampled;	/* delivered at the last -S row */
	double		next_burst;	/* mpi */
};

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_srq *srq;
static struct ibv_cq *scq, *shared_rcq;
static struct ibv_mr *mr;
static char *buf;
static struct pair p[MAX_QPS];
enum shape { DEDICATED, SHARED, SPDK, MPI };

static int nqps = 9, gidx, shared, events, noflood;
static enum shape shape;
static union ibv_gid gid;
static int srq_size = 32;
static int *deferred, dhead, ndeferred;	/* shared: srq_size of them */
static double *done_at;			/* spdk: processed then; 0: idle */
static int *owner;			/* slot -> pair it delivered to */
static int qpn_pair[QPN_TABLE];		/* pair + 1; 0: empty */
static FILE *series;			/* -S */

static void sysfs_write(const char *dev, const char *attr, const char *val)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/infiniband/%s/gov/%s", dev,
		 attr);
	f = fopen(path, "w");
	if (!f || fputs(val, f) < 0 || fclose(f))
		die(path);
}

static FILE *open_status(const char *dev)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), SRX_GOV_STATUS, dev);
	f = fopen(path, "r");
	if (!f)
		die(path);
	return f;
}

/* The device's governance status, while our SRQ still exists. */
static void print_status(const char *dev)
{
	FILE *f = open_status(dev);
	char line[512];

	while (fgets(line, sizeof(line), f))
		printf("status: %s", line);
	fclose(f);
}

static void post_recv(int slot)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)buf + slot * MSG, .length = MSG,
		.lkey = mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = slot, .sg_list = &sge,
				  .num_sge = 1 }, *bad;

	if (ibv_post_srq_recv(srq, &wr, &bad))
		die("post_srq_recv");
}

static void post_send(int i)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)buf + srq_size * MSG, .length = MSG,
		.lkey = mr->lkey,
	};
	struct ibv_send_wr wr = { .wr_id = i, .sg_list = &sge, .num_sge = 1,
				  .opcode = IBV_WR_SEND,
				  .send_flags = IBV_SEND_SIGNALED }, *bad;

	if (ibv_post_send(p[i].s, &wr, &bad))
		die("post_send");
	p[i].inflight++;
}

static void qpn_add(uint32_t qpn, int pair)
{
	uint32_t h = qpn % QPN_TABLE;

	while (qpn_pair[h])
		h = (h + 1) % QPN_TABLE;
	qpn_pair[h] = pair + 1;
}

/* -H: everything stays until stdin closes or @secs pass. */
static void hold(double secs)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char c;

	printf("holding\n");
	fflush(stdout);
	if (poll(&pfd, 1, (int)(secs * 1000)) == 1)
		(void)!read(0, &c, 1);
}

static void connect_qp(struct ibv_qp *qp, uint32_t dqpn)
{
	errno = rc_connect(qp, dqpn, &gid, gidx);
	if (errno)
		die("connect");
}

static void setup(void)
{
	struct ibv_srq_init_attr sattr = {
		.attr = { .max_wr = srq_size, .max_sge = 1 },
	};
	struct ibv_qp_init_attr qattr = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = FLOOD_DEPTH, .max_send_sge = 1 },
	};
	int i;

	pd = ibv_alloc_pd(ctx);
	buf = calloc(srq_size + 1, MSG);
	deferred = calloc(srq_size, sizeof(*deferred));
	done_at = calloc(srq_size, sizeof(*done_at));
	owner = calloc(srq_size, sizeof(*owner));
	mr = pd && buf && deferred && done_at && owner ?
	     ibv_reg_mr(pd, buf, (srq_size + 1) * MSG,
			IBV_ACCESS_LOCAL_WRITE) : NULL;
	srq = mr ? ibv_create_srq(pd, &sattr) : NULL;
	scq = srq ? ibv_create_cq(ctx, nqps * MPI_BURST + FLOOD_DEPTH,
				  NULL, NULL, 0) : NULL;
	/* A receive completion is a WQE taken: never more than the SRQ's. */
	shared_rcq = scq ? ibv_create_cq(ctx, srq_size + 1024, NULL, NULL, 0) :
		     NULL;
	if (!shared_rcq || ibv_query_gid(ctx, 1, gidx, &gid))
		die("setup");
	for (i = 0; i < nqps; i++) {
		p[i].rcq = shared ? shared_rcq :
			   ibv_create_cq(ctx, 256, NULL, NULL, 0);
		qattr.send_cq = scq;
		qattr.recv_cq = scq;
		qattr.srq = NULL;
		qattr.cap.max_recv_wr = 1;
		qattr.cap.max_recv_sge = 1;
		qattr.cap.max_send_wr = i ? MPI_BURST : FLOOD_DEPTH;
		p[i].s = p[i].rcq ? ibv_create_qp(pd, &qattr) : NULL;
		qattr.send_cq = scq;
		qattr.recv_cq = p[i].rcq;
		qattr.srq = srq;
		p[i].r = p[i].s ? ibv_create_qp(pd, &qattr) : NULL;
		if (!p[i].r)
			die("create_qp");
		connect_qp(p[i].s, p[i].r->qp_num);
		connect_qp(p[i].r, p[i].s->qp_num);
		qpn_add(p[i].r->qp_num, i);
	}
	for (i = 0; i < srq_size; i++)
		post_recv(i);
}

static int pair_of(uint32_t qpn)
{
	uint32_t h = qpn % QPN_TABLE, n;

	for (n = 0; n < QPN_TABLE && qpn_pair[h]; n++) {
		if (p[qpn_pair[h] - 1].r->qp_num == qpn)
			return qpn_pair[h] - 1;
		h = (h + 1) % QPN_TABLE;
	}
	return -1;
}

/*
 * WQEs each receiving QP holds, and the completions its draws so far
 * will have made: draws less those held ahead of a PSN gap (completed
 * later) and those released (drawn again, completed once). From
 * "  qp <qpn> limit <l> held <n> draws <n> ... ooo_holding <n> ooo_held
 * <n> ooo_released <n> ...".
 */
static void read_held(const char *dev, long *held, long long *draws,
		      long *ahead)
{
	unsigned long long d, ohd, orel;
	FILE *f = open_status(dev);
	unsigned int qpn, n, ohg;
	char line[512], *o;
	int i;

	for (i = 0; i < nqps; i++) {
		held[i] = -1;
		draws[i] = -1;
		ahead[i] = 0;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " qp %u limit %*s held %u draws %llu", &qpn, &n,
			   &d) != 3)
			continue;
		o = strstr(line, " ooo_holding ");
		if (!o || sscanf(o, " ooo_holding %u ooo_held %llu ooo_released %llu",
				 &ohg, &ohd, &orel) != 3)
			continue;
		i = pair_of(qpn);
		if (i >= 0) {
			held[i] = n;
			draws[i] = d - ohg - orel;
			ahead[i] = ohg;
		}
	}
	fclose(f);
}

/*
 * A well-behaved sender: NORMAL_DEPTH in flight; in the mpi shape a
 * burst of MPI_BURST, and the next one MPI_GAP_MS after it went through.
 */
static void send_normal(int i)
{
	double t;

	if (shape != MPI) {
		while (p[i].inflight < NORMAL_DEPTH)
			post_send(i);
		return;
	}
	if (p[i].inflight)
		return;
	t = tl_now();
	if (!p[i].next_burst) {
		p[i].next_burst = t + MPI_GAP_MS / 1000.0;
		return;
	}
	if (t < p[i].next_burst)
		return;
	while (p[i].inflight < MPI_BURST)
		post_send(i);
	p[i].next_burst = 0;	/* set once this burst is through */
}

/*
 * spdk: an honest host's request is outstanding until the target has
 * processed it (its response), not merely until the ACK.
 */
static int queue_depth_bound(int i)
{
	return shape == SPDK && (i || noflood);
}

/* A buffer's request is processed: it goes back to the SRQ. */
static void give_back(int slot)
{
	int i = owner[slot];

	p[i].holding--;
	if (queue_depth_bound(i))
		p[i].inflight--;
	post_recv(slot);
}

static void reap_send(void)
{
	struct ibv_wc wc[32];
	int n, i;

	n = ibv_poll_cq(scq, 32, wc);
	for (i = 0; i < n; i++) {
		if (wc[i].status != IBV_WC_SUCCESS) {
			fprintf(stderr, "gov_flood: send status %d qp %u\n",
				wc[i].status, wc[i].qp_num);
			exit(3);
		}
		if (!queue_depth_bound(wc[i].wr_id))
			p[wc[i].wr_id].inflight--;
	}
}

/* Count a delivery; repost now, or later for the flooder (shared). */
static void delivered(struct ibv_wc *wc)
{
	int i = pair_of(wc->qp_num);

	if (wc->status != IBV_WC_SUCCESS || i < 0) {
		fprintf(stderr, "gov_flood: recv status %d qp %u\n",
			wc->status, wc->qp_num);
		exit(3);
	}
	p[i].delivered++;
	p[i].holding++;
	owner[wc->wr_id] = i;
	if (shape == SPDK || shape == MPI)
		done_at[wc->wr_id] = tl_now() + (i || noflood ? REPOST_US / 1e6 :
							     SLOW_MS / 1000.0);
	else if (shared)
		deferred[(dhead + ndeferred++) % srq_size] = wc->wr_id;
	else
		give_back(wc->wr_id);
}

/* spdk: each buffer goes back when its request is processed. */
static void repost_processed(void)
{
	double t = tl_now();
	int slot;

	for (slot = 0; slot < srq_size; slot++) {
		if (done_at[slot] && done_at[slot] <= t) {
			done_at[slot] = 0;
			give_back(slot);
		}
	}
}

static void reap_cq(struct ibv_cq *cq)
{
	struct ibv_wc wc[32];
	int n, i;

	while ((n = ibv_poll_cq(cq, 32, wc)) > 0)
		for (i = 0; i < n; i++)
			delivered(&wc[i]);
}

/*
 * One -S row per receiving QP: what it got since the last row, the WQEs
 * gov_status says it holds, and, with one shared CQ, at most how many it
 * really holds then: the buffers delivered and not given back (and those
 * of messages held ahead of a PSN gap, not delivered yet) once the
 * completion of every draw before the status read has been polled
 * (nothing is given back in between, so the figure can only be too
 * high); -1 where that did not happen within 5 ms (a slow kernel). The
 * traffic waits meanwhile, and so does the flooder: a longer wait made
 * the flooded runs measure the sampling.
 */
static bool settled(const long long *draws, int i)
{
	return draws[i] >= 0 && p[i].delivered >= draws[i];
}

static void sample(const char *dev, double t0, double *last)
{
	double t = tl_now(), dt = t - *last, end;
	long held[MAX_QPS], ahead[MAX_QPS], d;
	long long draws[MAX_QPS];
	int i, left;

	read_held(dev, held, draws, ahead);
	for (end = tl_now() + 0.005; shared; ) {
		reap_cq(shared_rcq);
		for (i = 0, left = 0; i < nqps; i++)
			left += !settled(draws, i);
		if (!left || tl_now() > end)
			break;
		usleep(1000);
	}
	for (i = 0; i < nqps; i++) {
		d = p[i].delivered - p[i].sampled;
		p[i].sampled = p[i].delivered;
		fprintf(series, "%.0f,%u,%s,%ld,%.0f,%ld,%ld\n", (t - t0) * 1000,
			p[i].r->qp_num, i ? "normal" : "flooder", d,
			dt > 0 ? d / dt : 0, held[i],
			shared && settled(draws, i) ?
				p[i].holding + ahead[i] : -1);
	}
	*last = t;
}

static void reap_events(void)
{
	struct pollfd pfd = { .fd = ctx->async_fd, .events = POLLIN };
	struct ibv_async_event ev;

	while (poll(&pfd, 1, 0) == 1 && !ibv_get_async_event(ctx, &ev)) {
		if (ev.event_type == IBV_EVENT_SRQ_LIMIT_REACHED)
			events++;
		ibv_ack_async_event(&ev);
	}
}

int main(int argc, char **argv)
{
	const char *dev = NULL, *limit = NULL, *credit = "poll";
	double secs = 3, t_end, next_slow, next_repost;
	double t0, last_sample, sample_ms = 100, hold_s = 0;
	int opt, i, wm = 0, keep_gov = 0;
	long min_normal = -1, total = 0;

	while ((opt = getopt(argc, argv, "d:g:s:L:C:t:n:w:S:i:Fq:H:N")) != -1) {
		switch (opt) {
		case 'd': dev = optarg; break;
		case 'g': gidx = atoi(optarg); break;
		case 's':
			shape = !strcmp(optarg, "shared") ? SHARED :
				!strcmp(optarg, "spdk") ? SPDK :
				!strcmp(optarg, "mpi") ? MPI : DEDICATED;
			shared = shape != DEDICATED;
			break;
		case 'L': limit = optarg; break;
		case 'C': credit = optarg; break;
		case 't': secs = atof(optarg); break;
		case 'n': nqps = atoi(optarg); break;
		case 'w': wm = atoi(optarg); break;
		case 'S':
			series = fopen(optarg, "w");
			if (!series)
				die(optarg);
			break;
		case 'i': sample_ms = atof(optarg); break;
		case 'F': noflood = 1; break;
		case 'q': srq_size = atoi(optarg); break;
		case 'H': hold_s = atof(optarg); break;
		case 'N': keep_gov = 1; break;
		default: return 2;
		}
	}
	if (!dev || nqps < 2 || nqps > MAX_QPS || sample_ms < 1 ||
	    srq_size < 1 || srq_size > 65536)
		return 2;
	ctx = open_dev(dev);
	if (!ctx)
		die("open");
	if (!keep_gov) {
		sysfs_write(dev, "qp_limit", limit ? limit : "none");
		sysfs_write(dev, "credit", credit);
	}
	setup();
	if (wm) {
		struct ibv_srq_attr a = { .srq_limit = wm };

		if (ibv_modify_srq(srq, &a, IBV_SRQ_LIMIT))
			die("arm srq_limit");
	}
	if (series)
		fprintf(series, "t_ms,qpn,role,delivered,per_s,held,holds\n");
	t0 = last_sample = tl_now();
	t_end = t0 + secs;
	next_slow = tl_now() + SLOW_MS / 1000.0;
	next_repost = tl_now();
	while (tl_now() < t_end) {
		while (p[0].inflight < (noflood ? NORMAL_DEPTH : FLOOD_DEPTH))
			post_send(0);
		for (i = 1; i < nqps; i++)
			send_normal(i);
		reap_send();
		if (shared) {
			reap_cq(shared_rcq);
		} else {
			for (i = !noflood; i < nqps; i++)
				reap_cq(p[i].rcq);
		}
		if (!shared && tl_now() >= next_slow) {
			/* The slow consumer finally gets to the flooder's. */
			reap_cq(p[0].rcq);
			next_slow = tl_now() + SLOW_MS / 1000.0;
		}
		if (shape == SPDK || shape == MPI)
			repost_processed();
		/* Processing done: buffers go back in order, at a rate. */
		while (shape == SHARED && ndeferred && tl_now() >= next_repost) {
			give_back(deferred[dhead]);
			dhead = (dhead + 1) % srq_size;
			ndeferred--;
			next_repost += REPOST_US / 1e6;
		}
		if (next_repost < tl_now() - 0.01)
			next_repost = tl_now();
		reap_events();
		if (series && tl_now() - last_sample >= sample_ms / 1000)
			sample(dev, t0, &last_sample);
	}
	if (series && fclose(series))
		die("-S");
	for (i = 0; i < nqps; i++) {
		printf("qp %u delivered %ld\n", p[i].r->qp_num, p[i].delivered);
		total += p[i].delivered;
		if (i && (min_normal < 0 || p[i].delivered < min_normal))
			min_normal = p[i].delivered;
	}
	printf("flooder %u\nmin_normal %ld\ntotal %ld\nsrq_limit_events %d\n",
	       p[0].r->qp_num, min_normal, total, events);
	if (!keep_gov)
		print_status(dev);
	fflush(stdout);
	if (hold_s > 0)
		hold(hold_s);
	/* Leave without tearing down: the kernel cleans up after exit. */
	_exit(0);
}
