// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: the QP engine. Everything a QP does on the data path (requester,
 * completer, responder, the error flush) runs in engine passes, one
 * context at a time per QP, so their state needs no lock. Two verbs
 * start it: srx_engine_run() runs it now in the caller's context,
 * srx_engine_schedule() makes sure a pass follows soon (the running one
 * or a worker). Received packets wait in the QP's bounded rxq.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include "srx.h"

/* Received packets one engine pass handles before yielding. */
#define SRX_RX_BUDGET	64
/* Engine passes one inline run makes before leaving the rest to a worker. */
#define SRX_INLINE_PASSES	4
/* Engines nested by loopback delivery: a QP answering its peer inline. */
#define SRX_MAX_NEST	2

struct workqueue_struct *srx_wq;
static DEFINE_PER_CPU(int, srx_nest);

static void srx_engine_work(struct work_struct *work);
static void srx_engine_pass(struct srx_qp *qp);

/* Queue the worker. */
static void srx_engine_kick(struct srx_qp *qp)
{
	queue_work(srx_wq, &qp->work);
}

/* Ask for one more engine pass: inline if one is running, else a worker. */
void srx_engine_schedule(struct srx_qp *qp)
{
	set_bit(SRX_QPF_PENDING, &qp->flags);
	/* Pairs with the barrier after a runner drops RUNNING. */
	smp_mb__after_atomic();
	if (!test_bit(SRX_QPF_RUNNING, &qp->flags))
		srx_engine_kick(qp);
}

/*
 * Run the engine now, in the caller's context (a doorbell, the UDP
 * receive softirq, a worker, or a peer's engine delivering a looped-back
 * packet), with bottom halves off. Only one context runs a QP's engine
 * at a time: a caller that finds it running leaves a PENDING mark the
 * runner picks up. Nesting is bounded, and so are the passes of one
 * inline run; the rest goes to a worker.
 */
void srx_engine_run(struct srx_qp *qp)
{
	int passes = 0;

	if (irqs_disabled() || in_hardirq() ||
	    this_cpu_read(srx_nest) >= SRX_MAX_NEST) {
		srx_engine_schedule(qp);
		return;
	}
	local_bh_disable();
	set_bit(SRX_QPF_PENDING, &qp->flags);
	/* PENDING is visible before we look at RUNNING (see below). */
	smp_mb__after_atomic();
	while (!test_and_set_bit_lock(SRX_QPF_RUNNING, &qp->flags)) {
		this_cpu_inc(srx_nest);
		while (test_and_clear_bit(SRX_QPF_PENDING, &qp->flags)) {
			if (passes++ == SRX_INLINE_PASSES) {
				set_bit(SRX_QPF_PENDING, &qp->flags);
				break;
			}
			srx_engine_pass(qp);
		}
		this_cpu_dec(srx_nest);
		clear_bit_unlock(SRX_QPF_RUNNING, &qp->flags);
		/* Either we see a new PENDING or its setter sees !RUNNING. */
		smp_mb__after_atomic();
		if (!test_bit(SRX_QPF_PENDING, &qp->flags))
			break;
		/*
		 * Out of passes: a worker takes the rest. It is queued only
		 * now that RUNNING is clear, or it could find the engine
		 * busy, leave a mark and return, and the mark be lost.
		 */
		if (passes > SRX_INLINE_PASSES) {
			srx_engine_kick(qp);
			break;
		}
	}
	local_bh_enable();
}

/*
 * Keep every engine pass off the QP while a verb changes what passes
 * read (the path). A caller that finds the engine held leaves PENDING,
 * which srx_engine_resume() hands to a worker.
 */
void srx_engine_hold(struct srx_qp *qp)
{
	while (test_and_set_bit_lock(SRX_QPF_RUNNING, &qp->flags))
		cond_resched();
}

void srx_engine_resume(struct srx_qp *qp)
{
	clear_bit_unlock(SRX_QPF_RUNNING, &qp->flags);
	/* As in srx_engine_run(): a PENDING set meanwhile is seen here. */
	smp_mb__after_atomic();
	if (test_bit(SRX_QPF_PENDING, &qp->flags))
		srx_engine_kick(qp);
}

/* Wait for an inline run elsewhere to finish (RESET, destroy). */
void srx_engine_wait_idle(struct srx_qp *qp)
{
	while (test_bit(SRX_QPF_RUNNING, &qp->flags))
		cond_resched();
}

/*
 * Packets the engine will never handle (the QP is not ready, in error,
 * reset or being destroyed): freed and counted as bad-state drops.
 */
void srx_engine_drop_rxq(struct srx_qp *qp)
{
	struct sk_buff *skb;
	u32 n = 0;

	while ((skb = skb_dequeue(&qp->rxq))) {
		kfree_skb(skb);
		n++;
	}
	if (n)
		srx_count_n(to_sdev(qp->ibqp.device), SRX_CNT_BAD_STATE, n);
}

/* Hand a received packet to the QP's engine, now or in a worker. */
void srx_engine_rcv(struct srx_qp *qp, struct sk_buff *skb, bool now)
{
	/* A peer cannot make the queue grow without bound. */
	if (skb_queue_len_lockless(&qp->rxq) >= SRX_MAX_RXQ) {
		srx_count(to_sdev(qp->ibqp.device), SRX_CNT_RXQ_DROP);
		kfree_skb(skb);
		srx_engine_schedule(qp);
		return;
	}
	skb_queue_tail(&qp->rxq, skb);
	if (now)
		srx_engine_run(qp);
	else
		srx_engine_schedule(qp);
}

/* Does the packet's transport (RC, UC, UD) match the QP's type? */
static bool srx_engine_type_ok(struct srx_qp *qp, const struct srx_pkt *pkt)
{
	switch (qp->ibqp.qp_type) {
	case IB_QPT_RC:
		return (pkt->opcode & 0xe0) == IB_OPCODE_RC;
	case IB_QPT_UC:
		return (pkt->opcode & 0xe0) == IB_OPCODE_UC;
	default:
		return (pkt->opcode & 0xe0) == IB_OPCODE_UD;
	}
}

static void srx_engine_handle(struct srx_qp *qp, struct sk_buff *skb)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	struct srx_pkt pkt;

	if (srx_hdr_parse(skb->data, skb->len, &pkt) ||
	    !srx_engine_type_ok(qp, &pkt)) {
		srx_count(sdev, SRX_CNT_MALFORMED);
	} else if (pkt.info->flags & SRX_OPF_RESP) {
		srx_comp_rcv(qp, skb, &pkt);
	} else {
		srx_resp_rcv(qp, skb, &pkt);
	}
	consume_skb(skb);
}

/* SQD with notification asked for: tell the owner once nothing is out. */
static void srx_engine_sqd_check(struct srx_qp *qp)
{
	if (qp->req.head == qp->sq.cons && !qp->req.off &&
	    test_and_clear_bit(SRX_QPF_SQD_NOTIFY, &qp->flags))
		srx_qp_event(qp, IB_EVENT_SQ_DRAINED);
}

static void srx_engine_work(struct work_struct *work)
{
	srx_engine_run(container_of(work, struct srx_qp, work));
}

/*
 * One engine pass: everything a QP does on the data path runs here, one
 * context at a time (srx_engine_run()), so requester, completer and
 * responder state needs no lock.
 */
static void srx_engine_pass(struct srx_qp *qp)
{
	enum ib_qp_state state = READ_ONCE(qp->state);
	int budget = SRX_RX_BUDGET;
	struct sk_buff *skb;

	if (READ_ONCE(qp->dying))
		return;
	if (state < IB_QPS_RTR) {
		srx_engine_drop_rxq(qp);
		return;
	}
	if (test_and_clear_bit(SRX_QPF_TIMEOUT, &qp->flags))
		srx_comp_timeout(qp);
	if (test_and_clear_bit(SRX_QPF_RNR_DONE, &qp->flags))
		qp->req.rnr_wait = false;
	if (test_and_clear_bit(SRX_QPF_NAK_DUE, &qp->flags))
		srx_resp_nak_due(qp);
	while (!srx_resp_busy(qp) && budget-- &&
	       (skb = skb_dequeue(&qp->rxq)))
		srx_engine_handle(qp, skb);
	srx_resp_flush_ack(qp);
	srx_comp_run(qp);

	state = READ_ONCE(qp->state);
	if (state == IB_QPS_ERR) {
		srx_qp_flush_all(qp);
		srx_engine_drop_rxq(qp);
		return;
	}
	if (state == IB_QPS_RTS || state == IB_QPS_SQD) {
		srx_req_run(qp);
		srx_comp_run(qp);
		if (state == IB_QPS_SQD)
			srx_engine_sqd_check(qp);
	}
	if (!skb_queue_empty(&qp->rxq) || qp->resp.rd.active)
		set_bit(SRX_QPF_PENDING, &qp->flags);
}

/*
 * A sequence NAK deferred while out-of-order messages are held is due
 * (srx_resp.c arms the timer): the next pass sends it if still owed.
 */
static void srx_engine_nak_timer(struct timer_list *t)
{
	struct srx_qp *qp = from_timer(qp, t, resp.nak_timer);

	set_bit(SRX_QPF_NAK_DUE, &qp->flags);
	srx_engine_schedule(qp);
}

/* A new QP's engine: no work queued, no packet waiting, no timer armed. */
void srx_engine_init(struct srx_qp *qp)
{
	INIT_WORK(&qp->work, srx_engine_work);
	skb_queue_head_init(&qp->rxq);
	timer_setup(&qp->resp.nak_timer, srx_engine_nak_timer, 0);
}
