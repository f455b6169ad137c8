// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * KUnit tests for the checks srx_modify_qp() adds to the RDMA core's
 * state table (ib_modify_qp_is_ok(), which the core's own users test):
 * srx_qp_attr_check(), one table row per attribute, at the edge of what
 * srx takes. Each row's largest accepted value passes, its first refused
 * value fails with the row's error, and a bad value outside the mask is
 * not looked at.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <kunit/test.h>
#include <rdma/ib_verbs.h>

#include "../srx_util.h"

struct srx_qp_bound {
	const char *name;
	int mask;	/* one IB_QP_* bit */
	u32 good;	/* at the edge of what srx takes */
	u32 bad;	/* just beyond it */
	int err;
};

static const struct srx_qp_bound srx_qp_bounds[] = {
	{ "port_high", IB_QP_PORT, 1, 2, -EINVAL },
	{ "port_zero", IB_QP_PORT, 1, 0, -EINVAL },
	{ "pkey_index", IB_QP_PKEY_INDEX, SRX_PKEY_TBL_LEN - 1,
	  SRX_PKEY_TBL_LEN, -EINVAL },
	{ "path_mtu_high", IB_QP_PATH_MTU, IB_MTU_4096, IB_MTU_4096 + 1,
	  -EINVAL },
	{ "path_mtu_zero", IB_QP_PATH_MTU, IB_MTU_256, 0, -EINVAL },
	{ "timeout", IB_QP_TIMEOUT, 31, 32, -EINVAL },
	{ "retry_cnt", IB_QP_RETRY_CNT, 7, 8, -EINVAL },
	{ "rnr_retry", IB_QP_RNR_RETRY, 7, 8, -EINVAL },
	{ "min_rnr_timer", IB_QP_MIN_RNR_TIMER, 31, 32, -EINVAL },
	{ "sq_psn", IB_QP_SQ_PSN, SRX_PSN_MASK, SRX_PSN_MASK + 1, -EINVAL },
	{ "rq_psn", IB_QP_RQ_PSN, SRX_PSN_MASK, SRX_PSN_MASK + 1, -EINVAL },
	{ "dest_qp_num", IB_QP_DEST_QPN, SRX_PSN_MASK, SRX_PSN_MASK + 1,
	  -EINVAL },
	{ "max_rd_atomic", IB_QP_MAX_QP_RD_ATOMIC, SRX_MAX_RD_ATOMIC,
	  SRX_MAX_RD_ATOMIC + 1, -EINVAL },
	{ "max_dest_rd_atomic", IB_QP_MAX_DEST_RD_ATOMIC, SRX_MAX_RD_ATOMIC,
	  SRX_MAX_RD_ATOMIC + 1, -EINVAL },
	/* Every right a QP can grant; MW binding is an MR right. */
	{ "access_flags", IB_QP_ACCESS_FLAGS,
	  IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE |
	  IB_ACCESS_REMOTE_READ | IB_ACCESS_REMOTE_ATOMIC |
	  IB_ACCESS_FLUSH_GLOBAL | IB_ACCESS_FLUSH_PERSISTENT,
	  IB_ACCESS_MW_BIND, -EINVAL },
	/* No automatic path migration. */
	{ "path_mig_state", IB_QP_PATH_MIG_STATE, IB_MIG_MIGRATED,
	  IB_MIG_REARM, -EOPNOTSUPP },
};

static void srx_qp_bound_desc(const struct srx_qp_bound *b, char *desc)
{
	strscpy(desc, b->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(srx_qp_bounds, srx_qp_bounds, srx_qp_bound_desc);

static void srx_qp_attr_set(struct ib_qp_attr *a, int mask, u32 v)
{
	switch (mask) {
	case IB_QP_PORT:
		a->port_num = v;
		break;
	case IB_QP_PKEY_INDEX:
		a->pkey_index = v;
		break;
	case IB_QP_PATH_MTU:
		a->path_mtu = v;
		break;
	case IB_QP_TIMEOUT:
		a->timeout = v;
		break;
	case IB_QP_RETRY_CNT:
		a->retry_cnt = v;
		break;
	case IB_QP_RNR_RETRY:
		a->rnr_retry = v;
		break;
	case IB_QP_MIN_RNR_TIMER:
		a->min_rnr_timer = v;
		break;
	case IB_QP_SQ_PSN:
		a->sq_psn = v;
		break;
	case IB_QP_RQ_PSN:
		a->rq_psn = v;
		break;
	case IB_QP_DEST_QPN:
		a->dest_qp_num = v;
		break;
	case IB_QP_MAX_QP_RD_ATOMIC:
		a->max_rd_atomic = v;
		break;
	case IB_QP_MAX_DEST_RD_ATOMIC:
		a->max_dest_rd_atomic = v;
		break;
	case IB_QP_ACCESS_FLAGS:
		a->qp_access_flags = v;
		break;
	case IB_QP_PATH_MIG_STATE:
		a->path_mig_state = v;
		break;
	}
}

static void srx_qp_attr_bound(struct kunit *test)
{
	const struct srx_qp_bound *b = test->param_value;
	struct ib_qp_attr a = {};

	srx_qp_attr_set(&a, b->mask, b->good);
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&a, b->mask), 0);
	srx_qp_attr_set(&a, b->mask, b->bad);
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&a, b->mask), b->err);
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&a, IB_QP_STATE), 0);
}

/* An alternate path is refused whatever it says. */
static void srx_qp_alt_path(struct kunit *test)
{
	struct ib_qp_attr a = {};

	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&a, IB_QP_ALT_PATH),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&a, IB_QP_STATE), 0);
}

static struct kunit_case srx_qp_state_cases[] = {
	KUNIT_CASE_PARAM(srx_qp_attr_bound, srx_qp_bounds_gen_params),
	KUNIT_CASE(srx_qp_alt_path),
	{}
};

static struct kunit_suite srx_qp_state_suite = {
	.name = "srx_qp_attrs",
	.test_cases = srx_qp_state_cases,
};

kunit_test_suite(srx_qp_state_suite);
