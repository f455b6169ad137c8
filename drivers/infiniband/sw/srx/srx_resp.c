// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: the responder. Executes requests arriving for a QP: places SENDs
 * in receive WQEs (its own RQ or the SRQ), performs RDMA WRITE, READ and
 * atomics against registered memory, and answers with coalesced ACKs,
 * NAKs, read responses and atomic acknowledgments.
 *
 * Receive WQEs are copied out of their ring before use, so a process
 * that rewrites its ring cannot change a buffer the kernel is filling.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>

#include "srx.h"

/* Read response packets one engine pass sends before yielding. */
#define SRX_READ_BUDGET	64
#define SRX_GRH_LEN	40

int srx_resp_init(struct srx_qp *qp)
{
	qp->resp.wqe = kzalloc(srx_recv_wqe_size(SRX_MAX_SGE),
			       GFP_KERNEL_ACCOUNT);
	if (!qp->resp.wqe)
		return -ENOMEM;
	if (qp->ibqp.qp_type == IB_QPT_RC)
		qp->resp.res = kcalloc(SRX_MAX_RD_ATOMIC, sizeof(*qp->resp.res),
				       GFP_KERNEL_ACCOUNT);
	if ((qp->ibqp.qp_type == IB_QPT_RC && !qp->resp.res) ||
	    srx_ooo_qp_init(qp)) {
		srx_resp_free(qp);
		return -ENOMEM;
	}
	return 0;
}

void srx_resp_free(struct srx_qp *qp)
{
	srx_ooo_qp_free(qp);
	kfree(qp->resp.res);
	kfree(qp->resp.wqe);
	qp->resp.res = NULL;
	qp->resp.wqe = NULL;
}

/* On the move to RTR: expect rq_psn, forget every earlier message. */
void srx_resp_reset(struct srx_qp *qp)
{
	struct srx_resp *rs = &qp->resp;

	srx_qp_path_init(qp);
	rs->psn = qp->attr.rq_psn & SRX_PSN_MASK;
	rs->msn = 0;
	rs->in_send = false;
	rs->in_write = false;
	rs->nak_sent = false;
	rs->ooo_gap = false;
	rs->has_wqe = false;
	rs->ack_pending = false;
	rs->rd.active = false;
	rs->nres = clamp_t(u32, qp->attr.max_dest_rd_atomic, 1,
			   SRX_MAX_RD_ATOMIC);
	rs->res_next = 0;
	if (rs->res)
		memset(rs->res, 0, SRX_MAX_RD_ATOMIC * sizeof(*rs->res));
}

/* Take the next receive WQE into rs->wqe, to fill in order. */
static enum srx_resp_verdict srx_resp_get_wqe(struct srx_qp *qp)
{
	struct srx_resp *rs = &qp->resp;
	enum srx_resp_verdict v;

	v = srx_rqe_get(qp, rs->wqe, SRX_RQE_IN_ORDER);
	if (v != SRX_RV_DONE)
		return v;
	rs->wqe_len = srx_rqe_len(qp, rs->wqe);
	memset(&rs->pos, 0, sizeof(rs->pos));
	rs->placed = 0;
	rs->has_wqe = true;
	return SRX_RV_DONE;
}

static void srx_resp_ud_info(struct srx_qp *qp, struct sk_buff *skb,
			     const struct srx_pkt *pkt, struct ib_wc *wc)
{
	wc->src_qp = srx_deth_sqp(srx_pkt_deth(pkt));
	wc->wc_flags |= IB_WC_GRH | IB_WC_WITH_NETWORK_HDR_TYPE | IB_WC_WITH_SMAC;
	wc->network_hdr_type = ip_hdr(skb)->version == 4 ? RDMA_NETWORK_IPV4 :
			       RDMA_NETWORK_IPV6;
	if (skb_mac_header_was_set(skb) && skb_mac_header_len(skb) >= ETH_HLEN)
		ether_addr_copy(wc->smac, eth_hdr(skb)->h_source);
	else
		ether_addr_copy(wc->smac, to_sdev(qp->ibqp.device)->ndev->dev_addr);
}

/* Complete the receive WQE in use. @pkt is NULL for a flush. */
static void srx_resp_complete(struct srx_qp *qp, enum ib_wc_status status,
			      enum ib_wc_opcode opcode, struct sk_buff *skb,
			      const struct srx_pkt *pkt)
{
	struct srx_resp *rs = &qp->resp;
	struct ib_wc wc = {
		.wr_id = rs->wqe->wr_id,
		.status = status,
		.opcode = opcode,
		.byte_len = rs->placed,
		.qp = &qp->ibqp,
		.port_num = 1,
	};

	if (!rs->has_wqe)
		return;
	rs->has_wqe = false;
	if (pkt && status == IB_WC_SUCCESS) {
		if (pkt->info->hdrs & SRX_HDR_IMMDT) {
			wc.wc_flags |= IB_WC_WITH_IMM;
			wc.ex.imm_data = srx_immdt_imm(srx_pkt_immdt(pkt));
		}
		if (pkt->info->hdrs & SRX_HDR_IETH) {
			wc.wc_flags |= IB_WC_WITH_INVALIDATE;
			wc.ex.invalidate_rkey = srx_ieth_rkey(srx_pkt_ieth(pkt));
		}
		if (pkt->info->hdrs & SRX_HDR_DETH)
			srx_resp_ud_info(qp, skb, pkt, &wc);
	}
	/* A flushed SRQ WQE was credited already; others when consumed. */
	srx_cq_post(to_scq(qp->ibqp.recv_cq), &wc, pkt && pkt->se,
		    qp->ibqp.srq && pkt ? qp : NULL);
}

/* The SRQ WQE being filled will never complete: credit its draw. */
static void srx_resp_credit_wqe(struct srx_qp *qp)
{
	if (qp->resp.has_wqe)
		srx_gov_flush(qp, 1);
}

/* Back to RESET: the WQE being filled is forgotten, its draw credited. */
void srx_resp_drop_wqe(struct srx_qp *qp)
{
	srx_resp_credit_wqe(qp);
	qp->resp.has_wqe = false;
}

/* The QP is in error: the WQE being filled completes as flushed. */
void srx_resp_flush(struct srx_qp *qp)
{
	srx_ooo_release_qp(qp);
	qp->resp.ooo_gap = false;
	srx_resp_credit_wqe(qp);
	srx_resp_complete(qp, IB_WC_WR_FLUSH_ERR, IB_WC_RECV, NULL, NULL);
	qp->resp.rd.active = false;
}

/**
 * srx_send_ack - send an ACK, NAK or atomic acknowledgment
 * @qp: the responder QP
 * @opcode: IB_OPCODE_RC_ACKNOWLEDGE or IB_OPCODE_RC_ATOMIC_ACKNOWLEDGE
 * @syn: the AETH syndrome
 * @psn: the PSN acknowledged or NAKed
 * @orig: the atomic's original value
 */
int srx_send_ack(struct srx_qp *qp, u8 opcode, u8 syn, u32 psn, u64 orig)
{
	struct srx_pkt_fields f = {
		.opcode = opcode,
		.pkey = 0xffff,
		.qpn = qp->attr.dest_qp_num,
		.psn = psn,
		.syn = syn,
		.msn = qp->resp.msn,
		.orig = orig,
	};
	struct sk_buff *skb;
	void *data;

	skb = srx_pkt_new(qp, &qp->av, &f, &data);
	if (!skb) {
		/* Lost like a packet on the wire: the requester's timer. */
		srx_count(to_sdev(qp->ibqp.device), SRX_CNT_TX_ERR);
		return -ENOMEM;
	}
	return srx_xmit(to_sdev(qp->ibqp.device), &qp->av, qp->src_port, skb,
			&qp->dst_cache);
}

static int srx_resp_nak(struct srx_qp *qp, u8 syn, u32 psn)
{
	qp->resp.ack_pending = false;
	return srx_send_ack(qp, IB_OPCODE_RC_ACKNOWLEDGE, syn, psn, 0);
}

/*
 * One sequence NAK per gap. If it could not be sent, the next packet
 * past the gap tries again rather than waiting for the peer's timer.
 */
static void srx_resp_seq_nak(struct srx_qp *qp)
{
	struct srx_resp *rs = &qp->resp;

	rs->ooo_gap = false;
	if (rs->nak_sent)
		return;
	srx_count(to_sdev(qp->ibqp.device), SRX_CNT_SEQ_NAK_SENT);
	rs->nak_sent = !srx_resp_nak(qp, srx_aeth_syn_nak(SRX_NAK_PSN_SEQ),
				     rs->psn);
}

/* The deferred NAK's time: the gap did not fill, recover it. */
void srx_resp_nak_due(struct srx_qp *qp)
{
	if (qp->resp.ooo_gap)
		srx_resp_seq_nak(qp);
}

/* The coalesced ACK for everything received in order so far. */
void srx_resp_flush_ack(struct srx_qp *qp)
{
	struct srx_resp *rs = &qp->resp;

	if (!rs->ack_pending)
		return;
	rs->ack_pending = false;
	srx_send_ack(qp, IB_OPCODE_RC_ACKNOWLEDGE,
		     srx_aeth_syn_ack(SRX_AETH_NO_CREDITS),
		     srx_psn_add(rs->psn, SRX_PSN_MASK), 0);
}

/* SEND: place the payload in the receive WQE. */
static enum srx_resp_verdict srx_resp_send(struct srx_qp *qp,
					   struct sk_buff *skb,
					   const struct srx_pkt *pkt)
{
	struct srx_resp *rs = &qp->resp;
	bool first = pkt->info->flags & SRX_OPF_FIRST;
	bool last = pkt->info->flags & SRX_OPF_LAST;
	enum srx_resp_verdict v;

	if (first && !rs->has_wqe) {
		/* RNR, or governance's refusal */
		v = srx_resp_get_wqe(qp);
		if (v != SRX_RV_DONE)
			return v;
	}
	if (!rs->has_wqe)
		return SRX_RV_INV_REQ;
	if (pkt->payload_len > rs->wqe_len - rs->placed) {
		srx_resp_complete(qp, IB_WC_LOC_LEN_ERR, IB_WC_RECV, skb, pkt);
		return SRX_RV_INV_REQ;
	}
	if (srx_sgl_copy(qp, rs->wqe->dma.sge, rs->wqe->dma.num_sge, &rs->pos,
			 (void *)srx_pkt_payload(pkt), pkt->payload_len,
			 SRX_COPY_TO_MEM)) {
		srx_resp_complete(qp, IB_WC_LOC_PROT_ERR, IB_WC_RECV, skb, pkt);
		return SRX_RV_REM_OP;
	}
	rs->placed += pkt->payload_len;
	rs->in_send = !last;
	if (!last)
		return SRX_RV_DONE;
	if ((pkt->info->hdrs & SRX_HDR_IETH) &&
	    srx_remote_inv(qp, srx_ieth_rkey(srx_pkt_ieth(pkt)))) {
		srx_resp_complete(qp, IB_WC_LOC_QP_OP_ERR, IB_WC_RECV, skb, pkt);
		return SRX_RV_INV_REQ;
	}
	srx_resp_complete(qp, IB_WC_SUCCESS, IB_WC_RECV, skb, pkt);
	return SRX_RV_DONE;
}

/* RDMA WRITE: check the whole range on the first packet, then place. */
static enum srx_resp_verdict srx_resp_write(struct srx_qp *qp,
					    struct sk_buff *skb,
					    const struct srx_pkt *pkt)
{
	struct srx_resp *rs = &qp->resp;
	bool last = pkt->info->flags & SRX_OPF_LAST;
	u32 len = pkt->payload_len;
	enum srx_resp_verdict v;
	struct srx_mr *mr;
	int err;

	if (pkt->info->flags & SRX_OPF_FIRST) {
		const struct srx_reth *reth = srx_pkt_reth(pkt);

		rs->va = srx_reth_va(reth);
		rs->rkey = srx_reth_rkey(reth);
		rs->resid = srx_reth_len(reth);
		rs->wlen = rs->resid;
		if (rs->resid) {
			mr = srx_rkey_get(qp, rs->rkey, &rs->va, rs->resid,
					  IB_ACCESS_REMOTE_WRITE);
			if (!mr)
				return SRX_RV_REM_ACCESS;
			srx_mr_put(mr);
		}
	}
	if (len > rs->resid || (last && len != rs->resid))
		return SRX_RV_INV_REQ;
	if (last && (pkt->info->hdrs & SRX_HDR_IMMDT) && !rs->has_wqe) {
		v = srx_resp_get_wqe(qp);
		if (v != SRX_RV_DONE)
			return v;
	}
	if (len) {
		mr = srx_rkey_get(qp, rs->rkey, &rs->va, len,
				  IB_ACCESS_REMOTE_WRITE);
		if (!mr)
			return SRX_RV_REM_ACCESS;
		err = srx_mr_copy(mr, rs->va, (void *)srx_pkt_payload(pkt), len,
				  SRX_COPY_TO_MEM);
		srx_mr_put(mr);
		if (err)
			return SRX_RV_REM_ACCESS;
	}
	rs->va += len;
	rs->resid -= len;
	rs->in_write = !last;
	if (last && (pkt->info->hdrs & SRX_HDR_IMMDT)) {
		rs->placed = rs->wlen;
		srx_resp_complete(qp, IB_WC_SUCCESS, IB_WC_RECV_RDMA_WITH_IMM,
				  skb, pkt);
	}
	return SRX_RV_DONE;
}

/* Send up to a budget of the read responses still owed. */
static void srx_resp_read_continue(struct srx_qp *qp)
{
	struct srx_read_state *rd = &qp->resp.rd;
	struct srx_pkt_fields f = {
		.pkey = 0xffff,
		.qpn = qp->attr.dest_qp_num,
		.syn = srx_aeth_syn_ack(SRX_AETH_NO_CREDITS),
	};
	int budget = SRX_READ_BUDGET;
	struct sk_buff *skb;
	struct srx_mr *mr;
	bool first, last;
	void *data;
	u32 n;

	while (rd->active && budget--) {
		n = min(rd->resid, qp->mtu);
		first = rd->first;
		last = n == rd->resid;
		f.opcode = first && last ? IB_OPCODE_RC_RDMA_READ_RESPONSE_ONLY :
			   first ? IB_OPCODE_RC_RDMA_READ_RESPONSE_FIRST :
			   last ? IB_OPCODE_RC_RDMA_READ_RESPONSE_LAST :
			   IB_OPCODE_RC_RDMA_READ_RESPONSE_MIDDLE;
		f.psn = rd->psn;
		f.payload_len = n;
		f.msn = qp->resp.msn;
		skb = srx_pkt_new(qp, &qp->av, &f, &data);
		if (!skb)
			return;
		if (n) {
			mr = srx_rkey_get(qp, rd->rkey, &rd->va, n,
					  IB_ACCESS_REMOTE_READ);
			if (!mr || srx_mr_copy(mr, rd->va, data, n,
					       SRX_COPY_FROM_MEM)) {
				if (mr)
					srx_mr_put(mr);
				kfree_skb(skb);
				rd->active = false;
				srx_resp_nak(qp, srx_aeth_syn_nak(SRX_NAK_REM_ACCESS),
					     rd->psn);
				return;
			}
			srx_mr_put(mr);
		}
		srx_xmit(to_sdev(qp->ibqp.device), &qp->av, qp->src_port, skb,
			 &qp->dst_cache);
		rd->va += n;
		rd->resid -= n;
		rd->psn = srx_psn_add(rd->psn, 1);
		rd->first = false;
		rd->active = !last;
	}
}

/* Is a read still being answered? Then the engine comes back to it. */
bool srx_resp_busy(struct srx_qp *qp)
{
	if (!qp->resp.rd.active)
		return false;
	srx_resp_read_continue(qp);
	return qp->resp.rd.active;
}

static struct srx_rdres *srx_resp_res_find(struct srx_qp *qp, u32 psn)
{
	struct srx_rdres *res;
	u32 i;

	for (i = 0; i < qp->resp.nres; i++) {
		res = &qp->resp.res[i];
		if (res->opcode && srx_psn_diff(psn, res->psn) >= 0 &&
		    srx_psn_diff(res->last_psn, psn) >= 0)
			return res;
	}
	return NULL;
}

/* The next responder resource, recycled oldest first. */
static struct srx_rdres *srx_resp_res_new(struct srx_qp *qp, u8 opcode,
					  u32 psn, u32 last_psn)
{
	struct srx_resp *rs = &qp->resp;
	struct srx_rdres *res = &rs->res[rs->res_next];

	rs->res_next = (rs->res_next + 1) % rs->nres;
	memset(res, 0, sizeof(*res));
	res->opcode = opcode;
	res->psn = psn;
	res->last_psn = last_psn;
	return res;
}

/*
 * A repeated READ is answered only inside a read served before: the same
 * rkey, a range within it, a PSN among its responses. Anything else was
 * never served, so there is nothing to repeat (IBTA class D: dropped).
 */
static bool srx_resp_read_served(struct srx_qp *qp, const struct srx_pkt *pkt)
{
	const struct srx_reth *reth = srx_pkt_reth(pkt);
	struct srx_rdres *res = srx_resp_res_find(qp, pkt->psn);

	return res && (res->opcode & 0x1f) == IB_OPCODE_RDMA_READ_REQUEST &&
	       srx_reth_rkey(reth) == res->rkey &&
	       srx_range_within(res->va, res->len, srx_reth_va(reth),
				srx_reth_len(reth));
}

/* RDMA READ, new or repeated: answer from the RETH of this request. */
static enum srx_resp_verdict srx_resp_read(struct srx_qp *qp,
					   const struct srx_pkt *pkt, bool dup)
{
	const struct srx_reth *reth = srx_pkt_reth(pkt);
	struct srx_resp *rs = &qp->resp;
	struct srx_read_state *rd = &rs->rd;
	u32 len = srx_reth_len(reth);
	u64 va = srx_reth_va(reth);
	struct srx_rdres *res;
	struct srx_mr *mr;
	u32 nseg;

	if (len > SRX_MAX_MSG_SZ)
		return SRX_RV_INV_REQ;
	if (dup && !srx_resp_read_served(qp, pkt))
		return SRX_RV_DONE;
	if (len) {
		mr = srx_rkey_get(qp, srx_reth_rkey(reth), &va, len,
				  IB_ACCESS_REMOTE_READ);
		if (!mr)
			return SRX_RV_REM_ACCESS;
		srx_mr_put(mr);
	}
	rd->va = va;
	rd->rkey = srx_reth_rkey(reth);
	rd->resid = len;
	rd->psn = pkt->psn;
	rd->first = true;
	rd->active = true;
	if (!dup) {
		nseg = srx_seg_count(len, qp->mtu);
		res = srx_resp_res_new(qp, pkt->opcode, pkt->psn,
				       srx_psn_add(pkt->psn, nseg - 1));
		res->va = srx_reth_va(reth);
		res->len = len;
		res->rkey = rd->rkey;
		rs->psn = srx_psn_add(rs->psn, nseg);
		rs->msn = (rs->msn + 1) & SRX_AETH_MSN_MASK;
		rs->ack_pending = false;
	}
	srx_resp_read_continue(qp);
	return SRX_RV_DONE;
}

/* The record of this very request (a repeat), if it is still kept. */
static struct srx_rdres *srx_resp_res_of(struct srx_qp *qp,
					 const struct srx_pkt *pkt)
{
	struct srx_rdres *res = srx_resp_res_find(qp, pkt->psn);

	return res && res->opcode == pkt->opcode && res->psn == pkt->psn ?
	       res : NULL;
}

/*
 * A single-packet request that answers for itself (atomic, ATOMIC WRITE,
 * FLUSH) is done: recorded for repeats, the PSN and MSN moved on.
 */
static struct srx_rdres *srx_resp_res_done(struct srx_qp *qp,
					   const struct srx_pkt *pkt)
{
	struct srx_resp *rs = &qp->resp;

	rs->psn = srx_psn_add(rs->psn, 1);
	rs->msn = (rs->msn + 1) & SRX_AETH_MSN_MASK;
	rs->ack_pending = false;
	return srx_resp_res_new(qp, pkt->opcode, pkt->psn, pkt->psn);
}

/*
 * An 8-byte atomic at @va through @rkey with @access, on the kernel
 * address, then recorded for repeats and the PSN and MSN moved on.
 */
static enum srx_resp_verdict srx_resp_atomic_do(struct srx_qp *qp,
						const struct srx_pkt *pkt,
						u32 rkey, u64 va, int access,
						enum srx_atomic_op op,
						u64 cmp_add, u64 swap, u64 *orig)
{
	struct srx_mr *mr;
	int err;

	if (va & 7)
		return SRX_RV_INV_REQ;
	mr = srx_rkey_get(qp, rkey, &va, sizeof(u64), access);
	if (!mr)
		return SRX_RV_REM_ACCESS;
	err = srx_mr_atomic(mr, va, op, cmp_add, swap, orig);
	srx_mr_put(mr);
	if (err)	/* misaligned on the kernel address, or outside */
		return err == -EINVAL ? SRX_RV_INV_REQ : SRX_RV_REM_ACCESS;
	srx_resp_res_done(qp, pkt)->orig = *orig;
	return SRX_RV_DONE;
}

static void srx_resp_atomic_ack(struct srx_qp *qp, u32 psn, u64 orig)
{
	srx_send_ack(qp, IB_OPCODE_RC_ATOMIC_ACKNOWLEDGE,
		     srx_aeth_syn_ack(SRX_AETH_NO_CREDITS), psn, orig);
}

static enum srx_resp_verdict srx_resp_atomic(struct srx_qp *qp,
					     const struct srx_pkt *pkt, bool dup)
{
	const struct srx_atmeth *a = srx_pkt_atmeth(pkt);
	enum srx_atomic_op op = (pkt->opcode & 0x1f) == IB_OPCODE_COMPARE_SWAP ?
				SRX_ATOMIC_CMP_SWAP : SRX_ATOMIC_FETCH_ADD;
	struct srx_rdres *res;
	enum srx_resp_verdict v;
	u64 orig;

	if (dup) {
		/* Never execute twice: replay the recorded result. */
		res = srx_resp_res_of(qp, pkt);
		if (res)
			srx_resp_atomic_ack(qp, pkt->psn, res->orig);
		return SRX_RV_DONE;
	}
	v = srx_resp_atomic_do(qp, pkt, srx_atmeth_rkey(a), srx_atmeth_va(a),
			       IB_ACCESS_REMOTE_ATOMIC, op,
			       op == SRX_ATOMIC_CMP_SWAP ?
			       srx_atmeth_compare(a) : srx_atmeth_swap_add(a),
			       srx_atmeth_swap_add(a), &orig);
	if (v == SRX_RV_DONE)
		srx_resp_atomic_ack(qp, pkt->psn, orig);
	return v;
}

/* The ACK of an ATOMIC WRITE or FLUSH: an RDMA READ response, no data. */
static void srx_resp_read_ack(struct srx_qp *qp, u32 psn)
{
	srx_send_ack(qp, IB_OPCODE_RC_RDMA_READ_RESPONSE_ONLY,
		     srx_aeth_syn_ack(SRX_AETH_NO_CREDITS), psn, 0);
}

/*
 * ATOMIC WRITE: eight bytes stored at once at an 8-byte aligned address
 * the RETH names with remote write rights, and answered like a read. A
 * repeat is answered again and never stored twice: a newer store to the
 * same address may have followed it.
 */
static enum srx_resp_verdict srx_resp_atomic_write(struct srx_qp *qp,
						   const struct srx_pkt *pkt,
						   bool dup)
{
	const struct srx_reth *reth = srx_pkt_reth(pkt);
	enum srx_resp_verdict v;
	u64 val, orig;

	if (dup) {
		if (srx_resp_res_of(qp, pkt))
			srx_resp_read_ack(qp, pkt->psn);
		return SRX_RV_DONE;
	}
	/* Exactly eight bytes, without pad (IBA oA19-28). */
	if (srx_reth_len(reth) != sizeof(u64) ||
	    pkt->payload_len != sizeof(u64) || pkt->pad)
		return SRX_RV_INV_REQ;
	memcpy(&val, srx_pkt_payload(pkt), sizeof(val));
	v = srx_resp_atomic_do(qp, pkt, srx_reth_rkey(reth), srx_reth_va(reth),
			       IB_ACCESS_REMOTE_WRITE, SRX_ATOMIC_WRITE, 0, val,
			       &orig);
	if (v == SRX_RV_DONE)
		srx_resp_read_ack(qp, pkt->psn);
	return v;
}

/* The rights a FLUSH's placement types need; reserved bits, as rxe. */
static int srx_flush_access(u8 type)
{
	int access = 0;

	if (type & IB_FLUSH_GLOBAL)
		access |= IB_ACCESS_FLUSH_GLOBAL;
	if (type & IB_FLUSH_PERSISTENT)
		access |= IB_ACCESS_FLUSH_PERSISTENT;
	return access;
}

/*
 * FLUSH: the writes this QP placed before it are made globally visible
 * (placement type global) in the range the RETH names or the whole
 * region (selectivity level), with flush rights on the QP and the key,
 * then answered like a read. srx places data with CPU stores into
 * coherent memory, so a barrier before the answer is all it takes; the
 * persistent type needs persistent memory, which no srx MR may have
 * (the device does not claim IB_DEVICE_FLUSH_PERSISTENT), so it fails
 * the key check. A FLUSH of no type needs only a valid key, as with
 * rdma_rxe; a level other than range or region is an invalid request.
 * A repeat is answered from its record.
 */
static enum srx_resp_verdict srx_resp_rdma_flush(struct srx_qp *qp,
						 const struct srx_pkt *pkt,
						 bool dup)
{
	const struct srx_feth *feth = srx_pkt_feth(pkt);
	const struct srx_reth *reth = srx_pkt_reth(pkt);
	u64 va = srx_reth_va(reth);
	struct srx_mr *mr;
	int access;

	if (dup) {
		if (srx_resp_res_of(qp, pkt))
			srx_resp_read_ack(qp, pkt->psn);
		return SRX_RV_DONE;
	}
	access = srx_flush_access(srx_feth_type(feth));
	switch (srx_feth_level(feth)) {
	case IB_FLUSH_RANGE:
		mr = srx_rkey_get(qp, srx_reth_rkey(reth), &va,
				  srx_reth_len(reth), access);
		break;
	case IB_FLUSH_MR:
		mr = srx_rkey_get_whole(qp, srx_reth_rkey(reth), access);
		break;
	default:
		return SRX_RV_INV_REQ;
	}
	if (!mr)
		return SRX_RV_REM_ACCESS;
	srx_mr_put(mr);
	/* Every store of an earlier request lands before the answer. */
	wmb();
	srx_resp_res_done(qp, pkt);
	srx_resp_read_ack(qp, pkt->psn);
	return SRX_RV_DONE;
}

/*
 * Does the QP itself allow this request? Its access flags must grant
 * remote write (also for ATOMIC WRITE), read, atomics or the FLUSH's
 * placement type (the MR or MW must too, checked per access), and
 * reads, atomics and FLUSH need responder resources.
 */
static bool srx_resp_op_allowed(struct srx_qp *qp, const struct srx_pkt *pkt)
{
	int access = READ_ONCE(qp->attr.qp_access_flags);
	u16 f = pkt->info->flags;

	if ((f & (SRX_OPF_WRITE | SRX_OPF_ATOMIC_WRITE)) &&
	    !(access & IB_ACCESS_REMOTE_WRITE))
		return false;
	if ((f & SRX_OPF_READ) && !(access & IB_ACCESS_REMOTE_READ))
		return false;
	if ((f & SRX_OPF_ATOMIC) && !(access & IB_ACCESS_REMOTE_ATOMIC))
		return false;
	if ((f & SRX_OPF_FLUSH) &&
	    (srx_flush_access(srx_feth_type(srx_pkt_feth(pkt))) & ~access))
		return false;
	return !(f & SRX_OPF_RD_ATOMIC) ||
	       READ_ONCE(qp->attr.max_dest_rd_atomic);
}

/* Does @pkt continue the message in progress, or start a new one? */
static bool srx_resp_seq_ok(struct srx_resp *rs, const struct srx_pkt *pkt)
{
	u16 f = pkt->info->flags;

	if (rs->in_send)
		return (f & SRX_OPF_SEND) && !(f & SRX_OPF_FIRST);
	if (rs->in_write)
		return (f & SRX_OPF_WRITE) && !(f & SRX_OPF_FIRST);
	return f & SRX_OPF_FIRST;
}

/* Only the last packet of a message may be shorter than the path MTU. */
static bool srx_resp_len_ok(struct srx_qp *qp, const struct srx_pkt *pkt)
{
	u16 f = pkt->info->flags;

	if (!(f & SRX_OPF_PAYLOAD))
		return true;
	if (f & SRX_OPF_LAST)
		return pkt->payload_len <= qp->mtu;
	return pkt->payload_len == qp->mtu;
}

static void srx_resp_dup(struct srx_qp *qp, const struct srx_pkt *pkt)
{
	u16 f = pkt->info->flags;

	srx_count(to_sdev(qp->ibqp.device), SRX_CNT_DUP_REQ);
	if (f & SRX_OPF_READ)
		srx_resp_read(qp, pkt, true);
	else if (f & SRX_OPF_ATOMIC)
		srx_resp_atomic(qp, pkt, true);
	else if (f & SRX_OPF_ATOMIC_WRITE)
		srx_resp_atomic_write(qp, pkt, true);
	else if (f & SRX_OPF_FLUSH)
		srx_resp_rdma_flush(qp, pkt, true);
	else
		qp->resp.ack_pending = true;
}

static enum srx_resp_verdict srx_resp_execute(struct srx_qp *qp,
					      struct sk_buff *skb,
					      const struct srx_pkt *pkt)
{
	u16 f = pkt->info->flags;

	if (!srx_resp_seq_ok(&qp->resp, pkt) || !srx_resp_len_ok(qp, pkt))
		return SRX_RV_INV_REQ;
	if (f & SRX_OPF_SEND)
		return srx_resp_send(qp, skb, pkt);
	if (f & SRX_OPF_WRITE)
		return srx_resp_write(qp, skb, pkt);
	if (f & SRX_OPF_READ)
		return srx_resp_read(qp, pkt, false);
	if (f & SRX_OPF_ATOMIC_WRITE)
		return srx_resp_atomic_write(qp, pkt, false);
	if (f & SRX_OPF_FLUSH)
		return srx_resp_rdma_flush(qp, pkt, false);
	return srx_resp_atomic(qp, pkt, false);
}

/* Over its SRQ limit with policy disconnect: the connection ends. */
static void srx_gov_disconnect(struct srx_qp *qp, const struct srx_pkt *pkt)
{
	if (qp->ibqp.qp_type == IB_QPT_RC)
		srx_resp_nak(qp, srx_aeth_syn_nak(SRX_NAK_REM_OP), pkt->psn);
	srx_qp_error(qp);
	srx_qp_event(qp, IB_EVENT_QP_FATAL);
}

/* A request failed in a way the requester must hear about: NAK, error. */
static void srx_resp_fail(struct srx_qp *qp, struct sk_buff *skb,
			  const struct srx_pkt *pkt, enum srx_resp_verdict v)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	enum srx_nak_code code = SRX_NAK_INVALID_REQ;
	enum ib_event_type ev = IB_EVENT_QP_REQ_ERR;

	if (v == SRX_RV_REM_ACCESS) {
		code = SRX_NAK_REM_ACCESS;
		ev = IB_EVENT_QP_ACCESS_ERR;
		srx_count(sdev, SRX_CNT_REM_ACCESS_ERR);
	} else if (v == SRX_RV_REM_OP) {
		code = SRX_NAK_REM_OP;
		srx_count(sdev, SRX_CNT_REM_OP_ERR);
	} else {
		srx_count(sdev, SRX_CNT_REM_INV_REQ_ERR);
	}
	srx_resp_nak(qp, srx_aeth_syn_nak(code), pkt->psn);
	srx_resp_complete(qp, v == SRX_RV_REM_ACCESS ? IB_WC_REM_ACCESS_ERR :
			  IB_WC_REM_INV_REQ_ERR, IB_WC_RECV, skb, pkt);
	srx_qp_error(qp);
	srx_qp_event(qp, ev);
}

/* A request ahead of the expected PSN: held, or a sequence NAK. */
static void srx_resp_ahead(struct srx_qp *qp, const struct srx_pkt *pkt)
{
	struct srx_resp *rs = &qp->resp;

	srx_count(to_sdev(qp->ibqp.device), SRX_CNT_OUT_OF_SEQ);
	if (!srx_rqe_hold(qp, pkt)) {
		srx_resp_seq_nak(qp);
		return;
	}
	/* NAK only if the gap does not fill soon. */
	if (!rs->nak_sent && !rs->ooo_gap) {
		rs->ooo_gap = true;
		mod_timer(&rs->nak_timer, jiffies + SRX_OOO_NAK_DELAY);
	}
}

/* The request in order was not done (@v): nothing, a NAK, or an error. */
static void srx_resp_refused(struct srx_qp *qp, struct sk_buff *skb,
			     const struct srx_pkt *pkt,
			     enum srx_resp_verdict v)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);

	switch (v) {
	case SRX_RV_GOV_DROP:
		return;		/* it comes again */
	case SRX_RV_GOV_DISCONNECT:
		srx_gov_disconnect(qp, pkt);
		return;
	case SRX_RV_RNR:
		srx_count(sdev, SRX_CNT_RNR_NAK_SENT);
		srx_resp_nak(qp, srx_aeth_syn_rnr(qp->attr.min_rnr_timer),
			     pkt->psn);
		return;
	case SRX_RV_GOV_RNR:
		srx_count(sdev, SRX_CNT_RNR_NAK_SENT);
		srx_resp_nak(qp, srx_aeth_syn_rnr(srx_gov_rnr_timer(qp)),
			     pkt->psn);
		return;
	default:
		srx_resp_fail(qp, skb, pkt, v);
		return;
	}
}

/* The request in order was done: the next PSN, and what was held. */
static void srx_resp_next(struct srx_qp *qp, const struct srx_pkt *pkt)
{
	struct srx_resp *rs = &qp->resp;

	/* READ and atomics moved the PSN (and answered) themselves. */
	if (!(pkt->info->flags & SRX_OPF_RD_ATOMIC)) {
		rs->psn = srx_psn_add(rs->psn, 1);
		if (pkt->info->flags & SRX_OPF_LAST)
			rs->msn = (rs->msn + 1) & SRX_AETH_MSN_MASK;
		if (pkt->ack_req)
			rs->ack_pending = true;
	}
	if (!rs->nheld)
		return;
	srx_ooo_release_stale(qp);
	if (!rs->nheld || rs->in_send || rs->in_write)
		return;
	srx_ooo_drain(qp);
	/* Held beyond another gap: its NAK waits again. */
	rs->ooo_gap = rs->nheld && !rs->nak_sent;
	if (rs->ooo_gap)
		mod_timer(&rs->nak_timer, jiffies + SRX_OOO_NAK_DELAY);
}

static void srx_resp_rc(struct srx_qp *qp, struct sk_buff *skb,
			const struct srx_pkt *pkt)
{
	s32 diff = srx_psn_diff(pkt->psn, qp->resp.psn);
	enum srx_resp_verdict v;

	/* Not even a repeat of a request the QP never enabled is served. */
	if (!srx_resp_op_allowed(qp, pkt)) {
		srx_resp_fail(qp, skb, pkt, SRX_RV_INV_REQ);
		return;
	}
	if (diff > 0) {
		srx_resp_ahead(qp, pkt);
		return;
	}
	if (diff < 0) {
		srx_resp_dup(qp, pkt);
		return;
	}
	qp->resp.nak_sent = false;
	v = srx_resp_execute(qp, skb, pkt);
	if (v != SRX_RV_DONE) {
		srx_resp_refused(qp, skb, pkt, v);
		return;
	}
	srx_resp_next(qp, pkt);
}

/* UC: no ACKs; a lost packet drops the rest of its message. */
static void srx_resp_uc(struct srx_qp *qp, struct sk_buff *skb,
			const struct srx_pkt *pkt)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	struct srx_resp *rs = &qp->resp;
	enum srx_resp_verdict v;

	if (pkt->psn != rs->psn && (rs->in_send || rs->in_write)) {
		/* The message in progress is lost; its WQE is reused. */
		srx_count(sdev, SRX_CNT_UC_DROP);
		rs->in_send = false;
		rs->in_write = false;
		memset(&rs->pos, 0, sizeof(rs->pos));
		rs->placed = 0;
	}
	rs->psn = srx_psn_add(pkt->psn, 1);
	v = srx_resp_op_allowed(qp, pkt) ? srx_resp_execute(qp, skb, pkt) :
					   SRX_RV_INV_REQ;
	if (v == SRX_RV_DONE)
		return;
	/* UC answers nothing: the message is dropped (and counted). */
	if (v == SRX_RV_GOV_DISCONNECT)
		srx_gov_disconnect(qp, pkt);
	srx_count(sdev, SRX_CNT_UC_DROP);
	rs->in_send = false;
	rs->in_write = false;
	if (rs->has_wqe) {
		memset(&rs->pos, 0, sizeof(rs->pos));
		rs->placed = 0;
	}
}

static void srx_resp_ud(struct srx_qp *qp, struct sk_buff *skb,
			const struct srx_pkt *pkt)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	struct srx_resp *rs = &qp->resp;
	u8 grh[SRX_GRH_LEN] = {};
	struct iphdr *iph = ip_hdr(skb);
	enum srx_resp_verdict v;

	if (!(pkt->info->hdrs & SRX_HDR_DETH)) {
		srx_count(sdev, SRX_CNT_MALFORMED);
		return;
	}
	if (srx_deth_qkey(srx_pkt_deth(pkt)) != qp->attr.qkey) {
		srx_count(sdev, SRX_CNT_QKEY_VIOL);
		return;
	}
	v = srx_resp_get_wqe(qp);
	if (v == SRX_RV_GOV_DISCONNECT)
		srx_gov_disconnect(qp, pkt);
	if (v == SRX_RV_RNR || v == SRX_RV_GOV_RNR)
		srx_count(sdev, SRX_CNT_UD_NO_WQE);
	if (v != SRX_RV_DONE)
		return;
	if (pkt->payload_len > rs->wqe_len ||
	    rs->wqe_len - pkt->payload_len < SRX_GRH_LEN) {
		srx_resp_complete(qp, IB_WC_LOC_LEN_ERR, IB_WC_RECV, skb, pkt);
		return;
	}
	/* The GRH area holds the IPv6 header, or the IPv4 one at its end. */
	if (iph->version == 4)
		memcpy(grh + SRX_GRH_LEN - sizeof(*iph), iph, sizeof(*iph));
	else
		memcpy(grh, ipv6_hdr(skb), sizeof(struct ipv6hdr));
	if (srx_sgl_copy(qp, rs->wqe->dma.sge, rs->wqe->dma.num_sge, &rs->pos,
			 grh, SRX_GRH_LEN, SRX_COPY_TO_MEM) ||
	    srx_sgl_copy(qp, rs->wqe->dma.sge, rs->wqe->dma.num_sge, &rs->pos,
			 (void *)srx_pkt_payload(pkt), pkt->payload_len,
			 SRX_COPY_TO_MEM)) {
		srx_resp_complete(qp, IB_WC_LOC_PROT_ERR, IB_WC_RECV, skb, pkt);
		return;
	}
	rs->placed = SRX_GRH_LEN + pkt->payload_len;
	srx_resp_complete(qp, IB_WC_SUCCESS, IB_WC_RECV, skb, pkt);
}

/**
 * srx_resp_rcv - a request packet for this (responder) QP
 * @qp: called from its engine
 * @skb: the packet
 * @pkt: its parsed headers
 */
void srx_resp_rcv(struct srx_qp *qp, struct sk_buff *skb,
		  const struct srx_pkt *pkt)
{
	enum ib_qp_state state = READ_ONCE(qp->state);

	if (state < IB_QPS_RTR || state == IB_QPS_ERR) {
		srx_count(to_sdev(qp->ibqp.device), SRX_CNT_BAD_STATE);
		return;
	}
	switch (qp->ibqp.qp_type) {
	case IB_QPT_RC:
		srx_resp_rc(qp, skb, pkt);
		break;
	case IB_QPT_UC:
		srx_resp_uc(qp, skb, pkt);
		break;
	default:
		srx_resp_ud(qp, skb, pkt);
		break;
	}
}
