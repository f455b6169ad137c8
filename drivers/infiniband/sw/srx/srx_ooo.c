// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: bounded out-of-order holding. An RC QP on an SRQ may place a
 * single-packet SEND that arrives ahead of a PSN gap into an SRQ WQE and
 * hold it, completing it only once the gap fills; the sequence NAK is
 * deferred briefly, so a reordered packet costs no retransmission.
 *
 * Bounds: ooo_hold slots per QP (its OOO limit, settable down to 0),
 * and a hold must leave the QP room for one more WQE under its
 * governance limit (the in-order message): the OOO limit nests inside
 * the QP's limit. Per SRQ at most a quarter of its WQEs are held (its
 * OOO cap, settable), and never more than SRX_OOO_SRQ_MAX: the spare
 * list is allocated with the SRQ, charged to the caller's memory cgroup,
 * in one block that grows when a resize raises the cap. When the SRQ's
 * free WQEs fall to an eighth of its size (the release watermark,
 * settable), every held message is dropped and its WQE goes back to the
 * SRQ (a spare list drawn before the ring, since a user ring's producer
 * index is not ours to move); go-back-N brings the messages again. Held
 * WQEs count in the QP's held(q) like any other. Caps and watermark set
 * as SRX_GOV_OOO_DEFAULT follow the SRQ's size through resizes.
 *
 * Locking: slots, spares and the counts are under the SRQ lock. Only
 * the QP's own engine fills or completes its slots; anyone holding the
 * SRQ lock may release HELD ones.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/moduleparam.h>
#include <rdma/srx.h>

#include "srx.h"
#include "srx_trace.h"

#define SRX_OOO_MAX	32

static unsigned int srx_ooo_slots = 8;
module_param_named(ooo_hold, srx_ooo_slots, uint, 0644);
MODULE_PARM_DESC(ooo_hold,
		 "Messages an RC QP on an SRQ may hold ahead of a PSN gap (new QPs; 0: off, max 32, default 8)");

/* The OOO cap an SRQ of @max_wr WQEs has unless one is set. */
static u32 srx_ooo_default_cap(u32 max_wr)
{
	return clamp(max_wr / 4, 1U, SRX_OOO_SRQ_MAX);
}

int srx_ooo_srq_init(struct srx_srq *srq)
{
	srq->ooo_cap = SRX_GOV_OOO_DEFAULT;
	srq->ooo_low = SRX_GOV_OOO_DEFAULT;
	srq->spare_cap = srx_ooo_default_cap(srq->max_wr);
	srq->spare = kvcalloc(srq->spare_cap, srx_recv_wqe_size(srq->max_sge),
			      GFP_KERNEL_ACCOUNT);
	return srq->spare ? 0 : -ENOMEM;
}

/**
 * srx_ooo_spare_prep - a larger spare block for an SRQ about to resize
 * @srq: the SRQ
 * @max_wr: its new size
 * @spare: gets the block, or NULL if the current one is large enough
 * @cap: gets its WQEs
 *
 * Return: 0 or -ENOMEM.
 */
int srx_ooo_spare_prep(struct srx_srq *srq, u32 max_wr, void **spare,
		       u32 *cap)
{
	*cap = srx_ooo_default_cap(max_wr);
	*spare = NULL;
	if (*cap <= srq->spare_cap)
		return 0;
	*spare = kvcalloc(*cap, srx_recv_wqe_size(srq->max_sge),
			  GFP_KERNEL_ACCOUNT);
	return *spare ? 0 : -ENOMEM;
}

/*
 * The resize went through (srq locked): the spares move to the block
 * from srx_ooo_spare_prep(); @spare and @cap get the old one, to free.
 * A block no larger than the one in place (a concurrent resize grew it
 * meanwhile) stays with the caller: the block never shrinks, so what is
 * held and spare always fits.
 */
void srx_ooo_spare_swap(struct srx_srq *srq, void **spare, u32 *cap)
{
	lockdep_assert_held(&srq->lock);
	if (!*spare || *cap <= srq->spare_cap)
		return;
	memcpy(*spare, srq->spare,
	       (size_t)srq->nspare * srx_recv_wqe_size(srq->max_sge));
	swap(srq->spare, *spare);
	swap(srq->spare_cap, *cap);
}

void srx_ooo_srq_free(struct srx_srq *srq)
{
	kvfree(srq->spare);
	srq->spare = NULL;
}

/* Spare WQE @i: WQEs are max_sge-sized, so the block is indexed by hand. */
static struct rxe_recv_wqe *srx_ooo_spare(struct srx_srq *srq, u32 i)
{
	return srq->spare + (size_t)i * srx_recv_wqe_size(srq->max_sge);
}

int srx_ooo_qp_init(struct srx_qp *qp)
{
	struct srx_resp *rs = &qp->resp;
	u32 n = min(READ_ONCE(srx_ooo_slots), SRX_OOO_MAX), i;
	size_t size;

	if (qp->ibqp.qp_type != IB_QPT_RC || !qp->ibqp.srq || !n)
		return 0;
	size = srx_recv_wqe_size(to_ssrq(qp->ibqp.srq)->max_sge);
	rs->ooo = kcalloc(n, sizeof(*rs->ooo), GFP_KERNEL_ACCOUNT);
	if (!rs->ooo)
		return -ENOMEM;
	rs->nooo = n;
	rs->ooo_limit = n;
	for (i = 0; i < n; i++) {
		rs->ooo[i].wqe = kzalloc(size, GFP_KERNEL_ACCOUNT);
		if (!rs->ooo[i].wqe) {
			srx_ooo_qp_free(qp);
			return -ENOMEM;
		}
	}
	return 0;
}

void srx_ooo_qp_free(struct srx_qp *qp)
{
	struct srx_resp *rs = &qp->resp;
	u32 i;

	for (i = 0; i < rs->nooo; i++)
		kfree(rs->ooo[i].wqe);
	kfree(rs->ooo);
	rs->ooo = NULL;
	rs->nooo = 0;
}

/*
 * The spare WQE (a released hold's) a draw takes next, if any; drawn
 * before the ring's. srx_ooo_pop_spare() takes it once admitted.
 */
const void *srx_ooo_next_spare(struct srx_srq *srq)
{
	lockdep_assert_held(&srq->lock);
	return srq->nspare ? srx_ooo_spare(srq, srq->nspare - 1) : NULL;
}

void srx_ooo_pop_spare(struct srx_srq *srq)
{
	lockdep_assert_held(&srq->lock);
	srq->nspare--;
}

/* Drop the message @slot of @qp holds; its WQE goes back to the SRQ. */
void srx_ooo_release_slot(struct srx_qp *qp, struct srx_ooo_slot *slot)
{
	struct srx_srq *srq = to_ssrq(qp->ibqp.srq);

	lockdep_assert_held(&srq->lock);
	memcpy(srx_ooo_spare(srq, srq->nspare++), slot->wqe,
	       srx_recv_wqe_size(srq->max_sge));
	slot->state = SRX_OOO_FREE;
	qp->resp.nheld--;
	srq->ooo_held--;
	srx_gov_ooo_released(qp, srq, slot->key);
	trace_srx_ooo_release(qp->ibqp.device->name, qp->ibqp.qp_num,
			      slot->psn);
	srx_count(to_sdev(qp->ibqp.device), SRX_CNT_OOO_RELEASED);
}

/* Drop every message @qp holds ahead of a gap. */
void srx_ooo_release_qp_locked(struct srx_qp *qp)
{
	struct srx_resp *rs = &qp->resp;
	u32 i;

	for (i = 0; i < rs->nooo && rs->nheld; i++)
		if (rs->ooo[i].state == SRX_OOO_HELD)
			srx_ooo_release_slot(qp, &rs->ooo[i]);
}

void srx_ooo_release_qp(struct srx_qp *qp)
{
	struct srx_srq *srq;
	unsigned long flags;

	if (!qp->resp.nooo)
		return;
	srq = to_ssrq(qp->ibqp.srq);
	spin_lock_irqsave(&srq->lock, flags);
	srx_ooo_release_qp_locked(qp);
	spin_unlock_irqrestore(&srq->lock, flags);
}

/*
 * Held messages the expected PSN went past (a READ's responses take
 * PSNs too, or a peer jumped) can never complete in order: they go back
 * now, or they would complete stale when the PSN came round again.
 */
void srx_ooo_release_stale(struct srx_qp *qp)
{
	struct srx_srq *srq = to_ssrq(qp->ibqp.srq);
	struct srx_resp *rs = &qp->resp;
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&srq->lock, flags);
	for (i = 0; i < rs->nooo && rs->nheld; i++)
		if (rs->ooo[i].state == SRX_OOO_HELD &&
		    srx_psn_diff(rs->ooo[i].psn, rs->psn) < 0)
			srx_ooo_release_slot(qp, &rs->ooo[i]);
	spin_unlock_irqrestore(&srq->lock, flags);
}

/* The SRQ runs low: every QP's held messages give their WQEs back. */
void srx_ooo_release_srq(struct srx_srq *srq)
{
	struct srx_qp *qp;

	lockdep_assert_held(&srq->lock);
	srx_gov_for_each_qp(qp, srq) {
		if (!srq->ooo_held)
			break;
		srx_ooo_release_qp_locked(qp);
	}
}

/*
 * May @qp take one more SRQ WQE to hold a message ahead of a gap? The
 * SRQ must stay above its watermark after it, and the QP must keep room
 * under its limit for the message that fills the gap.
 */
u32 srx_ooo_low(const struct srx_srq *srq)
{
	if (srq->ooo_low != SRX_GOV_OOO_DEFAULT)
		return srq->ooo_low;
	return max(srq->max_wr / 8, 2U);
}

/* The most WQEs the SRQ's QPs may hold ahead of gaps, all together. */
u32 srx_ooo_srq_cap(const struct srx_srq *srq)
{
	u32 cap = srq->ooo_cap;

	if (cap == SRX_GOV_OOO_DEFAULT)
		cap = srx_ooo_default_cap(srq->max_wr);
	return min(cap, srq->spare_cap);
}

/**
 * srx_ooo_srq_set - an SRQ's OOO cap and release watermark
 * @srq: the SRQ
 * @cap: WQEs held at most (0: none), or SRX_GOV_OOO_DEFAULT
 * @low: free WQEs at which holds are released, or SRX_GOV_OOO_DEFAULT
 *
 * Holds over a lowered cap stay until they complete or are released.
 * Return: 0, or -EINVAL for a cap over SRX_OOO_SRQ_MAX.
 */
int srx_ooo_srq_set(struct srx_srq *srq, u32 cap, u32 low)
{
	if (!srx_ooo_srq_cap_ok(cap))
		return -EINVAL;
	spin_lock_irq(&srq->lock);
	srq->ooo_cap = cap;
	srq->ooo_low = low;
	srx_ooo_check_low(srq);
	spin_unlock_irq(&srq->lock);
	return 0;
}

/* May @qp's OOO limit be @limit (srx_ooo_qp_set())? */
bool srx_ooo_qp_limit_ok(const struct srx_qp *qp, u32 limit)
{
	return limit == SRX_GOV_OOO_DEFAULT || limit <= qp->resp.nooo;
}

/* May an SRQ's OOO cap be @cap (srx_ooo_srq_set())? */
bool srx_ooo_srq_cap_ok(u32 cap)
{
	return cap == SRX_GOV_OOO_DEFAULT || cap <= SRX_OOO_SRQ_MAX;
}

/**
 * srx_ooo_qp_set - the messages an RC QP may hold ahead of a gap
 * @qp: a QP on an SRQ
 * @limit: 0 .. the ooo_hold slots it was created with, or
 *	SRX_GOV_OOO_DEFAULT for all of them
 *
 * Return: 0, or -EINVAL over its slots.
 */
int srx_ooo_qp_set(struct srx_qp *qp, u32 limit)
{
	struct srx_srq *srq = to_ssrq(qp->ibqp.srq);

	if (!srx_ooo_qp_limit_ok(qp, limit))
		return -EINVAL;
	if (limit == SRX_GOV_OOO_DEFAULT)
		limit = qp->resp.nooo;
	spin_lock_irq(&srq->lock);
	WRITE_ONCE(qp->resp.ooo_limit, limit);
	spin_unlock_irq(&srq->lock);
	return 0;
}

/* After a draw: at the watermark, held messages give their WQEs back. */
void srx_ooo_check_low(struct srx_srq *srq)
{
	lockdep_assert_held(&srq->lock);
	if (srq->ooo_held && srx_srq_avail(srq) <= srx_ooo_low(srq))
		srx_ooo_release_srq(srq);
}

bool srx_ooo_may_hold(struct srx_qp *qp, struct srx_srq *srq)
{
	lockdep_assert_held(&srq->lock);
	if (srq->ooo_held + srq->nspare >= srx_ooo_srq_cap(srq) ||
	    qp->resp.nheld >= qp->resp.ooo_limit ||
	    srx_srq_avail(srq) <= srx_ooo_low(srq) + 1)
		return false;
	return srx_gov_room(qp, srq, 2);
}

/*
 * Messages held ahead of the gap that has now filled complete in order,
 * from their own WQEs: no copy, no retransmission.
 */
void srx_ooo_drain(struct srx_qp *qp)
{
	struct srx_srq *srq = to_ssrq(qp->ibqp.srq);
	struct srx_resp *rs = &qp->resp;
	struct srx_ooo_slot *slot;
	struct ib_wc wc;
	bool se, found;
	u32 i;
	unsigned long flags;

	do {
		found = false;
		spin_lock_irqsave(&srq->lock, flags);
		for (i = 0; i < rs->nooo && rs->nheld; i++) {
			slot = &rs->ooo[i];
			if (slot->state != SRX_OOO_HELD || slot->psn != rs->psn)
				continue;
			memset(&wc, 0, sizeof(wc));
			wc.wr_id = slot->wqe->wr_id;
			wc.opcode = IB_WC_RECV;
			wc.byte_len = slot->placed;
			wc.qp = &qp->ibqp;
			wc.port_num = 1;
			if (slot->has_imm) {
				wc.wc_flags = IB_WC_WITH_IMM;
				wc.ex.imm_data = slot->imm;
			}
			se = slot->se;
			rs->ack_pending |= slot->ack_req;
			slot->state = SRX_OOO_FREE;
			rs->nheld--;
			srq->ooo_held--;
			found = true;
			break;
		}
		spin_unlock_irqrestore(&srq->lock, flags);
		if (!found)
			break;
		srx_count(to_sdev(qp->ibqp.device), SRX_CNT_OOO_COMPLETED);
		rs->psn = srx_psn_add(rs->psn, 1);
		rs->msn = (rs->msn + 1) & SRX_AETH_MSN_MASK;
		srx_cq_post(to_scq(qp->ibqp.recv_cq), &wc, se, qp);
	} while (rs->nheld);
}

/* A free slot of @qp for a message at @psn; NULL if none or held already. */
static struct srx_ooo_slot *srx_ooo_slot_get(struct srx_qp *qp, u32 psn,
					     bool *dup)
{
	struct srx_srq *srq = to_ssrq(qp->ibqp.srq);
	struct srx_resp *rs = &qp->resp;
	struct srx_ooo_slot *free = NULL;
	u32 i;
	unsigned long flags;

	*dup = false;
	spin_lock_irqsave(&srq->lock, flags);
	for (i = 0; i < rs->nooo; i++) {
		if (rs->ooo[i].state == SRX_OOO_FREE) {
			free = free ?: &rs->ooo[i];
		} else if (rs->ooo[i].psn == psn) {
			*dup = true;
			free = NULL;
			break;
		}
	}
	if (free)
		free->state = SRX_OOO_FILLING;
	spin_unlock_irqrestore(&srq->lock, flags);
	return free;
}

/* A hold that could not be completed gives its WQE back. */
static void srx_ooo_unhold(struct srx_qp *qp, struct srx_ooo_slot *slot)
{
	struct srx_srq *srq = to_ssrq(qp->ibqp.srq);
	unsigned long flags;

	spin_lock_irqsave(&srq->lock, flags);
	srx_ooo_release_slot(qp, slot);
	spin_unlock_irqrestore(&srq->lock, flags);
}

/**
 * srx_ooo_reserve - a free hold slot of @qp for @pkt, if it may be held
 * @qp: the responder RC QP on an SRQ
 * @pkt: a packet that arrived ahead of the expected PSN
 * @dup: set if the message at @pkt's PSN is held (or being held) already
 *
 * Only a single-packet SEND without invalidate, within the hold window
 * and the path MTU, while the QP's OOO limit is not 0. The slot is the
 * caller's (FILLING) until srx_ooo_place() or srx_ooo_cancel().
 *
 * Return: the slot, or NULL.
 */
struct srx_ooo_slot *srx_ooo_reserve(struct srx_qp *qp,
				     const struct srx_pkt *pkt, bool *dup)
{
	u16 f = pkt->info->flags;

	*dup = false;
	if (!READ_ONCE(qp->resp.ooo_limit) || !(f & SRX_OPF_SEND) ||
	    !(f & SRX_OPF_FIRST) ||
	    !(f & SRX_OPF_LAST) || (pkt->info->hdrs & SRX_HDR_IETH) ||
	    srx_psn_diff(pkt->psn, qp->resp.psn) > SRX_OOO_WINDOW ||
	    pkt->payload_len > qp->mtu)
		return NULL;
	return srx_ooo_slot_get(qp, pkt->psn, dup);
}

/* A reserved slot that got no WQE is free again. */
void srx_ooo_cancel(struct srx_qp *qp, struct srx_ooo_slot *slot)
{
	struct srx_srq *srq = to_ssrq(qp->ibqp.srq);
	unsigned long flags;

	spin_lock_irqsave(&srq->lock, flags);
	slot->state = SRX_OOO_FREE;
	spin_unlock_irqrestore(&srq->lock, flags);
}

/**
 * srx_ooo_place - place @pkt's payload in a reserved slot's WQE and hold it
 * @qp: the responder QP
 * @slot: from srx_ooo_reserve(), its WQE taken and charged
 * @pkt: the message
 * @len: the bytes the WQE's SGEs can take (srx_rqe_len())
 *
 * Return: true if held; false if the WQE cannot take the message (its
 * WQE goes back: in order, the same message fails properly).
 */
bool srx_ooo_place(struct srx_qp *qp, struct srx_ooo_slot *slot,
		   const struct srx_pkt *pkt, u32 len)
{
	struct srx_srq *srq = to_ssrq(qp->ibqp.srq);
	struct srx_sgl_pos pos = {};
	unsigned long flags;

	/* As charged (the name its post got), for the release's credit. */
	slot->key = qp->resp.gov_key;
	if (pkt->payload_len > len ||
	    srx_sgl_copy(qp, slot->wqe->dma.sge, slot->wqe->dma.num_sge, &pos,
			 (void *)srx_pkt_payload(pkt), pkt->payload_len,
			 SRX_COPY_TO_MEM)) {
		srx_ooo_unhold(qp, slot);
		return false;
	}
	slot->psn = pkt->psn;
	slot->placed = pkt->payload_len;
	slot->has_imm = pkt->info->hdrs & SRX_HDR_IMMDT;
	slot->imm = slot->has_imm ? srx_immdt_imm(srx_pkt_immdt(pkt)) : 0;
	slot->se = pkt->se;
	slot->ack_req = pkt->ack_req;
	spin_lock_irqsave(&srq->lock, flags);
	slot->state = SRX_OOO_HELD;
	srx_gov_ooo_held(qp, srq);
	spin_unlock_irqrestore(&srq->lock, flags);
	srx_count(to_sdev(qp->ibqp.device), SRX_CNT_OOO_HELD);
	return true;
}
