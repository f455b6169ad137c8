// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: queue pairs: creation with rings in rdma_rxe's layout, the IB state
 * machine, queries, flushing and destruction.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/vmalloc.h>
#include <rdma/uverbs_ioctl.h>

#include "srx.h"

/* The QP numbered @qpn, pinned against destruction, or NULL. */
struct srx_qp *srx_qp_get(struct srx_dev *sdev, u32 qpn)
{
	unsigned long flags;
	struct srx_qp *qp;

	xa_lock_irqsave(&sdev->qp_tbl.xa, flags);
	qp = xa_load(&sdev->qp_tbl.xa, qpn);
	if (qp && !refcount_inc_not_zero(&qp->ref))
		qp = NULL;
	xa_unlock_irqrestore(&sdev->qp_tbl.xa, flags);
	return qp;
}

void srx_qp_put(struct srx_qp *qp)
{
	if (refcount_dec_and_test(&qp->ref))
		complete(&qp->released);
}

static int srx_qp_init_engine(struct srx_qp *qp)
{
	u32 slots = qp->sq.index_mask + 1;
	int err;

	refcount_set(&qp->ref, 1);
	init_completion(&qp->released);
	qp->mtu = 256;
	srx_engine_init(qp);
	timer_setup(&qp->req.retrans_timer, srx_retrans_timer, 0);
	timer_setup(&qp->req.rnr_timer, srx_rnr_timer, 0);
	err = dst_cache_init(&qp->dst_cache, GFP_KERNEL);
	if (err)
		return err;
	qp->sqe = kvcalloc(slots, sizeof(*qp->sqe), GFP_KERNEL_ACCOUNT);
	if (!qp->sqe) {
		err = -ENOMEM;
		goto err_dst;
	}
	if (qp->is_user) {
		qp->sq_copy = kvmalloc((size_t)slots << qp->sq.log2_elem_size,
				       GFP_KERNEL_ACCOUNT);
		if (!qp->sq_copy) {
			err = -ENOMEM;
			goto err_sqe;
		}
	}
	err = srx_resp_init(qp);
	if (err)
		goto err_copy;
	return 0;

err_copy:
	kvfree(qp->sq_copy);
err_sqe:
	kvfree(qp->sqe);
err_dst:
	dst_cache_destroy(&qp->dst_cache);
	return err;
}

static void srx_qp_free_engine(struct srx_qp *qp)
{
	srx_resp_free(qp);
	kvfree(qp->sq_copy);
	kvfree(qp->sqe);
	dst_cache_destroy(&qp->dst_cache);
}

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

/* A QPN that packets and the operator find only once create is done. */
static int srx_qp_number(struct srx_dev *sdev, struct srx_qp *qp)
{
	u32 qpn;
	int err;

	if (qp->ibqp.qp_type == IB_QPT_GSI) {
		qp->ibqp.qp_num = 1;
		return srx_table_add_at(&sdev->qp_tbl, 1);
	}
	err = srx_table_add(&sdev->qp_tbl, &qpn, GFP_KERNEL);
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
	INIT_LIST_HEAD(&qp->mc_list);
	qp->is_user = !!udata;
	qp->state = IB_QPS_RESET;
	qp->sq_sig_type = init->sq_sig_type;

	err = srx_qp_init_queues(qp, init, udata, &resp);
	if (err)
		return err;
	qp->cap = init->cap;
	err = srx_qp_init_engine(qp);
	if (err)
		goto err_queues;
	err = srx_qp_number(sdev, qp);
	if (err)
		goto err_engine;
	srx_gov_qp_attach(qp);
	if (udata) {
		err = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (err)
			goto err_num;
	}
	/* Last: from here on packets and gov/ctl may take references. */
	srx_table_publish(&sdev->qp_tbl, ibqp->qp_num, qp);
	return 0;

	/* Unpublished, the QP has no references, work or timers to undo. */
err_num:
	srx_gov_qp_detach(qp);
	srx_table_del(&sdev->qp_tbl, ibqp->qp_num);
err_engine:
	srx_qp_free_engine(qp);
err_queues:
	srx_queue_free(&qp->rq);
	srx_queue_free(&qp->sq);
	return err;
}

/* Both WQE layouts start with the wr_id, which is all a flush needs. */
static_assert(offsetof(struct rxe_send_wqe, wr.wr_id) == 0);
static_assert(offsetof(struct rxe_recv_wqe, wr_id) == 0);

/* Take the oldest WQE of @q for a flush; false when none is left. */
static bool srx_qp_flush_take(struct srx_queue *q, spinlock_t *lock,
			      u64 *wr_id)
{
	unsigned long flags;
	bool taken;

	spin_lock_irqsave(lock, flags);
	taken = srx_queue_count(q);
	if (taken) {
		*wr_id = READ_ONCE(*(u64 *)srx_queue_elem(q, srx_queue_cons(q)));
		srx_queue_advance_cons(q);
	}
	spin_unlock_irqrestore(lock, flags);
	return taken;
}

/*
 * Complete the WQEs in @q with IB_WC_WR_FLUSH_ERR, in order: at most as
 * many as were there when the flush began (a process moving its producer
 * index meanwhile must not keep it going), and with the queue lock
 * dropped around each completion, whose handler may post again.
 */
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
	u32 n;

	spin_lock_irqsave(lock, flags);
	n = srx_queue_count(q);
	spin_unlock_irqrestore(lock, flags);
	for (; n && srx_qp_flush_take(q, lock, &wc.wr_id); n--)
		if (srx_cq_post(to_scq(ibcq), &wc, false, NULL))
			break;
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

void srx_qp_event(struct srx_qp *qp, enum ib_event_type type)
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
static void srx_qp_write_state(struct srx_qp *qp, enum ib_qp_state state)
{
	unsigned long flags;

	spin_lock_irqsave(&qp->sq_lock, flags);
	spin_lock(&qp->rq_lock);
	WRITE_ONCE(qp->state, state);
	spin_unlock(&qp->rq_lock);
	spin_unlock_irqrestore(&qp->sq_lock, flags);
}

/* Who moves a QP to ERR: a verb may from any state, the engine not. */
enum srx_err_cause {
	SRX_ERR_BY_VERB,
	SRX_ERR_BY_ENGINE,	/* never out of RESET: a verb put it there */
};

/*
 * Move to the error state. The state is tested and written under both
 * queue locks: an engine pass that failed a WQE just before a verb
 * moved the QP to RESET must not take it out of RESET again. The
 * engine flushes both queues; for an SRQ QP it then raises
 * LAST_WQE_REACHED, as no SRQ WQE is in use by the QP any more.
 */
static void srx_qp_to_error(struct srx_qp *qp, enum srx_err_cause cause)
{
	enum ib_qp_state cur;
	unsigned long flags;
	bool moved;

	spin_lock_irqsave(&qp->sq_lock, flags);
	spin_lock(&qp->rq_lock);
	cur = qp->state;
	moved = cur != IB_QPS_ERR &&
		(cur != IB_QPS_RESET || cause == SRX_ERR_BY_VERB);
	if (moved) {
		if (qp->ibqp.srq)
			set_bit(SRX_QPF_LAST_WQE, &qp->flags);
		WRITE_ONCE(qp->state, IB_QPS_ERR);
	}
	spin_unlock(&qp->rq_lock);
	spin_unlock_irqrestore(&qp->sq_lock, flags);
	/* From a verb the flush is done on return (from the engine: soon). */
	if (moved)
		srx_engine_run(qp);
}

/* The data path failed the QP: to ERR, unless a verb reset it. */
void srx_qp_error(struct srx_qp *qp)
{
	srx_qp_to_error(qp, SRX_ERR_BY_ENGINE);
}

/*
 * Back to RESET: stop the engine, forget every packet and WQE. A pass
 * already running may still arm a timer, so the timers go only once no
 * pass runs; a timer that fired meanwhile may queue one more, which
 * finds RESET and does nothing.
 */
static void srx_qp_quiesce(struct srx_qp *qp)
{
	srx_qp_write_state(qp, IB_QPS_RESET);
	srx_engine_wait_idle(qp);
	flush_work(&qp->work);
	timer_delete_sync(&qp->req.retrans_timer);
	timer_delete_sync(&qp->req.rnr_timer);
	timer_delete_sync(&qp->resp.nak_timer);
	flush_work(&qp->work);
	srx_engine_wait_idle(qp);
	srx_engine_drop_rxq(qp);
	srx_ooo_release_qp(qp);
	clear_bit(SRX_QPF_TIMEOUT, &qp->flags);
	clear_bit(SRX_QPF_RNR_DONE, &qp->flags);
	clear_bit(SRX_QPF_NAK_DUE, &qp->flags);
	clear_bit(SRX_QPF_LAST_WQE, &qp->flags);
	clear_bit(SRX_QPF_SQD_NOTIFY, &qp->flags);
	srx_resp_drop_wqe(qp);
	qp->resp.rd.active = false;
	srx_qp_reset(qp);
	memset(qp->sqe, 0, (qp->sq.index_mask + 1) * sizeof(*qp->sqe));
	qp->req.head = 0;
	qp->req.fetched = 0;
}

static void srx_qp_set_state(struct srx_qp *qp, enum ib_qp_state cur,
			     enum ib_qp_state state)
{
	switch (state) {
	case IB_QPS_RESET:
		srx_qp_quiesce(qp);
		return;
	case IB_QPS_RTR:
		if (cur == IB_QPS_INIT)
			srx_resp_reset(qp);
		break;
	case IB_QPS_RTS:
		if (cur == IB_QPS_RTR)
			srx_req_init(qp);
		break;
	case IB_QPS_SQD:
		if (qp->attr.en_sqd_async_notify)
			set_bit(SRX_QPF_SQD_NOTIFY, &qp->flags);
		break;
	case IB_QPS_ERR:
		srx_qp_to_error(qp, SRX_ERR_BY_VERB);
		return;
	default:
		break;
	}
	srx_qp_write_state(qp, state);
	srx_engine_run(qp);
}

int srx_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		  struct ib_udata *udata)
{
	struct srx_dev *sdev = to_sdev(ibqp->device);
	struct srx_qp *qp = to_sqp(ibqp);
	enum ib_qp_state cur, next;
	struct srx_av av = {};
	bool av_local = false;
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
		if (!err)
			err = srx_av_locality(sdev, &av, &av_local);
		if (err)
			goto out;
		/* A pass sending from the old path must not see half of it. */
		srx_engine_hold(qp);
		qp->av = av;
		qp->av_local = av_local;
		dst_cache_reset(&qp->dst_cache);
		srx_engine_resume(qp);
	}
	srx_qp_store(qp, attr, mask);
	if (mask & IB_QP_STATE)
		srx_qp_set_state(qp, cur, next);
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

	/* No new packet finds the QP; wait for those on their way. */
	srx_table_del(&to_sdev(ibqp->device)->qp_tbl, ibqp->qp_num);
	WRITE_ONCE(qp->dying, true);
	srx_qp_put(qp);
	wait_for_completion(&qp->released);
	timer_shutdown_sync(&qp->req.retrans_timer);
	timer_shutdown_sync(&qp->req.rnr_timer);
	timer_shutdown_sync(&qp->resp.nak_timer);
	cancel_work_sync(&qp->work);
	srx_engine_wait_idle(qp);
	srx_engine_drop_rxq(qp);
	srx_ooo_release_qp(qp);
	srx_gov_qp_detach(qp);
	srx_qp_free_engine(qp);
	srx_queue_free(&qp->rq);
	srx_queue_free(&qp->sq);
	mutex_destroy(&qp->mlock);
	return 0;
}

/* The part of a kernel send WR that depends on its opcode. */
static void srx_wr_fill(struct srx_qp *qp, struct rxe_send_wr *w,
			const struct ib_send_wr *wr)
{
	switch (wr->opcode) {
	case IB_WR_SEND_WITH_IMM:
	case IB_WR_RDMA_WRITE_WITH_IMM:
		w->ex.imm_data = wr->ex.imm_data;
		break;
	case IB_WR_SEND_WITH_INV:
	case IB_WR_LOCAL_INV:
		w->ex.invalidate_rkey = wr->ex.invalidate_rkey;
		break;
	default:
		break;
	}
	switch (wr->opcode) {
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
	case IB_WR_RDMA_READ:
		w->wr.rdma.remote_addr = rdma_wr(wr)->remote_addr;
		w->wr.rdma.rkey = rdma_wr(wr)->rkey;
		break;
	case IB_WR_ATOMIC_CMP_AND_SWP:
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		w->wr.atomic.remote_addr = atomic_wr(wr)->remote_addr;
		w->wr.atomic.compare_add = atomic_wr(wr)->compare_add;
		w->wr.atomic.swap = atomic_wr(wr)->swap;
		w->wr.atomic.rkey = atomic_wr(wr)->rkey;
		break;
	case IB_WR_REG_MR:
		w->wr.reg.mr = reg_wr(wr)->mr;
		w->wr.reg.key = reg_wr(wr)->key;
		w->wr.reg.access = reg_wr(wr)->access;
		break;
	default:
		break;
	}
	if (qp->ibqp.qp_type == IB_QPT_UD || qp->ibqp.qp_type == IB_QPT_GSI) {
		w->wr.ud.remote_qpn = ud_wr(wr)->remote_qpn;
		w->wr.ud.remote_qkey = ud_wr(wr)->remote_qkey;
		w->wr.ud.pkey_index = ud_wr(wr)->pkey_index;
		w->wr.ud.ah_num = to_sah(ud_wr(wr)->ah)->ah_num;
	}
}

/* Inline data: the SGEs are kernel virtual addresses, copied now. */
static int srx_wqe_fill_data(struct srx_qp *qp, struct rxe_send_wqe *wqe,
			     const struct ib_send_wr *wr)
{
	u32 len = 0;
	int i;

	if (wr->num_sge < 0 || wr->num_sge > qp->cap.max_send_sge)
		return -EINVAL;
	if (wr->send_flags & IB_SEND_INLINE) {
		for (i = 0; i < wr->num_sge; i++) {
			if (wr->sg_list[i].length > qp->cap.max_inline_data - len)
				return -EINVAL;
			memcpy(wqe->dma.inline_data + len,
			       (void *)(uintptr_t)wr->sg_list[i].addr,
			       wr->sg_list[i].length);
			len += wr->sg_list[i].length;
		}
		wqe->dma.length = len;
		return 0;
	}
	for (i = 0; i < wr->num_sge; i++) {
		wqe->dma.sge[i].addr = wr->sg_list[i].addr;
		wqe->dma.sge[i].length = wr->sg_list[i].length;
		wqe->dma.sge[i].lkey = wr->sg_list[i].lkey;
	}
	wqe->dma.num_sge = wr->num_sge;
	return srx_sgl_len(wqe->dma.sge, wr->num_sge, &wqe->dma.length);
}

static int srx_post_one(struct srx_qp *qp, const struct ib_send_wr *wr)
{
	bool ud = qp->ibqp.qp_type == IB_QPT_UD ||
		  qp->ibqp.qp_type == IB_QPT_GSI;
	struct rxe_send_wqe *wqe;
	int err;

	if (!srx_op_allowed(qp->ibqp.qp_type, wr->opcode, false) ||
	    wr->opcode == IB_WR_BIND_MW || (ud && !ud_wr(wr)->ah))
		return -EINVAL;
	if (srx_queue_full(&qp->sq))
		return -ENOMEM;
	wqe = srx_queue_elem(&qp->sq, qp->sq.prod);
	memset(wqe, 0, sizeof(*wqe));
	wqe->wr.wr_id = wr->wr_id;
	wqe->wr.opcode = wr->opcode;
	wqe->wr.send_flags = wr->send_flags;
	srx_wr_fill(qp, &wqe->wr, wr);
	err = srx_wqe_fill_data(qp, wqe, wr);
	if (err)
		return err;
	srx_queue_advance_prod(&qp->sq);
	return 0;
}

static int srx_post_send_kernel(struct srx_qp *qp, const struct ib_send_wr *wr,
				const struct ib_send_wr **bad_wr)
{
	enum ib_qp_state state;
	unsigned long flags;
	int err = 0;

	spin_lock_irqsave(&qp->sq_lock, flags);
	state = qp->state;
	for (; wr; wr = wr->next) {
		if (state < IB_QPS_RTS) {
			err = -EINVAL;
			break;
		}
		err = srx_post_one(qp, wr);
		if (err)
			break;
	}
	spin_unlock_irqrestore(&qp->sq_lock, flags);
	if (err)
		*bad_wr = wr;
	srx_engine_run(qp);
	return err;
}

/*
 * Sends are carried out by the QP's engine. A kernel WR is written to
 * the ring here; a user QP calls with no WR (librxe's doorbell) after
 * writing its ring itself. In the error state the engine completes
 * everything as flushed, which is what ib_drain_sq() relies on.
 */
int srx_post_send(struct ib_qp *ibqp, const struct ib_send_wr *wr,
		  const struct ib_send_wr **bad_wr)
{
	struct srx_qp *qp = to_sqp(ibqp);

	if (qp->is_user) {
		/* As rdma_rxe: no send may be posted before RTS. */
		if (READ_ONCE(qp->state) < IB_QPS_RTS)
			return -EINVAL;
		srx_engine_run(qp);
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

/* The QP is in error: complete everything it holds as flushed. */
void srx_qp_flush_all(struct srx_qp *qp)
{
	timer_delete(&qp->req.retrans_timer);
	timer_delete(&qp->req.rnr_timer);
	timer_delete(&qp->resp.nak_timer);
	srx_resp_flush(qp);
	srx_qp_flush_sq(qp);
	qp->req.head = qp->sq.cons;
	qp->req.fetched = qp->sq.cons;
	qp->req.off = 0;
	srx_qp_flush_rq(qp);
	if (test_and_clear_bit(SRX_QPF_LAST_WQE, &qp->flags))
		srx_qp_event(qp, IB_EVENT_QP_LAST_WQE_REACHED);
}
