// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: governance as netlink driver attributes of `rdma res show qp|srq`
 * (printed with -dd). srxctl reads them from the same dump, so an operator
 * tool never parses text: each QP on an SRQ carries its SRQ's number, its
 * limit, what it holds and did (lately and in all), its group's limit and
 * use, its place in the ranking kept at the last watermark and its peer.
 * Limits are u32 with SRX_GOV_UNLIMITED (U32_MAX) for none.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/inet.h>
#include <net/netlink.h>
#include <rdma/rdma_netlink.h>
#include <rdma/restrack.h>
#include <rdma/srx.h>

#include "srx.h"

/* A governed QP, read under its SRQ's lock in one go. */
struct srx_govnl_qp {
	struct srx_gov_qp_stats	st;
	u32			srqn;
	u32			group_limit;
	u32			group_held;
	u32			wm_rank;	/* 1 worst; 0: not ranked */
	struct srx_quota_snap	wm;
	char			peer[INET6_ADDRSTRLEN];
};

/* An SRQ, read under its lock in one go. */
struct srx_govnl_srq {
	struct srx_gov_srq_stats st;
	u32			admin_wm;
	u64			admin_events;
	u64			matched;
	u64			unmatched;
};

/* @q's place in the ranking kept at the SRQ's last watermark. */
static void srx_govnl_rank(struct srx_govnl_qp *r, const struct srx_quota *sq,
			   const struct srx_quota_qp *q)
{
	u32 i;

	for (i = 0; i < sq->nsnap; i++) {
		if (sq->snap[i].qpn == q->qpn) {
			r->wm_rank = i + 1;
			r->wm = sq->snap[i];
			return;
		}
	}
}

static void srx_govnl_read_qp(struct ib_qp *ibqp, struct srx_govnl_qp *r)
{
	struct srx_srq *srq = to_ssrq(ibqp->srq);
	struct srx_qp *qp = to_sqp(ibqp);
	const struct srx_quota_qp *q = &qp->quota;

	memset(r, 0, sizeof(*r));
	r->srqn = ibqp->srq->res.id;
	srx_gov_peer(qp, r->peer, sizeof(r->peer));
	/* A user CQ's consumption is seen when we look: look now. */
	srx_cq_consumed(to_scq(ibqp->recv_cq));
	spin_lock_irq(&srq->lock);
	srx_gov_sync(srq);
	srx_gov_fill_qp(&r->st, &srq->quota, q);
	if (q->group) {
		r->group_limit = q->group->limit;
		r->group_held = q->group->held;
	}
	srx_govnl_rank(r, &srq->quota, q);
	spin_unlock_irq(&srq->lock);
}

static int srx_govnl_put_qp_state(struct sk_buff *msg,
				  const struct srx_govnl_qp *r)
{
	const struct srx_gov_qp_stats *st = &r->st;

	if (rdma_nl_put_driver_u32(msg, "gov_srqn", r->srqn) ||
	    rdma_nl_put_driver_u32(msg, "gov_limit", st->limit) ||
	    rdma_nl_put_driver_u32(msg, "gov_held", st->held) ||
	    rdma_nl_put_driver_string(msg, "gov_policy",
				      srx_policy_names[st->policy]) ||
	    rdma_nl_put_driver_u32(msg, "gov_group", st->group) ||
	    rdma_nl_put_driver_u64(msg, "gov_draws", st->draws) ||
	    rdma_nl_put_driver_u64(msg, "gov_credits", st->credits) ||
	    rdma_nl_put_driver_u64(msg, "gov_rnr", st->rnr) ||
	    rdma_nl_put_driver_u64(msg, "gov_drops", st->drops) ||
	    rdma_nl_put_driver_u64(msg, "gov_disconnects", st->disconnects) ||
	    rdma_nl_put_driver_u32(msg, "gov_recent_draws", st->recent_draws) ||
	    rdma_nl_put_driver_u32(msg, "gov_recent_refused",
				   st->recent_refused) ||
	    rdma_nl_put_driver_u32(msg, "ooo_limit", st->ooo_limit) ||
	    rdma_nl_put_driver_u32(msg, "ooo_holding", st->ooo_holding) ||
	    rdma_nl_put_driver_u64(msg, "ooo_held", st->ooo_held) ||
	    rdma_nl_put_driver_u64(msg, "ooo_released", st->ooo_released))
		return -EMSGSIZE;
	return 0;
}

/* What only some QPs have: a group, a rank at the watermark, a peer. */
static int srx_govnl_put_qp_extra(struct sk_buff *msg,
				  const struct srx_govnl_qp *r)
{
	if (r->st.group &&
	    (rdma_nl_put_driver_u32(msg, "gov_group_limit", r->group_limit) ||
	     rdma_nl_put_driver_u32(msg, "gov_group_held", r->group_held)))
		return -EMSGSIZE;
	if (r->wm_rank &&
	    (rdma_nl_put_driver_u32(msg, "gov_wm_rank", r->wm_rank) ||
	     rdma_nl_put_driver_u32(msg, "gov_wm_held", r->wm.held) ||
	     rdma_nl_put_driver_u32(msg, "gov_wm_limit", r->wm.limit) ||
	     rdma_nl_put_driver_u64(msg, "gov_wm_draws", r->wm.draws) ||
	     rdma_nl_put_driver_u64(msg, "gov_wm_refused", r->wm.dropped)))
		return -EMSGSIZE;
	if (r->peer[0] && rdma_nl_put_driver_string(msg, "gov_peer", r->peer))
		return -EMSGSIZE;
	return 0;
}

static void srx_govnl_read_srq(struct ib_srq *ibsrq, struct srx_govnl_srq *r)
{
	struct srx_srq *srq = to_ssrq(ibsrq);
	const struct srx_quota *sq = &srq->quota;

	srx_gov_reap(to_sdev(ibsrq->device), srq);
	spin_lock_irq(&srq->lock);
	srx_gov_sync(srq);
	srx_gov_fill_srq(&r->st, srq);
	r->admin_wm = sq->admin_wm;
	r->admin_events = sq->admin_events;
	r->matched = sq->matched;
	r->unmatched = sq->unmatched;
	spin_unlock_irq(&srq->lock);
}

static int srx_govnl_put_srq_settings(struct sk_buff *msg,
				      const struct srx_govnl_srq *r)
{
	const struct srx_gov_srq_stats *st = &r->st;

	if (rdma_nl_put_driver_u32(msg, "gov_size", st->size) ||
	    rdma_nl_put_driver_string(msg, "gov_mode",
				      srx_mode_names[st->mode]) ||
	    rdma_nl_put_driver_string(msg, "gov_credit",
				      srx_credit_names[st->credit]) ||
	    rdma_nl_put_driver_u32(msg, "gov_overcommit", st->overcommit) ||
	    rdma_nl_put_driver_u32(msg, "gov_floor", st->floor) ||
	    rdma_nl_put_driver_u32(msg, "gov_ceiling", st->ceiling) ||
	    rdma_nl_put_driver_u32(msg, "gov_admin_wm", r->admin_wm) ||
	    rdma_nl_put_driver_u32(msg, "gov_qps", st->nqps) ||
	    rdma_nl_put_driver_u32(msg, "gov_groups", st->ngroups) ||
	    rdma_nl_put_driver_u32(msg, "ooo_cap", st->ooo_cap) ||
	    rdma_nl_put_driver_u32(msg, "ooo_low", st->ooo_low) ||
	    rdma_nl_put_driver_u32(msg, "ooo_holding", st->ooo_holding))
		return -EMSGSIZE;
	return 0;
}

static int srx_govnl_put_srq_counts(struct sk_buff *msg,
				    const struct srx_govnl_srq *r)
{
	const struct srx_gov_srq_stats *st = &r->st;

	if (rdma_nl_put_driver_u64(msg, "gov_draws", st->draws) ||
	    rdma_nl_put_driver_u64(msg, "gov_credits", st->credits) ||
	    rdma_nl_put_driver_u64(msg, "gov_rnr", st->rnr) ||
	    rdma_nl_put_driver_u64(msg, "gov_drops", st->drops) ||
	    rdma_nl_put_driver_u64(msg, "gov_disconnects", st->disconnects) ||
	    rdma_nl_put_driver_u64(msg, "gov_watermarks", st->watermarks) ||
	    rdma_nl_put_driver_u64(msg, "gov_admin_events", r->admin_events) ||
	    rdma_nl_put_driver_u64(msg, "gov_matched", r->matched) ||
	    rdma_nl_put_driver_u64(msg, "gov_unmatched", r->unmatched) ||
	    rdma_nl_put_driver_u64(msg, "ooo_held", st->ooo_held) ||
	    rdma_nl_put_driver_u64(msg, "ooo_released", st->ooo_released))
		return -EMSGSIZE;
	return 0;
}

/* Driver attributes go in one RDMA_NLDEV_ATTR_DRIVER nest. */
static int srx_govnl_end(struct sk_buff *msg, struct nlattr *nest, int err)
{
	if (err) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* A QP on an SRQ carries governance attributes; others none. */
static int srx_gov_fill_res_qp(struct sk_buff *msg, struct ib_qp *ibqp)
{
	struct srx_govnl_qp r;
	struct nlattr *nest;
	int err;

	if (!ibqp->srq)
		return 0;
	srx_govnl_read_qp(ibqp, &r);
	nest = nla_nest_start(msg, RDMA_NLDEV_ATTR_DRIVER);
	if (!nest)
		return -EMSGSIZE;
	err = srx_govnl_put_qp_state(msg, &r) ?:
	      srx_govnl_put_qp_extra(msg, &r);
	return srx_govnl_end(msg, nest, err);
}

static int srx_gov_fill_res_srq(struct sk_buff *msg, struct ib_srq *ibsrq)
{
	struct srx_govnl_srq r;
	struct nlattr *nest;
	int err;

	srx_govnl_read_srq(ibsrq, &r);
	nest = nla_nest_start(msg, RDMA_NLDEV_ATTR_DRIVER);
	if (!nest)
		return -EMSGSIZE;
	err = srx_govnl_put_srq_settings(msg, &r) ?:
	      srx_govnl_put_srq_counts(msg, &r);
	return srx_govnl_end(msg, nest, err);
}

const struct ib_device_ops srx_govnl_ops = {
	.fill_res_qp_entry = srx_gov_fill_res_qp,
	.fill_res_srq_entry = srx_gov_fill_res_srq,
};
