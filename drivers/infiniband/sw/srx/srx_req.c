// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: the requester. Turns send queue WQEs into packets: segmentation
 * by path MTU, PSNs, AckReq, the send window, the read/atomic credit
 * (max_rd_atomic), fences, and go-back-N after a timeout or NAK.
 *
 * A user QP's WQE is copied to kernel memory and validated once, when the
 * requester first reaches it; everything after that (including a
 * retransmission) uses the copy, so the process cannot change a message
 * in flight under the kernel's feet.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <rdma/ib_addr.h>

#include "srx.h"

/* Packets in flight without an ACK, and how often to ask for one. */
#define SRX_WINDOW	256
#define SRX_ACK_EVERY	32
/* Packets one engine pass sends before yielding to other QPs. */
#define SRX_REQ_BUDGET	64

struct rxe_send_wqe *srx_sq_wqe(struct srx_qp *qp, u32 idx)
{
	idx &= qp->sq.index_mask;
	if (qp->sq_copy)
		return qp->sq_copy + ((size_t)idx << qp->sq.log2_elem_size);
	return srx_queue_elem(&qp->sq, idx);
}

struct srx_sqe *srx_sqe(struct srx_qp *qp, u32 idx)
{
	return &qp->sqe[idx & qp->sq.index_mask];
}

u32 srx_sq_next(struct srx_qp *qp, u32 idx)
{
	return srx_ring_next(idx, qp->sq.index_mask);
}

static bool srx_op_is_rd_atomic(u32 op)
{
	return op == IB_WR_RDMA_READ || op == IB_WR_ATOMIC_CMP_AND_SWP ||
	       op == IB_WR_ATOMIC_FETCH_AND_ADD || op == IB_WR_ATOMIC_WRITE ||
	       op == IB_WR_FLUSH;
}

bool srx_op_is_local(u32 op)
{
	return op == IB_WR_LOCAL_INV || op == IB_WR_REG_MR ||
	       op == IB_WR_BIND_MW;
}

/*
 * May a QP of @type carry @op? REG_MR holds a kernel pointer; ATOMIC
 * WRITE's value and FLUSH's range come in the user WQE (struct
 * ib_send_wr has no field for them).
 */
bool srx_op_allowed(enum ib_qp_type type, u32 op, bool user)
{
	switch (op) {
	case IB_WR_SEND:
	case IB_WR_SEND_WITH_IMM:
		return true;
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
	case IB_WR_LOCAL_INV:
	case IB_WR_BIND_MW:
		return type == IB_QPT_RC || type == IB_QPT_UC;
	case IB_WR_REG_MR:
		return !user && (type == IB_QPT_RC || type == IB_QPT_UC);
	case IB_WR_ATOMIC_WRITE:
	case IB_WR_FLUSH:
		return user && type == IB_QPT_RC;
	case IB_WR_SEND_WITH_INV:
	case IB_WR_RDMA_READ:
	case IB_WR_ATOMIC_CMP_AND_SWP:
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		return type == IB_QPT_RC;
	}
	return false;
}

static bool srx_qp_is_ud(struct srx_qp *qp)
{
	return qp->ibqp.qp_type == IB_QPT_UD || qp->ibqp.qp_type == IB_QPT_GSI;
}

/* The port's active MTU in bytes: the largest payload a UD packet carries. */
static u32 srx_port_mtu(struct srx_dev *sdev)
{
	enum ib_mtu mtu = iboe_get_mtu(READ_ONCE(sdev->ndev->mtu));

	return mtu ? ib_mtu_enum_to_int(mtu) : 256;
}

/* The largest payload of one packet: path MTU, or the port's for UD. */
static u32 srx_req_mtu(struct srx_qp *qp)
{
	if (srx_qp_is_ud(qp))
		return srx_port_mtu(to_sdev(qp->ibqp.device));
	return qp->mtu;
}

/* Check a WQE once and record its length; errors complete it. */
static void srx_req_validate(struct srx_qp *qp, struct rxe_send_wqe *wqe,
			     struct srx_sqe *sqe)
{
	u32 op = wqe->wr.opcode, len = 0;

	memset(sqe, 0, sizeof(*sqe));
	sqe->rd_atomic = srx_op_is_rd_atomic(op);
	if (!srx_op_allowed(qp->ibqp.qp_type, op, qp->is_user))
		goto bad;
	if (srx_op_is_local(op))
		return;
	if (op == IB_WR_ATOMIC_WRITE) {	/* the value is in the WQE */
		sqe->len = sizeof(u64);
		return;
	}
	if (op == IB_WR_FLUSH)		/* no payload (oA19-2) */
		return;
	if (wqe->wr.send_flags & IB_SEND_INLINE) {
		if (sqe->rd_atomic ||
		    wqe->dma.length > qp->cap.max_inline_data)
			goto bad;
		len = wqe->dma.length;
	} else {
		if (wqe->dma.num_sge > qp->cap.max_send_sge ||
		    srx_sgl_len(wqe->dma.sge, wqe->dma.num_sge, &len))
			goto bad;
	}
	if ((op == IB_WR_ATOMIC_CMP_AND_SWP ||
	     op == IB_WR_ATOMIC_FETCH_AND_ADD) && len < sizeof(u64))
		goto bad;
	if (srx_qp_is_ud(qp) && len > srx_req_mtu(qp)) {
		/* C10-93.1.1: no packet and no error; it is counted. */
		srx_count(to_sdev(qp->ibqp.device), SRX_CNT_LOC_ERR);
		sqe->done = 1;
		return;
	}
	sqe->len = len;
	return;
bad:
	sqe->status = IB_WC_LOC_QP_OP_ERR;
	sqe->done = 1;
}

/* First visit of SQ slot @idx: take a private copy, validate it. */
static void srx_req_fetch(struct srx_qp *qp, u32 idx)
{
	struct rxe_send_wqe *wqe = srx_sq_wqe(qp, idx);

	if (qp->sq_copy)
		memcpy(wqe, srx_queue_elem(&qp->sq, idx),
		       BIT(qp->sq.log2_elem_size));
	srx_req_validate(qp, wqe, srx_sqe(qp, idx));
}

static u32 srx_timeout_us(u8 timeout)
{
	/* 4.096 us * 2^timeout */
	return min_t(u64, (4096ULL << timeout) / 1000, U32_MAX);
}

/* (Re)start the retransmission timer if anything awaits an ACK. */
void srx_req_arm(struct srx_qp *qp, bool restart)
{
	struct srx_req *r = &qp->req;

	if (!qp->attr.timeout || r->acked_psn == r->psn) {
		timer_delete(&r->retrans_timer);
		return;
	}
	if (restart || !timer_pending(&r->retrans_timer))
		mod_timer(&r->retrans_timer, jiffies +
			  max(1UL, usecs_to_jiffies(srx_timeout_us(qp->attr.timeout))));
}

void srx_req_init(struct srx_qp *qp)
{
	struct srx_req *r = &qp->req;

	r->psn = qp->attr.sq_psn & SRX_PSN_MASK;
	r->acked_psn = r->psn;
	r->max_psn = r->psn;
	r->head = qp->sq.cons;
	r->fetched = qp->sq.cons;
	r->off = 0;
	r->rd_inflight = 0;
	r->since_ack_req = 0;
	r->retry_left = qp->attr.retry_cnt;
	r->rnr_left = qp->attr.rnr_retry;
	r->rnr_wait = false;
	r->retry = false;
	memset(&r->pos, 0, sizeof(r->pos));
	srx_qp_path_init(qp);
}

/*
 * Segment size (bytes) of RC and UC messages between two QPs of this
 * host, when larger than the path MTU. Such packets never reach a wire,
 * and each costs a whole trip through requester and responder: fewer,
 * larger ones move the same data for less. Both ends of a connection
 * decide alike (each sees the other's address is local), so PSNs, read
 * responses and the MTU checks agree. The default fits a packet in one
 * page-fragment head (see srx_skb_alloc()). 0: the path MTU.
 */
static unsigned int srx_loopback_seg = 3072;
module_param_named(loopback_seg, srx_loopback_seg, uint, 0444);
MODULE_PARM_DESC(loopback_seg,
		 "Segment size in bytes for RC/UC traffic between QPs of this host, if above the path MTU (0: path MTU; default 3072, at most 16384)");

#define SRX_LOOPBACK_SEG_MAX	16384

/* Path MTU and UDP source port, fixed when the QP enters RTR and RTS. */
void srx_qp_path_init(struct srx_qp *qp)
{
	u32 fl = rdma_calc_flow_label(qp->ibqp.qp_num, qp->attr.dest_qp_num);
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	u32 seg = min(srx_loopback_seg, SRX_LOOPBACK_SEG_MAX);

	qp->src_port = rdma_flow_label_to_udp_sport(fl);
	if (srx_qp_is_ud(qp)) {
		qp->mtu = srx_port_mtu(sdev);
		return;
	}
	qp->mtu = ib_mtu_enum_to_int(qp->attr.path_mtu ? qp->attr.path_mtu :
				     IB_MTU_1024);
	if (seg > qp->mtu && qp->av_local)
		qp->mtu = seg;
}

/*
 * Go back to the oldest incomplete WQE and send everything again. Only
 * WQEs that went out (up to the head, and the head if partly sent) have
 * a PSN: the ones fetched but held back have none yet.
 */
void srx_req_rewind(struct srx_qp *qp)
{
	struct srx_req *r = &qp->req;
	u32 idx, end = r->off ? srx_sq_next(qp, r->head) : r->head;
	bool psn_set = false;

	r->retry = false;
	r->head = qp->sq.cons;
	r->off = 0;
	r->rd_inflight = 0;
	memset(&r->pos, 0, sizeof(r->pos));
	for (idx = r->head; idx != end; idx = srx_sq_next(qp, idx)) {
		struct srx_sqe *sqe = srx_sqe(qp, idx);

		if (sqe->done)
			continue;
		sqe->got = 0;
		if (!psn_set && !srx_op_is_local(srx_sq_wqe(qp, idx)->wr.opcode)) {
			r->psn = sqe->first_psn;
			psn_set = true;
		}
	}
	if (!psn_set)
		r->psn = r->acked_psn;
	/*
	 * A read partly answered is asked for whole again: its responses
	 * from the first PSN on must not look stale.
	 */
	if (srx_psn_lt(r->psn, r->acked_psn))
		r->acked_psn = r->psn;
}

/* The AV of a UD WQE: the AH it names, if it belongs to the QP's PD. */
static int srx_req_ud_av(struct srx_qp *qp, struct rxe_send_wqe *wqe,
			 struct srx_av *av)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	unsigned long flags;
	struct srx_ah *ah;
	int err = -EINVAL;

	xa_lock_irqsave(&sdev->ah_tbl.xa, flags);
	ah = xa_load(&sdev->ah_tbl.xa, wqe->wr.wr.ud.ah_num);
	if (ah && ah->ibah.pd == qp->ibqp.pd) {
		*av = ah->av;
		err = 0;
	}
	xa_unlock_irqrestore(&sdev->ah_tbl.xa, flags);
	return err;
}

/**
 * srx_pkt_new - allocate a packet and write its headers
 * @qp: the sending QP
 * @av: where it goes
 * @f: header fields; f->payload_len bytes of payload follow
 * @payload: set to where the payload goes
 *
 * Return: the skb (data at BTH, pad zeroed, ICRC space at the end), or
 * NULL when out of memory.
 */
struct sk_buff *srx_pkt_new(struct srx_qp *qp, const struct srx_av *av,
			    const struct srx_pkt_fields *f, void **payload)
{
	const struct srx_opcode_info *info = srx_opcode_info(f->opcode);
	u32 hlen = SRX_BTH_LEN + info->ext_len;
	u8 pad = srx_pad_len(f->payload_len);
	struct sk_buff *skb;

	skb = srx_skb_alloc(to_sdev(qp->ibqp.device), av,
			    hlen + f->payload_len + pad + SRX_ICRC_LEN,
			    GFP_ATOMIC | __GFP_NOWARN,
			    !(info->flags & SRX_OPF_RESP));
	if (!skb)
		return NULL;
	srx_hdr_build(skb->data, hlen, f);
	memset(skb->data + hlen + f->payload_len, 0, pad);
	*payload = skb->data + hlen;
	return skb;
}

static u8 srx_req_opcode(struct srx_qp *qp, u32 op, bool first, bool last)
{
	u8 base = qp->ibqp.qp_type == IB_QPT_RC ? IB_OPCODE_RC :
		  qp->ibqp.qp_type == IB_QPT_UC ? IB_OPCODE_UC : IB_OPCODE_UD;

	switch (op) {
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
		if (first && last)
			return base + (op == IB_WR_RDMA_WRITE ?
				       IB_OPCODE_RDMA_WRITE_ONLY :
				       IB_OPCODE_RDMA_WRITE_ONLY_WITH_IMMEDIATE);
		if (first)
			return base + IB_OPCODE_RDMA_WRITE_FIRST;
		if (!last)
			return base + IB_OPCODE_RDMA_WRITE_MIDDLE;
		return base + (op == IB_WR_RDMA_WRITE ?
			       IB_OPCODE_RDMA_WRITE_LAST :
			       IB_OPCODE_RDMA_WRITE_LAST_WITH_IMMEDIATE);
	case IB_WR_RDMA_READ:
		return base + IB_OPCODE_RDMA_READ_REQUEST;
	case IB_WR_ATOMIC_CMP_AND_SWP:
		return base + IB_OPCODE_COMPARE_SWAP;
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		return base + IB_OPCODE_FETCH_ADD;
	case IB_WR_ATOMIC_WRITE:
		return base + IB_OPCODE_ATOMIC_WRITE;
	case IB_WR_FLUSH:
		return base + IB_OPCODE_FLUSH;
	}
	/* Sends */
	if (first && last)
		return base + (op == IB_WR_SEND_WITH_IMM ?
			       IB_OPCODE_SEND_ONLY_WITH_IMMEDIATE :
			       op == IB_WR_SEND_WITH_INV ?
			       IB_OPCODE_SEND_ONLY_WITH_INVALIDATE :
			       IB_OPCODE_SEND_ONLY);
	if (first)
		return base + IB_OPCODE_SEND_FIRST;
	if (!last)
		return base + IB_OPCODE_SEND_MIDDLE;
	return base + (op == IB_WR_SEND_WITH_IMM ?
		       IB_OPCODE_SEND_LAST_WITH_IMMEDIATE :
		       op == IB_WR_SEND_WITH_INV ?
		       IB_OPCODE_SEND_LAST_WITH_INVALIDATE :
		       IB_OPCODE_SEND_LAST);
}

/* Header fields of the next packet of @wqe. */
static void srx_req_fields(struct srx_qp *qp, struct rxe_send_wqe *wqe,
			   struct srx_sqe *sqe, u32 payload, bool first,
			   bool last, struct srx_pkt_fields *f)
{
	struct srx_req *r = &qp->req;
	u32 op = wqe->wr.opcode;

	memset(f, 0, sizeof(*f));
	f->opcode = srx_req_opcode(qp, op, first, last);
	f->pkey = 0xffff;
	f->psn = r->psn;
	f->payload_len = payload;
	f->se = last && (wqe->wr.send_flags & IB_SEND_SOLICITED);
	f->imm = wqe->wr.ex.imm_data;
	f->inv_rkey = wqe->wr.ex.invalidate_rkey;
	if (srx_qp_is_ud(qp)) {
		f->qpn = wqe->wr.wr.ud.remote_qpn;
		/* A Q_Key with the high bit set means "the QP's own". */
		f->qkey = (wqe->wr.wr.ud.remote_qkey & BIT(31)) ?
			  qp->attr.qkey : wqe->wr.wr.ud.remote_qkey;
		f->src_qpn = qp->ibqp.qp_num;
		return;
	}
	f->qpn = qp->attr.dest_qp_num;
	if (op == IB_WR_ATOMIC_CMP_AND_SWP || op == IB_WR_ATOMIC_FETCH_AND_ADD) {
		f->va = wqe->wr.wr.atomic.remote_addr;
		f->rkey = wqe->wr.wr.atomic.rkey;
		f->swap_add = op == IB_WR_ATOMIC_CMP_AND_SWP ?
			      wqe->wr.wr.atomic.swap :
			      wqe->wr.wr.atomic.compare_add;
		f->compare = wqe->wr.wr.atomic.compare_add;
	} else if (op == IB_WR_FLUSH) {
		/* librxe puts the range's length where a transfer's goes. */
		f->va = wqe->wr.wr.flush.remote_addr;
		f->rkey = wqe->wr.wr.flush.rkey;
		f->dma_len = wqe->dma.length;
		f->flush_type = wqe->wr.wr.flush.type;
		f->flush_level = wqe->wr.wr.flush.level;
	} else {
		f->va = wqe->wr.wr.rdma.remote_addr;
		f->rkey = wqe->wr.wr.rdma.rkey;
		f->dma_len = sqe->len;
	}
	if (qp->ibqp.qp_type == IB_QPT_RC)
		f->ack_req = last || sqe->rd_atomic ||
			     r->since_ack_req + 1 >= SRX_ACK_EVERY;
}

/* The first packet of @sqe: the PSNs it takes (a read's responses too). */
static void srx_req_psns(struct srx_qp *qp, const struct rxe_send_wqe *wqe,
			 struct srx_sqe *sqe, u32 mtu)
{
	u32 npsn = 1;

	sqe->first_psn = qp->req.psn;
	if (wqe->wr.opcode == IB_WR_RDMA_READ || !sqe->rd_atomic)
		npsn = srx_seg_count(sqe->len, mtu);
	sqe->last_psn = srx_psn_add(qp->req.psn, npsn - 1);
}

/* @payload bytes of @wqe from the request's offset on into @data. */
static int srx_req_payload(struct srx_qp *qp, struct rxe_send_wqe *wqe,
			   void *data, u32 payload)
{
	struct srx_req *r = &qp->req;

	if (wqe->wr.opcode == IB_WR_ATOMIC_WRITE)
		memcpy(data, wqe->dma.atomic_wr, payload);
	else if (wqe->wr.send_flags & IB_SEND_INLINE)
		memcpy(data, wqe->dma.inline_data + r->off, payload);
	else if (payload && srx_sgl_copy(qp, wqe->dma.sge, wqe->dma.num_sge,
					 &r->pos, data, payload,
					 SRX_COPY_FROM_MEM))
		return -EACCES;
	return 0;
}

/* A packet of @sqe with @payload bytes is about to go: the PSNs move on. */
static void srx_req_advance(struct srx_qp *qp, struct srx_sqe *sqe,
			    u32 payload, bool ack_req)
{
	struct srx_req *r = &qp->req;

	if (srx_psn_lt(r->psn, r->max_psn))
		srx_count(to_sdev(qp->ibqp.device), SRX_CNT_RETRANS_PKTS);
	r->since_ack_req = ack_req ? 0 : r->since_ack_req + 1;
	if (sqe->rd_atomic) {
		r->psn = srx_psn_add(sqe->last_psn, 1);
		r->rd_inflight++;
	} else {
		r->psn = srx_psn_add(r->psn, 1);
		r->off += payload;
	}
	if (srx_psn_gt(r->psn, r->max_psn))
		r->max_psn = r->psn;
}

/* Send the next packet of the WQE at the head. */
static int srx_req_packet(struct srx_qp *qp, struct rxe_send_wqe *wqe,
			  struct srx_sqe *sqe)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	struct srx_req *r = &qp->req;
	u32 mtu = srx_req_mtu(qp), payload = 0;
	struct srx_pkt_fields f;
	struct srx_av av_ud;
	const struct srx_av *av = &qp->av;
	struct sk_buff *skb;
	bool first = !r->off, last;
	void *data;

	if (first)
		srx_req_psns(qp, wqe, sqe, mtu);
	if (!sqe->rd_atomic || wqe->wr.opcode == IB_WR_ATOMIC_WRITE)
		payload = min(mtu, sqe->len - r->off);
	last = sqe->rd_atomic || r->off + payload >= sqe->len;
	if (srx_qp_is_ud(qp)) {
		if (srx_req_ud_av(qp, wqe, &av_ud)) {
			sqe->status = IB_WC_LOC_QP_OP_ERR;
			sqe->done = 1;
			return -EINVAL;
		}
		av = &av_ud;
	}
	srx_req_fields(qp, wqe, sqe, payload, first, last, &f);
	skb = srx_pkt_new(qp, av, &f, &data);
	if (!skb)
		return -ENOMEM;
	if (srx_req_payload(qp, wqe, data, payload)) {
		kfree_skb(skb);
		sqe->status = IB_WC_LOC_PROT_ERR;
		sqe->done = 1;
		return -EACCES;
	}
	srx_req_advance(qp, sqe, payload, f.ack_req);
	srx_xmit(sdev, av, qp->src_port, skb,
		 srx_qp_is_ud(qp) ? NULL : &qp->dst_cache);
	if (!last)
		return 0;
	/* The whole message is out. UD and UC need no answer. */
	if (qp->ibqp.qp_type != IB_QPT_RC)
		sqe->done = 1;
	r->off = 0;
	memset(&r->pos, 0, sizeof(r->pos));
	r->head = srx_sq_next(qp, r->head);
	return 0;
}

/* Execute a local operation (LOCAL_INV, REG_MR, BIND_MW) in order. */
static void srx_req_local(struct srx_qp *qp, struct rxe_send_wqe *wqe,
			  struct srx_sqe *sqe)
{
	int err;

	switch (wqe->wr.opcode) {
	case IB_WR_LOCAL_INV:
		err = srx_local_inv(qp, wqe->wr.ex.invalidate_rkey);
		break;
	case IB_WR_REG_MR:
		err = srx_fast_reg(qp, to_smr(wqe->wr.wr.reg.mr),
				   wqe->wr.wr.reg.key, wqe->wr.wr.reg.access);
		break;
	default:
		err = srx_bind_mw(qp, &wqe->wr);
		break;
	}
	if (err)
		sqe->status = wqe->wr.opcode == IB_WR_BIND_MW ?
			      IB_WC_MW_BIND_ERR : IB_WC_LOC_QP_OP_ERR;
	sqe->done = 1;
	qp->req.head = srx_sq_next(qp, qp->req.head);
}

/* Must the WQE at the head wait (window, read credit, fence)? */
static bool srx_req_blocked(struct srx_qp *qp, struct rxe_send_wqe *wqe,
			    struct srx_sqe *sqe)
{
	struct srx_req *r = &qp->req;
	u32 max_rd = max_t(u32, qp->attr.max_rd_atomic, 1);

	if (qp->ibqp.qp_type != IB_QPT_RC)
		return false;
	if (srx_psn_diff(r->psn, r->acked_psn) >= SRX_WINDOW)
		return true;
	if (r->off)
		return false;
	if (READ_ONCE(qp->state) == IB_QPS_SQD)
		return true;
	if (sqe->rd_atomic && r->rd_inflight >= max_rd)
		return true;
	return (wqe->wr.send_flags & IB_SEND_FENCE) && r->rd_inflight;
}

/**
 * srx_req_run - send what the send queue holds, within the limits
 * @qp: a QP in RTS or SQD, called from its engine
 */
void srx_req_run(struct srx_qp *qp)
{
	struct srx_req *r = &qp->req;
	int budget = SRX_REQ_BUDGET;
	struct rxe_send_wqe *wqe;
	struct srx_sqe *sqe;
	u32 prod;

	if (r->retry)
		srx_req_rewind(qp);
	if (r->rnr_wait)
		return;
	prod = srx_queue_prod(&qp->sq);
	while (r->head != prod) {
		if (r->head == r->fetched) {
			srx_req_fetch(qp, r->head);
			r->fetched = srx_sq_next(qp, r->fetched);
		}
		wqe = srx_sq_wqe(qp, r->head);
		sqe = srx_sqe(qp, r->head);
		if (sqe->done) {
			/* Nothing after a failed WQE goes out. */
			if (sqe->status != IB_WC_SUCCESS)
				break;
			r->head = srx_sq_next(qp, r->head);
			continue;
		}
		if (srx_req_blocked(qp, wqe, sqe))
			break;
		if (srx_op_is_local(wqe->wr.opcode)) {
			srx_req_local(qp, wqe, sqe);
			continue;
		}
		if (!budget--) {
			set_bit(SRX_QPF_PENDING, &qp->flags);
			break;
		}
		/* Out of memory: a later pass tries again. */
		if (srx_req_packet(qp, wqe, sqe) == -ENOMEM) {
			srx_engine_schedule(qp);
			break;
		}
	}
	if (qp->ibqp.qp_type == IB_QPT_RC)
		srx_req_arm(qp, false);
}

void srx_retrans_timer(struct timer_list *t)
{
	struct srx_qp *qp = from_timer(qp, t, req.retrans_timer);

	set_bit(SRX_QPF_TIMEOUT, &qp->flags);
	srx_engine_schedule(qp);
}

void srx_rnr_timer(struct timer_list *t)
{
	struct srx_qp *qp = from_timer(qp, t, req.rnr_timer);

	set_bit(SRX_QPF_RNR_DONE, &qp->flags);
	srx_engine_schedule(qp);
}
