// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * KUnit tests for srx's ring index math and verb argument checks.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <kunit/test.h>
#include <rdma/ib_verbs.h>

#include "../srx_util.h"

static void srx_ring_geometry_sizes(struct kunit *test)
{
	u32 slots, log2;

	KUNIT_ASSERT_EQ(test, srx_ring_geometry(1, 16, 100, &slots, &log2), 0);
	KUNIT_EXPECT_EQ(test, slots, 2U);
	KUNIT_EXPECT_EQ(test, log2, 4U);
	/* 4 usable entries need 8 slots: one always stays empty. */
	KUNIT_ASSERT_EQ(test, srx_ring_geometry(4, 24, 100, &slots, &log2), 0);
	KUNIT_EXPECT_EQ(test, slots, 8U);
	KUNIT_EXPECT_EQ(test, log2, 5U);
	KUNIT_ASSERT_EQ(test, srx_ring_geometry(100, 64, 100, &slots, &log2),
			0);
	KUNIT_EXPECT_EQ(test, slots, 128U);
	KUNIT_EXPECT_EQ(test, log2, 6U);
}

static void srx_ring_geometry_bad(struct kunit *test)
{
	u32 slots, log2;

	KUNIT_EXPECT_EQ(test, srx_ring_geometry(0, 16, 100, &slots, &log2),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, srx_ring_geometry(101, 16, 100, &slots, &log2),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, srx_ring_geometry(1, 0, 100, &slots, &log2),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, srx_ring_geometry(1, SZ_64K + 1, 100, &slots,
						&log2), -EINVAL);
	KUNIT_EXPECT_EQ(test, srx_ring_geometry(U32_MAX, 16, U32_MAX, &slots,
						&log2), -EINVAL);
}

static void srx_ring_count_wraps(struct kunit *test)
{
	u32 mask = 7;

	KUNIT_EXPECT_EQ(test, srx_ring_count(0, 0, mask), 0U);
	KUNIT_EXPECT_EQ(test, srx_ring_count(5, 2, mask), 3U);
	KUNIT_EXPECT_EQ(test, srx_ring_count(1, 6, mask), 3U);
	KUNIT_EXPECT_EQ(test, srx_ring_count(6, 7, mask), 7U);
	/* Garbage high bits from user space do not matter. */
	KUNIT_EXPECT_EQ(test, srx_ring_count(0xfffffff9, 0x10, mask), 1U);
}

static void srx_ring_full_and_next(struct kunit *test)
{
	u32 mask = 3, prod = 0, cons = 0, n = 0;

	while (!srx_ring_full(prod, cons, mask)) {
		prod = srx_ring_next(prod, mask);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, mask);
	KUNIT_EXPECT_EQ(test, srx_ring_count(prod, cons, mask), mask);
	cons = srx_ring_next(cons, mask);
	KUNIT_EXPECT_FALSE(test, srx_ring_full(prod, cons, mask));
	KUNIT_EXPECT_EQ(test, srx_ring_next(mask, mask), 0U);
}

static void srx_qp_attr_ranges(struct kunit *test)
{
	struct ib_qp_attr a = {
		.port_num = 1, .path_mtu = IB_MTU_4096, .timeout = 31,
		.retry_cnt = 7, .rnr_retry = 7, .min_rnr_timer = 31,
		.sq_psn = 0xffffff, .rq_psn = 0, .dest_qp_num = 0xffffff,
		.max_rd_atomic = 128, .max_dest_rd_atomic = 128,
		.qp_access_flags = IB_ACCESS_REMOTE_WRITE |
				   IB_ACCESS_REMOTE_READ |
				   IB_ACCESS_REMOTE_ATOMIC,
		.path_mig_state = IB_MIG_MIGRATED,
	};
	int all = IB_QP_PORT | IB_QP_PKEY_INDEX | IB_QP_PATH_MTU |
		  IB_QP_TIMEOUT | IB_QP_RETRY_CNT | IB_QP_RNR_RETRY |
		  IB_QP_MIN_RNR_TIMER | IB_QP_SQ_PSN | IB_QP_RQ_PSN |
		  IB_QP_DEST_QPN | IB_QP_MAX_QP_RD_ATOMIC |
		  IB_QP_MAX_DEST_RD_ATOMIC | IB_QP_ACCESS_FLAGS |
		  IB_QP_PATH_MIG_STATE;
	struct ib_qp_attr b;

	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&a, all), 0);

	b = a; b.port_num = 2;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, IB_QP_PORT), -EINVAL);
	/* A bad value outside the mask is not looked at. */
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, IB_QP_TIMEOUT), 0);
	b = a; b.pkey_index = 1;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), -EINVAL);
	b = a; b.path_mtu = 0;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), -EINVAL);
	b = a; b.path_mtu = IB_MTU_4096 + 1;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), -EINVAL);
	b = a; b.timeout = 32;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), -EINVAL);
	b = a; b.retry_cnt = 8;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), -EINVAL);
	b = a; b.rnr_retry = 8;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), -EINVAL);
	b = a; b.min_rnr_timer = 32;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), -EINVAL);
	b = a; b.sq_psn = 0x1000000;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), -EINVAL);
	b = a; b.rq_psn = 0x1000000;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), -EINVAL);
	b = a; b.dest_qp_num = 0x1000000;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), -EINVAL);
	b = a; b.max_rd_atomic = 129;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), -EINVAL);
	b = a; b.max_dest_rd_atomic = 129;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), -EINVAL);
	b = a; b.qp_access_flags |= IB_ACCESS_MW_BIND;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), -EINVAL);
	/* The CM grants both flush rights when a device claims either. */
	b = a; b.qp_access_flags |= IB_ACCESS_FLUSH_GLOBAL |
				    IB_ACCESS_FLUSH_PERSISTENT;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), 0);
	b = a; b.path_mig_state = IB_MIG_ARMED;
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&b, all), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, srx_qp_attr_check(&a, IB_QP_ALT_PATH),
			-EOPNOTSUPP);
}

static void srx_mr_access_flags(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, srx_mr_access_check(0), 0);
	KUNIT_EXPECT_EQ(test, srx_mr_access_check(IB_ACCESS_LOCAL_WRITE), 0);
	KUNIT_EXPECT_EQ(test, srx_mr_access_check(IB_ACCESS_REMOTE_READ), 0);
	KUNIT_EXPECT_EQ(test, srx_mr_access_check(IB_ACCESS_LOCAL_WRITE |
						  IB_ACCESS_REMOTE_WRITE |
						  IB_ACCESS_REMOTE_ATOMIC), 0);
	KUNIT_EXPECT_EQ(test, srx_mr_access_check(IB_ACCESS_REMOTE_WRITE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, srx_mr_access_check(IB_ACCESS_REMOTE_ATOMIC),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, srx_mr_access_check(IB_ACCESS_ON_DEMAND),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, srx_mr_access_check(BIT(30)), -EINVAL);
	KUNIT_EXPECT_EQ(test, srx_mr_access_check(IB_ACCESS_FLUSH_GLOBAL), 0);
	KUNIT_EXPECT_EQ(test, srx_mr_access_check(IB_ACCESS_FLUSH_PERSISTENT),
			-EINVAL);
}

static struct kunit_case srx_check_cases[] = {
	KUNIT_CASE(srx_ring_geometry_sizes),
	KUNIT_CASE(srx_ring_geometry_bad),
	KUNIT_CASE(srx_ring_count_wraps),
	KUNIT_CASE(srx_ring_full_and_next),
	KUNIT_CASE(srx_qp_attr_ranges),
	KUNIT_CASE(srx_mr_access_flags),
	{}
};

static struct kunit_suite srx_check_suite = {
	.name = "srx_checks",
	.test_cases = srx_check_cases,
};

kunit_test_suite(srx_check_suite);
