// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: shared receive queues: a ring of struct rxe_recv_wqe that librxe
 * posts into directly, or that kernel ULPs post into through
 * srx_post_srq_recv(); and srx_rqe_get(), where the responder takes a
 * receive WQE from an SRQ (or a QP's own RQ): the draw, governance's
 * charge and the srq_limit watermark in one place.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <rdma/uverbs_ioctl.h>

#include "srx.h"

/**
 * srx_recv_wqe_fill - turn a kernel receive WR into a ring entry
 * @wqe: the ring slot
 * @wr: the work request
 * @max_sge: the queue's SGE limit
 *
 * Return: 0, or -EINVAL for too many SGEs or a total length over 2 GiB.
 */
int srx_recv_wqe_fill(struct rxe_recv_wqe *wqe, const struct ib_recv_wr *wr,
		      u32 max_sge)
{
	u64 length = 0;
	int i;

	if (wr->num_sge < 0 || wr->num_sge > max_sge)
		return -EINVAL;
	for (i = 0; i < wr->num_sge; i++) {
		wqe->dma.sge[i].addr = wr->sg_list[i].addr;
		wqe->dma.sge[i].length = wr->sg_list[i].length;
		wqe->dma.sge[i].lkey = wr->sg_list[i].lkey;
		length += wr->sg_list[i].length;
	}
	if (length > SRX_MAX_MSG_SZ)
		return -EINVAL;
	wqe->wr_id = wr->wr_id;
	wqe->dma.length = length;
	wqe->dma.resid = length;
	wqe->dma.num_sge = wr->num_sge;
	wqe->dma.cur_sge = 0;
	wqe->dma.sge_offset = 0;
	return 0;
}

void srx_srq_event(struct srx_srq *srq, enum ib_event_type type)
{
	struct ib_event ev = {
		.device = srq->ibsrq.device,
		.element.srq = &srq->ibsrq,
		.event = type,
	};

	if (srq->ibsrq.event_handler)
		srq->ibsrq.event_handler(&ev, srq->ibsrq.srq_context);
}

static int srx_srq_check_attr(const struct ib_srq_attr *attr)
{
	if (attr->max_wr < 1 || attr->max_wr > SRX_MAX_SRQ_WR ||
	    attr->max_sge > SRX_MAX_SGE || attr->srq_limit > attr->max_wr)
		return -EINVAL;
	return 0;
}

/* The fields create sets before anything can fail. */
static void srx_srq_init_fields(struct srx_srq *srq,
				const struct ib_srq_attr *attr, bool is_user)
{
	spin_lock_init(&srq->lock);
	refcount_set(&srq->ref, 1);
	init_completion(&srq->released);
	srq->is_user = is_user;
	srq->max_sge = max_t(u32, attr->max_sge, 1);
	srq->limit = attr->srq_limit;
}

int srx_create_srq(struct ib_srq *ibsrq, struct ib_srq_init_attr *init,
		   struct ib_udata *udata)
{
	struct srx_dev *sdev = to_sdev(ibsrq->device);
	struct srx_srq *srq = to_ssrq(ibsrq);
	struct rxe_create_srq_resp resp = {};
	u32 num = init->attr.max_wr;
	int err;

	if (init->srq_type != IB_SRQT_BASIC)
		return -EOPNOTSUPP;
	err = srx_srq_check_attr(&init->attr);
	if (err)
		return err;
	if (udata && udata->outlen < sizeof(resp))
		return -EINVAL;
	srx_srq_init_fields(srq, &init->attr, udata);

	/* A number now (the response carries it), published when whole. */
	err = srx_table_add(&sdev->srq_tbl, &srq->srq_num, GFP_KERNEL);
	if (err)
		return err;
	err = srx_queue_init(&srq->q, &num, srx_recv_wqe_size(srq->max_sge),
			     udata ? SRX_Q_FROM_USER : SRX_Q_KERNEL);
	if (err)
		goto err_num;
	srq->max_wr = num;
	err = srx_gov_srq_init(srq);
	if (err)
		goto err_queue;
	err = srx_ooo_srq_init(srq);
	if (err)
		goto err_gov;
	if (udata) {
		err = srx_queue_map(&srq->q, udata, &resp.mi);
		if (err)
			goto err_ooo;
		resp.srq_num = srq->srq_num;
		err = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (err)
			goto err_ooo;
	}
	init->attr.max_wr = srq->max_wr;
	init->attr.max_sge = srq->max_sge;
	srx_table_publish(&sdev->srq_tbl, srq->srq_num, srq);
	return 0;

err_ooo:
	srx_ooo_srq_free(srq);
err_gov:
	srx_gov_srq_fini(srq);
err_queue:
	srx_queue_free(&srq->q);
err_num:
	srx_table_del(&sdev->srq_tbl, srq->srq_num);
	return err;
}

struct srx_srq_resize_ctx {
	struct srx_srq		*srq;
	const u32		*num;	/* the new ring's WQEs */
	struct srx_gov_store	gs;	/* governance for the new ring */
	void			*spare;	/* a larger OOO spare block */
	u32			spare_cap;
};

/*
 * Under the SRQ lock, after the move: governance and the OOO spares
 * follow the ring.
 */
static void srx_srq_moved(void *p, u32 old_cons, u32 old_prod, u32 old_mask)
{
	struct srx_srq_resize_ctx *ctx = p;

	/* Read under the lock by the OOO bounds and governance. */
	ctx->srq->max_wr = *ctx->num;
	srx_gov_srq_moved(ctx->srq, &ctx->gs, old_cons, old_prod, old_mask);
	srx_ooo_spare_swap(ctx->srq, &ctx->spare, &ctx->spare_cap);
}

static int srx_srq_resize(struct srx_srq *srq, u32 max_wr,
			  struct ib_udata *udata)
{
	struct rxe_modify_srq_cmd cmd = {};
	struct mminfo mi = {};
	u32 num = max_wr;
	struct srx_srq_resize_ctx ctx = { .srq = srq, .num = &num };
	int err;

	if (udata) {
		if (udata->inlen < sizeof(cmd))
			return -EINVAL;
		err = ib_copy_from_udata(&cmd, udata, sizeof(cmd));
		if (err)
			return err;
	}
	err = srx_gov_srq_store(&ctx.gs, num);
	if (err)
		return err;
	/* Sized for the WQEs the ring will really have. */
	err = srx_ooo_spare_prep(srq, srx_ring_usable(num), &ctx.spare,
				 &ctx.spare_cap);
	if (err)
		goto out;
	err = srx_queue_resize(&srq->q, &srq->lock, &num, udata, &mi,
			       srx_srq_moved, &ctx);
	/* The old ones on success, the unused new ones on error. */
	kvfree(ctx.spare);
out:
	srx_gov_srq_store_free(&ctx.gs);
	if (err)
		return err;
	if (udata && copy_to_user(u64_to_user_ptr(cmd.mmap_info_addr), &mi,
				  sizeof(mi)))
		return -EFAULT;
	return 0;
}

int srx_modify_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr,
		   enum ib_srq_attr_mask mask, struct ib_udata *udata)
{
	struct srx_srq *srq = to_ssrq(ibsrq);
	u32 max_wr = srq->max_wr;
	int err;

	if (mask & ~(IB_SRQ_MAX_WR | IB_SRQ_LIMIT))
		return -EINVAL;
	if (mask & IB_SRQ_MAX_WR) {
		if (attr->max_wr < 1 || attr->max_wr > SRX_MAX_SRQ_WR)
			return -EINVAL;
		max_wr = attr->max_wr;
	}
	if ((mask & IB_SRQ_LIMIT) && attr->srq_limit > max_wr)
		return -EINVAL;
	if (!(mask & IB_SRQ_LIMIT) && srq->limit > max_wr)
		return -EINVAL;

	if (mask & IB_SRQ_MAX_WR) {
		err = srx_srq_resize(srq, max_wr, udata);
		if (err)
			return err;
	}
	if (mask & IB_SRQ_LIMIT) {
		spin_lock_irq(&srq->lock);
		srq->limit = attr->srq_limit;
		spin_unlock_irq(&srq->lock);
	}
	return 0;
}

int srx_query_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr)
{
	struct srx_srq *srq = to_ssrq(ibsrq);

	attr->max_wr = srq->max_wr;
	attr->max_sge = srq->max_sge;
	attr->srq_limit = srq->limit;
	return 0;
}

int srx_destroy_srq(struct ib_srq *ibsrq, struct ib_udata *udata)
{
	struct srx_srq *srq = to_ssrq(ibsrq);

	/* Unnumber it, then wait for the operator's lookups to finish. */
	srx_table_del(&to_sdev(ibsrq->device)->srq_tbl, srq->srq_num);
	if (!refcount_dec_and_test(&srq->ref))
		wait_for_completion(&srq->released);
	/* A watermark wakeup it queued runs before the device can go. */
	srx_gov_notify_flush(to_sdev(ibsrq->device));
	srx_ooo_srq_free(srq);
	srx_gov_srq_fini(srq);
	srx_queue_free(&srq->q);
	return 0;
}

int srx_post_srq_recv(struct ib_srq *ibsrq, const struct ib_recv_wr *wr,
		      const struct ib_recv_wr **bad_wr)
{
	struct srx_srq *srq = to_ssrq(ibsrq);
	unsigned long flags;
	int err = 0;

	if (srq->is_user) {
		*bad_wr = wr;
		return -EINVAL;
	}
	spin_lock_irqsave(&srq->lock, flags);
	for (; wr; wr = wr->next) {
		if (srx_queue_full(&srq->q)) {
			err = -ENOMEM;
			break;
		}
		err = srx_recv_wqe_fill(srx_queue_elem(&srq->q, srq->q.prod),
					wr, srq->max_sge);
		if (err)
			break;
		srx_queue_advance_prod(&srq->q);
	}
	srx_gov_posts(srq);
	spin_unlock_irqrestore(&srq->lock, flags);
	if (err)
		*bad_wr = wr;
	return err;
}

static enum srx_resp_verdict srx_gov_verdict(enum srx_quota_verdict v)
{
	switch (v) {
	case SRX_QUOTA_ADMIT:
		return SRX_RV_DONE;
	case SRX_QUOTA_RNR:
		return SRX_RV_GOV_RNR;	/* as if the SRQ were empty */
	case SRX_QUOTA_DROP:
		return SRX_RV_GOV_DROP;
	default:
		return SRX_RV_GOV_DISCONNECT;
	}
}

/*
 * Take one WQE of @qp's SRQ into @wqe (srq locked): a spare first, then
 * the ring. Held out-of-order messages give theirs back when the SRQ is
 * empty. For a hold, only one the SRQ and the QP's limit can afford
 * (SRX_RV_RNR otherwise: no hold).
 */
static enum srx_resp_verdict srx_srq_draw(struct srx_qp *qp,
					  struct srx_srq *srq,
					  struct rxe_recv_wqe *wqe,
					  enum srx_rqe_use use)
{
	bool ooo = use == SRX_RQE_HOLD;
	struct srx_queue *q = &srq->q;
	enum srx_resp_verdict v;
	const void *spare;

	if (!srx_srq_avail(srq) && srq->ooo_held && !ooo)
		srx_ooo_release_srq(srq);
	if (!srx_srq_avail(srq))
		return SRX_RV_RNR;
	if (ooo && !srx_ooo_may_hold(qp, srq))
		return SRX_RV_RNR;
	/*
	 * Over its limit while it holds messages ahead of a gap, those go
	 * back first: the message that fills the gap must never wait for
	 * WQEs that wait for it.
	 */
	if (qp->resp.nheld && !srx_gov_room(qp, srq, 1))
		srx_ooo_release_qp_locked(qp);
	/*
	 * Copied first: the charge names a spare's buffer by the kernel's
	 * copy (a ring slot's by the name its post got).
	 */
	spare = srx_ooo_next_spare(srq);
	memcpy(wqe, spare ?: srx_queue_elem(q, srx_queue_cons(q)),
	       srx_recv_wqe_size(srq->max_sge));
	v = srx_gov_verdict(srx_gov_draw(qp, srq, wqe,
					 spare ? SRX_GOV_NO_SLOT :
						 srx_queue_cons(q)));
	if (v != SRX_RV_DONE)
		return v;
	if (spare)
		srx_ooo_pop_spare(srq);
	else
		srx_queue_advance_cons(q);
	if (ooo) {
		srq->ooo_held++;
		qp->resp.nheld++;
	}
	srx_ooo_check_low(srq);
	return SRX_RV_DONE;
}

/* Is the armed srq_limit crossed? Then the moment's ranking is kept. */
static bool srx_srq_limit_crossed(struct srx_srq *srq)
{
	if (!srq->limit || srx_srq_avail(srq) >= srq->limit)
		return false;
	srq->limit = 0;
	srx_gov_watermark(srq);
	return true;
}

/* The bytes @wqe's SGEs can take; 0 (and no SGE) for a malformed one. */
u32 srx_rqe_len(struct srx_qp *qp, struct rxe_recv_wqe *wqe)
{
	u32 max_sge = qp->ibqp.srq ? to_ssrq(qp->ibqp.srq)->max_sge :
				     qp->cap.max_recv_sge;
	u32 len;

	if (wqe->dma.num_sge > max_sge ||
	    srx_sgl_len(wqe->dma.sge, wqe->dma.num_sge, &len)) {
		wqe->dma.num_sge = 0;
		return 0;
	}
	return len;
}

/**
 * srx_rqe_get - take the next receive WQE of @qp's RQ or SRQ
 * @qp: the responder QP, from its engine
 * @wqe: where the WQE is copied (the ring slot is free again on return)
 * @use: in order, or to hold a message ahead of a PSN gap (srx_ooo.c):
 *	a hold only if the SRQ and the QP's limit can afford it
 *
 * From an SRQ the QP is charged first (governance); the armed srq_limit
 * watermark event follows the draw that crosses it.
 *
 * Return: SRX_RV_DONE, SRX_RV_RNR when there is none (or no hold can be
 * afforded), or governance's refusal: SRX_RV_GOV_RNR, SRX_RV_GOV_DROP or
 * SRX_RV_GOV_DISCONNECT.
 */
enum srx_resp_verdict srx_rqe_get(struct srx_qp *qp, struct rxe_recv_wqe *wqe,
				  enum srx_rqe_use use)
{
	struct srx_srq *srq = qp->ibqp.srq ? to_ssrq(qp->ibqp.srq) : NULL;
	enum srx_resp_verdict v = SRX_RV_DONE;
	bool limit_reached = false;
	unsigned long flags;

	if (!srq) {
		spin_lock_irqsave(&qp->rq_lock, flags);
		if (!srx_queue_count(&qp->rq)) {
			v = SRX_RV_RNR;
		} else {
			memcpy(wqe, srx_queue_elem(&qp->rq, srx_queue_cons(&qp->rq)),
			       srx_recv_wqe_size(qp->cap.max_recv_sge));
			srx_queue_advance_cons(&qp->rq);
		}
		spin_unlock_irqrestore(&qp->rq_lock, flags);
		return v;
	}
	/* Credits for completions the process consumed, before charging. */
	if (srx_gov_reap_first(qp, srq))
		srx_cq_consumed(to_scq(qp->ibqp.recv_cq));
	spin_lock_irqsave(&srq->lock, flags);
	v = srx_srq_draw(qp, srq, wqe, use);
	if (v == SRX_RV_DONE) {
		limit_reached = srx_srq_limit_crossed(srq);
		srx_gov_admin_check(srq);
	}
	spin_unlock_irqrestore(&srq->lock, flags);

	if (limit_reached) {
		srx_count(to_sdev(qp->ibqp.device), SRX_CNT_GOV_WATERMARKS);
		srx_srq_event(srq, IB_EVENT_SRQ_LIMIT_REACHED);
	}
	return v;
}

/**
 * srx_rqe_hold - take an SRQ WQE for a message ahead of a PSN gap
 * @qp: the responder RC QP on an SRQ, from its engine
 * @pkt: a single-packet SEND that arrived ahead of the expected PSN
 *
 * A free hold slot of @qp is reserved, an SRQ WQE taken into it (only
 * if the SRQ and the QP's limit can afford a hold) and the payload
 * placed; srx_ooo_drain() completes it once the gap fills.
 *
 * Return: true if held (or held already), false to NAK as usual.
 */
bool srx_rqe_hold(struct srx_qp *qp, const struct srx_pkt *pkt)
{
	struct srx_ooo_slot *slot;
	bool dup;

	slot = srx_ooo_reserve(qp, pkt, &dup);
	if (!slot)
		return dup;
	if (srx_rqe_get(qp, slot->wqe, SRX_RQE_HOLD) != SRX_RV_DONE) {
		srx_ooo_cancel(qp, slot);
		return false;
	}
	return srx_ooo_place(qp, slot, pkt, srx_rqe_len(qp, slot->wqe));
}

/* Drop a reference taken by a table walk; destroy waits for the last. */
void srx_srq_put(struct srx_srq *srq)
{
	if (refcount_dec_and_test(&srq->ref))
		complete(&srq->released);
}
