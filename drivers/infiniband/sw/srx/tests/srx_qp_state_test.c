// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * KUnit tests for the QP state machine srx enforces in srx_modify_qp():
 * which transitions are legal and which attribute masks each one needs,
 * as decided by the RDMA core's table (ib_modify_qp_is_ok()), for the QP
 * types srx supports.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <kunit/test.h>
#include <rdma/ib_verbs.h>

#define RC_INIT_MASK	(IB_QP_STATE | IB_QP_PKEY_INDEX | IB_QP_PORT | \
			 IB_QP_ACCESS_FLAGS)
#define RC_RTR_MASK	(IB_QP_STATE | IB_QP_AV | IB_QP_PATH_MTU | \
			 IB_QP_DEST_QPN | IB_QP_RQ_PSN | \
			 IB_QP_MAX_DEST_RD_ATOMIC | IB_QP_MIN_RNR_TIMER)
#define RC_RTS_MASK	(IB_QP_STATE | IB_QP_TIMEOUT | IB_QP_RETRY_CNT | \
			 IB_QP_RNR_RETRY | IB_QP_SQ_PSN | \
			 IB_QP_MAX_QP_RD_ATOMIC)

static bool ok(enum ib_qp_state cur, enum ib_qp_state next,
	       enum ib_qp_type type, int mask)
{
	return ib_modify_qp_is_ok(cur, next, type, mask);
}

static void srx_qp_rc_path(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, ok(IB_QPS_RESET, IB_QPS_INIT, IB_QPT_RC,
				   RC_INIT_MASK));
	KUNIT_EXPECT_TRUE(test, ok(IB_QPS_INIT, IB_QPS_RTR, IB_QPT_RC,
				   RC_RTR_MASK));
	KUNIT_EXPECT_TRUE(test, ok(IB_QPS_RTR, IB_QPS_RTS, IB_QPT_RC,
				   RC_RTS_MASK));
	KUNIT_EXPECT_TRUE(test, ok(IB_QPS_RTS, IB_QPS_SQD, IB_QPT_RC,
				   IB_QP_STATE));
	KUNIT_EXPECT_TRUE(test, ok(IB_QPS_SQD, IB_QPS_RTS, IB_QPT_RC,
				   IB_QP_STATE));
	KUNIT_EXPECT_TRUE(test, ok(IB_QPS_SQE, IB_QPS_RTS, IB_QPT_UC,
				   IB_QP_STATE));
	/* The core's table also lets an RC QP leave SQE by a modify. */
	KUNIT_EXPECT_TRUE(test, ok(IB_QPS_SQE, IB_QPS_RTS, IB_QPT_RC,
				   IB_QP_STATE));
}

static void srx_qp_any_to_err_and_reset(struct kunit *test)
{
	enum ib_qp_state s;

	/* Every state may go to RESET; every state but RESET to ERR. */
	for (s = IB_QPS_RESET; s <= IB_QPS_ERR; s++) {
		KUNIT_EXPECT_EQ(test, ok(s, IB_QPS_ERR, IB_QPT_RC, IB_QP_STATE),
				s != IB_QPS_RESET);
		KUNIT_EXPECT_TRUE(test, ok(s, IB_QPS_RESET, IB_QPT_RC,
					   IB_QP_STATE));
	}
}

static void srx_qp_illegal_jumps(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, ok(IB_QPS_RESET, IB_QPS_RTS, IB_QPT_RC,
				    RC_RTS_MASK));
	KUNIT_EXPECT_FALSE(test, ok(IB_QPS_RESET, IB_QPS_RTR, IB_QPT_RC,
				    RC_RTR_MASK));
	KUNIT_EXPECT_FALSE(test, ok(IB_QPS_INIT, IB_QPS_RTS, IB_QPT_RC,
				    RC_RTS_MASK));
	KUNIT_EXPECT_FALSE(test, ok(IB_QPS_ERR, IB_QPS_RTS, IB_QPT_RC,
				    IB_QP_STATE));
	/* Only the provider enters SQE, on a send error. */
	KUNIT_EXPECT_FALSE(test, ok(IB_QPS_RTS, IB_QPS_SQE, IB_QPT_UC,
				    IB_QP_STATE));
}

static void srx_qp_required_bits(struct kunit *test)
{
	int bit;

	/* Dropping any required attribute makes the transition illegal. */
	for (bit = 1; bit < 31; bit++) {
		if (!(RC_RTR_MASK & BIT(bit)))
			continue;
		KUNIT_EXPECT_FALSE(test, ok(IB_QPS_INIT, IB_QPS_RTR, IB_QPT_RC,
					    RC_RTR_MASK & ~BIT(bit)));
	}
	KUNIT_EXPECT_FALSE(test, ok(IB_QPS_RESET, IB_QPS_INIT, IB_QPT_UD,
				    RC_INIT_MASK & ~IB_QP_ACCESS_FLAGS));
	KUNIT_EXPECT_TRUE(test, ok(IB_QPS_RESET, IB_QPS_INIT, IB_QPT_UD,
				   IB_QP_STATE | IB_QP_PKEY_INDEX | IB_QP_PORT |
				   IB_QP_QKEY));
}

static void srx_qp_extra_bits(struct kunit *test)
{
	/* Attributes a transition does not take are refused, not ignored. */
	KUNIT_EXPECT_FALSE(test, ok(IB_QPS_RESET, IB_QPS_INIT, IB_QPT_RC,
				    RC_INIT_MASK | IB_QP_SQ_PSN));
	KUNIT_EXPECT_FALSE(test, ok(IB_QPS_INIT, IB_QPS_RTR, IB_QPT_UD,
				    IB_QP_STATE | IB_QP_AV));
	KUNIT_EXPECT_FALSE(test, ok(IB_QPS_RTR, IB_QPS_RTS, IB_QPT_RC,
				    RC_RTS_MASK | IB_QP_DEST_QPN));
	KUNIT_EXPECT_TRUE(test, ok(IB_QPS_RTR, IB_QPS_RTS, IB_QPT_RC,
				   RC_RTS_MASK | IB_QP_MIN_RNR_TIMER));
}

static void srx_qp_gsi(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, ok(IB_QPS_RESET, IB_QPS_INIT, IB_QPT_GSI,
				   IB_QP_STATE | IB_QP_PKEY_INDEX |
				   IB_QP_QKEY));
	KUNIT_EXPECT_TRUE(test, ok(IB_QPS_INIT, IB_QPS_RTR, IB_QPT_GSI,
				   IB_QP_STATE));
	KUNIT_EXPECT_TRUE(test, ok(IB_QPS_RTR, IB_QPS_RTS, IB_QPT_GSI,
				   IB_QP_STATE | IB_QP_SQ_PSN));
}

static struct kunit_case srx_qp_state_cases[] = {
	KUNIT_CASE(srx_qp_rc_path),
	KUNIT_CASE(srx_qp_any_to_err_and_reset),
	KUNIT_CASE(srx_qp_illegal_jumps),
	KUNIT_CASE(srx_qp_required_bits),
	KUNIT_CASE(srx_qp_extra_bits),
	KUNIT_CASE(srx_qp_gsi),
	{}
};

static struct kunit_suite srx_qp_state_suite = {
	.name = "srx_qp_states",
	.test_cases = srx_qp_state_cases,
};

kunit_test_suite(srx_qp_state_suite);
