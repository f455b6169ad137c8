/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * libsrxctl: SRQ governance of srx devices from user space.
 *
 * Two halves:
 *  - srx_qp_* / srx_srq_*: a process governs the QPs and SRQs it
 *    created, through srx's uverbs methods on the context's command fd
 *    (include/uapi/rdma/srx-abi.h). No privilege needed.
 *  - srxctl_*: the operator's view of every SRQ and QP of a device, by
 *    the numbers `rdma res show` prints: read from the netlink dumps of
 *    `rdma res` (srx's driver attributes), changed through
 *    /sys/class/infiniband/<dev>/gov/ (writes need CAP_NET_ADMIN).
 *
 * Every call returns 0 (or a count) on success and a negative errno on
 * failure; errno is set as well.
 *
 * Copyright (c) 2026 The srx authors.
 */

#ifndef SRXCTL_H
#define SRXCTL_H

#include <stdint.h>
#include <stdio.h>
#include <infiniband/verbs.h>
#include <rdma/srx-abi.h>

#define SRXCTL_UNLIMITED	SRX_GOV_UNLIMITED

/* ---- self-governance: objects of this process ---- */

int srx_qp_set_limit(struct ibv_qp *qp, uint32_t limit);
int srx_qp_set_policy(struct ibv_qp *qp, uint32_t policy);
int srx_qp_set_group(struct ibv_qp *qp, uint32_t group);
int srx_qp_query(struct ibv_qp *qp, struct srx_gov_qp_info *info);
int srx_srq_set_mode(struct ibv_srq *srq, uint32_t mode, uint32_t overcommit,
		     uint32_t floor, uint32_t ceiling);
int srx_srq_set_credit(struct ibv_srq *srq, uint32_t credit);
int srx_srq_query(struct ibv_srq *srq, struct srx_gov_srq_info *info);
/* Ranked, the QP draining the SRQ first; returns the entries written. */
int srx_srq_offenders(struct ibv_srq *srq, uint32_t flags,
		      struct srx_gov_qp_info *out, uint32_t max);
int srx_srq_set_group(struct ibv_srq *srq, uint32_t group, uint32_t limit);
/*
 * Out-of-order holding: the messages a QP may hold ahead of a PSN gap,
 * an SRQ's cap on them and its release watermark (SRX_GOV_OOO_DEFAULT:
 * as the SRQ's size gives it), and what is held now and was in all.
 */
int srx_qp_set_ooo(struct ibv_qp *qp, uint32_t limit);
int srx_qp_query_ooo(struct ibv_qp *qp, struct srx_gov_ooo_info *ooo);
int srx_srq_set_ooo(struct ibv_srq *srq, uint32_t cap, uint32_t low);
int srx_srq_query_ooo(struct ibv_srq *srq, struct srx_gov_ooo_info *ooo);
int srx_srq_remove_group(struct ibv_srq *srq, uint32_t group);

/* ---- names ---- */

const char *srxctl_policy_name(uint32_t policy);
const char *srxctl_credit_name(uint32_t credit);
const char *srxctl_mode_name(uint32_t mode);
/* Index of @s in the policy/credit/mode names, or -EINVAL. */
int srxctl_policy_parse(const char *s);
int srxctl_credit_parse(const char *s);
int srxctl_mode_parse(const char *s);
/* A limit: a number or "none". */
int srxctl_limit_parse(const char *s, uint32_t *limit);

/* ---- the operator: every object of a device, by rdma res number ---- */

#define SRXCTL_MAX_GROUPS	64
#define SRXCTL_MAX_MARKS	64

struct srxctl_group {
	uint32_t id, limit, held, members;
};

struct srxctl_mark {		/* one entry of the watermark ranking */
	uint32_t rank, qpn, held, limit;
	uint64_t draws, refused;
};

#define SRXCTL_ADDR_LEN		48	/* an IPv6 address as text */

struct srxctl_qp {
	struct srx_gov_qp_info info;
	uint32_t srqn;			/* its SRQ */
	uint32_t recent_draws;		/* this second and the last */
	uint32_t recent_refused;
	uint32_t group_limit, group_held;
	uint32_t wm_rank;		/* at the last watermark; 0: none */
	struct srxctl_mark wm;
	uint64_t ooo_held, ooo_released;
	uint32_t ooo_limit, ooo_holding;	/* messages; now */
	uint32_t dqpn;
	int64_t cm_id;			/* rdma_cm id (rdma res), or -1 */
	char peer[SRXCTL_ADDR_LEN];	/* "" for UD or not connected */
};

struct srxctl_srq {
	uint32_t id;
	struct srx_gov_srq_info info;
	uint32_t admin_wm;
	uint64_t admin_events, matched, unmatched, ooo_held, ooo_released;
	uint32_t ooo_cap, ooo_low, ooo_holding;
	uint32_t nqps, ngroups, nmarks;
	struct srxctl_qp *qps;		/* nqps of them, allocated */
	struct srxctl_group groups[SRXCTL_MAX_GROUPS];	/* with members */
	struct srxctl_mark marks[SRXCTL_MAX_MARKS];
};

/*
 * Read the device's governance, every QP of every SRQ, from the netlink
 * dumps of `rdma res` (srx's driver attributes). Returns the number of
 * SRQs in *srqs (free them with srxctl_status_free()), or a negative
 * errno (-ENODEV: not an srx device).
 */
int srxctl_status(const char *dev, struct srxctl_srq **srqs);
void srxctl_status_free(struct srxctl_srq *srqs, int n);
/* Is @dev an srx device (it has gov/)? 1 or 0, or a negative errno. */
int srxctl_is_srx(const char *dev);
/* Send one command to the device's gov/ctl (see Documentation/srx.rst). */
int srxctl_ctl(const char *dev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Read or write a device default (gov/<name>); @buf gets the value. */
int srxctl_default_get(const char *dev, const char *name, char *buf,
		       size_t len);
int srxctl_default_set(const char *dev, const char *name, const char *value);
/*
 * The SRQ's QPs ranked as the kernel ranks offenders: held, then refused
 * lately, then drawn lately.
 */
void srxctl_rank(struct srxctl_srq *srq);

#endif /* SRXCTL_H */
