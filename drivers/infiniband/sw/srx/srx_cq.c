// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: completion queues. A user CQ is a ring of struct ib_uverbs_wc that
 * librxe polls directly; a kernel CQ holds struct ib_wc.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/sizes.h>
#include <rdma/uverbs_ioctl.h>

#include "srx.h"

static u32 srx_cqe_size(bool is_user)
{
	return is_user ? sizeof(struct ib_uverbs_wc) : sizeof(struct ib_wc);
}

static int srx_cq_check_size(int cqe)
{
	return cqe < 1 || cqe > SRX_MAX_CQE ? -EINVAL : 0;
}

int srx_create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		  struct uverbs_attr_bundle *attrs)
{
	struct ib_udata *udata = attrs ? &attrs->driver_udata : NULL;
	struct srx_dev *sdev = to_sdev(ibcq->device);
	struct srx_cq *cq = to_scq(ibcq);
	struct rxe_create_cq_resp resp = {};
	u32 num = attr->cqe;
	int err;

	if (attr->flags)
		return -EOPNOTSUPP;
	if (srx_cq_check_size(attr->cqe) ||
	    attr->comp_vector >= ibcq->device->num_comp_vectors)
		return -EINVAL;
	if (udata && udata->outlen && udata->outlen < sizeof(resp))
		return -EINVAL;

	cq->is_user = !!udata;
	spin_lock_init(&cq->lock);
	err = srx_table_add(&sdev->cq_tbl, NULL, GFP_KERNEL);
	if (err)
		return err;
	err = srx_queue_init(&cq->q, &num, srx_cqe_size(cq->is_user),
			     udata ? SRX_Q_TO_USER : SRX_Q_KERNEL);
	if (err)
		goto err_count;
	err = srx_gov_cq_table(&cq->owner, cq->q.index_mask + 1);
	if (err)
		goto err_queue;
	if (udata) {
		err = srx_queue_map(&cq->q, udata, &resp.mi);
		if (err)
			goto err_queue;
		err = ib_copy_to_udata(udata, &resp,
				       min(sizeof(resp), udata->outlen));
		if (err)
			goto err_queue;
	}
	ibcq->cqe = num;
	return 0;

err_queue:
	kvfree(cq->owner);
	srx_queue_free(&cq->q);
err_count:
	srx_table_del(&sdev->cq_tbl, 0);
	return err;
}

int srx_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata)
{
	struct srx_cq *cq = to_scq(ibcq);

	kvfree(cq->owner);
	srx_queue_free(&cq->q);
	srx_table_del(&to_sdev(ibcq->device)->cq_tbl, 0);
	return 0;
}

/*
 * Credit what was consumed up to the consumer index, read once here.
 * Return: that index, for the caller's own use of it.
 */
static u32 srx_cq_reap(struct srx_cq *cq)
{
	u32 cons = srx_queue_cons(&cq->q);

	srx_gov_cq_reap(cq, cons);
	return cons;
}

/* Credit what the consumer took from a user CQ since we last looked. */
void srx_cq_consumed(struct srx_cq *cq)
{
	unsigned long flags;

	if (!cq->is_user)
		return;
	spin_lock_irqsave(&cq->lock, flags);
	srx_cq_reap(cq);
	spin_unlock_irqrestore(&cq->lock, flags);
}

struct srx_cq_resize_ctx {
	struct srx_cq	*cq;
	struct srx_qp	**owner;	/* the new table */
};

/* Under the CQ lock, after the entries moved: their owners follow. */
static void srx_cq_moved(void *p, u32 old_cons, u32 old_prod, u32 old_mask)
{
	struct srx_cq_resize_ctx *ctx = p;

	srx_gov_cq_moved(ctx->cq, &ctx->owner, old_cons, old_prod, old_mask);
}

int srx_resize_cq(struct ib_cq *ibcq, int cqe, struct ib_udata *udata)
{
	struct srx_cq *cq = to_scq(ibcq);
	struct rxe_resize_cq_resp resp = {};
	struct srx_cq_resize_ctx ctx;
	u32 num = cqe, slots, log2;
	int err;

	if (srx_cq_check_size(cqe))
		return -EINVAL;
	if (udata && udata->outlen < sizeof(resp))
		return -EINVAL;

	err = srx_ring_geometry(num, srx_cqe_size(cq->is_user), SZ_1M, &slots,
				&log2);
	if (err)
		return err;
	ctx.cq = cq;
	err = srx_gov_cq_table(&ctx.owner, slots);
	if (err)
		return err;
	err = srx_queue_resize(&cq->q, &cq->lock, &num, udata, &resp.mi,
			       srx_cq_moved, &ctx);
	/* The old table on success, the unused new one on error. */
	kvfree(ctx.owner);
	if (err)
		return err;
	ibcq->cqe = num;
	if (!udata)
		return 0;
	return ib_copy_to_udata(udata, &resp, sizeof(resp));
}

/* Kernel CQs only: user space polls its ring itself. */
int srx_poll_cq(struct ib_cq *ibcq, int num, struct ib_wc *wc)
{
	struct srx_cq *cq = to_scq(ibcq);
	unsigned long flags;
	int n = 0;

	if (cq->is_user)
		return -EINVAL;
	spin_lock_irqsave(&cq->lock, flags);
	while (n < num && srx_queue_count(&cq->q)) {
		wc[n++] = *(struct ib_wc *)srx_queue_elem(&cq->q,
						srx_queue_cons(&cq->q));
		srx_queue_advance_cons(&cq->q);
	}
	srx_cq_reap(cq);
	spin_unlock_irqrestore(&cq->lock, flags);
	return n;
}

int srx_peek_cq(struct ib_cq *ibcq, int wc_cnt)
{
	struct srx_cq *cq = to_scq(ibcq);
	unsigned long flags;
	int n;

	spin_lock_irqsave(&cq->lock, flags);
	n = srx_queue_count(&cq->q);
	spin_unlock_irqrestore(&cq->lock, flags);
	return min(n, wc_cnt);
}

int srx_req_notify_cq(struct ib_cq *ibcq, enum ib_cq_notify_flags flags)
{
	struct srx_cq *cq = to_scq(ibcq);
	unsigned long irqflags;
	int ret = 0;
	u32 cons;

	spin_lock_irqsave(&cq->lock, irqflags);
	cons = srx_cq_reap(cq);
	/* NEXT_COMP includes solicited completions; never downgrade it. */
	if (cq->notify != IB_CQ_NEXT_COMP)
		cq->notify = flags & IB_CQ_SOLICITED_MASK;
	if ((flags & IB_CQ_REPORT_MISSED_EVENTS) &&
	    srx_ring_count(cq->q.prod, cons, cq->q.index_mask))
		ret = 1;
	spin_unlock_irqrestore(&cq->lock, irqflags);
	return ret;
}

/* libibverbs numbers the flags its own way (enum ibv_wc_flags). */
static u32 srx_uwc_flags(int flags)
{
	u32 uflags = 0;

	if (flags & IB_WC_GRH)
		uflags |= BIT(0);	/* IBV_WC_GRH */
	if (flags & IB_WC_WITH_IMM)
		uflags |= BIT(1);	/* IBV_WC_WITH_IMM */
	if (flags & IB_WC_IP_CSUM_OK)
		uflags |= BIT(2);	/* IBV_WC_IP_CSUM_OK */
	if (flags & IB_WC_WITH_INVALIDATE)
		uflags |= BIT(3);	/* IBV_WC_WITH_INV */
	return uflags;
}

static void srx_wc_to_uwc(struct ib_uverbs_wc *uwc, const struct ib_wc *wc)
{
	memset(uwc, 0, sizeof(*uwc));
	uwc->wr_id = wc->wr_id;
	uwc->status = wc->status;
	uwc->opcode = wc->opcode;
	uwc->vendor_err = wc->vendor_err;
	uwc->byte_len = wc->byte_len;
	uwc->ex.imm_data = wc->ex.imm_data;
	uwc->qp_num = wc->qp->qp_num;
	uwc->src_qp = wc->src_qp;
	uwc->wc_flags = srx_uwc_flags(wc->wc_flags);
	uwc->pkey_index = wc->pkey_index;
	uwc->slid = wc->slid;
	uwc->sl = wc->sl;
	uwc->dlid_path_bits = wc->dlid_path_bits;
	uwc->port_num = wc->port_num;
}

/**
 * srx_cq_post - add a completion and run the notify logic
 * @cq: the CQ
 * @wc: the completion; wc->qp must be set
 * @solicited: the completion is for a solicited message
 * @owner: the governed QP whose SRQ WQE this completes, or NULL
 *
 * Return: 0, or -ENOSPC on overflow, which also raises IB_EVENT_CQ_ERR.
 */
int srx_cq_post(struct srx_cq *cq, const struct ib_wc *wc, bool solicited,
		struct srx_qp *owner)
{
	struct ib_event ev = {
		.device = cq->ibcq.device,
		.element.cq = &cq->ibcq,
		.event = IB_EVENT_CQ_ERR,
	};
	unsigned long flags;
	bool notify;
	void *slot;

	spin_lock_irqsave(&cq->lock, flags);
	if (srx_ring_full(cq->q.prod, srx_cq_reap(cq), cq->q.index_mask)) {
		spin_unlock_irqrestore(&cq->lock, flags);
		/* Nobody will consume it: credit the WQE as if flushed. */
		if (owner)
			srx_gov_flush(owner, 1);
		if (cq->ibcq.event_handler)
			cq->ibcq.event_handler(&ev, cq->ibcq.cq_context);
		return -ENOSPC;
	}
	slot = srx_queue_elem(&cq->q, cq->q.prod);
	srx_gov_cq_posted(cq, owner);
	if (cq->is_user)
		srx_wc_to_uwc(slot, wc);
	else
		memcpy(slot, wc, sizeof(*wc));
	srx_queue_advance_prod(&cq->q);
	notify = cq->notify == IB_CQ_NEXT_COMP ||
		 (cq->notify == IB_CQ_SOLICITED && solicited);
	if (notify)
		cq->notify = 0;
	spin_unlock_irqrestore(&cq->lock, flags);

	if (notify && cq->ibcq.comp_handler)
		cq->ibcq.comp_handler(&cq->ibcq, cq->ibcq.cq_context);
	return 0;
}
