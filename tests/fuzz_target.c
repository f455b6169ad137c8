// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * fuzz_target - live QPs of every type and state for tests/pktfuzz.c to
 * aim at, and the checks that they and their neighbours survived it.
 *
 * Usage: fuzz_target -d DEVICE [-g GIDX] -o TARGETS [-s STATUS] [-w SECONDS]
 *
 * Creates, on one device and connected to each other over its IPv4
 * RoCEv2 GID (-g, or the first one as tests/data_test.c picks it):
 *
 *   fuzzed QPs, each with a peer QP whose QPN the fuzzer is not given:
 *     rc_reset, rc_init       RC left in RESET and INIT
 *     rc_rtr                  RC in RTR (responder only)
 *     rc_rts0..2              RC in RTS: one with PSNs about to wrap,
 *                             one without responder resources (no READ
 *                             or atomics), one with two receive WQEs
 *                             reposted only every 200 ms (RNR NAKs)
 *     rc_err                  RC moved to ERR
 *     rc_srq                  RC on an SRQ (governed, as by default),
 *                             whose completions are taken only every
 *                             200 ms, so it goes over a governance
 *                             limit if one is set; the SRQ limit is
 *                             armed again after every event
 *     rc_req                  RC requester with an RDMA READ, an atomic
 *                             and a SEND outstanding to a peer in INIT
 *                             that never answers (retry timer off), so
 *                             responses to real requests can be forged
 *     rc_noacc                RC without remote access on the QP, whose
 *                             PD holds an MR that allows everything:
 *                             the fuzzer is given that MR, which must
 *                             come out untouched
 *     uc_rtr, uc_rts          UC
 *     ud_rts                  UD
 *   protected pairs the fuzzer knows nothing of:
 *     p_rc, p_uc, p_ud, and p_srq on the same SRQ as rc_srq
 *
 * and writes TARGETS for pktfuzz: per fuzzed QP "QPN TYPE PSN RKEY VA
 * LEN" (the PSN its responder expects, an MR it can reach) and
 * key=value extras (see tests/pktfuzz.c). It prints "ready" and, while
 * it waits for a line (or end of file) on stdin, a thread reposts the
 * receive WQEs the fuzzer's SENDs consume and brings RC QPs the fuzzer
 * drove into ERR back to where they were (RESET, INIT, RTR, RTS with
 * the same PSNs), after checking that the error was announced: an
 * asynchronous event or an error completion. Each time, STATUS gets
 * "QPN REVIVALS" lines for pktfuzz --feedback.
 *
 * Then it checks, printing "ok - fuzz.WHAT" or "not ok - fuzz.WHAT":
 * the guard bytes around every receive buffer and MR (srx may write
 * only inside SGEs and MRs); the untouched MR of rc_noacc; the QPs whose
 * state no packet may change; that every ERR was announced; a
 * data-checked transfer on every protected pair as it is (SEND both
 * ways, RDMA WRITE with immediate, and for RC an RDMA READ and an
 * atomic, byte for byte); for each fuzzed pair the same transfer as it
 * is (reported, not required: forged packets may have advanced its
 * PSNs, legitimately) except UD, which has no sequence state and must
 * pass; and the transfer again after both QPs of each fuzzed pair went
 * through RESET and were connected anew, which must pass.
 *
 * Exit status: 0 if every check passed, 1 otherwise, 2 on bad usage,
 * 3 from the watchdog.
 */

#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/verbs.h>

#define TESTLIB_REPORT
#include "testlib.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))

#define QKEY		0x11111111u
#define NSLOT		8		/* receive WQEs per QP */
#define SLOT_SZ		8192
#define SGUARD		64		/* guard bytes between slots */
#define SRQ_SLOTS	24
#define SRQ_WR		32
#define SRQ_LIMIT	(SRQ_SLOTS - 4)	/* armed again after each event */
#define LAZY_MS		200
#define RAREA		32768		/* remote area; the MR is inside */
#define ROFF		200
#define RLEN		20000
#define VBUF		65536
#define GUARD		0xa5
#define NOACC_FILL	0x3c
#define RD_LEN		5000		/* rc_req's outstanding READ */
#define SEND_LEN	5000
#define UD_LEN		1000
#define WRITE_LEN	12000
#define GRH		40
#define POLL_MS		10000
#define ASIS_MS		2000
#define WATCHDOG_S	900
#define ANNOUNCE_MS	2000		/* for an event to follow an error */
#define WRAP_PSN	0xfffffau

#define ACC_ALL		(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC)

struct spec {
	const char *name;
	enum ibv_qp_type type;
	enum ibv_qp_state state;	/* of the fuzzed end */
	bool fuzzed;
	bool revive;			/* back from ERR while fuzzed */
	bool srq;
	bool noacc;
	bool outstanding;		/* rc_req */
	bool no_rd;			/* max_dest_rd_atomic 0 */
	bool lazy;			/* receives reposted only now and then */
	int nslot;
	uint32_t rq_psn, sq_psn;	/* of the fuzzed end */
};

#define FUZZED(n, t, st, rv, ...)	{ .name = n, .type = t, .state = st, \
					  .fuzzed = true, .revive = rv, \
					  __VA_ARGS__ }
#define PROTECTED(n, t, ...)		{ .name = n, .type = t, \
					  .state = IBV_QPS_RTS, __VA_ARGS__ }

static const struct spec specs[] = {
	FUZZED("rc_reset", IBV_QPT_RC, IBV_QPS_RESET, false),
	FUZZED("rc_init", IBV_QPT_RC, IBV_QPS_INIT, false),
	FUZZED("rc_rtr", IBV_QPT_RC, IBV_QPS_RTR, true),
	FUZZED("rc_rts0", IBV_QPT_RC, IBV_QPS_RTS, true,
	       .rq_psn = WRAP_PSN, .sq_psn = WRAP_PSN - 0x10),
	FUZZED("rc_rts1", IBV_QPT_RC, IBV_QPS_RTS, true, .no_rd = true),
	FUZZED("rc_rts2", IBV_QPT_RC, IBV_QPS_RTS, true, .nslot = 2,
	       .lazy = true),
	FUZZED("rc_err", IBV_QPT_RC, IBV_QPS_ERR, false),
	FUZZED("rc_srq", IBV_QPT_RC, IBV_QPS_RTS, true, .srq = true,
	       .lazy = true),
	FUZZED("rc_req", IBV_QPT_RC, IBV_QPS_RTS, true, .outstanding = true),
	FUZZED("rc_noacc", IBV_QPT_RC, IBV_QPS_RTS, true, .noacc = true),
	FUZZED("uc_rtr", IBV_QPT_UC, IBV_QPS_RTR, false),
	FUZZED("uc_rts", IBV_QPT_UC, IBV_QPS_RTS, false),
	FUZZED("ud_rts", IBV_QPT_UD, IBV_QPS_RTS, false),
	PROTECTED("p_rc", IBV_QPT_RC),
	PROTECTED("p_uc", IBV_QPT_UC),
	PROTECTED("p_ud", IBV_QPT_UD),
	PROTECTED("p_srq", IBV_QPT_RC, .srq = true),
};

#define NPAIR	ARRAY_SIZE(specs)

struct pair;

/* One QP and its memory. */
struct end {
	struct pair *p;
	bool is_a;			/* the fuzzed (or first) end */
	char name[40];
	struct ibv_pd *pd;
	struct ibv_qp *qp;
	struct ibv_cq *scq, *rcq;
	struct ibv_ah *ah;		/* UD: towards the other end */
	uint8_t *recv;			/* receive slots with guards */
	size_t recv_len;
	struct ibv_mr *recv_mr;
	int slot0, nslot;
	uint8_t *rarea;			/* remote area, MR inside */
	struct ibv_mr *rmr;
	uint8_t *vbuf;			/* local data for transfers */
	struct ibv_mr *vmr;
	uint32_t rq_psn, sq_psn;
	int access;
	enum ibv_qp_state state;	/* where it is meant to be */
	volatile bool dead;		/* in ERR: receives are not reposted */
	/* counted by the service thread and the event thread */
	unsigned long rc_ok, rc_err, sc_ok, sc_err, revived, revive_failed;
	unsigned long unexplained;
	unsigned int events;		/* since the last revival (atomic) */
	unsigned int errors;		/* ... error completions */
	unsigned int evmask;
};

struct pair {
	const struct spec *s;
	struct end a, b;
};

/* A receive buffer; a WQE's wr_id is its index. */
struct slot {
	uint8_t *addr;
	struct end *owner;		/* NULL: the SRQ's */
	bool posted;
};

static struct {
	struct ibv_context *ctx;
	struct ibv_pd *pd, *pd_prot, *pd_noacc;
	struct ibv_srq *srq;
	uint8_t *srq_mem;
	size_t srq_len;
	struct ibv_mr *srq_mr;
	int srq_slot0;
	struct ibv_device_attr attr;
	struct ibv_port_attr port;
	union ibv_gid gid;
	int gidx;
	unsigned int mtu;		/* RC/UC segment size srx will use */
	unsigned int ud_mtu;
	struct pair pairs[NPAIR];
	struct slot *slots;
	int nslots, maxslots;
	unsigned int srq_events;
} g;

static void watchdog(int sig)
{
	static const char msg[] = "not ok - fuzz.watchdog: a verb or poll did not return\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 0x6d2b79f5u;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = x >> 24;
	}
}

/* ------------------------------------------------------------ events */

static struct {
	pthread_t thread;
	volatile bool stop;
	bool running;
	pthread_mutex_t lock;
} ev = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Acknowledges every event; counts them on the QP they are about. */
static void *ev_thread(void *arg)
{
	struct pollfd pfd = { .fd = g.ctx->async_fd, .events = POLLIN };
	struct ibv_async_event e;
	struct end *x;

	(void)arg;
	while (!ev.stop) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (ibv_get_async_event(g.ctx, &e))
			continue;
		pthread_mutex_lock(&ev.lock);
		switch (e.event_type) {
		case IBV_EVENT_QP_FATAL:
		case IBV_EVENT_QP_REQ_ERR:
		case IBV_EVENT_QP_ACCESS_ERR:
		case IBV_EVENT_COMM_EST:
		case IBV_EVENT_SQ_DRAINED:
		case IBV_EVENT_PATH_MIG:
		case IBV_EVENT_PATH_MIG_ERR:
		case IBV_EVENT_QP_LAST_WQE_REACHED:
			x = e.element.qp->qp_context;
			if (x) {
				x->evmask |= 1u << e.event_type;
				if (e.event_type == IBV_EVENT_QP_FATAL ||
				    e.event_type == IBV_EVENT_QP_REQ_ERR ||
				    e.event_type == IBV_EVENT_QP_ACCESS_ERR)
					__atomic_fetch_add(&x->events, 1,
							   __ATOMIC_RELAXED);
			}
			break;
		case IBV_EVENT_SRQ_LIMIT_REACHED:
		case IBV_EVENT_SRQ_ERR:
			__atomic_fetch_add(&g.srq_events, 1, __ATOMIC_RELAXED);
			break;
		default:
			break;
		}
		pthread_mutex_unlock(&ev.lock);
		ibv_ack_async_event(&e);
	}
	return NULL;
}

static const char *ev_names(unsigned int mask, char *buf, size_t len)
{
	int i;

	buf[0] = 0;
	for (i = 0; i < 32; i++)
		if (mask & (1u << i))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 buf[0] ? "," : "", ibv_event_type_str(i));
	return buf[0] ? buf : "none";
}

/* ------------------------------------------------------------ setup */

static char setup_err[200];

static bool fail_setup(const char *what, const char *who)
{
	snprintf(setup_err, sizeof(setup_err), "%s %s: %s", who, what,
		 strerror(errno ? errno : EIO));
	return false;
}

static void *area(size_t len, uint8_t fillb)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, fillb, len);
	return p;
}

static int add_slot(uint8_t *addr, struct end *owner)
{
	if (g.nslots == g.maxslots) {
		int n = g.maxslots ? 2 * g.maxslots : 64;
		struct slot *s = realloc(g.slots, n * sizeof(*s));

		if (!s)
			return -1;
		g.slots = s;
		g.maxslots = n;
	}
	g.slots[g.nslots] = (struct slot){ addr, owner, false };
	return g.nslots++;
}

static uint8_t *slot_data(int i)
{
	return g.slots[i].addr;
}

/* Post receive slot @i to its QP or the SRQ; 0 or an errno. */
static int post_slot(int i)
{
	struct slot *s = &g.slots[i];
	struct ibv_sge sg = {
		.addr = (uintptr_t)s->addr, .length = SLOT_SZ,
	};
	struct ibv_recv_wr wr = {
		.wr_id = i, .sg_list = &sg, .num_sge = 1,
	}, *bad;
	int err;

	if (s->owner) {
		sg.lkey = s->owner->recv_mr->lkey;
		err = ibv_post_recv(s->owner->qp, &wr, &bad);
	} else {
		sg.lkey = g.srq_mr->lkey;
		err = ibv_post_srq_recv(g.srq, &wr, &bad);
	}
	if (!err)
		s->posted = true;
	return err;
}

/* Post every slot of @e (or of the SRQ, @e NULL) not posted yet. */
static void post_all(struct end *e)
{
	int i;

	for (i = 0; i < g.nslots; i++)
		if (g.slots[i].owner == e && !g.slots[i].posted)
			post_slot(i);
}

static bool end_make(struct end *e, const struct spec *s, bool is_a)
{
	struct ibv_qp_init_attr ia = {};
	bool srq = s->srq && is_a;
	int i, nslot = s->nslot && is_a ? s->nslot : NSLOT;

	e->is_a = is_a;
	snprintf(e->name, sizeof(e->name), "%s%s", s->name, is_a ? "" : ".peer");
	e->pd = s->noacc ? g.pd_noacc : s->fuzzed || s->srq ? g.pd : g.pd_prot;
	errno = 0;
	e->rarea = area(RAREA, GUARD);
	e->vbuf = area(VBUF, GUARD);
	if (!e->rarea || !e->vbuf)
		return fail_setup("mmap", e->name);
	if (s->noacc && is_a)
		memset(e->rarea + ROFF, NOACC_FILL, RLEN);
	e->rmr = ibv_reg_mr(e->pd, e->rarea + ROFF, RLEN, ACC_ALL);
	e->vmr = ibv_reg_mr(e->pd, e->vbuf, VBUF, IBV_ACCESS_LOCAL_WRITE);
	if (!e->rmr || !e->vmr)
		return fail_setup("reg_mr", e->name);
	if (!srq) {
		e->recv_len = (size_t)nslot * (SLOT_SZ + SGUARD) + SGUARD;
		e->recv = area(e->recv_len, GUARD);
		if (!e->recv)
			return fail_setup("mmap", e->name);
		e->recv_mr = ibv_reg_mr(e->pd, e->recv, e->recv_len,
					IBV_ACCESS_LOCAL_WRITE);
		if (!e->recv_mr)
			return fail_setup("reg_mr", e->name);
		e->nslot = nslot;
		for (i = 0; i < nslot; i++) {
			int k = add_slot(e->recv + SGUARD +
					 (size_t)i * (SLOT_SZ + SGUARD), e);

			if (k < 0)
				return fail_setup("slots", e->name);
			if (!i)
				e->slot0 = k;
		}
	}
	e->scq = ibv_create_cq(g.ctx, 64, NULL, NULL, 0);
	e->rcq = ibv_create_cq(g.ctx, 64, NULL, NULL, 0);
	if (!e->scq || !e->rcq)
		return fail_setup("create_cq", e->name);
	ia.qp_context = e;
	ia.send_cq = e->scq;
	ia.recv_cq = e->rcq;
	ia.srq = srq ? g.srq : NULL;
	ia.qp_type = s->type;
	ia.sq_sig_all = 1;
	ia.cap.max_send_wr = 16;
	ia.cap.max_recv_wr = srq ? 0 : nslot;
	ia.cap.max_send_sge = 1;
	ia.cap.max_recv_sge = srq ? 0 : 1;
	e->qp = ibv_create_qp(e->pd, &ia);
	if (!e->qp)
		return fail_setup("create_qp", e->name);
	if (is_a) {
		e->rq_psn = s->rq_psn ? s->rq_psn : 0x100 + 0x10 * (s - specs);
		e->sq_psn = s->sq_psn ? s->sq_psn : 0x800 + 0x10 * (s - specs);
	} else {
		e->rq_psn = s->sq_psn ? s->sq_psn : 0x800 + 0x10 * (s - specs);
		e->sq_psn = s->rq_psn ? s->rq_psn : 0x100 + 0x10 * (s - specs);
	}
	if (s->type == IBV_QPT_RC)
		e->access = s->noacc && is_a ? 0 : IBV_ACCESS_REMOTE_WRITE |
			    IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC;
	else if (s->type == IBV_QPT_UC)
		e->access = IBV_ACCESS_REMOTE_WRITE;
	return true;
}

static void fill_ah(struct ibv_ah_attr *ah)
{
	memset(ah, 0, sizeof(*ah));
	ah->is_global = 1;
	ah->port_num = 1;
	ah->grh.dgid = g.gid;
	ah->grh.sgid_index = g.gidx;
	ah->grh.hop_limit = 64;
}

static struct end *other(struct end *e)
{
	return e->is_a ? &e->p->b : &e->p->a;
}

/* RESET -> INIT [-> RTR [-> RTS]] towards the other end of its pair. */
static int connect_end(struct end *e, enum ibv_qp_state upto)
{
	const struct spec *s = e->p->s;
	struct ibv_qp_attr a = {};
	int mask, err;
	bool no_rd = s->no_rd && e->is_a;

	a.qp_state = IBV_QPS_INIT;
	a.port_num = 1;
	mask = IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT;
	if (s->type == IBV_QPT_UD) {
		a.qkey = QKEY;
		mask |= IBV_QP_QKEY;
	} else {
		a.qp_access_flags = e->access;
		mask |= IBV_QP_ACCESS_FLAGS;
	}
	err = ibv_modify_qp(e->qp, &a, mask);
	if (err || upto == IBV_QPS_INIT)
		return err;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	mask = IBV_QP_STATE;
	if (s->type != IBV_QPT_UD) {
		a.path_mtu = IBV_MTU_1024;
		a.dest_qp_num = other(e)->qp->qp_num;
		a.rq_psn = e->rq_psn;
		fill_ah(&a.ah_attr);
		mask |= IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			IBV_QP_RQ_PSN;
		if (s->type == IBV_QPT_RC) {
			a.max_dest_rd_atomic = no_rd ? 0 :
				MIN(4, g.attr.max_qp_rd_atom);
			a.min_rnr_timer = 1;
			mask |= IBV_QP_MAX_DEST_RD_ATOMIC |
				IBV_QP_MIN_RNR_TIMER;
		}
	}
	err = ibv_modify_qp(e->qp, &a, mask);
	if (err || upto == IBV_QPS_RTR)
		return err;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = e->sq_psn;
	mask = IBV_QP_STATE | IBV_QP_SQ_PSN;
	if (s->type == IBV_QPT_RC) {
		/* rc_req waits for ever: only forged packets answer it. */
		a.timeout = s->outstanding && e->is_a ? 0 : 14;
		a.retry_cnt = 7;
		a.rnr_retry = 7;
		a.max_rd_atomic = MIN(4, g.attr.max_qp_init_rd_atom);
		mask |= IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			IBV_QP_MAX_QP_RD_ATOMIC;
	}
	err = ibv_modify_qp(e->qp, &a, mask);
	if (err || upto == IBV_QPS_RTS)
		return err;
	a.qp_state = IBV_QPS_ERR;
	return ibv_modify_qp(e->qp, &a, IBV_QP_STATE);
}

static const char *state_name(int st)
{
	static const char *const n[] = {
		"RESET", "INIT", "RTR", "RTS", "SQD", "SQE", "ERR"
	};

	return st >= 0 && st < (int)ARRAY_SIZE(n) ? n[st] : "?";
}

/* rc_req's work: a READ, an atomic and a SEND nobody will answer. */
static int post_outstanding(struct end *e)
{
	struct end *o = other(e);
	struct ibv_sge sg[3] = {
		{ (uintptr_t)e->vbuf, RD_LEN, e->vmr->lkey },
		{ (uintptr_t)e->vbuf + 8192, 8, e->vmr->lkey },
		{ (uintptr_t)e->vbuf + 12288, 64, e->vmr->lkey },
	};
	struct ibv_send_wr wr[3] = {}, *bad;

	wr[0].wr_id = 1;
	wr[0].sg_list = &sg[0];
	wr[0].num_sge = 1;
	wr[0].opcode = IBV_WR_RDMA_READ;
	wr[0].wr.rdma.remote_addr = (uintptr_t)o->rarea + ROFF;
	wr[0].wr.rdma.rkey = o->rmr->rkey;
	wr[0].next = &wr[1];
	wr[1].wr_id = 2;
	wr[1].sg_list = &sg[1];
	wr[1].num_sge = 1;
	wr[1].opcode = IBV_WR_ATOMIC_FETCH_AND_ADD;
	wr[1].wr.atomic.remote_addr = (uintptr_t)o->rarea + ROFF + 8 * 10;
	wr[1].wr.atomic.rkey = o->rmr->rkey;
	wr[1].wr.atomic.compare_add = 1;
	wr[1].next = &wr[2];
	wr[2].wr_id = 3;
	wr[2].sg_list = &sg[2];
	wr[2].num_sge = 1;
	wr[2].opcode = IBV_WR_SEND;
	return ibv_post_send(e->qp, wr, &bad);
}

/* The PSNs rc_req's work takes: the READ one per segment. */
static unsigned int rd_psns(void)
{
	return (RD_LEN + g.mtu - 1) / g.mtu;
}

/*
 * The segment size srx uses between two QPs of this host: the larger of
 * the path MTU (1024 here) and its loopback_seg parameter (at most
 * 16384; 0 turns it off).
 */
static unsigned int seg_size(void)
{
	unsigned int seg = 3072;
	FILE *f = fopen("/sys/module/srx/parameters/loopback_seg", "r");

	if (f) {
		if (fscanf(f, "%u", &seg) != 1)
			seg = 3072;
		fclose(f);
	}
	seg = MIN(seg, 16384u);
	return seg > 1024 ? seg : 1024;
}

/* The first RoCEv2 IPv4 GID. */
static int find_gid(void)
{
	struct ibv_gid_entry ent;
	int i;

	for (i = 0; i < g.port.gid_tbl_len; i++) {
		if (ibv_query_gid_ex(g.ctx, 1, i, &ent, 0))
			continue;
		if (ent.gid_type == IBV_GID_TYPE_ROCE_V2 &&
		    !gid_is_zero(&ent.gid) && gid_is_v4(&ent.gid))
			return i;
	}
	return -1;
}

static bool setup(const char *dev, int gidx)
{
	struct ibv_srq_init_attr si = {};
	struct ibv_srq_attr sa = {};
	struct ibv_ah_attr ah;
	struct pair *p;
	unsigned int i;
	int k;

	errno = 0;
	g.ctx = open_dev(dev);
	if (!g.ctx)
		return fail_setup("open", dev);
	if (ibv_query_device(g.ctx, &g.attr) ||
	    ibv_query_port(g.ctx, 1, &g.port))
		return fail_setup("query", dev);
	g.gidx = gidx >= 0 ? gidx : find_gid();
	if (g.gidx < 0 || ibv_query_gid(g.ctx, 1, g.gidx, &g.gid))
		return fail_setup("no IPv4 RoCEv2 GID", dev);
	g.mtu = seg_size();
	g.ud_mtu = 128u << g.port.active_mtu;
	if (pthread_create(&ev.thread, NULL, ev_thread, NULL) == 0)
		ev.running = true;

	g.pd = ibv_alloc_pd(g.ctx);
	g.pd_prot = ibv_alloc_pd(g.ctx);
	g.pd_noacc = ibv_alloc_pd(g.ctx);
	if (!g.pd || !g.pd_prot || !g.pd_noacc)
		return fail_setup("alloc_pd", dev);
	si.attr.max_wr = SRQ_WR;
	si.attr.max_sge = 1;
	g.srq = ibv_create_srq(g.pd, &si);
	if (!g.srq)
		return fail_setup("create_srq", dev);
	g.srq_len = SRQ_SLOTS * (SLOT_SZ + SGUARD) + SGUARD;
	g.srq_mem = area(g.srq_len, GUARD);
	if (!g.srq_mem)
		return fail_setup("mmap", "srq");
	g.srq_mr = ibv_reg_mr(g.pd, g.srq_mem, g.srq_len,
			      IBV_ACCESS_LOCAL_WRITE);
	if (!g.srq_mr)
		return fail_setup("reg_mr", "srq");
	for (i = 0; i < SRQ_SLOTS; i++) {
		k = add_slot(g.srq_mem + SGUARD + i * (SLOT_SZ + SGUARD), NULL);
		if (k < 0)
			return fail_setup("slots", "srq");
		if (!i)
			g.srq_slot0 = k;
	}

	for (i = 0; i < NPAIR; i++) {
		p = &g.pairs[i];
		p->s = &specs[i];
		p->a.p = p;
		p->b.p = p;
		if (!end_make(&p->a, p->s, true) ||
		    !end_make(&p->b, p->s, false))
			return false;
	}
	for (i = 0; i < NPAIR; i++) {
		p = &g.pairs[i];
		/* The peer of a RESET or INIT QP stays in RESET. */
		if (p->s->state != IBV_QPS_RESET &&
		    connect_end(&p->a, p->s->state))
			return fail_setup("connect", p->a.name);
		p->a.state = p->s->state;
		p->b.state = p->s->state < IBV_QPS_RTR ? IBV_QPS_RESET :
			     p->s->outstanding ? IBV_QPS_INIT : IBV_QPS_RTS;
		if (p->b.state != IBV_QPS_RESET &&
		    connect_end(&p->b, p->b.state))
			return fail_setup("connect", p->b.name);
		if (p->s->type == IBV_QPT_UD) {
			fill_ah(&ah);
			p->a.ah = ibv_create_ah(p->a.pd, &ah);
			p->b.ah = ibv_create_ah(p->b.pd, &ah);
			if (!p->a.ah || !p->b.ah)
				return fail_setup("create_ah", p->a.name);
		}
		if (p->a.state >= IBV_QPS_INIT && p->a.state != IBV_QPS_ERR)
			post_all(&p->a);
		if (p->b.state >= IBV_QPS_INIT)
			post_all(&p->b);
		if (p->s->outstanding && post_outstanding(&p->a))
			return fail_setup("post_send", p->a.name);
	}
	post_all(NULL);
	sa.srq_limit = SRQ_LIMIT;
	if (ibv_modify_srq(g.srq, &sa, IBV_SRQ_LIMIT))
		return fail_setup("modify_srq", "srq");
	return true;
}

/* ------------------------------------------------------------ targets */

static const char *type_name(enum ibv_qp_type t)
{
	return t == IBV_QPT_RC ? "rc" : t == IBV_QPT_UC ? "uc" : "ud";
}

static const char *tstate(enum ibv_qp_state s)
{
	switch (s) {
	case IBV_QPS_RESET:
		return "reset";
	case IBV_QPS_INIT:
		return "init";
	case IBV_QPS_RTR:
		return "rtr";
	case IBV_QPS_ERR:
		return "err";
	default:
		return "rts";
	}
}

static int write_targets(const char *path)
{
	FILE *f = fopen(path, "w");
	unsigned int i;

	if (!f)
		return -1;
	fprintf(f, "# QPN TYPE PSN RKEY VA LEN key=value... (tests/pktfuzz.c)\n");
	for (i = 0; i < NPAIR; i++) {
		struct pair *p = &g.pairs[i];
		const struct spec *s = p->s;
		struct end *a = &p->a;

		if (!s->fuzzed)
			continue;
		fprintf(f, "%#x %s %#x %#x %#llx %u name=%s state=%s fixed=%d sq_psn=%#x mtu=%u qkey=%#x",
			a->qp->qp_num, type_name(s->type), a->rq_psn,
			a->rmr->rkey, (unsigned long long)(uintptr_t)a->rmr->addr,
			RLEN, s->name, tstate(s->state), !s->revive,
			a->sq_psn, s->type == IBV_QPT_UD ? g.ud_mtu : g.mtu,
			s->type == IBV_QPT_UD ? QKEY : 0);
		if (s->outstanding)
			fprintf(f, " out_psn=%#x out_n=%u rd_psn=%#x rd_len=%u at_psn=%#x",
				a->sq_psn, rd_psns() + 2, a->sq_psn, RD_LEN,
				(a->sq_psn + rd_psns()) & 0xffffff);
		fprintf(f, "\n");
	}
	return fclose(f);
}

/* ------------------------------------------------------------ service */

static struct {
	pthread_t thread;
	volatile bool stop;
	bool running;
	const char *status;		/* -s: revivals, for pktfuzz */
} svc;

/* "QPN REVIVALS" per fuzzed QP, replaced at once (pktfuzz --feedback). */
static void write_status(void)
{
	char tmp[4096];
	unsigned int i;
	FILE *f;

	if (!svc.status)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", svc.status);
	f = fopen(tmp, "w");
	if (!f)
		return;
	for (i = 0; i < NPAIR; i++)
		if (g.pairs[i].s->fuzzed)
			fprintf(f, "%#x %lu\n", g.pairs[i].a.qp->qp_num,
				g.pairs[i].a.revived);
	if (fclose(f) || rename(tmp, svc.status))
		unlink(tmp);
}

/*
 * Take the completions of @e; receive slots are reposted while the QP
 * (or the SRQ) takes them. Error completions other than flushes count
 * as an announcement of an error.
 */
static void drain(struct end *e, bool repost)
{
	struct ibv_wc wc[16];
	int n, i;

	while ((n = ibv_poll_cq(e->rcq, 16, wc)) > 0) {
		for (i = 0; i < n; i++) {
			struct slot *s;

			if (wc[i].wr_id >= (uint64_t)g.nslots)
				continue;
			s = &g.slots[wc[i].wr_id];
			s->posted = false;
			if (wc[i].status == IBV_WC_SUCCESS) {
				e->rc_ok++;
			} else {
				e->rc_err++;
				if (wc[i].status != IBV_WC_WR_FLUSH_ERR)
					e->errors++;
				if (s->owner)
					e->dead = true;
			}
			if (repost && (!s->owner || !e->dead))
				post_slot(wc[i].wr_id);
		}
	}
	while ((n = ibv_poll_cq(e->scq, 16, wc)) > 0) {
		for (i = 0; i < n; i++) {
			if (wc[i].status == IBV_WC_SUCCESS) {
				e->sc_ok++;
			} else {
				e->sc_err++;
				if (wc[i].status != IBV_WC_WR_FLUSH_ERR)
					e->errors++;
			}
		}
	}
}

/* An error event or error completion since the last revival? */
static bool announced(struct end *e)
{
	return __atomic_load_n(&e->events, __ATOMIC_RELAXED) || e->errors;
}

/*
 * @e went to ERR: was it announced? Events and completions may trail
 * the state, by a lot when the fuzzer keeps every CPU busy: give them
 * two seconds. Then back to its state.
 */
static void revive(struct end *e)
{
	long long end = tl_now_ms() + ANNOUNCE_MS;

	while (!announced(e) && tl_now_ms() < end) {
		drain(e, false);
		usleep(2000);
	}
	if (!announced(e)) {
		e->unexplained++;
		printf("# %s (qpn %#x) went to ERR with no event or error completion\n",
		       e->name, e->qp->qp_num);
	}
	drain(e, false);
	if (set_state(e->qp, IBV_QPS_RESET)) {
		printf("# %s: modify to RESET failed: %s\n", e->name,
		       strerror(errno));
		return;
	}
	drain(e, false);
	for (int i = 0; i < e->nslot; i++)
		g.slots[e->slot0 + i].posted = false;
	__atomic_store_n(&e->events, 0, __ATOMIC_RELAXED);
	e->errors = 0;
	/*
	 * Packets keep coming: a bad one may take the QP to ERR again
	 * before it is back in RTS. The next look tries again.
	 */
	if (connect_end(e, e->state)) {
		e->revive_failed++;
		return;
	}
	e->dead = false;
	post_all(e);
	if (e->p->s->outstanding)
		post_outstanding(e);
	e->revived++;
	write_status();
}

static void *svc_thread(void *arg)
{
	long long next = 0, lazy = 0, now;
	unsigned int i, armed = 0;
	struct ibv_srq_attr sa = { .srq_limit = SRQ_LIMIT };

	(void)arg;
	while (!svc.stop) {
		now = tl_now_ms();
		for (i = 0; i < NPAIR; i++) {
			struct pair *p = &g.pairs[i];

			if (!p->s->fuzzed && !p->s->srq)
				continue;
			if (p->s->lazy && now < lazy)
				continue;
			drain(&p->a, true);
			drain(&p->b, true);
		}
		if (now >= lazy) {
			lazy = now + LAZY_MS;
			i = __atomic_load_n(&g.srq_events, __ATOMIC_RELAXED);
			if (armed != i &&
			    !ibv_modify_srq(g.srq, &sa, IBV_SRQ_LIMIT))
				armed = i;
		}
		if (tl_now_ms() >= next) {
			for (i = 0; i < NPAIR; i++) {
				struct end *a = &g.pairs[i].a;

				if (g.pairs[i].s->revive &&
				    qp_state(a->qp) == IBV_QPS_ERR)
					revive(a);
			}
			next = tl_now_ms() + 40;
		}
		usleep(2000);
	}
	return NULL;
}

/* ------------------------------------------------------------ transfers */

static char why[256];

static bool __attribute__((format(printf, 1, 2))) fail_why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return false;
}

/* The next completion on @cq within @ms: true with it in @wc. */
static bool wait_wc(struct ibv_cq *cq, struct ibv_wc *wc, int ms)
{
	long long end = tl_now_ms() + ms;
	int r;

	do {
		r = ibv_poll_cq(cq, 1, wc);
		if (r < 0)
			return false;
		if (r)
			return true;
		usleep(100);
	} while (tl_now_ms() < end);
	return false;
}

static bool wait_send(struct end *e, uint64_t id, int ms, const char *what)
{
	struct ibv_wc wc;

	if (!wait_wc(e->scq, &wc, ms))
		return fail_why("%s: no send completion on %s within %d ms",
				what, e->name, ms);
	if (wc.status != IBV_WC_SUCCESS || wc.wr_id != id)
		return fail_why("%s: send completion on %s: %s, wr_id %llu",
				what, e->name, ibv_wc_status_str(wc.status),
				(unsigned long long)wc.wr_id);
	return true;
}

/* A receive on @e of @len bytes, then the data at its slot. */
static bool wait_recv(struct end *e, uint32_t len, const uint8_t *want,
		      size_t off, int ms, const char *what, bool imm)
{
	struct ibv_wc wc;
	size_t i;
	uint8_t *d;

	if (!wait_wc(e->rcq, &wc, ms))
		return fail_why("%s: no receive completion on %s within %d ms",
				what, e->name, ms);
	if (wc.status != IBV_WC_SUCCESS || wc.wr_id >= (uint64_t)g.nslots)
		return fail_why("%s: receive completion on %s: %s, wr_id %llu",
				what, e->name, ibv_wc_status_str(wc.status),
				(unsigned long long)wc.wr_id);
	g.slots[wc.wr_id].posted = false;
	if (wc.byte_len != len)
		return fail_why("%s: %s received %u bytes, expected %u", what,
				e->name, wc.byte_len, len);
	if (imm != !!(wc.wc_flags & IBV_WC_WITH_IMM))
		return fail_why("%s: %s: immediate data flag wrong", what,
				e->name);
	if (want) {
		d = slot_data(wc.wr_id) + off;
		for (i = 0; i < len - off; i++)
			if (d[i] != want[i])
				return fail_why("%s: %s: byte %zu of %u is %#x, expected %#x",
						what, e->name, i, len,
						d[i], want[i]);
	}
	post_slot(wc.wr_id);
	return true;
}

static int post_wr(struct end *e, enum ibv_wr_opcode op, uint64_t id,
		   size_t off, uint32_t len, uint64_t ra, uint32_t rkey)
{
	struct ibv_sge sg = {
		(uintptr_t)e->vbuf + off, len, e->vmr->lkey
	};
	struct ibv_send_wr wr = {
		.wr_id = id, .sg_list = &sg, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;
	struct end *o = other(e);

	wr.imm_data = htobe32(0x5eed0000u | (uint32_t)id);
	if (e->p->s->type == IBV_QPT_UD) {
		wr.wr.ud.ah = e->ah;
		wr.wr.ud.remote_qpn = o->qp->qp_num;
		wr.wr.ud.remote_qkey = QKEY;
	} else if (op == IBV_WR_ATOMIC_FETCH_AND_ADD) {
		wr.wr.atomic.remote_addr = ra;
		wr.wr.atomic.rkey = rkey;
		wr.wr.atomic.compare_add = 5;
	} else {
		wr.wr.rdma.remote_addr = ra;
		wr.wr.rdma.rkey = rkey;
	}
	return ibv_post_send(e->qp, &wr, &bad);
}

/* Empty the CQs and make sure receives are posted. */
static void prepare(struct end *e)
{
	drain(e, true);
	if (e->recv_mr)
		post_all(e);
	else
		post_all(NULL);
}

/* SEND @from -> @to of @len bytes, checked. */
static bool xfer_send(struct end *from, struct end *to, uint32_t len,
		      uint32_t seed, int ms)
{
	bool ud = from->p->s->type == IBV_QPT_UD;

	fill(from->vbuf, len, seed);
	if (post_wr(from, IBV_WR_SEND, seed, 0, len, 0, 0))
		return fail_why("SEND: post_send on %s: %s", from->name,
				strerror(errno));
	if (!wait_send(from, seed, ms, "SEND"))
		return false;
	return wait_recv(to, ud ? len + GRH : len, from->vbuf, ud ? GRH : 0,
			 ms, "SEND", false);
}

/*
 * The data-checked transfer between the two QPs of @p: SEND both ways;
 * for RC and UC an RDMA WRITE with immediate; for RC an RDMA READ and a
 * fetch-and-add. Not over rc_noacc's QP, which allows no remote access.
 */
static bool xfer(struct pair *p, int ms)
{
	struct end *a = &p->a, *b = &p->b;
	enum ibv_qp_type t = p->s->type;
	uint32_t len = t == IBV_QPT_UD ? UD_LEN : SEND_LEN;
	uint64_t old, *v;
	size_t i;

	why[0] = 0;
	prepare(a);
	prepare(b);
	if (!xfer_send(b, a, len, 0x100 + (p - g.pairs), ms) ||
	    !xfer_send(a, b, len, 0x200 + (p - g.pairs), ms))
		return false;
	if (t == IBV_QPT_UD || p->s->noacc)
		return true;

	/* WRITE with immediate A -> B's MR */
	fill(a->vbuf, WRITE_LEN, 0x300 + (p - g.pairs));
	memset(b->rarea + ROFF, 0, WRITE_LEN);
	if (post_wr(a, IBV_WR_RDMA_WRITE_WITH_IMM, 0x300, 0, WRITE_LEN,
		    (uintptr_t)b->rmr->addr, b->rmr->rkey))
		return fail_why("WRITE: post_send: %s", strerror(errno));
	if (!wait_send(a, 0x300, ms, "WRITE") ||
	    !wait_recv(b, WRITE_LEN, NULL, 0, ms, "WRITE", true))
		return false;
	for (i = 0; i < WRITE_LEN; i++)
		if (b->rarea[ROFF + i] != a->vbuf[i])
			return fail_why("WRITE: byte %zu of %u at %s is %#x, expected %#x",
					i, WRITE_LEN, b->name,
					b->rarea[ROFF + i], a->vbuf[i]);
	if (t != IBV_QPT_RC)
		return true;

	/* READ A <- B's MR */
	fill(b->rarea + ROFF, WRITE_LEN, 0x400 + (p - g.pairs));
	memset(a->vbuf + 16384, 0, WRITE_LEN);
	if (post_wr(a, IBV_WR_RDMA_READ, 0x400, 16384, WRITE_LEN,
		    (uintptr_t)b->rmr->addr, b->rmr->rkey))
		return fail_why("READ: post_send: %s", strerror(errno));
	if (!wait_send(a, 0x400, ms, "READ"))
		return false;
	for (i = 0; i < WRITE_LEN; i++)
		if (a->vbuf[16384 + i] != b->rarea[ROFF + i])
			return fail_why("READ: byte %zu of %u at %s is %#x, expected %#x",
					i, WRITE_LEN, a->name,
					a->vbuf[16384 + i], b->rarea[ROFF + i]);

	/* FETCH_ADD on B's MR */
	v = (uint64_t *)(b->rarea + ROFF + 64);
	old = *v;
	if (post_wr(a, IBV_WR_ATOMIC_FETCH_AND_ADD, 0x500, 32768, 8,
		    (uintptr_t)b->rmr->addr + 64, b->rmr->rkey))
		return fail_why("FETCH_ADD: post_send: %s", strerror(errno));
	if (!wait_send(a, 0x500, ms, "FETCH_ADD"))
		return false;
	if (*(uint64_t *)(a->vbuf + 32768) != old || *v != old + 5)
		return fail_why("FETCH_ADD: returned %#llx (expected %#llx), memory %#llx (expected %#llx)",
				(unsigned long long)*(uint64_t *)(a->vbuf + 32768),
				(unsigned long long)old,
				(unsigned long long)*v,
				(unsigned long long)(old + 5));
	return true;
}

/*
 * Both QPs of @p through RESET, connected anew, receives posted. A QP
 * must be in RESET once modify_qp to RESET returned: if it is not (the
 * engine moved it to ERR after the reset, say because it was finishing
 * the error completion just polled), that is reported in @bad, and the
 * reset done again so the transfer can still be checked.
 */
static bool reconnect(struct pair *p, char *bad, size_t badlen)
{
	struct end *e[2] = { &p->a, &p->b };
	int i, k, st;

	bad[0] = 0;
	for (i = 0; i < 2; i++) {
		if (set_state(e[i]->qp, IBV_QPS_RESET))
			return fail_why("modify %s to RESET: %s", e[i]->name,
					strerror(errno));
		st = qp_state(e[i]->qp);
		if (st != IBV_QPS_RESET) {
			snprintf(bad, badlen,
				 "%s is in %s right after modify_qp(RESET) returned 0",
				 e[i]->name, state_name(st));
			usleep(100000);
			if (set_state(e[i]->qp, IBV_QPS_RESET))
				return fail_why("modify %s to RESET: %s",
						e[i]->name, strerror(errno));
		}
		drain(e[i], false);
		for (k = 0; k < e[i]->nslot; k++)
			g.slots[e[i]->slot0 + k].posted = false;
	}
	for (i = 0; i < 2; i++) {
		e[i]->state = IBV_QPS_RTS;
		if (connect_end(e[i], IBV_QPS_RTS))
			return fail_why("connect %s: %s", e[i]->name,
					strerror(errno));
		e[i]->dead = false;
		__atomic_store_n(&e[i]->events, 0, __ATOMIC_RELAXED);
		e[i]->errors = 0;
	}
	return true;
}

/* ------------------------------------------------------------ checks */

/* The first of @len bytes at @p that is not @want, or -1. */
static long first_bad(const uint8_t *p, size_t len, uint8_t want)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != want)
			return i;
	return -1;
}

struct guard_state {
	char where[96];
	long off;
	uint8_t val;
};

/* Record the first byte of @len at @p that is not GUARD. */
static void guard_range(struct guard_state *gs, const uint8_t *p, size_t len,
			const char *what, int n)
{
	long off;

	if (gs->where[0])
		return;
	off = first_bad(p, len, GUARD);
	if (off < 0)
		return;
	if (n >= 0)
		snprintf(gs->where, sizeof(gs->where), "%s %d", what, n);
	else
		snprintf(gs->where, sizeof(gs->where), "%s", what);
	gs->off = off;
	gs->val = p[off];
}

/* srx wrote nowhere but in receive SGEs and MRs. */
static void check_guards(struct end *e)
{
	struct guard_state gs = {};
	char name[80];
	int i;

	for (i = 0; e->recv && i <= e->nslot; i++)
		guard_range(&gs, e->recv + (size_t)i * (SLOT_SZ + SGUARD),
			    SGUARD, "the guard before receive slot", i);
	guard_range(&gs, e->rarea, ROFF, "the guard before the MR", -1);
	guard_range(&gs, e->rarea + ROFF + RLEN, RAREA - ROFF - RLEN,
		    "the guard after the MR", -1);
	if (e->p->s->outstanding && e->is_a) {
		/* rc_req's READ and atomic targets: nothing past them. */
		guard_range(&gs, e->vbuf + RD_LEN, 8192 - RD_LEN,
			    "the guard after the READ buffer", -1);
		guard_range(&gs, e->vbuf + 8192 + 8, 4096 - 8,
			    "the guard after the atomic buffer", -1);
	}
	snprintf(name, sizeof(name), "guards.%s", e->name);
	check(!gs.where[0], name, "byte %ld of %s is %#x", gs.off, gs.where,
	      gs.val);
}

static void check_srq_guards(void)
{
	struct guard_state gs = {};
	int i;

	for (i = 0; i <= SRQ_SLOTS; i++)
		guard_range(&gs, g.srq_mem + (size_t)i * (SLOT_SZ + SGUARD),
			    SGUARD, "the guard before SRQ slot", i);
	check(!gs.where[0], "guards.srq", "byte %ld of %s is %#x", gs.off,
	      gs.where, gs.val);
}

static void report_end(struct end *e)
{
	char evs[256];

	printf("# %-8s qpn %#06x %-5s revived %lu (%lu back in ERR before RTS), events %s, receives %lu ok %lu failed, sends %lu ok %lu failed\n",
	       e->name, e->qp->qp_num, state_name(qp_state(e->qp)),
	       e->revived, e->revive_failed,
	       ev_names(e->evmask, evs, sizeof(evs)), e->rc_ok, e->rc_err,
	       e->sc_ok, e->sc_err);
}

static void verify(void)
{
	char name[80], bad[160];
	unsigned int i;
	int st;

	/* Let the last packets through, then stop reviving. */
	usleep(300000);
	svc.stop = true;
	if (svc.running)
		pthread_join(svc.thread, NULL);
	for (i = 0; i < NPAIR; i++) {
		drain(&g.pairs[i].a, false);
		drain(&g.pairs[i].b, false);
	}
	for (i = 0; i < NPAIR; i++)
		if (g.pairs[i].s->fuzzed)
			report_end(&g.pairs[i].a);
	printf("# SRQ events (limit reached): %u\n", g.srq_events);

	for (i = 0; i < NPAIR; i++) {
		check_guards(&g.pairs[i].a);
		check_guards(&g.pairs[i].b);
	}
	check_srq_guards();
	for (i = 0; i < NPAIR; i++) {
		long off;

		if (!g.pairs[i].s->noacc)
			continue;
		off = first_bad(g.pairs[i].a.rarea + ROFF, RLEN, NOACC_FILL);
		check(off < 0, "noacc.mr_untouched",
		      "byte %ld of the MR rc_noacc's QP may not reach is %#x",
		      off, off < 0 ? 0 : g.pairs[i].a.rarea[ROFF + off]);
	}

	/* States no packet may change, and every ERR announced. */
	for (i = 0; i < NPAIR; i++) {
		struct pair *p = &g.pairs[i];
		struct end *a = &p->a;

		if (!p->s->fuzzed)
			continue;
		st = qp_state(a->qp);
		snprintf(name, sizeof(name), "state.%s", p->s->name);
		if (!p->s->revive)
			check(st == (int)p->s->state, name, "%s, expected %s",
			      state_name(st), state_name(p->s->state));
		if (p->s->revive && st == IBV_QPS_ERR && !announced(a)) {
			long long end = tl_now_ms() + ANNOUNCE_MS;

			while (!announced(a) && tl_now_ms() < end) {
				drain(a, false);
				usleep(2000);
			}
			if (!announced(a))
				a->unexplained++;
		}
		if (p->s->revive) {
			snprintf(name, sizeof(name), "err_announced.%s",
				 p->s->name);
			check(!a->unexplained, name,
			      "%lu of its ERR transitions came with neither an event nor an error completion",
			      a->unexplained);
		}
	}

	/* The protected pairs, as they are. */
	for (i = 0; i < NPAIR; i++) {
		struct pair *p = &g.pairs[i];

		if (p->s->fuzzed)
			continue;
		snprintf(name, sizeof(name), "transfer.%s", p->s->name);
		check(xfer(p, POLL_MS), name, "%s", why);
	}

	/* The fuzzed pairs: as they are, then connected anew. */
	for (i = 0; i < NPAIR; i++) {
		struct pair *p = &g.pairs[i];
		bool ok;

		if (!p->s->fuzzed)
			continue;
		/* As it is: reported, and required only of UD. */
		st = qp_state(p->a.qp);
		snprintf(name, sizeof(name), "transfer_as_is.%s", p->s->name);
		if (st == IBV_QPS_RTS && qp_state(p->b.qp) == IBV_QPS_RTS &&
		    !p->s->outstanding) {
			/* UD has no sequence state a packet could move. */
			if (p->s->type == IBV_QPT_UD)
				check(xfer(p, POLL_MS), name, "%s", why);
			else if (xfer(p, ASIS_MS))
				check(true, name, NULL);
			else
				skip(name, "forged packets may move its PSNs: %s",
				     why);
		} else {
			skip(name, "%s after the fuzz", state_name(st));
		}
		ok = reconnect(p, bad, sizeof(bad));
		snprintf(name, sizeof(name), "reset_sticks.%s", p->s->name);
		check(!bad[0], name, "%s", bad);
		snprintf(name, sizeof(name), "transfer_reconnected.%s",
			 p->s->name);
		check(ok && xfer(p, POLL_MS), name, "%s", why);
	}
}

/* ------------------------------------------------------------ teardown */

static void end_free(struct end *e)
{
	if (e->ah)
		ibv_destroy_ah(e->ah);
	if (e->qp)
		ibv_destroy_qp(e->qp);
	if (e->scq)
		ibv_destroy_cq(e->scq);
	if (e->rcq)
		ibv_destroy_cq(e->rcq);
	if (e->rmr)
		ibv_dereg_mr(e->rmr);
	if (e->vmr)
		ibv_dereg_mr(e->vmr);
	if (e->recv_mr)
		ibv_dereg_mr(e->recv_mr);
	if (e->rarea)
		munmap(e->rarea, RAREA);
	if (e->vbuf)
		munmap(e->vbuf, VBUF);
	if (e->recv)
		munmap(e->recv, e->recv_len);
}

static bool teardown(void)
{
	unsigned int i;
	bool ok = true;

	for (i = 0; i < NPAIR; i++) {
		end_free(&g.pairs[i].a);
		end_free(&g.pairs[i].b);
	}
	if (g.srq && ibv_destroy_srq(g.srq))
		ok = false;
	if (g.srq_mr)
		ibv_dereg_mr(g.srq_mr);
	if (g.srq_mem)
		munmap(g.srq_mem, g.srq_len);
	if (g.pd && ibv_dealloc_pd(g.pd))
		ok = false;
	if (g.pd_prot && ibv_dealloc_pd(g.pd_prot))
		ok = false;
	if (g.pd_noacc && ibv_dealloc_pd(g.pd_noacc))
		ok = false;
	if (ev.running) {
		ev.stop = true;
		pthread_join(ev.thread, NULL);
	}
	if (g.ctx && ibv_close_device(g.ctx))
		ok = false;
	free(g.slots);
	return ok;
}

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s -d DEVICE [-g GIDX] -o TARGETS [-s STATUS] [-w SECONDS]\n",
		prog);
	return 2;
}

int main(int argc, char **argv)
{
	const char *dev = NULL, *out = NULL;
	long gidx = -1, wd = WATCHDOG_S;
	int opt;
	char line[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	group = "fuzz";
	while ((opt = getopt(argc, argv, "d:g:o:s:w:h")) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		case 'g':
			if (tl_num(optarg, 0, &gidx))
				return usage(argv[0]);
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			svc.status = optarg;
			break;
		case 'w':
			if (tl_num(optarg, 1, &wd))
				return usage(argv[0]);
			break;
		default:
			return usage(argv[0]);
		}
	}
	if (!dev || !out || optind != argc)
		return usage(argv[0]);
	signal(SIGALRM, watchdog);
	alarm(wd);

	if (!setup(dev, gidx)) {
		check(false, "setup", "%s", setup_err);
		goto done;
	}
	if (write_targets(out)) {
		check(false, "targets", "%s: %s", out, strerror(errno));
		goto done;
	}
	printf("# device %s, GID index %d, segment %u, UD MTU %u, targets in %s\n",
	       dev, g.gidx, g.mtu, g.ud_mtu, out);
	write_status();
	if (pthread_create(&svc.thread, NULL, svc_thread, NULL) == 0)
		svc.running = true;
	printf("ready\n");
	fflush(stdout);
	/* Until told (a line, or end of file), the fuzzer runs. */
	if (!fgets(line, sizeof(line), stdin))
		line[0] = 0;
	verify();
done:
	if (svc.running && !svc.stop) {
		svc.stop = true;
		pthread_join(svc.thread, NULL);
	}
	check(teardown(), "teardown", "a destroy verb failed");
	printf("fuzz_target: %u passed, %u failed, %u skipped\n", n_pass,
	       n_fail, n_skip);
	return n_fail ? 1 : 0;
}
