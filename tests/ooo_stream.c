// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * A stream of numbered SENDs over one RC QP into an SRQ, for the
 * out-of-order holding tests: the client keeps a window of messages in
 * flight, the server checks every one arrives once, in order and intact.
 * The two sides meet through files in a shared directory (they run in
 * different network namespaces of one guest).
 *
 * usage: ooo_stream -r server|client -d DEV -g GIDX -x DIR [-n COUNT]
 *        [-s SIZE] [-w WINDOW] [-q SRQ_WQES] [-S USEC]
 * -S: the server spends USEC on each message before reposting it (the
 * SRQ runs low). Prints "received N" or "sent N"; exit 0 when all good.
 */

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define TL_PROG "ooo_stream"
#include "testlib.h"

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_cq *cq;
static struct ibv_srq *srq;
static struct ibv_qp *qp;
static struct ibv_mr *mr;
static unsigned char *buf;
static int count = 2000, size = 512, window = 32, nwqe = 64, gidx;
static int server, slow_us;
static const char *dir;

static unsigned char pattern(int seq, int i)
{
	return (seq * 7 + i * 13) & 0xff;
}

static void fill(unsigned char *p, int seq)
{
	int i;

	for (i = 0; i < size; i++)
		p[i] = pattern(seq, i);
}

static void post_recv(int slot)
{
	struct ibv_sge sge = { .addr = (uintptr_t)buf + slot * size,
			       .length = size, .lkey = mr->lkey };
	struct ibv_recv_wr wr = { .wr_id = slot, .sg_list = &sge,
				  .num_sge = 1 }, *bad;

	memset(buf + slot * size, 0, size);
	if (ibv_post_srq_recv(srq, &wr, &bad))
		die("post_srq_recv");
}

static void post_send(int seq)
{
	unsigned char *p = buf + (seq % window) * size;
	struct ibv_sge sge = { .addr = (uintptr_t)p, .length = size,
			       .lkey = mr->lkey };
	struct ibv_send_wr wr = { .wr_id = seq, .sg_list = &sge, .num_sge = 1,
				  .opcode = IBV_WR_SEND,
				  .send_flags = IBV_SEND_SIGNALED }, *bad;

	fill(p, seq);
	if (ibv_post_send(qp, &wr, &bad))
		die("post_send");
}

static void setup(void)
{
	struct ibv_srq_init_attr sattr = {
		.attr = { .max_wr = nwqe, .max_sge = 1 },
	};
	struct ibv_qp_init_attr qattr = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = window, .max_send_sge = 1,
			 .max_recv_wr = 1, .max_recv_sge = 1 },
	};
	int slots = server ? nwqe : window;

	pd = ibv_alloc_pd(ctx);
	buf = calloc(slots, size);
	mr = pd && buf ? ibv_reg_mr(pd, buf, (size_t)slots * size,
				    IBV_ACCESS_LOCAL_WRITE) : NULL;
	cq = mr ? ibv_create_cq(ctx, 4096, NULL, NULL, 0) : NULL;
	if (!cq)
		die("setup");
	if (server) {
		srq = ibv_create_srq(pd, &sattr);
		if (!srq)
			die("create_srq");
	}
	qattr.send_cq = cq;
	qattr.recv_cq = cq;
	qattr.srq = srq;
	qp = ibv_create_qp(pd, &qattr);
	if (!qp)
		die("create_qp");
}

/* Publish "qpn gid" as DIR/NAME, atomically. */
static void publish(const char *name, const char *text)
{
	char tmp[512], path[512];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/.%s", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) || rename(tmp, path))
		die(path);
}

/* Wait (bounded) for DIR/NAME and read it. */
static void await(const char *name, char *text, size_t len)
{
	double end = tl_now() + 60;
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	while (!(f = fopen(path, "r"))) {
		if (tl_now() > end)
			die(path);
		usleep(10000);
	}
	if (!fgets(text, len, f))
		text[0] = 0;
	fclose(f);
}

static void exchange(void)
{
	const char *me = server ? "server" : "client";
	const char *peer = server ? "client" : "server";
	union ibv_gid gid, pgid;
	char text[256];
	unsigned int pqpn, i, b;
	int off = 0;

	if (ibv_query_gid(ctx, 1, gidx, &gid))
		die("query_gid");
	off = snprintf(text, sizeof(text), "%u ", qp->qp_num);
	for (i = 0; i < 16; i++)
		off += snprintf(text + off, sizeof(text) - off, "%02x",
				gid.raw[i]);
	publish(me, text);
	await(peer, text, sizeof(text));
	if (sscanf(text, "%u %n", &pqpn, &off) != 1 || strlen(text + off) < 32)
		die("peer file");
	for (i = 0; i < 16; i++) {
		if (sscanf(text + off + 2 * i, "%2x", &b) != 1)
			die("peer gid");
		pgid.raw[i] = b;
	}
	errno = rc_connect(qp, pqpn, &pgid, gidx);
	if (errno)
		die("connect");
}

/* Every message once, in order, intact. */
static int serve(void)
{
	double end = tl_now() + 120;
	int seq = 0, bad = 0, i, n, k;
	struct ibv_wc wc[32];
	unsigned char *p;

	for (i = 0; i < nwqe; i++)
		post_recv(i);
	publish("ready", "1\n");
	while (seq < count && tl_now() < end) {
		n = ibv_poll_cq(cq, 32, wc);
		for (k = 0; k < n; k++) {
			p = buf + wc[k].wr_id * size;
			if (wc[k].status != IBV_WC_SUCCESS ||
			    wc[k].byte_len != (unsigned int)size)
				bad++;
			for (i = 0; i < size; i++)
				if (p[i] != pattern(seq, i)) {
					bad++;
					break;
				}
			seq++;
			if (slow_us)
				usleep(slow_us);
			post_recv(wc[k].wr_id);
		}
	}
	printf("received %d, bad %d\n", seq, bad);
	return seq == count && !bad ? 0 : 1;
}

static int stream(void)
{
	double end = tl_now() + 120;
	int sent = 0, done = 0, bad = 0, n, k;
	char text[16];
	struct ibv_wc wc[32];

	await("ready", text, sizeof(text));
	while (done < count && tl_now() < end) {
		while (sent < count && sent - done < window)
			post_send(sent++);
		n = ibv_poll_cq(cq, 32, wc);
		for (k = 0; k < n; k++)
			if (wc[k].status != IBV_WC_SUCCESS ||
			    wc[k].wr_id != (uint64_t)done++)
				bad++;
	}
	printf("sent %d, bad %d\n", done, bad);
	return done == count && !bad ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *dev = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "r:d:g:x:n:s:w:q:S:")) != -1) {
		switch (opt) {
		case 'r':
			server = !strcmp(optarg, "server");
			break;
		case 'd':
			dev = optarg;
			break;
		case 'g':
			gidx = atoi(optarg);
			break;
		case 'x':
			dir = optarg;
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 's':
			size = atoi(optarg);
			break;
		case 'w':
			window = atoi(optarg);
			break;
		case 'q':
			nwqe = atoi(optarg);
			break;
		case 'S':
			slow_us = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (!dev || !dir || size < 1 || window < 1 || nwqe < 1)
		return 2;
	ctx = open_dev(dev);
	if (!ctx)
		die(dev);
	setup();
	exchange();
	return server ? serve() : stream();
}
