// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: governance controls. The in-kernel API (include/rdma/srx.h), the
 * operator's sysfs interface under /sys/class/infiniband/<dev>/gov/
 * (device defaults and a command file; CAP_NET_ADMIN). The netlink
 * attributes of `rdma res` are in srx_govnl.c, the status table in
 * debugfs in srx_govstat.c.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/capability.h>
#include <linux/inet.h>
#include <net/ipv6.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <rdma/srx.h>

#include "srx.h"

const char * const srx_policy_names[SRX_GOV_NPOLICIES] = {
	"rnr", "drop", "disconnect"
};

const char * const srx_credit_names[SRX_GOV_NCREDITS] = {
	"poll", "post", "repost", "buffer"
};

const char * const srx_mode_names[SRX_GOV_NMODES] = { "static", "share" };

/**
 * srx_is_srx_device - is @ibdev an srx device?
 * @ibdev: any RDMA device
 *
 * Kernel ULPs check this before calling the srx_gov_* functions.
 * Return: true for a device of this module.
 */
bool srx_is_srx_device(const struct ib_device *ibdev)
{
	return ibdev->ops.owner == THIS_MODULE;
}
EXPORT_SYMBOL_GPL(srx_is_srx_device);

/* The SRQ of a governed QP of an srx device, or an ERR_PTR. */
static struct srx_srq *srx_gov_qp_srq(struct ib_qp *ibqp)
{
	if (!srx_is_srx_device(ibqp->device))
		return ERR_PTR(-EOPNOTSUPP);
	if (!ibqp->srq)
		return ERR_PTR(-EINVAL);
	return to_ssrq(ibqp->srq);
}

/**
 * srx_gov_qp_set_limit - cap the SRQ WQEs a QP may hold
 * @ibqp: an srx QP on an SRQ
 * @limit: WQEs it may hold at once (SRX_GOV_UNLIMITED: no cap)
 *
 * Context: process context; takes the SRQ lock.
 * Return: 0, -EOPNOTSUPP for another device's QP, -EINVAL without an SRQ.
 */
int srx_gov_qp_set_limit(struct ib_qp *ibqp, u32 limit)
{
	struct srx_srq *srq = srx_gov_qp_srq(ibqp);

	if (IS_ERR(srq))
		return PTR_ERR(srq);
	spin_lock_irq(&srq->lock);
	srx_quota_set_limit(&srq->quota, &to_sqp(ibqp)->quota, limit);
	spin_unlock_irq(&srq->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(srx_gov_qp_set_limit);

/**
 * srx_gov_qp_set_policy - what happens to a QP's request over its limit
 * @ibqp: an srx QP on an SRQ
 * @policy: SRX_GOV_RNR (RNR NAK), SRX_GOV_DROP or SRX_GOV_DISCONNECT
 *
 * Context: process context; takes the SRQ lock.
 * Return: 0, -EOPNOTSUPP, or -EINVAL (no SRQ, unknown policy).
 */
int srx_gov_qp_set_policy(struct ib_qp *ibqp, enum srx_gov_policy policy)
{
	struct srx_srq *srq = srx_gov_qp_srq(ibqp);

	if (IS_ERR(srq))
		return PTR_ERR(srq);
	if (policy > SRX_GOV_DISCONNECT)
		return -EINVAL;
	spin_lock_irq(&srq->lock);
	to_sqp(ibqp)->quota.policy = (enum srx_gov_policy)policy;
	spin_unlock_irq(&srq->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(srx_gov_qp_set_policy);

/**
 * srx_gov_fill_qp - a governed QP's state, as the in-kernel API shows it
 * @st: filled in
 * @sq: its SRQ's accounting, locked
 * @q: the QP's
 */
void srx_gov_fill_qp(struct srx_gov_qp_stats *st, const struct srx_quota *sq,
		     const struct srx_quota_qp *q)
{
	const struct srx_qp *qp = container_of_const(q, struct srx_qp, quota);

	st->qpn = q->qpn;
	st->limit = q->limit;
	st->held = q->held;
	st->policy = q->policy;
	st->group = q->group ? q->group->id : 0;
	st->draws = q->draws;
	st->credits = q->credits;
	st->rnr = q->rnr;
	st->drops = q->drops;
	st->disconnects = q->disconnects;
	st->recent_draws = srx_quota_recent_draws(sq, q);
	st->recent_refused = srx_quota_recent_refused(sq, q);
	st->ooo_limit = qp->resp.ooo_limit;
	st->ooo_holding = qp->resp.nheld;
	st->ooo_held = q->ooo_held;
	st->ooo_released = q->ooo_released;
}

/**
 * srx_gov_qp_stats - a QP's governance state and counters
 * @ibqp: an srx QP on an SRQ
 * @st: filled in
 *
 * Context: process context; takes the CQ and SRQ locks.
 * Return: 0, -EOPNOTSUPP, or -EINVAL without an SRQ.
 */
int srx_gov_qp_stats(struct ib_qp *ibqp, struct srx_gov_qp_stats *st)
{
	struct srx_srq *srq = srx_gov_qp_srq(ibqp);

	if (IS_ERR(srq))
		return PTR_ERR(srq);
	/* A user CQ's consumption is seen when we look: look now. */
	srx_cq_consumed(to_scq(ibqp->recv_cq));
	spin_lock_irq(&srq->lock);
	srx_gov_sync(srq);
	srx_gov_fill_qp(st, &srq->quota, &to_sqp(ibqp)->quota);
	spin_unlock_irq(&srq->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(srx_gov_qp_stats);

static int srx_gov_set_mode(struct srx_srq *srq, enum srx_gov_mode mode,
			    u32 overcommit, u32 floor, u32 ceiling)
{
	int err;

	spin_lock_irq(&srq->lock);
	err = srx_quota_set_mode(&srq->quota, (enum srx_gov_mode)mode,
				 overcommit, floor, ceiling);
	spin_unlock_irq(&srq->lock);
	return err;
}

/**
 * srx_gov_srq_set_mode - how an SRQ's per-QP limits are provisioned
 * @ibsrq: an srx SRQ
 * @mode: SRX_GOV_STATIC (limits as set) or SRX_GOV_SHARE (recomputed
 *	from the SRQ's size and its QPs)
 * @overcommit: share mode: percent of the SRQ's size handed out over all
 *	its QPs (1..10000)
 * @floor: share mode: no QP's limit below this
 * @ceiling: share mode: no QP's limit above this (at least @floor)
 *
 * Context: process context; takes the SRQ lock.
 * Return: 0, -EOPNOTSUPP, or -EINVAL for bad values.
 */
int srx_gov_srq_set_mode(struct ib_srq *ibsrq, enum srx_gov_mode mode,
			 u32 overcommit, u32 floor, u32 ceiling)
{
	if (!srx_is_srx_device(ibsrq->device))
		return -EOPNOTSUPP;
	return srx_gov_set_mode(to_ssrq(ibsrq), mode, overcommit, floor,
				ceiling);
}
EXPORT_SYMBOL_GPL(srx_gov_srq_set_mode);

static int srx_gov_set_credit(struct srx_srq *srq, enum srx_gov_credit credit)
{
	int err;

	spin_lock_irq(&srq->lock);
	/* Buffers posted back since the last draw are not held any more. */
	srx_gov_sync(srq);
	err = srx_quota_set_credit(&srq->quota, (enum srx_gov_credit)credit);
	if (!err)
		srx_gov_slots_void(srq);
	spin_unlock_irq(&srq->lock);
	return err;
}

/**
 * srx_gov_srq_set_credit - when a drawn WQE is credited back to its QP
 * @ibsrq: an srx SRQ
 * @credit: SRX_GOV_CREDIT_POLL, _POST, _REPOST or _BUFFER
 *
 * Context: process context; takes the SRQ lock.
 * Return: 0, -EOPNOTSUPP, -EINVAL, or -EBUSY while WQEs are held.
 */
int srx_gov_srq_set_credit(struct ib_srq *ibsrq, enum srx_gov_credit credit)
{
	if (!srx_is_srx_device(ibsrq->device))
		return -EOPNOTSUPP;
	return srx_gov_set_credit(to_ssrq(ibsrq), credit);
}
EXPORT_SYMBOL_GPL(srx_gov_srq_set_credit);

/**
 * srx_gov_fill_srq - an SRQ's governance state, as the in-kernel API shows it
 * @st: filled in
 * @srq: the SRQ, locked
 */
void srx_gov_fill_srq(struct srx_gov_srq_stats *st, const struct srx_srq *srq)
{
	const struct srx_quota *sq = &srq->quota;

	st->size = sq->size;
	st->nqps = sq->nqps;
	st->mode = sq->mode;
	st->credit = sq->credit;
	st->overcommit = sq->overcommit;
	st->floor = sq->floor;
	st->ceiling = sq->ceiling;
	st->ngroups = sq->ngroups;
	st->draws = sq->draws;
	st->credits = sq->credits;
	st->rnr = sq->rnr;
	st->drops = sq->drops;
	st->disconnects = sq->disconnects;
	st->watermarks = sq->watermarks;
	st->ooo_cap = srx_ooo_srq_cap(srq);
	st->ooo_low = srx_ooo_low(srq);
	st->ooo_holding = srq->ooo_held;
	st->ooo_held = sq->ooo_held;
	st->ooo_released = sq->ooo_released;
}

/*
 * The first object numbered @index or above in @xa whose reference
 * count (a refcount_t @ref bytes into it) could be taken, or NULL.
 */
void *srx_gov_next(struct xarray *xa, unsigned long *index, size_t ref)
{
	void *obj;

	xa_lock_irq(xa);
	for (obj = xa_find(xa, index, ULONG_MAX, XA_PRESENT); obj;
	     obj = xa_find_after(xa, index, ULONG_MAX, XA_PRESENT))
		if (refcount_inc_not_zero((refcount_t *)((char *)obj + ref)))
			break;
	xa_unlock_irq(xa);
	return obj;
}

/* The first QP numbered @index or above, with a reference, or NULL. */
static struct srx_qp *srx_gov_next_qp(struct srx_dev *sdev,
				      unsigned long *index)
{
	return srx_gov_next(&sdev->qp_tbl.xa, index,
			    offsetof(struct srx_qp, ref));
}

/* QPs looked at between two chances to reschedule. */
#define SRX_GOV_REAP_BATCH	64

/*
 * Before counts are read (no lock held): with credit=poll, what the
 * processes consumed from their user CQs is credited, so no QP reads
 * as holding buffers it has taken back. A QP in poll mode is credited
 * only when its CQ is looked at, at the next completion or a draw over
 * a limit, and the CQ lock nests outside the SRQ's: so the device's QPs
 * are walked here, one reference at a time, for every SRQ in poll mode
 * (@srq: unless it is not). At most one walk per device per jiffy: a
 * dump of rdma res reads every SRQ, and an unprivileged reader must not
 * make each read walk them all.
 */
void srx_gov_reap(struct srx_dev *sdev, struct srx_srq *srq)
{
	unsigned long index = 0, now = jiffies;
	struct srx_srq *qsrq;
	struct srx_qp *qp;
	u32 n = 0;

	if (srq && READ_ONCE(srq->quota.credit) != SRX_GOV_CREDIT_POLL)
		return;
	if (READ_ONCE(sdev->gov_reaped) == now)
		return;
	WRITE_ONCE(sdev->gov_reaped, now);
	while ((qp = srx_gov_next_qp(sdev, &index))) {
		qsrq = qp->ibqp.srq ? to_ssrq(qp->ibqp.srq) : NULL;
		if (qsrq && READ_ONCE(qsrq->quota.credit) == SRX_GOV_CREDIT_POLL)
			srx_cq_consumed(to_scq(qp->ibqp.recv_cq));
		srx_qp_put(qp);
		index++;
		if (!(++n % SRX_GOV_REAP_BATCH))
			cond_resched();
	}
}

/**
 * srx_gov_srq_stats - an SRQ's governance settings and counters
 * @ibsrq: an srx SRQ
 * @st: filled in
 *
 * Context: process context; takes the SRQ lock.
 * Return: 0 or -EOPNOTSUPP.
 */
int srx_gov_srq_stats(struct ib_srq *ibsrq, struct srx_gov_srq_stats *st)
{
	struct srx_srq *srq = to_ssrq(ibsrq);

	if (!srx_is_srx_device(ibsrq->device))
		return -EOPNOTSUPP;
	srx_gov_reap(to_sdev(ibsrq->device), srq);
	spin_lock_irq(&srq->lock);
	srx_gov_sync(srq);
	srx_gov_fill_srq(st, srq);
	spin_unlock_irq(&srq->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(srx_gov_srq_stats);

/**
 * srx_gov_srq_set_ooo - how much an SRQ's QPs may hold ahead of PSN gaps
 * @ibsrq: an srx SRQ
 * @cap: WQEs held ahead of gaps over all its QPs (0: none, at most 256),
 *	or SRX_GOV_OOO_DEFAULT (a quarter of its size, through resizes)
 * @low: free WQEs at or below which every held message is released, or
 *	SRX_GOV_OOO_DEFAULT (an eighth of its size)
 *
 * Context: process context; takes the SRQ lock.
 * Return: 0, -EOPNOTSUPP, or -EINVAL.
 */
int srx_gov_srq_set_ooo(struct ib_srq *ibsrq, u32 cap, u32 low)
{
	if (!srx_is_srx_device(ibsrq->device))
		return -EOPNOTSUPP;
	return srx_ooo_srq_set(to_ssrq(ibsrq), cap, low);
}
EXPORT_SYMBOL_GPL(srx_gov_srq_set_ooo);

/**
 * srx_gov_qp_set_ooo - the messages an RC QP may hold ahead of a PSN gap
 * @ibqp: an srx QP on an SRQ
 * @limit: 0 (none) up to the module's ooo_hold when the QP was created,
 *	or SRX_GOV_OOO_DEFAULT for that many. Each hold also needs room for
 *	two more WQEs under the QP's governance limit, so the OOO limit
 *	nests inside it.
 *
 * Context: process context; takes the SRQ lock.
 * Return: 0, -EOPNOTSUPP, or -EINVAL.
 */
int srx_gov_qp_set_ooo(struct ib_qp *ibqp, u32 limit)
{
	struct srx_srq *srq = srx_gov_qp_srq(ibqp);

	if (IS_ERR(srq))
		return PTR_ERR(srq);
	return srx_ooo_qp_set(to_sqp(ibqp), limit);
}
EXPORT_SYMBOL_GPL(srx_gov_qp_set_ooo);

/* ---- groups: a limit that caps several QPs of one SRQ together ---- */

static struct srx_quota_group *srx_gov_find_group(struct srx_quota *sq, u32 id)
{
	struct srx_quota_group *g;

	list_for_each_entry(g, &sq->groups, node)
		if (g->id == id)
			return g;
	return NULL;
}

/**
 * srx_gov_srq_set_group - create group @group of @ibsrq, or change its limit
 * @ibsrq: an srx SRQ
 * @group: the group's number, not 0
 * @limit: what its members may hold together (SRX_GOV_UNLIMITED: any)
 *
 * Return: 0, or -ENOSPC when the SRQ has SRX_GOV_MAX_GROUPS groups.
 */
int srx_gov_srq_set_group(struct ib_srq *ibsrq, u32 group, u32 limit)
{
	struct srx_srq *srq = to_ssrq(ibsrq);
	struct srx_quota_group *g, *new;
	int err = 0;

	if (!srx_is_srx_device(ibsrq->device))
		return -EOPNOTSUPP;
	if (!group)
		return -EINVAL;
	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	spin_lock_irq(&srq->lock);
	g = srx_gov_find_group(&srq->quota, group);
	if (g) {
		g->limit = limit;
	} else if (srq->quota.ngroups >= SRX_GOV_MAX_GROUPS) {
		err = -ENOSPC;
	} else {
		srx_quota_group_init(&srq->quota, new, group, limit);
		new = NULL;
	}
	spin_unlock_irq(&srq->lock);
	kfree(new);
	return err;
}
EXPORT_SYMBOL_GPL(srx_gov_srq_set_group);

/**
 * srx_gov_srq_remove_group - remove a group; its members become ungrouped
 * @ibsrq: an srx SRQ
 * @group: the group's number
 *
 * Context: process context; takes the SRQ lock.
 * Return: 0, -EOPNOTSUPP, or -ENOENT when there is no such group.
 */
int srx_gov_srq_remove_group(struct ib_srq *ibsrq, u32 group)
{
	struct srx_srq *srq = to_ssrq(ibsrq);
	struct srx_quota_group *g;

	if (!srx_is_srx_device(ibsrq->device))
		return -EOPNOTSUPP;
	spin_lock_irq(&srq->lock);
	g = group ? srx_gov_find_group(&srq->quota, group) : NULL;
	if (g)
		srx_quota_group_remove(&srq->quota, g);
	spin_unlock_irq(&srq->lock);
	if (!g)
		return -ENOENT;
	kfree(g);
	return 0;
}
EXPORT_SYMBOL_GPL(srx_gov_srq_remove_group);

/**
 * srx_gov_qp_set_group - put a QP in a group of its SRQ
 * @ibqp: an srx QP on an SRQ
 * @group: the group's number (0: in none)
 *
 * Context: process context; takes the SRQ lock.
 * Return: 0, -EOPNOTSUPP, -EINVAL without an SRQ, -ENOENT for no group.
 */
int srx_gov_qp_set_group(struct ib_qp *ibqp, u32 group)
{
	struct srx_srq *srq = srx_gov_qp_srq(ibqp);
	struct srx_quota_group *g = NULL;
	int err = 0;

	if (IS_ERR(srq))
		return PTR_ERR(srq);
	spin_lock_irq(&srq->lock);
	if (group)
		g = srx_gov_find_group(&srq->quota, group);
	if (group && !g)
		err = -ENOENT;
	else
		srx_quota_set_group(&srq->quota, &to_sqp(ibqp)->quota, g);
	spin_unlock_irq(&srq->lock);
	return err;
}
EXPORT_SYMBOL_GPL(srx_gov_qp_set_group);

/**
 * srx_gov_srq_offenders - the SRQ's QPs, the one draining it first
 * @ibsrq: an srx SRQ
 * @at_watermark: the ranking kept at the last SRQ_LIMIT_REACHED event
 *	(held and refusals then), rather than the current one
 * @out: filled with up to @max entries
 * @max: room in @out
 *
 * Return: entries written, or a negative errno.
 */
int srx_gov_srq_offenders(struct ib_srq *ibsrq, bool at_watermark,
			  struct srx_gov_qp_stats *out, u32 max)
{
	struct srx_srq *srq = to_ssrq(ibsrq);
	struct srx_quota_snap *snap;
	u32 n, i;

	if (!srx_is_srx_device(ibsrq->device))
		return -EOPNOTSUPP;
	max = min_t(u32, max, SRX_QUOTA_SNAP_MAX);
	snap = kcalloc(max, sizeof(*snap), GFP_KERNEL);
	if (!snap && max)
		return -ENOMEM;
	srx_gov_reap(to_sdev(ibsrq->device), srq);
	spin_lock_irq(&srq->lock);
	srx_gov_sync(srq);
	if (at_watermark) {
		n = min(max, srq->quota.nsnap);
		memcpy(snap, srq->quota.snap, n * sizeof(*snap));
	} else {
		n = srx_quota_offenders(&srq->quota, snap, max);
	}
	spin_unlock_irq(&srq->lock);
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].qpn = snap[i].qpn;
		out[i].held = snap[i].held;
		out[i].limit = snap[i].limit;
		out[i].draws = snap[i].draws;
		out[i].rnr = snap[i].dropped;
		out[i].recent_draws = snap[i].recent_draws;
		out[i].recent_refused = snap[i].recent_refused;
	}
	kfree(snap);
	return n;
}
EXPORT_SYMBOL_GPL(srx_gov_srq_offenders);

/* ---- sysfs: /sys/class/infiniband/<dev>/gov/ ---- */

static struct srx_dev *srx_gov_dev(struct device *dev)
{
	return rdma_device_to_drv_device(dev, struct srx_dev, ibdev);
}

static int srx_name_index(const char * const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (sysfs_streq(s, names[i]))
			return i;
	return -EINVAL;
}

/* A limit: a number, or "none" for no limit. */
static int srx_parse_limit(const char *s, u32 *limit)
{
	if (sysfs_streq(s, "none")) {
		*limit = SRX_GOV_UNLIMITED;
		return 0;
	}
	return kstrtou32(s, 0, limit);
}

/* A limit as shown: a number, or "none"; @tmp holds the number. */
const char *srx_limit_str(char tmp[12], u32 limit)
{
	if (limit == SRX_GOV_UNLIMITED)
		return "none";
	snprintf(tmp, 12, "%u", limit);
	return tmp;
}

static ssize_t srx_show_limit(char *buf, u32 limit)
{
	char tmp[12];

	return sysfs_emit(buf, "%s\n", srx_limit_str(tmp, limit));
}

/*
 * A device default: an enum shown by name (@names set) or a u32 limit
 * ("none" for no limit), at @offset in struct srx_gov_defaults.
 */
struct srx_gov_attr {
	struct device_attribute	attr;
	size_t			offset;
	const char * const	*names;
	int			nnames;
};

/* A default's value: one of its names, or a limit. */
static int srx_gov_default_parse(const struct srx_gov_attr *ga,
				 const char *buf, u32 *v)
{
	int i;

	if (!ga->names)
		return srx_parse_limit(buf, v);
	i = srx_name_index(ga->names, ga->nnames, buf);
	if (i < 0)
		return i;
	*v = i;
	return 0;
}

static u32 *srx_gov_field(struct device *dev, struct device_attribute *attr)
{
	struct srx_gov_attr *ga = container_of(attr, struct srx_gov_attr, attr);

	return (u32 *)((u8 *)&srx_gov_dev(dev)->gov + ga->offset);
}

static ssize_t srx_gov_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct srx_gov_attr *ga = container_of(attr, struct srx_gov_attr, attr);
	u32 v = READ_ONCE(*srx_gov_field(dev, attr));

	if (ga->names)
		return sysfs_emit(buf, "%s\n", ga->names[v]);
	return srx_show_limit(buf, v);
}

static ssize_t srx_gov_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct srx_gov_attr *ga = container_of(attr, struct srx_gov_attr, attr);
	u32 v;
	int err;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	err = srx_gov_default_parse(ga, buf, &v);
	if (err)
		return err;
	WRITE_ONCE(*srx_gov_field(dev, attr), v);
	return count;
}

static_assert(sizeof(enum srx_gov_mode) == sizeof(u32));

static struct srx_gov_attr srx_gov_defaults_attrs[] = {
	{ __ATTR(mode, 0644, srx_gov_show, srx_gov_store),
	  offsetof(struct srx_gov_defaults, mode),
	  srx_mode_names, ARRAY_SIZE(srx_mode_names) },
	{ __ATTR(credit, 0644, srx_gov_show, srx_gov_store),
	  offsetof(struct srx_gov_defaults, credit),
	  srx_credit_names, ARRAY_SIZE(srx_credit_names) },
	{ __ATTR(policy_rc, 0644, srx_gov_show, srx_gov_store),
	  offsetof(struct srx_gov_defaults, policy_rc),
	  srx_policy_names, ARRAY_SIZE(srx_policy_names) },
	{ __ATTR(policy_other, 0644, srx_gov_show, srx_gov_store),
	  offsetof(struct srx_gov_defaults, policy_other),
	  srx_policy_names, ARRAY_SIZE(srx_policy_names) },
	{ __ATTR(overcommit, 0644, srx_gov_show, srx_gov_store),
	  offsetof(struct srx_gov_defaults, overcommit), NULL, 0 },
	{ __ATTR(floor, 0644, srx_gov_show, srx_gov_store),
	  offsetof(struct srx_gov_defaults, floor), NULL, 0 },
	{ __ATTR(ceiling, 0644, srx_gov_show, srx_gov_store),
	  offsetof(struct srx_gov_defaults, ceiling), NULL, 0 },
	{ __ATTR(qp_limit, 0644, srx_gov_show, srx_gov_store),
	  offsetof(struct srx_gov_defaults, qp_limit), NULL, 0 },
	{ __ATTR(watermark, 0644, srx_gov_show, srx_gov_store),
	  offsetof(struct srx_gov_defaults, watermark), NULL, 0 },
};

/*
 * gov_defaults=NAME=VALUE[,NAME=VALUE...]: the gov/ defaults every new
 * device starts with (insmod srx.ko gov_defaults=qp_limit=16,credit=repost),
 * so governance is in force from `rdma link add` on. Checked when set.
 */
static char srx_gov_param[256];

/* Apply the NAME=VALUE list @s to @d; with @d NULL, only check it. */
static int srx_gov_defaults_parse(const char *s, struct srx_gov_defaults *d)
{
	char *copy = kstrdup(s, GFP_KERNEL), *p, *item, *val;
	int i, err = 0;
	u32 v;

	if (!copy)
		return -ENOMEM;
	p = strim(copy);
	while (!err && (item = strsep(&p, ","))) {
		if (!*item)
			continue;
		val = strchr(item, '=');
		err = -EINVAL;
		if (!val)
			break;
		*val++ = 0;
		for (i = 0; i < ARRAY_SIZE(srx_gov_defaults_attrs); i++)
			if (!strcmp(item, srx_gov_defaults_attrs[i].attr.attr.name))
				break;
		if (i == ARRAY_SIZE(srx_gov_defaults_attrs))
			break;
		err = srx_gov_default_parse(&srx_gov_defaults_attrs[i], val, &v);
		if (!err && d)
			*(u32 *)((u8 *)d + srx_gov_defaults_attrs[i].offset) = v;
	}
	kfree(copy);
	return err;
}

static int srx_gov_param_set(const char *val, const struct kernel_param *kp)
{
	int err = srx_gov_defaults_parse(val, NULL);

	return err ? err : param_set_copystring(val, kp);
}

static const struct kernel_param_ops srx_gov_param_ops = {
	.set = srx_gov_param_set,
	.get = param_get_string,
};

static struct kparam_string srx_gov_param_str = {
	.maxlen = sizeof(srx_gov_param),
	.string = srx_gov_param,
};

module_param_cb(gov_defaults, &srx_gov_param_ops, &srx_gov_param_str, 0644);
MODULE_PARM_DESC(gov_defaults,
		 "gov/ defaults of new devices: NAME=VALUE,... (e.g. qp_limit=16,credit=repost)");

/* A new device: the built-in defaults, then the gov_defaults parameter. */
void srx_gov_defaults_apply(struct srx_gov_defaults *d)
{
	kernel_param_lock(THIS_MODULE);
	srx_gov_defaults_parse(srx_gov_param, d);
	kernel_param_unlock(THIS_MODULE);
}

/* The SRQ `rdma res show srq` calls @id, with a reference, or NULL. */
static struct srx_srq *srx_gov_find_srq(struct srx_dev *sdev, u32 id)
{
	struct srx_srq *srq, *found = NULL;
	unsigned long index;

	xa_lock_irq(&sdev->srq_tbl.xa);
	xa_for_each(&sdev->srq_tbl.xa, index, srq) {
		if (srq->ibsrq.res.id == id &&
		    refcount_inc_not_zero(&srq->ref)) {
			found = srq;
			break;
		}
	}
	xa_unlock_irq(&sdev->srq_tbl.xa);
	return found;
}

/* group <g> limit <n>|none, or group <g> remove */
static int srx_gov_group_cmd(struct srx_srq *srq, char **args, int n)
{
	u32 group, limit;

	if (kstrtou32(args[0], 0, &group))
		return -EINVAL;
	if (n == 3 && !strcmp(args[1], "limit")) {
		if (srx_parse_limit(args[2], &limit))
			return -EINVAL;
		return srx_gov_srq_set_group(&srq->ibsrq, group, limit);
	}
	if (n == 2 && !strcmp(args[1], "remove"))
		return srx_gov_srq_remove_group(&srq->ibsrq, group);
	return -EINVAL;
}

/* "default" or a number. */
static int srx_parse_ooo(const char *s, u32 *v)
{
	if (sysfs_streq(s, "default")) {
		*v = SRX_GOV_OOO_DEFAULT;
		return 0;
	}
	return kstrtou32(s, 0, v) || *v == SRX_GOV_OOO_DEFAULT ? -EINVAL : 0;
}

/* srq <id> ooo <cap>|default <low>|default */
static int srx_gov_ooo_cmd(struct srx_srq *srq, char **args)
{
	u32 cap, low;

	if (srx_parse_ooo(args[0], &cap) || srx_parse_ooo(args[1], &low))
		return -EINVAL;
	return srx_gov_srq_set_ooo(&srq->ibsrq, cap, low);
}

static int srx_gov_srq_cmd(struct srx_dev *sdev, u32 id, char **args, int n)
{
	u32 oc = 100, floor = 0, ceiling = SRX_GOV_UNLIMITED, wm;
	struct srx_srq *srq = srx_gov_find_srq(sdev, id);
	int v, err = -EINVAL;

	if (!srq)
		return -ENOENT;
	if (n >= 2 && !strcmp(args[0], "mode")) {
		v = srx_name_index(srx_mode_names, ARRAY_SIZE(srx_mode_names),
				   args[1]);
		if (v == SRX_GOV_SHARE && n == 5 &&
		    (kstrtou32(args[2], 0, &oc) || kstrtou32(args[3], 0, &floor) ||
		     srx_parse_limit(args[4], &ceiling)))
			v = -EINVAL;
		if (v >= 0)
			err = srx_gov_set_mode(srq, v, oc, floor, ceiling);
	} else if (n == 2 && !strcmp(args[0], "credit")) {
		v = srx_name_index(srx_credit_names,
				   ARRAY_SIZE(srx_credit_names), args[1]);
		if (v >= 0)
			err = srx_gov_set_credit(srq, v);
	} else if (n >= 3 && !strcmp(args[0], "group")) {
		err = srx_gov_group_cmd(srq, args + 1, n - 1);
	} else if (n == 3 && !strcmp(args[0], "ooo")) {
		err = srx_gov_ooo_cmd(srq, args + 1);
	} else if (n == 2 && !strcmp(args[0], "watermark")) {
		err = srx_parse_limit(args[1], &wm);
		if (!err) {
			spin_lock_irq(&srq->lock);
			srx_quota_set_admin_wm(&srq->quota,
					       wm == SRX_GOV_UNLIMITED ? 0 : wm);
			spin_unlock_irq(&srq->lock);
		}
	}
	srx_srq_put(srq);
	return err;
}

static int srx_gov_qp_cmd(struct srx_dev *sdev, u32 qpn, char **args, int n)
{
	struct srx_qp *qp = srx_qp_get(sdev, qpn);
	u32 limit;
	int v, err = -EINVAL;

	if (!qp)
		return -ENOENT;
	if (n == 2 && !strcmp(args[0], "limit")) {
		err = srx_parse_limit(args[1], &limit);
		if (!err)
			err = srx_gov_qp_set_limit(&qp->ibqp, limit);
	} else if (n == 2 && !strcmp(args[0], "policy")) {
		v = srx_name_index(srx_policy_names,
				   ARRAY_SIZE(srx_policy_names), args[1]);
		if (v >= 0)
			err = srx_gov_qp_set_policy(&qp->ibqp, v);
	} else if (n == 2 && !strcmp(args[0], "ooo")) {
		err = srx_parse_ooo(args[1], &limit);
		if (!err)
			err = srx_gov_qp_set_ooo(&qp->ibqp, limit);
	} else if (n == 2 && !strcmp(args[0], "group")) {
		if (sysfs_streq(args[1], "none"))
			err = srx_gov_qp_set_group(&qp->ibqp, 0);
		else if (!kstrtou32(args[1], 0, &limit) && limit)
			err = srx_gov_qp_set_group(&qp->ibqp, limit);
	}
	srx_qp_put(qp);
	return err;
}

/*
 * Commands, one per write:
 *   srq <id> mode static | srq <id> mode share <overcommit%> <floor> <ceiling>
 *   srq <id> credit poll|post|repost|buffer
 *   srq <id> group <g> limit <n>|none | srq <id> group <g> remove
 *   srq <id> watermark <free WQEs>|none
 *   srq <id> ooo <cap>|default <release at free WQEs>|default
 *   qp <qpn> limit <n>|none
 *   qp <qpn> policy rnr|drop|disconnect
 *   qp <qpn> ooo <messages held ahead of a gap>|default
 *   qp <qpn> group <g>|none
 */
static ssize_t ctl_store(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	char *copy, *p, *args[8];
	int n = 0, err = -EINVAL;
	u32 id;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	copy = kstrndup(buf, count, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	p = strim(copy);
	while (p && n < ARRAY_SIZE(args)) {
		args[n] = strsep(&p, " \t");
		if (*args[n])
			n++;
	}
	if (n >= 3 && !kstrtou32(args[1], 0, &id)) {
		if (!strcmp(args[0], "srq"))
			err = srx_gov_srq_cmd(srx_gov_dev(dev), id, args + 2,
					      n - 2);
		else if (!strcmp(args[0], "qp"))
			err = srx_gov_qp_cmd(srx_gov_dev(dev), id, args + 2,
					     n - 2);
	}
	kfree(copy);
	return err ? err : count;
}
static DEVICE_ATTR_WO(ctl);

/**
 * srx_gov_peer - the remote address of a connected QP, as text
 * @qp: the QP
 * @buf: gets the address, or "" for a UD QP or one without a path yet
 * @len: room in @buf (INET6_ADDRSTRLEN)
 *
 * A snapshot: modify_qp may change the path meanwhile.
 */
void srx_gov_peer(const struct srx_qp *qp, char *buf, size_t len)
{
	const struct in6_addr *a;

	buf[0] = 0;
	if (qp->ibqp.qp_type == IB_QPT_UD ||
	    !(rdma_ah_get_ah_flags(&qp->av.attr) & IB_AH_GRH))
		return;
	a = (const struct in6_addr *)qp->av.attr.grh.dgid.raw;
	if (ipv6_addr_v4mapped(a))
		snprintf(buf, len, "%pI4", &a->s6_addr32[3]);
	else
		snprintf(buf, len, "%pI6c", a);
}

/*
 * The operator's watermarks fired on this device so far; poll() on it
 * wakes (POLLPRI) when one fires.
 */
static ssize_t watermark_events_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct srx_dev *sdev = srx_gov_dev(dev);

	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&sdev->cnt[SRX_CNT_GOV_ADMIN_WM]));
}

static DEVICE_ATTR_RO(watermark_events);

static struct attribute *srx_gov_attrs[] = {
	&srx_gov_defaults_attrs[0].attr.attr,
	&srx_gov_defaults_attrs[1].attr.attr,
	&srx_gov_defaults_attrs[2].attr.attr,
	&srx_gov_defaults_attrs[3].attr.attr,
	&srx_gov_defaults_attrs[4].attr.attr,
	&srx_gov_defaults_attrs[5].attr.attr,
	&srx_gov_defaults_attrs[6].attr.attr,
	&srx_gov_defaults_attrs[7].attr.attr,
	&srx_gov_defaults_attrs[8].attr.attr,
	&dev_attr_watermark_events.attr,
	&dev_attr_ctl.attr,
	NULL,
};

static const struct attribute_group srx_gov_group = {
	.name = "gov",
	.attrs = srx_gov_attrs,
};

const struct ib_device_ops srx_gov_ops = {
	.device_group = &srx_gov_group,
};
