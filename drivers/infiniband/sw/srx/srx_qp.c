// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: queue pairs: creation with rings in rdma_rxe's layout, the IB state
 * machine, queries, flushing and destruction.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <rdma/uverbs_ioctl.h>

#include "srx.h"

static int srx_qp_check_init(struct ib_qp_init_attr *init)
{
	struct ib_qp_cap *cap = &init->cap;

	switch (init->qp_type) {
	case IB_QPT_RC:
	case IB_QPT_UC:
	case IB_QPT_UD:
	case IB_QPT_GSI:
		break;
	default:
		/* No QP0 on RoCE; no XRC or raw packet QPs. */
		return -EOPNOTSUPP;
	}
	if (init->create_flags)
		return -EOPNOTSUPP;
	if (!init->send_cq || !init->recv_cq)
		return -EINVAL;
	if (cap->max_send_wr < 1 || cap->max_send_wr > SRX_MAX_QP_WR ||
	    cap->max_send_sge > SRX_MAX_SGE ||
	    cap->max_inline_data > SRX_MAX_INLINE)
		return -EINVAL;
	if (init->srq)
		return 0;
	if (cap->max_recv_wr < 1 || cap->max_recv_wr > SRX_MAX_QP_WR ||
	    cap->max_recv_sge > SRX_MAX_SGE)
		return -EINVAL;
	return 0;
}

/*
 * Send WQEs carry either an SGE list or inline data in one payload area,
 * so both limits come out of the same size: report what really fits.
 */
static u32 srx_sq_payload(struct ib_qp_cap *cap)
{
	u32 payload = max_t(u32, cap->max_send_sge * sizeof(struct rxe_sge),
			    cap->max_inline_data);

	payload = max_t(u32, payload, sizeof(struct rxe_sge));
	cap->max_send_sge = min_t(u32, payload / sizeof(struct rxe_sge),
				  SRX_MAX_SGE);
	cap->max_inline_data = min_t(u32, payload, SRX_MAX_INLINE);
	return payload;
}

static int srx_qp_init_queues(struct srx_qp *qp, struct ib_qp_init_attr *init,
			      struct ib_udata *udata,
			      struct rxe_create_qp_resp *resp)
{
	enum srx_queue_kind kind = udata ? SRX_Q_FROM_USER : SRX_Q_KERNEL;
	struct ib_qp_cap *cap = &init->cap;
	u32 payload = srx_sq_payload(cap);
	int err;

	err = srx_queue_init(&qp->sq, &cap->max_send_wr,
			     sizeof(struct rxe_send_wqe) + payload, kind);
	if (err)
		return err;
	if (!init->srq) {
		cap->max_recv_sge = max_t(u32, cap->max_recv_sge, 1);
		err = srx_queue_init(&qp->rq, &cap->max_recv_wr,
				     srx_recv_wqe_size(cap->max_recv_sge),
				     kind);
		if (err)
			goto err_sq;
	} else {
		cap->max_recv_wr = 0;
		cap->max_recv_sge = 0;
	}
	if (!udata)
		return 0;

	err = srx_queue_map(&qp->sq, udata, &resp->sq_mi);
	if (!err && !init->srq)
		err = srx_queue_map(&qp->rq, udata, &resp->rq_mi);
	if (err)
		goto err_rq;
	return 0;

err_rq:
	srx_queue_free(&qp->rq);
err_sq:
	srx_queue_free(&qp->sq);
	return err;
}

static int srx_qp_number(struct srx_dev *sdev, struct srx_qp *qp)
{
	u32 qpn;
	int err;

	if (qp->ibqp.qp_type == IB_QPT_GSI) {
		qp->ibqp.qp_num = 1;
		return srx_table_add_at(&sdev->qp_tbl, qp, 1);
	}
	err = srx_table_add(&sdev->qp_tbl, qp, &qpn, GFP_KERNEL);
	if (!err)
		qp->ibqp.qp_num = qpn;
	return err;
}

int srx_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *init,
		  struct ib_udata *udata)
{
	struct srx_dev *sdev = to_sdev(ibqp->device);
	struct srx_qp *qp = to_sqp(ibqp);
	struct rxe_create_qp_resp resp = {};
	int err;

	err = srx_qp_check_init(init);
	if (err)
		return err;
	if (udata && (udata->outlen < sizeof(resp) ||
		      init->qp_type == IB_QPT_GSI))
		return -EINVAL;

	mutex_init(&qp->mlock);
	spin_lock_init(&qp->sq_lock);
	spin_lock_init(&qp->rq_lock);
	qp->is_user = !!udata;
	qp->state = IB_QPS_RESET;
	qp->sq_sig_type = init->sq_sig_type;

	err = srx_qp_init_queues(qp, init, udata, &resp);
	if (err)
		return err;
	qp->cap = init->cap;
	err = srx_qp_number(sdev, qp);
	if (err)
		goto err_queues;
	if (udata) {
		err = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (err)
			goto err_num;
	}
	return 0;

err_num:
	srx_table_del(&sdev->qp_tbl, ibqp->qp_num);
err_queues:
	srx_queue_free(&qp->rq);
	srx_queue_free(&qp->sq);
	return err;
}

/* Both WQE layouts start with the wr_id, which is all a flush needs. */
static_assert(offsetof(struct rxe_send_wqe, wr.wr_id) == 0);
static_assert(offsetof(struct rxe_recv_wqe, wr_id) == 0);

/* Complete every WQE still in @q with IB_WC_WR_FLUSH_ERR, in order. */
static void srx_qp_flush(struct srx_qp *qp, struct srx_queue *q,
			 spinlock_t *lock, struct ib_cq *ibcq,
			 enum ib_wc_opcode opcode)
{
	struct ib_wc wc = {
		.status = IB_WC_WR_FLUSH_ERR,
		.opcode = opcode,
		.qp = &qp->ibqp,
	};
	unsigned long flags;
	u64 *wr_id;

	spin_lock_irqsave(lock, flags);
	while (srx_queue_count(q)) {
		wr_id = srx_queue_elem(q, srx_queue_cons(q));
		wc.wr_id = READ_ONCE(*wr_id);
		if (srx_cq_post(to_scq(ibcq), &wc, false))
			break;
		srx_queue_advance_cons(q);
	}
	spin_unlock_irqrestore(lock, flags);
}

static void srx_qp_flush_sq(struct srx_qp *qp)
{
	srx_qp_flush(qp, &qp->sq, &qp->sq_lock, qp->ibqp.send_cq, IB_WC_SEND);
}

static void srx_qp_flush_rq(struct srx_qp *qp)
{
	if (!qp->ibqp.srq)
		srx_qp_flush(qp, &qp->rq, &qp->rq_lock, qp->ibqp.recv_cq,
			     IB_WC_RECV);
}

static void srx_qp_reset(struct srx_qp *qp)
{
	unsigned long flags;

	spin_lock_irqsave(&qp->sq_lock, flags);
	srx_queue_reset(&qp->sq);
	spin_unlock_irqrestore(&qp->sq_lock, flags);
	if (qp->ibqp.srq)
		return;
	spin_lock_irqsave(&qp->rq_lock, flags);
	srx_queue_reset(&qp->rq);
	spin_unlock_irqrestore(&qp->rq_lock, flags);
}

static void srx_qp_store(struct srx_qp *qp, struct ib_qp_attr *attr,
			 int mask)
{
	struct ib_qp_attr *a = &qp->attr;

	if (mask & IB_QP_PKEY_INDEX)
		a->pkey_index = attr->pkey_index;
	if (mask & IB_QP_PORT)
		a->port_num = attr->port_num;
	if (mask & IB_QP_QKEY)
		a->qkey = attr->qkey;
	if (mask & IB_QP_ACCESS_FLAGS)
		a->qp_access_flags = attr->qp_access_flags;
	if (mask & IB_QP_PATH_MTU)
		a->path_mtu = attr->path_mtu;
	if (mask & IB_QP_TIMEOUT)
		a->timeout = attr->timeout;
	if (mask & IB_QP_RETRY_CNT)
		a->retry_cnt = attr->retry_cnt;
	if (mask & IB_QP_RNR_RETRY)
		a->rnr_retry = attr->rnr_retry;
	if (mask & IB_QP_RQ_PSN)
		a->rq_psn = attr->rq_psn;
	if (mask & IB_QP_SQ_PSN)
		a->sq_psn = attr->sq_psn;
	if (mask & IB_QP_MAX_QP_RD_ATOMIC)
		a->max_rd_atomic = attr->max_rd_atomic;
	if (mask & IB_QP_MAX_DEST_RD_ATOMIC)
		a->max_dest_rd_atomic = attr->max_dest_rd_atomic;
	if (mask & IB_QP_MIN_RNR_TIMER)
		a->min_rnr_timer = attr->min_rnr_timer;
	if (mask & IB_QP_DEST_QPN)
		a->dest_qp_num = attr->dest_qp_num;
	if (mask & IB_QP_EN_SQD_ASYNC_NOTIFY)
		a->en_sqd_async_notify = attr->en_sqd_async_notify;
	if (mask & IB_QP_PATH_MIG_STATE)
		a->path_mig_state = attr->path_mig_state;
}

static void srx_qp_event(struct srx_qp *qp, enum ib_event_type type)
{
	struct ib_event ev = {
		.device = qp->ibqp.device,
		.element.qp = &qp->ibqp,
		.event = type,
	};

	if (qp->ibqp.event_handler)
		qp->ibqp.event_handler(&ev, qp->ibqp.qp_context);
}

/* The state is written under both queue locks, read under either. */
static void srx_qp_set_state(struct srx_qp *qp, enum ib_qp_state state)
{
	unsigned long flags;

	spin_lock_irqsave(&qp->sq_lock, flags);
	spin_lock(&qp->rq_lock);
	WRITE_ONCE(qp->state, state);
	spin_unlock(&qp->rq_lock);
	spin_unlock_irqrestore(&qp->sq_lock, flags);
	if (state == IB_QPS_RESET) {
		srx_qp_reset(qp);
	} else if (state == IB_QPS_ERR) {
		srx_qp_flush_sq(qp);
		srx_qp_flush_rq(qp);
		/* No SRQ WQE is in use by the QP any more: tell its owner. */
		if (qp->ibqp.srq)
			srx_qp_event(qp, IB_EVENT_QP_LAST_WQE_REACHED);
	} else if (state == IB_QPS_SQD && qp->attr.en_sqd_async_notify) {
		/* Nothing is ever in flight when SQD is entered: drained. */
		srx_qp_event(qp, IB_EVENT_SQ_DRAINED);
	}
}

int srx_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		  struct ib_udata *udata)
{
	struct srx_dev *sdev = to_sdev(ibqp->device);
	struct srx_qp *qp = to_sqp(ibqp);
	enum ib_qp_state cur, next;
	struct srx_av av = {};
	int err;

	if (mask & ~IB_QP_ATTR_STANDARD_BITS)
		return -EOPNOTSUPP;
	if (udata && udata->inlen &&
	    !ib_is_udata_cleared(udata, 0, udata->inlen))
		return -EOPNOTSUPP;

	mutex_lock(&qp->mlock);
	cur = qp->state;
	next = mask & IB_QP_STATE ? attr->qp_state : cur;
	err = -EINVAL;
	if ((mask & IB_QP_CUR_STATE) && attr->cur_qp_state != cur)
		goto out;
	if (!ib_modify_qp_is_ok(cur, next, ibqp->qp_type, mask))
		goto out;
	err = srx_qp_attr_check(attr, mask);
	if (err)
		goto out;
	if (mask & IB_QP_AV) {
		err = srx_av_from_attr(sdev, &av, &attr->ah_attr);
		if (err)
			goto out;
		qp->av = av;
	}
	srx_qp_store(qp, attr, mask);
	if (mask & IB_QP_STATE)
		srx_qp_set_state(qp, next);
out:
	mutex_unlock(&qp->mlock);
	return err;
}

int srx_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		 struct ib_qp_init_attr *init)
{
	struct srx_qp *qp = to_sqp(ibqp);

	mutex_lock(&qp->mlock);
	*attr = qp->attr;
	attr->qp_state = qp->state;
	attr->cur_qp_state = qp->state;
	attr->cap = qp->cap;
	attr->ah_attr = qp->av.attr;
	attr->sq_draining = 0;
	mutex_unlock(&qp->mlock);

	memset(init, 0, sizeof(*init));
	init->event_handler = ibqp->event_handler;
	init->qp_context = ibqp->qp_context;
	init->send_cq = ibqp->send_cq;
	init->recv_cq = ibqp->recv_cq;
	init->srq = ibqp->srq;
	init->cap = qp->cap;
	init->sq_sig_type = qp->sq_sig_type;
	init->qp_type = ibqp->qp_type;
	init->port_num = 1;
	return 0;
}

int srx_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata)
{
	struct srx_qp *qp = to_sqp(ibqp);

	srx_table_del(&to_sdev(ibqp->device)->qp_tbl, ibqp->qp_num);
	srx_queue_free(&qp->rq);
	srx_queue_free(&qp->sq);
	mutex_destroy(&qp->mlock);
	return 0;
}

static int srx_post_send_kernel(struct srx_qp *qp, const struct ib_send_wr *wr,
				const struct ib_send_wr **bad_wr)
{
	struct ib_qp *ibqp = &qp->ibqp;
	struct ib_wc wc = {
		.status = IB_WC_WR_FLUSH_ERR,
		.opcode = IB_WC_SEND,
		.qp = ibqp,
	};
	int err = 0;

	for (; wr; wr = wr->next) {
		if (READ_ONCE(qp->state) != IB_QPS_ERR) {
			err = qp->state < IB_QPS_RTS ? -EINVAL : -EOPNOTSUPP;
			break;
		}
		if (wr->num_sge > qp->cap.max_send_sge) {
			err = -EINVAL;
			break;
		}
		wc.wr_id = wr->wr_id;
		err = srx_cq_post(to_scq(ibqp->send_cq), &wc, false);
		if (err)
			break;
	}
	if (err)
		*bad_wr = wr;
	return err;
}

/*
 * Sends: a WR posted to a QP in the error state completes at once with
 * IB_WC_WR_FLUSH_ERR (that is what ib_drain_sq() relies on). The
 * transport that would carry sends in RTS is not there yet. For a user
 * QP this is librxe's doorbell, with no WR: its WQEs are in the ring.
 */
int srx_post_send(struct ib_qp *ibqp, const struct ib_send_wr *wr,
		  const struct ib_send_wr **bad_wr)
{
	struct srx_qp *qp = to_sqp(ibqp);

	if (qp->is_user) {
		if (READ_ONCE(qp->state) == IB_QPS_ERR)
			srx_qp_flush_sq(qp);
		return 0;
	}
	return srx_post_send_kernel(qp, wr, bad_wr);
}

int srx_post_recv(struct ib_qp *ibqp, const struct ib_recv_wr *wr,
		  const struct ib_recv_wr **bad_wr)
{
	struct srx_qp *qp = to_sqp(ibqp);
	unsigned long flags;
	bool flush;
	int err = 0;

	if (ibqp->srq || qp->is_user) {
		*bad_wr = wr;
		return -EINVAL;
	}
	spin_lock_irqsave(&qp->rq_lock, flags);
	for (; wr; wr = wr->next) {
		if (qp->state == IB_QPS_RESET) {
			err = -EINVAL;
			break;
		}
		if (srx_queue_full(&qp->rq)) {
			err = -ENOMEM;
			break;
		}
		err = srx_recv_wqe_fill(srx_queue_elem(&qp->rq, qp->rq.prod),
					wr, qp->cap.max_recv_sge);
		if (err)
			break;
		srx_queue_advance_prod(&qp->rq);
	}
	flush = qp->state == IB_QPS_ERR;
	spin_unlock_irqrestore(&qp->rq_lock, flags);
	if (err)
		*bad_wr = wr;
	/* Receives posted in the error state complete as flushed at once. */
	if (flush)
		srx_qp_flush_rq(qp);
	return err;
}
