/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR Linux-OpenIB) */
/*
 * srx driver-specific user ABI.
 *
 * The verbs themselves use rdma_rxe's ABI (rdma_user_rxe.h) unchanged, so
 * stock librxe drives srx. This header numbers srx's own uverbs methods,
 * reached with RDMA_VERBS_IOCTL on the context's command fd: SRQ
 * governance for the SRQs and QPs the caller created (the handles are
 * ibv_srq->handle and ibv_qp->handle). All ids are in the driver
 * namespace; the ioctl header's driver_id must be RDMA_DRIVER_RXE.
 *
 * Copyright (c) 2026 The srx authors.
 */

#ifndef SRX_ABI_USER_H
#define SRX_ABI_USER_H

#include <linux/types.h>
#include <rdma/ib_user_ioctl_cmds.h>

/* Bumped on any incompatible change to the methods below. */
#define SRX_ABI_VERSION 1

/*
 * The governance enums, one copy for user space, the kernel API
 * (include/rdma/srx.h) and srx itself.
 */
#define SRX_GOV_UNLIMITED	0xffffffffU	/* a limit: none */
/* OOO limit, cap or watermark: as the SRQ's size gives it. */
#define SRX_GOV_OOO_DEFAULT	0xffffffffU

/* What an over-limit message gets. */
enum srx_gov_policy {
	SRX_GOV_RNR,		/* RNR NAK: the sender retries later (RC) */
	SRX_GOV_DROP,		/* drop and count (UC, UD) */
	SRX_GOV_DISCONNECT,	/* QP to error with a fatal async event */
};

/* When a drawn WQE is credited back to its QP. */
enum srx_gov_credit {
	SRX_GOV_CREDIT_POLL,	/* when the completion is consumed */
	SRX_GOV_CREDIT_POST,	/* when the completion is posted */
	SRX_GOV_CREDIT_REPOST,	/* each WQE posted credits the oldest draw */
	SRX_GOV_CREDIT_BUFFER,	/* a WQE posted back credits who drew it */
};

/* How per-QP limits are provisioned. */
enum srx_gov_mode {
	SRX_GOV_STATIC,		/* limits as set per QP */
	SRX_GOV_SHARE,		/* size * overcommit% / QPs, floor..ceiling */
};

/* One governed QP; also an entry of the offender ranking. */
struct srx_gov_qp_info {
	__u32 qpn;
	__u32 limit;		/* in force; SRX_GOV_UNLIMITED: none */
	__u32 held;
	__u32 policy;		/* enum srx_gov_policy */
	__u32 group;		/* 0: none */
	__u32 reserved;
	__aligned_u64 draws;
	__aligned_u64 credits;
	__aligned_u64 rnr;	/* offenders: refused (RNR-NAKed or dropped) */
	__aligned_u64 drops;
	__aligned_u64 disconnects;
};

struct srx_gov_srq_info {
	__u32 size;
	__u32 nqps;
	__u32 mode;		/* enum srx_gov_mode */
	__u32 credit;		/* enum srx_gov_credit */
	__u32 overcommit;	/* percent, share mode */
	__u32 floor;
	__u32 ceiling;
	__u32 ngroups;
	__aligned_u64 draws;
	__aligned_u64 credits;
	__aligned_u64 rnr;
	__aligned_u64 drops;
	__aligned_u64 disconnects;
	__aligned_u64 watermarks;
};

/* Out-of-order holding of a QP or an SRQ (srx_gov_*_OOO_INFO). */
struct srx_gov_ooo_info {
	__u32 limit;		/* QP: messages it may hold; SRQ: its cap */
	__u32 low;		/* SRQ: release watermark, free WQEs */
	__u32 holding;		/* held ahead of a gap now */
	__u32 reserved;
	__aligned_u64 held;	/* held in all */
	__aligned_u64 released;	/* ... and given back at the watermark */
};

enum srx_gov_qp_methods {
	/* Any of limit, policy, group, OOO limit; at least one. */
	SRX_METHOD_QP_GOV_SET = (1U << UVERBS_ID_NS_SHIFT),
	SRX_METHOD_QP_GOV_QUERY,
};

enum srx_gov_qp_attrs {
	SRX_ATTR_QP_GOV_HANDLE = (1U << UVERBS_ID_NS_SHIFT),
	SRX_ATTR_QP_GOV_LIMIT,		/* __u32 */
	SRX_ATTR_QP_GOV_POLICY,		/* __u32 */
	SRX_ATTR_QP_GOV_GROUP,		/* __u32, 0 leaves the group */
	SRX_ATTR_QP_GOV_INFO,		/* out: struct srx_gov_qp_info */
	SRX_ATTR_QP_GOV_OOO_LIMIT,	/* __u32 */
	SRX_ATTR_QP_GOV_OOO_INFO,	/* out (optional): srx_gov_ooo_info */
};

enum srx_gov_srq_methods {
	/* Any of mode (with overcommit, floor, ceiling), credit, OOO cap
	 * and low (both); at least one.
	 */
	SRX_METHOD_SRQ_GOV_SET = (1U << UVERBS_ID_NS_SHIFT),
	SRX_METHOD_SRQ_GOV_QUERY,
	SRX_METHOD_SRQ_GOV_OFFENDERS,
	/* Create or change group GROUP_ID with GROUP_LIMIT, or remove it. */
	SRX_METHOD_SRQ_GOV_GROUP,
};

enum srx_gov_srq_attrs {
	SRX_ATTR_SRQ_GOV_HANDLE = (1U << UVERBS_ID_NS_SHIFT),
	SRX_ATTR_SRQ_GOV_MODE,		/* __u32 */
	SRX_ATTR_SRQ_GOV_OVERCOMMIT,	/* __u32, percent */
	SRX_ATTR_SRQ_GOV_FLOOR,		/* __u32 */
	SRX_ATTR_SRQ_GOV_CEILING,	/* __u32 */
	SRX_ATTR_SRQ_GOV_CREDIT,	/* __u32 */
	SRX_ATTR_SRQ_GOV_INFO,		/* out: struct srx_gov_srq_info */
	SRX_ATTR_SRQ_GOV_FLAGS,		/* __u32, SRX_GOV_OFFENDERS_* */
	SRX_ATTR_SRQ_GOV_OFFENDERS,	/* out: struct srx_gov_qp_info[] */
	SRX_ATTR_SRQ_GOV_COUNT,		/* out: __u32 entries written */
	SRX_ATTR_SRQ_GOV_GROUP_ID,	/* __u32, not 0 */
	SRX_ATTR_SRQ_GOV_GROUP_LIMIT,	/* __u32; absent: remove the group */
	SRX_ATTR_SRQ_GOV_OOO_CAP,	/* __u32, with OOO_LOW */
	SRX_ATTR_SRQ_GOV_OOO_LOW,	/* __u32 */
	SRX_ATTR_SRQ_GOV_OOO_INFO,	/* out (optional): srx_gov_ooo_info */
};

/* The ranking kept at the last SRQ_LIMIT_REACHED, not the current one. */
#define SRX_GOV_OFFENDERS_AT_WATERMARK	(1U << 0)

#endif /* SRX_ABI_USER_H */
