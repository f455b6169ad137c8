/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * srx: soft RoCEv2 provider with SRQ governance.
 *
 * Copyright (c) 2026 The srx authors.
 */

#ifndef SRX_H
#define SRX_H

#include <linux/completion.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/skbuff.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <net/dst_cache.h>
#include <linux/netdevice.h>
#include <linux/refcount.h>
#include <linux/siphash.h>
#include <linux/stringify.h>
#include <linux/xarray.h>
#include <rdma/ib_umem.h>
#include <rdma/ib_verbs.h>
#include <rdma/uverbs_ioctl.h>
#include <uapi/rdma/rdma_user_rxe.h>

#include "srx_hdr.h"
#include "srx_quota.h"
#include "srx_util.h"

#define SRX_DRV_NAME		"srx"
#define SRX_VER_MAJOR		0
#define SRX_VER_MINOR		2
#define SRX_VER_SUB		0
#define SRX_VERSION		__stringify(SRX_VER_MAJOR) "." \
				__stringify(SRX_VER_MINOR) "." \
				__stringify(SRX_VER_SUB)
#define SRX_UDP_PORT		4791

/* rdma_rxe's user ABI version; Debian's librxe checks it. */
#define SRX_UVERBS_ABI_VERSION	2

/* Device limits: query_device reports these and every one is enforced. */
#define SRX_MAX_PD		0x10000
#define SRX_MAX_QP		0x4000
#define SRX_MAX_QP_WR		0x4000
#define SRX_MAX_SGE		32
#define SRX_MAX_INLINE		512
#define SRX_MAX_CQ		0x4000
#define SRX_MAX_CQE		0xffff
#define SRX_MAX_SRQ		0x1000
#define SRX_MAX_SRQ_WR		0x4000
/* Messages all QPs of one SRQ may hold ahead of PSN gaps. */
#define SRX_OOO_SRQ_MAX		256U
#define SRX_MAX_MR		0x10000
#define SRX_MAX_MW		0x10000
#define SRX_MAX_AH		0x10000
/* UD multicast, as rdma_rxe: groups, QPs per group, attachments. */
#define SRX_MAX_MCAST_GRP	8192
#define SRX_MAX_MCAST_QP_ATTACH	56
#define SRX_MAX_TOT_MCAST_QP_ATTACH	0x70000
#define SRX_MAX_MR_SIZE		BIT_ULL(40)
#define SRX_MAX_FRWR_PAGES	512
#define SRX_MAX_MSG_SZ		BIT(31)
#define SRX_GID_TBL_LEN		128
#define SRX_VENDOR_ID		0xffffff

/*
 * Received packets a QP's engine may have waiting (while it answers a
 * long READ it takes no new ones): beyond this they are dropped, and RC
 * peers retransmit.
 */
#define SRX_MAX_RXQ		1024

/* Object numbers. QPN 1 is the GSI QP; user QPNs start above 15. */
#define SRX_QPN_MIN		16
#define SRX_QPN_MAX		0xffffff
#define SRX_KEY_INDEX_MAX	0xffffff	/* lkey/rkey = index << 8 | key */

struct srx_sock;

/* Device counters, shown by `rdma statistic` (srx_stats.c has the names). */
enum srx_counter {
	SRX_CNT_SENT_PKTS,
	SRX_CNT_RCVD_PKTS,
	SRX_CNT_LOOPBACK_PKTS,
	SRX_CNT_RETRANS_PKTS,
	SRX_CNT_RETRY_TIMEOUTS,
	SRX_CNT_RNR_NAK_SENT,
	SRX_CNT_RNR_NAK_RCVD,
	SRX_CNT_SEQ_NAK_SENT,
	SRX_CNT_SEQ_NAK_RCVD,
	SRX_CNT_DUP_REQ,
	SRX_CNT_STALE_RESP,
	SRX_CNT_OUT_OF_SEQ,
	SRX_CNT_BAD_ICRC,
	SRX_CNT_MALFORMED,
	SRX_CNT_UNKNOWN_QP,
	SRX_CNT_BAD_STATE,
	SRX_CNT_PKEY_VIOL,
	SRX_CNT_QKEY_VIOL,
	SRX_CNT_UD_NO_WQE,
	SRX_CNT_UC_DROP,
	SRX_CNT_RETRY_EXC,
	SRX_CNT_RNR_RETRY_EXC,
	SRX_CNT_REM_ACCESS_ERR,
	SRX_CNT_REM_INV_REQ_ERR,
	SRX_CNT_REM_OP_ERR,
	SRX_CNT_LOC_ERR,
	SRX_CNT_TX_ERR,
	SRX_CNT_GOV_DRAWS,
	SRX_CNT_GOV_CREDITS,
	SRX_CNT_GOV_RNR,
	SRX_CNT_GOV_DROP,
	SRX_CNT_GOV_DISCONNECT,
	SRX_CNT_GOV_WATERMARKS,
	SRX_CNT_GOV_ADMIN_WM,
	SRX_CNT_OOO_HELD,
	SRX_CNT_OOO_COMPLETED,
	SRX_CNT_OOO_RELEASED,
	SRX_CNT_RXQ_DROP,
	SRX_CNT_MCAST_RCVD,
	SRX_CNT_MCAST_COPIES,
	SRX_CNT_MCAST_NO_GROUP,
	SRX_CNT_NR
};

/* A numbered (or just counted) set of objects with an enforced limit. */
struct srx_table {
	struct xarray		xa;
	u32			min;
	u32			max;
	u32			next;
	u32			limit;
	atomic_t		count;
};

/* Governance settings every new SRQ and QP of a device starts with. */
struct srx_gov_defaults {
	enum srx_gov_mode	mode;
	enum srx_gov_credit	credit;
	u32			overcommit;
	u32			floor;
	u32			ceiling;
	u32			qp_limit;
	enum srx_gov_policy	policy_rc;
	enum srx_gov_policy	policy_other;	/* UC, UD */
	u32			watermark;	/* admin's, % of the SRQ; 0: off */
};

struct srx_dev {
	struct ib_device	ibdev;
	struct list_head	list;		/* on srx_devices */
	struct net_device	*ndev;
	netdevice_tracker	ndev_tracker;	/* our reference on ndev */
	struct srx_sock		*sock;		/* UDP 4791 in ndev's netns */
	enum ib_port_state	last_state;	/* for PORT_ACTIVE/ERR events */
	bool			dead;		/* dealloc_driver has run */

	struct srx_table	pd_tbl;
	struct srx_table	cq_tbl;
	struct srx_table	qp_tbl;		/* by QPN */
	struct srx_table	srq_tbl;	/* by SRQ number */
	struct srx_table	mr_tbl;		/* count only */
	struct srx_table	mw_tbl;		/* count only */
	struct srx_table	key_tbl;	/* MRs and MWs by key index */
	struct srx_table	ah_tbl;		/* by AH number */

	spinlock_t		mw_lock;	/* MW bindings and MR dead */
	struct srx_gov_defaults	gov;		/* for new SRQs and QPs */
	struct dentry		*dbg;		/* debugfs: srx/<dev>/ */
	atomic64_t		cnt[SRX_CNT_NR];
	struct work_struct	gov_notify;	/* poll() wakeup: watermark */
	unsigned long		gov_reaped;	/* jiffies: srx_gov_reap() */
	struct mutex		mc_lock;	/* groups (RTNL outside) */
	DECLARE_HASHTABLE(mc_hash, 6);		/* struct srx_mcg, RCU */
	u32			mc_groups;
	u32			mc_attached;
};

static inline void srx_count(struct srx_dev *sdev, enum srx_counter c)
{
	atomic64_inc(&sdev->cnt[c]);
}

static inline void srx_count_n(struct srx_dev *sdev, enum srx_counter c,
			       u64 n)
{
	atomic64_add(n, &sdev->cnt[c]);
}

struct srx_ucontext {
	struct ib_ucontext	ibuc;
};

struct srx_pd {
	struct ib_pd		ibpd;
};

struct srx_mmap_entry {
	struct rdma_user_mmap_entry	rdma;
	void				*buf;	/* vmalloc_user(), owned */
	size_t				size;
};

/*
 * A ring in rdma_rxe's layout (struct rxe_queue_buf). For rings user space
 * maps, the index the kernel owns lives in @prod or @cons and is only
 * copied out; the user's index is read once, masked, and never trusted.
 */
enum srx_queue_kind {
	SRX_Q_KERNEL,		/* kernel produces and consumes */
	SRX_Q_FROM_USER,	/* user produces (SQ, RQ, SRQ), kernel consumes */
	SRX_Q_TO_USER,		/* kernel produces (CQ), user consumes */
};

struct srx_queue {
	struct rxe_queue_buf	*buf;
	struct srx_mmap_entry	*mme;	/* set when mapped: it owns buf */
	size_t			buf_size;
	u32			index_mask;
	u32			log2_elem_size;
	u32			prod;
	u32			cons;
	enum srx_queue_kind	kind;
};

/*
 * Ring accessors, inline: every packet and every post uses several.
 *
 * The producer index: user space's, masked, or the kernel's. A kernel
 * ring's consumer (the QP engine) may run on another CPU than the
 * producer (a post verb), so it too reads the published index.
 */
static inline u32 srx_queue_prod(struct srx_queue *q)
{
	if (q->kind != SRX_Q_TO_USER)
		/* Acquire: entries up to the index were written before it. */
		return smp_load_acquire(&q->buf->producer_index) &
		       q->index_mask;
	return q->prod;
}

static inline u32 srx_queue_cons(struct srx_queue *q)
{
	if (q->kind == SRX_Q_TO_USER)
		/* Acquire: user space is done with the slots it released. */
		return smp_load_acquire(&q->buf->consumer_index) &
		       q->index_mask;
	return q->cons;
}

static inline u32 srx_queue_count(struct srx_queue *q)
{
	return srx_ring_count(srx_queue_prod(q), srx_queue_cons(q),
			      q->index_mask);
}

static inline bool srx_queue_full(struct srx_queue *q)
{
	return srx_ring_full(srx_queue_prod(q), srx_queue_cons(q),
			     q->index_mask);
}

static inline void *srx_queue_elem(struct srx_queue *q, u32 index)
{
	return q->buf->data + ((size_t)(index & q->index_mask) <<
			       q->log2_elem_size);
}

/* Publish one more entry; only for rings the kernel produces into. */
static inline void srx_queue_advance_prod(struct srx_queue *q)
{
	q->prod = srx_ring_next(q->prod, q->index_mask);
	/* Release: the entry is visible before the index that covers it. */
	smp_store_release(&q->buf->producer_index, q->prod);
}

/* Retire one entry; only for rings the kernel consumes from. */
static inline void srx_queue_advance_cons(struct srx_queue *q)
{
	q->cons = srx_ring_next(srx_queue_cons(q), q->index_mask);
	/* Release: we are done reading the slot before it is reused. */
	smp_store_release(&q->buf->consumer_index, q->cons);
}

struct srx_qp;

struct srx_cq {
	struct ib_cq		ibcq;
	spinlock_t		lock;		/* queue, notify state, owners */
	struct srx_queue	q;
	/*
	 * Per CQE slot, kernel-private: the governed QP whose SRQ WQE the
	 * completion is for, credited when the entry is consumed. Owned
	 * by srx_gov.c; NULL with governance off.
	 */
	struct srx_qp		**owner;
	u32			reaped;		/* slots before it are credited */
	u8			notify;		/* armed IB_CQ_* flags */
	bool			is_user;
};

/*
 * A ring slot's buffer as governance named it when the post was seen
 * (credit=buffer), so that its draw need not name it again.
 */
struct srx_gov_slot {
	u64			key;		/* srx_gov_buf_key() */
	u32			gen;		/* srx_srq.gov_gen then; 0: none */
};

/* What an SRQ resize allocates for governance before taking the lock. */
struct srx_gov_store {
	struct srx_quota_store	st;		/* draw records */
	struct srx_gov_slot	*slots;		/* one per ring slot */
};

struct srx_srq {
	struct ib_srq		ibsrq;
	spinlock_t		lock;		/* producer side (kernel posts) */
	struct srx_queue	q;
	u32			srq_num;
	u32			max_wr;
	u32			max_sge;
	u32			limit;		/* armed srq_limit, 0 = off */
	bool			is_user;
	struct srx_quota	quota;		/* governance; under lock */
	u32			seen_prod;	/* posts accounted for repost */
	struct srx_gov_slot	*gov_slots;	/* governance on: per ring slot */
	u32			gov_gen;	/* names older than this are void */
	hsiphash_key_t		gov_seed;	/* buckets a process cannot aim at */
	/* WQEs given back by released out-of-order holds; drawn first */
	void			*spare;		/* spare_cap WQEs */
	u32			nspare;
	u32			spare_cap;	/* bounds the cap on OOO holds */
	u32			ooo_held;	/* slots not free, all QPs */
	/* As set; SRX_GOV_OOO_DEFAULT: from max_wr (srx_ooo.c) */
	u32			ooo_cap;
	u32			ooo_low;
	refcount_t		ref;		/* sysfs lookups by number */
	struct completion	released;
};

/* WQEs @srq can still give (srq locked): its ring's and the spares. */
static inline u32 srx_srq_avail(struct srx_srq *srq)
{
	lockdep_assert_held(&srq->lock);
	return srx_queue_count(&srq->q) + srq->nspare;
}

/* The size of a receive WQE with room for @max_sge SGEs. */
static inline u32 srx_recv_wqe_size(u32 max_sge)
{
	return sizeof(struct rxe_recv_wqe) + max_sge * sizeof(struct rxe_sge);
}

/* A resolved address vector (QP path or AH). */
struct srx_av {
	struct rdma_ah_attr	attr;
	union ib_gid		sgid;
	u8			network_type;	/* RXE_NETWORK_TYPE_* */
	u8			dmac[ETH_ALEN];
};

/* Kernel-private state of one SQ slot (the WQE itself is copied aside). */
struct srx_sqe {
	u32			first_psn;
	u32			last_psn;
	u32			len;		/* validated message length */
	u32			got;		/* read response bytes placed */
	u8			done;		/* ready to complete */
	u8			status;		/* enum ib_wc_status */
	u8			rd_atomic;	/* a read or atomic request */
};

/* Where a multi-packet transfer stands in an SGE list. */
struct srx_sgl_pos {
	u32			sge;
	u32			off;
};

/* Events for the engine, set from timers and state changes. */
enum {
	SRX_QPF_TIMEOUT,	/* retransmission timer fired */
	SRX_QPF_RNR_DONE,	/* RNR wait is over */
	SRX_QPF_LAST_WQE,	/* raise QP_LAST_WQE_REACHED after the flush */
	SRX_QPF_SQD_NOTIFY,	/* raise SQ_DRAINED once drained */
	SRX_QPF_RUNNING,	/* a context runs the engine */
	SRX_QPF_PENDING,	/* another engine pass is wanted */
	SRX_QPF_NAK_DUE,	/* a held gap did not fill: NAK it */
};

/*
 * Requester and completer: driven only by the QP's engine (the SQ's
 * consumer index is the oldest incomplete WQE).
 */
struct srx_req {
	u32			psn;		/* next PSN to send */
	u32			head;		/* next SQ index to send */
	u32			off;		/* bytes of head already sent */
	struct srx_sgl_pos	pos;		/* ... and where they came from */
	u32			acked_psn;	/* everything before is acked */
	u32			fetched;	/* SQ slots before it are copied */
	u32			max_psn;	/* beyond the highest PSN sent */
	struct srx_sgl_pos	rpos;		/* read response placement */
	u32			rd_inflight;
	u32			since_ack_req;	/* packets since AckReq */
	u8			retry_left;
	u8			rnr_left;
	bool			rnr_wait;	/* paused until rnr_timer */
	bool			retry;		/* go back to tail */
	bool			gap_wait;	/* went back for a gap: no more */
	struct timer_list	retrans_timer;
	struct timer_list	rnr_timer;
};

/*
 * A responder resource: a read or atomic that may be asked for again. A
 * repeated request is served only from what was recorded here.
 */
struct srx_rdres {
	u32			psn;
	u32			last_psn;	/* of a read's last response */
	u8			opcode;		/* 0: unused */
	u64			orig;		/* atomic result */
	u64			va;		/* read: the RETH as served */
	u32			len;
	u32			rkey;
};

/* A read being answered, a budget of packets per engine pass. */
struct srx_read_state {
	u64			va;
	u32			rkey;
	u32			resid;
	u32			psn;		/* of the next response */
	bool			first;
	bool			active;
};

/* Responder: driven only by the QP's engine. */
/*
 * A message that arrived ahead of a PSN gap, placed in an SRQ WQE and
 * held until the gap fills (srx_ooo.c). State changes under the SRQ
 * lock: any QP of the SRQ may release held slots at the watermark.
 */
enum srx_ooo_state {
	SRX_OOO_FREE,
	SRX_OOO_FILLING,	/* the engine is placing it; not releasable */
	SRX_OOO_HELD,
};

/* How far ahead a held message may be, and how long its NAK waits. */
#define SRX_OOO_WINDOW		128
#define SRX_OOO_NAK_DELAY	2	/* jiffies */

struct srx_ooo_slot {
	enum srx_ooo_state	state;
	u32			psn;
	u32			placed;
	__be32			imm;
	bool			has_imm;
	bool			se;
	bool			ack_req;
	struct rxe_recv_wqe	*wqe;		/* kernel copy of the SRQ WQE */
	u64			key;		/* its buffer, as drawn */
};

struct srx_resp {
	u32			psn;		/* expected PSN */
	u32			msn;
	bool			in_send;	/* inside a multi-packet SEND */
	bool			in_write;	/* inside a multi-packet WRITE */
	bool			nak_sent;	/* seq NAK sent for @psn */
	bool			drop_msg;	/* UC: rest of message dropped */
	bool			has_wqe;
	/* credit=buffer: the key the last SRQ draw was charged with */
	u64			gov_key;
	struct rxe_recv_wqe	*wqe;		/* kernel copy, max_sge SGEs */
	struct srx_sgl_pos	pos;
	u32			wqe_len;	/* bytes the WQE can take */
	u32			placed;		/* bytes placed so far */
	u64			va;		/* WRITE in progress */
	u32			rkey;
	u32			resid;
	u32			wlen;		/* its RETH length */
	struct srx_read_state	rd;
	bool			ack_pending;	/* coalesced ACK owed */
	struct srx_rdres	*res;		/* max_dest_rd_atomic entries */
	u32			nres;
	u32			res_next;
	struct srx_ooo_slot	*ooo;		/* RC on an SRQ: held messages */
	u32			nooo;
	u32			nheld;		/* slots not free; SRQ lock */
	u32			ooo_limit;	/* slots it may fill; SRQ lock */
	bool			ooo_gap;	/* a NAK for @psn is deferred */
	struct timer_list	nak_timer;
};

struct srx_qp {
	struct ib_qp		ibqp;
	refcount_t		ref;		/* packets in flight to us */
	struct completion	released;
	struct work_struct	work;		/* the engine */
	struct sk_buff_head	rxq;		/* received, for the engine */
	unsigned long		flags;		/* SRX_QPF_* */
	bool			dying;
	void			*sq_copy;	/* user QPs: private WQE copies */
	struct srx_sqe		*sqe;		/* per SQ slot */
	struct srx_req		req;
	struct srx_resp		resp;
	struct dst_cache	dst_cache;	/* RC/UC: route to the peer */
	struct srx_quota_qp	quota;		/* with an SRQ: governance */
	u32			mtu;		/* path MTU in bytes */
	u16			src_port;	/* UDP source port entropy */
	struct mutex		mlock;		/* modify/query/destroy */
	spinlock_t		sq_lock;	/* SQ ring; state writes */
	spinlock_t		rq_lock;	/* RQ ring; state writes */
	struct srx_queue	sq;
	struct srx_queue	rq;		/* unused with an SRQ */
	enum ib_qp_state	state;
	struct ib_qp_cap	cap;
	enum ib_sig_type	sq_sig_type;
	struct ib_qp_attr	attr;		/* as last set */
	struct srx_av		av;
	bool			av_local;	/* av's destination is this host */
	bool			is_user;
	struct list_head	mc_list;	/* UD: groups; sdev->mc_lock */
};

enum srx_mr_kind {
	SRX_MR_DMA,
	SRX_MR_USER,
	SRX_MR_FAST,
};

/* What the key table holds: an MR or an MW, pinned while in use. */
enum srx_key_type {
	SRX_KEY_MR,
	SRX_KEY_MW,
};

struct srx_keyed {
	enum srx_key_type	type;
	refcount_t		ref;
	struct completion	released;
};

struct srx_mr {
	struct ib_mr		ibmr;
	struct srx_keyed	kh;
	enum srx_mr_kind	kind;
	int			access;
	bool			valid;		/* FRWR: registered */
	bool			dead;		/* being deregistered */
	u32			num_mw;		/* MWs bound; under mw_lock */
	struct ib_umem		*umem;		/* SRX_MR_USER */
	struct page		**upages;	/* SRX_MR_USER, per PAGE_SIZE */
	u32			nupages;
	u64			*pages;		/* SRX_MR_FAST page list */
	u32			max_pages;
	u32			npages;
	struct rcu_head		rcu;		/* key lookups are RCU */
};

/*
 * An MW's entry in the key table. ib_core frees the MW itself as soon as
 * dealloc returns, so lockless lookups get a handle that outlives it by
 * a grace period (kfree_rcu) instead of a synchronize_rcu() per MW.
 */
struct srx_mw_key {
	struct srx_keyed	kh;
	struct srx_mw		*mw;		/* valid while kh.ref is held */
	struct rcu_head		rcu;
};

struct srx_mw {
	struct ib_mw		ibmw;
	struct srx_mw_key	*key;
	struct srx_mr		*mr;		/* bound to; under mw_lock */
	u64			addr;
	u64			length;
	int			access;
	u32			qpn;		/* type 2: the QP it is bound to */
};

struct srx_ah {
	struct ib_ah		ibah;
	struct srx_av		av;
	u32			ah_num;
};

static inline struct srx_dev *to_sdev(struct ib_device *ibdev)
{
	return container_of(ibdev, struct srx_dev, ibdev);
}

static inline struct srx_cq *to_scq(struct ib_cq *ib)
{
	return container_of(ib, struct srx_cq, ibcq);
}

static inline struct srx_srq *to_ssrq(struct ib_srq *ib)
{
	return container_of(ib, struct srx_srq, ibsrq);
}

static inline struct srx_qp *to_sqp(struct ib_qp *ib)
{
	return container_of(ib, struct srx_qp, ibqp);
}

static inline struct srx_mr *to_smr(struct ib_mr *ib)
{
	return container_of(ib, struct srx_mr, ibmr);
}

static inline struct srx_mw *to_smw(struct ib_mw *ib)
{
	return container_of(ib, struct srx_mw, ibmw);
}

static inline struct srx_ah *to_sah(struct ib_ah *ib)
{
	return container_of(ib, struct srx_ah, ibah);
}

/* srx_pool.c */
void srx_table_init(struct srx_table *t, u32 min, u32 max, u32 limit);
void srx_table_destroy(struct srx_table *t);
int srx_table_add(struct srx_table *t, u32 *id, gfp_t gfp);
int srx_table_add_at(struct srx_table *t, u32 id);
void srx_table_publish(struct srx_table *t, u32 id, void *obj);
void srx_table_del(struct srx_table *t, u32 id);
void srx_dev_tables_init(struct srx_dev *sdev);
void srx_dev_tables_destroy(struct srx_dev *sdev);

/* srx_verbs.c */
extern const struct ib_device_ops srx_dev_ops;
enum ib_port_state srx_port_state(struct srx_dev *sdev);
void srx_port_event(struct srx_dev *sdev);

/* srx_queue.c */
int srx_queue_init(struct srx_queue *q, u32 *num_elem, u32 elem_size,
		   enum srx_queue_kind kind);
int srx_queue_map(struct srx_queue *q, struct ib_udata *udata,
		  struct mminfo *mi);
void srx_queue_free(struct srx_queue *q);
void srx_queue_reset(struct srx_queue *q);
typedef void (*srx_queue_moved_fn)(void *ctx, u32 old_cons, u32 old_prod,
				   u32 old_mask);
int srx_queue_resize(struct srx_queue *q, spinlock_t *lock, u32 *num_elem,
		     struct ib_udata *udata, struct mminfo *mi,
		     srx_queue_moved_fn moved, void *ctx);
struct srx_mmap_entry *srx_mmap_entry_insert(struct ib_ucontext *uctx,
					     void *buf, size_t size,
					     u64 *offset);
int srx_mmap(struct ib_ucontext *uctx, struct vm_area_struct *vma);
void srx_mmap_free(struct rdma_user_mmap_entry *entry);

/* srx_cq.c */
int srx_create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		  struct uverbs_attr_bundle *attrs);
int srx_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata);
int srx_resize_cq(struct ib_cq *ibcq, int cqe, struct ib_udata *udata);
int srx_poll_cq(struct ib_cq *ibcq, int num, struct ib_wc *wc);
int srx_peek_cq(struct ib_cq *ibcq, int wc_cnt);
int srx_req_notify_cq(struct ib_cq *ibcq, enum ib_cq_notify_flags flags);
int srx_cq_post(struct srx_cq *cq, const struct ib_wc *wc, bool solicited,
		struct srx_qp *owner);
void srx_cq_consumed(struct srx_cq *cq);

/*
 * srx_gov.c: governance hooks, the data path's only way into the
 * accounting (srx_quota.c); each is a no-op with governance off.
 */
void srx_gov_init(void);
void srx_gov_defaults_init(struct srx_gov_defaults *d);
int srx_gov_srq_init(struct srx_srq *srq);
void srx_gov_srq_fini(struct srx_srq *srq);
void srx_gov_qp_attach(struct srx_qp *qp);
void srx_gov_qp_detach(struct srx_qp *qp);
/* srx_gov_draw(): the WQE is no ring slot's (an out-of-order spare). */
#define SRX_GOV_NO_SLOT		U32_MAX
enum srx_quota_verdict srx_gov_draw(struct srx_qp *qp, struct srx_srq *srq,
				    const struct rxe_recv_wqe *wqe, u32 slot);
bool srx_gov_room(struct srx_qp *qp, struct srx_srq *srq, u32 n);
bool srx_gov_reap_first(struct srx_qp *qp, struct srx_srq *srq);
u8 srx_gov_rnr_timer(struct srx_qp *qp);
void srx_gov_watermark(struct srx_srq *srq);
void srx_gov_admin_check(struct srx_srq *srq);
void srx_gov_notify_init(struct srx_dev *sdev);
void srx_gov_notify_fini(struct srx_dev *sdev);
void srx_gov_notify_flush(struct srx_dev *sdev);
void srx_gov_posts(struct srx_srq *srq);
void srx_gov_slots_void(struct srx_srq *srq);
void srx_gov_sync(struct srx_srq *srq);
void srx_gov_srq_moved(struct srx_srq *srq, struct srx_gov_store *gs,
		       u32 old_cons, u32 old_prod, u32 old_mask);
int srx_gov_srq_store(struct srx_gov_store *gs, u32 max_wr);
void srx_gov_srq_store_free(struct srx_gov_store *gs);
void srx_gov_ooo_held(struct srx_qp *qp, struct srx_srq *srq);
void srx_gov_ooo_released(struct srx_qp *qp, struct srx_srq *srq, u64 key);
void srx_gov_flush(struct srx_qp *qp, u32 n);
int srx_gov_cq_table(struct srx_qp ***table, u32 slots);
void srx_gov_cq_reap(struct srx_cq *cq, u32 cons);
void srx_gov_cq_posted(struct srx_cq *cq, struct srx_qp *owner);
void srx_gov_cq_moved(struct srx_cq *cq, struct srx_qp ***table,
		      u32 old_cons, u32 old_prod, u32 old_mask);

/* The QPs attached to @srq's accounting (srq locked). */
#define srx_gov_for_each_qp(qp, srq) \
	list_for_each_entry(qp, &(srq)->quota.qps, quota.node)

/*
 * What the responder makes of a request; the transport answers each in
 * one place (srx_resp_rc(), srx_resp_uc(), srx_resp_ud()). The IBTA
 * response class is in the comment (9.9.2; UC and UD answer nothing).
 */
enum srx_resp_verdict {
	SRX_RV_DONE,		/* executed; ACKed in due course */
	SRX_RV_RNR,		/* no receive WQE: RNR NAK (class B) */
	SRX_RV_GOV_RNR,		/* over its SRQ limit, policy rnr: RNR NAK
				 * (class B) with governance's back-off
				 */
	SRX_RV_GOV_DROP,	/* over its SRQ limit, policy drop: silently
				 * dropped, the requester retries
				 */
	SRX_RV_GOV_DISCONNECT,	/* over its SRQ limit, policy disconnect:
				 * remote operational error, QP to ERR
				 */
	SRX_RV_INV_REQ,		/* invalid request NAK (class C), QP to ERR */
	SRX_RV_REM_ACCESS,	/* remote access error NAK (class C) */
	SRX_RV_REM_OP,		/* remote operational error NAK (class C) */
};

/* What a receive WQE is taken for (srx_rqe_get()). */
enum srx_rqe_use {
	SRX_RQE_IN_ORDER,	/* the next message in PSN order */
	SRX_RQE_HOLD,		/* a message ahead of a PSN gap (srx_ooo.c) */
};

/* srx_srq.c */
void srx_srq_put(struct srx_srq *srq);
int srx_create_srq(struct ib_srq *ibsrq, struct ib_srq_init_attr *init,
		   struct ib_udata *udata);
int srx_modify_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr,
		   enum ib_srq_attr_mask mask, struct ib_udata *udata);
int srx_query_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr);
int srx_destroy_srq(struct ib_srq *ibsrq, struct ib_udata *udata);
int srx_post_srq_recv(struct ib_srq *ibsrq, const struct ib_recv_wr *wr,
		      const struct ib_recv_wr **bad_wr);
void srx_srq_event(struct srx_srq *srq, enum ib_event_type type);
enum srx_resp_verdict srx_rqe_get(struct srx_qp *qp, struct rxe_recv_wqe *wqe,
				  enum srx_rqe_use use);
u32 srx_rqe_len(struct srx_qp *qp, struct rxe_recv_wqe *wqe);
bool srx_rqe_hold(struct srx_qp *qp, const struct srx_pkt *pkt);

/* srx_ooo.c */
int srx_ooo_srq_init(struct srx_srq *srq);
void srx_ooo_srq_free(struct srx_srq *srq);
int srx_ooo_qp_init(struct srx_qp *qp);
void srx_ooo_qp_free(struct srx_qp *qp);
u32 srx_ooo_srq_cap(const struct srx_srq *srq);
u32 srx_ooo_low(const struct srx_srq *srq);
int srx_ooo_srq_set(struct srx_srq *srq, u32 cap, u32 low);
int srx_ooo_qp_set(struct srx_qp *qp, u32 limit);
bool srx_ooo_qp_limit_ok(const struct srx_qp *qp, u32 limit);
bool srx_ooo_srq_cap_ok(u32 cap);
int srx_ooo_spare_prep(struct srx_srq *srq, u32 max_wr, void **spare,
		       u32 *cap);
void srx_ooo_spare_swap(struct srx_srq *srq, void **spare, u32 *cap);
const void *srx_ooo_next_spare(struct srx_srq *srq);
void srx_ooo_pop_spare(struct srx_srq *srq);
void srx_ooo_release_srq(struct srx_srq *srq);
void srx_ooo_check_low(struct srx_srq *srq);
struct srx_ooo_slot *srx_ooo_reserve(struct srx_qp *qp,
				     const struct srx_pkt *pkt, bool *dup);
void srx_ooo_cancel(struct srx_qp *qp, struct srx_ooo_slot *slot);
bool srx_ooo_place(struct srx_qp *qp, struct srx_ooo_slot *slot,
		   const struct srx_pkt *pkt, u32 len);
void srx_ooo_drain(struct srx_qp *qp);
void srx_ooo_release_slot(struct srx_qp *qp, struct srx_ooo_slot *slot);
void srx_ooo_release_qp_locked(struct srx_qp *qp);
void srx_ooo_release_qp(struct srx_qp *qp);
void srx_ooo_release_stale(struct srx_qp *qp);
bool srx_ooo_may_hold(struct srx_qp *qp, struct srx_srq *srq);
void srx_resp_nak_due(struct srx_qp *qp);
int srx_recv_wqe_fill(struct rxe_recv_wqe *wqe, const struct ib_recv_wr *wr,
		      u32 max_sge);

/* srx_qp.c */
int srx_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *init,
		  struct ib_udata *udata);
int srx_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		  struct ib_udata *udata);
int srx_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		 struct ib_qp_init_attr *init);
int srx_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata);
int srx_post_send(struct ib_qp *ibqp, const struct ib_send_wr *wr,
		  const struct ib_send_wr **bad_wr);
int srx_post_recv(struct ib_qp *ibqp, const struct ib_recv_wr *wr,
		  const struct ib_recv_wr **bad_wr);

/* srx_mr.c */
struct ib_mr *srx_get_dma_mr(struct ib_pd *ibpd, int access);
struct ib_mr *srx_reg_user_mr(struct ib_pd *ibpd, u64 start, u64 length,
			      u64 iova, int access, struct ib_udata *udata);
struct ib_mr *srx_alloc_mr(struct ib_pd *ibpd, enum ib_mr_type type,
			   u32 max_num_sg);
int srx_map_mr_sg(struct ib_mr *ibmr, struct scatterlist *sg, int sg_nents,
		  unsigned int *sg_offset);
struct ib_mr *srx_rereg_user_mr(struct ib_mr *ibmr, int flags, u64 start,
				u64 length, u64 iova, int access,
				struct ib_pd *ibpd, struct ib_udata *udata);
int srx_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata);
int srx_alloc_mw(struct ib_mw *ibmw, struct ib_udata *udata);
int srx_dealloc_mw(struct ib_mw *ibmw);

/* srx_ah.c */
int srx_av_from_attr(struct srx_dev *sdev, struct srx_av *av,
		     const struct rdma_ah_attr *attr);
int srx_create_ah(struct ib_ah *ibah, struct rdma_ah_init_attr *init,
		  struct ib_udata *udata);
int srx_query_ah(struct ib_ah *ibah, struct rdma_ah_attr *attr);
int srx_destroy_ah(struct ib_ah *ibah, u32 flags);

/* srx_mem.c */

/* Which way srx_mr_copy() and srx_sgl_copy() move the bytes. */
enum srx_copy_dir {
	SRX_COPY_TO_MEM,	/* buffer -> registered memory */
	SRX_COPY_FROM_MEM,	/* registered memory -> buffer */
};

struct srx_mr *srx_mr_get(struct srx_dev *sdev, struct ib_pd *pd, u32 lkey,
			  u64 iova, u32 len, int access, bool kernel);
void srx_mr_put(struct srx_mr *mr);
struct srx_mr *srx_rkey_get(struct srx_qp *qp, u32 rkey, u64 *iova, u32 len,
			    int access);
struct srx_mr *srx_rkey_get_whole(struct srx_qp *qp, u32 rkey, int access);
int srx_mr_copy(struct srx_mr *mr, u64 iova, void *buf, u32 len,
		enum srx_copy_dir dir);
/* The 64-bit atomics of RoCE: the two classic ones and ATOMIC WRITE. */
enum srx_atomic_op {
	SRX_ATOMIC_FETCH_ADD,
	SRX_ATOMIC_CMP_SWAP,
	SRX_ATOMIC_WRITE,
};

int srx_mr_atomic(struct srx_mr *mr, u64 iova, enum srx_atomic_op op,
		  u64 cmp_add, u64 swap, u64 *orig);
void srx_keyed_init(struct srx_keyed *kh, enum srx_key_type type);
void srx_keyed_put(struct srx_keyed *kh);
void srx_keyed_drain(struct srx_keyed *kh);
int srx_sgl_copy(struct srx_qp *qp, const struct rxe_sge *sge, u32 num_sge,
		 struct srx_sgl_pos *pos, void *buf, u32 len,
		 enum srx_copy_dir dir);
int srx_sgl_len(const struct rxe_sge *sge, u32 num_sge, u32 *len);
int srx_local_inv(struct srx_qp *qp, u32 rkey);
int srx_fast_reg(struct srx_qp *qp, struct srx_mr *mr, u32 key, int access);
int srx_bind_mw(struct srx_qp *qp, const struct rxe_send_wr *wr);
int srx_remote_inv(struct srx_qp *qp, u32 rkey);
void srx_mw_release(struct srx_dev *sdev, struct srx_mw *mw);
int srx_mr_retire(struct srx_dev *sdev, struct srx_mr *mr);
extern spinlock_t srx_atomic_lock;

/* Where a packet comes from: the wire, or srx_loopback(). */
enum srx_rcv_from {
	SRX_RCV_WIRE,		/* ICRC checked; the engine runs now */
	SRX_RCV_LOOP_INLINE,	/* no ICRC; the engine runs now */
	SRX_RCV_LOOP_DEFER,	/* no ICRC; the engine runs from a worker */
};

typedef void (*srx_rcv_fn)(struct srx_dev *sdev, struct sk_buff *skb,
			   enum srx_rcv_from from);

/* srx_recv.c */
void srx_rcv(struct srx_dev *sdev, struct sk_buff *skb, enum srx_rcv_from from);

/* srx_mcast.c */
void srx_mcast_init(struct srx_dev *sdev);
void srx_mcast_fini(struct srx_dev *sdev);
int srx_attach_mcast(struct ib_qp *ibqp, union ib_gid *mgid, u16 mlid);
int srx_detach_mcast(struct ib_qp *ibqp, union ib_gid *mgid, u16 mlid);
void srx_mcast_qp_leave(struct srx_qp *qp);
void srx_mcast_rcv(struct srx_dev *sdev, struct sk_buff *skb,
		   const struct srx_pkt *pkt);

/* srx_net.c */
struct srx_sock *srx_sock_get(struct net *net);
void srx_sock_put(struct srx_sock *ss);
int srx_net_init(srx_rcv_fn rcv);
void srx_net_exit(void);
u64 srx_net_rx_dropped(void);
struct sk_buff *srx_skb_alloc(struct srx_dev *sdev, const struct srx_av *av,
			      u32 len, gfp_t gfp, bool frag);
int srx_xmit(struct srx_dev *sdev, const struct srx_av *av, u16 src_port,
	     struct sk_buff *skb, struct dst_cache *dc);
void srx_net_dev_add(struct srx_dev *sdev);
void srx_net_devs_take(struct list_head *victims, bool all);
struct srx_dev *srx_get_by_netdev(struct net_device *ndev);

/* srx_engine.c: run now, or schedule; the rest for srx_qp.c */
extern struct workqueue_struct *srx_wq;
void srx_engine_run(struct srx_qp *qp);
void srx_engine_schedule(struct srx_qp *qp);
void srx_engine_rcv(struct srx_qp *qp, struct sk_buff *skb, bool now);
void srx_engine_init(struct srx_qp *qp);
void srx_engine_hold(struct srx_qp *qp);
void srx_engine_resume(struct srx_qp *qp);
void srx_engine_wait_idle(struct srx_qp *qp);
void srx_engine_drop_rxq(struct srx_qp *qp);

/* srx_qp.c */
struct srx_qp *srx_qp_get(struct srx_dev *sdev, u32 qpn);
void srx_qp_put(struct srx_qp *qp);
void srx_qp_error(struct srx_qp *qp);
void srx_qp_event(struct srx_qp *qp, enum ib_event_type type);
void srx_qp_flush_all(struct srx_qp *qp);

/* srx_req.c, srx_comp.c, srx_resp.c */
struct rxe_send_wqe *srx_sq_wqe(struct srx_qp *qp, u32 idx);
struct srx_sqe *srx_sqe(struct srx_qp *qp, u32 idx);
u32 srx_sq_next(struct srx_qp *qp, u32 idx);
bool srx_op_is_local(u32 op);
bool srx_op_allowed(enum ib_qp_type type, u32 op, bool user);
struct sk_buff *srx_pkt_new(struct srx_qp *qp, const struct srx_av *av,
			    const struct srx_pkt_fields *f, void **payload);
void srx_req_init(struct srx_qp *qp);
void srx_qp_path_init(struct srx_qp *qp);
int srx_av_locality(struct srx_dev *sdev, const struct srx_av *av,
		    bool *local);
void srx_req_rewind(struct srx_qp *qp);
void srx_req_arm(struct srx_qp *qp, bool restart);
void srx_req_run(struct srx_qp *qp);
void srx_retrans_timer(struct timer_list *t);
void srx_rnr_timer(struct timer_list *t);
void srx_comp_rcv(struct srx_qp *qp, struct sk_buff *skb,
		  const struct srx_pkt *pkt);
void srx_comp_run(struct srx_qp *qp);
void srx_comp_timeout(struct srx_qp *qp);
int srx_resp_init(struct srx_qp *qp);
void srx_resp_free(struct srx_qp *qp);
void srx_resp_reset(struct srx_qp *qp);
void srx_resp_flush(struct srx_qp *qp);
void srx_resp_drop_wqe(struct srx_qp *qp);
bool srx_resp_busy(struct srx_qp *qp);
void srx_resp_rcv(struct srx_qp *qp, struct sk_buff *skb,
		  const struct srx_pkt *pkt);
void srx_resp_flush_ack(struct srx_qp *qp);
int srx_send_ack(struct srx_qp *qp, u8 opcode, u8 syn, u32 psn, u64 orig);

/* srx_stats.c, srx_govctl.c */
extern const struct ib_device_ops srx_stats_ops;
extern const struct ib_device_ops srx_gov_ops;
void *srx_gov_next(struct xarray *xa, unsigned long *index, size_t ref);
const char *srx_limit_str(char tmp[12], u32 limit);
void srx_gov_defaults_apply(struct srx_gov_defaults *d);
#define SRX_GOV_NPOLICIES	3
#define SRX_GOV_NCREDITS	4
#define SRX_GOV_NMODES		2
extern const char * const srx_policy_names[SRX_GOV_NPOLICIES];
extern const char * const srx_credit_names[SRX_GOV_NCREDITS];
extern const char * const srx_mode_names[SRX_GOV_NMODES];

struct srx_gov_qp_stats;
struct srx_gov_srq_stats;
void srx_gov_fill_qp(struct srx_gov_qp_stats *st, const struct srx_quota *sq,
		     const struct srx_quota_qp *q);
void srx_gov_fill_srq(struct srx_gov_srq_stats *st, const struct srx_srq *srq);

void srx_gov_peer(const struct srx_qp *qp, char *buf, size_t len);
void srx_gov_reap(struct srx_dev *sdev, struct srx_srq *srq);

/* srx_govstat.c */
void srx_govstat_add(struct srx_dev *sdev, const char *name);
void srx_govstat_del(struct srx_dev *sdev);
void srx_govstat_init(void);
void srx_govstat_exit(void);

/* srx_govnl.c */
extern const struct ib_device_ops srx_govnl_ops;
extern const struct uapi_definition srx_uapi_defs[];

#endif /* SRX_H */
