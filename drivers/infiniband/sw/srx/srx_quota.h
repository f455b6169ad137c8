/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * srx: SRQ governance accounting (see Documentation/srx.rst). Pure
 * logic, no device: the caller serialises all calls for one SRQ.
 *
 * Copyright (c) 2026 The srx authors.
 */

#ifndef SRX_QUOTA_H
#define SRX_QUOTA_H

#include <linux/list.h>
#include <linux/types.h>
#include <uapi/rdma/srx-abi.h>

#define SRX_QUOTA_SNAP_MAX	64
/* The longest RNR timer governance backs off to: code 20, 10.24 ms. */
#define SRX_QUOTA_RNR_MAX	20

enum srx_quota_verdict {
	SRX_QUOTA_ADMIT,
	SRX_QUOTA_RNR,
	SRX_QUOTA_DROP,
	SRX_QUOTA_DISCONNECT,
};

/* Completion events that may credit, depending on the credit mode. */
enum srx_quota_event {
	SRX_QEV_POSTED,		/* a completion was written to a CQ */
	SRX_QEV_CONSUMED,	/* ... and the consumer took it */
};

struct srx_quota_group {
	struct list_head	node;		/* on srx_quota.groups */
	u32			id;
	u32			limit;
	u32			held;
	u32			members;
};

/*
 * What a QP did lately: draws and refusals in the current window and the
 * one before it (windows of SRX_QUOTA_WINDOW_MS, numbered by the caller
 * in srx_quota.now), so a ranking weighs the last one or two seconds,
 * not a connection's whole life.
 */
#define SRX_QUOTA_WINDOW_MS	1000

struct srx_quota_recent {
	u32			window;		/* number of the current one */
	u32			draws[2];	/* [0] current, [1] previous */
	u32			refused[2];
};

struct srx_quota_qp {
	struct list_head	node;		/* on srx_quota.qps */
	u32			qpn;
	u32			limit;		/* in force */
	u32			set_limit;	/* as set (static mode) */
	u32			held;
	u32			linked;		/* of held, with a record */
	enum srx_gov_policy	policy;
	struct srx_quota_group	*group;
	u64			draws;
	u64			credits;
	u64			rnr;
	u64			drops;
	u64			disconnects;
	u64			ooo_held;	/* messages held ahead of a gap */
	u64			ooo_released;	/* ... dropped back at the watermark */
	u32			streak;		/* refusals since the last draw */
	struct srx_quota_recent	recent;
};

/*
 * An outstanding draw (credit=repost and credit=buffer): which QP holds
 * which buffer, until it comes back to the SRQ. A draw whose QP was
 * credited already (flushed, or the QP is gone) stays as a tombstone
 * with @q NULL, so that the buffer's repost credits nobody.
 */
struct srx_quota_draw {
	struct list_head	node;		/* hash bucket of @key, oldest
						 * first; empty: not hashed
						 */
	union {
		struct list_head	age;	/* on srx_quota.drawn */
		struct srx_quota_draw	*next_unused;
	};
	u64			key;		/* the buffer: wr_id, SGEs */
	struct srx_quota_qp	*q;
};

/* The draw records of an SRQ: one per WQE it can hold. */
struct srx_quota_store {
	struct srx_quota_draw	*draw;
	struct list_head	*bucket;
	u32			cap;
	u32			bits;		/* log2 of the buckets */
};

struct srx_quota_snap {
	u32			qpn;
	u32			held;
	u32			limit;
	u64			draws;
	u64			dropped;	/* RNR-NAKed or dropped */
	u32			recent_draws;	/* last window or two */
	u32			recent_refused;
};

struct srx_quota {
	u32			size;		/* WQEs of the SRQ */
	u32			now;		/* window number, from the caller */
	enum srx_gov_mode	mode;
	enum srx_gov_credit	credit;
	u32			overcommit;	/* percent of size, share mode */
	u32			floor;
	u32			ceiling;
	struct list_head	qps;
	u32			nqps;
	struct list_head	groups;
	u32			ngroups;
	/* credit=repost/buffer: the outstanding draws, oldest first */
	struct srx_quota_store	st;
	struct list_head	drawn;
	struct srx_quota_draw	*unused;	/* a stack, by next_unused */
	u32			ndrawn;
	u64			matched;	/* reposts that named their draw */
	u64			unmatched;	/* ... that did not: oldest credited */
	u64			draws;
	u64			credits;
	u64			rnr;
	u64			drops;
	u64			disconnects;
	u64			watermarks;	/* rankings kept (either mark) */
	u32			admin_wm;	/* operator's mark, WQEs; 0: off */
	bool			admin_armed;
	u64			admin_events;
	u64			ooo_held;
	u64			ooo_released;
	struct srx_quota_snap	snap[SRX_QUOTA_SNAP_MAX];
	u32			nsnap;
};

int srx_quota_init(struct srx_quota *sq, u32 size, gfp_t gfp);
void srx_quota_destroy(struct srx_quota *sq);
int srx_quota_resize(struct srx_quota *sq, u32 size, gfp_t gfp);
int srx_quota_store_alloc(struct srx_quota_store *st, u32 cap, gfp_t gfp);
void srx_quota_store_free(struct srx_quota_store *st);
void srx_quota_install(struct srx_quota *sq, u32 size,
		       struct srx_quota_store *st);
void srx_quota_attach(struct srx_quota *sq, struct srx_quota_qp *q, u32 qpn,
		      enum srx_gov_policy policy);
void srx_quota_detach(struct srx_quota *sq, struct srx_quota_qp *q);
int srx_quota_set_mode(struct srx_quota *sq, enum srx_gov_mode mode,
		       u32 overcommit, u32 floor, u32 ceiling);
int srx_quota_set_credit(struct srx_quota *sq, enum srx_gov_credit credit);
void srx_quota_set_limit(struct srx_quota *sq, struct srx_quota_qp *q,
			 u32 limit);
int srx_quota_set_group(struct srx_quota *sq, struct srx_quota_qp *q,
			struct srx_quota_group *g);
void srx_quota_group_init(struct srx_quota *sq, struct srx_quota_group *g,
			  u32 id, u32 limit);
void srx_quota_group_remove(struct srx_quota *sq, struct srx_quota_group *g);
bool srx_quota_room(const struct srx_quota *sq, const struct srx_quota_qp *q,
		    u32 r);
enum srx_quota_verdict srx_quota_charge(struct srx_quota *sq,
					struct srx_quota_qp *q, u32 r);
enum srx_quota_verdict srx_quota_charge_buf(struct srx_quota *sq,
					    struct srx_quota_qp *q, u64 key);
void srx_quota_returned(struct srx_quota *sq, u64 key);
void srx_quota_undraw(struct srx_quota *sq, struct srx_quota_qp *q, u64 key);
void srx_quota_complete(struct srx_quota *sq, struct srx_quota_qp *q,
			enum srx_quota_event ev, u32 n);
void srx_quota_flush(struct srx_quota *sq, struct srx_quota_qp *q, u32 n);
void srx_quota_reposted(struct srx_quota *sq, u32 n);
void srx_quota_snapshot(struct srx_quota *sq);
u8 srx_quota_rnr_timer(u32 streak, u8 base);
void srx_quota_set_admin_wm(struct srx_quota *sq, u32 wm);
bool srx_quota_admin_check(struct srx_quota *sq, u32 avail);
u32 srx_quota_offenders(const struct srx_quota *sq,
			struct srx_quota_snap *out, u32 max);
u32 srx_quota_recent_draws(const struct srx_quota *sq,
			   const struct srx_quota_qp *q);
u32 srx_quota_recent_refused(const struct srx_quota *sq,
			     const struct srx_quota_qp *q);

#endif /* SRX_QUOTA_H */
