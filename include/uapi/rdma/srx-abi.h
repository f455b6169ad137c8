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

#define SRX_GOV_UNLIMITED_U32	0xffffffffU

enum srx_gov_uapi_policy {
	SRX_UAPI_POLICY_RNR,
	SRX_UAPI_POLICY_DROP,
	SRX_UAPI_POLICY_DISCONNECT,
};

enum srx_gov_uapi_credit {
	SRX_UAPI_CREDIT_POLL,
	SRX_UAPI_CREDIT_POST,
	SRX_UAPI_CREDIT_REPOST,
	SRX_UAPI_CREDIT_BUFFER,
};

enum srx_gov_uapi_mode {
	SRX_UAPI_MODE_STATIC,
	SRX_UAPI_MODE_SHARE,
};

/* One governed QP; also an entry of the offender ranking. */
struct srx_gov_qp_info {
	__u32 qpn;
	__u32 limit;		/* in force; SRX_GOV_UNLIMITED_U32: none */
	__u32 held;
	__u32 policy;		/* enum srx_gov_uapi_policy */
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
	__u32 mode;		/* enum srx_gov_uapi_mode */
	__u32 credit;		/* enum srx_gov_uapi_credit */
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

enum srx_gov_qp_methods {
	/* Any of limit, policy, group; at least one. */
	SRX_METHOD_QP_GOV_SET = (1U << UVERBS_ID_NS_SHIFT),
	SRX_METHOD_QP_GOV_QUERY,
};

enum srx_gov_qp_attrs {
	SRX_ATTR_QP_GOV_HANDLE = (1U << UVERBS_ID_NS_SHIFT),
	SRX_ATTR_QP_GOV_LIMIT,		/* __u32 */
	SRX_ATTR_QP_GOV_POLICY,		/* __u32 */
	SRX_ATTR_QP_GOV_GROUP,		/* __u32, 0 leaves the group */
	SRX_ATTR_QP_GOV_INFO,		/* out: struct srx_gov_qp_info */
};

enum srx_gov_srq_methods {
	/* Any of mode (with overcommit, floor, ceiling) and credit. */
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
};

/* The ranking kept at the last SRQ_LIMIT_REACHED, not the current one. */
#define SRX_GOV_OFFENDERS_AT_WATERMARK	(1U << 0)

#endif /* SRX_ABI_USER_H */
