/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * data_lib.h - data_test's scaffolding: the device environment, async
 * event capture, QP pairs connected in one process (sides A and B, on
 * one device or two), posting helpers, bounded polling and the
 * completion checks (expect_wc(), struct diff). data_test.c holds the
 * cases only. Included once, after testlib.h with TESTLIB_REPORT.
 */

#ifndef SRX_TESTS_DATA_LIB_H
#define SRX_TESTS_DATA_LIB_H

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))

#define POLL_MS		10000	/* a completion that must come */
#define QUIET_MS	500	/* a completion that must not come */
#define WATCHDOG_S	600
#define QKEY		0x11111111u
#define BAD_QKEY	0x22222222u
#define A_PSN		0xfffff0u	/* A's SQ PSN: wraps within a transfer */
#define B_PSN		0x000123u
#define HOP_LIMIT	64
#define GRH_LEN		40
#define GUARD		0xaa

#define ACC_DATA	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC)

/*
 * FLUSH, which rdma-core 44 lacks: the kernel uapi's values (6.2), and
 * the layout of rxe_send_wr's flush member, which the installed uapi
 * header (6.1) does not have yet.
 */
#define ACC_FLUSH_GLOBAL	(1 << 8)	/* IB_UVERBS_ACCESS_FLUSH_GLOBAL */
#define ACC_FLUSH_PERSISTENT	(1 << 9)	/* ..._FLUSH_PERSISTENT */
#define WR_FLUSH		14		/* IB_UVERBS_WR_FLUSH */
#define WC_FLUSH		8		/* IB_UVERBS_WC_FLUSH */
enum flush_type { FLUSH_GLOBAL = 1, FLUSH_PERSISTENT = 2 };
enum flush_level { FLUSH_RANGE, FLUSH_MR };

struct flush_wr {
	uint64_t remote_addr;
	uint32_t length;
	uint32_t rkey;
	uint8_t type;
	uint8_t level;
};


struct env {
	const char *dev;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_device_attr_ex xattr;
	struct ibv_device_attr *attr;	/* &xattr.orig_attr */
	struct ibv_port_attr port;
	int gidx;
	union ibv_gid gid;
	bool v4;
	enum ibv_mtu mtu_enum;		/* RC/UC path MTU */
	unsigned int mtu;		/* ... in bytes */
	unsigned int ud_mtu;		/* port active MTU in bytes */
	size_t page;
	struct env *peer;		/* -D: B's device (interop), or NULL */
};

/* The device side B (or A) of a pair lives on. */
static struct env *side_env(struct env *e, bool is_b)
{
	return is_b && e->peer ? e->peer : e;
}

/* Reporting (check(), skip(), group, counters): testlib.h. */

/* "prefix.name"; a few rotating buffers, so results may be nested. */
static const char *nm(const char *prefix, const char *name)
{
	static char buf[8][256];
	static unsigned int i;
	char *b = buf[i++ % ARRAY_SIZE(buf)];

	snprintf(b, sizeof(buf[0]), "%.120s.%.120s", prefix, name);
	return b;
}

/* struct diff, diff_if(), diff_u(), check_diff(): testlib.h. */

static int verr(int rc)
{
	if (rc == -1)
		return errno ? errno : EIO;
	return rc < 0 ? -rc : rc;
}

static bool expect_ok(const char *name, int rc)
{
	rc = verr(rc);
	return check(!rc, name, "failed: %s", strerror(rc));
}

/* ------------------------------------------------------------ watchdog */

static void watchdog(int sig)
{
	static const char msg[] =
		"not ok - watchdog: a verb or poll did not return\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

/* ------------------------------------------------------------ async events */

/*
 * A thread reads and acknowledges every async event as it comes: an
 * unacknowledged event would make ibv_destroy_qp/srq/cq wait forever.
 * Tests look at the log.
 */
struct ev_rec {
	enum ibv_event_type type;
	void *obj;
};

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	struct ev_rec log[1024];
	unsigned int n;
	volatile bool stop;
	bool running;
} ev = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *ev_thread(void *arg)
{
	struct ibv_context *ctx = arg;
	struct pollfd pfd = { .fd = ctx->async_fd, .events = POLLIN };
	struct ibv_async_event e;

	while (!ev.stop) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (ibv_get_async_event(ctx, &e))
			continue;
		pthread_mutex_lock(&ev.lock);
		if (ev.n < ARRAY_SIZE(ev.log)) {
			ev.log[ev.n].type = e.event_type;
			switch (e.event_type) {
			case IBV_EVENT_SRQ_ERR:
			case IBV_EVENT_SRQ_LIMIT_REACHED:
				ev.log[ev.n].obj = e.element.srq;
				break;
			case IBV_EVENT_CQ_ERR:
				ev.log[ev.n].obj = e.element.cq;
				break;
			case IBV_EVENT_DEVICE_FATAL:
			case IBV_EVENT_PORT_ACTIVE:
			case IBV_EVENT_PORT_ERR:
			case IBV_EVENT_LID_CHANGE:
			case IBV_EVENT_PKEY_CHANGE:
			case IBV_EVENT_SM_CHANGE:
			case IBV_EVENT_CLIENT_REREGISTER:
			case IBV_EVENT_GID_CHANGE:
				ev.log[ev.n].obj = NULL;
				break;
			default:
				ev.log[ev.n].obj = e.element.qp;
				break;
			}
			ev.n++;
		}
		pthread_mutex_unlock(&ev.lock);
		ibv_ack_async_event(&e);
	}
	return NULL;
}

static unsigned int ev_mark(void)
{
	unsigned int n;

	pthread_mutex_lock(&ev.lock);
	n = ev.n;
	pthread_mutex_unlock(&ev.lock);
	return n;
}

/* Events of @type on @obj logged since mark @from. */
static unsigned int ev_count(unsigned int from, enum ibv_event_type type,
			     void *obj)
{
	unsigned int i, c = 0;

	pthread_mutex_lock(&ev.lock);
	for (i = from; i < ev.n; i++)
		if (ev.log[i].type == type && ev.log[i].obj == obj)
			c++;
	pthread_mutex_unlock(&ev.lock);
	return c;
}

/* Wait up to ms for at least @want such events; returns the count. */
static unsigned int ev_wait(unsigned int from, enum ibv_event_type type,
			    void *obj, unsigned int want, int ms)
{
	long long end = tl_now_ms() + ms;
	unsigned int c;

	while ((c = ev_count(from, type, obj)) < want && tl_now_ms() < end)
		usleep(10000);
	return c;
}

/* ------------------------------------------------------------ helpers */

/* gid_is_v4(), gid_is_zero(): testlib.h. */

/* The first RoCEv2 GID of the family (IPv6: link-local preferred). */
static int find_gid(struct env *e, bool v4)
{
	struct ibv_gid_entry ent;
	int i, found = -1;

	for (i = 0; i < e->port.gid_tbl_len; i++) {
		if (ibv_query_gid_ex(e->ctx, 1, i, &ent, 0))
			continue;
		if (ent.gid_type != IBV_GID_TYPE_ROCE_V2 ||
		    gid_is_zero(&ent.gid) || gid_is_v4(&ent.gid) != v4)
			continue;
		if (v4 || ent.gid.raw[0] == 0xfe)
			return i;
		if (found < 0)
			found = i;
	}
	return found;
}

static uint32_t rnd_state;

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 0x9e3779b9u;
	size_t i;

	if (!x)
		x = 1;
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = x >> 24;
	}
}

static uint32_t next_seed(void)
{
	return ++rnd_state;
}

static bool check_data(const char *name, const uint8_t *got,
		       const uint8_t *want, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (got[i] != want[i])
			break;
	return check(i == len, name, "byte %zu of %zu is %#x, expected %#x",
		     i, len, i < len ? got[i] : 0, i < len ? want[i] : 0);
}

/* len bytes at p still hold the guard pattern. */
static bool check_guard(const char *name, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != GUARD)
			break;
	return check(i == len, name, "byte %zu of the guard is %#x", i,
		     i < len ? p[i] : 0);
}

/* ------------------------------------------------------------ QP pairs */

struct opts {
	enum ibv_qp_type type;
	unsigned int send_wr, recv_wr, sge, inline_sz;
	int sig_all;
	struct ibv_srq *srq;		/* B receives from it */
	struct ibv_cq *rcq;		/* B's receive CQ, when shared */
	uint8_t timeout, retry_cnt, rnr_retry, min_rnr_timer;
	size_t buf;
	int access_b;			/* access of B's MR */
	int qp_access_b;		/* B's qp_access_flags, -1: usual */
	int rd_atomic_b;		/* B's max_dest_rd_atomic, -1: usual */
	uint64_t send_ops;		/* A's extra IBV_QP_EX_WITH_*, if any */
};

struct side {
	uint8_t *buf;
	size_t len;
	struct ibv_mr *mr;
	struct ibv_cq *scq, *rcq;
	bool own_rcq;
	struct ibv_qp *qp;
	struct ibv_qp_cap cap;
	struct ibv_ah *ah;		/* UD: towards the other side */
};

/* A sends to B and B to A; B's QP may receive from an SRQ. */
struct pair {
	struct env *e;
	struct opts o;
	struct side a, b;
};

static struct opts def_opts(enum ibv_qp_type type)
{
	struct opts o = {
		.type = type,
		.send_wr = 16,
		.recv_wr = 16,
		.sge = 4,
		.sig_all = 1,
		.timeout = 14,
		.retry_cnt = 7,
		.rnr_retry = 7,
		.min_rnr_timer = 1,
		.buf = 256 * 1024,
		.access_b = ACC_DATA,
		.qp_access_b = -1,
		.rd_atomic_b = -1,
	};

	return o;
}

static char setup_err[160];

static bool fail_setup(const char *what)
{
	snprintf(setup_err, sizeof(setup_err), "%s: %s", what,
		 strerror(errno ? errno : EIO));
	return false;
}

static bool side_make(struct env *e, struct side *s, const struct opts *o,
		      bool is_b)
{
	struct ibv_qp_init_attr ia = {};
	int cqe = o->send_wr + o->recv_wr + 16;
	struct ibv_srq *srq = is_b ? o->srq : NULL;
	struct env *se = side_env(e, is_b);

	s->len = (o->buf + e->page - 1) / e->page * e->page;
	s->buf = mmap(NULL, s->len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->buf == MAP_FAILED) {
		s->buf = NULL;
		return fail_setup("mmap");
	}
	errno = 0;
	s->mr = ibv_reg_mr(se->pd, s->buf, s->len,
			   is_b ? o->access_b : ACC_DATA);
	if (!s->mr)
		return fail_setup("reg_mr");
	s->scq = ibv_create_cq(se->ctx, cqe, NULL, NULL, 0);
	if (!s->scq)
		return fail_setup("create_cq");
	if (is_b && o->rcq) {
		s->rcq = o->rcq;
	} else {
		s->rcq = ibv_create_cq(se->ctx, cqe, NULL, NULL, 0);
		if (!s->rcq)
			return fail_setup("create_cq");
		s->own_rcq = true;
	}
	ia.send_cq = s->scq;
	ia.recv_cq = s->rcq;
	ia.srq = srq;
	ia.qp_type = o->type;
	ia.sq_sig_all = o->sig_all;
	ia.cap.max_send_wr = o->send_wr;
	ia.cap.max_recv_wr = srq ? 0 : o->recv_wr;
	ia.cap.max_send_sge = o->sge;
	ia.cap.max_recv_sge = srq ? 0 : o->sge;
	ia.cap.max_inline_data = o->inline_sz;
	if (!is_b && o->send_ops) {
		/* The extended post API (ibv_wr_*), for ATOMIC WRITE. */
		struct ibv_qp_init_attr_ex x = {
			.qp_context = ia.qp_context,
			.send_cq = ia.send_cq,
			.recv_cq = ia.recv_cq,
			.srq = ia.srq,
			.cap = ia.cap,
			.qp_type = ia.qp_type,
			.sq_sig_all = ia.sq_sig_all,
			.comp_mask = IBV_QP_INIT_ATTR_PD |
				     IBV_QP_INIT_ATTR_SEND_OPS_FLAGS,
			.pd = se->pd,
			.send_ops_flags = o->send_ops | IBV_QP_EX_WITH_SEND,
		};

		s->qp = ibv_create_qp_ex(se->ctx, &x);
		ia.cap = x.cap;
	} else {
		s->qp = ibv_create_qp(se->pd, &ia);
	}
	if (!s->qp)
		return fail_setup("create_qp");
	s->cap = ia.cap;
	return true;
}

static void side_free(struct side *s)
{
	if (s->ah)
		ibv_destroy_ah(s->ah);
	if (s->qp)
		ibv_destroy_qp(s->qp);
	if (s->scq)
		ibv_destroy_cq(s->scq);
	if (s->rcq && s->own_rcq)
		ibv_destroy_cq(s->rcq);
	if (s->mr)
		ibv_dereg_mr(s->mr);
	if (s->buf)
		munmap(s->buf, s->len);
	memset(s, 0, sizeof(*s));
}

/* An AH from @local's GID to @remote's (the same env: loopback). */
static void fill_ah(const struct env *local, const struct env *remote,
		    struct ibv_ah_attr *ah)
{
	memset(ah, 0, sizeof(*ah));
	ah->is_global = 1;
	ah->port_num = 1;
	ah->grh.dgid = remote->gid;
	ah->grh.sgid_index = local->gidx;
	ah->grh.hop_limit = HOP_LIMIT;
}

/* RESET -> INIT -> RTR -> RTS towards dqpn on the other side's GID. */
static bool qp_connect(struct env *e, const struct opts *o, struct ibv_qp *qp,
		       uint32_t dqpn, uint32_t sq_psn, uint32_t rq_psn,
		       bool is_b)
{
	struct env *le = side_env(e, is_b), *re = side_env(e, !is_b);
	struct ibv_qp_attr a = {};
	int mask;

	a.qp_state = IBV_QPS_INIT;
	a.port_num = 1;
	mask = IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT;
	if (o->type == IBV_QPT_UD) {
		a.qkey = QKEY;
		mask |= IBV_QP_QKEY;
	} else {
		a.qp_access_flags = o->type == IBV_QPT_RC ?
			IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
			IBV_ACCESS_REMOTE_ATOMIC : IBV_ACCESS_REMOTE_WRITE;
		if (is_b && o->qp_access_b >= 0)
			a.qp_access_flags = o->qp_access_b;
		mask |= IBV_QP_ACCESS_FLAGS;
	}
	if (ibv_modify_qp(qp, &a, mask))
		return fail_setup("modify_qp(INIT)");

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	mask = IBV_QP_STATE;
	if (o->type != IBV_QPT_UD) {
		a.path_mtu = e->mtu_enum;
		a.dest_qp_num = dqpn;
		a.rq_psn = rq_psn;
		fill_ah(le, re, &a.ah_attr);
		mask |= IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			IBV_QP_RQ_PSN;
		if (o->type == IBV_QPT_RC) {
			a.max_dest_rd_atomic = MIN(16, le->attr->max_qp_rd_atom);
			if (is_b && o->rd_atomic_b >= 0)
				a.max_dest_rd_atomic = o->rd_atomic_b;
			a.min_rnr_timer = o->min_rnr_timer;
			mask |= IBV_QP_MAX_DEST_RD_ATOMIC |
				IBV_QP_MIN_RNR_TIMER;
		}
	}
	if (ibv_modify_qp(qp, &a, mask))
		return fail_setup("modify_qp(RTR)");

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = sq_psn;
	mask = IBV_QP_STATE | IBV_QP_SQ_PSN;
	if (o->type == IBV_QPT_RC) {
		a.timeout = o->timeout;
		a.retry_cnt = o->retry_cnt;
		a.rnr_retry = o->rnr_retry;
		a.max_rd_atomic = MIN(16, le->attr->max_qp_init_rd_atom);
		mask |= IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			IBV_QP_MAX_QP_RD_ATOMIC;
	}
	if (ibv_modify_qp(qp, &a, mask))
		return fail_setup("modify_qp(RTS)");
	return true;
}

static void pair_free(struct pair *p)
{
	side_free(&p->a);
	side_free(&p->b);
}

static bool pair_make(struct env *e, struct pair *p, const struct opts *o,
		      const char *name)
{
	struct env *ea = side_env(e, false), *eb = side_env(e, true);
	struct ibv_ah_attr ah;

	memset(p, 0, sizeof(*p));
	p->e = e;
	p->o = *o;
	setup_err[0] = 0;
	errno = 0;
	if (!side_make(e, &p->a, o, false) || !side_make(e, &p->b, o, true) ||
	    !qp_connect(e, o, p->a.qp, p->b.qp->qp_num, A_PSN, B_PSN, false) ||
	    !qp_connect(e, o, p->b.qp, p->a.qp->qp_num, B_PSN, A_PSN, true))
		goto err;
	if (o->type == IBV_QPT_UD) {
		fill_ah(ea, eb, &ah);
		p->a.ah = ibv_create_ah(ea->pd, &ah);
		fill_ah(eb, ea, &ah);
		p->b.ah = ibv_create_ah(eb->pd, &ah);
		if (!p->a.ah || !p->b.ah) {
			fail_setup("create_ah");
			goto err;
		}
	}
	return true;
err:
	check(false, nm(name, "setup"), "%s", setup_err);
	pair_free(p);
	return false;
}

static struct ibv_sge sge_at(const struct side *s, size_t off, uint32_t len)
{
	struct ibv_sge sg = {
		.addr = (uintptr_t)s->buf + off,
		.length = len,
		.lkey = s->mr->lkey,
	};

	return sg;
}

static uint64_t raddr(const struct side *s, size_t off)
{
	return (uintptr_t)s->buf + off;
}

static int post_recv_sg(struct side *s, uint64_t id, struct ibv_sge *sg,
			int n)
{
	struct ibv_recv_wr wr = {
		.wr_id = id, .sg_list = sg, .num_sge = n,
	}, *bad;

	return ibv_post_recv(s->qp, &wr, &bad);
}

static int post_recv1(struct side *s, uint64_t id, size_t off, uint32_t len)
{
	struct ibv_sge sg = sge_at(s, off, len);

	return post_recv_sg(s, id, &sg, 1);
}

static int post_srq1(struct ibv_srq *srq, struct ibv_mr *mr, uint64_t id,
		     size_t off, uint32_t len)
{
	struct ibv_sge sg = {
		.addr = (uintptr_t)mr->addr + off, .length = len,
		.lkey = mr->lkey,
	};
	struct ibv_recv_wr wr = {
		.wr_id = id, .sg_list = &sg, .num_sge = 1,
	}, *bad;

	return ibv_post_srq_recv(srq, &wr, &bad);
}

/*
 * One send-queue WR from s's buffer at off (len 0: no SGE), towards
 * remote address ra/rkey for RDMA and atomics; imm is the immediate
 * data (host order) or the rkey to invalidate.
 */
static int post_wr(struct side *s, enum ibv_wr_opcode op, uint64_t id,
		   size_t off, uint32_t len, uint64_t ra, uint32_t rkey,
		   uint32_t imm, unsigned int flags)
{
	struct ibv_sge sg = sge_at(s, off, len);
	struct ibv_send_wr wr = {
		.wr_id = id, .sg_list = &sg, .num_sge = len ? 1 : 0,
		.opcode = op, .send_flags = flags,
	}, *bad;

	if (op == IBV_WR_SEND_WITH_INV || op == IBV_WR_LOCAL_INV)
		wr.invalidate_rkey = imm;
	else
		wr.imm_data = htobe32(imm);
	wr.wr.rdma.remote_addr = ra;
	wr.wr.rdma.rkey = rkey;
	return ibv_post_send(s->qp, &wr, &bad);
}

static int post_atomic(struct side *s, enum ibv_wr_opcode op, uint64_t id,
		       size_t off, uint64_t ra, uint32_t rkey, uint64_t cmp_add,
		       uint64_t swap)
{
	struct ibv_sge sg = sge_at(s, off, 8);
	struct ibv_send_wr wr = {
		.wr_id = id, .sg_list = &sg, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;

	wr.wr.atomic.remote_addr = ra;
	wr.wr.atomic.rkey = rkey;
	wr.wr.atomic.compare_add = cmp_add;
	wr.wr.atomic.swap = swap;
	return ibv_post_send(s->qp, &wr, &bad);
}

/* ATOMIC WRITE of the 8 bytes at @val, through the extended post API. */
static int post_atomic_write(struct side *s, uint64_t id, uint64_t ra,
			     uint32_t rkey, const void *val)
{
	struct ibv_qp_ex *qx = ibv_qp_to_qp_ex(s->qp);

	ibv_wr_start(qx);
	qx->wr_id = id;
	qx->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_atomic_write(qx, rkey, ra, val);
	return ibv_wr_complete(qx);
}

static int post_ud(struct side *s, struct ibv_ah *ah, uint32_t dqpn,
		   uint32_t qkey, uint64_t id, size_t off, uint32_t len,
		   bool imm, uint32_t imm_val)
{
	struct ibv_sge sg = sge_at(s, off, len);
	struct ibv_send_wr wr = {
		.wr_id = id, .sg_list = &sg, .num_sge = len ? 1 : 0,
		.opcode = imm ? IBV_WR_SEND_WITH_IMM : IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;

	wr.imm_data = htobe32(imm_val);
	wr.wr.ud.ah = ah;
	wr.wr.ud.remote_qpn = dqpn;
	wr.wr.ud.remote_qkey = qkey;
	return ibv_post_send(s->qp, &wr, &bad);
}

/* Up to n completions within ms; returns how many (or -1). */
static int poll_n(struct ibv_cq *cq, struct ibv_wc *wc, int n, int ms)
{
	long long end = tl_now_ms() + ms;
	int got = 0, r;

	while (got < n) {
		r = ibv_poll_cq(cq, n - got, wc + got);
		if (r < 0)
			return -1;
		got += r;
		if (got >= n || tl_now_ms() > end)
			break;
		if (!r)
			usleep(50);
	}
	return got;
}

static const char *opname(int op)
{
	switch (op) {
	case IBV_WC_SEND:		return "SEND";
	case IBV_WC_RDMA_WRITE:		return "RDMA_WRITE";
	case IBV_WC_RDMA_READ:		return "RDMA_READ";
	case IBV_WC_COMP_SWAP:		return "COMP_SWAP";
	case IBV_WC_FETCH_ADD:		return "FETCH_ADD";
	case IBV_WC_BIND_MW:		return "BIND_MW";
	case IBV_WC_LOCAL_INV:		return "LOCAL_INV";
	case WC_FLUSH:			return "FLUSH";
	case IBV_WC_RECV:		return "RECV";
	case IBV_WC_RECV_RDMA_WITH_IMM:	return "RECV_RDMA_WITH_IMM";
	default:			return "?";
	}
}

/*
 * The next completion on cq must come within POLL_MS with wr_id and
 * status; on success also opcode (unless < 0) and byte_len (unless < 0).
 * The completion is stored in *out if given (zeroed if none came).
 */
static bool expect_wc(const char *name, struct ibv_cq *cq, uint64_t wr_id,
		      enum ibv_wc_status st, int opcode, long len,
		      struct ibv_wc *out)
{
	struct ibv_wc wc = {};
	struct diff d = {};
	int n;

	n = poll_n(cq, &wc, 1, POLL_MS);
	if (out)
		*out = wc;
	if (n != 1)
		return check(false, name, n < 0 ? "ibv_poll_cq failed" :
			     "no completion within %d ms", POLL_MS);
	diff_if(&d, wc.status != st, "status %s (%d), expected %s",
		ibv_wc_status_str(wc.status), wc.status,
		ibv_wc_status_str(st));
	diff_u(&d, "wr_id", wc.wr_id, wr_id);
	if (st == IBV_WC_SUCCESS && opcode >= 0)
		diff_if(&d, (int)wc.opcode != opcode,
			"opcode %s (%d), expected %s", opname(wc.opcode),
			wc.opcode, opname(opcode));
	if (st == IBV_WC_SUCCESS && len >= 0)
		diff_u(&d, "byte_len", wc.byte_len, len);
	return check_diff(name, &d);
}

/* No completion may arrive on cq within ms. */
static bool expect_none(const char *name, struct ibv_cq *cq, int ms)
{
	struct ibv_wc wc = {};
	int n = poll_n(cq, &wc, 1, ms);

	return check(n == 0, name, "unexpected completion wr_id %llu status %s opcode %s",
		     (unsigned long long)wc.wr_id,
		     ibv_wc_status_str(wc.status), opname(wc.opcode));
}

/*
 * After an error completion the QP is in ERR: a second WR posted with
 * the failing one is flushed.
 */
static void expect_flushed(const char *name, struct side *s, uint64_t id)
{
	expect_wc(nm(name, "flushed"), s->scq, id, IBV_WC_WR_FLUSH_ERR, -1, -1,
		  NULL);
	check(qp_state(s->qp) == IBV_QPS_ERR, nm(name, "qp_err"),
	      "QP state %d", qp_state(s->qp));
}

/* Receive-side flags of a successful receive completion. */
static void diff_recv(struct diff *d, const struct ibv_wc *wc,
		      const struct ibv_qp *qp, bool imm, uint32_t imm_val)
{
	diff_u(d, "qp_num", wc->qp_num, qp->qp_num);
	diff_if(d, !!(wc->wc_flags & IBV_WC_WITH_IMM) != imm,
		"IBV_WC_WITH_IMM is %s", imm ? "missing" : "set");
	if (imm && (wc->wc_flags & IBV_WC_WITH_IMM))
		diff_u(d, "imm_data", be32toh(wc->imm_data), imm_val);
	diff_if(d, wc->wc_flags & IBV_WC_WITH_INV, "IBV_WC_WITH_INV is set");
}

#endif /* SRX_TESTS_DATA_LIB_H */
