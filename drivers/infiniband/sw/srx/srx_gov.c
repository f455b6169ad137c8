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

#include <linux/jump_label.h>
#include <linux/moduleparam.h>
#include <linux/random.h>

#include "srx.h"
#include "srx_trace.h"

/*
 * governance=0: the data path does no accounting at all (no charge, no
 * credit, no owner records), so an SRQ behaves as a plain one; the
 * controls still work but no limit is enforced. Read-only: accounting
 * switched on or off under live QPs would hold WQEs nobody credits.
 */
static bool srx_governance = true;
module_param_named(governance, srx_governance, bool, 0444);
MODULE_PARM_DESC(governance,
		 "Enforce SRQ governance in the data path; 0: plain SRQs, limits not enforced (default: yes)");

/*
 * The data path never asks whether governance is on: it calls the hooks
 * below, which are no-ops when it is off (a patched-out branch).
 */
static DEFINE_STATIC_KEY_TRUE(srx_gov_key);

static bool srx_gov_enabled(void)
{
	return static_branch_likely(&srx_gov_key);
}

/* At module load, before any device: the parameter is read-only. */
void srx_gov_init(void)
{
	if (!srx_governance)
		static_branch_disable(&srx_gov_key);
}

void srx_gov_defaults_init(struct srx_gov_defaults *d)
{
	d->mode = SRX_GOV_STATIC;
	d->credit = SRX_GOV_CREDIT_BUFFER;
	d->overcommit = 100;
	d->floor = 1;
	d->ceiling = SRX_GOV_UNLIMITED;
	d->qp_limit = SRX_GOV_UNLIMITED;
	d->policy_rc = SRX_GOV_RNR;
	d->policy_other = SRX_GOV_DROP;
}

/* Governance on: a name per ring slot of an SRQ of @max_wr WQEs. */
static int srx_gov_slots_alloc(struct srx_gov_slot **slots, u32 max_wr)
{
	*slots = NULL;
	if (!srx_gov_enabled())
		return 0;
	*slots = kvcalloc(srx_ring_usable(max_wr) + 1, sizeof(**slots),
			  GFP_KERNEL_ACCOUNT);
	return *slots ? 0 : -ENOMEM;
}

int srx_gov_srq_init(struct srx_srq *srq)
{
	struct srx_gov_defaults *d = &to_sdev(srq->ibsrq.device)->gov;
	int err;

	err = srx_gov_slots_alloc(&srq->gov_slots, srq->max_wr);
	if (err)
		return err;
	srq->gov_gen = 1;
	get_random_bytes(&srq->gov_seed, sizeof(srq->gov_seed));
	err = srx_quota_init(&srq->quota, srq->max_wr, GFP_KERNEL_ACCOUNT);
	if (err) {
		kvfree(srq->gov_slots);
		return err;
	}
	srx_quota_set_credit(&srq->quota, d->credit);
	if (d->watermark && d->watermark != SRX_GOV_UNLIMITED)
		srx_quota_set_admin_wm(&srq->quota,
				       DIV_ROUND_UP_ULL((u64)srq->max_wr *
							min(d->watermark, 100U),
							100));
	if (d->mode == SRX_GOV_SHARE)
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

static void srx_gov_cq_forget(struct srx_cq *cq, struct srx_qp *qp);

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
	srx_gov_cq_forget(to_scq(qp->ibqp.recv_cq), qp);
	spin_lock_irqsave(&srq->lock, flags);
	srx_quota_detach(&srq->quota, &qp->quota);
	spin_unlock_irqrestore(&srq->lock, flags);
}

/* One more word into a buffer's identity hash. */
static u64 srx_gov_mix(u64 h, u64 v)
{
	return (rol64(h, 23) ^ v) * GOLDEN_RATIO_64;
}

/*
 * The buffer a receive WQE names (credit=buffer): its wr_id, SGE count
 * and first SGE, which tell apart the buffers of every consumer we know
 * (ULPs post the same ib_recv_wr again). @wqe may be a user ring slot:
 * each field is read once, and the cost is the same whatever it says;
 * a process that rewrites its slots only confuses its own SRQ. The
 * upper half is keyed by @srq's secret: the accounting's hash bucket,
 * which the process cannot aim at.
 */
static u64 srx_gov_buf_key(const struct srx_srq *srq,
			   const struct rxe_recv_wqe *wqe)
{
	const struct rxe_sge *sge = &wqe->dma.sge[0];
	u64 h;

	h = srx_gov_mix(READ_ONCE(wqe->wr_id), READ_ONCE(wqe->dma.num_sge));
	h = srx_gov_mix(h, READ_ONCE(sge->addr));
	h = srx_gov_mix(h, (u64)READ_ONCE(sge->length) << 32 |
			   READ_ONCE(sge->lkey));
	return (u64)hsiphash_2u32(lower_32_bits(h), upper_32_bits(h),
				  &srq->gov_seed) << 32 |
	       (lower_32_bits(h) ^ upper_32_bits(h));
}

/*
 * The key of the buffer in ring slot @idx, named when its post was seen
 * (srq locked, credit=buffer).
 */
static u64 srx_gov_slot_name(struct srx_srq *srq, u32 idx)
{
	struct srx_gov_slot *s = &srq->gov_slots[idx & srq->q.index_mask];

	s->key = srx_gov_buf_key(srq, srx_queue_elem(&srq->q, idx));
	s->gen = srq->gov_gen;
	return s->key;
}

/*
 * The key of the WQE @wqe, a copy of ring slot @slot (or of no slot: an
 * out-of-order spare): the name given at its post if it still holds.
 */
static u64 srx_gov_draw_key(struct srx_srq *srq,
			    const struct rxe_recv_wqe *wqe, u32 slot)
{
	const struct srx_gov_slot *s;

	if (slot != SRX_GOV_NO_SLOT) {
		s = &srq->gov_slots[slot & srq->q.index_mask];
		if (s->gen == srq->gov_gen)
			return s->key;
	}
	return srx_gov_buf_key(srq, wqe);
}

/*
 * Names given so far are void (srq locked): the credit mode changed, so
 * slots posted meanwhile were not named. 0 means "never named"; when the
 * count wraps, every name is voided by hand, lest an old one match again.
 */
void srx_gov_slots_void(struct srx_srq *srq)
{
	u32 i;

	if (++srq->gov_gen)
		return;
	srq->gov_gen = 1;
	for (i = 0; srq->gov_slots && i <= srq->q.index_mask; i++)
		srq->gov_slots[i].gen = 0;
}

/*
 * @n WQEs were posted to the SRQ, from ring index @from on: with
 * credit=repost they credit as many oldest completed draws; with
 * credit=buffer, each the QP that drew its buffer.
 */
static void srx_gov_reposts(struct srx_srq *srq, u32 from, u32 n)
{
	u64 before = srq->quota.credits;

	lockdep_assert_held(&srq->lock);
	if (!srx_gov_enabled())
		return;
	switch (srq->quota.credit) {
	case SRX_GOV_CREDIT_REPOST:
		srx_quota_reposted(&srq->quota, n);
		break;
	case SRX_GOV_CREDIT_BUFFER:
		for (; n; n--, from++)
			srx_quota_returned(&srq->quota,
					   srx_gov_slot_name(srq, from));
		break;
	default:
		break;
	}
	/* The device counter counts credits in every mode. */
	if (srq->quota.credits != before)
		srx_count_n(to_sdev(srq->ibsrq.device), SRX_CNT_GOV_CREDITS,
			    srq->quota.credits - before);
}

/* Reposts one call looks at; each draw calls again, so none is missed. */
#define SRX_GOV_SCAN_MAX	256

/*
 * WQEs posted since last time (srq locked). A user SRQ's producer index
 * is the process's to write: positions are taken from the consumer
 * index (ours), a slot counts once however the index moves back and
 * forth, and at most SRX_GOV_SCAN_MAX are looked at per call. seen_prod
 * never falls behind the consumer index: every draw comes here first.
 */
static u32 srx_gov_scan(struct srx_srq *srq)
{
	u32 cons = srx_queue_cons(&srq->q), mask = srq->q.index_mask;
	u32 seen = srx_ring_count(srq->seen_prod, cons, mask);
	u32 posted = srx_ring_count(srx_queue_prod(&srq->q), cons, mask);
	u32 n;

	if (posted <= seen)
		return 0;
	n = min(posted - seen, SRX_GOV_SCAN_MAX);
	srx_gov_reposts(srq, srq->seen_prod, n);
	srq->seen_prod += n;
	return n;
}

/* The SRQ's accounting learns the current window (srx_quota_recent). */
static void srx_gov_tick(struct srx_srq *srq)
{
	srq->quota.now = jiffies / msecs_to_jiffies(SRX_QUOTA_WINDOW_MS);
}

void srx_gov_posts(struct srx_srq *srq)
{
	srx_gov_tick(srq);
	srx_gov_scan(srq);
	srx_gov_admin_check(srq);
}

/*
 * Before governance state is read (srq locked): every WQE a user SRQ's
 * process posted since the last draw counts, so nobody reads a QP as
 * holding a buffer it gave back. At most the ring's worth of slots.
 */
void srx_gov_sync(struct srx_srq *srq)
{
	u32 left = srq->q.index_mask + 1, n;

	srx_gov_tick(srq);
	while (left && (n = srx_gov_scan(srq)))
		left -= min(n, left);
	srx_gov_admin_check(srq);
}

/*
 * The SRQ ring was resized (srq locked): the draw records and slot names
 * in @gs (from srx_gov_srq_store()) take over, sized by the new ring,
 * and share-mode limits follow the size; @gs gets the old ones back. The
 * entries now start at the new ring's consumer index, their names with
 * them; those not seen yet count as posted.
 */
void srx_gov_srq_moved(struct srx_srq *srq, struct srx_gov_store *gs,
		       u32 old_cons, u32 old_prod, u32 old_mask)
{
	u32 seen = srx_ring_count(srq->seen_prod, old_cons, old_mask);
	u32 count = srx_ring_count(old_prod, old_cons, old_mask);
	u32 cons = srx_queue_cons(&srq->q), mask = srq->q.index_mask, i;

	seen = min(seen, count);
	if (gs->slots)
		for (i = 0; i < seen; i++)
			gs->slots[(cons + i) & mask] =
				srq->gov_slots[(old_cons + i) & old_mask];
	swap(srq->gov_slots, gs->slots);
	srx_quota_install(&srq->quota, mask, &gs->st);
	srq->seen_prod = cons + seen;
	srx_gov_posts(srq);
}

/**
 * srx_gov_srq_store - governance for an SRQ about to hold @max_wr WQEs
 * @gs: filled in; installed by srx_gov_srq_moved(), then freed
 * @max_wr: the size asked for (the ring rounds it up to 2^n - 1)
 *
 * Return: 0, or -ENOMEM.
 */
int srx_gov_srq_store(struct srx_gov_store *gs, u32 max_wr)
{
	int err;

	err = srx_gov_slots_alloc(&gs->slots, max_wr);
	if (err)
		return err;
	err = srx_quota_store_alloc(&gs->st, srx_ring_usable(max_wr),
				    GFP_KERNEL_ACCOUNT);
	if (err) {
		kvfree(gs->slots);
		gs->slots = NULL;
	}
	return err;
}

/* The SRQ goes (or its create failed): its groups and accounting. */
void srx_gov_srq_fini(struct srx_srq *srq)
{
	struct srx_quota_group *g, *next;

	list_for_each_entry_safe(g, next, &srq->quota.groups, node) {
		srx_quota_group_remove(&srq->quota, g);
		kfree(g);
	}
	srx_quota_destroy(&srq->quota);
	kvfree(srq->gov_slots);
}

/* After the resize: the old records, or the new ones it did not take. */
void srx_gov_srq_store_free(struct srx_gov_store *gs)
{
	srx_quota_store_free(&gs->st);
	kvfree(gs->slots);
}

/**
 * srx_gov_draw - charge @qp for the SRQ WQE it is about to take
 * @qp: the responder QP
 * @srq: its SRQ, locked
 * @wqe: the kernel's copy of that WQE
 * @slot: the ring index it was copied from, or SRX_GOV_NO_SLOT
 *
 * Return: SRX_QUOTA_ADMIT, or the QP's policy for a message over limit.
 */
enum srx_quota_verdict srx_gov_draw(struct srx_qp *qp, struct srx_srq *srq,
				    const struct rxe_recv_wqe *wqe, u32 slot)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	enum srx_quota_verdict v;

	if (!srx_gov_enabled())
		return SRX_QUOTA_ADMIT;
	srx_gov_posts(srq);
	if (srq->quota.credit == SRX_GOV_CREDIT_BUFFER) {
		qp->resp.gov_key = srx_gov_draw_key(srq, wqe, slot);
		v = srx_quota_charge_buf(&srq->quota, &qp->quota,
					 qp->resp.gov_key);
	} else {
		v = srx_quota_charge(&srq->quota, &qp->quota, 1);
	}
	if (v != SRX_QUOTA_ADMIT)
		trace_srx_gov_refuse(sdev->ibdev.name, srq->ibsrq.res.id,
				     qp->ibqp.qp_num, qp->quota.held,
				     qp->quota.limit, qp->quota.streak, v,
				     v == SRX_QUOTA_RNR ?
				     srx_gov_rnr_timer(qp) : 0);
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

/*
 * May @qp draw @n more SRQ WQEs (srq locked) without going over its
 * limit? Always, with governance off.
 */
bool srx_gov_room(struct srx_qp *qp, struct srx_srq *srq, u32 n)
{
	return !srx_gov_enabled() ||
	       srx_quota_room(&srq->quota, &qp->quota, n);
}

/*
 * Must a draw by @qp first collect the credits for completions the
 * process consumed from a user CQ? Only if a limit could refuse it: a
 * QP with none is credited at the CQ's next post instead, one CQ lock
 * round trip less per message. (A limit set meanwhile is seen at the
 * next draw.)
 */
bool srx_gov_reap_first(struct srx_qp *qp, struct srx_srq *srq)
{
	return srx_gov_enabled() &&
	       READ_ONCE(srq->quota.credit) == SRX_GOV_CREDIT_POLL &&
	       (READ_ONCE(qp->quota.limit) != SRX_GOV_UNLIMITED ||
		READ_ONCE(qp->quota.group));
}

/*
 * The RNR timer of a NAK that refuses @qp over its limit: its own
 * min_rnr_timer while it is under, longer with every refusal in a row,
 * so a flooder that stays over its limit retries less and less often
 * instead of storming.
 */
u8 srx_gov_rnr_timer(struct srx_qp *qp)
{
	return srx_quota_rnr_timer(READ_ONCE(qp->quota.streak),
				   qp->attr.min_rnr_timer);
}

/* A watermark fired: the worst QP of the ranking just kept. */
static void srx_gov_trace_watermark(struct srx_srq *srq, bool admin,
				    u32 avail)
{
	const struct srx_quota *sq = &srq->quota;

	trace_srx_gov_watermark(srq->ibsrq.device->name, srq->ibsrq.res.id,
				admin, avail, sq->nsnap ? sq->snap[0].qpn : 0,
				sq->nsnap ? sq->snap[0].held : 0);
}

/*
 * After WQEs were drawn or posted (srq locked): has the SRQ fallen
 * below the operator's watermark? Then the ranking is kept, counted,
 * and pollers of gov/watermark_events are woken (from a worker: sysfs
 * lookups sleep).
 */
void srx_gov_admin_check(struct srx_srq *srq)
{
	struct srx_dev *sdev = to_sdev(srq->ibsrq.device);
	u32 avail;

	lockdep_assert_held(&srq->lock);
	/* Twice per draw: nothing to count unless the operator set a mark. */
	if (!srx_gov_enabled() || !srq->quota.admin_wm)
		return;
	avail = srx_srq_avail(srq);
	if (!srx_quota_admin_check(&srq->quota, avail))
		return;
	srx_gov_trace_watermark(srq, true, avail);
	srx_count(sdev, SRX_CNT_GOV_ADMIN_WM);
	schedule_work(&sdev->gov_notify);
}

static void srx_gov_notify_work(struct work_struct *work)
{
	struct srx_dev *sdev = container_of(work, struct srx_dev, gov_notify);

	sysfs_notify(&sdev->ibdev.dev.kobj, "gov", "watermark_events");
}

void srx_gov_notify_init(struct srx_dev *sdev)
{
	INIT_WORK(&sdev->gov_notify, srx_gov_notify_work);
}

/* The device goes: no wakeup may run after it. */
void srx_gov_notify_fini(struct srx_dev *sdev)
{
	cancel_work_sync(&sdev->gov_notify);
}

/*
 * An SRQ goes: a wakeup it queued runs now, while the device's sysfs
 * files are still there (they go before dealloc_driver).
 */
void srx_gov_notify_flush(struct srx_dev *sdev)
{
	flush_work(&sdev->gov_notify);
}

/* The armed srq_limit was crossed (srq locked): keep the ranking. */
void srx_gov_watermark(struct srx_srq *srq)
{
	if (!srx_gov_enabled())
		return;
	srx_quota_snapshot(&srq->quota);
	srx_gov_trace_watermark(srq, false, srx_srq_avail(srq));
}

/* @qp holds one more message ahead of a gap (srq locked). */
void srx_gov_ooo_held(struct srx_qp *qp, struct srx_srq *srq)
{
	lockdep_assert_held(&srq->lock);
	qp->quota.ooo_held++;
	srq->quota.ooo_held++;
}

/*
 * A message @qp held ahead of a gap gave the WQE of buffer @key (as
 * drawn) back to the SRQ (srq locked): counted, and its draw credited.
 */
void srx_gov_ooo_released(struct srx_qp *qp, struct srx_srq *srq, u64 key)
{
	lockdep_assert_held(&srq->lock);
	qp->quota.ooo_released++;
	srq->quota.ooo_released++;
	if (srx_gov_enabled())
		srx_quota_undraw(&srq->quota, &qp->quota, key);
}

/* The completions of @n SRQ WQEs @qp drew were posted or consumed. */
static void srx_gov_credit(struct srx_qp *qp, enum srx_quota_event ev,
			   u32 n)
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
 * A completion of an SRQ WQE @qp drew is being posted (CQ locked): credit
 * it now (credit=post), queue its draw for the reposts in the CQ's order
 * (credit=repost), or tell the CQ to remember it for when it is consumed.
 */
static bool srx_gov_on_post(struct srx_qp *qp)
{
	switch (READ_ONCE(srx_gov_srq(qp)->quota.credit)) {
	case SRX_GOV_CREDIT_POST:
	case SRX_GOV_CREDIT_REPOST:
		srx_gov_credit(qp, SRX_QEV_POSTED, 1);
		return false;
	case SRX_GOV_CREDIT_POLL:
		return true;
	default:
		return false;
	}
}

/*
 * @n SRQ WQEs @qp drew will never complete: credit them now. A no-op
 * for a QP without an SRQ.
 */
void srx_gov_flush(struct srx_qp *qp, u32 n)
{
	struct srx_srq *srq = srx_gov_srq(qp);
	unsigned long flags;

	if (!srq || !srx_gov_enabled())
		return;
	spin_lock_irqsave(&srq->lock, flags);
	srx_quota_flush(&srq->quota, &qp->quota, n);
	spin_unlock_irqrestore(&srq->lock, flags);
}

/*
 * CQ owner records: per CQE slot, the governed QP whose SRQ WQE the
 * completion is for, credited when the process consumes the entry
 * (credit=poll). Under the CQ lock. With governance off a CQ has no
 * table and every hook below returns at once.
 */

/**
 * srx_gov_cq_table - a CQ's owner table for @slots entries
 * @table: set to the zeroed table, or NULL with governance off
 * @slots: the CQ ring's slots
 *
 * Return: 0, or -ENOMEM.
 */
int srx_gov_cq_table(struct srx_qp ***table, u32 slots)
{
	*table = NULL;
	if (!srx_gov_enabled())
		return 0;
	*table = kvcalloc(slots, sizeof(**table), GFP_KERNEL_ACCOUNT);
	return *table ? 0 : -ENOMEM;
}

/*
 * Credit the governed QPs whose completions were consumed, slots
 * cq->reaped up to @cons, through @owner (a ring of @mask). A user CQ's
 * consumer index is the process's to write: it only ever counts as far
 * as the entries posted. A run of one QP's entries is credited at once
 * (one SRQ lock round trip).
 */
static void srx_gov_cq_reap_to(struct srx_cq *cq, struct srx_qp **owner,
			       u32 mask, u32 cons, u32 prod)
{
	u32 n = srx_ring_count(cons, cq->reaped, mask);
	u32 posted = srx_ring_count(prod, cq->reaped, mask);
	struct srx_qp *qp, *run = NULL;
	u32 nrun = 0;

	lockdep_assert_held(&cq->lock);
	for (n = min(n, posted); n; n--) {
		qp = owner[cq->reaped & mask];
		if (qp) {
			owner[cq->reaped & mask] = NULL;
			if (qp != run && nrun) {
				srx_gov_credit(run, SRX_QEV_CONSUMED, nrun);
				nrun = 0;
			}
			run = qp;
			nrun++;
		}
		cq->reaped = srx_ring_next(cq->reaped, mask);
	}
	if (nrun)
		srx_gov_credit(run, SRX_QEV_CONSUMED, nrun);
}

/* The consumer index is @cons (read once by the caller): credit. */
void srx_gov_cq_reap(struct srx_cq *cq, u32 cons)
{
	if (cq->owner)
		srx_gov_cq_reap_to(cq, cq->owner, cq->q.index_mask, cons,
				   srx_queue_prod(&cq->q));
}

/*
 * The entry at the CQ's producer index completes an SRQ WQE @owner
 * drew (NULL: nobody's): credit it now or remember it for the poll.
 */
void srx_gov_cq_posted(struct srx_cq *cq, struct srx_qp *owner)
{
	if (cq->owner)
		cq->owner[cq->q.prod & cq->q.index_mask] =
			owner && srx_gov_on_post(owner) ? owner : NULL;
}

/*
 * The CQ's entries moved to a ring of its own size (CQ locked): what
 * was consumed is credited, the owners follow their entries into
 * @table, which becomes the CQ's; the old one is left in @table.
 */
void srx_gov_cq_moved(struct srx_cq *cq, struct srx_qp ***table,
		      u32 old_cons, u32 old_prod, u32 old_mask)
{
	u32 i, count = srx_ring_count(old_prod, old_cons, old_mask);

	if (!cq->owner)
		return;
	srx_gov_cq_reap_to(cq, cq->owner, old_mask, old_cons, old_prod);
	for (i = 0; i < count; i++)
		(*table)[i] = cq->owner[(old_cons + i) & old_mask];
	swap(cq->owner, *table);
	cq->reaped = 0;
}

/* A governed QP is going away: its entries credit nobody. */
static void srx_gov_cq_forget(struct srx_cq *cq, struct srx_qp *qp)
{
	unsigned long flags;
	u32 i;

	if (!cq->owner)
		return;
	spin_lock_irqsave(&cq->lock, flags);
	srx_gov_cq_reap(cq, srx_queue_cons(&cq->q));
	for (i = 0; i <= cq->q.index_mask; i++)
		if (cq->owner[i] == qp)
			cq->owner[i] = NULL;
	spin_unlock_irqrestore(&cq->lock, flags);
}
