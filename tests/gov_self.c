// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * Self-governance through srx's uverbs methods (libsrxctl): a process
 * sets and reads limits, policies, groups, the manager mode and the
 * credit mode of its own SRQ and QPs, sees its traffic charged and
 * credited, reads the offender ranking, and cannot name objects of
 * another context. Needs no privilege.
 *
 * usage: gov_self -d DEV -g GIDX [-H]
 * Prints ok/not ok/skip lines and "N passed, N failed, N skipped".
 * -H (hold, for srxctl's tests): set up, leave 3 messages held by the
 * first receiving QP, print "ready QPN QPN QPN" (the receiving QPs) and
 * keep everything until stdin closes.
 */

#define TESTLIB_REPORT
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define TL_PROG "gov_self"
#include "testlib.h"
#include "srxctl.h"

#define NPAIRS		3
#define SRQ_SIZE	16
#define MSG		64

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_srq *srq;
static struct ibv_cq *scq, *rcq[NPAIRS];
static struct ibv_qp *sq[NPAIRS], *rq[NPAIRS];
static struct ibv_mr *mr;
static char *buf;		/* SRQ_SIZE receive slots, then send bufs */
static union ibv_gid gid;
static int gidx;
static unsigned int next_seq[NPAIRS];	/* next message's pattern, per pair */

static int post_recv(int slot)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)buf + slot * MSG, .length = MSG,
		.lkey = mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = slot, .sg_list = &sge,
				  .num_sge = 1 }, *bad;

	memset(buf + slot * MSG, 0, MSG);
	return ibv_post_srq_recv(srq, &wr, &bad);
}

/* Send pair @i's next message (every byte 0x40 + its number). */
static int send_one(int i)
{
	unsigned int seq = next_seq[i]++;
	char *p = buf + (SRQ_SIZE + (i * 8 + seq % 8)) * MSG;
	struct ibv_sge sge = { .addr = (uintptr_t)p, .length = MSG,
			       .lkey = mr->lkey };
	struct ibv_send_wr wr = {
		.wr_id = seq, .sg_list = &sge, .num_sge = 1,
		.opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
	}, *bad;

	memset(p, 0x40 + seq % 64, MSG);
	return ibv_post_send(sq[i], &wr, &bad);
}

static void setup(void)
{
	struct ibv_srq_init_attr sattr = {
		.attr = { .max_wr = SRQ_SIZE, .max_sge = 1 },
	};
	const struct ibv_qp_init_attr init = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 64, .max_send_sge = 1,
			 .max_recv_wr = 1, .max_recv_sge = 1 },
	};
	struct ibv_qp_init_attr qattr;
	int i;

	pd = ibv_alloc_pd(ctx);
	buf = calloc(SRQ_SIZE + 32, MSG);
	mr = pd && buf ? ibv_reg_mr(pd, buf, (SRQ_SIZE + 32) * MSG,
				    IBV_ACCESS_LOCAL_WRITE) : NULL;
	srq = mr ? ibv_create_srq(pd, &sattr) : NULL;
	scq = srq ? ibv_create_cq(ctx, 256, NULL, NULL, 0) : NULL;
	if (!scq || ibv_query_gid(ctx, 1, gidx, &gid))
		die("setup");
	for (i = 0; i < NPAIRS; i++) {
		rcq[i] = ibv_create_cq(ctx, 64, NULL, NULL, 0);
		qattr = init;	/* create_qp writes the caps back */
		qattr.send_cq = scq;
		qattr.recv_cq = scq;
		qattr.srq = NULL;
		sq[i] = rcq[i] ? ibv_create_qp(pd, &qattr) : NULL;
		qattr = init;
		qattr.send_cq = scq;
		qattr.recv_cq = rcq[i];
		qattr.srq = srq;
		rq[i] = sq[i] ? ibv_create_qp(pd, &qattr) : NULL;
		if (!rq[i])
			die("create_qp");
		errno = rc_connect(sq[i], rq[i]->qp_num, &gid, gidx);
		if (!errno)
			errno = rc_connect(rq[i], sq[i]->qp_num, &gid, gidx);
		if (errno)
			die("connect");
	}
	for (i = 0; i < SRQ_SIZE; i++)
		if (post_recv(i))
			die("post_srq_recv");
}

static struct srx_gov_qp_info qinfo(struct ibv_qp *qp)
{
	struct srx_gov_qp_info q;

	memset(&q, 0xa5, sizeof(q));
	if (srx_qp_query(qp, &q))
		die("srx_qp_query");
	return q;
}

static struct srx_gov_srq_info sinfo(void)
{
	struct srx_gov_srq_info s;

	if (srx_srq_query(srq, &s))
		die("srx_srq_query");
	return s;
}

static void test_query(void)
{
	struct srx_gov_srq_info s = sinfo();
	struct srx_gov_qp_info q = qinfo(rq[0]);

	check(s.size >= SRQ_SIZE && s.nqps == NPAIRS, "srq_query",
	      "size %u qps %u", s.size, s.nqps);
	check(s.mode == SRX_GOV_STATIC &&
	      s.credit == SRX_GOV_CREDIT_BUFFER && !s.ngroups, "srq_defaults",
	      "mode %u credit %u groups %u", s.mode, s.credit, s.ngroups);
	check(q.qpn == rq[0]->qp_num && q.limit == SRXCTL_UNLIMITED &&
	      !q.held && q.policy == SRX_GOV_RNR && !q.group &&
	      !q.reserved, "qp_query", "qpn %u limit %u held %u policy %u",
	      q.qpn, q.limit, q.held, q.policy);
}

static void test_qp_set(void)
{
	int err;

	check(!srx_qp_set_limit(rq[0], 2) && qinfo(rq[0]).limit == 2,
	      "set_limit", "limit %u", qinfo(rq[0]).limit);
	err = srx_qp_set_policy(rq[0], 9);
	check(err == -EINVAL && errno == EINVAL, "set_policy_bad", "%d", err);
	check(!srx_qp_set_policy(rq[0], SRX_GOV_DROP) &&
	      qinfo(rq[0]).policy == SRX_GOV_DROP, "set_policy",
	      "policy %u", qinfo(rq[0]).policy);
	srx_qp_set_policy(rq[0], SRX_GOV_RNR);
	err = srx_qp_set_limit(sq[0], 1);
	check(err == -EINVAL, "qp_without_srq", "%d", err);
}

/* An SRQ has at most SRXCTL_MAX_GROUPS groups; more are refused. */
static void test_group_bound(void)
{
	unsigned int g, made = 0;
	int err;

	for (g = 1; g <= SRXCTL_MAX_GROUPS; g++)
		made += !srx_srq_set_group(srq, g, 2);
	err = srx_srq_set_group(srq, SRXCTL_MAX_GROUPS + 1, 2);
	check(made == SRXCTL_MAX_GROUPS && err == -ENOSPC &&
	      sinfo().ngroups == SRXCTL_MAX_GROUPS, "group_bound",
	      "made %u, one more: %d, groups %u", made, err, sinfo().ngroups);
	err = srx_srq_set_group(srq, 1, 3);
	check(!err, "group_bound_change_limit", "%d", err);
	for (g = 1; g <= SRXCTL_MAX_GROUPS; g++)
		srx_srq_remove_group(srq, g);
	check(!sinfo().ngroups, "group_bound_removed", "groups %u",
	      sinfo().ngroups);
}

static void test_groups(void)
{
	int err;

	check(!srx_srq_set_group(srq, 5, 3) && sinfo().ngroups == 1,
	      "group_create", "groups %u", sinfo().ngroups);
	check(!srx_qp_set_group(rq[1], 5) && qinfo(rq[1]).group == 5,
	      "group_join", "group %u", qinfo(rq[1]).group);
	err = srx_qp_set_group(rq[1], 7);
	check(err == -ENOENT && qinfo(rq[1]).group == 5, "group_join_missing",
	      "%d", err);
	err = srx_srq_set_group(srq, 0, 1);
	check(err == -EINVAL, "group_zero", "%d", err);
	check(!srx_srq_remove_group(srq, 5) && !qinfo(rq[1]).group &&
	      !sinfo().ngroups, "group_remove", "group %u",
	      qinfo(rq[1]).group);
	err = srx_srq_remove_group(srq, 5);
	check(err == -ENOENT, "group_remove_again", "%d", err);
	test_group_bound();
}

static void test_srq_set(void)
{
	struct srx_gov_srq_info s;
	int err;

	err = srx_srq_set_mode(srq, SRX_GOV_SHARE, 100, 1, 4);
	s = sinfo();
	check(!err && s.mode == SRX_GOV_SHARE && s.overcommit == 100 &&
	      s.floor == 1 && s.ceiling == 4, "set_mode_share",
	      "err %d mode %u oc %u floor %u ceil %u", err, s.mode,
	      s.overcommit, s.floor, s.ceiling);
	/* size * 100% / 3 QPs is over the ceiling of 4 */
	check(qinfo(rq[2]).limit == 4, "share_limit", "limit %u",
	      qinfo(rq[2]).limit);
	err = srx_srq_set_mode(srq, 9, 100, 0, 4);
	check(err == -EINVAL, "set_mode_bad", "%d", err);
	err = srx_srq_set_mode(srq, SRX_GOV_SHARE, 100, 5, 4);
	check(err == -EINVAL, "set_mode_floor_over_ceiling", "%d", err);
	check(!srx_srq_set_mode(srq, SRX_GOV_STATIC, 100, 0, 0) &&
	      qinfo(rq[2]).limit == SRXCTL_UNLIMITED, "set_mode_static",
	      "limit %u", qinfo(rq[2]).limit);
	check(!srx_srq_set_credit(srq, SRX_GOV_CREDIT_REPOST) &&
	      sinfo().credit == SRX_GOV_CREDIT_REPOST, "set_credit",
	      "credit %u", sinfo().credit);
	err = srx_srq_set_credit(srq, 5);
	check(err == -EINVAL, "set_credit_bad", "%d", err);
	srx_srq_set_credit(srq, SRX_GOV_CREDIT_BUFFER);
}

/*
 * Out-of-order holding through the process's own methods: the defaults
 * (all of the QP's ooo_hold slots, a quarter of the SRQ), a QP limit
 * within its slots and not beyond, an SRQ cap up to 256 and not beyond,
 * and back to the defaults.
 */
static void test_ooo_set(void)
{
	struct srx_gov_ooo_info o = { 0 }, s = { 0 };
	unsigned int slots, cap, low;
	int err;

	err = srx_qp_query_ooo(rq[0], &o) ?: srx_srq_query_ooo(srq, &s);
	slots = o.limit;
	cap = s.limit;
	low = s.low;
	check(!err && !o.holding && cap >= 1 && cap <= SRQ_SIZE / 2 &&
	      low >= 2 && low <= SRQ_SIZE / 4, "ooo_defaults",
	      "err %d qp limit %u holding %u srq cap %u low %u", err, o.limit,
	      o.holding, cap, low);
	err = srx_qp_set_ooo(rq[0], slots ? slots - 1 : 0) ?:
	      srx_qp_query_ooo(rq[0], &o);
	check(!err && o.limit == (slots ? slots - 1 : 0), "ooo_qp_limit",
	      "err %d limit %u", err, o.limit);
	err = srx_qp_set_ooo(rq[0], slots + 1);
	check(err == -EINVAL, "ooo_qp_limit_over_slots", "%d", err);
	err = srx_srq_set_ooo(srq, 3, 2) ?: srx_srq_query_ooo(srq, &s);
	check(!err && s.limit == 3 && s.low == 2, "ooo_srq_cap",
	      "err %d cap %u low %u", err, s.limit, s.low);
	err = srx_srq_set_ooo(srq, 257, 2);
	check(err == -EINVAL, "ooo_srq_cap_over_256", "%d", err);
	err = srx_qp_set_ooo(rq[0], SRX_GOV_OOO_DEFAULT) ?:
	      srx_srq_set_ooo(srq, SRX_GOV_OOO_DEFAULT, SRX_GOV_OOO_DEFAULT) ?:
	      srx_qp_query_ooo(rq[0], &o) ?: srx_srq_query_ooo(srq, &s);
	check(!err && o.limit == slots && s.limit == cap && s.low == low,
	      "ooo_back_to_defaults", "err %d qp %u srq %u/%u", err, o.limit,
	      s.limit, s.low);
}

/* Wait (bounded) until rq[0] holds @held and has been refused. */
static struct srx_gov_qp_info wait_held(unsigned int held, bool refused)
{
	double end = tl_now() + 10;
	struct srx_gov_qp_info q;

	do {
		q = qinfo(rq[0]);
		if (q.held == held && (!refused || q.rnr))
			break;
		usleep(1000);
	} while (tl_now() < end);
	return q;
}

/* Consume @n messages of rq[@q], compare them, repost the buffers. */
static int consume_of(int q, int n, unsigned int *seq)
{
	double end = tl_now() + 20;
	struct ibv_wc wc;
	int got = 0, bad = 0, i;

	while (got < n && tl_now() < end) {
		if (ibv_poll_cq(rcq[q], 1, &wc) <= 0)
			continue;
		if (wc.status != IBV_WC_SUCCESS || wc.byte_len != MSG)
			bad++;
		for (i = 0; i < MSG; i++)
			if (buf[wc.wr_id * MSG + i] != (char)(0x40 + *seq % 64))
				bad++;
		(*seq)++;
		got++;
		if (post_recv(wc.wr_id))
			bad++;
	}
	return bad ? -1 : got;
}

static int consume(int n, unsigned int *seq)
{
	return consume_of(0, n, seq);
}

static void reap_sends(int n)
{
	double end = tl_now() + 20;
	struct ibv_wc wc;

	while (n > 0 && tl_now() < end)
		if (ibv_poll_cq(scq, 1, &wc) > 0)
			n--;
}

static void test_traffic(void)
{
	unsigned int seq = next_seq[0];
	struct srx_gov_qp_info q;
	int i, got;

	srx_qp_set_limit(rq[0], 2);
	for (i = 0; i < 4; i++)
		if (send_one(0))
			die("post_send");
	q = wait_held(2, true);
	check(q.held == 2 && q.draws == 2 && q.rnr >= 1, "charged_to_limit",
	      "held %u draws %llu rnr %llu", q.held,
	      (unsigned long long)q.draws, (unsigned long long)q.rnr);
	got = consume(4, &seq);
	reap_sends(4);
	q = qinfo(rq[0]);
	check(got == 4, "all_delivered_intact", "got %d", got);
	check(!q.held && q.draws == 4 && q.credits == 4, "credited_on_repost",
	      "held %u draws %llu credits %llu", q.held,
	      (unsigned long long)q.draws, (unsigned long long)q.credits);
}

/* The next async event of @type (for @qp, unless NULL), within 10 s. */
static bool wait_async(enum ibv_event_type type, struct ibv_qp *qp)
{
	struct pollfd pfd = { .fd = ctx->async_fd, .events = POLLIN };
	struct ibv_async_event ev;
	bool seen = false;

	while (!seen && poll(&pfd, 1, 10000) > 0) {
		if (ibv_get_async_event(ctx, &ev))
			break;
		seen = ev.event_type == type && (!qp || ev.element.qp == qp);
		ibv_ack_async_event(&ev);
	}
	return seen;
}

static void test_offenders(void)
{
	struct srx_gov_qp_info o[8];
	struct ibv_srq_attr a = { .srq_limit = SRQ_SIZE - 3 };
	unsigned int seq = next_seq[0];
	int n, i;

	srx_qp_set_limit(rq[0], SRXCTL_UNLIMITED);
	if (ibv_modify_srq(srq, &a, IBV_SRQ_LIMIT))
		die("arm srq_limit");
	for (i = 0; i < 4; i++)
		if (send_one(0))
			die("post_send");
	check(wait_held(4, false).held == 4, "held_unlimited", "held %u",
	      qinfo(rq[0]).held);
	n = srx_srq_offenders(srq, 0, o, 8);
	check(n == NPAIRS && o[0].qpn == rq[0]->qp_num && o[0].held == 4,
	      "offenders_rank", "n %d first %u held %u", n, o[0].qpn,
	      o[0].held);
	n = srx_srq_offenders(srq, 0, o, 1);
	check(n == 1, "offenders_short_buffer", "n %d", n);
	n = srx_srq_offenders(srq, 0, o, 0);
	check(n == 0, "offenders_no_buffer", "n %d", n);
	n = srx_srq_offenders(srq, 0x80, o, 8);
	check(n == -EINVAL, "offenders_bad_flags", "n %d", n);
	check(wait_async(IBV_EVENT_SRQ_LIMIT_REACHED, NULL), "srq_limit_event",
	      "none within 10 s");
	n = srx_srq_offenders(srq, SRX_GOV_OFFENDERS_AT_WATERMARK, o, 8);
	check(n >= 1 && o[0].qpn == rq[0]->qp_num && o[0].held >= 1,
	      "offenders_at_watermark", "n %d first %u held %u", n,
	      n > 0 ? o[0].qpn : 0, n > 0 ? o[0].held : 0);
	check(sinfo().watermarks == 1, "watermark_counted", "%llu",
	      (unsigned long long)sinfo().watermarks);
	check(consume(4, &seq) == 4, "offenders_drained", "lost messages");
	reap_sends(4);
}

/* Wait (bounded) until the QP of pair @i holds @held. */
static unsigned int wait_held_of(int i, unsigned int held)
{
	double end = tl_now() + 10;
	unsigned int h;

	while ((h = qinfo(rq[i]).held) != held && tl_now() < end)
		usleep(1000);
	return h;
}

/*
 * credit=buffer across an SRQ resize: pair 0 draws two buffers, then
 * pair 1 two; the ring moves; each buffer posted back credits the QP
 * that drew it (a lost name would credit the oldest draw, pair 0's),
 * and so do draws of WQEs that crossed the move. First every buffer
 * goes round once, so that each WQE in the ring was posted with
 * credit=buffer and named then (the names are what moves).
 */
static void test_resize_credits_drawer(void)
{
	struct ibv_srq_attr a = { .max_wr = 2 * SRQ_SIZE };
	unsigned int s0 = next_seq[0], s1 = next_seq[1], h0, h1;
	int err, got, i;

	err = srx_srq_set_credit(srq, SRX_GOV_CREDIT_BUFFER);
	srx_qp_set_limit(rq[1], SRXCTL_UNLIMITED);
	for (i = 0; i < SRQ_SIZE / 4 && !err; i++) {
		for (int j = 0; j < 4 && !err; j++)
			err = send_one(1);
		if (!err && consume_of(1, 4, &s1) != 4)
			err = -EIO;
		reap_sends(4);
	}
	for (i = 0; i < 2 && !err; i++)
		err = send_one(0);
	h0 = wait_held_of(0, 2);
	for (i = 0; i < 2 && !err; i++)
		err = send_one(1);
	h1 = wait_held_of(1, 2);
	check(!err && h0 == 2 && h1 == 2, "resize_drawn", "err %d held %u %u",
	      err, h0, h1);
	err = ibv_modify_srq(srq, &a, IBV_SRQ_MAX_WR);
	got = consume_of(1, 2, &s1);
	h0 = qinfo(rq[0]).held;
	h1 = qinfo(rq[1]).held;
	check(!err && got == 2 && h0 == 2 && !h1, "resize_credits_drawer",
	      "err %d got %d held %u %u", err, got, h0, h1);
	for (i = 0; i < 2; i++)
		if (send_one(1))
			die("post_send");
	h1 = wait_held_of(1, 2);
	got = consume_of(1, 2, &s1);
	check(h1 == 2 && got == 2 && qinfo(rq[0]).held == 2 &&
	      !qinfo(rq[1]).held, "resize_crossed_wqes", "held %u got %d %u %u",
	      h1, got, qinfo(rq[0]).held, qinfo(rq[1]).held);
	got = consume_of(0, 2, &s0);
	check(got == 2 && !qinfo(rq[0]).held, "resize_all_credited",
	      "got %d held %u", got, qinfo(rq[0]).held);
	reap_sends(6);
}

/* Over its limit with policy drop: dropped, retried, nothing lost. */
static void test_policy_drop(void)
{
	unsigned int seq = next_seq[1];
	double end = tl_now() + 10;
	struct srx_gov_qp_info q;

	srx_qp_set_limit(rq[1], 1);
	srx_qp_set_policy(rq[1], SRX_GOV_DROP);
	if (send_one(1) || send_one(1))
		die("post_send");
	do {
		q = qinfo(rq[1]);
	} while (!q.drops && tl_now() < end && !usleep(1000));
	check(q.held == 1 && q.drops >= 1 && !q.rnr, "policy_drop_refuses",
	      "held %u drops %llu rnr %llu", q.held,
	      (unsigned long long)q.drops, (unsigned long long)q.rnr);
	check(consume_of(1, 2, &seq) == 2, "policy_drop_nothing_lost",
	      "the dropped message never came");
	reap_sends(2);
}

/* Over its limit with policy disconnect: the QP goes, with QP_FATAL. */
static void test_policy_disconnect(void)
{
	double end = tl_now() + 20;
	struct ibv_wc wc[2];
	int n = 0, r;

	srx_qp_set_limit(rq[2], 1);
	srx_qp_set_policy(rq[2], SRX_GOV_DISCONNECT);
	if (send_one(2) || send_one(2))
		die("post_send");
	check(wait_async(IBV_EVENT_QP_FATAL, rq[2]),
	      "policy_disconnect_event", "no QP_FATAL within 10 s");
	check(qinfo(rq[2]).disconnects == 1, "policy_disconnect_counted",
	      "disconnects %llu", (unsigned long long)qinfo(rq[2]).disconnects);
	while (n < 2 && tl_now() < end) {
		r = ibv_poll_cq(scq, 2 - n, wc + n);
		n += r > 0 ? r : 0;
	}
	check(n == 2 && wc[0].status == IBV_WC_SUCCESS &&
	      wc[1].status == IBV_WC_REM_OP_ERR, "policy_disconnect_sender",
	      "n %d status %d %d", n, n > 0 ? (int)wc[0].status : -1,
	      n > 1 ? (int)wc[1].status : -1);
}

/* Handles resolve only within the context that created them. */
/* A UC or UD pair for test_unreliable_drop(): sender, receiver on the SRQ. */
struct unrel {
	enum ibv_qp_type type;
	struct ibv_qp *s, *r;
	struct ibv_cq *cq;		/* the receiver's */
	struct ibv_ah *ah;		/* UD */
	unsigned int len;		/* payload: a UD buffer has the GRH first */
	unsigned int off;
};

static void unrel_setup(struct unrel *u, enum ibv_qp_type type)
{
	struct ibv_ah_attr ah = {
		.is_global = 1, .port_num = 1,
		.grh = { .dgid = gid, .sgid_index = gidx, .hop_limit = 64 },
	};
	struct ibv_qp_init_attr qa = {
		.qp_type = type, .send_cq = scq,
		.cap = { .max_send_wr = 16, .max_send_sge = 1,
			 .max_recv_wr = 1, .max_recv_sge = 1 },
	};

	u->type = type;
	u->off = type == IBV_QPT_UD ? 40 : 0;
	u->len = MSG - u->off;
	u->cq = ibv_create_cq(ctx, 16, NULL, NULL, 0);
	qa.recv_cq = u->cq;
	u->s = u->cq ? ibv_create_qp(pd, &qa) : NULL;
	qa.srq = srq;
	u->r = u->s ? ibv_create_qp(pd, &qa) : NULL;
	u->ah = type == IBV_QPT_UD ? ibv_create_ah(pd, &ah) : NULL;
	if (!u->r || (type == IBV_QPT_UD && !u->ah))
		die("unreliable pair");
	errno = unrel_connect(u->s, u->r->qp_num, &gid, gidx) ?:
		unrel_connect(u->r, u->s->qp_num, &gid, gidx);
	if (errno)
		die("unreliable connect");
}

static void unrel_teardown(struct unrel *u)
{
	ibv_destroy_qp(u->r);
	ibv_destroy_qp(u->s);
	if (u->ah)
		ibv_destroy_ah(u->ah);
	ibv_destroy_cq(u->cq);
}

/* Message @seq: every payload byte 0x60 + seq. */
static void unrel_send(struct unrel *u, unsigned int seq)
{
	char *p = buf + (SRQ_SIZE + 24 + seq % 8) * MSG;
	struct ibv_sge sge = { .addr = (uintptr_t)p, .length = u->len,
			       .lkey = mr->lkey };
	struct ibv_send_wr wr = {
		.wr_id = seq, .sg_list = &sge, .num_sge = 1,
		.opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
	}, *bad;

	memset(p, 0x60 + seq % 32, u->len);
	if (u->ah) {
		wr.wr.ud.ah = u->ah;
		wr.wr.ud.remote_qpn = u->r->qp_num;
		wr.wr.ud.remote_qkey = TL_QKEY;
	}
	if (ibv_post_send(u->s, &wr, &bad))
		die("unreliable send");
	reap_sends(1);
}

/* Take @n messages, which must be @seq, @seq + 1, ..., intact; repost. */
static int unrel_consume(struct unrel *u, int n, unsigned int seq)
{
	double end = tl_now() + 10;
	struct ibv_wc wc;
	int got = 0, bad = 0;
	unsigned int i;
	char *p;

	while (got < n && tl_now() < end) {
		if (ibv_poll_cq(u->cq, 1, &wc) <= 0)
			continue;
		p = buf + wc.wr_id * MSG + u->off;
		if (wc.status != IBV_WC_SUCCESS || wc.byte_len != MSG)
			bad++;
		for (i = 0; i < u->len; i++)
			bad += p[i] != (char)(0x60 + (seq + got) % 32);
		got++;
		bad += !!post_recv(wc.wr_id);
	}
	return bad ? -1 : got;
}

/*
 * UC and UD on the shared SRQ, with their default policy (drop): under a
 * limit of 2, of 6 messages sent while nobody consumes, 2 are delivered
 * intact and 4 dropped and counted, the sender never knowing (no RNR on
 * these transports); an RC QP on the same SRQ still gets its message;
 * once the 2 are consumed and reposted, the next ones arrive again.
 */
static void test_unreliable_drop(enum ibv_qp_type type, const char *name)
{
	unsigned int rc_seq = next_seq[0];
	struct srx_gov_qp_info q;
	double end = tl_now() + 10;
	struct unrel u;
	char what[64];
	int i;

	unrel_setup(&u, type);
	q = qinfo(u.r);
	snprintf(what, sizeof(what), "%s_default_policy_drop", name);
	check(q.policy == SRX_GOV_DROP, what, "policy %u", q.policy);
	srx_qp_set_limit(u.r, 2);
	for (i = 0; i < 6; i++)
		unrel_send(&u, i);
	do {
		q = qinfo(u.r);
	} while (q.drops < 4 && tl_now() < end && !usleep(1000));
	snprintf(what, sizeof(what), "%s_drop_over_limit", name);
	check(q.held == 2 && q.drops == 4 && !q.rnr && !q.disconnects, what,
	      "held %u drops %llu rnr %llu", q.held,
	      (unsigned long long)q.drops, (unsigned long long)q.rnr);
	if (send_one(0))
		die("post_send");
	snprintf(what, sizeof(what), "%s_rc_unaffected", name);
	check(consume_of(0, 1, &rc_seq) == 1, what, "RC message lost");
	reap_sends(1);
	snprintf(what, sizeof(what), "%s_delivered_intact", name);
	check(unrel_consume(&u, 2, 0) == 2, what, "first 2 not intact");
	unrel_send(&u, 6);
	unrel_send(&u, 7);
	snprintf(what, sizeof(what), "%s_after_repost", name);
	check(unrel_consume(&u, 2, 6) == 2 && qinfo(u.r).drops == 4, what,
	      "drops %llu", (unsigned long long)qinfo(u.r).drops);
	unrel_teardown(&u);
}

static void test_foreign(void)
{
	struct ibv_context *other = open_dev(ibv_get_device_name(ctx->device));
	struct srx_gov_qp_info q;
	struct ibv_qp fake;
	int err;

	if (!other) {
		skip("foreign_context", "cannot open a second context");
		return;
	}
	fake = *rq[0];
	fake.context = other;
	err = srx_qp_query(&fake, &q);
	check(err < 0, "foreign_context", "another context read our QP");
	err = srx_qp_set_limit(&fake, 0);
	check(err < 0 && qinfo(rq[0]).limit == SRXCTL_UNLIMITED,
	      "foreign_context_set", "another context set our QP");
	fake = *rq[0];
	fake.handle = 0x7ffffff0;
	err = srx_qp_query(&fake, &q);
	check(err < 0, "bad_handle", "a made-up handle resolved");
	ibv_close_device(other);
}

static int hold(void)
{
	char c;
	int i;

	for (i = 0; i < 3; i++)
		if (send_one(0))
			die("post_send");
	if (wait_held(3, false).held != 3)
		die("hold");
	printf("ready %u %u %u\n", rq[0]->qp_num, rq[1]->qp_num,
	       rq[2]->qp_num);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	const char *dev = "srx0";
	bool holding = false;
	int opt;

	while ((opt = getopt(argc, argv, "d:g:H")) != -1) {
		if (opt == 'd')
			dev = optarg;
		else if (opt == 'g')
			gidx = atoi(optarg);
		else if (opt == 'H')
			holding = true;
		else
			return 2;
	}
	ctx = open_dev(dev);
	if (!ctx)
		die(dev);
	setup();
	if (holding)
		return hold();
	group = "self";
	test_query();
	test_qp_set();
	test_groups();
	test_srq_set();
	test_ooo_set();
	test_traffic();
	test_offenders();
	test_resize_credits_drawer();
	test_foreign();
	test_policy_drop();
	test_unreliable_drop(IBV_QPT_UC, "uc");
	test_unreliable_drop(IBV_QPT_UD, "ud");
	test_policy_disconnect();
	printf("%u passed, %u failed, %u skipped\n", n_pass, n_fail, n_skip);
	return n_fail ? 1 : 0;
}
