// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: the completer. Consumes ACKs, NAKs, read responses and atomic
 * acknowledgements for the requester's packets, places response data,
 * and completes send queue WQEs strictly in order.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include "srx.h"

static enum ib_wc_opcode srx_wc_send_opcode(u32 op)
{
	switch (op) {
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
		return IB_WC_RDMA_WRITE;
	case IB_WR_RDMA_READ:
		return IB_WC_RDMA_READ;
	case IB_WR_ATOMIC_CMP_AND_SWP:
		return IB_WC_COMP_SWAP;
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		return IB_WC_FETCH_ADD;
	case IB_WR_ATOMIC_WRITE:
		return IB_WC_ATOMIC_WRITE;
	case IB_WR_FLUSH:
		return IB_WC_FLUSH;
	case IB_WR_LOCAL_INV:
		return IB_WC_LOCAL_INV;
	case IB_WR_REG_MR:
		return IB_WC_REG_MR;
	case IB_WR_BIND_MW:
		return IB_WC_BIND_MW;
	}
	return IB_WC_SEND;
}

/* The completion of @wqe into @wc; does it go to the CQ? */
static bool srx_comp_wc(struct srx_qp *qp, const struct rxe_send_wqe *wqe,
			const struct srx_sqe *sqe, struct ib_wc *wc)
{
	*wc = (struct ib_wc) {
		.wr_id = wqe->wr.wr_id,
		.status = sqe->status,
		.opcode = srx_wc_send_opcode(wqe->wr.opcode),
		.byte_len = sqe->len,
		.qp = &qp->ibqp,
		.port_num = 1,
	};
	return sqe->status != IB_WC_SUCCESS ||
	       qp->sq_sig_type == IB_SIGNAL_ALL_WR ||
	       (wqe->wr.send_flags & IB_SEND_SIGNALED);
}

/**
 * srx_comp_run - complete finished WQEs from the oldest on, in order
 * @qp: called from its engine
 *
 * An error completion moves the QP to the error state; the engine then
 * flushes what is left.
 */
void srx_comp_run(struct srx_qp *qp)
{
	struct srx_req *r = &qp->req;
	struct srx_sqe *sqe;
	unsigned long flags;
	struct ib_wc wc;
	bool signal;
	u32 idx;

	while ((idx = qp->sq.cons) != r->fetched) {
		sqe = srx_sqe(qp, idx);
		if (!sqe->done)
			break;
		/*
		 * The slot is free before its completion is seen: a process
		 * that posts again as soon as it polls must not find the
		 * send queue full.
		 */
		signal = srx_comp_wc(qp, srx_sq_wqe(qp, idx), sqe, &wc);
		spin_lock_irqsave(&qp->sq_lock, flags);
		srx_queue_advance_cons(&qp->sq);
		spin_unlock_irqrestore(&qp->sq_lock, flags);
		if (signal)
			srx_cq_post(to_scq(qp->ibqp.send_cq), &wc, false, NULL);
		if (sqe->status != IB_WC_SUCCESS) {
			srx_qp_error(qp);
			return;
		}
	}
}

/* The oldest unfinished WQE before @end. */
static struct srx_sqe *srx_comp_first_open(struct srx_qp *qp, u32 end,
					   u32 *idxp)
{
	u32 idx;

	for (idx = qp->sq.cons; idx != end; idx = srx_sq_next(qp, idx)) {
		if (!srx_sqe(qp, idx)->done) {
			if (idxp)
				*idxp = idx;
			return srx_sqe(qp, idx);
		}
	}
	return NULL;
}

/* The oldest WQE that is sent or being sent and not finished. */
static struct srx_sqe *srx_comp_oldest(struct srx_qp *qp, u32 *idxp)
{
	return srx_comp_first_open(qp, qp->req.fetched, idxp);
}

/*
 * The oldest unfinished WQE a read or atomic response can answer: one
 * that went out whole (before the requester's head). A WQE fetched but
 * held back has no PSN yet, and a response must never complete it.
 */
static struct srx_sqe *srx_comp_oldest_sent(struct srx_qp *qp, u32 *idxp)
{
	return srx_comp_first_open(qp, qp->req.head, idxp);
}

/* A response that answers nothing outstanding (a replay, a late one). */
static void srx_comp_stale(struct srx_qp *qp)
{
	srx_count(to_sdev(qp->ibqp.device), SRX_CNT_STALE_RESP);
}

/*
 * A response is missing: go back once. Responses still in flight from
 * before the rewind look like more gaps; they are ignored until the
 * missing one arrives (progress) or the retransmission timer fires.
 */
static void srx_comp_gap(struct srx_qp *qp)
{
	struct srx_req *r = &qp->req;

	if (r->gap_wait)
		return;
	r->gap_wait = true;
	r->retry = true;
}

/* Progress: the retry budgets start over and the timer restarts. */
static void srx_comp_progress(struct srx_qp *qp, u32 psn)
{
	struct srx_req *r = &qp->req;

	r->gap_wait = false;
	if (srx_psn_gt(psn, r->acked_psn))
		r->acked_psn = psn;
	r->retry_left = qp->attr.retry_cnt;
	r->rnr_left = qp->attr.rnr_retry;
	srx_req_arm(qp, true);
}

/*
 * Everything up to and including @psn has been received: finish the
 * sends and writes it covers. A read or atomic it covers whose response
 * has not arrived was lost: go back for it. Acknowledgment never moves
 * into a read or atomic; its responses do that.
 */
static void srx_comp_ack(struct srx_qp *qp, u32 psn)
{
	struct srx_req *r = &qp->req;
	u32 limit = srx_psn_add(psn, 1);
	struct srx_sqe *sqe;
	u32 idx;

	for (idx = qp->sq.cons; idx != r->head; idx = srx_sq_next(qp, idx)) {
		sqe = srx_sqe(qp, idx);
		if (sqe->done)
			continue;
		if (sqe->rd_atomic && srx_psn_gt(limit, sqe->first_psn))
			limit = sqe->first_psn;
		if (srx_psn_gt(sqe->last_psn, psn))
			break;
		if (sqe->rd_atomic) {
			srx_comp_gap(qp);
			break;
		}
		sqe->done = 1;
	}
	if (srx_psn_gt(limit, r->acked_psn))
		srx_comp_progress(qp, limit);
}

/* An ACK or NAK for a PSN never sent, or long acked, is stale. */
static bool srx_comp_psn_ok(struct srx_qp *qp, u32 psn)
{
	struct srx_req *r = &qp->req;

	return srx_psn_lt(psn, r->psn) &&
	       srx_psn_ge(psn, srx_psn_add(r->acked_psn, SRX_PSN_MASK));
}

static void srx_comp_fail(struct srx_qp *qp, enum ib_wc_status status)
{
	struct srx_sqe *sqe = srx_comp_oldest(qp, NULL);

	if (sqe) {
		sqe->status = status;
		sqe->done = 1;
	}
}

static void srx_comp_rnr(struct srx_qp *qp, u32 psn, u8 timer)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	struct srx_req *r = &qp->req;

	srx_count(sdev, SRX_CNT_RNR_NAK_RCVD);
	srx_comp_ack(qp, srx_psn_add(psn, SRX_PSN_MASK));
	if (!r->rnr_left) {
		srx_count(sdev, SRX_CNT_RNR_RETRY_EXC);
		srx_comp_fail(qp, IB_WC_RNR_RETRY_EXC_ERR);
		return;
	}
	/* rnr_retry 7 means retry for ever. */
	if (qp->attr.rnr_retry != 7)
		r->rnr_left--;
	r->rnr_wait = true;
	r->retry = true;
	timer_delete(&r->retrans_timer);
	mod_timer(&r->rnr_timer,
		  jiffies + max(1UL, usecs_to_jiffies(srx_rnr_timer_us(timer))));
}

static void srx_comp_nak(struct srx_qp *qp, u32 psn, u8 code)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	enum ib_wc_status status;

	/* Everything before the NAKed PSN was received. */
	srx_comp_ack(qp, srx_psn_add(psn, SRX_PSN_MASK));
	switch (code) {
	case SRX_NAK_PSN_SEQ:
		srx_count(sdev, SRX_CNT_SEQ_NAK_RCVD);
		qp->req.retry = true;
		return;
	case SRX_NAK_REM_ACCESS:
		srx_count(sdev, SRX_CNT_REM_ACCESS_ERR);
		status = IB_WC_REM_ACCESS_ERR;
		break;
	case SRX_NAK_REM_OP:
		srx_count(sdev, SRX_CNT_REM_OP_ERR);
		status = IB_WC_REM_OP_ERR;
		break;
	case SRX_NAK_INVALID_RD_REQ:
		srx_count(sdev, SRX_CNT_REM_INV_REQ_ERR);
		status = IB_WC_REM_INV_RD_REQ_ERR;
		break;
	default:
		srx_count(sdev, SRX_CNT_REM_INV_REQ_ERR);
		status = IB_WC_REM_INV_REQ_ERR;
		break;
	}
	srx_comp_fail(qp, status);
}

static void srx_comp_aeth(struct srx_qp *qp, const struct srx_pkt *pkt)
{
	u8 syn = srx_aeth_syn(srx_pkt_aeth(pkt));

	switch (srx_aeth_syn_type(syn)) {
	case SRX_AETH_ACK:
		/* Repeats an ACK already had (the peer's coalescing): counted. */
		if (srx_psn_lt(pkt->psn, qp->req.acked_psn))
			srx_count(to_sdev(qp->ibqp.device), SRX_CNT_STALE_RESP);
		srx_comp_ack(qp, pkt->psn);
		break;
	case SRX_AETH_RNR_NAK:
		srx_comp_rnr(qp, pkt->psn, srx_aeth_syn_val(syn));
		break;
	case SRX_AETH_NAK:
		srx_comp_nak(qp, pkt->psn, srx_aeth_syn_val(syn));
		break;
	default:
		srx_count(to_sdev(qp->ibqp.device), SRX_CNT_MALFORMED);
		break;
	}
}

/*
 * A read response's AETH (FIRST, LAST, ONLY) or an atomic ACK's must say
 * ACK: NAKs come as ACKNOWLEDGE packets, so anything else is malformed.
 */
static bool srx_comp_aeth_ok(struct srx_qp *qp, const struct srx_pkt *pkt)
{
	if (!(pkt->info->hdrs & SRX_HDR_AETH) ||
	    srx_aeth_syn_type(srx_aeth_syn(srx_pkt_aeth(pkt))) == SRX_AETH_ACK)
		return true;
	srx_count(to_sdev(qp->ibqp.device), SRX_CNT_MALFORMED);
	return false;
}

/* The empty read response that acknowledges an ATOMIC WRITE or FLUSH. */
static void srx_comp_read_ack(struct srx_qp *qp, const struct srx_pkt *pkt,
			      struct srx_sqe *sqe)
{
	if (pkt->psn != sqe->first_psn) {
		if (srx_psn_gt(pkt->psn, sqe->first_psn))
			srx_comp_gap(qp);
		srx_comp_stale(qp);
		return;
	}
	if ((pkt->opcode & 0x1f) != IB_OPCODE_RDMA_READ_RESPONSE_ONLY ||
	    pkt->payload_len) {
		srx_comp_fail(qp, IB_WC_BAD_RESP_ERR);
		return;
	}
	sqe->done = 1;
	qp->req.rd_inflight--;
	srx_comp_progress(qp, srx_psn_add(pkt->psn, 1));
}

/* A read response in order for @sqe, the oldest WQE (a READ): its data. */
static void srx_comp_read_data(struct srx_qp *qp, const struct srx_pkt *pkt,
			       struct rxe_send_wqe *wqe, struct srx_sqe *sqe)
{
	u32 op = pkt->opcode & 0x1f, expected;
	bool first = op == IB_OPCODE_RDMA_READ_RESPONSE_FIRST ||
		     op == IB_OPCODE_RDMA_READ_RESPONSE_ONLY;
	bool last = op == IB_OPCODE_RDMA_READ_RESPONSE_LAST ||
		    op == IB_OPCODE_RDMA_READ_RESPONSE_ONLY;
	struct srx_req *r = &qp->req;

	expected = srx_psn_add(sqe->first_psn, sqe->got / qp->mtu);
	if (pkt->psn != expected) {
		/* A response went missing: ask again. Older ones: ignore. */
		if (srx_psn_gt(pkt->psn, expected))
			srx_comp_gap(qp);
		srx_comp_stale(qp);
		return;
	}
	if (first != !sqe->got || (!last && pkt->payload_len != qp->mtu) ||
	    pkt->payload_len > sqe->len - sqe->got) {
		srx_comp_fail(qp, IB_WC_BAD_RESP_ERR);
		return;
	}
	if (first)
		memset(&r->rpos, 0, sizeof(r->rpos));
	if (srx_sgl_copy(qp, wqe->dma.sge, wqe->dma.num_sge, &r->rpos,
			 (void *)srx_pkt_payload(pkt), pkt->payload_len,
			 SRX_COPY_TO_MEM)) {
		srx_comp_fail(qp, IB_WC_LOC_PROT_ERR);
		return;
	}
	sqe->got += pkt->payload_len;
	if (last) {
		if (sqe->got != sqe->len) {
			srx_comp_fail(qp, IB_WC_BAD_RESP_ERR);
			return;
		}
		sqe->done = 1;
		r->rd_inflight--;
	}
	srx_comp_progress(qp, srx_psn_add(pkt->psn, 1));
}

/* A read response: for an RDMA READ, an ATOMIC WRITE or a FLUSH. */
static void srx_comp_read(struct srx_qp *qp, const struct srx_pkt *pkt)
{
	struct rxe_send_wqe *wqe;
	struct srx_sqe *sqe;
	u32 idx;

	/* Implicitly acks what precedes the read. */
	srx_comp_ack(qp, srx_psn_add(pkt->psn, SRX_PSN_MASK));
	if (!srx_comp_aeth_ok(qp, pkt))
		return;
	sqe = srx_comp_oldest_sent(qp, &idx);
	if (!sqe) {
		srx_comp_stale(qp);
		return;
	}
	wqe = srx_sq_wqe(qp, idx);
	if (wqe->wr.opcode == IB_WR_ATOMIC_WRITE ||
	    wqe->wr.opcode == IB_WR_FLUSH) {
		srx_comp_read_ack(qp, pkt, sqe);
		return;
	}
	if (wqe->wr.opcode != IB_WR_RDMA_READ) {
		srx_comp_stale(qp);
		return;
	}
	srx_comp_read_data(qp, pkt, wqe, sqe);
}

static void srx_comp_atomic(struct srx_qp *qp, const struct srx_pkt *pkt)
{
	struct srx_sgl_pos pos = {};
	struct rxe_send_wqe *wqe;
	struct srx_sqe *sqe;
	u64 orig;
	u32 idx;

	srx_comp_ack(qp, srx_psn_add(pkt->psn, SRX_PSN_MASK));
	if (!srx_comp_aeth_ok(qp, pkt))
		return;
	sqe = srx_comp_oldest_sent(qp, &idx);
	wqe = sqe ? srx_sq_wqe(qp, idx) : NULL;
	if (!wqe || sqe->first_psn != pkt->psn ||
	    (wqe->wr.opcode != IB_WR_ATOMIC_CMP_AND_SWP &&
	     wqe->wr.opcode != IB_WR_ATOMIC_FETCH_AND_ADD)) {
		srx_comp_stale(qp);
		return;
	}
	orig = srx_atmack_orig(srx_pkt_atmack(pkt));
	if (srx_sgl_copy(qp, wqe->dma.sge, wqe->dma.num_sge, &pos, &orig,
			 sizeof(orig), SRX_COPY_TO_MEM)) {
		srx_comp_fail(qp, IB_WC_LOC_PROT_ERR);
		return;
	}
	sqe->done = 1;
	qp->req.rd_inflight--;
	srx_comp_progress(qp, srx_psn_add(pkt->psn, 1));
}

/**
 * srx_comp_rcv - a response packet for this (requester) QP
 * @qp: an RC QP, called from its engine
 * @skb: the packet
 * @pkt: its parsed headers
 */
void srx_comp_rcv(struct srx_qp *qp, struct sk_buff *skb,
		  const struct srx_pkt *pkt)
{
	enum ib_qp_state state = READ_ONCE(qp->state);

	if (qp->ibqp.qp_type != IB_QPT_RC ||
	    (state != IB_QPS_RTS && state != IB_QPS_SQD)) {
		srx_count(to_sdev(qp->ibqp.device), SRX_CNT_BAD_STATE);
		return;
	}
	if (!srx_comp_psn_ok(qp, pkt->psn)) {
		srx_count(to_sdev(qp->ibqp.device), SRX_CNT_STALE_RESP);
		return;
	}
	if (pkt->info->flags & SRX_OPF_READ)
		srx_comp_read(qp, pkt);
	else if (pkt->info->hdrs & SRX_HDR_ATMACK)
		srx_comp_atomic(qp, pkt);
	else
		srx_comp_aeth(qp, pkt);
}

/* The retransmission timer fired with packets unacknowledged. */
void srx_comp_timeout(struct srx_qp *qp)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	struct srx_req *r = &qp->req;

	if (r->acked_psn == r->psn)
		return;
	srx_count(sdev, SRX_CNT_RETRY_TIMEOUTS);
	if (!r->retry_left) {
		srx_count(sdev, SRX_CNT_RETRY_EXC);
		srx_comp_fail(qp, IB_WC_RETRY_EXC_ERR);
		return;
	}
	r->retry_left--;
	r->retry = true;
}
