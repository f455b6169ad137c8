// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: SRQ governance accounting.
 *
 * Each QP attached to a governed SRQ has a limit L on the SRQ WQEs it may
 * hold at once and a count of those it holds. Drawing r WQEs is admitted
 * only if L != 0 and L - held >= r (and the same for the QP's group, if
 * any); otherwise the QP's policy decides what happens to the message.
 * Holding ends with the credit mode's event: the completion consumed
 * (poll) or posted (post); with credit=repost each WQE posted back to
 * the SRQ credits the oldest draw whose completion was posted (the
 * order a consumer sees them in, which two QPs' receives completing on
 * two CPUs can make differ from the order they drew), and with credit=buffer
 * it credits the QP that drew that same buffer (wr_id and scatter list,
 * named by srx_gov.c: the key's upper half is a keyed hash, which picks
 * the bucket), in whatever order buffers come back; a WQE that names
 * no outstanding draw (a fresh buffer) credits the oldest, as repost
 * does. WQEs a QP loses by flush or destruction are credited at once.
 *
 * No device here: the caller serialises the calls for one SRQ, and the
 * KUnit suite drives this file alone.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include "srx_quota.h"

int srx_quota_init(struct srx_quota *sq, u32 size, gfp_t gfp)
{
	memset(sq, 0, sizeof(*sq));
	INIT_LIST_HEAD(&sq->qps);
	INIT_LIST_HEAD(&sq->groups);
	INIT_LIST_HEAD(&sq->drawn);
	sq->mode = SRX_GOV_STATIC;
	sq->credit = SRX_GOV_CREDIT_POLL;
	sq->overcommit = 100;
	sq->ceiling = SRX_GOV_UNLIMITED;
	return srx_quota_resize(sq, size, gfp);
}

void srx_quota_destroy(struct srx_quota *sq)
{
	srx_quota_store_free(&sq->st);
	INIT_LIST_HEAD(&sq->drawn);
	sq->unused = NULL;
	sq->ndrawn = 0;
}

/**
 * srx_quota_store_alloc - draw records for an SRQ of @cap WQEs
 * @st: filled in
 * @cap: the SRQ's size
 * @gfp: allocation flags
 *
 * Return: 0, or -ENOMEM.
 */
int srx_quota_store_alloc(struct srx_quota_store *st, u32 cap, gfp_t gfp)
{
	u32 i;

	st->cap = max(cap, 1U);
	/* About two records per bucket. */
	st->bits = max_t(u32, ilog2(roundup_pow_of_two(st->cap)), 1) - 1;
	st->draw = kvcalloc(st->cap, sizeof(*st->draw), gfp);
	st->bucket = kvcalloc(1U << st->bits, sizeof(*st->bucket), gfp);
	if (st->draw && st->bucket) {
		for (i = 0; i < 1U << st->bits; i++)
			INIT_LIST_HEAD(&st->bucket[i]);
		return 0;
	}
	srx_quota_store_free(st);
	return -ENOMEM;
}

void srx_quota_store_free(struct srx_quota_store *st)
{
	kvfree(st->draw);
	kvfree(st->bucket);
	st->draw = NULL;
	st->bucket = NULL;
	st->cap = 0;
}

static void srx_quota_recompute(struct srx_quota *sq)
{
	struct srx_quota_qp *q;
	u64 share;

	if (sq->mode == SRX_GOV_STATIC) {
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

/*
 * A buffer's bucket: the key's upper half, a keyed hash the caller made
 * (srx_gov_buf_key()), so a process cannot pile its buffers into one.
 */
static struct list_head *srx_quota_bucket(struct srx_quota *sq, u64 key)
{
	return &sq->st.bucket[upper_32_bits(key) & ((1U << sq->st.bits) - 1)];
}

/*
 * An unused record becomes the newest outstanding draw. Unused ones are
 * a plain stack: each list operation is checked (CONFIG_DEBUG_LIST) and
 * this runs for every message.
 */
static void srx_quota_link(struct srx_quota *sq, struct srx_quota_qp *q,
			   u64 key)
{
	struct srx_quota_draw *e = sq->unused;

	sq->unused = e->next_unused;
	e->key = key;
	e->q = q;
	q->linked++;
	list_add_tail(&e->age, &sq->drawn);
	sq->ndrawn++;
	if (sq->credit == SRX_GOV_CREDIT_BUFFER)
		list_add_tail(&e->node, srx_quota_bucket(sq, key));
}

/* The record no longer counts for its QP: a tombstone, or dropped. */
static void srx_quota_unlink_q(struct srx_quota_draw *e)
{
	if (e->q)
		e->q->linked--;
	e->q = NULL;
}

static void srx_quota_drop(struct srx_quota *sq, struct srx_quota_draw *e)
{
	srx_quota_unlink_q(e);
	list_del_init(&e->node);
	list_del(&e->age);
	e->next_unused = sq->unused;
	sq->unused = e;
	sq->ndrawn--;
}

static void srx_quota_credit(struct srx_quota *sq, struct srx_quota_qp *q,
			     u32 n);

/* The oldest outstanding draw is over: its QP, if any, is credited. */
static void srx_quota_pop_oldest(struct srx_quota *sq)
{
	struct srx_quota_draw *e;

	e = list_first_entry(&sq->drawn, struct srx_quota_draw, age);
	if (e->q)
		srx_quota_credit(sq, e->q, 1);
	srx_quota_drop(sq, e);
}

/**
 * srx_quota_install - give @sq the records of @st, for an SRQ of @size
 * @sq: the SRQ's accounting
 * @size: its WQEs
 * @st: records from srx_quota_store_alloc(); gets the old ones back
 *
 * Outstanding draws move in age order; if more are outstanding than the
 * new records can hold (a shrink), the oldest are credited. Needs no
 * allocation, so it may run under the SRQ lock.
 */
void srx_quota_install(struct srx_quota *sq, u32 size,
		       struct srx_quota_store *st)
{
	struct srx_quota_store old = sq->st;
	struct srx_quota_draw *e, *n;
	LIST_HEAD(drawn);
	u32 i = 0;

	while (sq->ndrawn > st->cap)
		srx_quota_pop_oldest(sq);
	sq->st = *st;
	list_for_each_entry(e, &sq->drawn, age) {
		n = &st->draw[i++];
		n->key = e->key;
		n->q = e->q;
		INIT_LIST_HEAD(&n->node);
		list_add_tail(&n->age, &drawn);
		if (sq->credit == SRX_GOV_CREDIT_BUFFER)
			list_add_tail(&n->node, srx_quota_bucket(sq, n->key));
	}
	INIT_LIST_HEAD(&sq->drawn);
	list_splice(&drawn, &sq->drawn);
	sq->unused = NULL;
	while (i < st->cap) {
		n = &st->draw[i++];
		INIT_LIST_HEAD(&n->node);
		n->next_unused = sq->unused;
		sq->unused = n;
	}
	*st = old;
	sq->size = size;
	sq->admin_wm = min(sq->admin_wm, size);
	srx_quota_recompute(sq);
}

/* Records for every WQE the SRQ can hold (process context). */
int srx_quota_resize(struct srx_quota *sq, u32 size, gfp_t gfp)
{
	struct srx_quota_store st;
	int err;

	if (size < sq->ndrawn)
		return -EBUSY;
	err = srx_quota_store_alloc(&st, size, gfp);
	if (err)
		return err;
	srx_quota_install(sq, size, &st);
	srx_quota_store_free(&st);
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

/*
 * Up to @n of @q's oldest outstanding draws end (all: U32_MAX): dropped,
 * or with @tomb kept as tombstones for their buffers' reposts.
 * Return: how many.
 */
static u32 srx_quota_forget(struct srx_quota *sq, struct srx_quota_qp *q,
			    u32 n, bool tomb)
{
	struct srx_quota_draw *e, *next;
	u32 done = 0;

	list_for_each_entry_safe(e, next, &sq->drawn, age) {
		if (done == n)
			break;
		if (e->q != q)
			continue;
		done++;
		if (tomb)
			srx_quota_unlink_q(e);
		else
			srx_quota_drop(sq, e);
	}
	return done;
}

void srx_quota_attach(struct srx_quota *sq, struct srx_quota_qp *q, u32 qpn,
		      enum srx_gov_policy policy)
{
	memset(q, 0, sizeof(*q));
	q->qpn = qpn;
	q->policy = policy;
	q->set_limit = SRX_GOV_UNLIMITED;
	q->limit = SRX_GOV_UNLIMITED;
	q->recent.window = sq->now;
	list_add_tail(&q->node, &sq->qps);
	sq->nqps++;
	srx_quota_recompute(sq);
}

/*
 * The QP is gone: whatever it held is credited. Its buffers are with
 * the consumer, who may post them back (credit=buffer): they credit
 * nobody then.
 */
void srx_quota_detach(struct srx_quota *sq, struct srx_quota_qp *q)
{
	srx_quota_forget(sq, q, U32_MAX, true);
	srx_quota_credit(sq, q, q->held);
	if (q->group)
		q->group->members--;
	q->group = NULL;
	list_del(&q->node);
	sq->nqps--;
	srx_quota_recompute(sq);
}

int srx_quota_set_mode(struct srx_quota *sq, enum srx_gov_mode mode,
		       u32 overcommit, u32 floor, u32 ceiling)
{
	if (mode != SRX_GOV_STATIC && mode != SRX_GOV_SHARE)
		return -EINVAL;
	if (mode == SRX_GOV_SHARE &&
	    (!overcommit || overcommit > 10000 || floor > ceiling))
		return -EINVAL;
	sq->mode = mode;
	if (mode == SRX_GOV_SHARE) {
		sq->overcommit = overcommit;
		sq->floor = floor;
		sq->ceiling = ceiling;
	}
	srx_quota_recompute(sq);
	return 0;
}

/* The credit mode changes only while nothing is held. */
int srx_quota_set_credit(struct srx_quota *sq, enum srx_gov_credit credit)
{
	struct srx_quota_qp *q;

	if (credit > SRX_GOV_CREDIT_BUFFER)
		return -EINVAL;
	list_for_each_entry(q, &sq->qps, node)
		if (q->held)
			return -EBUSY;
	/* Tombstones of the old mode mean nothing in the new one. */
	while (sq->ndrawn)
		srx_quota_pop_oldest(sq);
	sq->credit = credit;
	return 0;
}

void srx_quota_set_limit(struct srx_quota *sq, struct srx_quota_qp *q,
			 u32 limit)
{
	q->set_limit = limit;
	if (sq->mode == SRX_GOV_STATIC)
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
	if (limit == SRX_GOV_UNLIMITED)
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

/* Move @q's recent counts to window sq->now: what ages out is dropped. */
static struct srx_quota_recent *srx_quota_roll(const struct srx_quota *sq,
					       struct srx_quota_qp *q)
{
	struct srx_quota_recent *r = &q->recent;
	u32 age = sq->now - r->window;

	if (age) {
		r->draws[1] = age == 1 ? r->draws[0] : 0;
		r->refused[1] = age == 1 ? r->refused[0] : 0;
		r->draws[0] = 0;
		r->refused[0] = 0;
		r->window = sq->now;
	}
	return r;
}

/* Counts of a window saturate rather than wrap. */
static void srx_quota_recent_add(u32 *c, u32 n)
{
	*c = min_t(u64, (u64)*c + n, U32_MAX);
}

/* The sum over window sq->now and the one before, of @v[] kept in @w. */
static u32 srx_quota_window_sum(const struct srx_quota *sq, u32 w,
				const u32 v[2])
{
	u32 age = sq->now - w;

	if (!age)
		return min_t(u64, (u64)v[0] + v[1], U32_MAX);
	return age == 1 ? v[0] : 0;
}

/**
 * srx_quota_recent_draws - WQEs @q drew in this window and the last
 * @sq: the SRQ's accounting
 * @q: one of its QPs
 */
u32 srx_quota_recent_draws(const struct srx_quota *sq,
			   const struct srx_quota_qp *q)
{
	return srx_quota_window_sum(sq, q->recent.window, q->recent.draws);
}

/**
 * srx_quota_recent_refused - refusals of @q in this window and the last
 * @sq: the SRQ's accounting
 * @q: one of its QPs
 */
u32 srx_quota_recent_refused(const struct srx_quota *sq,
			     const struct srx_quota_qp *q)
{
	return srx_quota_window_sum(sq, q->recent.window, q->recent.refused);
}

static enum srx_quota_verdict srx_quota_refuse(struct srx_quota *sq,
					       struct srx_quota_qp *q)
{
	struct srx_quota_recent *r = srx_quota_roll(sq, q);

	srx_quota_recent_add(&r->refused[0], 1);
	if (q->streak < U32_MAX)
		q->streak++;
	switch (q->policy) {
	case SRX_GOV_RNR:
		q->rnr++;
		sq->rnr++;
		return SRX_QUOTA_RNR;
	case SRX_GOV_DROP:
		q->drops++;
		sq->drops++;
		return SRX_QUOTA_DROP;
	default:
		q->disconnects++;
		sq->disconnects++;
		return SRX_QUOTA_DISCONNECT;
	}
}

/* credit=repost: @q's draws whose completion has not been posted. */
static u32 srx_quota_uncompleted(const struct srx_quota_qp *q)
{
	return q->held - q->linked;
}

/* @r draws of @q become the newest records. */
static void srx_quota_record(struct srx_quota *sq, struct srx_quota_qp *q,
			     u32 r, u64 key)
{
	while (r--) {
		/* Cannot happen while the SRQ holds at most size WQEs. */
		if (!sq->unused)
			srx_quota_pop_oldest(sq);
		srx_quota_link(sq, q, key);
	}
}

static enum srx_quota_verdict srx_quota_charge_key(struct srx_quota *sq,
						   struct srx_quota_qp *q,
						   u32 r, u64 key)
{
	if (!srx_quota_room(sq, q, r))
		return srx_quota_refuse(sq, q);
	q->streak = 0;
	q->held += r;
	if (q->group)
		q->group->held += r;
	q->draws += r;
	sq->draws += r;
	srx_quota_recent_add(&srx_quota_roll(sq, q)->draws[0], r);
	/* credit=repost: a draw is recorded when its completion is posted. */
	if (sq->credit == SRX_GOV_CREDIT_BUFFER)
		srx_quota_record(sq, q, r, key);
	return SRX_QUOTA_ADMIT;
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
	return srx_quota_charge_key(sq, q, r, 0);
}

/**
 * srx_quota_charge_buf - may @q draw the SRQ WQE of buffer @key?
 * @sq: the SRQ's accounting
 * @q: the QP
 * @key: the buffer's identity (srx_gov_buf_key(): upper half keyed)
 *
 * Return: as srx_quota_charge() for one WQE.
 */
enum srx_quota_verdict srx_quota_charge_buf(struct srx_quota *sq,
					    struct srx_quota_qp *q, u64 key)
{
	return srx_quota_charge_key(sq, q, 1, key);
}

/*
 * The completions of @n WQEs @q drew were posted or consumed. With
 * credit=repost a posted one queues its draw for the reposts, so they
 * credit in the order the consumer sees completions; never more than
 * @q holds unqueued.
 */
void srx_quota_complete(struct srx_quota *sq, struct srx_quota_qp *q,
			enum srx_quota_event ev, u32 n)
{
	if ((sq->credit == SRX_GOV_CREDIT_POLL && ev == SRX_QEV_CONSUMED) ||
	    (sq->credit == SRX_GOV_CREDIT_POST && ev == SRX_QEV_POSTED))
		srx_quota_credit(sq, q, n);
	else if (sq->credit == SRX_GOV_CREDIT_REPOST && ev == SRX_QEV_POSTED)
		srx_quota_record(sq, q, min(n, srx_quota_uncompleted(q)), 0);
}

/*
 * @n WQEs @q drew will never complete normally (flushed): credit them
 * now. With credit=buffer the consumer may still post them back, and
 * those reposts credit nobody.
 */
void srx_quota_flush(struct srx_quota *sq, struct srx_quota_qp *q, u32 n)
{
	if (sq->credit == SRX_GOV_CREDIT_BUFFER)
		n = srx_quota_forget(sq, q, n, true);
	else if (sq->credit == SRX_GOV_CREDIT_REPOST)
		/* Only a draw not completed yet: the others await reposts. */
		n = min(n, srx_quota_uncompleted(q));
	srx_quota_credit(sq, q, n);
}

/* credit=repost: @n WQEs were posted to the SRQ. */
void srx_quota_reposted(struct srx_quota *sq, u32 n)
{
	if (sq->credit != SRX_GOV_CREDIT_REPOST)
		return;
	while (n-- && sq->ndrawn)
		srx_quota_pop_oldest(sq);
}

/* The oldest outstanding draw of buffer @key (q: of that QP only). */
static struct srx_quota_draw *srx_quota_find(struct srx_quota *sq, u64 key,
					     const struct srx_quota_qp *q)
{
	struct list_head *bucket = srx_quota_bucket(sq, key);
	struct srx_quota_draw *e;

	/*
	 * Oldest first in a bucket: the first match is the oldest. The
	 * bucket is hashed once: list_for_each_entry() evaluates its head
	 * on every step.
	 */
	list_for_each_entry(e, bucket, node)
		if (e->key == key && (!q || e->q == q))
			return e;
	return NULL;
}

/**
 * srx_quota_returned - credit=buffer: a WQE of buffer @key was posted
 * @sq: the SRQ's accounting
 * @key: the buffer's identity
 *
 * The QP that drew that buffer (the oldest such draw) is credited; a
 * buffer no outstanding draw names credits the oldest draw instead.
 */
void srx_quota_returned(struct srx_quota *sq, u64 key)
{
	struct srx_quota_draw *e;

	if (sq->credit != SRX_GOV_CREDIT_BUFFER)
		return;
	e = srx_quota_find(sq, key, NULL);
	if (e) {
		sq->matched++;
		if (e->q)
			srx_quota_credit(sq, e->q, 1);
		srx_quota_drop(sq, e);
	} else {
		sq->unmatched++;
		if (sq->ndrawn)
			srx_quota_pop_oldest(sq);
	}
}

/*
 * The WQE of buffer @key that @q drew went back into the SRQ itself (a
 * released out-of-order hold), never to the consumer: credit it, and
 * let no repost look for it.
 */
void srx_quota_undraw(struct srx_quota *sq, struct srx_quota_qp *q, u64 key)
{
	struct srx_quota_draw *e;

	if (sq->credit != SRX_GOV_CREDIT_BUFFER) {
		srx_quota_flush(sq, q, 1);
		return;
	}
	e = srx_quota_find(sq, key, q);
	if (!e)
		return;		/* credited when its record was reused */
	srx_quota_credit(sq, q, 1);
	srx_quota_drop(sq, e);
}

/*
 * Does @a drain the SRQ more than @b: more held now, then more refused
 * lately, then more drawn lately? Lifetime counts would rank a
 * long-lived honest connection above a flood that started a second ago.
 */
static bool srx_quota_worse(const struct srx_quota_snap *a,
			    const struct srx_quota_snap *b)
{
	if (a->held != b->held)
		return a->held > b->held;
	if (a->recent_refused != b->recent_refused)
		return a->recent_refused > b->recent_refused;
	return a->recent_draws > b->recent_draws;
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
		e.recent_draws = srx_quota_recent_draws(sq, q);
		e.recent_refused = srx_quota_recent_refused(sq, q);
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

/**
 * srx_quota_rnr_timer - the RNR NAK timer for a QP refused over its limit
 * @streak: its refusals in a row (srx_quota_qp.streak)
 * @base: its min_rnr_timer, an IBTA RNR timer code
 *
 * Codes 1 to 31 stand for longer waits as they grow (each about 1.5x
 * the one before); 0 is the longest of all. Every refusal in a row adds
 * one step, up to SRX_QUOTA_RNR_MAX; a QP whose own timer is longer
 * already (or 0) keeps it.
 *
 * Return: the timer code to send.
 */
u8 srx_quota_rnr_timer(u32 streak, u8 base)
{
	if (!base || base >= SRX_QUOTA_RNR_MAX)
		return base;
	return min_t(u32, base + min_t(u32, streak, SRX_QUOTA_RNR_MAX),
		     SRX_QUOTA_RNR_MAX);
}

/* The operator's low watermark: @wm free WQEs (0: off), armed. */
void srx_quota_set_admin_wm(struct srx_quota *sq, u32 wm)
{
	sq->admin_wm = min(wm, sq->size);
	sq->admin_armed = true;
}

/*
 * Free WQEs the SRQ must have again before the operator's watermark
 * re-arms: twice the mark (at most the size), so a SRQ hovering at the
 * mark does not fire at every draw.
 */
static u32 srx_quota_admin_rearm(const struct srx_quota *sq)
{
	return min_t(u64, 2ULL * sq->admin_wm, sq->size);
}

/**
 * srx_quota_admin_check - the SRQ has @avail free WQEs: watermark?
 * @sq: the SRQ's accounting
 * @avail: its free WQEs now
 *
 * Below the operator's mark while armed, the ranking of this moment is
 * kept and the mark disarms; it re-arms once @avail is back at twice
 * the mark (hysteresis).
 *
 * Return: true if the mark fired now.
 */
bool srx_quota_admin_check(struct srx_quota *sq, u32 avail)
{
	if (!sq->admin_wm)
		return false;
	if (!sq->admin_armed) {
		if (avail >= srx_quota_admin_rearm(sq))
			sq->admin_armed = true;
		return false;
	}
	if (avail >= sq->admin_wm)
		return false;
	sq->admin_armed = false;
	sq->admin_events++;
	srx_quota_snapshot(sq);
	return true;
}
