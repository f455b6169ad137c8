// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx_ulp_test: a kernel ULP that exercises the verbs of every srx device
 * it is given by the RDMA core (ib_client), then tears everything down.
 *
 * Each check logs "srx_ulp_test: ok - NAME" or "not ok - NAME: detail";
 * the totals are read back from /sys/module/srx_ulp_test/parameters/.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_verbs.h>
#include <rdma/srx.h>

static int passed;
module_param(passed, int, 0444);
MODULE_PARM_DESC(passed, "checks passed");
static int failed;
module_param(failed, int, 0444);
MODULE_PARM_DESC(failed, "checks failed");

#define CHECK(cond, name, fmt, ...)					\
	do {								\
		const char *__n = (name);				\
									\
		if (cond) {						\
			passed++;					\
			pr_info("srx_ulp_test: ok - %s\n", __n);	\
		} else {						\
			failed++;					\
			pr_err("srx_ulp_test: not ok - %s: " fmt "\n",	\
			       __n, ##__VA_ARGS__);			\
		}							\
	} while (0)

/* Evaluates @got once: it is often the verb call itself. */
static void check_err(long got, int want, const char *name)
{
	CHECK(got == want, name, "got %ld, want %d", got, want);
}

#define CHECK_ERR(got, want, name) check_err((long)(got), want, name)

static atomic_t ulp_ev_last_wqe = ATOMIC_INIT(0);
static atomic_t ulp_ev_sq_drained = ATOMIC_INIT(0);

static void ulp_qp_event(struct ib_event *ev, void *ctx)
{
	if (ev->event == IB_EVENT_QP_LAST_WQE_REACHED)
		atomic_inc(&ulp_ev_last_wqe);
	else if (ev->event == IB_EVENT_SQ_DRAINED)
		atomic_inc(&ulp_ev_sq_drained);
}

struct ulp_ctx {
	struct ib_device *dev;
	struct ib_pd *pd;
	struct ib_cq *cq;
	struct ib_srq *srq;
};

static void ulp_cq_bad(struct ulp_ctx *c)
{
	struct ib_cq_init_attr attr = {};
	struct ib_cq *cq;

	attr.cqe = 0;
	cq = ib_create_cq(c->dev, NULL, NULL, NULL, &attr);
	CHECK_ERR(PTR_ERR_OR_ZERO(cq), -EINVAL, "cq.zero_cqe");
	if (!IS_ERR(cq))
		ib_destroy_cq(cq);
	attr.cqe = c->dev->attrs.max_cqe + 1;
	cq = ib_create_cq(c->dev, NULL, NULL, NULL, &attr);
	CHECK_ERR(PTR_ERR_OR_ZERO(cq), -EINVAL, "cq.over_max_cqe");
	if (!IS_ERR(cq))
		ib_destroy_cq(cq);
}

static void ulp_srq(struct ulp_ctx *c)
{
	struct ib_srq_init_attr init = {
		.attr = { .max_wr = 16, .max_sge = 2 },
		.srq_type = IB_SRQT_BASIC,
	};
	struct ib_srq_attr attr = {};
	struct ib_recv_wr wr = {}, *wrs;
	const struct ib_recv_wr *bad;
	struct ib_sge sge[3] = {};
	int i, n, err;

	c->srq = ib_create_srq(c->pd, &init);
	CHECK(!IS_ERR(c->srq), "srq.create", "%ld", PTR_ERR(c->srq));
	if (IS_ERR(c->srq)) {
		c->srq = NULL;
		return;
	}
	CHECK(init.attr.max_wr >= 16, "srq.create_max_wr", "%u",
	      init.attr.max_wr);

	attr.srq_limit = 4;
	err = ib_modify_srq(c->srq, &attr, IB_SRQ_LIMIT);
	CHECK(!err, "srq.arm_limit", "%d", err);
	memset(&attr, 0, sizeof(attr));
	err = ib_query_srq(c->srq, &attr);
	CHECK(!err && attr.srq_limit == 4 && attr.max_wr == init.attr.max_wr,
	      "srq.query", "err %d limit %u max_wr %u", err, attr.srq_limit,
	      attr.max_wr);
	attr.srq_limit = attr.max_wr + 1;
	err = ib_modify_srq(c->srq, &attr, IB_SRQ_LIMIT);
	CHECK_ERR(err, -EINVAL, "srq.limit_over_max_wr");

	wr.sg_list = sge;
	wr.num_sge = 3;
	err = ib_post_srq_recv(c->srq, &wr, &bad);
	CHECK(err == -EINVAL && bad == &wr, "srq.post_too_many_sge", "%d", err);

	/* Fill it exactly, then one more must fail. */
	n = init.attr.max_wr;
	wrs = kcalloc(n + 1, sizeof(*wrs), GFP_KERNEL);
	if (!wrs)
		return;
	for (i = 0; i <= n; i++) {
		wrs[i].wr_id = i;
		wrs[i].sg_list = sge;
		wrs[i].num_sge = 1;
		wrs[i].next = i < n ? &wrs[i + 1] : NULL;
	}
	sge[0].length = 64;
	err = ib_post_srq_recv(c->srq, wrs, &bad);
	CHECK(err == -ENOMEM && bad == &wrs[n], "srq.post_until_full",
	      "err %d bad %ld", err, bad ? (long)(bad - wrs) : -1L);
	kfree(wrs);
}

static struct ib_qp *ulp_qp(struct ulp_ctx *c, enum ib_qp_type type,
			    bool use_srq, enum ib_poll_context poll)
{
	struct ib_qp_init_attr init = {
		.event_handler = ulp_qp_event,
		.send_cq = c->cq,
		.recv_cq = c->cq,
		.srq = use_srq ? c->srq : NULL,
		.qp_type = type,
		.sq_sig_type = IB_SIGNAL_ALL_WR,
		.cap = { .max_send_wr = 8, .max_recv_wr = 8,
			 .max_send_sge = 2, .max_recv_sge = 2 },
	};

	return ib_create_qp(c->pd, &init);
}

static int ulp_to_init(struct ib_qp *qp)
{
	struct ib_qp_attr a = {
		.qp_state = IB_QPS_INIT, .port_num = 1, .pkey_index = 0,
		.qp_access_flags = IB_ACCESS_REMOTE_WRITE,
	};

	return ib_modify_qp(qp, &a, IB_QP_STATE | IB_QP_PKEY_INDEX |
			    IB_QP_PORT | IB_QP_ACCESS_FLAGS);
}

static int ulp_to_rtr(struct ulp_ctx *c, struct ib_qp *qp)
{
	struct ib_qp_attr a = {
		.qp_state = IB_QPS_RTR, .path_mtu = IB_MTU_1024,
		.dest_qp_num = qp->qp_num, .rq_psn = 7,
		.max_dest_rd_atomic = 4, .min_rnr_timer = 12,
	};
	union ib_gid gid;
	int err;

	err = rdma_query_gid(c->dev, 1, 0, &gid);
	if (err)
		return err;
	a.ah_attr.type = RDMA_AH_ATTR_TYPE_ROCE;
	rdma_ah_set_port_num(&a.ah_attr, 1);
	rdma_ah_set_grh(&a.ah_attr, &gid, 0, 0, 64, 0);
	return ib_modify_qp(qp, &a, IB_QP_STATE | IB_QP_AV | IB_QP_PATH_MTU |
			    IB_QP_DEST_QPN | IB_QP_RQ_PSN |
			    IB_QP_MAX_DEST_RD_ATOMIC | IB_QP_MIN_RNR_TIMER);
}

static int ulp_to_rts(struct ib_qp *qp)
{
	struct ib_qp_attr a = {
		.qp_state = IB_QPS_RTS, .timeout = 14, .retry_cnt = 7,
		.rnr_retry = 7, .sq_psn = 9, .max_rd_atomic = 4,
	};

	return ib_modify_qp(qp, &a, IB_QP_STATE | IB_QP_TIMEOUT |
			    IB_QP_RETRY_CNT | IB_QP_RNR_RETRY | IB_QP_SQ_PSN |
			    IB_QP_MAX_QP_RD_ATOMIC);
}

static void ulp_rc_states(struct ulp_ctx *c)
{
	struct ib_qp_init_attr init;
	struct ib_qp_attr a = {};
	struct ib_qp *qp;
	int err;

	qp = ulp_qp(c, IB_QPT_RC, false, IB_POLL_DIRECT);
	CHECK(!IS_ERR(qp), "qp.rc_create", "%ld", PTR_ERR(qp));
	if (IS_ERR(qp))
		return;
	a.qp_state = IB_QPS_RTS;
	err = ib_modify_qp(qp, &a, IB_QP_STATE);
	CHECK_ERR(err, -EINVAL, "qp.reset_to_rts_refused");
	CHECK_ERR(ulp_to_init(qp), 0, "qp.to_init");
	a.qp_state = IB_QPS_RTR;
	err = ib_modify_qp(qp, &a, IB_QP_STATE);
	CHECK_ERR(err, -EINVAL, "qp.rtr_missing_attrs_refused");
	CHECK_ERR(ulp_to_rtr(c, qp), 0, "qp.to_rtr");
	CHECK_ERR(ulp_to_rts(qp), 0, "qp.to_rts");

	memset(&a, 0, sizeof(a));
	err = ib_query_qp(qp, &a, IB_QP_STATE, &init);
	CHECK(!err && a.qp_state == IB_QPS_RTS && a.sq_psn == 9 &&
	      a.rq_psn == 7 && a.timeout == 14 && a.path_mtu == IB_MTU_1024 &&
	      a.dest_qp_num == qp->qp_num && init.qp_type == IB_QPT_RC,
	      "qp.query_returns_set_values", "err %d state %d", err,
	      a.qp_state);
	a.qp_state = IB_QPS_SQD;
	a.en_sqd_async_notify = 1;
	CHECK_ERR(ib_modify_qp(qp, &a, IB_QP_STATE | IB_QP_EN_SQD_ASYNC_NOTIFY),
		  0, "qp.to_sqd");
	CHECK(atomic_read(&ulp_ev_sq_drained) == 1, "qp.sq_drained_event",
	      "%d events", atomic_read(&ulp_ev_sq_drained));
	a.qp_state = IB_QPS_RTS;
	CHECK_ERR(ib_modify_qp(qp, &a, IB_QP_STATE), 0, "qp.sqd_to_rts");
	a.qp_state = IB_QPS_ERR;
	CHECK_ERR(ib_modify_qp(qp, &a, IB_QP_STATE), 0, "qp.to_err");
	a.qp_state = IB_QPS_RESET;
	CHECK_ERR(ib_modify_qp(qp, &a, IB_QP_STATE), 0, "qp.to_reset");
	CHECK_ERR(ib_destroy_qp(qp), 0, "qp.rc_destroy");
}

/* Receives posted, then the QP errors: each comes back flushed. */
static void ulp_flush(struct ulp_ctx *c)
{
	struct ib_sge sge = { .length = 32 };
	struct ib_recv_wr rwr = { .sg_list = &sge, .num_sge = 1 };
	struct ib_send_wr swr = { .wr_id = 100, .opcode = IB_WR_SEND };
	const struct ib_recv_wr *rbad;
	const struct ib_send_wr *sbad;
	struct ib_qp_attr a = { .qp_state = IB_QPS_ERR };
	struct ib_wc wc[8];
	struct ib_qp *qp;
	int i, n, flushed = 0;

	qp = ulp_qp(c, IB_QPT_UC, false, IB_POLL_DIRECT);
	if (IS_ERR(qp)) {
		CHECK(0, "flush.create", "%ld", PTR_ERR(qp));
		return;
	}
	CHECK_ERR(ib_post_recv(qp, &rwr, &rbad), -EINVAL,
		  "flush.post_recv_in_reset_refused");
	ulp_to_init(qp);
	for (i = 0; i < 3; i++) {
		rwr.wr_id = i;
		ib_post_recv(qp, &rwr, &rbad);
	}
	CHECK_ERR(ib_post_send(qp, &swr, &sbad), -EINVAL,
		  "flush.post_send_in_init_refused");
	CHECK_ERR(ib_modify_qp(qp, &a, IB_QP_STATE), 0, "flush.to_err");
	CHECK_ERR(ib_post_send(qp, &swr, &sbad), 0, "flush.post_send_in_err");
	n = ib_poll_cq(c->cq, ARRAY_SIZE(wc), wc);
	for (i = 0; i < n; i++)
		if (wc[i].status == IB_WC_WR_FLUSH_ERR && wc[i].qp == qp)
			flushed++;
	CHECK(n == 4 && flushed == 4 && wc[0].wr_id == 0 && wc[2].wr_id == 2 &&
	      wc[3].wr_id == 100, "flush.completions_in_order",
	      "polled %d flushed %d", n, flushed);
	ib_destroy_qp(qp);
}

/* A completion handler that posts a receive to the QP being flushed. */
struct ulp_repost {
	struct ib_qp *qp;
	atomic_t calls;
	int post_err;
};

static void ulp_repost_handler(struct ib_cq *cq, void *ctx)
{
	struct ulp_repost *r = ctx;
	struct ib_sge sge = { .length = 32 };
	struct ib_recv_wr rwr = { .wr_id = 200, .sg_list = &sge, .num_sge = 1 };
	const struct ib_recv_wr *bad;

	if (atomic_inc_return(&r->calls) == 1)
		r->post_err = ib_post_recv(r->qp, &rwr, &bad);
}

/*
 * The flush calls the CQ's handler with no QP lock held: a handler may
 * post to the QP (it once ran under the receive queue's lock: the post
 * spun on it for ever).
 */
static void ulp_flush_handler_posts(struct ulp_ctx *c)
{
	struct ib_cq_init_attr ca = { .cqe = 16 };
	struct ib_qp_attr a = { .qp_state = IB_QPS_ERR };
	struct ib_sge sge = { .length = 32 };
	struct ib_recv_wr rwr = { .sg_list = &sge, .num_sge = 1 };
	struct ulp_repost r = { .calls = ATOMIC_INIT(0) };
	struct ib_cq *saved = c->cq, *cq;
	const struct ib_recv_wr *rbad;
	int i, n, flushed = 0;
	struct ib_wc wc[8];
	u64 ids = 0;

	cq = ib_create_cq(c->dev, ulp_repost_handler, NULL, &r, &ca);
	if (IS_ERR(cq)) {
		CHECK(0, "flush_handler.create_cq", "%ld", PTR_ERR(cq));
		return;
	}
	c->cq = cq;
	r.qp = ulp_qp(c, IB_QPT_UC, false, IB_POLL_DIRECT);
	c->cq = saved;
	if (IS_ERR(r.qp)) {
		CHECK(0, "flush_handler.create_qp", "%ld", PTR_ERR(r.qp));
		ib_destroy_cq(cq);
		return;
	}
	ulp_to_init(r.qp);
	for (i = 0; i < 2; i++) {
		rwr.wr_id = i;
		ib_post_recv(r.qp, &rwr, &rbad);
	}
	ib_req_notify_cq(cq, IB_CQ_NEXT_COMP);
	CHECK_ERR(ib_modify_qp(r.qp, &a, IB_QP_STATE), 0, "flush_handler.to_err");
	n = ib_poll_cq(cq, ARRAY_SIZE(wc), wc);
	for (i = 0; i < n; i++) {
		if (wc[i].status != IB_WC_WR_FLUSH_ERR || wc[i].wr_id > 200)
			continue;
		flushed++;
		ids |= BIT_ULL(wc[i].wr_id == 200 ? 2 : wc[i].wr_id);
	}
	CHECK(atomic_read(&r.calls) == 1 && !r.post_err && n == 3 &&
	      flushed == 3 && ids == 7, "flush_handler.posts_from_handler",
	      "handler calls %d post %d polled %d flushed %d ids %llx",
	      atomic_read(&r.calls), r.post_err, n, flushed, ids);
	ib_destroy_qp(r.qp);
	ib_destroy_cq(cq);
}

/* ib_drain_qp() relies on flush completions and CQ notification. */
static void ulp_drain(struct ulp_ctx *c)
{
	struct ib_cq *cq;
	struct ib_qp *qp;
	struct ib_cq *saved = c->cq;

	cq = ib_alloc_cq(c->dev, NULL, 32, 0, IB_POLL_WORKQUEUE);
	if (IS_ERR(cq)) {
		CHECK(0, "drain.alloc_cq", "%ld", PTR_ERR(cq));
		return;
	}
	c->cq = cq;
	qp = ulp_qp(c, IB_QPT_RC, false, IB_POLL_WORKQUEUE);
	c->cq = saved;
	if (IS_ERR(qp)) {
		CHECK(0, "drain.create_qp", "%ld", PTR_ERR(qp));
		ib_free_cq(cq);
		return;
	}
	ulp_to_init(qp);
	ulp_to_rtr(c, qp);
	ulp_to_rts(qp);
	ib_drain_qp(qp);
	CHECK(1, "drain.ib_drain_qp_returns", "");
	ib_destroy_qp(qp);
	ib_free_cq(cq);
}

static void ulp_qp_variants(struct ulp_ctx *c)
{
	struct ib_qp *qp;

	qp = ulp_qp(c, IB_QPT_RC, true, IB_POLL_DIRECT);
	CHECK(!IS_ERR(qp), "qp.rc_with_srq", "%ld", PTR_ERR(qp));
	if (!IS_ERR(qp)) {
		struct ib_qp_attr a = { .qp_state = IB_QPS_ERR };

		CHECK_ERR(ib_destroy_srq_user(c->srq, NULL), -EBUSY,
			  "srq.destroy_in_use_refused");
		ulp_to_init(qp);
		ib_modify_qp(qp, &a, IB_QP_STATE);
		CHECK(atomic_read(&ulp_ev_last_wqe) == 1,
		      "qp.last_wqe_reached_event", "%d events",
		      atomic_read(&ulp_ev_last_wqe));
		ib_destroy_qp(qp);
	}
	qp = ulp_qp(c, IB_QPT_UD, false, IB_POLL_DIRECT);
	CHECK(!IS_ERR(qp), "qp.ud_create", "%ld", PTR_ERR(qp));
	if (!IS_ERR(qp))
		ib_destroy_qp(qp);
	qp = ulp_qp(c, IB_QPT_SMI, false, IB_POLL_DIRECT);
	CHECK_ERR(PTR_ERR_OR_ZERO(qp), -EOPNOTSUPP, "qp.smi_refused");
	if (!IS_ERR(qp))
		ib_destroy_qp(qp);
}

/*
 * UD multicast from a kernel ULP: only UD QPs attach; an attached QP
 * cannot be destroyed; the last detach ends the group (KASAN and
 * kmemleak watch on the debug kernel), which a new QP then rebuilds.
 */
static void ulp_mcast(struct ulp_ctx *c)
{
	union ib_gid mgid = { .raw = { [10] = 0xff, [11] = 0xff,
				       239, 1, 2, 9 } };
	struct ib_qp *qp;

	qp = ulp_qp(c, IB_QPT_RC, false, IB_POLL_DIRECT);
	if (!IS_ERR(qp)) {
		CHECK_ERR(ib_attach_mcast(qp, &mgid, 0), -EINVAL,
			  "mcast.rc_refused");
		ib_destroy_qp(qp);
	}
	qp = ulp_qp(c, IB_QPT_UD, false, IB_POLL_DIRECT);
	CHECK(!IS_ERR(qp), "mcast.ud_create", "%ld", PTR_ERR(qp));
	if (IS_ERR(qp))
		return;
	CHECK_ERR(ib_attach_mcast(qp, &mgid, 0), 0, "mcast.attach");
	/* The core keeps an attached QP (its usecnt). */
	CHECK_ERR(ib_destroy_qp(qp), -EBUSY, "mcast.destroy_attached_refused");
	CHECK_ERR(ib_detach_mcast(qp, &mgid, 0), 0, "mcast.detach");
	CHECK_ERR(ib_detach_mcast(qp, &mgid, 0), -EINVAL, "mcast.detach_again");
	CHECK_ERR(ib_destroy_qp(qp), 0, "mcast.destroy");
	/* The group went with its last QP: a new one starts it again. */
	qp = ulp_qp(c, IB_QPT_UD, false, IB_POLL_DIRECT);
	if (IS_ERR(qp))
		return;
	CHECK_ERR(ib_attach_mcast(qp, &mgid, 0), 0, "mcast.attach_after");
	CHECK_ERR(ib_detach_mcast(qp, &mgid, 0), 0, "mcast.detach_after");
	ib_destroy_qp(qp);
}

static void ulp_mr(struct ulp_ctx *c)
{
	struct scatterlist sg[4];
	struct page *pages[4] = {};
	struct ib_mr *mr;
	int i, n;

	mr = ib_alloc_mr(c->pd, IB_MR_TYPE_MEM_REG, 0);
	CHECK_ERR(PTR_ERR_OR_ZERO(mr), -EINVAL, "mr.fast_zero_pages");
	mr = ib_alloc_mr(c->pd, IB_MR_TYPE_SG_GAPS, 4);
	CHECK_ERR(PTR_ERR_OR_ZERO(mr), -EOPNOTSUPP, "mr.sg_gaps_refused");
	mr = ib_alloc_mr(c->pd, IB_MR_TYPE_MEM_REG, 4);
	CHECK(!IS_ERR(mr), "mr.fast_alloc", "%ld", PTR_ERR(mr));
	if (IS_ERR(mr))
		return;
	CHECK(mr->lkey && mr->lkey == mr->rkey, "mr.keys", "%x/%x", mr->lkey,
	      mr->rkey);
	sg_init_table(sg, 4);
	for (i = 0; i < 4; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i])
			goto out;
		sg_set_page(&sg[i], pages[i], PAGE_SIZE, 0);
		sg_dma_address(&sg[i]) = (u64)(uintptr_t)page_address(pages[i]);
		sg_dma_len(&sg[i]) = PAGE_SIZE;
	}
	n = ib_map_mr_sg(mr, sg, 4, NULL, PAGE_SIZE);
	CHECK(n == 4 && mr->length == 4 * PAGE_SIZE, "mr.map_mr_sg",
	      "mapped %d length %llu", n, mr->length);
out:
	for (i = 0; i < 4; i++)
		if (pages[i])
			__free_page(pages[i]);
	CHECK_ERR(ib_dereg_mr(mr), 0, "mr.dereg");
}

static void ulp_ah(struct ulp_ctx *c)
{
	static DEFINE_SPINLOCK(lock);
	struct rdma_ah_attr attr = {}, q = {};
	struct ib_ah *ah;
	union ib_gid gid;

	if (rdma_query_gid(c->dev, 1, 0, &gid))
		return;
	attr.type = RDMA_AH_ATTR_TYPE_ROCE;
	rdma_ah_set_port_num(&attr, 1);
	rdma_ah_set_grh(&attr, &gid, 0, 0, 64, 0);
	ah = rdma_create_ah(c->pd, &attr, RDMA_CREATE_AH_SLEEPABLE);
	CHECK(!IS_ERR(ah), "ah.create_sleepable", "%ld", PTR_ERR(ah));
	if (!IS_ERR(ah)) {
		CHECK(!rdma_query_ah(ah, &q) &&
		      !memcmp(q.grh.dgid.raw, gid.raw, sizeof(gid.raw)),
		      "ah.query", "");
		rdma_destroy_ah(ah, RDMA_DESTROY_AH_SLEEPABLE);
	}
	/* Without SLEEPABLE the provider must not sleep: try under a lock. */
	spin_lock_bh(&lock);
	ah = rdma_create_ah(c->pd, &attr, 0);
	if (!IS_ERR(ah))
		rdma_destroy_ah(ah, 0);
	spin_unlock_bh(&lock);
	CHECK(!IS_ERR(ah), "ah.create_atomic", "%ld", PTR_ERR(ah));
	rdma_ah_set_port_num(&attr, 2);
	ah = rdma_create_ah(c->pd, &attr, RDMA_CREATE_AH_SLEEPABLE);
	CHECK(IS_ERR(ah), "ah.bad_port_refused", "");
	if (!IS_ERR(ah))
		rdma_destroy_ah(ah, RDMA_DESTROY_AH_SLEEPABLE);
}

static void ulp_run(struct ib_device *dev)
{
	struct ulp_ctx c = { .dev = dev };

	c.pd = ib_alloc_pd(dev, 0);
	CHECK(!IS_ERR(c.pd), "pd.alloc", "%ld", PTR_ERR(c.pd));
	if (IS_ERR(c.pd))
		return;
	CHECK(c.pd->local_dma_lkey == 0, "pd.local_dma_lkey", "%u",
	      c.pd->local_dma_lkey);
	c.cq = ib_alloc_cq(dev, NULL, 64, 0, IB_POLL_DIRECT);
	CHECK(!IS_ERR(c.cq), "cq.alloc", "%ld", PTR_ERR(c.cq));
	if (IS_ERR(c.cq))
		goto out_pd;

	ulp_cq_bad(&c);
	ulp_srq(&c);
	ulp_rc_states(&c);
	ulp_flush(&c);
	ulp_flush_handler_posts(&c);
	ulp_drain(&c);
	if (c.srq)
		ulp_qp_variants(&c);
	ulp_mr(&c);
	ulp_ah(&c);
	ulp_mcast(&c);

	if (c.srq)
		CHECK_ERR(ib_destroy_srq_user(c.srq, NULL), 0, "srq.destroy");
	ib_free_cq(c.cq);
out_pd:
	ib_dealloc_pd(c.pd);
}

static int ulp_add(struct ib_device *dev)
{
	if (!srx_is_srx_device(dev))
		return -EOPNOTSUPP;
	pr_info("srx_ulp_test: testing %s\n", dev_name(&dev->dev));
	ulp_run(dev);
	pr_info("srx_ulp_test: %s: %d passed, %d failed\n",
		dev_name(&dev->dev), passed, failed);
	return 0;
}

static void ulp_remove(struct ib_device *dev, void *data)
{
}

static struct ib_client ulp_client = {
	.name = "srx_ulp_test",
	.add = ulp_add,
	.remove = ulp_remove,
};

static int __init ulp_init(void)
{
	return ib_register_client(&ulp_client);
}

static void __exit ulp_exit(void)
{
	ib_unregister_client(&ulp_client);
}

module_init(ulp_init);
module_exit(ulp_exit);
MODULE_DESCRIPTION("srx kernel ULP test");
MODULE_LICENSE("Dual BSD/GPL");
