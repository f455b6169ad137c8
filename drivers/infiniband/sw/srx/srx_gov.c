// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: SRQ governance in the data path: QPs attach to their SRQ's
 * accounting (srx_quota.c) when created, every SRQ WQE the responder
 * takes is charged to its QP first, and the credit comes back when the
 * completion is consumed (the CQ remembers, per entry, whose it is),
 * posted, or replaced by a new WQE posted to the SRQ.
 *
 * Locking: an SRQ's accounting is under its ring lock (srq->lock), the
 * one the responder already holds to take a WQE. A CQ's owner table is
 * under the CQ lock; crediting from there takes the SRQ lock inside it,
 * never the other way round.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/moduleparam.h>

#include "srx.h"

/*
 * governance=0: the data path does no accounting at all (no charge, no
 * credit, no owner records), so an SRQ behaves as a plain one; the
 * controls still work but no limit is enforced. Read-only: accounting
 * switched on or off under live QPs would hold WQEs nobody credits.
 */
bool srx_governance = true;
module_param_named(governance, srx_governance, bool, 0444);
MODULE_PARM_DESC(governance,
		 "Enforce SRQ governance in the data path; 0: plain SRQs, limits not enforced (default: yes)");

void srx_gov_defaults_init(struct srx_gov_defaults *d)
{
	d->mode = SRX_QUOTA_STATIC;
	d->credit = SRX_CREDIT_POLL;
	d->overcommit = 100;
	d->floor = 1;
	d->ceiling = SRX_QUOTA_UNLIMITED;
	d->qp_limit = SRX_QUOTA_UNLIMITED;
	d->policy_rc = SRX_POLICY_RNR;
	d->policy_other = SRX_POLICY_DROP;
}

int srx_gov_srq_init(struct srx_srq *srq)
{
	struct srx_gov_defaults *d = &to_sdev(srq->ibsrq.device)->gov;
	int err;

	err = srx_quota_init(&srq->quota, srq->max_wr, GFP_KERNEL);
	if (err)
		return err;
	srx_quota_set_credit(&srq->quota, d->credit);
	if (d->mode == SRX_QUOTA_SHARE)
		srx_quota_set_mode(&srq->quota, d->mode, d->overcommit,
				   d->floor, d->ceiling);
	return 0;
}

static struct srx_srq *srx_gov_srq(struct srx_qp *qp)
{
	return qp->ibqp.srq ? to_ssrq(qp->ibqp.srq) : NULL;
}

/* A new QP on an SRQ starts with the device's limit and policy. */
void srx_gov_qp_attach(struct srx_qp *qp)
{
	struct srx_gov_defaults *d = &to_sdev(qp->ibqp.device)->gov;
	struct srx_srq *srq = srx_gov_srq(qp);
	unsigned long flags;

	if (!srq)
		return;
	spin_lock_irqsave(&srq->lock, flags);
	srx_quota_attach(&srq->quota, &qp->quota, qp->ibqp.qp_num,
			 qp->ibqp.qp_type == IB_QPT_RC ? d->policy_rc :
							 d->policy_other);
	srx_quota_set_limit(&srq->quota, &qp->quota, d->qp_limit);
	spin_unlock_irqrestore(&srq->lock, flags);
}

/*
 * The QP is being destroyed: its CQ entries stop pointing at it, then
 * whatever it holds is credited.
 */
void srx_gov_qp_detach(struct srx_qp *qp)
{
	struct srx_srq *srq = srx_gov_srq(qp);
	unsigned long flags;

	if (!srq)
		return;
	if (srx_gov_enabled())
		srx_cq_forget(to_scq(qp->ibqp.recv_cq), qp);
	spin_lock_irqsave(&srq->lock, flags);
	srx_quota_detach(&srq->quota, &qp->quota);
	spin_unlock_irqrestore(&srq->lock, flags);
}

/* credit=repost: WQEs posted since last time credit the oldest draws. */
void srx_gov_posts(struct srx_srq *srq)
{
	u32 prod;

	lockdep_assert_held(&srq->lock);
	if (!srx_gov_enabled())
		return;
	prod = srx_queue_prod(&srq->q);
	srx_quota_reposted(&srq->quota,
			   srx_ring_count(prod, srq->seen_prod,
					  srq->q.index_mask));
	srq->seen_prod = prod;
}

/**
 * srx_gov_draw - charge @qp for the SRQ WQE it is about to take
 * @qp: the responder QP
 * @srq: its SRQ, locked
 *
 * Return: SRX_QUOTA_ADMIT, or the QP's policy for a message over limit.
 */
enum srx_quota_verdict srx_gov_draw(struct srx_qp *qp, struct srx_srq *srq)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	enum srx_quota_verdict v;

	srx_gov_posts(srq);
	v = srx_quota_charge(&srq->quota, &qp->quota, 1);
	switch (v) {
	case SRX_QUOTA_ADMIT:
		srx_count(sdev, SRX_CNT_GOV_DRAWS);
		break;
	case SRX_QUOTA_RNR:
		srx_count(sdev, SRX_CNT_GOV_RNR);
		break;
	case SRX_QUOTA_DROP:
		srx_count(sdev, SRX_CNT_GOV_DROP);
		break;
	default:
		srx_count(sdev, SRX_CNT_GOV_DISCONNECT);
		break;
	}
	return v;
}

/* The completions of @n SRQ WQEs @qp drew were posted or consumed. */
void srx_gov_credit(struct srx_qp *qp, enum srx_quota_event ev, u32 n)
{
	struct srx_srq *srq = srx_gov_srq(qp);
	unsigned long flags;
	u64 before;

	spin_lock_irqsave(&srq->lock, flags);
	before = srq->quota.credits;
	srx_quota_complete(&srq->quota, &qp->quota, ev, n);
	if (srq->quota.credits != before)
		srx_count_n(to_sdev(qp->ibqp.device), SRX_CNT_GOV_CREDITS,
			    srq->quota.credits - before);
	spin_unlock_irqrestore(&srq->lock, flags);
}

/*
 * A completion of an SRQ WQE @qp drew is being posted: credit it now
 * (credit=post), or tell the CQ to remember it for when it is consumed.
 */
bool srx_gov_on_post(struct srx_qp *qp)
{
	switch (READ_ONCE(srx_gov_srq(qp)->quota.credit)) {
	case SRX_CREDIT_POST:
		srx_gov_credit(qp, SRX_QEV_POSTED, 1);
		return false;
	case SRX_CREDIT_POLL:
		return true;
	default:
		return false;
	}
}

/* @n SRQ WQEs @qp drew will never complete: credit them now. */
void srx_gov_flush(struct srx_qp *qp, u32 n)
{
	struct srx_srq *srq = srx_gov_srq(qp);
	unsigned long flags;

	spin_lock_irqsave(&srq->lock, flags);
	srx_quota_flush(&srq->quota, &qp->quota, n);
	spin_unlock_irqrestore(&srq->lock, flags);
}
