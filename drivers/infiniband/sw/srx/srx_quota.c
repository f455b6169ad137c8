// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: SRQ governance accounting.
 *
 * Each QP attached to a governed SRQ has a limit L on the SRQ WQEs it may
 * hold at once and a count of those it holds. Drawing r WQEs is admitted
 * only if L != 0 and L - held >= r (and the same for the QP's group, if
 * any); otherwise the QP's policy decides what happens to the message.
 * Holding ends with the credit mode's event: the completion consumed
 * (poll) or posted (post), or, with credit=repost, each WQE posted back
 * to the SRQ crediting the oldest outstanding draw. WQEs a QP loses by
 * flush or destruction are credited at once.
 *
 * No device here: the caller serialises the calls for one SRQ, and the
 * KUnit suite drives this file alone.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/kernel.h>
#include <linux/slab.h>

#include "srx_quota.h"

int srx_quota_init(struct srx_quota *sq, u32 size, gfp_t gfp)
{
	memset(sq, 0, sizeof(*sq));
	INIT_LIST_HEAD(&sq->qps);
	INIT_LIST_HEAD(&sq->groups);
	sq->mode = SRX_QUOTA_STATIC;
	sq->credit = SRX_CREDIT_POLL;
	sq->overcommit = 100;
	sq->ceiling = SRX_QUOTA_UNLIMITED;
	return srx_quota_resize(sq, size, gfp);
}

void srx_quota_destroy(struct srx_quota *sq)
{
	kfree(sq->fifo);
	sq->fifo = NULL;
}

static void srx_quota_recompute(struct srx_quota *sq)
{
	struct srx_quota_qp *q;
	u64 share;

	if (sq->mode == SRX_QUOTA_STATIC) {
		list_for_each_entry(q, &sq->qps, node)
			q->limit = q->set_limit;
		return;
	}
	if (!sq->nqps)
		return;
	share = DIV_ROUND_UP((u64)sq->size * sq->overcommit, 100);
	share = DIV_ROUND_UP_ULL(share, sq->nqps);
	share = clamp_t(u64, share, sq->floor, sq->ceiling);
	list_for_each_entry(q, &sq->qps, node)
		q->limit = share;
}

/* The repost FIFO has room for every WQE the SRQ can hold. */
int srx_quota_resize(struct srx_quota *sq, u32 size, gfp_t gfp)
{
	struct srx_quota_qp **fifo;
	u32 i;

	if (size < sq->fifo_len)
		return -EBUSY;
	fifo = kcalloc(max(size, 1U), sizeof(*fifo), gfp);
	if (!fifo)
		return -ENOMEM;
	for (i = 0; i < sq->fifo_len; i++)
		fifo[i] = sq->fifo[(sq->fifo_head + i) % sq->fifo_cap];
	kfree(sq->fifo);
	sq->fifo = fifo;
	sq->fifo_head = 0;
	sq->fifo_cap = max(size, 1U);
	sq->size = size;
	srx_quota_recompute(sq);
	return 0;
}

static void srx_quota_credit(struct srx_quota *sq, struct srx_quota_qp *q,
			     u32 n)
{
	n = min(n, q->held);
	q->held -= n;
	if (q->group)
		q->group->held -= n;
	q->credits += n;
	sq->credits += n;
}

/* Drop up to @n of @q's oldest entries from the repost FIFO (all: ~0). */
static u32 srx_quota_fifo_remove(struct srx_quota *sq, struct srx_quota_qp *q,
				 u32 n)
{
	u32 i, j = 0, removed = 0;
	struct srx_quota_qp *e;

	for (i = 0; i < sq->fifo_len; i++) {
		e = sq->fifo[(sq->fifo_head + i) % sq->fifo_cap];
		if (e == q && removed < n) {
			removed++;
			continue;
		}
		sq->fifo[(sq->fifo_head + j++) % sq->fifo_cap] = e;
	}
	sq->fifo_len = j;
	return removed;
}

void srx_quota_attach(struct srx_quota *sq, struct srx_quota_qp *q, u32 qpn,
		      enum srx_quota_policy policy)
{
	memset(q, 0, sizeof(*q));
	q->qpn = qpn;
	q->policy = policy;
	q->set_limit = SRX_QUOTA_UNLIMITED;
	q->limit = SRX_QUOTA_UNLIMITED;
	list_add_tail(&q->node, &sq->qps);
	sq->nqps++;
	srx_quota_recompute(sq);
}

/* The QP is gone: whatever it held is credited. */
void srx_quota_detach(struct srx_quota *sq, struct srx_quota_qp *q)
{
	srx_quota_fifo_remove(sq, q, U32_MAX);
	srx_quota_credit(sq, q, q->held);
	if (q->group)
		q->group->members--;
	q->group = NULL;
	list_del(&q->node);
	sq->nqps--;
	srx_quota_recompute(sq);
}

int srx_quota_set_mode(struct srx_quota *sq, enum srx_quota_mode mode,
		       u32 overcommit, u32 floor, u32 ceiling)
{
	if (mode != SRX_QUOTA_STATIC && mode != SRX_QUOTA_SHARE)
		return -EINVAL;
	if (mode == SRX_QUOTA_SHARE &&
	    (!overcommit || overcommit > 10000 || floor > ceiling))
		return -EINVAL;
	sq->mode = mode;
	if (mode == SRX_QUOTA_SHARE) {
		sq->overcommit = overcommit;
		sq->floor = floor;
		sq->ceiling = ceiling;
	}
	srx_quota_recompute(sq);
	return 0;
}

/* The credit mode changes only while nothing is held. */
int srx_quota_set_credit(struct srx_quota *sq, enum srx_quota_credit credit)
{
	struct srx_quota_qp *q;

	if (credit > SRX_CREDIT_REPOST)
		return -EINVAL;
	list_for_each_entry(q, &sq->qps, node)
		if (q->held)
			return -EBUSY;
	sq->credit = credit;
	return 0;
}

void srx_quota_set_limit(struct srx_quota *sq, struct srx_quota_qp *q,
			 u32 limit)
{
	q->set_limit = limit;
	if (sq->mode == SRX_QUOTA_STATIC)
		q->limit = limit;
}

void srx_quota_group_init(struct srx_quota *sq, struct srx_quota_group *g,
			  u32 id, u32 limit)
{
	memset(g, 0, sizeof(*g));
	g->id = id;
	g->limit = limit;
	list_add_tail(&g->node, &sq->groups);
	sq->ngroups++;
}

/* Put @q in @g (NULL: no group); what it holds moves with it. */
int srx_quota_set_group(struct srx_quota *sq, struct srx_quota_qp *q,
			struct srx_quota_group *g)
{
	if (q->group) {
		q->group->held -= q->held;
		q->group->members--;
	}
	q->group = g;
	if (g) {
		g->held += q->held;
		g->members++;
	}
	return 0;
}

void srx_quota_group_remove(struct srx_quota *sq, struct srx_quota_group *g)
{
	struct srx_quota_qp *q;

	list_for_each_entry(q, &sq->qps, node)
		if (q->group == g)
			srx_quota_set_group(sq, q, NULL);
	list_del(&g->node);
	sq->ngroups--;
}

/* May @held grow by @r under @limit? 0 admits nothing. */
static bool srx_quota_fits(u32 limit, u32 held, u32 r)
{
	if (limit == SRX_QUOTA_UNLIMITED)
		return true;
	return limit && (u64)held + r <= limit;
}

/* Would @q (and its group) have room for @r more? Counts nothing. */
bool srx_quota_room(const struct srx_quota *sq, const struct srx_quota_qp *q,
		    u32 r)
{
	return srx_quota_fits(q->limit, q->held, r) &&
	       (!q->group || srx_quota_fits(q->group->limit, q->group->held, r));
}

static enum srx_quota_verdict srx_quota_refuse(struct srx_quota *sq,
					       struct srx_quota_qp *q)
{
	switch (q->policy) {
	case SRX_POLICY_RNR:
		q->rnr++;
		sq->rnr++;
		return SRX_QUOTA_RNR;
	case SRX_POLICY_DROP:
		q->drops++;
		sq->drops++;
		return SRX_QUOTA_DROP;
	default:
		q->disconnects++;
		sq->disconnects++;
		return SRX_QUOTA_DISCONNECT;
	}
}

/**
 * srx_quota_charge - may @q draw @r WQEs of the SRQ?
 * @sq: the SRQ's accounting
 * @q: the QP
 * @r: WQEs the message needs (a multi-packet message is charged once)
 *
 * Return: SRX_QUOTA_ADMIT (and @q now holds @r more), or what @q's
 * policy says to do with the message.
 */
enum srx_quota_verdict srx_quota_charge(struct srx_quota *sq,
					struct srx_quota_qp *q, u32 r)
{
	u32 i;

	if (!srx_quota_room(sq, q, r))
		return srx_quota_refuse(sq, q);
	q->held += r;
	if (q->group)
		q->group->held += r;
	q->draws += r;
	sq->draws += r;
	if (sq->credit != SRX_CREDIT_REPOST)
		return SRX_QUOTA_ADMIT;
	for (i = 0; i < r; i++) {
		/* Cannot happen while the SRQ holds at most size WQEs. */
		if (sq->fifo_len == sq->fifo_cap)
			srx_quota_reposted(sq, 1);
		sq->fifo[(sq->fifo_head + sq->fifo_len++) % sq->fifo_cap] = q;
	}
	return SRX_QUOTA_ADMIT;
}

/* The completions of @n WQEs @q drew were posted or consumed. */
void srx_quota_complete(struct srx_quota *sq, struct srx_quota_qp *q,
			enum srx_quota_event ev, u32 n)
{
	if ((sq->credit == SRX_CREDIT_POLL && ev == SRX_QEV_CONSUMED) ||
	    (sq->credit == SRX_CREDIT_POST && ev == SRX_QEV_POSTED))
		srx_quota_credit(sq, q, n);
}

/* @n WQEs @q drew will never complete (flushed): credit them now. */
void srx_quota_flush(struct srx_quota *sq, struct srx_quota_qp *q, u32 n)
{
	if (sq->credit == SRX_CREDIT_REPOST)
		n = srx_quota_fifo_remove(sq, q, n);
	srx_quota_credit(sq, q, n);
}

/* credit=repost: @n WQEs were posted to the SRQ. */
void srx_quota_reposted(struct srx_quota *sq, u32 n)
{
	struct srx_quota_qp *q;

	if (sq->credit != SRX_CREDIT_REPOST)
		return;
	while (n-- && sq->fifo_len) {
		q = sq->fifo[sq->fifo_head];
		sq->fifo_head = (sq->fifo_head + 1) % sq->fifo_cap;
		sq->fifo_len--;
		srx_quota_credit(sq, q, 1);
	}
}

/* Does @a drain the SRQ more than @b: more held, then more refused? */
static bool srx_quota_worse(const struct srx_quota_snap *a,
			    const struct srx_quota_snap *b)
{
	if (a->held != b->held)
		return a->held > b->held;
	if (a->dropped != b->dropped)
		return a->dropped > b->dropped;
	return a->draws > b->draws;
}

/**
 * srx_quota_offenders - the attached QPs, worst first
 * @sq: the SRQ's accounting
 * @out: filled with up to @max entries
 * @max: room in @out
 *
 * Return: entries written.
 */
u32 srx_quota_offenders(const struct srx_quota *sq,
			struct srx_quota_snap *out, u32 max)
{
	struct srx_quota_snap e;
	struct srx_quota_qp *q;
	u32 n = 0, i;

	list_for_each_entry(q, &sq->qps, node) {
		e.qpn = q->qpn;
		e.held = q->held;
		e.limit = q->limit;
		e.draws = q->draws;
		e.dropped = q->rnr + q->drops + q->disconnects;
		for (i = n; i > 0 && srx_quota_worse(&e, &out[i - 1]); i--)
			if (i < max)
				out[i] = out[i - 1];
		if (i < max) {
			out[i] = e;
			n = min(n + 1, max);
		}
	}
	return n;
}

/* The low watermark was crossed: keep the ranking of that moment. */
void srx_quota_snapshot(struct srx_quota *sq)
{
	sq->watermarks++;
	sq->nsnap = srx_quota_offenders(sq, sq->snap, SRX_QUOTA_SNAP_MAX);
}
