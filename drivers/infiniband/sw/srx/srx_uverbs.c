// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: driver-specific uverbs methods (include/uapi/rdma/srx-abi.h). A
 * process governs the SRQs and QPs it created, through its context's
 * command fd: the handles resolve only within that context, so no
 * privilege is needed and nobody else's objects can be named. The
 * operator's interface for every object is sysfs (srx_govctl.c).
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <rdma/ib_verbs.h>
#include <rdma/srx.h>
#include <rdma/uverbs_ioctl.h>
#include <uapi/rdma/srx-abi.h>

#define UVERBS_MODULE_NAME srx_ib
#include <rdma/uverbs_named_ioctl.h>

#include "srx.h"

/* An optional u32 attribute: 1 if present (in @v), 0 if not, or -errno. */
static int srx_attr_u32(struct uverbs_attr_bundle *attrs, u16 idx, u32 *v)
{
	if (!uverbs_attr_is_valid(attrs, idx))
		return 0;
	return uverbs_copy_from(v, attrs, idx) ?: 1;
}

static void srx_qp_info(struct srx_gov_qp_info *out,
			const struct srx_gov_qp_stats *st)
{
	memset(out, 0, sizeof(*out));
	out->qpn = st->qpn;
	out->limit = st->limit;
	out->held = st->held;
	out->policy = st->policy;
	out->group = st->group;
	out->draws = st->draws;
	out->credits = st->credits;
	out->rnr = st->rnr;
	out->drops = st->drops;
	out->disconnects = st->disconnects;
}

/* The optional OOO_INFO output, if the caller asked for it. */
static int srx_ooo_info_out(struct uverbs_attr_bundle *attrs, u16 idx,
			    u32 limit, u32 low, u32 holding, u64 held,
			    u64 released)
{
	struct srx_gov_ooo_info o = {
		.limit = limit, .low = low, .holding = holding,
		.held = held, .released = released,
	};

	if (!uverbs_attr_is_valid(attrs, idx))
		return 0;
	return uverbs_copy_to(attrs, idx, &o, sizeof(o));
}

/* Validate every attribute before changing anything. */
static int UVERBS_HANDLER(SRX_METHOD_QP_GOV_SET)(struct uverbs_attr_bundle *attrs)
{
	struct ib_qp *qp = uverbs_attr_get_obj(attrs, SRX_ATTR_QP_GOV_HANDLE);
	int has_limit, has_policy, has_group, has_ooo, err;
	u32 limit, policy, group, ooo;

	if (IS_ERR(qp))
		return PTR_ERR(qp);
	has_limit = srx_attr_u32(attrs, SRX_ATTR_QP_GOV_LIMIT, &limit);
	has_policy = srx_attr_u32(attrs, SRX_ATTR_QP_GOV_POLICY, &policy);
	has_group = srx_attr_u32(attrs, SRX_ATTR_QP_GOV_GROUP, &group);
	has_ooo = srx_attr_u32(attrs, SRX_ATTR_QP_GOV_OOO_LIMIT, &ooo);
	if (has_limit < 0 || has_policy < 0 || has_group < 0 || has_ooo < 0)
		return -EFAULT;
	if (!has_limit && !has_policy && !has_group && !has_ooo)
		return -EINVAL;
	if (has_policy && policy > SRX_GOV_DISCONNECT)
		return -EINVAL;
	if (!qp->srq || (has_ooo && !srx_ooo_qp_limit_ok(to_sqp(qp), ooo)))
		return -EINVAL;
	/* The group may be missing (-ENOENT): joined before anything else. */
	if (has_group) {
		err = srx_gov_qp_set_group(qp, group);
		if (err)
			return err;
	}
	if (has_policy)
		srx_gov_qp_set_policy(qp, policy);
	if (has_limit)
		srx_gov_qp_set_limit(qp, limit);
	return has_ooo ? srx_gov_qp_set_ooo(qp, ooo) : 0;
}

static int UVERBS_HANDLER(SRX_METHOD_QP_GOV_QUERY)(struct uverbs_attr_bundle *attrs)
{
	struct ib_qp *qp = uverbs_attr_get_obj(attrs, SRX_ATTR_QP_GOV_HANDLE);
	struct srx_gov_qp_stats st;
	struct srx_gov_qp_info info;
	int err;

	if (IS_ERR(qp))
		return PTR_ERR(qp);
	err = srx_gov_qp_stats(qp, &st);
	if (err)
		return err;
	srx_qp_info(&info, &st);
	err = srx_ooo_info_out(attrs, SRX_ATTR_QP_GOV_OOO_INFO, st.ooo_limit,
			       0, st.ooo_holding, st.ooo_held,
			       st.ooo_released);
	return err ?: uverbs_copy_to(attrs, SRX_ATTR_QP_GOV_INFO, &info,
				     sizeof(info));
}

static int srx_srq_set_mode(struct ib_srq *srq, struct uverbs_attr_bundle *attrs,
			    u32 mode)
{
	u32 oc = 100, floor = 0, ceiling = SRX_GOV_UNLIMITED;

	if (srx_attr_u32(attrs, SRX_ATTR_SRQ_GOV_OVERCOMMIT, &oc) < 0 ||
	    srx_attr_u32(attrs, SRX_ATTR_SRQ_GOV_FLOOR, &floor) < 0 ||
	    srx_attr_u32(attrs, SRX_ATTR_SRQ_GOV_CEILING, &ceiling) < 0)
		return -EFAULT;
	return srx_gov_srq_set_mode(srq, mode, oc, floor, ceiling);
}

static int UVERBS_HANDLER(SRX_METHOD_SRQ_GOV_SET)(struct uverbs_attr_bundle *attrs)
{
	struct ib_srq *srq = uverbs_attr_get_obj(attrs, SRX_ATTR_SRQ_GOV_HANDLE);
	int has_mode, has_credit, has_cap, has_low, err;
	u32 mode, credit, cap, low;

	if (IS_ERR(srq))
		return PTR_ERR(srq);
	has_mode = srx_attr_u32(attrs, SRX_ATTR_SRQ_GOV_MODE, &mode);
	has_credit = srx_attr_u32(attrs, SRX_ATTR_SRQ_GOV_CREDIT, &credit);
	has_cap = srx_attr_u32(attrs, SRX_ATTR_SRQ_GOV_OOO_CAP, &cap);
	has_low = srx_attr_u32(attrs, SRX_ATTR_SRQ_GOV_OOO_LOW, &low);
	if (has_mode < 0 || has_credit < 0 || has_cap < 0 || has_low < 0)
		return -EFAULT;
	if ((!has_mode && !has_credit && !has_cap) || has_cap != has_low ||
	    (has_mode && mode > SRX_GOV_SHARE) ||
	    (has_credit && credit > SRX_GOV_CREDIT_BUFFER) ||
	    (has_cap && !srx_ooo_srq_cap_ok(cap)))
		return -EINVAL;
	if (has_mode) {
		err = srx_srq_set_mode(srq, attrs, mode);
		if (err)
			return err;
	}
	if (has_credit) {
		err = srx_gov_srq_set_credit(srq, credit);
		if (err)
			return err;
	}
	return has_cap ? srx_gov_srq_set_ooo(srq, cap, low) : 0;
}

static int UVERBS_HANDLER(SRX_METHOD_SRQ_GOV_QUERY)(struct uverbs_attr_bundle *attrs)
{
	struct ib_srq *srq = uverbs_attr_get_obj(attrs, SRX_ATTR_SRQ_GOV_HANDLE);
	struct srx_gov_srq_info info = {};
	struct srx_gov_srq_stats st;
	int err;

	if (IS_ERR(srq))
		return PTR_ERR(srq);
	err = srx_gov_srq_stats(srq, &st);
	if (err)
		return err;
	info.size = st.size;
	info.nqps = st.nqps;
	info.mode = st.mode;
	info.credit = st.credit;
	info.overcommit = st.overcommit;
	info.floor = st.floor;
	info.ceiling = st.ceiling;
	info.ngroups = st.ngroups;
	info.draws = st.draws;
	info.credits = st.credits;
	info.rnr = st.rnr;
	info.drops = st.drops;
	info.disconnects = st.disconnects;
	info.watermarks = st.watermarks;
	err = srx_ooo_info_out(attrs, SRX_ATTR_SRQ_GOV_OOO_INFO, st.ooo_cap,
			       st.ooo_low, st.ooo_holding, st.ooo_held,
			       st.ooo_released);
	return err ?: uverbs_copy_to(attrs, SRX_ATTR_SRQ_GOV_INFO, &info,
				     sizeof(info));
}

/* As many ranked entries as the caller's buffer holds, and their count. */
static int UVERBS_HANDLER(SRX_METHOD_SRQ_GOV_OFFENDERS)(struct uverbs_attr_bundle *attrs)
{
	struct ib_srq *srq = uverbs_attr_get_obj(attrs, SRX_ATTR_SRQ_GOV_HANDLE);
	struct srx_gov_qp_stats *st;
	struct srx_gov_qp_info *info;
	u32 flags = 0, max, i;
	int len, n;

	if (IS_ERR(srq))
		return PTR_ERR(srq);
	if (srx_attr_u32(attrs, SRX_ATTR_SRQ_GOV_FLAGS, &flags) < 0)
		return -EFAULT;
	if (flags & ~SRX_GOV_OFFENDERS_AT_WATERMARK)
		return -EINVAL;
	len = uverbs_attr_get_len(attrs, SRX_ATTR_SRQ_GOV_OFFENDERS);
	if (len < 0)
		return len;
	max = len / sizeof(*info);
	st = kcalloc(max ?: 1, sizeof(*st), GFP_KERNEL);
	info = kcalloc(max ?: 1, sizeof(*info), GFP_KERNEL);
	n = st && info ? 0 : -ENOMEM;
	if (!n)
		n = srx_gov_srq_offenders(srq, flags & SRX_GOV_OFFENDERS_AT_WATERMARK,
					  st, max);
	for (i = 0; n > 0 && i < n; i++)
		srx_qp_info(&info[i], &st[i]);
	if (n > 0)
		n = uverbs_copy_to(attrs, SRX_ATTR_SRQ_GOV_OFFENDERS, info,
				   n * sizeof(*info)) ?: n;
	kfree(st);
	kfree(info);
	if (n < 0)
		return n;
	return uverbs_copy_to(attrs, SRX_ATTR_SRQ_GOV_COUNT, &n, sizeof(u32));
}

static int UVERBS_HANDLER(SRX_METHOD_SRQ_GOV_GROUP)(struct uverbs_attr_bundle *attrs)
{
	struct ib_srq *srq = uverbs_attr_get_obj(attrs, SRX_ATTR_SRQ_GOV_HANDLE);
	u32 group, limit;
	int has_limit;

	if (IS_ERR(srq))
		return PTR_ERR(srq);
	if (uverbs_copy_from(&group, attrs, SRX_ATTR_SRQ_GOV_GROUP_ID))
		return -EFAULT;
	has_limit = srx_attr_u32(attrs, SRX_ATTR_SRQ_GOV_GROUP_LIMIT, &limit);
	if (has_limit < 0)
		return -EFAULT;
	if (!group)
		return -EINVAL;
	if (has_limit)
		return srx_gov_srq_set_group(srq, group, limit);
	return srx_gov_srq_remove_group(srq, group);
}

#define SRX_U32_IN(id) \
	UVERBS_ATTR_PTR_IN(id, UVERBS_ATTR_TYPE(u32), UA_OPTIONAL)
#define SRX_U32_REQUIRED(id) \
	UVERBS_ATTR_PTR_IN(id, UVERBS_ATTR_TYPE(u32), UA_MANDATORY)
#define SRX_OUT(id, type) UVERBS_ATTR_PTR_OUT(id, type, UA_MANDATORY)
#define SRX_OOO_INFO UVERBS_ATTR_STRUCT(struct srx_gov_ooo_info, released)
#define SRX_OOO_OUT(id) UVERBS_ATTR_PTR_OUT(id, SRX_OOO_INFO, UA_OPTIONAL)
#define SRX_QP_INFO UVERBS_ATTR_STRUCT(struct srx_gov_qp_info, disconnects)
#define SRX_SRQ_INFO UVERBS_ATTR_STRUCT(struct srx_gov_srq_info, watermarks)
#define SRX_QP_HANDLE \
	UVERBS_ATTR_IDR(SRX_ATTR_QP_GOV_HANDLE, UVERBS_OBJECT_QP, \
			UVERBS_ACCESS_READ, UA_MANDATORY)
#define SRX_SRQ_HANDLE \
	UVERBS_ATTR_IDR(SRX_ATTR_SRQ_GOV_HANDLE, UVERBS_OBJECT_SRQ, \
			UVERBS_ACCESS_READ, UA_MANDATORY)

DECLARE_UVERBS_NAMED_METHOD(SRX_METHOD_QP_GOV_SET, SRX_QP_HANDLE,
			    SRX_U32_IN(SRX_ATTR_QP_GOV_LIMIT),
			    SRX_U32_IN(SRX_ATTR_QP_GOV_POLICY),
			    SRX_U32_IN(SRX_ATTR_QP_GOV_GROUP),
			    SRX_U32_IN(SRX_ATTR_QP_GOV_OOO_LIMIT));

DECLARE_UVERBS_NAMED_METHOD(SRX_METHOD_QP_GOV_QUERY, SRX_QP_HANDLE,
			    SRX_OUT(SRX_ATTR_QP_GOV_INFO, SRX_QP_INFO),
			    SRX_OOO_OUT(SRX_ATTR_QP_GOV_OOO_INFO));

DECLARE_UVERBS_NAMED_METHOD(SRX_METHOD_SRQ_GOV_SET, SRX_SRQ_HANDLE,
			    SRX_U32_IN(SRX_ATTR_SRQ_GOV_MODE),
			    SRX_U32_IN(SRX_ATTR_SRQ_GOV_OVERCOMMIT),
			    SRX_U32_IN(SRX_ATTR_SRQ_GOV_FLOOR),
			    SRX_U32_IN(SRX_ATTR_SRQ_GOV_CEILING),
			    SRX_U32_IN(SRX_ATTR_SRQ_GOV_CREDIT),
			    SRX_U32_IN(SRX_ATTR_SRQ_GOV_OOO_CAP),
			    SRX_U32_IN(SRX_ATTR_SRQ_GOV_OOO_LOW));

DECLARE_UVERBS_NAMED_METHOD(SRX_METHOD_SRQ_GOV_QUERY, SRX_SRQ_HANDLE,
			    SRX_OUT(SRX_ATTR_SRQ_GOV_INFO, SRX_SRQ_INFO),
			    SRX_OOO_OUT(SRX_ATTR_SRQ_GOV_OOO_INFO));

DECLARE_UVERBS_NAMED_METHOD(SRX_METHOD_SRQ_GOV_OFFENDERS, SRX_SRQ_HANDLE,
			    SRX_U32_IN(SRX_ATTR_SRQ_GOV_FLAGS),
			    SRX_OUT(SRX_ATTR_SRQ_GOV_OFFENDERS, UVERBS_ATTR_MIN_SIZE(0)),
			    SRX_OUT(SRX_ATTR_SRQ_GOV_COUNT, UVERBS_ATTR_TYPE(u32)));

DECLARE_UVERBS_NAMED_METHOD(SRX_METHOD_SRQ_GOV_GROUP, SRX_SRQ_HANDLE,
			    SRX_U32_REQUIRED(SRX_ATTR_SRQ_GOV_GROUP_ID),
			    SRX_U32_IN(SRX_ATTR_SRQ_GOV_GROUP_LIMIT));

ADD_UVERBS_METHODS(srx_ib_qp_gov, UVERBS_OBJECT_QP,
		   &UVERBS_METHOD(SRX_METHOD_QP_GOV_SET),
		   &UVERBS_METHOD(SRX_METHOD_QP_GOV_QUERY));

ADD_UVERBS_METHODS(srx_ib_srq_gov, UVERBS_OBJECT_SRQ,
		   &UVERBS_METHOD(SRX_METHOD_SRQ_GOV_SET),
		   &UVERBS_METHOD(SRX_METHOD_SRQ_GOV_QUERY),
		   &UVERBS_METHOD(SRX_METHOD_SRQ_GOV_OFFENDERS),
		   &UVERBS_METHOD(SRX_METHOD_SRQ_GOV_GROUP));

const struct uapi_definition srx_uapi_defs[] = {
	UAPI_DEF_CHAIN_OBJ_TREE(UVERBS_OBJECT_QP, &srx_ib_qp_gov),
	UAPI_DEF_CHAIN_OBJ_TREE(UVERBS_OBJECT_SRQ, &srx_ib_srq_gov),
	{},
};
