// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * verbs_fuzz - several processes doing random verbs sequences on one srx
 * device while others read gov_status and write gov/ctl.
 *
 * usage: verbs_fuzz -d DEV --seed S --seconds T [--procs N] [--ops N]
 *                   [--no-kill] [--no-ctl] [--trace] [--max-queue N]
 *        verbs_fuzz -d DEV --check-only
 *
 * Worker i (a forked process, seed S+i; a restarted worker gets the seed
 * S + i + generation * N) opens DEV and runs random operations over a
 * bounded pool of its own objects: PD, CQ, SRQ, MR, MW, AH and RC/UC/UD
 * QPs created, modified and destroyed in random orders and states with
 * random (often invalid) attributes; sends, receives, RDMA, atomics, MW
 * binds and invalidations between its QPs over the device's own RoCEv2
 * IPv4 GID; polls and notification; governance through libsrxctl
 * (also with handles of the wrong object type); legacy post commands
 * written straight to the command fd; scribbling over its mapped rings
 * (WQE and CQE bytes, producer/consumer indices, header fields); fork()
 * (the child works on the inherited objects for a moment and _exits;
 * the kernel refuses it the write() commands, whose file was opened
 * with other credentials, but not the ioctl ones or the shared rings)
 * and abandoning a context with everything alive. After its indices are
 * scribbled an object is driven only by verbs the kernel carries out
 * (librxe trusts its own indices); a SIGSEGV of a fuzz process is
 * counted, not a failure: what matters is the kernel.
 *
 * Meanwhile one process reads gov_status (whole, partly, at odd offsets)
 * and writes valid and garbage gov/ctl commands at the SRQs and QPs it
 * finds there, and the supervisor kills random workers with SIGKILL (once
 * each has done a few operations since it started) and restarts them.
 * Workers survive the device being deleted (they exit and are
 * restarted, and wait for it to come back). Everything stops after
 * --seconds (earlier on SIGTERM, and after --ops operations in all, if
 * given); a hard alarm ends the run at T + 120 s whatever happens.
 * The seed fixes each worker's sequence of choices; with --procs 1
 * --no-kill --no-ctl a run repeats but for timing (completions, async
 * state changes). --trace prints every operation to stderr.
 * --max-queue N caps the queue depths the device would accept at N.
 *
 * The supervisor watches /dev/kmsg: on a kernel splat it prints the last
 * operations of every worker (with its seed and operation number). At
 * the end it prints the count of every operation and
 *   ops: N, ok: N, failed: N, worker restarts: N, segv: N
 * then "ok -"/"not ok -" lines: no kernel splat, every process exited,
 * and a fresh process can still open DEV and pass one data-checked RC
 * SEND between two QPs over loopback (--check-only does only that).
 * Exits 0 unless one of these fails. Limits and references the kernel
 * did not enforce (a create beyond the device's limits that succeeded,
 * a destroy of an object still in use, a ring header that does not fit
 * its mapping) are printed as "# anomaly: ..." lines.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/rdma_user_rxe.h>

#include "testlib.h"
#include "ringlib.h"
#include "srxctl.h"

#define MAX_PROCS	16
#define N_PD		3
#define N_CQ		6
#define N_SRQ		3
#define N_QP		8
#define N_MR		8
#define N_MW		6
#define N_AH		4
#define N_STALE		16
#define MAX_CHILDREN	3
#define MAX_SGE_ARR	40
#define MAX_INLINE	512	/* srx's SRX_MAX_INLINE */
#define ARENA_LEN	(1u << 20)
#define TRACE_N		24
#define DESC_LEN	120
#define SKIP		(-1)
#define RES_PENDING	INT32_MIN
#define RES_CONT	(INT32_MIN + 1)	/* the op went on: next entry */
#define GRACE_SECS	120

/* name, weight (relative frequency) */
#define OP_LIST(X)						\
	X(ALLOC_PD,	"alloc_pd",		30)		\
	X(DEALLOC_PD,	"dealloc_pd",		20)		\
	X(CREATE_CQ,	"create_cq",		25)		\
	X(DESTROY_CQ,	"destroy_cq",		12)		\
	X(RESIZE_CQ,	"resize_cq",		25)		\
	X(POLL_CQ,	"poll_cq",		200)		\
	X(NOTIFY_CQ,	"req_notify_cq",	25)		\
	X(CQ_EVENTS,	"cq_events",		20)		\
	X(CREATE_SRQ,	"create_srq",		20)		\
	X(DESTROY_SRQ,	"destroy_srq",		8)		\
	X(MODIFY_SRQ,	"modify_srq",		25)		\
	X(QUERY_SRQ,	"query_srq",		8)		\
	X(POST_SRQ_RECV, "post_srq_recv",	110)		\
	X(REG_MR,	"reg_mr",		30)		\
	X(DEREG_MR,	"dereg_mr",		15)		\
	X(REREG_MR,	"rereg_mr",		6)		\
	X(ALLOC_MW,	"alloc_mw",		20)		\
	X(DEALLOC_MW,	"dealloc_mw",		10)		\
	X(BIND_MW,	"bind_mw",		30)		\
	X(CREATE_AH,	"create_ah",		20)		\
	X(DESTROY_AH,	"destroy_ah",		10)		\
	X(CREATE_QP,	"create_qp",		25)		\
	X(DESTROY_QP,	"destroy_qp",		10)		\
	X(MODIFY_QP,	"modify_qp",		50)		\
	X(CONNECT,	"connect_qps",		35)		\
	X(QUERY_QP,	"query_qp",		20)		\
	X(POST_SEND,	"post_send",		260)		\
	X(POST_RECV,	"post_recv",		130)		\
	X(RAW_CMD,	"raw_cmd",		20)		\
	X(GOV_QP,	"gov_qp",		30)		\
	X(GOV_SRQ,	"gov_srq",		30)		\
	X(GOV_BADHANDLE, "gov_bad_handle",	8)		\
	X(SCRIBBLE,	"scribble",		25)		\
	X(FORK,		"fork",			4)		\
	X(ASYNC,	"async_events",		20)		\
	X(CTX_RESET,	"ctx_reset",		1)

#define OP_ENUM(id, name, w)	OP_##id,
#define OP_NAME(id, name, w)	name,
#define OP_WEIGHT(id, name, w)	w,
enum op { OP_LIST(OP_ENUM) OP_MAX };
static const char *const op_name[OP_MAX] = { OP_LIST(OP_NAME) };
static const unsigned int op_weight[OP_MAX] = { OP_LIST(OP_WEIGHT) };

/* ---- shared between all processes (MAP_SHARED|MAP_ANONYMOUS) ---- */

struct trace_ent {
	uint64_t n;		/* operation number within the worker */
	int32_t res;		/* 0, an errno, or RES_PENDING */
	int32_t child;		/* done by a fork child of the worker */
	uint32_t gen;		/* the worker's generation (restart) */
	char desc[DESC_LEN];
};

struct slot {
	pid_t pid;
	uint32_t gen;
	uint64_t seed;
	unsigned long ops;	/* done by this generation */
	uint32_t pos;
	uint32_t qpn[N_QP];	/* live QPNs, for the gov/ctl writer */
	struct trace_ent tr[TRACE_N];
};

struct opstat {
	unsigned long calls, ok, fail;
};

struct shared {
	int stop;
	unsigned long total_ops;
	unsigned long forks, fork_segv, anomalies, dev_lost, scribbles, taints;
	unsigned long gov_reads, gov_writes, gov_writes_ok, slow_ops;
	unsigned long cqe_ok, cqe_err, wc_status[32];
	struct opstat st[OP_MAX];
	struct slot slot[MAX_PROCS];
};

#define ATOMIC_INC(x)	__atomic_add_fetch(&(x), 1, __ATOMIC_RELAXED)

static const char *dev_name;
static uint64_t opt_seed;
static unsigned int opt_seconds = 60, opt_procs = 4;
static unsigned long opt_ops, opt_max_queue;
static bool opt_kill = true, opt_ctl = true, opt_trace, opt_check_only;
static struct shared *SH;
static unsigned int hard_secs;

/* ---- randomness: splitmix64, one state per process ---- */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

/* A 32-bit value from the edges and powers of two, or any. */
static uint32_t rnd_edge32(void)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 127, 128, 255,
		256, 511, 512, 513, 1023, 1024, 4095, 4096, 4097, 16383,
		16384, 16385, 65535, 65536, 0x7fffffff, 0x80000000,
		0xfffffffe, 0xffffffff,
	};

	if (chance(20))
		return (uint32_t)rnd64();
	return v[rnd(sizeof(v) / sizeof(v[0]))];
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- one worker's view of its objects ---- */

struct o_cq {
	struct ibv_cq *cq;
	bool tainted, chan, mine;
	int nring;
	struct ring ring;
	size_t est;
};

struct o_srq {
	struct ibv_srq *srq;
	int pd;
	bool tainted;
	int nring;
	struct ring ring;
	uint32_t max_wr, max_sge;
	size_t est;
};

struct o_qp {
	struct ibv_qp *qp;
	int pd, scq, rcq, srq;
	bool tainted;
	int nring, sq, rq;	/* sq, rq: index into ring[], -1 unknown */
	struct ring ring[2];
	struct ibv_qp_cap cap;
	uint32_t qkey;
	int peer;		/* the QP it was last connected to, or -1 */
	bool clean;		/* gets mostly well-formed traffic */
	size_t est;
};

struct o_mr {
	struct ibv_mr *mr;
	int pd;
	bool mine;
	uint32_t access;
	uint64_t addr;
	size_t len;
};

struct o_mw {
	struct ibv_mw *mw;
	int pd, type;
	bool mine;
	uint64_t addr;
	size_t len;
};

struct o_ah {
	struct ibv_ah *ah;
	int pd;
	bool mine, own;		/* to this device's RoCEv2 IPv4 GID */
};

struct o_pd {
	struct ibv_pd *pd;
	bool mine;
};

static struct {
	struct ibv_context *ctx;
	struct ibv_context *ctx2;	/* another context, for its handles */
	struct ibv_pd *pd2;
	struct ibv_cq *cq2;
	struct ibv_comp_channel *chan;
	struct ibv_device_attr da;
	int gid_tbl_len, gidx;
	union ibv_gid gid;
	double gid_time;
	struct o_pd pd[N_PD];
	struct o_cq cq[N_CQ];
	struct o_srq srq[N_SRQ];
	struct o_qp qp[N_QP];
	struct o_mr mr[N_MR];
	struct o_mw mw[N_MW];
	struct o_ah ah[N_AH];
	uint32_t stale[N_STALE];
	unsigned int nstale;
	char *arena, *ro, *hole;
	size_t budget, used;
	int slot;
	bool child, lost;
	pid_t children[MAX_CHILDREN];
	unsigned int nchildren;
	uint64_t op_n;
	struct trace_ent *te;
} W = { .slot = -1 };

/* ---- trace of the last operations, in the shared slot ---- */

static void __attribute__((format(printf, 1, 2))) tr(const char *fmt, ...)
{
	struct slot *s = &SH->slot[W.slot];
	uint32_t pos = __atomic_fetch_add(&s->pos, 1, __ATOMIC_RELAXED);
	struct trace_ent *t = &s->tr[pos % TRACE_N];
	va_list ap;

	if (W.te && W.te->res == RES_PENDING && W.te->n == W.op_n)
		W.te->res = RES_CONT;
	t->res = RES_PENDING;
	t->n = W.op_n;
	t->child = W.child;
	t->gen = s->gen;
	va_start(ap, fmt);
	vsnprintf(t->desc, sizeof(t->desc), fmt, ap);
	va_end(ap);
	W.te = t;
	if (opt_trace)
		fprintf(stderr, "[w%d%s #%llu] %s\n", W.slot, W.child ? "c" : "",
			(unsigned long long)W.op_n, t->desc);
}

static void __attribute__((format(printf, 1, 2))) anomaly(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ATOMIC_INC(SH->anomalies);
	printf("# anomaly: worker %d seed %llu op #%llu: %s\n", W.slot,
	       (unsigned long long)SH->slot[W.slot].seed,
	       (unsigned long long)W.op_n, buf);
	fflush(stdout);
}

/* errno of a failed call returning NULL or -1 (never 0). */
static int err_of(void)
{
	return errno ? errno : EINVAL;
}

/* ---- picking objects ---- */

#define PICK_IF(n, cond) ({					\
	int _c[64], _k = 0, i;					\
	for (i = 0; i < (n); i++)				\
		if (cond)					\
			_c[_k++] = i;				\
	_k ? _c[rnd(_k)] : -1;					\
})

static int pick_pd(void)
{
	return PICK_IF(N_PD, W.pd[i].pd);
}

static int pick_cq(bool untainted)
{
	return PICK_IF(N_CQ, W.cq[i].cq && (!untainted || !W.cq[i].tainted));
}

static int pick_srq(bool untainted)
{
	return PICK_IF(N_SRQ, W.srq[i].srq && (!untainted || !W.srq[i].tainted));
}

static int pick_qp(bool untainted)
{
	return PICK_IF(N_QP, W.qp[i].qp && (!untainted || !W.qp[i].tainted));
}

static int pick_mr(void)
{
	return PICK_IF(N_MR, W.mr[i].mr);
}

static int pick_mw(void)
{
	return PICK_IF(N_MW, W.mw[i].mw);
}

static int pick_ah(void)
{
	return PICK_IF(N_AH, W.ah[i].ah);
}

static int pd_index(struct ibv_pd *pd)
{
	int i;

	for (i = 0; i < N_PD; i++)
		if (W.pd[i].pd == pd)
			return i;
	return -1;
}

static void publish_qpns(void)
{
	struct slot *s = &SH->slot[W.slot];
	int i;

	if (W.child)
		return;
	for (i = 0; i < N_QP; i++)
		s->qpn[i] = W.qp[i].qp ? W.qp[i].qp->qp_num : 0;
}

static void add_stale(uint32_t key)
{
	W.stale[W.nstale++ % N_STALE] = key;
}

/* ---- random attributes ---- */

/*
 * --max-queue: depths the device would accept are capped (creating the
 * largest queues takes the debug kernel seconds); those beyond its
 * limits still go through and must fail.
 */
static uint32_t cap_depth(uint32_t v, uint32_t max)
{
	return opt_max_queue && v > opt_max_queue && v <= max ?
	       opt_max_queue : v;
}

/* A queue size: mostly small, sometimes 0, 1, max or max + 1. */
static uint32_t pick_depth_raw(uint32_t max)
{
	uint32_t r = rnd(100);

	if (r < 3)
		return 0;
	if (r < 8)
		return 1;
	if (r < 11)
		return max;
	if (r < 14)
		return max + 1;
	if (r < 16)
		return rnd_edge32();
	if (r < 60)
		return 2 + rnd(31);
	if (r < 90)
		return 33 + rnd(480);
	return 1 + rnd(max);
}

static uint32_t pick_depth(uint32_t max)
{
	return cap_depth(pick_depth_raw(max), max);
}

static uint32_t pick_sge_count(uint32_t max)
{
	uint32_t r = rnd(100);

	if (r < 5)
		return 0;
	if (r < 8)
		return max;
	if (r < 11)
		return max + 1;
	if (r < 12)
		return rnd_edge32();
	return 1 + rnd(4);
}

static size_t pow2_up(size_t v)
{
	size_t p = 1;

	while (p < v && p < ((size_t)1 << 40))
		p <<= 1;
	return p;
}

static size_t est_wq(uint32_t wr, uint32_t sge, uint32_t inl, bool send)
{
	size_t elem = (send ? 160 : 40) +
		      ((size_t)sge * 16 > inl ? (size_t)sge * 16 : inl);

	if (wr > (1u << 24) || sge > 4096)
		return 0;	/* the kernel refuses these outright */
	return pow2_up((size_t)wr + 1) * pow2_up(elem);
}

/* Keep the rings a worker holds within its share of memory. */
static bool over_budget(size_t est)
{
	return W.used + est > W.budget;
}

static uint32_t pick_access(void)
{
	static const uint32_t bits[] = {
		IBV_ACCESS_LOCAL_WRITE, IBV_ACCESS_REMOTE_WRITE,
		IBV_ACCESS_REMOTE_READ, IBV_ACCESS_REMOTE_ATOMIC,
		IBV_ACCESS_MW_BIND, IBV_ACCESS_ZERO_BASED,
		IBV_ACCESS_ON_DEMAND, IBV_ACCESS_HUGETLB,
		IBV_ACCESS_RELAXED_ORDERING,
		1u << 8, 1u << 9,	/* flush global/persistent (newer ABI) */
	};
	uint32_t a = 0;
	unsigned int i;

	if (chance(3))
		return (uint32_t)rnd64();
	if (chance(50))
		return IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		       IBV_ACCESS_REMOTE_READ |
		       (chance(50) ? IBV_ACCESS_REMOTE_ATOMIC : 0) |
		       (chance(50) ? IBV_ACCESS_MW_BIND : 0);
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (chance(i < 5 ? 40 : 5))
			a |= bits[i];
	return a;
}

static void gid_v4(union ibv_gid *g, uint8_t a, uint8_t b, uint8_t c,
		   uint8_t d)
{
	memset(g, 0, sizeof(*g));
	g->raw[10] = 0xff;
	g->raw[11] = 0xff;
	g->raw[12] = a;
	g->raw[13] = b;
	g->raw[14] = c;
	g->raw[15] = d;
}

static void pick_dgid(union ibv_gid *g)
{
	uint32_t r = rnd(100);
	unsigned int i;

	if (r < 75 && W.gidx >= 0) {
		*g = W.gid;
	} else if (r < 80) {
		gid_v4(g, 127, 0, 0, 1);
	} else if (r < 84) {
		gid_v4(g, 10, 0, 2, 2);
	} else if (r < 87) {
		gid_v4(g, 192, 0, 2, rnd(256));
	} else if (r < 90) {
		memset(g, 0, sizeof(*g));
		g->raw[0] = 0xff;
		g->raw[1] = 0x0e;
		g->raw[15] = 1;
	} else if (r < 93) {
		memset(g, 0, sizeof(*g));
		g->raw[0] = 0xfe;
		g->raw[1] = 0x80;
		for (i = 8; i < 16; i++)
			g->raw[i] = rnd(256);
	} else if (r < 96) {
		memset(g, 0, sizeof(*g));
	} else {
		for (i = 0; i < 16; i++)
			g->raw[i] = rnd(256);
	}
}

static uint8_t pick_sgid_index(void)
{
	if (W.gidx >= 0 && chance(80))
		return W.gidx;
	if (chance(10))
		return 255;
	return rnd(W.gid_tbl_len + 2);
}

/* A key for an SGE or a remote access: live, stale or invented. */
static uint32_t pick_key(bool remote)
{
	uint32_t r = rnd(100);
	int i;

	if (r < 70 && (i = pick_mr()) >= 0)
		return remote ? W.mr[i].mr->rkey : W.mr[i].mr->lkey;
	if (r < 80 && (i = pick_mw()) >= 0)
		return W.mw[i].mw->rkey;
	if (r < 88 && W.nstale)
		return W.stale[rnd(W.nstale < N_STALE ? W.nstale : N_STALE)];
	if (r < 94 && (i = pick_mr()) >= 0)
		return (remote ? W.mr[i].mr->lkey : W.mr[i].mr->rkey) ^
		       (1u << rnd(8));
	return rnd_edge32();
}

static uint32_t pick_len(size_t room)
{
	uint32_t r = rnd(100);

	if (r < 5)
		return 0;
	if (r < 60)
		return 1 + rnd(room < 256 ? room + 1 : 256);
	if (r < 88)
		return rnd(room < 4096 ? room + 1 : 4096);
	if (r < 95)
		return room > 0xffffffffu ? 0xffffffffu : room;
	if (r < 98)
		return room + 1 + rnd(4096);
	return rnd_edge32();
}

/* An address and length inside a live MR (or anywhere). */
static void pick_range(uint32_t key_pick, uint64_t *addr, uint32_t *len,
		       bool remote)
{
	int i = -1, k;
	uint64_t base = (uintptr_t)W.arena;
	size_t size = ARENA_LEN;

	for (k = 0; k < N_MR; k++)
		if (W.mr[k].mr && (W.mr[k].mr->lkey == key_pick ||
				   W.mr[k].mr->rkey == key_pick))
			i = k;
	for (k = 0; i < 0 && k < N_MW; k++)
		if (W.mw[k].mw && W.mw[k].mw->rkey == key_pick && W.mw[k].len) {
			base = W.mw[k].addr;
			size = W.mw[k].len;
		}
	if (i >= 0) {
		base = W.mr[i].addr;
		size = W.mr[i].len;
	}
	switch (rnd(20)) {
	case 0:
		*addr = rnd64();
		break;
	case 1:
		*addr = 0;
		break;
	case 2:
		*addr = (uintptr_t)W.hole + rnd(4096);
		break;
	case 3:
		*addr = base + size;	/* just past the end */
		break;
	case 4:
		*addr = base - 1 - rnd(64);
		break;
	default:
		*addr = base + (size ? rnd64() % size : 0);
		break;
	}
	if (remote && chance(10))
		*addr &= ~7ull;
	size = *addr >= base && *addr < base + size ? base + size - *addr : 64;
	*len = pick_len(size);
}

static void pick_sge(struct ibv_sge *s, bool inl)
{
	if (inl) {
		/* librxe copies inline data from the address: keep it ours. */
		s->length = chance(90) ? rnd(200) : rnd(MAX_INLINE + 64);
		s->addr = (uintptr_t)W.arena + rnd(ARENA_LEN - s->length);
		s->lkey = (uint32_t)rnd64();
		return;
	}
	s->lkey = pick_key(false);
	pick_range(s->lkey, &s->addr, &s->length, false);
}

static uint32_t pick_limit(void)
{
	uint32_t r = rnd(100);

	if (r < 15)
		return SRXCTL_UNLIMITED;
	if (r < 25)
		return 0;
	if (r < 85)
		return 1 + rnd(16);
	return rnd_edge32();
}

/* ---- ring scribbling ---- */

static void taint(bool *flag)
{
	if (!*flag)
		ATOMIC_INC(SH->taints);
	*flag = true;
}

/* Garbage in entry @idx of @r: random bytes or chosen fields. */
static void scribble_entry(const struct ring *r, uint32_t idx, int kind)
{
	uint32_t size, i, n;
	uint8_t *p = ring_slot(r, idx, &size);

	if (!p)
		return;
	if (kind == 0 || chance(30)) {
		/* Random bytes somewhere in the entry. */
		uint32_t off = rnd(size), len = 1 + rnd(64);

		if (off + len > size)
			len = size - off;
		for (i = 0; i < len; i++)
			p[off + i] = rnd(256);
		return;
	}
	if (kind == 1) {	/* a send WQE */
		struct rxe_send_wqe *w = (struct rxe_send_wqe *)p;

		n = 1 + rnd(4);
		while (n--) {
			switch (rnd(14)) {
			case 0: w->wr.opcode = rnd_edge32(); break;
			case 1: w->wr.send_flags = rnd_edge32(); break;
			case 2: w->dma.num_sge = rnd_edge32(); break;
			case 3: w->dma.cur_sge = rnd_edge32(); break;
			case 4: w->dma.length = rnd_edge32(); break;
			case 5: w->dma.resid = rnd_edge32(); break;
			case 6: w->dma.sge_offset = rnd_edge32(); break;
			case 7: w->wr.wr.ud.ah_num = rnd_edge32(); break;
			case 8: w->iova = rnd64(); break;
			case 9: w->wr.wr.rdma.rkey = rnd_edge32(); break;
			case 10: w->wr.wr.mw.length = rnd64(); break;
			case 11: w->state = rnd_edge32(); w->status = rnd_edge32(); break;
			case 12:
				if (size >= sizeof(*w) + 16) {
					w->dma.sge[0].length = rnd_edge32();
					w->dma.sge[0].addr = rnd64();
				}
				break;
			default: w->wr.wr.ud.remote_qpn = rnd_edge32(); break;
			}
		}
		return;
	}
	/* a receive WQE */
	{
		struct rxe_recv_wqe *w = (struct rxe_recv_wqe *)p;

		n = 1 + rnd(3);
		while (n--) {
			switch (rnd(7)) {
			case 0: w->dma.num_sge = rnd_edge32(); break;
			case 1: w->dma.cur_sge = rnd_edge32(); break;
			case 2: w->dma.length = rnd_edge32(); break;
			case 3: w->dma.resid = rnd_edge32(); break;
			case 4: w->dma.sge_offset = rnd_edge32(); break;
			default:
				if (size >= sizeof(*w) + 16) {
					w->dma.sge[0].length = rnd_edge32();
					w->dma.sge[0].lkey = pick_key(false);
					w->dma.sge[0].addr = rnd64();
				}
				break;
			}
		}
	}
}

/* Garbage in the indices (or header) of @r. */
static void scribble_indices(const struct ring *r, char *what, size_t len)
{
	volatile uint32_t *h = hdr_of(r);
	uint32_t mask = h[1], prod = h[RING_PROD], cons = h[RING_CONS];

	switch (rnd(9)) {
	case 0:
		h[RING_PROD] = rnd_edge32();
		snprintf(what, len, "prod=%#x", h[RING_PROD]);
		break;
	case 1:
		h[RING_CONS] = rnd_edge32();
		snprintf(what, len, "cons=%#x", h[RING_CONS]);
		break;
	case 2:
		h[RING_PROD] = rnd_edge32();
		h[RING_CONS] = rnd_edge32();
		snprintf(what, len, "prod=%#x cons=%#x", h[RING_PROD],
			 h[RING_CONS]);
		break;
	case 3:		/* full, as the other side sees it */
		h[RING_PROD] = cons + mask + 1;
		snprintf(what, len, "prod=cons+size");
		break;
	case 4:
		h[RING_PROD] = cons - 1;
		snprintf(what, len, "prod=cons-1");
		break;
	case 5:
		h[RING_CONS] = prod + 1 + rnd(mask + 2);
		snprintf(what, len, "cons=prod+%u", h[RING_CONS] - prod);
		break;
	case 6:
		h[RING_PROD] = prod + 1 + rnd(mask + 2);
		snprintf(what, len, "prod+=%u", h[RING_PROD] - prod);
		break;
	case 7:
		if (chance(50))
			h[0] = rnd_edge32();
		else
			h[1] = rnd_edge32();
		snprintf(what, len, "header log2=%#x mask=%#x", h[0], h[1]);
		break;
	default:
		h[RING_PROD] = prod ^ (1u << rnd(32));
		snprintf(what, len, "prod^bit=%#x", h[RING_PROD]);
		break;
	}
}

/* ---- raw legacy commands on the command fd ---- */

static int raw_write(void *buf, size_t len)
{
	/* Sometimes on the other context, where the handle means else. */
	int fd = W.ctx2 && chance(15) ? W.ctx2->cmd_fd : W.ctx->cmd_fd;
	ssize_t n = write(fd, buf, len);

	if (n == (ssize_t)len)
		return 0;
	return n < 0 ? err_of() : EIO;
}

/* librxe's doorbell (no WR) or a post with WRs, on any handle. */
static int raw_post_send(uint32_t handle, uint32_t nwr, uint32_t nsge,
			 uint32_t wqe_size)
{
	uint64_t buf[256];
	struct ib_uverbs_cmd_hdr *hdr = (void *)buf;
	struct ib_uverbs_post_send *cmd = (void *)(hdr + 1);
	struct ib_uverbs_post_send_resp resp = {};
	uint8_t *p = (uint8_t *)(cmd + 1);
	size_t len, i;

	if (wqe_size > 256)
		wqe_size = 256;
	len = sizeof(*hdr) + sizeof(*cmd) + (size_t)nwr * wqe_size +
	      (size_t)nsge * sizeof(struct ib_uverbs_sge);
	len = (len + 3) & ~(size_t)3;
	if (len > sizeof(buf))
		return SKIP;
	memset(buf, 0, len);
	for (i = sizeof(*hdr) + sizeof(*cmd); i < len; i++)
		((uint8_t *)buf)[i] = chance(70) ? 0 : rnd(256);
	for (i = 0; i < nwr && wqe_size >= sizeof(struct ib_uverbs_send_wr); i++) {
		struct ib_uverbs_send_wr *wr = (void *)(p + i * wqe_size);

		wr->num_sge = nsge / (nwr ? nwr : 1);
		wr->opcode = chance(80) ? rnd(12) : rnd_edge32();
		wr->send_flags = rnd(16);
	}
	hdr->command = IB_USER_VERBS_CMD_POST_SEND;
	hdr->in_words = len / 4;
	hdr->out_words = sizeof(resp) / 4;
	cmd->response = (uintptr_t)&resp;
	cmd->qp_handle = handle;
	cmd->wr_count = nwr;
	cmd->sge_count = nsge;
	cmd->wqe_size = wqe_size;
	return raw_write(buf, len);
}

static int raw_post_recv(bool srq, uint32_t handle, uint32_t nwr,
			 uint32_t nsge)
{
	uint64_t buf[128];
	struct ib_uverbs_cmd_hdr *hdr = (void *)buf;
	struct ib_uverbs_post_recv *cmd = (void *)(hdr + 1);
	struct ib_uverbs_post_recv_resp resp = {};
	struct ib_uverbs_recv_wr *wr = (void *)(cmd + 1);
	struct ib_uverbs_sge *sge;
	size_t len;
	uint32_t i;

	/* post_srq_recv has the same layout with srq_handle. */
	_Static_assert(sizeof(struct ib_uverbs_post_recv) ==
		       sizeof(struct ib_uverbs_post_srq_recv), "layout");
	if (nwr > 4 || nsge > 16)
		return SKIP;
	len = sizeof(*hdr) + sizeof(*cmd) + nwr * sizeof(*wr) +
	      nsge * sizeof(*sge);
	memset(buf, 0, len);
	sge = (void *)(wr + nwr);
	for (i = 0; i < nwr; i++)
		wr[i].num_sge = i + 1 == nwr ? nsge - i * (nsge / nwr) :
			nsge / nwr;
	for (i = 0; i < nsge; i++) {
		sge[i].lkey = pick_key(false);
		sge[i].addr = (uintptr_t)W.arena + rnd(ARENA_LEN);
		sge[i].length = rnd(4096);
	}
	hdr->command = srq ? IB_USER_VERBS_CMD_POST_SRQ_RECV :
			     IB_USER_VERBS_CMD_POST_RECV;
	hdr->in_words = len / 4;
	hdr->out_words = sizeof(resp) / 4;
	cmd->response = (uintptr_t)&resp;
	cmd->qp_handle = handle;
	cmd->wr_count = nwr;
	cmd->sge_count = nsge;
	cmd->wqe_size = sizeof(*wr);
	return raw_write(buf, len);
}

static int doorbell(struct ibv_qp *qp)
{
	return raw_post_send(qp->handle, 0, 0, sizeof(struct ib_uverbs_send_wr));
}

/* ---- operations: each returns 0, an errno or SKIP ---- */

static int count_deps_pd(int p)
{
	int i, n = 0;

	for (i = 0; i < N_SRQ; i++)
		n += W.srq[i].srq && W.srq[i].pd == p;
	for (i = 0; i < N_QP; i++)
		n += W.qp[i].qp && W.qp[i].pd == p;
	for (i = 0; i < N_MR; i++)
		n += W.mr[i].mr && W.mr[i].pd == p;
	for (i = 0; i < N_MW; i++)
		n += W.mw[i].mw && W.mw[i].pd == p;
	for (i = 0; i < N_AH; i++)
		n += W.ah[i].ah && W.ah[i].pd == p;
	return n;
}

/*
 * Forget (without destroying) everything that depends on PD @p: after
 * the kernel let the PD go, their user structures cannot be trusted.
 */
static void forget_pd_deps(int p)
{
	int i;

	for (i = 0; i < N_SRQ; i++)
		if (W.srq[i].srq && W.srq[i].pd == p)
			W.srq[i].srq = NULL;
	for (i = 0; i < N_QP; i++)
		if (W.qp[i].qp && (W.qp[i].pd == p ||
				   (W.qp[i].srq >= 0 && !W.srq[W.qp[i].srq].srq)))
			W.qp[i].qp = NULL;
	for (i = 0; i < N_MR; i++)
		if (W.mr[i].mr && W.mr[i].pd == p)
			W.mr[i].mr = NULL;
	for (i = 0; i < N_MW; i++)
		if (W.mw[i].mw && W.mw[i].pd == p)
			W.mw[i].mw = NULL;
	for (i = 0; i < N_AH; i++)
		if (W.ah[i].ah && W.ah[i].pd == p)
			W.ah[i].ah = NULL;
	publish_qpns();
}

static int op_alloc_pd(void)
{
	int i = PICK_IF(N_PD, !W.pd[i].pd);
	struct ibv_pd *pd;

	if (i < 0)
		return SKIP;
	tr("alloc_pd slot %d", i);
	pd = ibv_alloc_pd(W.ctx);
	if (!pd)
		return err_of();
	W.pd[i].pd = pd;
	W.pd[i].mine = true;
	return 0;
}

static int op_dealloc_pd(void)
{
	int i = pick_pd(), deps, rc;

	if (i < 0 || (W.child && !W.pd[i].mine))
		return SKIP;
	deps = count_deps_pd(i);
	tr("dealloc_pd pd%d (%d objects on it)", i, deps);
	rc = ibv_dealloc_pd(W.pd[i].pd);
	if (rc)
		return rc;
	if (deps) {
		anomaly("dealloc_pd succeeded with %d objects on the PD", deps);
		forget_pd_deps(i);
	}
	W.pd[i].pd = NULL;
	return 0;
}

static int pick_cqe_raw(void);

static int pick_cqe(void)
{
	int v = pick_cqe_raw();

	return v > 0 ? (int)cap_depth(v, W.da.max_cqe) : v;
}

static int pick_cqe_raw(void)
{
	uint32_t r = rnd(100);

	if (r < 3)
		return 0;
	if (r < 7)
		return 1;
	if (r < 10)
		return W.da.max_cqe;
	if (r < 13)
		return W.da.max_cqe + 1;
	if (r < 15)
		return (int)rnd_edge32();
	if (r < 60)
		return 2 + rnd(63);
	if (r < 90)
		return 65 + rnd(960);
	return 1 + rnd(W.da.max_cqe);
}

static int op_create_cq(void)
{
	int i = PICK_IF(N_CQ, !W.cq[i].cq), cqe = pick_cqe(), vec = 0;
	struct ibv_comp_channel *ch = NULL;
	struct mapset before, after;
	struct ibv_cq *cq;
	size_t est;

	if (i < 0 || W.child)
		return SKIP;
	est = cqe > 0 ? pow2_up((size_t)cqe + 1) * 64 : 0;
	if (over_budget(est)) {
		cqe = 1 + rnd(64);
		est = pow2_up(cqe + 1) * 64;
	}
	if (W.chan && chance(40))
		ch = W.chan;
	if (chance(5))
		vec = (int)rnd(4) - 1;
	maps_read(&before);
	if (chance(20)) {
		/* The extended call: the kernel sees its flags. */
		struct ibv_cq_init_attr_ex ax = {
			.cqe = cqe, .channel = ch, .comp_vector = vec,
			.wc_flags = chance(80) ? IBV_WC_EX_WITH_BYTE_LEN |
				    IBV_WC_EX_WITH_IMM | IBV_WC_EX_WITH_QP_NUM :
				    rnd(1 << 12),
			.comp_mask = chance(50) ? IBV_CQ_INIT_ATTR_MASK_FLAGS : 0,
			.flags = chance(50) ? rnd(4) : rnd_edge32(),
		};
		struct ibv_cq_ex *cx;

		tr("create_cq_ex slot %d cqe %d vector %d channel %d wc_flags %#llx flags %#x",
		   i, cqe, vec, !!ch, (unsigned long long)ax.wc_flags,
		   ax.flags);
		cx = ibv_create_cq_ex(W.ctx, &ax);
		cq = cx ? ibv_cq_ex_to_cq(cx) : NULL;
	} else {
		tr("create_cq slot %d cqe %d vector %d channel %d", i, cqe,
		   vec, !!ch);
		cq = ibv_create_cq(W.ctx, cqe, NULL, ch, vec);
	}
	if (!cq)
		return err_of();
	maps_read(&after);
	if (cqe > W.da.max_cqe || cqe < 0)
		anomaly("create_cq with cqe %d (max_cqe %d) succeeded", cqe,
			W.da.max_cqe);
	memset(&W.cq[i], 0, sizeof(W.cq[i]));
	W.cq[i].cq = cq;
	W.cq[i].chan = !!ch;
	W.cq[i].est = est;
	W.cq[i].mine = true;
	W.used += est;
	W.cq[i].nring = maps_new(&before, &after, &W.cq[i].ring, 1);
	if (W.cq[i].nring && !ring_sane(&W.cq[i].ring))
		anomaly("create_cq: ring header log2 %u mask %#x does not fit its %lu-byte mapping",
			hdr_of(&W.cq[i].ring)[0], hdr_of(&W.cq[i].ring)[1],
			W.cq[i].ring.end - W.cq[i].ring.start);
	if (!W.cq[i].nring)
		W.cq[i].tainted = true;	/* cannot tell where its ring is */
	return 0;
}

static int op_destroy_cq(void)
{
	int i = pick_cq(false), k, deps = 0, rc;

	if (i < 0 || W.child)
		return SKIP;
	for (k = 0; k < N_QP; k++)
		deps += W.qp[k].qp && (W.qp[k].scq == i || W.qp[k].rcq == i);
	tr("destroy_cq cq%d (%d QPs on it)%s", i, deps,
	   W.cq[i].tainted ? " tainted" : "");
	rc = ibv_destroy_cq(W.cq[i].cq);
	if (rc)
		return rc;
	if (deps) {
		anomaly("destroy_cq succeeded with %d QPs using the CQ", deps);
		for (k = 0; k < N_QP; k++)
			if (W.qp[k].scq == i || W.qp[k].rcq == i)
				W.qp[k].qp = NULL;
		publish_qpns();
	}
	W.used -= W.cq[i].est;
	W.cq[i].cq = NULL;
	return 0;
}

/* After a resize (CQ) or SRQ size change: where the ring is now. */
static void remap(struct ring *ring, int *nring, bool *tainted,
		  const struct mapset *before, bool ok, const char *what)
{
	struct mapset after;
	struct ring r;

	maps_read(&after);
	if (!ok) {
		/* librxe unmapped the old ring and failed to map the new. */
		if (*nring && !maps_has(&after, ring)) {
			*nring = 0;
			*tainted = true;
		}
		return;
	}
	if (maps_new(before, &after, &r, 1) == 1) {
		*ring = r;
		*nring = 1;
		if (ring_sane(ring)) {
			*tainted = false;	/* a new ring from the kernel */
		} else {
			anomaly("%s: new ring header log2 %u mask %#x does not fit its %lu-byte mapping",
				what, hdr_of(ring)[0], hdr_of(ring)[1],
				ring->end - ring->start);
			*tainted = true;
		}
	} else if (*nring && !maps_has(&after, ring)) {
		*nring = 0;
		*tainted = true;
	}
}

static int op_resize_cq(void)
{
	int i = pick_cq(false), cqe = pick_cqe(), rc;
	struct mapset before;

	if (i < 0 || W.child)
		return SKIP;
	if (cqe > 0 && over_budget(pow2_up((size_t)cqe + 1) * 64))
		cqe = 1 + rnd(64);
	tr("resize_cq cq%d to %d%s", i, cqe, W.cq[i].tainted ? " tainted" : "");
	maps_read(&before);
	rc = ibv_resize_cq(W.cq[i].cq, cqe);
	remap(&W.cq[i].ring, &W.cq[i].nring, &W.cq[i].tainted, &before, !rc,
	      "resize_cq");
	if (!rc) {
		if (cqe > W.da.max_cqe || cqe < 0)
			anomaly("resize_cq to %d (max_cqe %d) succeeded", cqe,
				W.da.max_cqe);
		W.used -= W.cq[i].est;
		W.cq[i].est = cqe > 0 ? pow2_up((size_t)cqe + 1) * 64 : 0;
		W.used += W.cq[i].est;
	}
	return rc;
}

static int op_poll_cq(void)
{
	struct ibv_wc wc[32];
	int i = pick_cq(true), n, k;

	if (i < 0)
		return SKIP;
	n = 1 + rnd(32);
	tr("poll_cq cq%d %d", i, n);
	n = ibv_poll_cq(W.cq[i].cq, n, wc);
	for (k = 0; k < n; k++) {
		if (wc[k].status == IBV_WC_SUCCESS)
			ATOMIC_INC(SH->cqe_ok);
		else
			ATOMIC_INC(SH->cqe_err);
		ATOMIC_INC(SH->wc_status[wc[k].status & 31]);
	}
	return n < 0 ? EIO : 0;
}

static int op_notify_cq(void)
{
	int i = pick_cq(false), sol = rnd(2);

	if (i < 0)
		return SKIP;
	tr("req_notify_cq cq%d solicited %d", i, sol);
	return ibv_req_notify_cq(W.cq[i].cq, sol);
}

static int op_cq_events(void)
{
	struct ibv_cq *cq;
	void *cq_ctx;
	int n = 0;

	if (!W.chan || W.child)
		return SKIP;
	tr("cq_events");
	while (n < 64 && !ibv_get_cq_event(W.chan, &cq, &cq_ctx)) {
		ibv_ack_cq_events(cq, 1);
		if (chance(50))
			ibv_req_notify_cq(cq, rnd(2));
		n++;
	}
	return 0;
}

static int op_async(void)
{
	struct ibv_async_event ev;
	int n = 0;

	if (W.child)
		return SKIP;
	tr("async_events");
	while (n < 64 && !ibv_get_async_event(W.ctx, &ev)) {
		if (ev.event_type == IBV_EVENT_DEVICE_FATAL)
			W.lost = true;
		ibv_ack_async_event(&ev);
		n++;
	}
	return 0;
}

static int op_create_srq(void)
{
	int i = PICK_IF(N_SRQ, !W.srq[i].srq), p = pick_pd();
	struct ibv_srq_init_attr init = {};
	struct mapset before, after;
	struct ibv_srq *srq;
	uint32_t wr, sge;
	size_t est;

	if (i < 0 || p < 0 || W.child)
		return SKIP;
	wr = pick_depth(W.da.max_srq_wr);
	sge = pick_sge_count(W.da.max_srq_sge);
	est = est_wq(wr, sge, 0, false);
	if (over_budget(est)) {
		wr = 1 + rnd(64);
		sge = 1 + rnd(4);
		est = est_wq(wr, sge, 0, false);
	}
	init.attr.max_wr = wr;
	init.attr.max_sge = sge;
	init.attr.srq_limit = chance(70) ? 0 : chance(70) ? rnd(wr + 1) :
			      rnd_edge32();
	tr("create_srq slot %d pd%d max_wr %u max_sge %u srq_limit %u", i, p,
	   wr, sge, init.attr.srq_limit);
	maps_read(&before);
	srq = ibv_create_srq(W.pd[p].pd, &init);
	if (!srq)
		return err_of();
	maps_read(&after);
	if (wr > (uint32_t)W.da.max_srq_wr || sge > (uint32_t)W.da.max_srq_sge)
		anomaly("create_srq max_wr %u max_sge %u (max %d, %d) succeeded",
			wr, sge, W.da.max_srq_wr, W.da.max_srq_sge);
	memset(&W.srq[i], 0, sizeof(W.srq[i]));
	W.srq[i].srq = srq;
	W.srq[i].pd = p;
	W.srq[i].max_wr = init.attr.max_wr;
	W.srq[i].max_sge = init.attr.max_sge;
	W.srq[i].est = est;
	W.used += est;
	W.srq[i].nring = maps_new(&before, &after, &W.srq[i].ring, 1);
	if (W.srq[i].nring && !ring_sane(&W.srq[i].ring))
		anomaly("create_srq: ring header log2 %u mask %#x does not fit its mapping",
			hdr_of(&W.srq[i].ring)[0], hdr_of(&W.srq[i].ring)[1]);
	if (!W.srq[i].nring)
		W.srq[i].tainted = true;
	return 0;
}

static int op_destroy_srq(void)
{
	int i = pick_srq(false), k, deps = 0, rc;

	if (i < 0 || W.child)
		return SKIP;
	for (k = 0; k < N_QP; k++)
		deps += W.qp[k].qp && W.qp[k].srq == i;
	tr("destroy_srq srq%d (%d QPs on it)%s", i, deps,
	   W.srq[i].tainted ? " tainted" : "");
	rc = ibv_destroy_srq(W.srq[i].srq);
	if (rc)
		return rc;
	if (deps) {
		anomaly("destroy_srq succeeded with %d QPs attached", deps);
		for (k = 0; k < N_QP; k++)
			if (W.qp[k].srq == i)
				W.qp[k].qp = NULL;
		publish_qpns();
	}
	W.used -= W.srq[i].est;
	W.srq[i].srq = NULL;
	return 0;
}

static int op_modify_srq(void)
{
	int i = pick_srq(false), mask, rc;
	struct ibv_srq_attr a = {};
	struct mapset before;

	if (i < 0 || W.child)
		return SKIP;
	mask = rnd(4);
	if (chance(5))
		mask |= 1 << rnd(8);
	a.max_wr = pick_depth(W.da.max_srq_wr);
	if ((mask & IBV_SRQ_MAX_WR) &&
	    over_budget(est_wq(a.max_wr, W.srq[i].max_sge, 0, false)))
		a.max_wr = 1 + rnd(64);
	a.srq_limit = chance(60) ? rnd(W.srq[i].max_wr + 2) : rnd_edge32();
	a.max_sge = rnd(40);
	tr("modify_srq srq%d mask %#x max_wr %u srq_limit %u%s", i, mask,
	   a.max_wr, a.srq_limit, W.srq[i].tainted ? " tainted" : "");
	maps_read(&before);
	rc = ibv_modify_srq(W.srq[i].srq, &a, mask);
	if (mask & IBV_SRQ_MAX_WR) {
		remap(&W.srq[i].ring, &W.srq[i].nring, &W.srq[i].tainted,
		      &before, !rc, "modify_srq");
		if (!rc) {
			W.used -= W.srq[i].est;
			W.srq[i].est = est_wq(a.max_wr, W.srq[i].max_sge, 0,
					      false);
			W.used += W.srq[i].est;
			W.srq[i].max_wr = a.max_wr;
		}
	}
	return rc;
}

static int op_query_srq(void)
{
	int i = pick_srq(false);
	struct ibv_srq_attr a;

	if (i < 0)
		return SKIP;
	tr("query_srq srq%d", i);
	return ibv_query_srq(W.srq[i].srq, &a);
}

/* A live MR of PD @pd with (at least) @access, or -1. */
static int pick_mr_in(int pd, uint32_t access)
{
	return PICK_IF(N_MR, W.mr[i].mr && W.mr[i].pd == pd &&
		       (W.mr[i].access & access) == access &&
		       W.mr[i].len >= 64 && W.mr[i].len < (1ull << 32));
}

/* A well-formed SGE inside an MR of @pd with @access; false if none. */
static bool good_sge(int pd, uint32_t access, uint32_t maxlen,
		     struct ibv_sge *s)
{
	int m = pick_mr_in(pd, access);
	uint64_t len;

	if (m < 0)
		return false;
	len = W.mr[m].len < maxlen ? W.mr[m].len : maxlen;
	s->length = chance(80) ? 1 + rnd(len < 512 ? len : 512) :
		    1 + rnd64() % len;
	s->addr = W.mr[m].addr + rnd64() % (W.mr[m].len - s->length + 1);
	s->lkey = W.mr[m].mr->lkey;
	return true;
}

/* @nwr receive WRs, well-formed (for PD @pd) or not. */
static void fill_recv(struct ibv_recv_wr *wr, struct ibv_sge *sges,
		      int nwr, uint32_t max_sge, int pd, bool clean)
{
	bool good = chance(clean ? 97 : 40);
	int k, j, ns;

	for (k = 0; k < nwr; k++) {
		if (good && max_sge) {
			ns = 1 + rnd(max_sge < 4 ? max_sge : 4);
			for (j = 0; j < ns; j++)
				if (!good_sge(pd, IBV_ACCESS_LOCAL_WRITE, 4096,
					      &sges[k * (MAX_SGE_ARR / 4) + j]))
					break;
			if (j == ns) {
				wr[k].wr_id = k;
				wr[k].sg_list = &sges[k * (MAX_SGE_ARR / 4)];
				wr[k].num_sge = ns;
				wr[k].next = k + 1 < nwr ? &wr[k + 1] : NULL;
				continue;
			}
		}
		ns = pick_sge_count(max_sge);
		if (ns > MAX_SGE_ARR / 4)
			ns = chance(50) ? MAX_SGE_ARR / 4 : 1;
		for (j = 0; j < ns; j++)
			pick_sge(&sges[k * (MAX_SGE_ARR / 4) + j], false);
		wr[k].wr_id = rnd64();
		wr[k].sg_list = &sges[k * (MAX_SGE_ARR / 4)];
		wr[k].num_sge = ns;
		wr[k].next = k + 1 < nwr ? &wr[k + 1] : NULL;
	}
}

static int op_post_srq_recv(void)
{
	struct ibv_sge sges[MAX_SGE_ARR];
	struct ibv_recv_wr wr[4], *bad;
	int i = pick_srq(true), nwr = 1 + rnd(4), rc;
	uint32_t p0, p1, k;

	if (i < 0)
		return SKIP;
	fill_recv(wr, sges, nwr, W.srq[i].max_sge, W.srq[i].pd, chance(70));
	tr("post_srq_recv srq%d %d WRs (sge %d, lkey %#x len %u)", i, nwr,
	   wr[0].num_sge, wr[0].num_sge ? sges[0].lkey : 0,
	   wr[0].num_sge ? sges[0].length : 0);
	p0 = W.srq[i].nring ? hdr_of(&W.srq[i].ring)[RING_PROD] : 0;
	rc = ibv_post_srq_recv(W.srq[i].srq, wr, &bad);
	if (W.srq[i].nring && !W.child && chance(10)) {
		p1 = hdr_of(&W.srq[i].ring)[RING_PROD];
		for (k = p0; k != p1 && k - p0 < 8; k++)
			scribble_entry(&W.srq[i].ring, k, 2);
		ATOMIC_INC(SH->scribbles);
		tr("scribble srq%d posted WQEs %u..%u", i, p0, p1);
	}
	return rc;
}

static int op_reg_mr(void)
{
	int i = PICK_IF(N_MR, !W.mr[i].mr), p = pick_pd();
	uint32_t access = pick_access(), r = rnd(100);
	uint64_t iova = 0;
	bool use_iova = chance(15);
	struct ibv_mr *mr;
	char *addr;
	size_t len;

	if (i < 0 || p < 0)
		return SKIP;
	if (r < 80) {
		size_t off = rnd(ARENA_LEN);

		addr = W.arena + off;
		len = chance(5) ? 0 : 1 + rnd64() % (ARENA_LEN - off);
		if (chance(40)) {	/* page aligned, whole pages */
			addr = W.arena + (off & ~4095ul);
			len = 4096 * (1 + rnd((ARENA_LEN - (off & ~4095ul)) / 4096));
		}
	} else if (r < 85) {
		addr = W.ro;
		len = 1 + rnd(4096);
	} else if (r < 90) {
		addr = W.hole;
		len = 1 + rnd(8192);
	} else if (r < 95) {
		addr = W.arena;
		len = (size_t)1 << (31 + rnd(10));
	} else {
		addr = chance(50) ? NULL : (char *)0xffff888000000000ull;
		len = 1 + rnd(65536);
	}
	if (use_iova)
		iova = chance(50) ? rnd64() : chance(50) ? 0 : (uintptr_t)addr;
	tr("reg_mr slot %d pd%d addr %+ld len %#zx access %#x%s%#llx", i, p,
	   (long)(addr - W.arena), len, access, use_iova ? " iova " : "",
	   (unsigned long long)iova);
	if (use_iova)
		mr = ibv_reg_mr_iova(W.pd[p].pd, addr, len, iova, access);
	else
		mr = ibv_reg_mr(W.pd[p].pd, addr, len, access);
	if (!mr)
		return err_of();
	W.mr[i].mr = mr;
	W.mr[i].pd = p;
	W.mr[i].mine = true;
	W.mr[i].access = access;
	W.mr[i].addr = use_iova ? iova : (uintptr_t)addr;
	if (access & IBV_ACCESS_ZERO_BASED)
		W.mr[i].addr = 0;
	W.mr[i].len = len;
	return 0;
}

static int op_dereg_mr(void)
{
	int i = pick_mr(), rc;
	uint32_t lkey, rkey;

	if (i < 0 || (W.child && !W.mr[i].mine))
		return SKIP;
	lkey = W.mr[i].mr->lkey;
	rkey = W.mr[i].mr->rkey;
	tr("dereg_mr mr%d lkey %#x", i, lkey);
	rc = ibv_dereg_mr(W.mr[i].mr);
	if (rc)
		return rc;
	add_stale(lkey);
	add_stale(rkey);
	W.mr[i].mr = NULL;
	return 0;
}

static int op_rereg_mr(void)
{
	int i = pick_mr(), p = pick_pd(), flags, access = pick_access(), rc;
	size_t off = rnd(ARENA_LEN / 2), len = 1 + rnd(ARENA_LEN / 2);

	if (i < 0 || p < 0 || W.child)
		return SKIP;
	flags = rnd(8);
	if (chance(5))
		flags |= 1 << rnd(8);
	tr("rereg_mr mr%d flags %#x pd%d off %#zx len %#zx access %#x", i,
	   flags, p, off, len, access);
	rc = ibv_rereg_mr(W.mr[i].mr, flags, W.pd[p].pd, W.arena + off, len,
			  access);
	if (rc == 0) {
		if (flags & IBV_REREG_MR_CHANGE_ACCESS)
			W.mr[i].access = access;
		W.mr[i].pd = pd_index(W.mr[i].mr->pd);
		W.mr[i].addr = (uintptr_t)W.mr[i].mr->addr;
		W.mr[i].len = W.mr[i].mr->length;
		if (W.mr[i].pd < 0)
			W.mr[i].mr = NULL;	/* on a PD we no longer know */
	}
	return rc < 0 ? -rc : rc;
}

static int op_alloc_mw(void)
{
	int i = PICK_IF(N_MW, !W.mw[i].mw), p = pick_pd(), type;
	struct ibv_mw *mw;

	if (i < 0 || p < 0)
		return SKIP;
	type = chance(90) ? 1 + (int)rnd(2) : (int)rnd(6);
	tr("alloc_mw slot %d pd%d type %d", i, p, type);
	mw = ibv_alloc_mw(W.pd[p].pd, type);
	if (!mw)
		return err_of();
	memset(&W.mw[i], 0, sizeof(W.mw[i]));
	W.mw[i].mw = mw;
	W.mw[i].pd = p;
	W.mw[i].type = type;
	W.mw[i].mine = true;
	return 0;
}

static int op_dealloc_mw(void)
{
	int i = pick_mw(), rc;
	uint32_t rkey;

	if (i < 0 || (W.child && !W.mw[i].mine))
		return SKIP;
	rkey = W.mw[i].mw->rkey;
	tr("dealloc_mw mw%d rkey %#x", i, rkey);
	rc = ibv_dealloc_mw(W.mw[i].mw);
	if (rc)
		return rc;
	add_stale(rkey);
	W.mw[i].mw = NULL;
	return 0;
}

static void pick_bind(struct ibv_mw_bind_info *b, int m)
{
	struct o_mr *mr = &W.mr[m];

	b->mr = mr->mr;
	b->mw_access_flags = chance(70) ?
		(IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
		 (chance(30) ? IBV_ACCESS_REMOTE_ATOMIC : 0)) :
		pick_access() & ~(chance(90) ? IBV_ACCESS_ZERO_BASED : 0);
	if (chance(80) && mr->len) {
		uint64_t off = rnd64() % mr->len;

		b->addr = mr->addr + off;
		b->length = chance(10) ? 0 : 1 + rnd64() % (mr->len - off);
	} else {
		b->addr = chance(50) ? rnd64() : mr->addr + mr->len;
		b->length = chance(50) ? rnd64() : 1 + rnd(8192);
	}
}

static int op_bind_mw(void)
{
	int i = pick_mw(), m = pick_mr(), q = pick_qp(true), rc;
	struct ibv_qp *qp;

	if (i < 0 || m < 0 || q < 0)
		return SKIP;
	qp = W.qp[q].qp;
	if (qp->qp_type != IBV_QPT_RC && qp->qp_type != IBV_QPT_UC)
		return SKIP;
	if ((W.mw[i].type == IBV_MW_TYPE_1 && chance(90)) || chance(10)) {
		struct ibv_mw_bind bind = {
			.wr_id = rnd64(),
			.send_flags = chance(70) ? IBV_SEND_SIGNALED : 0,
		};

		pick_bind(&bind.bind_info, m);
		tr("bind_mw (type 1 call) mw%d type %d qp%d mr%d addr %#llx len %#llx access %#x",
		   i, W.mw[i].type, q, m,
		   (unsigned long long)bind.bind_info.addr,
		   (unsigned long long)bind.bind_info.length,
		   bind.bind_info.mw_access_flags);
		rc = ibv_bind_mw(qp, W.mw[i].mw, &bind);
		if (!rc) {
			W.mw[i].addr = bind.bind_info.addr;
			W.mw[i].len = bind.bind_info.length;
		}
	} else {
		struct ibv_send_wr wr = {
			.wr_id = rnd64(), .opcode = IBV_WR_BIND_MW,
			.send_flags = chance(70) ? IBV_SEND_SIGNALED : 0,
		}, *bad;

		wr.bind_mw.mw = W.mw[i].mw;
		wr.bind_mw.rkey = chance(85) ? ibv_inc_rkey(W.mw[i].mw->rkey) :
				  rnd_edge32();
		pick_bind(&wr.bind_mw.bind_info, m);
		tr("bind_mw (post_send) mw%d type %d qp%d mr%d rkey %#x addr %#llx len %#llx access %#x",
		   i, W.mw[i].type, q, m, wr.bind_mw.rkey,
		   (unsigned long long)wr.bind_mw.bind_info.addr,
		   (unsigned long long)wr.bind_mw.bind_info.length,
		   wr.bind_mw.bind_info.mw_access_flags);
		rc = ibv_post_send(qp, &wr, &bad);
		if (!rc) {
			W.mw[i].mw->rkey = wr.bind_mw.rkey;
			W.mw[i].addr = wr.bind_mw.bind_info.addr;
			W.mw[i].len = wr.bind_mw.bind_info.length;
		}
	}
	return rc;
}

static int op_create_ah(void)
{
	int i = PICK_IF(N_AH, !W.ah[i].ah), p = pick_pd();
	struct ibv_ah_attr a = {};
	struct ibv_ah *ah;

	if (i < 0 || p < 0)
		return SKIP;
	a.is_global = chance(92);
	pick_dgid(&a.grh.dgid);
	a.grh.sgid_index = pick_sgid_index();
	a.grh.hop_limit = chance(80) ? 64 : rnd(256);
	a.grh.traffic_class = rnd(256);
	a.grh.flow_label = chance(80) ? 0 : (uint32_t)rnd64();
	a.sl = rnd(16);
	a.dlid = rnd(65536);
	a.static_rate = chance(80) ? 0 : rnd(24);
	a.port_num = chance(92) ? 1 : rnd(3);
	tr("create_ah slot %d pd%d global %d sgid %u port %u dgid ..%02x%02x%02x%02x",
	   i, p, a.is_global, a.grh.sgid_index, a.port_num, a.grh.dgid.raw[12],
	   a.grh.dgid.raw[13], a.grh.dgid.raw[14], a.grh.dgid.raw[15]);
	ah = ibv_create_ah(W.pd[p].pd, &a);
	if (!ah)
		return err_of();
	W.ah[i].ah = ah;
	W.ah[i].pd = p;
	W.ah[i].mine = true;
	W.ah[i].own = W.gidx >= 0 && a.is_global && a.port_num == 1 &&
		      a.grh.sgid_index == W.gidx &&
		      !memcmp(&a.grh.dgid, &W.gid, sizeof(W.gid));
	return 0;
}

static int op_destroy_ah(void)
{
	int i = pick_ah(), rc;

	if (i < 0 || (W.child && !W.ah[i].mine))
		return SKIP;
	tr("destroy_ah ah%d", i);
	rc = ibv_destroy_ah(W.ah[i].ah);
	if (!rc)
		W.ah[i].ah = NULL;
	return rc;
}

static int op_create_qp(void)
{
	int i = PICK_IF(N_QP, !W.qp[i].qp), p = pick_pd(), s = -1;
	int sc = pick_cq(false), rc_ = pick_cq(false);
	struct ibv_qp_init_attr init = {};
	struct mapset before, after;
	uint32_t r = rnd(100), max_wr = W.da.max_qp_wr, max_sge = W.da.max_sge;
	bool bad_caps;
	struct ibv_qp *qp;
	size_t est;

	if (i < 0 || p < 0 || sc < 0 || W.child)
		return SKIP;
	init.qp_type = r < 35 ? IBV_QPT_RC : r < 60 ? IBV_QPT_UC :
		       r < 92 ? IBV_QPT_UD : r < 94 ? IBV_QPT_RAW_PACKET :
		       r < 96 ? IBV_QPT_XRC_SEND : r < 98 ? IBV_QPT_DRIVER :
		       (enum ibv_qp_type)(11 + rnd(8));
	if (chance(30))
		s = pick_srq(false);
	init.send_cq = W.cq[sc].cq;
	init.recv_cq = W.cq[chance(60) ? sc : rc_].cq;
	init.srq = s >= 0 ? W.srq[s].srq : NULL;
	init.sq_sig_all = rnd(2);
	init.cap.max_send_wr = pick_depth(max_wr);
	init.cap.max_recv_wr = pick_depth(max_wr);
	init.cap.max_send_sge = pick_sge_count(max_sge);
	init.cap.max_recv_sge = pick_sge_count(max_sge);
	r = rnd(100);
	init.cap.max_inline_data = r < 50 ? 0 : r < 85 ? rnd(MAX_INLINE) :
				   r < 92 ? MAX_INLINE : r < 96 ? MAX_INLINE + 1 :
				   rnd_edge32();
	est = est_wq(init.cap.max_send_wr, init.cap.max_send_sge,
		     init.cap.max_inline_data, true) +
	      (s >= 0 ? 0 : est_wq(init.cap.max_recv_wr,
				   init.cap.max_recv_sge, 0, false));
	if (over_budget(est)) {
		init.cap.max_send_wr = 1 + rnd(32);
		init.cap.max_recv_wr = 1 + rnd(32);
		init.cap.max_send_sge = 1 + rnd(4);
		init.cap.max_recv_sge = 1 + rnd(4);
		init.cap.max_inline_data = rnd(128);
		est = est_wq(32, 4, 128, true) + est_wq(32, 4, 0, false);
	}
	bad_caps = init.cap.max_send_wr > max_wr ||
		   init.cap.max_send_sge > max_sge ||
		   init.cap.max_inline_data > MAX_INLINE ||
		   (!init.srq && (init.cap.max_recv_wr > max_wr ||
				  init.cap.max_recv_sge > max_sge));
	tr("create_qp slot %d type %d pd%d scq%d rcq srq%d wr %u/%u sge %u/%u inline %u",
	   i, init.qp_type, p, sc, s, init.cap.max_send_wr,
	   init.cap.max_recv_wr, init.cap.max_send_sge, init.cap.max_recv_sge,
	   init.cap.max_inline_data);
	maps_read(&before);
	qp = ibv_create_qp(W.pd[p].pd, &init);
	if (!qp)
		return err_of();
	maps_read(&after);
	if (bad_caps)
		anomaly("create_qp type %d with caps wr %u/%u sge %u/%u inline %u (device max wr %u sge %u) succeeded",
			init.qp_type, init.cap.max_send_wr,
			init.cap.max_recv_wr, init.cap.max_send_sge,
			init.cap.max_recv_sge, init.cap.max_inline_data, max_wr,
			max_sge);
	memset(&W.qp[i], 0, sizeof(W.qp[i]));
	W.qp[i].qp = qp;
	W.qp[i].pd = p;
	W.qp[i].scq = sc;
	W.qp[i].rcq = init.recv_cq == W.cq[sc].cq ? sc : rc_;
	W.qp[i].srq = s;
	W.qp[i].cap = init.cap;
	W.qp[i].est = est;
	W.qp[i].sq = W.qp[i].rq = -1;
	W.qp[i].peer = -1;
	W.qp[i].clean = chance(50);
	W.used += est;
	W.qp[i].nring = maps_new(&before, &after, W.qp[i].ring, 2);
	if (W.qp[i].nring == 1 && s >= 0)
		W.qp[i].sq = 0;
	if (!W.qp[i].nring)
		W.qp[i].tainted = true;
	for (r = 0; r < (uint32_t)W.qp[i].nring; r++)
		if (!ring_sane(&W.qp[i].ring[r]))
			anomaly("create_qp: ring header log2 %u mask %#x does not fit its mapping",
				hdr_of(&W.qp[i].ring[r])[0],
				hdr_of(&W.qp[i].ring[r])[1]);
	publish_qpns();
	return 0;
}

static int op_destroy_qp(void)
{
	int i = pick_qp(false), rc;

	if (i < 0 || W.child)
		return SKIP;
	tr("destroy_qp qp%d qpn %#x state %d%s", i, W.qp[i].qp->qp_num,
	   W.qp[i].qp->state, W.qp[i].tainted ? " tainted" : "");
	rc = ibv_destroy_qp(W.qp[i].qp);
	if (rc)
		return rc;
	W.used -= W.qp[i].est;
	W.qp[i].qp = NULL;
	publish_qpns();
	return 0;
}

static uint32_t peer_qpn(void)
{
	int k = pick_qp(false);

	if (k >= 0 && chance(85))
		return W.qp[k].qp->qp_num;
	if (chance(40))
		return 1;	/* QP1 */
	return chance(50) ? rnd(0x1000000) : rnd_edge32();
}

static void random_qp_attr(struct ibv_qp_attr *a)
{
	a->qp_state = chance(90) ? rnd(7) : rnd(12);
	a->cur_qp_state = rnd(8);
	a->path_mtu = chance(80) ? 1 + rnd(5) : rnd(9);
	a->path_mig_state = rnd(4);
	a->qkey = chance(70) ? 0x11111111 : chance(50) ? 0x80010000 :
		  (uint32_t)rnd64();
	a->rq_psn = chance(70) ? rnd(1 << 24) : rnd_edge32();
	a->sq_psn = chance(70) ? rnd(1 << 24) : rnd_edge32();
	a->dest_qp_num = peer_qpn();
	a->qp_access_flags = pick_access();
	a->cap.max_send_wr = rnd_edge32();
	a->cap.max_recv_wr = rnd_edge32();
	a->cap.max_send_sge = rnd(40);
	a->cap.max_recv_sge = rnd(40);
	a->cap.max_inline_data = rnd(1024);
	a->ah_attr.is_global = chance(92);
	pick_dgid(&a->ah_attr.grh.dgid);
	a->ah_attr.grh.sgid_index = pick_sgid_index();
	a->ah_attr.grh.hop_limit = chance(80) ? 64 : rnd(256);
	a->ah_attr.grh.traffic_class = rnd(256);
	a->ah_attr.grh.flow_label = chance(80) ? 0 : (uint32_t)rnd64();
	a->ah_attr.sl = rnd(16);
	a->ah_attr.static_rate = chance(80) ? 0 : rnd(24);
	a->ah_attr.port_num = chance(90) ? 1 : rnd(3);
	a->alt_ah_attr = a->ah_attr;
	a->pkey_index = chance(90) ? 0 : rnd(4);
	a->alt_pkey_index = rnd(4);
	a->en_sqd_async_notify = rnd(2);
	a->sq_draining = rnd(2);
	a->max_rd_atomic = chance(80) ? rnd(17) : rnd(256);
	a->max_dest_rd_atomic = chance(80) ? rnd(17) : rnd(256);
	a->min_rnr_timer = chance(90) ? rnd(32) : rnd(256);
	a->port_num = chance(90) ? 1 : rnd(3);
	a->timeout = chance(80) ? 5 + rnd(10) : rnd(256);
	a->retry_cnt = rnd(8);
	a->rnr_retry = rnd(8);
	a->alt_port_num = rnd(3);
	a->alt_timeout = rnd(32);
	a->rate_limit = 0;
}

/*
 * The attributes the IB spec requires (req) and allows (opt) for a
 * transition, per QP type (0 UD, 1 UC, 2 RC), as ib_modify_qp_is_ok()
 * has them.
 */
struct trans {
	enum ibv_qp_state from, to;
	int req[3], opt[3];
};

#define T_PATH	(IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN)
#define T_RCRTR	(IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER)
#define T_RCRTS	(IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | \
		 IBV_QP_MAX_QP_RD_ATOMIC)
#define T_INIT	(IBV_QP_PKEY_INDEX | IBV_QP_PORT)
#define T_MIG	(IBV_QP_ALT_PATH | IBV_QP_ACCESS_FLAGS | IBV_QP_PATH_MIG_STATE)

static const struct trans transitions[] = {
	{ IBV_QPS_RESET, IBV_QPS_INIT,
	  { T_INIT | IBV_QP_QKEY, T_INIT | IBV_QP_ACCESS_FLAGS,
	    T_INIT | IBV_QP_ACCESS_FLAGS }, {} },
	{ IBV_QPS_INIT, IBV_QPS_INIT, {},
	  { T_INIT | IBV_QP_QKEY, T_INIT | IBV_QP_ACCESS_FLAGS,
	    T_INIT | IBV_QP_ACCESS_FLAGS } },
	{ IBV_QPS_INIT, IBV_QPS_RTR, { 0, T_PATH, T_PATH | T_RCRTR },
	  { IBV_QP_PKEY_INDEX | IBV_QP_QKEY,
	    IBV_QP_ALT_PATH | IBV_QP_ACCESS_FLAGS | IBV_QP_PKEY_INDEX,
	    IBV_QP_ALT_PATH | IBV_QP_ACCESS_FLAGS | IBV_QP_PKEY_INDEX } },
	{ IBV_QPS_RTR, IBV_QPS_RTS,
	  { IBV_QP_SQ_PSN, IBV_QP_SQ_PSN, IBV_QP_SQ_PSN | T_RCRTS },
	  { IBV_QP_CUR_STATE | IBV_QP_QKEY, IBV_QP_CUR_STATE | T_MIG,
	    IBV_QP_CUR_STATE | T_MIG | IBV_QP_MIN_RNR_TIMER } },
	{ IBV_QPS_RTS, IBV_QPS_RTS, {},
	  { IBV_QP_CUR_STATE | IBV_QP_QKEY, IBV_QP_CUR_STATE | T_MIG,
	    IBV_QP_CUR_STATE | T_MIG | IBV_QP_MIN_RNR_TIMER } },
	{ IBV_QPS_RTS, IBV_QPS_SQD, {},
	  { IBV_QP_EN_SQD_ASYNC_NOTIFY, IBV_QP_EN_SQD_ASYNC_NOTIFY,
	    IBV_QP_EN_SQD_ASYNC_NOTIFY } },
	{ IBV_QPS_SQD, IBV_QPS_RTS, {},
	  { IBV_QP_CUR_STATE | IBV_QP_QKEY, IBV_QP_CUR_STATE | T_MIG,
	    IBV_QP_CUR_STATE | T_MIG | IBV_QP_MIN_RNR_TIMER } },
	{ IBV_QPS_SQD, IBV_QPS_SQD, {},
	  { IBV_QP_PKEY_INDEX | IBV_QP_QKEY,
	    IBV_QP_AV | T_MIG | IBV_QP_PKEY_INDEX,
	    IBV_QP_AV | T_MIG | IBV_QP_PKEY_INDEX | T_RCRTS | T_RCRTR } },
	{ IBV_QPS_SQE, IBV_QPS_RTS, {},
	  { IBV_QP_CUR_STATE | IBV_QP_QKEY,
	    IBV_QP_CUR_STATE | IBV_QP_ACCESS_FLAGS, 0 } },
};

/* Values a well-behaved application would pass. */
static void sane_qp_attr(struct ibv_qp_attr *a, int type)
{
	memset(a, 0, sizeof(*a));
	a->path_mtu = 1 + rnd(5);
	a->qkey = 0x11111111;
	a->rq_psn = rnd(1 << 24);
	a->sq_psn = rnd(1 << 24);
	a->dest_qp_num = peer_qpn();
	a->qp_access_flags = IBV_ACCESS_LOCAL_WRITE |
		(chance(70) ? IBV_ACCESS_REMOTE_WRITE : 0) |
		(type == IBV_QPT_RC && chance(70) ? IBV_ACCESS_REMOTE_READ |
		 IBV_ACCESS_REMOTE_ATOMIC : 0);
	a->ah_attr.is_global = 1;
	a->ah_attr.grh.dgid = W.gid;
	a->ah_attr.grh.sgid_index = W.gidx >= 0 ? W.gidx : 1;
	a->ah_attr.grh.hop_limit = 64;
	a->ah_attr.port_num = 1;
	a->alt_ah_attr = a->ah_attr;
	a->alt_port_num = 1;
	a->alt_timeout = 14;
	a->path_mig_state = IBV_MIG_MIGRATED;
	a->en_sqd_async_notify = rnd(2);
	a->max_rd_atomic = rnd(17);
	a->max_dest_rd_atomic = rnd(17);
	a->min_rnr_timer = rnd(32);
	a->port_num = 1;
	a->timeout = 6 + rnd(9);
	a->retry_cnt = rnd(8);
	a->rnr_retry = rnd(8);
}

/*
 * A transition the spec allows from the state libibverbs last saw, with
 * its required and some optional attributes, sometimes with one thing
 * wrong (a missing or extra attribute, one bad value).
 */
static int modify_shaped(int i, char *what, size_t len)
{
	struct ibv_qp *qp = W.qp[i].qp;
	int t = qp->qp_type == IBV_QPT_UD ? 0 : qp->qp_type == IBV_QPT_UC ?
		1 : 2, c[16], n = 0, mask, bits;
	const struct trans *tr_;
	struct ibv_qp_attr a;
	unsigned int k;
	const char *mut = "";

	for (k = 0; k < sizeof(transitions) / sizeof(transitions[0]); k++)
		if (transitions[k].from == qp->state)
			c[n++] = k;
	sane_qp_attr(&a, qp->qp_type);
	if (!n || chance(15)) {
		/* To RESET or ERR: allowed from everywhere. */
		a.qp_state = chance(50) ? IBV_QPS_ERR : IBV_QPS_RESET;
		mask = IBV_QP_STATE;
	} else {
		tr_ = &transitions[c[rnd(n)]];
		a.qp_state = tr_->to;
		a.cur_qp_state = tr_->from;
		mask = IBV_QP_STATE | tr_->req[t];
		bits = tr_->opt[t];
		for (k = 0; k < 21; k++)
			if ((bits & (1 << k)) && chance(40))
				mask |= 1 << k;
	}
	if (chance(25)) {
		switch (rnd(8)) {
		case 0:
			mask &= ~(1 << rnd(21));
			mut = " -bit";
			break;
		case 1:
			mask |= 1 << rnd(21);
			mut = " +bit";
			break;
		case 2:
			a.path_mtu = chance(50) ? 0 : 6 + rnd(3);
			mut = " bad mtu";
			break;
		case 3:
			a.ah_attr.grh.sgid_index = pick_sgid_index();
			pick_dgid(&a.ah_attr.grh.dgid);
			mut = " other av";
			break;
		case 4:
			a.max_rd_atomic = 17 + rnd(239);
			a.max_dest_rd_atomic = 17 + rnd(239);
			mut = " rd_atomic";
			break;
		case 5:
			a.pkey_index = 1 + rnd(4);
			a.port_num = chance(50) ? 0 : 2;
			mut = " port/pkey";
			break;
		case 6:
			a.qp_access_flags = pick_access();
			mut = " access";
			break;
		default:
			a.cur_qp_state = rnd(8);
			mask |= IBV_QP_CUR_STATE;
			mut = " cur_state";
			break;
		}
	}
	snprintf(what, len, "shaped %d->%d mask %#x%s", qp->state, a.qp_state,
		 mask, mut);
	tr("modify_qp qp%d qpn %#x %s%s", i, qp->qp_num, what,
	   W.qp[i].tainted ? " tainted" : "");
	return ibv_modify_qp(qp, &a, mask);
}

static int op_modify_qp(void)
{
	static const int bits[] = {
		IBV_QP_STATE, IBV_QP_CUR_STATE, IBV_QP_EN_SQD_ASYNC_NOTIFY,
		IBV_QP_ACCESS_FLAGS, IBV_QP_PKEY_INDEX, IBV_QP_PORT,
		IBV_QP_QKEY, IBV_QP_AV, IBV_QP_PATH_MTU, IBV_QP_TIMEOUT,
		IBV_QP_RETRY_CNT, IBV_QP_RNR_RETRY, IBV_QP_RQ_PSN,
		IBV_QP_MAX_QP_RD_ATOMIC, IBV_QP_ALT_PATH,
		IBV_QP_MIN_RNR_TIMER, IBV_QP_SQ_PSN,
		IBV_QP_MAX_DEST_RD_ATOMIC, IBV_QP_PATH_MIG_STATE,
		IBV_QP_CAP, IBV_QP_DEST_QPN,
	};
	int i = pick_qp(false), mask = 0, rc;
	struct ibv_qp_attr a = {};
	unsigned int k;

	if (i >= 0 && W.qp[i].clean && chance(75))
		i = PICK_IF(N_QP, W.qp[i].qp && !W.qp[i].clean);
	if (i < 0)
		return SKIP;
	if (chance(70)) {
		char what[64];

		return modify_shaped(i, what, sizeof(what));
	}
	random_qp_attr(&a);
	if (chance(85))
		mask |= IBV_QP_STATE;
	for (k = 1; k < sizeof(bits) / sizeof(bits[0]); k++)
		if (chance(25))
			mask |= bits[k];
	if (chance(2))
		mask |= 1 << (21 + rnd(10));
	tr("modify_qp qp%d qpn %#x from %d to %d mask %#x dest %#x mtu %d%s", i,
	   W.qp[i].qp->qp_num, W.qp[i].qp->state, a.qp_state, mask,
	   a.dest_qp_num, a.path_mtu, W.qp[i].tainted ? " tainted" : "");
	rc = ibv_modify_qp(W.qp[i].qp, &a, mask);
	if (!rc && (mask & IBV_QP_QKEY))
		W.qp[i].qkey = a.qkey;
	return rc;
}

/* The usual RESET->INIT->RTR->RTS path of @q towards @peer, varied. */
static int bring_up(int q, uint32_t dqpn)
{
	struct ibv_qp *qp = W.qp[q].qp;
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_RESET };
	int type = qp->qp_type, rc, mask;

	if (chance(90)) {
		rc = ibv_modify_qp(qp, &a, IBV_QP_STATE);
		if (rc)
			return rc;
	}
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.pkey_index = 0;
	a.port_num = 1;
	mask = IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT;
	if (type == IBV_QPT_UD) {
		a.qkey = chance(90) ? 0x11111111 : (uint32_t)rnd64();
		mask |= IBV_QP_QKEY;
	} else {
		a.qp_access_flags = chance(80) ?
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			(type == IBV_QPT_RC ? IBV_ACCESS_REMOTE_READ |
			 IBV_ACCESS_REMOTE_ATOMIC : 0) : pick_access();
		mask |= IBV_QP_ACCESS_FLAGS;
	}
	rc = ibv_modify_qp(qp, &a, mask);
	if (rc)
		return rc;
	if (type == IBV_QPT_UD)
		W.qp[q].qkey = a.qkey;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	mask = IBV_QP_STATE;
	if (type != IBV_QPT_UD) {
		a.path_mtu = chance(90) ? 1 + rnd(5) : rnd(8);
		a.dest_qp_num = dqpn;
		a.rq_psn = chance(70) ? rnd(1 << 24) : 0xfffff0 + rnd(16);
		a.ah_attr.is_global = 1;
		a.ah_attr.grh.dgid = W.gid;
		a.ah_attr.grh.sgid_index = W.gidx;
		a.ah_attr.grh.hop_limit = 64;
		a.ah_attr.port_num = 1;
		mask |= IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			IBV_QP_RQ_PSN;
		if (type == IBV_QPT_RC) {
			a.max_dest_rd_atomic = chance(90) ? rnd(17) : 255;
			a.min_rnr_timer = rnd(32);
			mask |= IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER;
		}
	}
	rc = ibv_modify_qp(qp, &a, mask);
	if (rc)
		return rc;
	if (chance(5))
		return 0;	/* stay in RTR */
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = chance(70) ? rnd(1 << 24) : 0xfffff0 + rnd(16);
	mask = IBV_QP_STATE | IBV_QP_SQ_PSN;
	if (type == IBV_QPT_RC) {
		a.timeout = chance(90) ? 6 + rnd(9) : rnd(32);
		a.retry_cnt = rnd(8);
		a.rnr_retry = rnd(8);
		a.max_rd_atomic = chance(90) ? rnd(17) : 255;
		mask |= IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			IBV_QP_MAX_QP_RD_ATOMIC;
	}
	return ibv_modify_qp(qp, &a, mask);
}

static int op_connect(void)
{
	int a = pick_qp(false), b, rc, k, t;

	if (chance(75)) {	/* mostly QPs that are not up (any more) */
		k = PICK_IF(N_QP, W.qp[i].qp &&
			    W.qp[i].qp->state != IBV_QPS_RTS);
		if (k >= 0)
			a = k;
	}
	if (a < 0 || W.gidx < 0)
		return SKIP;
	t = W.qp[a].qp->qp_type;
	if (t != IBV_QPT_RC && t != IBV_QPT_UC && t != IBV_QPT_UD)
		return SKIP;
	b = PICK_IF(N_QP, W.qp[i].qp && W.qp[i].qp->qp_type == (unsigned)t &&
		    (W.qp[i].clean == W.qp[a].clean || chance(20)));
	if (b < 0)
		b = a;
	if (chance(10))
		b = a;	/* to itself */
	tr("connect qp%d qpn %#x <-> qp%d qpn %#x type %d", a,
	   W.qp[a].qp->qp_num, b, W.qp[b].qp->qp_num, t);
	rc = bring_up(a, W.qp[b].qp->qp_num);
	if (b != a) {
		k = bring_up(b, W.qp[a].qp->qp_num);
		rc = rc ? rc : k;
	}
	W.qp[a].peer = b;
	W.qp[b].peer = a;
	return rc;
}

static int op_query_qp(void)
{
	int i = pick_qp(false);
	struct ibv_qp_attr a;
	struct ibv_qp_init_attr init;
	int mask = chance(80) ? (1 << 21) - 1 : (int)rnd_edge32();

	if (i < 0)
		return SKIP;
	tr("query_qp qp%d mask %#x", i, mask);
	return ibv_query_qp(W.qp[i].qp, &a, mask, &init);
}

static enum ibv_wr_opcode pick_opcode(bool bind_ok)
{
	uint32_t r = rnd(100);

	if (r < 25)
		return IBV_WR_SEND;
	if (r < 35)
		return IBV_WR_SEND_WITH_IMM;
	if (r < 50)
		return IBV_WR_RDMA_WRITE;
	if (r < 57)
		return IBV_WR_RDMA_WRITE_WITH_IMM;
	if (r < 69)
		return IBV_WR_RDMA_READ;
	if (r < 75)
		return IBV_WR_ATOMIC_CMP_AND_SWP;
	if (r < 81)
		return IBV_WR_ATOMIC_FETCH_AND_ADD;
	if (r < 86)
		return IBV_WR_LOCAL_INV;
	if (r < 91)
		return IBV_WR_SEND_WITH_INV;
	if (r < 95 && bind_ok)
		return IBV_WR_BIND_MW;
	if (r < 97)
		return IBV_WR_TSO;
	/* Unknown to librxe: passed through to the ring as is. */
	r = chance(50) ? 11 + rnd(20) : rnd_edge32();
	return r == IBV_WR_BIND_MW ? IBV_WR_SEND : (enum ibv_wr_opcode)r;
}

/*
 * Which of a QP's two rings is the SQ (or RQ): the one whose producer
 * index moved when librxe posted to it.
 */
static void learn_ring(struct o_qp *q, const uint32_t *p0, bool send)
{
	int k, moved = -1, n = 0;

	if ((send ? q->sq : q->rq) >= 0 || q->nring != 2)
		return;
	for (k = 0; k < 2; k++)
		if (hdr_of(&q->ring[k])[RING_PROD] != p0[k]) {
			moved = k;
			n++;
		}
	if (n != 1)
		return;
	if (send) {
		q->sq = moved;
		q->rq = !moved;
	} else {
		q->rq = moved;
		q->sq = !moved;
	}
}

/*
 * A WR a correct application could post on QP @qi (towards its peer's
 * MRs): false if the objects for one are missing.
 */
static bool good_send_wr(int qi, struct ibv_send_wr *x, struct ibv_sge *sg)
{
	struct o_qp *q = &W.qp[qi];
	int type = q->qp->qp_type, peer = q->peer, pd = q->pd, rpd, m, k, ns;
	uint32_t r = rnd(100), need = 0, rneed = 0, maxlen = 4096, total = 0;

	if (peer < 0 || !W.qp[peer].qp)
		return false;
	rpd = W.qp[peer].pd;
	if (type == IBV_QPT_UD) {
		k = PICK_IF(N_AH, W.ah[i].ah && W.ah[i].own);
		if (k < 0)
			return false;
		x->opcode = r < 70 ? IBV_WR_SEND : IBV_WR_SEND_WITH_IMM;
		x->wr.ud.ah = W.ah[k].ah;
		x->wr.ud.remote_qpn = W.qp[peer].qp->qp_num;
		x->wr.ud.remote_qkey = W.qp[peer].qkey;
		maxlen = 1024;
	} else if (type == IBV_QPT_UC || r < 40) {
		x->opcode = r % 4 == 0 ? IBV_WR_SEND : r % 4 == 1 ?
			    IBV_WR_SEND_WITH_IMM : r % 4 == 2 ?
			    IBV_WR_RDMA_WRITE : IBV_WR_RDMA_WRITE_WITH_IMM;
		if (x->opcode == IBV_WR_RDMA_WRITE ||
		    x->opcode == IBV_WR_RDMA_WRITE_WITH_IMM)
			rneed = IBV_ACCESS_REMOTE_WRITE;
	} else if (r < 80) {
		x->opcode = IBV_WR_RDMA_READ;
		need = IBV_ACCESS_LOCAL_WRITE;
		rneed = IBV_ACCESS_REMOTE_READ;
	} else {
		x->opcode = r < 90 ? IBV_WR_ATOMIC_CMP_AND_SWP :
			    IBV_WR_ATOMIC_FETCH_AND_ADD;
		need = IBV_ACCESS_LOCAL_WRITE;
		rneed = IBV_ACCESS_REMOTE_ATOMIC;
	}
	if (x->opcode == IBV_WR_ATOMIC_CMP_AND_SWP ||
	    x->opcode == IBV_WR_ATOMIC_FETCH_AND_ADD) {
		if (!good_sge(pd, need, 8, sg))
			return false;
		sg->length = 8;
		sg->addr &= ~7ull;
		if ((m = pick_mr_in(rpd, rneed)) < 0)
			return false;
		x->wr.atomic.rkey = W.mr[m].mr->rkey;
		x->wr.atomic.remote_addr = (W.mr[m].addr +
			rnd64() % (W.mr[m].len - 8)) & ~7ull;
		if (x->wr.atomic.remote_addr < W.mr[m].addr)
			x->wr.atomic.remote_addr += 8;
		x->wr.atomic.compare_add = rnd(4);
		x->wr.atomic.swap = rnd64();
		x->num_sge = 1;
		return true;
	}
	ns = q->cap.max_send_sge ? 1 + rnd(q->cap.max_send_sge < 4 ?
					  q->cap.max_send_sge : 4) : 0;
	for (k = 0; k < ns; k++) {
		if (!good_sge(pd, need, maxlen / ns, &sg[k]))
			return false;
		total += sg[k].length;
	}
	x->num_sge = ns;
	/* librxe copies inline data from the addresses: real pointers only. */
	for (k = 0; k < ns; k++)
		if (sg[k].addr < (uintptr_t)W.arena ||
		    sg[k].addr + sg[k].length > (uintptr_t)W.arena + ARENA_LEN)
			break;
	if (k == ns && !need && total <= q->cap.max_inline_data && chance(25))
		x->send_flags |= IBV_SEND_INLINE;
	if (rneed) {
		if ((m = pick_mr_in(rpd, rneed)) < 0)
			return false;
		x->wr.rdma.rkey = W.mr[m].mr->rkey;
		if (total > W.mr[m].len)
			total = W.mr[m].len;
		x->wr.rdma.remote_addr = W.mr[m].addr +
			rnd64() % (W.mr[m].len - total + 1);
	}
	return true;
}

static int op_post_send(void)
{
	struct ibv_sge sges[MAX_SGE_ARR];
	struct ibv_send_wr wr[4], *bad;
	int i = pick_qp(true), nwr = 1 + rnd(4), k, j, rc, m, w, ah = -1;
	uint32_t p0[2] = {}, max_sge, prod, sq_prod = 0;
	struct o_qp *q;
	bool ud, inl, good;

	if (chance(85)) {	/* mostly where sends can go */
		k = PICK_IF(N_QP, W.qp[i].qp && !W.qp[i].tainted &&
			    W.qp[i].qp->state == IBV_QPS_RTS);
		if (k >= 0)
			i = k;
	}
	if (i < 0)
		return SKIP;
	q = &W.qp[i];
	ud = q->qp->qp_type == IBV_QPT_UD;
	if (ud && (ah = pick_ah()) < 0)
		return SKIP;	/* librxe dereferences the AH of every UD WR */
	max_sge = q->cap.max_send_sge;
	memset(wr, 0, sizeof(wr));
	good = chance(q->clean ? 97 : 40);
	for (k = 0; k < nwr; k++) {
		struct ibv_send_wr *x = &wr[k];
		int ns;

		x->next = k + 1 < nwr ? &wr[k + 1] : NULL;
		x->sg_list = &sges[k * (MAX_SGE_ARR / 4)];
		if (good) {
			x->wr_id = k;
			x->send_flags = chance(90) ? IBV_SEND_SIGNALED : 0;
			x->imm_data = (uint32_t)rnd64();
			if (good_send_wr(i, x, x->sg_list))
				continue;
			memset(x, 0, sizeof(*x));
			x->next = k + 1 < nwr ? &wr[k + 1] : NULL;
			x->sg_list = &sges[k * (MAX_SGE_ARR / 4)];
		}

		m = pick_mr();
		w = pick_mw();
		x->wr_id = rnd64();
		x->opcode = pick_opcode(!ud && m >= 0 && w >= 0);
		x->send_flags = (chance(70) ? IBV_SEND_SIGNALED : 0) |
				(chance(10) ? IBV_SEND_SOLICITED : 0) |
				(chance(10) ? IBV_SEND_FENCE : 0) |
				(chance(2) ? IBV_SEND_IP_CSUM : 0) |
				(chance(1) ? (1u << (4 + rnd(28))) : 0);
		inl = chance(15) && x->opcode != IBV_WR_BIND_MW;
		if (inl)
			x->send_flags |= IBV_SEND_INLINE;
		x->imm_data = chance(50) ? pick_key(true) : (uint32_t)rnd64();
		ns = pick_sge_count(max_sge);
		if (ns > MAX_SGE_ARR / 4)
			ns = chance(50) ? MAX_SGE_ARR / 4 : 1;
		if (inl && ns > 4)
			ns = 4;
		for (j = 0; j < ns; j++)
			pick_sge(&sges[k * (MAX_SGE_ARR / 4) + j], inl);
		x->sg_list = &sges[k * (MAX_SGE_ARR / 4)];
		x->num_sge = ns;
		x->next = k + 1 < nwr ? &wr[k + 1] : NULL;
		if (ud) {
			/* The union holds the AH pointer: nothing else. */
			x->wr.ud.ah = W.ah[chance(70) ? ah : pick_ah()].ah;
			x->wr.ud.remote_qpn = peer_qpn();
			x->wr.ud.remote_qkey = chance(80) ? 0x11111111 :
					       (uint32_t)rnd64();
			continue;
		}
		switch (x->opcode) {
		case IBV_WR_ATOMIC_CMP_AND_SWP:
		case IBV_WR_ATOMIC_FETCH_AND_ADD: {
			uint32_t len;

			x->wr.atomic.rkey = pick_key(true);
			pick_range(x->wr.atomic.rkey, &x->wr.atomic.remote_addr,
				   &len, true);
			if (chance(80))
				x->wr.atomic.remote_addr &= ~7ull;
			x->wr.atomic.compare_add = rnd64();
			x->wr.atomic.swap = rnd64();
			if (chance(80) && ns && !inl)
				sges[k * (MAX_SGE_ARR / 4)].length = 8;
			break;
		}
		case IBV_WR_BIND_MW:
			x->num_sge = 0;
			x->imm_data = 0;
			x->bind_mw.mw = W.mw[w].mw;
			x->bind_mw.rkey = ibv_inc_rkey(W.mw[w].mw->rkey);
			pick_bind(&x->bind_mw.bind_info, m);
			break;
		default: {
			uint32_t len;

			x->wr.rdma.rkey = pick_key(true);
			pick_range(x->wr.rdma.rkey, &x->wr.rdma.remote_addr,
				   &len, true);
			break;
		}
		}
	}
	tr("post_send%s qp%d qpn %#x type %d state %d: %d WRs op0 %d flags %#x sge %d len %u lkey %#x",
	   good ? " (well-formed)" : "", i, q->qp->qp_num, q->qp->qp_type,
	   q->qp->state, nwr, wr[0].opcode,
	   wr[0].send_flags, wr[0].num_sge,
	   wr[0].num_sge ? wr[0].sg_list[0].length : 0,
	   wr[0].num_sge ? wr[0].sg_list[0].lkey : 0);
	for (k = 0; k < q->nring; k++)
		p0[k] = hdr_of(&q->ring[k])[RING_PROD];
	if (q->sq >= 0)
		sq_prod = p0[q->sq];
	rc = ibv_post_send(q->qp, wr, &bad);
	learn_ring(q, p0, true);
	if (q->sq >= 0 && !W.child && chance(10)) {
		/* Garbage in the WQEs just posted, then the doorbell again. */
		prod = hdr_of(&q->ring[q->sq])[RING_PROD];
		for (k = 0; sq_prod + k != prod && k < 8; k++)
			scribble_entry(&q->ring[q->sq], sq_prod + k, 1);
		ATOMIC_INC(SH->scribbles);
		tr("scribble qp%d posted send WQEs %u..%u, doorbell", i,
		   sq_prod, prod);
		doorbell(q->qp);
	}
	return rc;
}

static int op_post_recv(void)
{
	struct ibv_sge sges[MAX_SGE_ARR];
	struct ibv_recv_wr wr[4], *bad;
	int i = PICK_IF(N_QP, W.qp[i].qp && !W.qp[i].tainted &&
			W.qp[i].srq < 0), nwr = 1 + rnd(4), rc, k;
	uint32_t p0[2] = {}, prod, rq_prod = 0;
	struct o_qp *q;

	if (chance(85)) {
		k = PICK_IF(N_QP, W.qp[i].qp && !W.qp[i].tainted &&
			    W.qp[i].srq < 0 &&
			    W.qp[i].qp->state != IBV_QPS_RESET);
		if (k >= 0)
			i = k;
	}
	if (i < 0)
		return SKIP;
	q = &W.qp[i];
	fill_recv(wr, sges, nwr, q->cap.max_recv_sge, q->pd, q->clean);
	tr("post_recv qp%d qpn %#x state %d: %d WRs sge %d lkey %#x len %u", i,
	   q->qp->qp_num, q->qp->state, nwr, wr[0].num_sge,
	   wr[0].num_sge ? sges[0].lkey : 0,
	   wr[0].num_sge ? sges[0].length : 0);
	for (k = 0; k < q->nring; k++)
		p0[k] = hdr_of(&q->ring[k])[RING_PROD];
	if (q->rq >= 0)
		rq_prod = p0[q->rq];
	rc = ibv_post_recv(q->qp, wr, &bad);
	learn_ring(q, p0, false);
	if (q->rq >= 0 && !W.child && chance(10)) {
		prod = hdr_of(&q->ring[q->rq])[RING_PROD];
		for (k = 0; rq_prod + k != prod && k < 8; k++)
			scribble_entry(&q->ring[q->rq], rq_prod + k, 2);
		ATOMIC_INC(SH->scribbles);
		tr("scribble qp%d posted recv WQEs %u..%u", i, rq_prod, prod);
	}
	return rc;
}

/* A handle of some object of this context, maybe of the wrong type. */
static uint32_t any_handle(void)
{
	int k;

	switch (rnd(6)) {
	case 0:
		if ((k = pick_pd()) >= 0)
			return W.pd[k].pd->handle;
		break;
	case 1:
		if ((k = pick_cq(false)) >= 0)
			return W.cq[k].cq->handle;
		break;
	case 2:
		if ((k = pick_srq(false)) >= 0)
			return W.srq[k].srq->handle;
		break;
	case 3:
		if ((k = pick_qp(false)) >= 0)
			return W.qp[k].qp->handle;
		break;
	case 4:
		if ((k = pick_mr()) >= 0)
			return W.mr[k].mr->handle;
		break;
	}
	return chance(50) ? rnd(64) : rnd_edge32();
}

static int op_raw_cmd(void)
{
	int q = pick_qp(false), s = pick_srq(false);
	uint32_t h, r = rnd(100), nwr, nsge;

	h = q >= 0 && chance(75) ? W.qp[q].qp->handle : any_handle();
	if (r < 55) {
		tr("raw doorbell handle %u", h);
		return raw_post_send(h, 0, 0, sizeof(struct ib_uverbs_send_wr));
	}
	if (r < 75) {
		nwr = rnd(3);
		nsge = rnd(5);
		r = chance(85) ? sizeof(struct ib_uverbs_send_wr) : rnd(200);
		tr("raw post_send handle %u wr %u sge %u wqe_size %u", h, nwr,
		   nsge, r);
		return raw_post_send(h, nwr, nsge, r);
	}
	if (r < 88) {
		nwr = 1 + rnd(3);
		nsge = rnd(6);
		tr("raw post_recv handle %u wr %u sge %u", h, nwr, nsge);
		return raw_post_recv(false, h, nwr, nsge);
	}
	if (s >= 0 && chance(80))
		h = W.srq[s].srq->handle;
	nwr = 1 + rnd(3);
	nsge = rnd(6);
	tr("raw post_srq_recv handle %u wr %u sge %u", h, nwr, nsge);
	return raw_post_recv(true, h, nwr, nsge);
}

static int neg(int rc)
{
	return rc < 0 ? -rc : 0;
}

static int op_gov_qp(void)
{
	int i = pick_qp(false);
	struct srx_gov_qp_info info;
	struct ibv_qp *qp;
	uint32_t v;

	if (i < 0)
		return SKIP;
	qp = W.qp[i].qp;
	switch (rnd(4)) {
	case 0:
		v = pick_limit();
		tr("srx_qp_set_limit qp%d qpn %#x %u", i, qp->qp_num, v);
		return neg(srx_qp_set_limit(qp, v));
	case 1:
		v = chance(85) ? rnd(3) : rnd_edge32();
		tr("srx_qp_set_policy qp%d qpn %#x %u", i, qp->qp_num, v);
		return neg(srx_qp_set_policy(qp, v));
	case 2:
		v = chance(30) ? 0 : chance(85) ? 1 + rnd(6) : rnd_edge32();
		tr("srx_qp_set_group qp%d qpn %#x %u", i, qp->qp_num, v);
		return neg(srx_qp_set_group(qp, v));
	default:
		tr("srx_qp_query qp%d qpn %#x", i, qp->qp_num);
		return neg(srx_qp_query(qp, &info));
	}
}

static int srq_gov(struct ibv_srq *srq, int i)
{
	struct srx_gov_qp_info offs[65];
	struct srx_gov_srq_info info;
	uint32_t a, b, c, d;
	int rc;

	switch (rnd(7)) {
	case 0:
		a = chance(90) ? rnd(2) : rnd_edge32();
		b = chance(70) ? rnd(301) : rnd_edge32();
		c = chance(70) ? rnd(8) : rnd_edge32();
		d = chance(30) ? SRXCTL_UNLIMITED : chance(70) ? rnd(64) :
		    rnd_edge32();
		tr("srx_srq_set_mode srq%d %u oc %u floor %u ceil %u", i, a, b,
		   c, d);
		return neg(srx_srq_set_mode(srq, a, b, c, d));
	case 1:
		a = chance(90) ? rnd(3) : rnd_edge32();
		tr("srx_srq_set_credit srq%d %u", i, a);
		return neg(srx_srq_set_credit(srq, a));
	case 2:
		tr("srx_srq_query srq%d", i);
		return neg(srx_srq_query(srq, &info));
	case 3:
		a = rnd(4);
		b = chance(80) ? rnd(65) : 0;
		tr("srx_srq_offenders srq%d flags %u max %u", i, a, b);
		rc = srx_srq_offenders(srq, a, offs, b);
		if (rc > (int)b)
			anomaly("srx_srq_offenders wrote %d entries for max %u",
				rc, b);
		return neg(rc);
	case 4:
	case 5:
		a = chance(10) ? 0 : chance(85) ? 1 + rnd(6) : rnd_edge32();
		b = pick_limit();
		tr("srx_srq_set_group srq%d group %u limit %u", i, a, b);
		return neg(srx_srq_set_group(srq, a, b));
	default:
		a = chance(10) ? 0 : chance(85) ? 1 + rnd(6) : rnd_edge32();
		tr("srx_srq_remove_group srq%d group %u", i, a);
		return neg(srx_srq_remove_group(srq, a));
	}
}

static int op_gov_srq(void)
{
	int i = pick_srq(false);

	if (i < 0)
		return SKIP;
	return srq_gov(W.srq[i].srq, i);
}

/* The governance methods on handles of other objects, or of none. */
static int op_gov_badhandle(void)
{
	struct ibv_qp fake_qp = { .context = W.ctx };
	struct ibv_srq fake_srq = { .context = W.ctx };
	struct srx_gov_qp_info info;

	if (W.ctx2 && chance(40))
		fake_qp.context = fake_srq.context = W.ctx2;
	fake_qp.handle = any_handle();
	fake_srq.handle = any_handle();
	if (chance(50)) {
		tr("gov on QP handle %u (context %d)", fake_qp.handle,
		   fake_qp.context == W.ctx2 ? 2 : 1);
		if (chance(50))
			return neg(srx_qp_query(&fake_qp, &info));
		return neg(srx_qp_set_limit(&fake_qp, pick_limit()));
	}
	return srq_gov(&fake_srq, -(int)fake_srq.handle);
}

static int op_scribble(void)
{
	char what[96] = "";
	int kind = rnd(3), i, r = 0, layout;
	struct ring *ring = NULL;
	bool *flag = NULL;

	if (W.child)
		return SKIP;
	if (kind == 0) {
		i = PICK_IF(N_CQ, W.cq[i].cq && W.cq[i].nring);
		if (i < 0)
			return SKIP;
		ring = &W.cq[i].ring;
		flag = &W.cq[i].tainted;
		snprintf(what, sizeof(what), "cq%d", i);
	} else if (kind == 1) {
		i = PICK_IF(N_SRQ, W.srq[i].srq && W.srq[i].nring);
		if (i < 0)
			return SKIP;
		ring = &W.srq[i].ring;
		flag = &W.srq[i].tainted;
		snprintf(what, sizeof(what), "srq%d", i);
	} else {
		i = PICK_IF(N_QP, W.qp[i].qp && W.qp[i].nring);
		if (i < 0)
			return SKIP;
		r = rnd(W.qp[i].nring);
		ring = &W.qp[i].ring[r];
		flag = &W.qp[i].tainted;
		snprintf(what, sizeof(what), "qp%d qpn %#x %s", i,
			 W.qp[i].qp->qp_num, r == W.qp[i].sq ? "sq" :
			 r == W.qp[i].rq ? "rq" : "ring");
	}
	if (!ring_sane(ring))
		return SKIP;	/* its header is garbage already */
	ATOMIC_INC(SH->scribbles);
	if (chance(65)) {
		uint32_t idx = (uint32_t)rnd64(), n = 1 + rnd(4);

		/* Entry bytes only: librxe may go on using the ring. */
		layout = kind == 1 ? 2 : kind == 0 ? 0 : r == W.qp[i].sq ? 1 :
			 r == W.qp[i].rq ? 2 : 0;
		tr("scribble %s entries from %u (%u)", what, idx, n);
		while (n--)
			scribble_entry(ring, idx++, layout);
		return 0;
	}
	{
		char how[64];

		scribble_indices(ring, how, sizeof(how));
		taint(flag);
		tr("scribble %s indices: %s", what, how);
	}
	/* Make the kernel look at it now, sometimes. */
	if (chance(50)) {
		if (kind == 0) {
			tr("after scribble: req_notify cq%d", i);
			ibv_req_notify_cq(W.cq[i].cq, 0);
		} else if (kind == 2) {
			struct ibv_qp_attr a = { .qp_state = IBV_QPS_ERR };

			if (chance(50)) {
				tr("after scribble: doorbell qp%d", i);
				doorbell(W.qp[i].qp);
			} else {
				tr("after scribble: qp%d to ERR", i);
				ibv_modify_qp(W.qp[i].qp, &a, IBV_QP_STATE);
			}
		}
	}
	return 0;
}

/* ---- context life ---- */

static void find_gid(void)
{
	struct ibv_gid_entry e;
	int i;

	W.gidx = -1;
	for (i = 0; i < W.gid_tbl_len && i < 32; i++) {
		if (ibv_query_gid_ex(W.ctx, 1, i, &e, 0))
			continue;
		if (e.gid_type == IBV_GID_TYPE_ROCE_V2 && gid_is_v4(&e.gid)) {
			W.gidx = i;
			memcpy(&W.gid, &e.gid, sizeof(W.gid));
			return;
		}
	}
}

static void clear_pool(void)
{
	memset(W.pd, 0, sizeof(W.pd));
	memset(W.cq, 0, sizeof(W.cq));
	memset(W.srq, 0, sizeof(W.srq));
	memset(W.qp, 0, sizeof(W.qp));
	memset(W.mr, 0, sizeof(W.mr));
	memset(W.mw, 0, sizeof(W.mw));
	memset(W.ah, 0, sizeof(W.ah));
	W.used = 0;
	W.nstale = 0;
	W.chan = NULL;
	W.ctx = NULL;
	W.ctx2 = NULL;
	W.pd2 = NULL;
	W.cq2 = NULL;
}

static int w_open(void)
{
	struct ibv_port_attr pa;

	W.ctx = open_dev(dev_name);
	if (!W.ctx)
		return -1;
	if (ibv_query_device(W.ctx, &W.da) || ibv_query_port(W.ctx, 1, &pa)) {
		ibv_close_device(W.ctx);
		W.ctx = NULL;
		return -1;
	}
	W.gid_tbl_len = pa.gid_tbl_len;
	find_gid();
	W.gid_time = tl_now();
	fcntl(W.ctx->async_fd, F_SETFL,
	      fcntl(W.ctx->async_fd, F_GETFL) | O_NONBLOCK);
	W.chan = ibv_create_comp_channel(W.ctx);
	if (W.chan)
		fcntl(W.chan->fd, F_SETFL, fcntl(W.chan->fd, F_GETFL) | O_NONBLOCK);
	if (chance(50)) {
		/* Handles of one context mean other objects (or none) in it. */
		W.ctx2 = open_dev(dev_name);
		W.pd2 = W.ctx2 ? ibv_alloc_pd(W.ctx2) : NULL;
		W.cq2 = W.pd2 ? ibv_create_cq(W.ctx2, 4, NULL, NULL, 0) : NULL;
	}
	return 0;
}

static void kill_children(void)
{
	unsigned int k;

	for (k = 0; k < W.nchildren; k++) {
		kill(W.children[k], SIGKILL);
		waitpid(W.children[k], NULL, 0);
	}
	W.nchildren = 0;
}

static void reap_children(void)
{
	unsigned int k = 0;
	int st;

	while (k < W.nchildren) {
		if (waitpid(W.children[k], &st, WNOHANG) == W.children[k]) {
			if (WIFSIGNALED(st) && (WTERMSIG(st) == SIGSEGV ||
						WTERMSIG(st) == SIGBUS))
				ATOMIC_INC(SH->fork_segv);
			W.children[k] = W.children[--W.nchildren];
			continue;
		}
		k++;
	}
}

static void close_ctx2(bool destroy)
{
	if (!W.ctx2)
		return;
	/* Its ring mapping would keep the context alive till exit. */
	if (W.cq2)
		ibv_destroy_cq(W.cq2);
	if (destroy && W.pd2)
		ibv_dealloc_pd(W.pd2);
	ibv_close_device(W.ctx2);	/* the kernel cleans up the rest */
	W.ctx2 = NULL;
}

/* Destroy everything: dependents first, or in a random order. */
static void destroy_all(bool random_order)
{
	static int (*const destroy[])(void) = {
		op_destroy_qp, op_dealloc_mw, op_destroy_ah, op_dereg_mr,
		op_destroy_srq, op_destroy_cq, op_dealloc_pd,
	};
	int i, tries;

	/* Whatever is in use stays (EBUSY) and is tried again later. */
	for (tries = 0; random_order && tries < 300; tries++)
		destroy[rnd(sizeof(destroy) / sizeof(destroy[0]))]();
	for (i = 0; i < N_QP; i++)
		if (W.qp[i].qp)
			ibv_destroy_qp(W.qp[i].qp);
	for (i = 0; i < N_MW; i++)
		if (W.mw[i].mw)
			ibv_dealloc_mw(W.mw[i].mw);
	for (i = 0; i < N_AH; i++)
		if (W.ah[i].ah)
			ibv_destroy_ah(W.ah[i].ah);
	for (i = 0; i < N_MR; i++)
		if (W.mr[i].mr)
			ibv_dereg_mr(W.mr[i].mr);
	for (i = 0; i < N_SRQ; i++)
		if (W.srq[i].srq)
			ibv_destroy_srq(W.srq[i].srq);
	for (i = 0; i < N_CQ; i++)
		if (W.cq[i].cq)
			ibv_destroy_cq(W.cq[i].cq);
	for (i = 0; i < N_PD; i++)
		if (W.pd[i].pd)
			ibv_dealloc_pd(W.pd[i].pd);
	if (W.chan)
		ibv_destroy_comp_channel(W.chan);
	ibv_close_device(W.ctx);
	close_ctx2(chance(50));
	clear_pool();
	publish_qpns();
}

/* Close the context with everything alive and drop the ring mappings. */
static void abandon(void)
{
	struct mapset m;
	int i;

	if (W.chan)
		close(W.chan->fd);	/* it holds the context file too */
	ibv_close_device(W.ctx);
	close_ctx2(false);
	maps_read(&m);
	for (i = 0; i < m.n; i++)
		munmap((void *)m.r[i].start, m.r[i].end - m.r[i].start);
	clear_pool();
	publish_qpns();
}

static int op_ctx_reset(void)
{
	if (W.child)
		return SKIP;
	kill_children();
	if (chance(50)) {
		tr("ctx_reset: abandon the context with everything alive");
		abandon();
	} else {
		tr("ctx_reset: destroy everything in a random order and close");
		destroy_all(true);
	}
	return 0;
}

static int run_op(enum op op);

static void child_main(void)
{
	static const enum op ops[] = {
		OP_POLL_CQ, OP_POST_SEND, OP_POST_RECV, OP_POST_SRQ_RECV,
		OP_MODIFY_QP, OP_CONNECT, OP_QUERY_QP, OP_NOTIFY_CQ,
		OP_GOV_QP, OP_GOV_SRQ, OP_RAW_CMD, OP_ALLOC_PD, OP_REG_MR,
		OP_ALLOC_MW, OP_CREATE_AH, OP_BIND_MW, OP_DEALLOC_PD,
		OP_DEREG_MR, OP_DEALLOC_MW, OP_DESTROY_AH, OP_QUERY_SRQ,
	};
	int i, n;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(10);
	W.child = true;
	W.nchildren = 0;
	W.te = NULL;
	for (i = 0; i < N_PD; i++)
		W.pd[i].mine = false;
	for (i = 0; i < N_MR; i++)
		W.mr[i].mine = false;
	for (i = 0; i < N_MW; i++)
		W.mw[i].mine = false;
	for (i = 0; i < N_AH; i++)
		W.ah[i].mine = false;
	rng_state ^= (uint64_t)getpid() << 32;
	n = 3 + rnd(8);
	for (i = 0; i < n && !SH->stop; i++)
		run_op(ops[rnd(sizeof(ops) / sizeof(ops[0]))]);
	/* What the child created: gone before it exits, mostly. */
	if (chance(90)) {
		for (i = 0; i < N_MW; i++)
			if (W.mw[i].mw && W.mw[i].mine)
				ibv_dealloc_mw(W.mw[i].mw);
		for (i = 0; i < N_AH; i++)
			if (W.ah[i].ah && W.ah[i].mine)
				ibv_destroy_ah(W.ah[i].ah);
		for (i = 0; i < N_MR; i++)
			if (W.mr[i].mr && W.mr[i].mine)
				ibv_dereg_mr(W.mr[i].mr);
		for (i = 0; i < N_PD; i++)
			if (W.pd[i].pd && W.pd[i].mine)
				ibv_dealloc_pd(W.pd[i].pd);
	}
	_exit(0);
}

static int op_fork(void)
{
	pid_t pid;

	if (W.child || W.nchildren >= MAX_CHILDREN)
		return SKIP;
	tr("fork (%u children alive)", W.nchildren);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return err_of();
	if (!pid)
		child_main();
	W.children[W.nchildren++] = pid;
	ATOMIC_INC(SH->forks);
	return 0;
}

static int (*const op_fn[OP_MAX])(void) = {
	[OP_ALLOC_PD] = op_alloc_pd, [OP_DEALLOC_PD] = op_dealloc_pd,
	[OP_CREATE_CQ] = op_create_cq, [OP_DESTROY_CQ] = op_destroy_cq,
	[OP_RESIZE_CQ] = op_resize_cq, [OP_POLL_CQ] = op_poll_cq,
	[OP_NOTIFY_CQ] = op_notify_cq, [OP_CQ_EVENTS] = op_cq_events,
	[OP_CREATE_SRQ] = op_create_srq, [OP_DESTROY_SRQ] = op_destroy_srq,
	[OP_MODIFY_SRQ] = op_modify_srq, [OP_QUERY_SRQ] = op_query_srq,
	[OP_POST_SRQ_RECV] = op_post_srq_recv, [OP_REG_MR] = op_reg_mr,
	[OP_DEREG_MR] = op_dereg_mr, [OP_REREG_MR] = op_rereg_mr,
	[OP_ALLOC_MW] = op_alloc_mw, [OP_DEALLOC_MW] = op_dealloc_mw,
	[OP_BIND_MW] = op_bind_mw, [OP_CREATE_AH] = op_create_ah,
	[OP_DESTROY_AH] = op_destroy_ah, [OP_CREATE_QP] = op_create_qp,
	[OP_DESTROY_QP] = op_destroy_qp, [OP_MODIFY_QP] = op_modify_qp,
	[OP_CONNECT] = op_connect, [OP_QUERY_QP] = op_query_qp,
	[OP_POST_SEND] = op_post_send, [OP_POST_RECV] = op_post_recv,
	[OP_RAW_CMD] = op_raw_cmd, [OP_GOV_QP] = op_gov_qp,
	[OP_GOV_SRQ] = op_gov_srq, [OP_GOV_BADHANDLE] = op_gov_badhandle,
	[OP_SCRIBBLE] = op_scribble, [OP_FORK] = op_fork,
	[OP_ASYNC] = op_async, [OP_CTX_RESET] = op_ctx_reset,
};

static enum op pick_op(void)
{
	static unsigned int total;
	unsigned int r, k;

	if (!total)
		for (k = 0; k < OP_MAX; k++)
			total += op_weight[k];
	r = rnd(total);
	for (k = 0; k < OP_MAX; k++) {
		if (r < op_weight[k])
			return k;
		r -= op_weight[k];
	}
	return OP_POLL_CQ;
}

/* Is the device gone (deleted under us)? Then the context is dead. */
static void check_lost(void)
{
	struct ibv_port_attr pa;

	int rc;

	if (!W.ctx)
		return;
	errno = 0;
	rc = ibv_query_port(W.ctx, 1, &pa);
	if (rc == EIO || rc == ENODEV || (rc && (errno == EIO || errno == ENODEV)))
		W.lost = true;
}

static int run_op(enum op op)
{
	struct opstat *st = &SH->st[op];
	double t0 = tl_now(), dt;
	int rc;

	W.op_n++;
	W.te = NULL;
	errno = 0;
	rc = op_fn[op]();
	if (rc == SKIP)
		return rc;
	ATOMIC_INC(SH->total_ops);
	ATOMIC_INC(SH->slot[W.slot].ops);
	ATOMIC_INC(st->calls);
	if (rc)
		ATOMIC_INC(st->fail);
	else
		ATOMIC_INC(st->ok);
	if (W.te) {
		W.te->res = rc;
		if (opt_trace)
			fprintf(stderr, "[w%d%s #%llu]   -> %d\n", W.slot,
				W.child ? "c" : "", (unsigned long long)W.op_n,
				rc);
	}
	dt = tl_now() - t0;
	if (dt > 5) {
		ATOMIC_INC(SH->slow_ops);
		printf("# slow: worker %d seed %llu op #%llu %s took %.1f s: %s\n",
		       W.slot, (unsigned long long)SH->slot[W.slot].seed,
		       (unsigned long long)W.op_n, op_name[op], dt,
		       W.te ? W.te->desc : "");
		fflush(stdout);
	}
	if (rc == EIO || rc == ENODEV)
		check_lost();
	return rc;
}

static void worker_main(int slot, uint64_t seed)
{
	size_t total = ARENA_LEN + 2 * 4096;
	long pages = sysconf(_SC_PHYS_PAGES);
	int idle = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(opt_seconds + GRACE_SECS);
	rng_state = seed;
	W.slot = slot;
	W.arena = mmap(NULL, total, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (W.arena == MAP_FAILED)
		_exit(2);
	memset(W.arena, 0x5a, ARENA_LEN);
	W.ro = W.arena + ARENA_LEN;
	W.hole = W.ro + 4096;
	mprotect(W.ro, 4096, PROT_READ);
	mprotect(W.hole, 4096, PROT_NONE);
	/* Rings of up to 1/8 of memory over all workers. */
	W.budget = pages > 0 ? (size_t)pages * 4096 / 8 / opt_procs : 32 << 20;
	while (!__atomic_load_n(&SH->stop, __ATOMIC_RELAXED)) {
		if (!W.ctx) {
			if (w_open()) {
				/* not rnd(): the op sequence keeps to the seed */
				sleep_ms(200 + getpid() % 100);
				if (++idle % 50 == 0)
					tr("still waiting for %s", dev_name);
				continue;
			}
			tr("opened %s (RoCEv2 IPv4 GID index %d)", dev_name,
			   W.gidx);
		}
		if (opt_ops && __atomic_load_n(&SH->total_ops, __ATOMIC_RELAXED) >=
			       opt_ops)
			break;
		/* A device just added fills its GID table from a workqueue. */
		if (W.gidx < 0 && tl_now() - W.gid_time > 0.5) {
			find_gid();
			W.gid_time = tl_now();
		}
		run_op(pick_op());
		if (W.nchildren)
			reap_children();
		if (W.lost) {
			ATOMIC_INC(SH->dev_lost);
			tr("device lost: exiting for a restart");
			kill_children();
			_exit(3);
		}
	}
	kill_children();
	if (W.ctx) {
		tr("stop: destroying everything");
		destroy_all(false);
	}
	_exit(0);
}

/* ---- the gov_status reader and gov/ctl writer ---- */

static const char *const ctl_words[] = {
	"srq", "qp", "mode", "static", "share", "credit", "poll", "post",
	"repost", "group", "limit", "none", "remove", "policy", "rnr", "drop",
	"disconnect", "0", "1", "-1", "4294967295", "4294967296", "0x10",
	"99999999999999999999", "", " ", "\n", "\t",
};

struct gov_ids {
	uint32_t srq[64], qpn[256];
	unsigned int nsrq, nqpn;
};

static void gov_parse(struct gov_ids *g, const char *line)
{
	unsigned int id;

	if (sscanf(line, "srq %u", &id) == 1) {
		if (g->nsrq < 64)
			g->srq[g->nsrq++] = id;
		else
			g->srq[rnd(64)] = id;
	} else if (sscanf(line, " qp %u", &id) == 1) {
		if (g->nqpn < 256)
			g->qpn[g->nqpn++] = id;
		else
			g->qpn[rnd(256)] = id;
	}
}

static void gov_read(const char *path, struct gov_ids *g)
{
	static char buf[1 << 16];
	char line[512];
	size_t ll = 0;
	ssize_t n, k;
	int fd = open(path, O_RDONLY);
	uint32_t r = rnd(100);

	if (fd < 0)
		return;
	ATOMIC_INC(SH->gov_reads);
	if (r < 10) {		/* a little, then close */
		n = read(fd, buf, 1 + rnd(200));
		(void)n;
		close(fd);
		return;
	}
	if (r < 20) {		/* at an odd offset first */
		n = pread(fd, buf, 1 + rnd(4096), rnd(65536));
		(void)n;
		if (chance(50)) {
			close(fd);
			return;
		}
	}
	g->nsrq = g->nqpn = 0;
	while ((n = read(fd, buf, chance(20) ? 1 + rnd(512) : sizeof(buf))) > 0) {
		for (k = 0; k < n; k++) {
			if (buf[k] == '\n' || ll == sizeof(line) - 1) {
				line[ll] = 0;
				gov_parse(g, line);
				ll = 0;
			} else {
				line[ll++] = buf[k];
			}
		}
		if (chance(2) && lseek(fd, 0, SEEK_SET) == 0)
			continue;	/* start over on the same open file */
	}
	close(fd);
}

static uint32_t gov_qpn(const struct gov_ids *g)
{
	struct slot *s = &SH->slot[rnd(opt_procs)];
	uint32_t q;

	if (g->nqpn && chance(60))
		return g->qpn[rnd(g->nqpn)];
	q = s->qpn[rnd(N_QP)];
	if (q && chance(80))
		return q;
	return chance(50) ? rnd(64) : rnd_edge32();
}

static uint32_t gov_srq(const struct gov_ids *g)
{
	if (g->nsrq && chance(85))
		return g->srq[rnd(g->nsrq)];
	return chance(50) ? rnd(16) : rnd_edge32();
}

static const char *gov_limit(char *tmp, size_t len)
{
	if (chance(20))
		return "none";
	snprintf(tmp, len, "%u", pick_limit() == SRXCTL_UNLIMITED ? 4096 :
		 rnd(20));
	return tmp;
}

static size_t gov_cmd(char *buf, size_t len, const struct gov_ids *g)
{
	static const char *const credits[] = { "poll", "post", "repost",
						 "buffer" };
	static const char *const pols[] = { "rnr", "drop", "disconnect" };
	char t1[16], t2[16];
	uint32_t r = rnd(100), k, n;
	size_t l = 0;

	switch (r % 12) {
	case 0:
		snprintf(buf, len, "srq %u mode static", gov_srq(g));
		break;
	case 1:
		snprintf(buf, len, "srq %u mode share %u %u %s", gov_srq(g),
			 chance(80) ? rnd(301) : rnd_edge32(), rnd(8),
			 chance(30) ? "none" : gov_limit(t1, sizeof(t1)));
		break;
	case 2:
		snprintf(buf, len, "srq %u credit %s", gov_srq(g),
			 credits[rnd(3)]);
		break;
	case 3:
		snprintf(buf, len, "srq %u group %u limit %s", gov_srq(g),
			 chance(90) ? 1 + rnd(8) : rnd_edge32(),
			 gov_limit(t1, sizeof(t1)));
		break;
	case 4:
		snprintf(buf, len, "srq %u group %u remove", gov_srq(g),
			 chance(90) ? 1 + rnd(8) : rnd_edge32());
		break;
	case 5:
	case 6:
		snprintf(buf, len, "qp %u limit %s", gov_qpn(g),
			 gov_limit(t1, sizeof(t1)));
		break;
	case 7:
		snprintf(buf, len, "qp %u policy %s", gov_qpn(g), pols[rnd(3)]);
		break;
	case 8:
		if (chance(30))
			snprintf(t2, sizeof(t2), "none");
		else
			snprintf(t2, sizeof(t2), "%u", chance(90) ? 1 + rnd(8) :
				 rnd_edge32());
		snprintf(buf, len, "qp %u group %s", gov_qpn(g), t2);
		break;
	case 9:		/* words */
		n = 1 + rnd(8);
		for (k = 0; k < n && l + 24 < len; k++)
			l += snprintf(buf + l, len - l, "%s%s", k ? " " : "",
				      chance(70) ?
				      ctl_words[rnd(sizeof(ctl_words) /
						    sizeof(ctl_words[0]))] :
				      (snprintf(t1, sizeof(t1), "%u",
						k == 1 ? (chance(50) ?
						gov_srq(g) : gov_qpn(g)) :
						rnd_edge32()), t1));
		return l;
	case 10:	/* bytes */
		n = 1 + rnd(64);
		for (k = 0; k < n && k < len; k++)
			buf[k] = rnd(256);
		return k;
	default:	/* long */
		l = snprintf(buf, len, "%s %u ", chance(50) ? "srq" : "qp",
			     chance(50) ? gov_srq(g) : gov_qpn(g));
		n = 100 + rnd(len - l - 1 > 100 ? len - l - 101 : 1);
		for (k = 0; k < n && l < len - 1; k++)
			buf[l++] = chance(80) ? '0' + rnd(10) : ' ';
		buf[l] = 0;
		return l;
	}
	l = strlen(buf);
	if (chance(30) && l + 1 < len)
		buf[l++] = '\n';
	if (chance(5) && l + 1 < len)
		buf[l++] = ' ';
	return l;
}

static void gov_main(uint64_t seed)
{
	char status[256], ctl[256], cmd[4096];
	struct gov_ids g = {};
	int fd, k, n;
	size_t len;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(opt_seconds + GRACE_SECS);
	rng_state = seed;
	snprintf(status, sizeof(status), SRX_GOV_STATUS, dev_name);
	snprintf(ctl, sizeof(ctl), "/sys/class/infiniband/%s/gov/ctl", dev_name);
	while (!__atomic_load_n(&SH->stop, __ATOMIC_RELAXED)) {
		if (access(status, F_OK)) {
			sleep_ms(100);	/* the device is being re-added */
			continue;
		}
		gov_read(status, &g);
		n = rnd(8);
		fd = -1;
		for (k = 0; k < n; k++) {
			if (fd < 0 || chance(70)) {
				if (fd >= 0)
					close(fd);
				fd = open(ctl, O_WRONLY);
				if (fd < 0)
					break;
			}
			len = gov_cmd(cmd, sizeof(cmd), &g);
			ATOMIC_INC(SH->gov_writes);
			if (write(fd, cmd, len) == (ssize_t)len)
				ATOMIC_INC(SH->gov_writes_ok);
		}
		if (fd >= 0)
			close(fd);
		sleep_ms(2 + rnd(10));
	}
	_exit(0);
}

/* ---- the final check: a fresh process, one RC SEND over loopback ---- */

static int check_main(void)
{
	struct ibv_qp_init_attr init = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct ibv_context *ctx = NULL;
	struct ibv_gid_entry e;
	struct ibv_port_attr pa;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_mr *mr;
	struct ibv_qp *a, *b;
	struct ibv_wc wc[4];
	static char buf[8192];
	const uint32_t len = 1000;
	double t0 = tl_now();
	int i, gidx = -1, got = 0, n;
	uint32_t k;

	alarm(90);
	while (tl_now() - t0 < 30) {
		ctx = open_dev(dev_name);
		if (ctx && !ibv_query_port(ctx, 1, &pa)) {
			for (i = 0; i < pa.gid_tbl_len && i < 32; i++)
				if (!ibv_query_gid_ex(ctx, 1, i, &e, 0) &&
				    e.gid_type == IBV_GID_TYPE_ROCE_V2 &&
				    gid_is_v4(&e.gid)) {
					gidx = i;
					break;
				}
			if (gidx >= 0)
				break;
		}
		if (ctx)
			ibv_close_device(ctx);
		ctx = NULL;
		sleep_ms(200);
	}
	if (!ctx) {
		printf("not ok - device usable: cannot open %s with a RoCEv2 IPv4 GID within 30 s\n",
		       dev_name);
		return 1;
	}
	pd = ibv_alloc_pd(ctx);
	cq = pd ? ibv_create_cq(ctx, 16, NULL, NULL, 0) : NULL;
	mr = cq ? ibv_reg_mr(pd, buf, sizeof(buf), IBV_ACCESS_LOCAL_WRITE) :
		  NULL;
	init.send_cq = cq;
	init.recv_cq = cq;
	a = mr ? ibv_create_qp(pd, &init) : NULL;
	b = a ? ibv_create_qp(pd, &init) : NULL;
	if (!b) {
		printf("not ok - device usable: creating PD/CQ/MR/QPs failed: %s\n",
		       strerror(errno));
		return 1;
	}
	if ((n = rc_connect(a, b->qp_num, &e.gid, gidx)) ||
	    (n = rc_connect(b, a->qp_num, &e.gid, gidx))) {
		printf("not ok - device usable: connecting the QPs failed: %s\n",
		       strerror(n));
		return 1;
	}
	for (k = 0; k < len; k++)
		buf[k] = (char)(k * 7 + 3);
	memset(buf + 4096, 0, 4096);
	{
		struct ibv_sge rs = { (uintptr_t)buf + 4096, 4096, mr->lkey };
		struct ibv_sge ss = { (uintptr_t)buf, len, mr->lkey };
		struct ibv_recv_wr rw = { .wr_id = 2, .sg_list = &rs,
					  .num_sge = 1 }, *rbad;
		struct ibv_send_wr sw = { .wr_id = 1, .sg_list = &ss,
					  .num_sge = 1,
					  .opcode = IBV_WR_SEND,
					  .send_flags = IBV_SEND_SIGNALED },
					  *sbad;

		if ((n = ibv_post_recv(b, &rw, &rbad)) ||
		    (n = ibv_post_send(a, &sw, &sbad))) {
			printf("not ok - device usable: posting failed: %s\n",
			       strerror(n));
			return 1;
		}
	}
	t0 = tl_now();
	while (got < 2 && tl_now() - t0 < 30) {
		n = ibv_poll_cq(cq, 4, wc + got);
		if (n < 0)
			break;
		for (i = got; i < got + n; i++)
			if (wc[i].status != IBV_WC_SUCCESS) {
				printf("not ok - device usable: completion wr_id %llu status %s\n",
				       (unsigned long long)wc[i].wr_id,
				       ibv_wc_status_str(wc[i].status));
				return 1;
			}
		got += n;
		if (!n)
			sleep_ms(1);
	}
	if (got < 2) {
		printf("not ok - device usable: %d of 2 completions within 30 s\n",
		       got);
		return 1;
	}
	for (i = 0; i < 2; i++)
		if (wc[i].wr_id == 2 && wc[i].byte_len != len) {
			printf("not ok - device usable: received %u bytes, sent %u\n",
			       wc[i].byte_len, len);
			return 1;
		}
	if (memcmp(buf, buf + 4096, len)) {
		printf("not ok - device usable: received data differ\n");
		return 1;
	}
	ibv_destroy_qp(a);
	ibv_destroy_qp(b);
	ibv_dereg_mr(mr);
	ibv_destroy_cq(cq);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	printf("ok - device usable: a fresh process passed a data-checked RC SEND of %u bytes over loopback\n",
	       len);
	return 0;
}

/* ---- the supervisor ---- */

static pid_t workers[MAX_PROCS], killed[MAX_PROCS], gov_pid;
static unsigned int restarts, kills, segv, abnormal;
static int kmsg_fd = -1;
static regex_t splat_re;
static unsigned int splats;
static volatile sig_atomic_t hard_hit, term_hit;

static void on_term(int sig)
{
	(void)sig;
	term_hit = 1;
}

/*
 * A child of the supervisor: its own alarm kills it; SIGTERM (which
 * timeout(1) sends to the whole process group) is for the supervisor,
 * who stops everyone in order.
 */
static void child_signals(void)
{
	signal(SIGALRM, SIG_DFL);
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
}

static void on_alarm(int sig)
{
	(void)sig;
	if (hard_hit)
		_exit(1);
	hard_hit = 1;
	alarm(15);
}

static void dump_traces(const char *why)
{
	unsigned int i, k;

	printf("# last operations of every worker (%s):\n", why);
	for (i = 0; i < opt_procs; i++) {
		struct slot *s = &SH->slot[i];
		uint32_t pos = s->pos;

		printf("#  worker %u pid %d seed %llu (generation %u):\n", i,
		       s->pid, (unsigned long long)s->seed, s->gen);
		for (k = pos > TRACE_N ? pos - TRACE_N : 0; k < pos; k++) {
			struct trace_ent *t = &s->tr[k % TRACE_N];
			const char *res = t->res == RES_PENDING ?
				"-> (in progress)" : t->res == RES_CONT ? "" :
				t->res ? strerror(t->res) : "ok";

			printf("#    seed %llu #%llu%s %s %s%s\n",
			       (unsigned long long)(opt_seed + i +
						    (uint64_t)t->gen * opt_procs),
			       (unsigned long long)t->n,
			       t->child ? " [fork child]" : "", t->desc,
			       t->res == RES_PENDING || t->res == RES_CONT ?
			       "" : "-> ", res);
		}
	}
	fflush(stdout);
}

static void kmsg_open(void)
{
	static const char *re =
		"WARNING:|BUG:|Oops|KASAN|UBSAN|possible circular locking|"
		"possible recursive locking|inconsistent lock state|lockdep|"
		"INFO: task .* blocked|INFO: possible|INFO: trying to register|"
		"turning off the locking correctness validator|"
		"rcu.*detected stall|kernel BUG|"
		"Call Trace|unreferenced object|general protection fault|"
		"DEBUG_LOCKS_WARN_ON|ODEBUG:|list_(add|del) corruption|"
		"refcount_t: |soft lockup|hard LOCKUP|Kernel panic";

	regcomp(&splat_re, re, REG_EXTENDED | REG_NOSUB);
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

static void kmsg_poll(double t0)
{
	static int echo;
	char rec[2048], *msg;
	ssize_t n;

	if (kmsg_fd < 0)
		return;
	for (;;) {
		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (n <= 0)
			return;
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		msg[strcspn(msg, "\n")] = 0;
		if (echo > 0) {
			printf("# kmsg: %s\n", msg);
			echo--;
		}
		if (regexec(&splat_re, msg, 0, NULL, 0) ||
		    strstr(msg, "RCU lockdep checking is enabled"))
			continue;
		splats++;
		if (splats <= 3) {
			printf("# kernel splat %u at %.1f s: %s\n", splats,
			       tl_now() - t0, msg);
			dump_traces("at the splat");
			echo = 60;
		}
	}
}

static pid_t start_worker(unsigned int i, uint32_t gen)
{
	uint64_t seed = opt_seed + i + (uint64_t)gen * opt_procs;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	SH->slot[i].ops = 0;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		child_signals();
		SH->slot[i].pid = getpid();
		SH->slot[i].seed = seed;
		SH->slot[i].gen = gen;
		worker_main(i, seed);
	}
	SH->slot[i].pid = pid;
	SH->slot[i].seed = seed;
	SH->slot[i].gen = gen;
	if (gen)
		printf("worker %u: restart %u, pid %d, seed %llu\n", i, gen,
		       pid, (unsigned long long)seed);
	else
		printf("worker %u: pid %d, seed %llu\n", i, pid,
		       (unsigned long long)seed);
	fflush(stdout);
	return pid;
}

static pid_t start_gov(uint32_t gen)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		child_signals();
		gov_main(opt_seed ^ 0x60760760ull ^ ((uint64_t)gen << 40));
	}
	return pid;
}

/* Note how a child ended; true if it was one of ours. */
static bool reaped(pid_t pid, int st, double t0)
{
	unsigned int i;

	if (pid == gov_pid) {
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV)
			segv++;
		gov_pid = 0;
		return true;
	}
	for (i = 0; i < opt_procs; i++) {
		if (workers[i] != pid)
			continue;
		workers[i] = 0;
		if (WIFSIGNALED(st)) {
			int sig = WTERMSIG(st);

			if (sig == SIGSEGV || sig == SIGBUS) {
				segv++;
				printf("# worker %u (seed %llu) died of signal %d at %.1f s (counted, not a failure)\n",
				       i, (unsigned long long)SH->slot[i].seed,
				       sig, tl_now() - t0);
				dump_traces("a worker died of a signal");
			} else if (sig != SIGKILL || pid != killed[i]) {
				abnormal++;
				printf("# worker %u (seed %llu) ended by signal %d\n",
				       i, (unsigned long long)SH->slot[i].seed,
				       sig);
			}
		} else if (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 3) {
			abnormal++;
			printf("# worker %u (seed %llu) exited %d\n", i,
			       (unsigned long long)SH->slot[i].seed,
			       WEXITSTATUS(st));
		}
		return true;
	}
	return false;		/* an orphaned fork child */
}

static unsigned int alive(void)
{
	unsigned int i, n = gov_pid != 0;

	for (i = 0; i < opt_procs; i++)
		n += workers[i] != 0;
	return n;
}

static void reap_all(double t0)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		reaped(pid, st, t0);
}

static void show_stuck(pid_t pid)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	printf("# pid %d did not exit:\n", pid);
	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = 0;
			printf("#   wchan %s\n", buf);
		}
		close(fd);
	}
	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = 0;
			printf("#   stack:\n%s", buf);
		}
		close(fd);
	}
}

/* Run the final check in a fresh process; bounded. */
static int final_check(double t0)
{
	pid_t pid, w;
	double t1;
	int st;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		child_signals();
		_exit(check_main());
	}
	t1 = tl_now();
	for (;;) {
		w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0)
			return 1;
		kmsg_poll(t0);
		if (tl_now() - t1 > 100 || hard_hit) {
			show_stuck(pid);
			kill(pid, SIGKILL);
			printf("not ok - device usable: the check did not finish\n");
			return 1;
		}
		sleep_ms(50);
	}
	if (WIFSIGNALED(st)) {
		printf("not ok - device usable: the check died of signal %d\n",
		       WTERMSIG(st));
		return 1;
	}
	return WEXITSTATUS(st) != 0;
}

/* The device's non-zero hw counters (since it was last added). */
static void print_counters(void)
{
	char dir[256], path[512], val[32], line[2048];
	struct dirent *de;
	size_t l = 0;
	ssize_t n;
	DIR *d;
	int fd;

	snprintf(dir, sizeof(dir), "/sys/class/infiniband/%s/ports/1/hw_counters",
		 dev_name);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) && l < sizeof(line) - 80) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "lifespan"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, val, sizeof(val) - 1);
		close(fd);
		if (n <= 0)
			continue;
		val[n] = 0;
		val[strcspn(val, "\n")] = 0;
		if (strcmp(val, "0"))
			l += snprintf(line + l, sizeof(line) - l, " %s %s",
				      de->d_name, val);
	}
	closedir(d);
	if (l)
		printf("# hw counters:%s\n", line);
}

static void print_stats(double secs)
{
	unsigned long calls = 0, ok = 0, fail = 0;
	unsigned int k;

	printf("# operation: calls ok failed\n");
	for (k = 0; k < OP_MAX; k++) {
		printf("#   %-16s %8lu %8lu %8lu\n", op_name[k],
		       SH->st[k].calls, SH->st[k].ok, SH->st[k].fail);
		calls += SH->st[k].calls;
		ok += SH->st[k].ok;
		fail += SH->st[k].fail;
	}
	printf("# forks %lu (child segv %lu), kills %u, device lost %lu, scribbles %lu, tainted objects %lu, anomalies %lu, slow ops %lu, abnormal worker ends %u\n",
	       SH->forks, SH->fork_segv, kills, SH->dev_lost, SH->scribbles,
	       SH->taints, SH->anomalies, SH->slow_ops, abnormal);
	printf("# gov_status reads %lu, gov/ctl writes %lu (accepted %lu); completions polled: %lu successful, %lu with an error\n",
	       SH->gov_reads, SH->gov_writes, SH->gov_writes_ok, SH->cqe_ok,
	       SH->cqe_err);
	{
		char line[1024];
		size_t l = 0;

		for (k = 0; k < 32; k++)
			if (SH->wc_status[k])
				l += snprintf(line + l, sizeof(line) - l, "%s%s %lu",
					      l ? ", " : "",
					      ibv_wc_status_str(k),
					      SH->wc_status[k]);
		if (l)
			printf("# completion statuses: %s\n", line);
	}
	print_counters();
	printf("ops: %lu, ok: %lu, failed: %lu, worker restarts: %u, segv: %lu (%.0f s, %.0f ops/s)\n",
	       calls, ok, fail, restarts, segv + SH->fork_segv, secs,
	       secs > 0 ? calls / secs : 0.0);
}

static int supervise(void)
{
	double t0 = tl_now(), deadline = t0 + opt_seconds, next_kill, t1, tend;
	uint32_t gen[MAX_PROCS] = {};
	uint32_t gov_gen = 0;
	unsigned int i, stuck = 0, kill_after = 10 + rnd(140);
	int rc = 0;
	pid_t pid;
	int st;

	signal(SIGALRM, on_alarm);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	alarm(hard_secs);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	kmsg_open();
	rng_state = opt_seed ^ 0x5a5a5a5a;
	printf("verbs_fuzz: %s, seed %llu, %u s, %u workers%s%s%s\n", dev_name,
	       (unsigned long long)opt_seed, opt_seconds, opt_procs,
	       opt_kill ? ", random SIGKILLs" : "",
	       opt_ctl ? ", gov_status and gov/ctl" : "",
	       kmsg_fd < 0 ? " (no /dev/kmsg: splats not watched)" : "");
	for (i = 0; i < opt_procs; i++)
		workers[i] = start_worker(i, 0);
	if (opt_ctl)
		gov_pid = start_gov(0);
	next_kill = t0 + 0.5 + rnd(2000) / 1000.0;
	while (tl_now() < deadline && !hard_hit && !term_hit) {
		if (opt_ops && SH->total_ops >= opt_ops)
			break;
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			reaped(pid, st, t0);
		kmsg_poll(t0);
		for (i = 0; i < opt_procs; i++) {
			if (workers[i])
				continue;
			gen[i]++;
			restarts++;
			workers[i] = start_worker(i, gen[i]);
		}
		if (opt_ctl && !gov_pid)
			gov_pid = start_gov(++gov_gen);
		/*
		 * A worker is killed once it has done a few operations since
		 * it started, so that on a slow (debug) kernel the workers
		 * are not all restarting all the time.
		 */
		if (opt_kill && tl_now() >= next_kill) {
			i = rnd(opt_procs);
			if (workers[i] && SH->slot[i].ops >= kill_after) {
				killed[i] = workers[i];
				kill(workers[i], SIGKILL);
				kills++;
				kill_after = 10 + rnd(140);
			}
			next_kill = tl_now() + 0.3 + rnd(2500) / 1000.0;
		}
		sleep_ms(20);
	}
	tend = tl_now();
	if (term_hit)
		printf("# SIGTERM: fuzzing ended after %.1f s\n", tend - t0);
	/* Stop: workers destroy what they have and exit. */
	__atomic_store_n(&SH->stop, 1, __ATOMIC_RELAXED);
	t1 = tl_now();
	while (alive() && tl_now() - t1 < 30 && !hard_hit) {
		reap_all(t0);
		kmsg_poll(t0);
		sleep_ms(20);
	}
	if (alive()) {
		printf("# %u processes still running 30 s after the stop: SIGKILL\n",
		       alive());
		dump_traces("not exiting after the stop");
		for (i = 0; i < opt_procs; i++)
			if (workers[i]) {
				killed[i] = workers[i];
				kill(workers[i], SIGKILL);
			}
		if (gov_pid)
			kill(gov_pid, SIGKILL);
		t1 = tl_now();
		while (alive() && tl_now() - t1 < 20) {
			reap_all(t0);
			kmsg_poll(t0);
			sleep_ms(20);
		}
	}
	for (i = 0; i < opt_procs; i++)
		if (workers[i]) {
			show_stuck(workers[i]);
			stuck++;
		}
	if (gov_pid) {
		show_stuck(gov_pid);
		stuck++;
	}
	/* Orphaned fork children (their worker was killed) are ours too. */
	t1 = tl_now();
	while (waitpid(-1, &st, WNOHANG) >= 0 && tl_now() - t1 < 10)
		sleep_ms(20);
	kmsg_poll(t0);
	print_stats(tend - t0);
	if (hard_hit) {
		dump_traces("hard time limit");
		printf("not ok - finished within the hard limit of %u s\n",
		       hard_secs);
		return 1;
	}
	if (stuck) {
		printf("not ok - every fuzz process exited: %u stuck (in the kernel?)\n",
		       stuck);
		rc = 1;
	} else {
		printf("ok - every fuzz process exited\n");
	}
	rc |= final_check(t0);
	kmsg_poll(t0);
	if (kmsg_fd >= 0) {
		if (splats) {
			printf("not ok - no kernel splat: %u splat lines (seed %llu)\n",
			       splats, (unsigned long long)opt_seed);
			rc = 1;
		} else {
			printf("ok - no kernel splat\n");
		}
	}
	return rc;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: verbs_fuzz -d DEV --seed S --seconds T [--procs N] [--ops N]\n"
		"                  [--no-kill] [--no-ctl] [--trace] [--max-queue N]\n"
		"       verbs_fuzz -d DEV --check-only\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "procs", required_argument, NULL, 'p' },
		{ "ops", required_argument, NULL, 'o' },
		{ "no-kill", no_argument, NULL, 'K' },
		{ "no-ctl", no_argument, NULL, 'C' },
		{ "trace", no_argument, NULL, 'T' },
		{ "check-only", no_argument, NULL, 'c' },
		{ "max-queue", required_argument, NULL, 'Q' },
		{}
	};
	bool have_seed = false;
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "d:s:t:p:o:", lo, NULL)) != -1) {
		switch (c) {
		case 'd': dev_name = optarg; break;
		case 's': opt_seed = strtoull(optarg, NULL, 0); have_seed = true; break;
		case 't': opt_seconds = strtoul(optarg, NULL, 0); break;
		case 'p': opt_procs = strtoul(optarg, NULL, 0); break;
		case 'o': opt_ops = strtoul(optarg, NULL, 0); break;
		case 'K': opt_kill = false; break;
		case 'C': opt_ctl = false; break;
		case 'T': opt_trace = true; break;
		case 'c': opt_check_only = true; break;
		case 'Q': opt_max_queue = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (!dev_name || optind != argc)
		usage();
	if (opt_check_only)
		return check_main();
	if (!have_seed) {
		opt_seed = (uint64_t)time(NULL);
		printf("verbs_fuzz: no --seed, using %llu\n",
		       (unsigned long long)opt_seed);
	}
	if (opt_procs < 1 || opt_procs > MAX_PROCS || opt_seconds < 1) {
		fprintf(stderr, "verbs_fuzz: --procs 1..%d, --seconds >= 1\n",
			MAX_PROCS);
		return 2;
	}
	hard_secs = opt_seconds + GRACE_SECS;
	SH = mmap(NULL, sizeof(*SH), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (SH == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	memset(SH, 0, sizeof(*SH));
	return supervise();
}
