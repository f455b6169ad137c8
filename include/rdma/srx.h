/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * In-kernel API of the srx soft-RoCE provider for ULPs.
 *
 * srx devices carry driver_id RDMA_DRIVER_RXE (they speak rdma_rxe's user
 * ABI), so a ULP that wants srx-specific services must ask whether a
 * device is really srx first; the governance calls below return
 * -EOPNOTSUPP for any other device.
 *
 * SRQ governance: every QP attached to an SRQ may hold at most "limit"
 * of the SRQ's WQEs at once (SRX_GOV_UNLIMITED: no limit, 0: none); a
 * message that would exceed it is handled by the QP's policy. QPs may
 * also share a group (numbered per SRQ, from 1) whose limit caps what
 * its members hold together. See
 * Documentation/srx.rst.
 *
 * Copyright (c) 2026 The srx authors.
 */

#ifndef _RDMA_SRX_H
#define _RDMA_SRX_H

#include <linux/types.h>
#include <uapi/rdma/srx-abi.h>

struct ib_device;
struct ib_qp;
struct ib_srq;

/* Groups one SRQ may have (each is walked with the SRQ lock held). */
#define SRX_GOV_MAX_GROUPS	64

struct srx_gov_qp_stats {
	u32	qpn;
	u32	limit;
	u32	held;
	u32	policy;		/* enum srx_gov_policy */
	u32	group;		/* 0: none */
	u64	draws;
	u64	credits;
	u64	rnr;
	u64	drops;
	u64	disconnects;
	u32	recent_draws;	/* this second and the last */
	u32	recent_refused;
	u32	ooo_limit;	/* messages it may hold ahead of a gap */
	u32	ooo_holding;	/* ... and holds now */
	u64	ooo_held;	/* held in all */
	u64	ooo_released;	/* ... and given back at the watermark */
};

struct srx_gov_srq_stats {
	u32	size;
	u32	nqps;
	u32	mode;		/* enum srx_gov_mode */
	u32	credit;		/* enum srx_gov_credit */
	u32	overcommit;	/* percent, share mode */
	u32	floor;
	u32	ceiling;
	u32	ngroups;
	u64	draws;
	u64	credits;
	u64	rnr;
	u64	drops;
	u64	disconnects;
	u64	watermarks;
	u32	ooo_cap;	/* WQEs its QPs may hold ahead of gaps */
	u32	ooo_low;	/* free WQEs at which holds are released */
	u32	ooo_holding;	/* WQEs held ahead of gaps now */
	u64	ooo_held;
	u64	ooo_released;
};

/**
 * srx_is_srx_device - is @ibdev an srx device?
 * @ibdev: any registered ib_device
 */
bool srx_is_srx_device(const struct ib_device *ibdev);

int srx_gov_qp_set_limit(struct ib_qp *qp, u32 limit);
int srx_gov_qp_set_policy(struct ib_qp *qp, enum srx_gov_policy policy);
int srx_gov_qp_stats(struct ib_qp *qp, struct srx_gov_qp_stats *st);
int srx_gov_srq_set_mode(struct ib_srq *srq, enum srx_gov_mode mode,
			 u32 overcommit, u32 floor, u32 ceiling);
int srx_gov_srq_set_credit(struct ib_srq *srq, enum srx_gov_credit credit);
int srx_gov_srq_stats(struct ib_srq *srq, struct srx_gov_srq_stats *st);
int srx_gov_srq_set_group(struct ib_srq *srq, u32 group, u32 limit);
int srx_gov_srq_remove_group(struct ib_srq *srq, u32 group);
int srx_gov_qp_set_group(struct ib_qp *qp, u32 group);
int srx_gov_srq_offenders(struct ib_srq *srq, bool at_watermark,
			  struct srx_gov_qp_stats *out, u32 max);
int srx_gov_srq_set_ooo(struct ib_srq *srq, u32 cap, u32 low);
int srx_gov_qp_set_ooo(struct ib_qp *qp, u32 limit);

#endif /* _RDMA_SRX_H */
