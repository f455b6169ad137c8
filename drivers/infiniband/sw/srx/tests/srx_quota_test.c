// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * KUnit tests for SRQ governance accounting (srx_quota.c): every branch
 * of charge, credit, policy, share recomputation, groups and snapshot,
 * and random operation sequences checked against a reference model.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <kunit/test.h>
#include <linux/prandom.h>

#include "../srx_quota.h"

struct quota_fixture {
	struct srx_quota	sq;
	struct srx_quota_qp	q[4];
};

static struct quota_fixture *quota_setup(struct kunit *test, u32 size,
					 u32 nqps)
{
	struct quota_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_EQ(test, srx_quota_init(&f->sq, size, GFP_KERNEL), 0);
	for (i = 0; i < nqps; i++)
		srx_quota_attach(&f->sq, &f->q[i], 100 + i, SRX_GOV_RNR);
	return f;
}

static void quota_unlimited_admits_all(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 8, 1);
	int i;

	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, &f->q[0], 1),
				SRX_QUOTA_ADMIT);
	KUNIT_EXPECT_EQ(test, f->q[0].held, 100U);
	KUNIT_EXPECT_EQ(test, f->sq.rnr, 0ULL);
	srx_quota_destroy(&f->sq);
}

static void quota_zero_limit_admits_none(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 8, 1);

	srx_quota_set_limit(&f->sq, &f->q[0], 0);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, &f->q[0], 1),
			SRX_QUOTA_RNR);
	KUNIT_EXPECT_EQ(test, f->q[0].held, 0U);
	KUNIT_EXPECT_EQ(test, f->q[0].rnr, 1ULL);
	srx_quota_destroy(&f->sq);
}

static void quota_policies(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 8, 3);

	f->q[1].policy = SRX_GOV_DROP;
	f->q[2].policy = SRX_GOV_DISCONNECT;
	srx_quota_set_limit(&f->sq, &f->q[0], 0);
	srx_quota_set_limit(&f->sq, &f->q[1], 0);
	srx_quota_set_limit(&f->sq, &f->q[2], 0);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, &f->q[0], 1),
			SRX_QUOTA_RNR);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, &f->q[1], 1),
			SRX_QUOTA_DROP);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, &f->q[2], 1),
			SRX_QUOTA_DISCONNECT);
	KUNIT_EXPECT_EQ(test, f->sq.rnr, 1ULL);
	KUNIT_EXPECT_EQ(test, f->sq.drops, 1ULL);
	KUNIT_EXPECT_EQ(test, f->sq.disconnects, 1ULL);
	KUNIT_EXPECT_EQ(test, f->q[1].drops, 1ULL);
	KUNIT_EXPECT_EQ(test, f->q[2].disconnects, 1ULL);
	srx_quota_destroy(&f->sq);
}

static void quota_charge_needs_r_credits(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 8, 1);
	struct srx_quota_qp *q = &f->q[0];

	srx_quota_set_limit(&f->sq, q, 3);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, q, 2), SRX_QUOTA_ADMIT);
	/* One credit left: a message needing two is refused whole. */
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, q, 2), SRX_QUOTA_RNR);
	KUNIT_EXPECT_EQ(test, q->held, 2U);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, q, 1), SRX_QUOTA_ADMIT);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, q, 1), SRX_QUOTA_RNR);
	KUNIT_EXPECT_EQ(test, q->draws, 3ULL);
	/* Lowering the limit below what is held refuses until credited. */
	srx_quota_set_limit(&f->sq, q, 1);
	srx_quota_complete(&f->sq, q, SRX_QEV_CONSUMED, 1);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, q, 1), SRX_QUOTA_RNR);
	srx_quota_complete(&f->sq, q, SRX_QEV_CONSUMED, 1);
	srx_quota_complete(&f->sq, q, SRX_QEV_CONSUMED, 1);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, q, 1), SRX_QUOTA_ADMIT);
	srx_quota_destroy(&f->sq);
}

static void quota_credit_poll_and_post(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 8, 1);
	struct srx_quota_qp *q = &f->q[0];

	srx_quota_charge(&f->sq, q, 2);
	srx_quota_complete(&f->sq, q, SRX_QEV_POSTED, 1);
	KUNIT_EXPECT_EQ(test, q->held, 2U);
	srx_quota_complete(&f->sq, q, SRX_QEV_CONSUMED, 1);
	KUNIT_EXPECT_EQ(test, q->held, 1U);
	srx_quota_complete(&f->sq, q, SRX_QEV_CONSUMED, 1);
	srx_quota_complete(&f->sq, q, SRX_QEV_CONSUMED, 1);
	KUNIT_EXPECT_EQ(test, q->held, 0U);
	KUNIT_EXPECT_EQ(test, q->credits, 2ULL);

	KUNIT_EXPECT_EQ(test, srx_quota_set_credit(&f->sq, SRX_GOV_CREDIT_POST), 0);
	srx_quota_charge(&f->sq, q, 1);
	srx_quota_complete(&f->sq, q, SRX_QEV_CONSUMED, 1);
	KUNIT_EXPECT_EQ(test, q->held, 1U);
	srx_quota_complete(&f->sq, q, SRX_QEV_POSTED, 1);
	KUNIT_EXPECT_EQ(test, q->held, 0U);

	/* A batch credits as many as it names, never more than held. */
	KUNIT_EXPECT_EQ(test, srx_quota_set_credit(&f->sq, SRX_GOV_CREDIT_POLL), 0);
	srx_quota_charge(&f->sq, q, 3);
	srx_quota_complete(&f->sq, q, SRX_QEV_CONSUMED, 2);
	KUNIT_EXPECT_EQ(test, q->held, 1U);
	srx_quota_complete(&f->sq, q, SRX_QEV_CONSUMED, 5);
	KUNIT_EXPECT_EQ(test, q->held, 0U);
	KUNIT_EXPECT_EQ(test, q->credits, 6ULL);
	KUNIT_EXPECT_EQ(test, f->sq.credits, 6ULL);
	srx_quota_destroy(&f->sq);
}

static void quota_credit_mode_busy(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 8, 1);

	srx_quota_charge(&f->sq, &f->q[0], 1);
	KUNIT_EXPECT_EQ(test, srx_quota_set_credit(&f->sq, SRX_GOV_CREDIT_REPOST),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, srx_quota_set_credit(&f->sq, 7), -EINVAL);
	srx_quota_destroy(&f->sq);
}

static void quota_credit_repost_oldest_first(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 8, 2);
	struct srx_quota_qp *a = &f->q[0], *b = &f->q[1];

	KUNIT_ASSERT_EQ(test, srx_quota_set_credit(&f->sq, SRX_GOV_CREDIT_REPOST),
			0);
	srx_quota_charge(&f->sq, a, 1);
	srx_quota_charge(&f->sq, b, 1);
	srx_quota_charge(&f->sq, a, 1);
	/* Completions do not credit in this mode. */
	srx_quota_complete(&f->sq, a, SRX_QEV_CONSUMED, 1);
	KUNIT_EXPECT_EQ(test, a->held, 2U);
	/* Nothing completed: a repost (a fresh buffer) credits nobody. */
	srx_quota_reposted(&f->sq, 1);
	KUNIT_EXPECT_EQ(test, a->held, 2U);
	KUNIT_EXPECT_EQ(test, b->held, 1U);
	/* b's receive completes first (another CPU): reposts follow the CQ. */
	srx_quota_complete(&f->sq, b, SRX_QEV_POSTED, 1);
	srx_quota_complete(&f->sq, a, SRX_QEV_POSTED, 1);
	srx_quota_reposted(&f->sq, 1);
	KUNIT_EXPECT_EQ(test, b->held, 0U);
	KUNIT_EXPECT_EQ(test, a->held, 2U);
	srx_quota_reposted(&f->sq, 1);
	KUNIT_EXPECT_EQ(test, a->held, 1U);
	/* More reposts than completions: the extra ones credit nobody. */
	srx_quota_reposted(&f->sq, 5);
	KUNIT_EXPECT_EQ(test, a->held, 1U);
	KUNIT_EXPECT_EQ(test, f->sq.ndrawn, 0U);
	/* More completions than draws queue no more than held. */
	srx_quota_complete(&f->sq, a, SRX_QEV_POSTED, 3);
	KUNIT_EXPECT_EQ(test, f->sq.ndrawn, 1U);
	srx_quota_reposted(&f->sq, 1);
	KUNIT_EXPECT_EQ(test, a->held, 0U);
	srx_quota_destroy(&f->sq);
}

static void quota_flush_credits(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 8, 2);
	struct srx_quota_qp *a = &f->q[0], *b = &f->q[1];

	srx_quota_charge(&f->sq, a, 3);
	srx_quota_flush(&f->sq, a, 2);
	KUNIT_EXPECT_EQ(test, a->held, 1U);
	/* Never below zero. */
	srx_quota_flush(&f->sq, a, 5);
	KUNIT_EXPECT_EQ(test, a->held, 0U);

	KUNIT_ASSERT_EQ(test, srx_quota_set_credit(&f->sq, SRX_GOV_CREDIT_REPOST),
			0);
	srx_quota_charge(&f->sq, a, 2);
	srx_quota_charge(&f->sq, b, 1);
	srx_quota_complete(&f->sq, a, SRX_QEV_POSTED, 1);
	srx_quota_complete(&f->sq, b, SRX_QEV_POSTED, 1);
	/* A flush credits the draw not completed, never a completed one. */
	srx_quota_flush(&f->sq, a, 5);
	KUNIT_EXPECT_EQ(test, a->held, 1U);
	KUNIT_EXPECT_EQ(test, f->sq.ndrawn, 2U);
	srx_quota_reposted(&f->sq, 1);
	KUNIT_EXPECT_EQ(test, a->held, 0U);
	KUNIT_EXPECT_EQ(test, b->held, 1U);
	srx_quota_reposted(&f->sq, 1);
	KUNIT_EXPECT_EQ(test, b->held, 0U);
	srx_quota_destroy(&f->sq);
}

static void quota_detach_credits_all(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 8, 2);

	KUNIT_ASSERT_EQ(test, srx_quota_set_credit(&f->sq, SRX_GOV_CREDIT_REPOST),
			0);
	srx_quota_charge(&f->sq, &f->q[0], 3);
	srx_quota_charge(&f->sq, &f->q[1], 1);
	srx_quota_complete(&f->sq, &f->q[0], SRX_QEV_POSTED, 2);
	srx_quota_complete(&f->sq, &f->q[1], SRX_QEV_POSTED, 1);
	srx_quota_detach(&f->sq, &f->q[0]);
	KUNIT_EXPECT_EQ(test, f->sq.nqps, 1U);
	KUNIT_EXPECT_EQ(test, f->sq.credits, 3ULL);
	/* The gone QP's completed buffers credit nobody when reposted. */
	KUNIT_EXPECT_EQ(test, f->sq.ndrawn, 3U);
	srx_quota_reposted(&f->sq, 2);
	KUNIT_EXPECT_EQ(test, f->q[1].held, 1U);
	srx_quota_reposted(&f->sq, 1);
	KUNIT_EXPECT_EQ(test, f->q[1].held, 0U);
	srx_quota_destroy(&f->sq);
}

static void quota_share_recompute(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 100, 2);

	srx_quota_set_limit(&f->sq, &f->q[0], 7);
	KUNIT_ASSERT_EQ(test, srx_quota_set_mode(&f->sq, SRX_GOV_SHARE, 150,
						 10, 60), 0);
	/* 100 WQEs * 150% over 2 QPs = 75, capped at 60. */
	KUNIT_EXPECT_EQ(test, f->q[0].limit, 60U);
	srx_quota_attach(&f->sq, &f->q[2], 102, SRX_GOV_RNR);
	KUNIT_EXPECT_EQ(test, f->q[2].limit, 50U);
	srx_quota_attach(&f->sq, &f->q[3], 103, SRX_GOV_RNR);
	KUNIT_EXPECT_EQ(test, f->q[0].limit, 38U);	/* ceil(150 / 4) */
	KUNIT_EXPECT_EQ(test, srx_quota_resize(&f->sq, 20, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, f->q[1].limit, 10U);	/* floor */
	srx_quota_detach(&f->sq, &f->q[3]);
	srx_quota_detach(&f->sq, &f->q[2]);
	KUNIT_EXPECT_EQ(test, f->q[1].limit, 15U);
	/* Back to static: the limits as set come back. */
	KUNIT_ASSERT_EQ(test, srx_quota_set_mode(&f->sq, SRX_GOV_STATIC, 0,
						 0, 0), 0);
	KUNIT_EXPECT_EQ(test, f->q[0].limit, 7U);
	KUNIT_EXPECT_EQ(test, f->q[1].limit, SRX_GOV_UNLIMITED);
	KUNIT_EXPECT_EQ(test, srx_quota_set_mode(&f->sq, SRX_GOV_SHARE, 0,
						 0, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, srx_quota_set_mode(&f->sq, SRX_GOV_SHARE, 100,
						 5, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, srx_quota_set_mode(&f->sq, 9, 100, 0, 1),
			-EINVAL);
	srx_quota_destroy(&f->sq);
}

static void quota_resize_keeps_fifo(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 4, 2);

	KUNIT_ASSERT_EQ(test, srx_quota_set_credit(&f->sq, SRX_GOV_CREDIT_REPOST),
			0);
	srx_quota_charge(&f->sq, &f->q[0], 1);
	srx_quota_charge(&f->sq, &f->q[1], 2);
	srx_quota_complete(&f->sq, &f->q[0], SRX_QEV_POSTED, 1);
	srx_quota_complete(&f->sq, &f->q[1], SRX_QEV_POSTED, 2);
	KUNIT_EXPECT_EQ(test, srx_quota_resize(&f->sq, 2, GFP_KERNEL), -EBUSY);
	KUNIT_EXPECT_EQ(test, srx_quota_resize(&f->sq, 16, GFP_KERNEL), 0);
	srx_quota_reposted(&f->sq, 1);
	KUNIT_EXPECT_EQ(test, f->q[0].held, 0U);
	KUNIT_EXPECT_EQ(test, f->q[1].held, 2U);
	srx_quota_destroy(&f->sq);
}

static void quota_group_caps_members(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 16, 3);
	struct srx_quota_group g;

	srx_quota_group_init(&f->sq, &g, 1, 3);
	srx_quota_set_group(&f->sq, &f->q[0], &g);
	srx_quota_set_group(&f->sq, &f->q[1], &g);
	srx_quota_set_limit(&f->sq, &f->q[0], 2);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, &f->q[0], 2),
			SRX_QUOTA_ADMIT);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, &f->q[1], 2),
			SRX_QUOTA_RNR);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, &f->q[1], 1),
			SRX_QUOTA_ADMIT);
	KUNIT_EXPECT_EQ(test, g.held, 3U);
	/* Outside the group, q[2] is not capped. */
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, &f->q[2], 5),
			SRX_QUOTA_ADMIT);
	/* Leaving the group takes the WQEs along. */
	srx_quota_set_group(&f->sq, &f->q[0], NULL);
	KUNIT_EXPECT_EQ(test, g.held, 1U);
	KUNIT_EXPECT_EQ(test, g.members, 1U);
	srx_quota_complete(&f->sq, &f->q[1], SRX_QEV_CONSUMED, 1);
	KUNIT_EXPECT_EQ(test, g.held, 0U);
	srx_quota_group_remove(&f->sq, &g);
	KUNIT_EXPECT_PTR_EQ(test, f->q[1].group, NULL);
	srx_quota_destroy(&f->sq);
}

/* srx_quota_room() asks without counting: holds ahead of a gap use it. */
static void quota_room_counts_nothing(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 16, 2);
	struct srx_quota_group g;

	srx_quota_set_limit(&f->sq, &f->q[0], 3);
	KUNIT_EXPECT_TRUE(test, srx_quota_room(&f->sq, &f->q[0], 3));
	KUNIT_EXPECT_FALSE(test, srx_quota_room(&f->sq, &f->q[0], 4));
	KUNIT_EXPECT_EQ(test, f->q[0].rnr, 0ULL);
	KUNIT_EXPECT_EQ(test, f->q[0].draws, 0ULL);
	srx_quota_set_limit(&f->sq, &f->q[0], 0);
	KUNIT_EXPECT_FALSE(test, srx_quota_room(&f->sq, &f->q[0], 1));
	/* Unlimited, but its group is full. */
	srx_quota_group_init(&f->sq, &g, 1, 1);
	srx_quota_set_group(&f->sq, &f->q[1], &g);
	KUNIT_EXPECT_TRUE(test, srx_quota_room(&f->sq, &f->q[1], 1));
	KUNIT_EXPECT_FALSE(test, srx_quota_room(&f->sq, &f->q[1], 2));
	srx_quota_group_remove(&f->sq, &g);
	srx_quota_destroy(&f->sq);
}

static void quota_offenders_ranked(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 64, 4);
	struct srx_quota_snap out[4];

	srx_quota_charge(&f->sq, &f->q[2], 9);
	srx_quota_charge(&f->sq, &f->q[0], 3);
	srx_quota_charge(&f->sq, &f->q[3], 3);
	srx_quota_set_limit(&f->sq, &f->q[3], 3);
	srx_quota_charge(&f->sq, &f->q[3], 1);	/* refused: ranks above q[0] */
	KUNIT_ASSERT_EQ(test, srx_quota_offenders(&f->sq, out, 4), 4U);
	KUNIT_EXPECT_EQ(test, out[0].qpn, 102U);
	KUNIT_EXPECT_EQ(test, out[1].qpn, 103U);
	KUNIT_EXPECT_EQ(test, out[2].qpn, 100U);
	KUNIT_EXPECT_EQ(test, out[3].qpn, 101U);
	KUNIT_EXPECT_EQ(test, out[1].dropped, 1ULL);
	KUNIT_EXPECT_EQ(test, srx_quota_offenders(&f->sq, out, 2), 2U);
	KUNIT_EXPECT_EQ(test, out[0].qpn, 102U);

	srx_quota_snapshot(&f->sq);
	srx_quota_reposted(&f->sq, 64);
	srx_quota_complete(&f->sq, &f->q[2], SRX_QEV_CONSUMED, 1);
	/* The snapshot keeps the moment of the watermark. */
	KUNIT_EXPECT_EQ(test, f->sq.watermarks, 1ULL);
	KUNIT_EXPECT_EQ(test, f->sq.nsnap, 4U);
	KUNIT_EXPECT_EQ(test, f->sq.snap[0].held, 9U);
	srx_quota_destroy(&f->sq);
}

/*
 * The ranking weighs what QPs did lately: a refusal or a draw counts in
 * its window and the next, then ages out; lifetime counts stay.
 */
static void quota_recent_window(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 64, 2);
	struct srx_quota_snap out[2];

	f->sq.now = 7;
	srx_quota_charge(&f->sq, &f->q[0], 20);	/* long-lived, busy once */
	srx_quota_complete(&f->sq, &f->q[0], SRX_QEV_CONSUMED, 20);
	KUNIT_EXPECT_EQ(test, srx_quota_recent_draws(&f->sq, &f->q[0]), 20U);
	f->sq.now = 8;
	KUNIT_EXPECT_EQ(test, srx_quota_recent_draws(&f->sq, &f->q[0]), 20U);
	srx_quota_charge(&f->sq, &f->q[0], 1);
	KUNIT_EXPECT_EQ(test, srx_quota_recent_draws(&f->sq, &f->q[0]), 21U);
	f->sq.now = 9;
	KUNIT_EXPECT_EQ(test, srx_quota_recent_draws(&f->sq, &f->q[0]), 1U);
	f->sq.now = 11;
	KUNIT_EXPECT_EQ(test, srx_quota_recent_draws(&f->sq, &f->q[0]), 0U);
	KUNIT_EXPECT_EQ(test, f->q[0].draws, 21ULL);

	/* Same held: the one refused lately ranks first, not the old one. */
	srx_quota_set_limit(&f->sq, &f->q[1], 1);
	srx_quota_charge(&f->sq, &f->q[1], 1);
	srx_quota_charge(&f->sq, &f->q[1], 1);	/* refused */
	KUNIT_EXPECT_EQ(test, srx_quota_recent_refused(&f->sq, &f->q[1]), 1U);
	KUNIT_ASSERT_EQ(test, srx_quota_offenders(&f->sq, out, 2), 2U);
	KUNIT_EXPECT_EQ(test, out[0].qpn, 101U);
	KUNIT_EXPECT_EQ(test, out[0].recent_refused, 1U);
	f->sq.now = 13;
	KUNIT_EXPECT_EQ(test, srx_quota_recent_refused(&f->sq, &f->q[1]), 0U);
	KUNIT_EXPECT_EQ(test, f->q[1].rnr, 1ULL);
	srx_quota_destroy(&f->sq);
}

/*
 * The reference model: WQEs out per QP, those not completed yet, and
 * the draws in the order reposts credit them (credit=repost: completion
 * order, so a draw enters when it completes; otherwise draw order).
 */
struct quota_model {
	u32	out[4];
	u32	pend[4];
	u32	fifo[64];
	u32	len;
};

static void model_draw(struct quota_model *m, u32 k, u32 r, bool at_completion)
{
	m->out[k] += r;
	if (at_completion) {
		m->pend[k] += r;
		return;
	}
	while (r--)
		m->fifo[m->len++] = k;
}

static void model_completed(struct quota_model *m, u32 k)
{
	m->pend[k]--;
	m->fifo[m->len++] = k;
}

/* Forget @k's oldest draw (or the oldest of all, @k == 4). */
static void model_credit(struct quota_model *m, u32 k)
{
	u32 i;

	for (i = 0; i < m->len; i++) {
		if (k == 4 || m->fifo[i] == k) {
			m->out[m->fifo[i]]--;
			memmove(&m->fifo[i], &m->fifo[i + 1],
				(m->len - i - 1) * sizeof(m->fifo[0]));
			m->len--;
			return;
		}
	}
}

/*
 * credit=repost, operation @op on QP @k: a repost credits the oldest
 * completed draw; a completion queues one of @k's; a flush credits one
 * not completed, and none if all of @k's have completed.
 */
static void quota_repost_step(struct quota_fixture *f, struct quota_model *m,
			      u32 op, u32 k)
{
	if (op == 2 && (k & 1)) {
		srx_quota_reposted(&f->sq, 1);
		model_credit(m, 4);
	} else if (op == 2 && m->pend[k]) {
		srx_quota_complete(&f->sq, &f->q[k], SRX_QEV_POSTED, 1);
		model_completed(m, k);
	} else if (op == 3) {
		srx_quota_flush(&f->sq, &f->q[k], 1);
		if (m->pend[k]) {
			m->pend[k]--;
			m->out[k]--;
		}
	}
}

/*
 * Random operations against the model, in each credit mode: a charge is
 * admitted exactly when the model says it fits, held equals the WQEs out
 * (so the sum of held equals the WQEs out of the SRQ), held never
 * exceeds the limit, and credits never exceed draws.
 */
static void quota_random_vs_model(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 64, 4);
	struct quota_model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	u32 limit[4], i, step, op, k, r, mode;
	enum srx_quota_event ev;
	struct rnd_state rnd;
	bool fits, repost;

	KUNIT_ASSERT_NOT_NULL(test, m);
	prandom_seed_state(&rnd, 42);
	for (mode = SRX_GOV_CREDIT_POLL; mode <= SRX_GOV_CREDIT_REPOST; mode++) {
		for (i = 0; i < 4; i++)
			srx_quota_flush(&f->sq, &f->q[i], U32_MAX);
		memset(m, 0, sizeof(*m));
		KUNIT_ASSERT_EQ(test, srx_quota_set_credit(&f->sq, mode), 0);
		ev = mode == SRX_GOV_CREDIT_POLL ? SRX_QEV_CONSUMED : SRX_QEV_POSTED;
		repost = mode == SRX_GOV_CREDIT_REPOST;
		for (i = 0; i < 4; i++) {
			limit[i] = prandom_u32_state(&rnd) % 6;
			srx_quota_set_limit(&f->sq, &f->q[i], limit[i]);
		}
		for (step = 0; step < 2000; step++) {
			op = prandom_u32_state(&rnd) % 4;
			k = prandom_u32_state(&rnd) % 4;
			if (op <= 1) {
				r = 1 + prandom_u32_state(&rnd) % 2;
				fits = limit[k] && m->out[k] + r <= limit[k];
				KUNIT_ASSERT_EQ(test,
						srx_quota_charge(&f->sq, &f->q[k], r) ==
						SRX_QUOTA_ADMIT, fits);
				if (fits)
					model_draw(m, k, r, repost);
			} else if (repost) {
				quota_repost_step(f, m, op, k);
			} else if (op == 2 && m->out[k]) {
				srx_quota_complete(&f->sq, &f->q[k], ev, 1);
				model_credit(m, k);
			} else if (op == 3 && m->out[k]) {
				srx_quota_flush(&f->sq, &f->q[k], 1);
				model_credit(m, k);
			}
			for (i = 0; i < 4; i++) {
				KUNIT_ASSERT_EQ(test, f->q[i].held, m->out[i]);
				KUNIT_ASSERT_LE(test, f->q[i].held, limit[i]);
				KUNIT_ASSERT_LE(test, f->q[i].credits,
						f->q[i].draws);
			}
			if (mode == SRX_GOV_CREDIT_REPOST)
				KUNIT_ASSERT_EQ(test, f->sq.ndrawn, m->len);
		}
	}
	srx_quota_destroy(&f->sq);
}

/* credit=buffer: a buffer posted back credits the QP that drew it. */
static void quota_credit_buffer_any_order(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 8, 2);
	struct srx_quota_qp *a = &f->q[0], *b = &f->q[1];

	KUNIT_ASSERT_EQ(test, srx_quota_set_credit(&f->sq, SRX_GOV_CREDIT_BUFFER),
			0);
	srx_quota_charge_buf(&f->sq, a, 1);
	srx_quota_charge_buf(&f->sq, a, 2);
	srx_quota_charge_buf(&f->sq, b, 3);
	/* Newest first: b's buffer comes back before a's. */
	srx_quota_returned(&f->sq, 3);
	KUNIT_EXPECT_EQ(test, b->held, 0U);
	KUNIT_EXPECT_EQ(test, a->held, 2U);
	srx_quota_returned(&f->sq, 2);
	KUNIT_EXPECT_EQ(test, a->held, 1U);
	KUNIT_EXPECT_EQ(test, f->sq.matched, 2ULL);
	/* A fresh buffer names no draw: the oldest (a's 1) is credited. */
	srx_quota_charge_buf(&f->sq, b, 4);
	srx_quota_returned(&f->sq, 99);
	KUNIT_EXPECT_EQ(test, a->held, 0U);
	KUNIT_EXPECT_EQ(test, b->held, 1U);
	KUNIT_EXPECT_EQ(test, f->sq.unmatched, 1ULL);
	/* The same buffer drawn twice: the oldest draw is credited first. */
	srx_quota_charge_buf(&f->sq, a, 4);
	srx_quota_returned(&f->sq, 4);
	KUNIT_EXPECT_EQ(test, b->held, 0U);
	KUNIT_EXPECT_EQ(test, a->held, 1U);
	KUNIT_EXPECT_EQ(test, f->sq.ndrawn, 1U);
	srx_quota_destroy(&f->sq);
}

/*
 * A flushed or a departed QP's buffer is credited at once; when the
 * consumer posts it back it credits nobody else.
 */
static void quota_credit_buffer_tombstones(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 8, 3);
	struct srx_quota_qp *a = &f->q[0], *b = &f->q[1], *c = &f->q[2];

	KUNIT_ASSERT_EQ(test, srx_quota_set_credit(&f->sq, SRX_GOV_CREDIT_BUFFER),
			0);
	srx_quota_charge_buf(&f->sq, a, 5);
	srx_quota_charge_buf(&f->sq, b, 6);
	srx_quota_charge_buf(&f->sq, c, 7);
	srx_quota_flush(&f->sq, a, 1);
	KUNIT_EXPECT_EQ(test, a->held, 0U);
	srx_quota_detach(&f->sq, c);
	srx_quota_returned(&f->sq, 5);
	srx_quota_returned(&f->sq, 7);
	KUNIT_EXPECT_EQ(test, b->held, 1U);
	KUNIT_EXPECT_EQ(test, f->sq.matched, 2ULL);
	KUNIT_EXPECT_EQ(test, f->sq.ndrawn, 1U);
	/* A hold given back to the SRQ is no repost's to find. */
	srx_quota_charge_buf(&f->sq, a, 8);
	srx_quota_undraw(&f->sq, a, 8);
	KUNIT_EXPECT_EQ(test, a->held, 0U);
	KUNIT_EXPECT_EQ(test, f->sq.ndrawn, 1U);
	KUNIT_EXPECT_EQ(test, a->credits, a->draws);
	srx_quota_destroy(&f->sq);
}

/* More draws than records (a shrink): the oldest are credited. */
static void quota_credit_buffer_bounded(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 4, 2);
	struct srx_quota_store st;
	u64 key;

	KUNIT_ASSERT_EQ(test, srx_quota_set_credit(&f->sq, SRX_GOV_CREDIT_BUFFER),
			0);
	for (key = 1; key <= 6; key++)
		srx_quota_charge_buf(&f->sq, &f->q[key & 1], key);
	KUNIT_EXPECT_EQ(test, f->sq.ndrawn, 4U);
	KUNIT_EXPECT_EQ(test, f->q[0].held + f->q[1].held, 4U);
	KUNIT_ASSERT_EQ(test, srx_quota_store_alloc(&st, 2, GFP_KERNEL), 0);
	srx_quota_install(&f->sq, 2, &st);
	srx_quota_store_free(&st);
	KUNIT_EXPECT_EQ(test, f->sq.ndrawn, 2U);
	/* Keys 5 and 6 are left, and still found after the move. */
	srx_quota_returned(&f->sq, 6);
	srx_quota_returned(&f->sq, 5);
	KUNIT_EXPECT_EQ(test, f->q[0].held + f->q[1].held, 0U);
	KUNIT_EXPECT_EQ(test, f->sq.matched, 2ULL);
	srx_quota_destroy(&f->sq);
}

/* credit=buffer's model: each draw's buffer and holder (4: tombstone). */
struct buffer_model {
	u32	out[4];
	u32	owner[64];
	u64	key[64];
	u32	len;
};

static void bmodel_remove(struct buffer_model *m, u32 i)
{
	if (m->owner[i] < 4)
		m->out[m->owner[i]]--;
	memmove(&m->owner[i], &m->owner[i + 1],
		(m->len - i - 1) * sizeof(m->owner[0]));
	memmove(&m->key[i], &m->key[i + 1],
		(m->len - i - 1) * sizeof(m->key[0]));
	m->len--;
}

/*
 * Random draws, reposts of drawn buffers in any order, fresh buffers,
 * flushes and undraws against the model: held always equals the model's
 * count and the records are exactly the model's draws.
 */
static void quota_buffer_vs_model(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 48, 4);
	struct buffer_model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	u64 next_key = 1;
	struct rnd_state rnd;
	u32 step, op, k, i;

	KUNIT_ASSERT_NOT_NULL(test, m);
	prandom_seed_state(&rnd, 7);
	KUNIT_ASSERT_EQ(test, srx_quota_set_credit(&f->sq, SRX_GOV_CREDIT_BUFFER),
			0);
	for (i = 0; i < 4; i++)
		srx_quota_set_limit(&f->sq, &f->q[i], 12);
	for (step = 0; step < 4000; step++) {
		op = prandom_u32_state(&rnd) % 5;
		k = prandom_u32_state(&rnd) % 4;
		if (op <= 1 && m->len < 48) {
			if (srx_quota_charge_buf(&f->sq, &f->q[k], next_key) ==
			    SRX_QUOTA_ADMIT) {
				m->owner[m->len] = k;
				m->key[m->len++] = next_key;
				m->out[k]++;
			}
			next_key++;
		} else if (op == 2 && m->len) {
			i = prandom_u32_state(&rnd) % m->len;
			srx_quota_returned(&f->sq, m->key[i]);
			bmodel_remove(m, i);
		} else if (op == 3 && m->len) {
			srx_quota_returned(&f->sq, 0);	/* fresh */
			bmodel_remove(m, 0);
		} else if (op == 4) {
			for (i = 0; i < m->len; i++)
				if (m->owner[i] == k)
					break;
			if (i == m->len)
				continue;
			if (prandom_u32_state(&rnd) & 1) {
				srx_quota_flush(&f->sq, &f->q[k], 1);
				m->out[k]--;
				m->owner[i] = 4;
			} else {
				srx_quota_undraw(&f->sq, &f->q[k], m->key[i]);
				bmodel_remove(m, i);
			}
		}
		for (i = 0; i < 4; i++)
			KUNIT_ASSERT_EQ(test, f->q[i].held, m->out[i]);
		KUNIT_ASSERT_EQ(test, f->sq.ndrawn, m->len);
	}
	srx_quota_destroy(&f->sq);
}

struct rnr_case {
	const char	*name;
	u32		streak;
	u8		base;
	u8		timer;
};

static const struct rnr_case rnr_cases[] = {
	{ "under_limit_keeps_own", 0, 12, 12 },
	{ "first_refusal_one_step", 1, 12, 13 },
	{ "steps_with_streak", 5, 12, 17 },
	{ "capped", 8, 12, SRX_QUOTA_RNR_MAX },
	{ "long_streak_capped", U32_MAX, 1, SRX_QUOTA_RNR_MAX },
	{ "zero_is_longest_already", 3, 0, 0 },
	{ "own_longer_than_cap", 3, 25, 25 },
	{ "own_at_cap", 3, SRX_QUOTA_RNR_MAX, SRX_QUOTA_RNR_MAX },
};

static void rnr_case_desc(const struct rnr_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(rnr, rnr_cases, rnr_case_desc);

static void quota_rnr_backoff(struct kunit *test)
{
	const struct rnr_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, srx_quota_rnr_timer(c->streak, c->base),
			c->timer);
}

/* The streak counts refusals in a row; an admitted draw ends it. */
static void quota_refusal_streak(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 8, 1);
	struct srx_quota_qp *q = &f->q[0];

	srx_quota_set_limit(&f->sq, q, 1);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, q, 1), SRX_QUOTA_ADMIT);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, q, 1), SRX_QUOTA_RNR);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, q, 1), SRX_QUOTA_RNR);
	KUNIT_EXPECT_EQ(test, q->streak, 2U);
	srx_quota_complete(&f->sq, q, SRX_QEV_CONSUMED, 1);
	KUNIT_EXPECT_EQ(test, q->streak, 2U);
	KUNIT_EXPECT_EQ(test, srx_quota_charge(&f->sq, q, 1), SRX_QUOTA_ADMIT);
	KUNIT_EXPECT_EQ(test, q->streak, 0U);
	srx_quota_destroy(&f->sq);
}

/*
 * The operator's watermark fires once below the mark, keeps the
 * ranking, and re-arms only with twice the mark free again.
 */
static void quota_admin_watermark_hysteresis(struct kunit *test)
{
	struct quota_fixture *f = quota_setup(test, 16, 2);
	static const struct {
		u32	avail;
		bool	fires;
		bool	armed;
	} steps[] = {
		{ 10, false, true }, { 4, false, true }, { 3, true, false },
		{ 2, false, false }, { 7, false, false }, { 8, false, true },
		{ 5, false, true }, { 0, true, false },
	};
	u32 i;

	srx_quota_charge(&f->sq, &f->q[1], 3);
	KUNIT_EXPECT_FALSE(test, srx_quota_admin_check(&f->sq, 0));
	srx_quota_set_admin_wm(&f->sq, 4);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		KUNIT_EXPECT_EQ_MSG(test,
				    srx_quota_admin_check(&f->sq, steps[i].avail),
				    steps[i].fires, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, f->sq.admin_armed, steps[i].armed,
				    "step %u", i);
	}
	KUNIT_EXPECT_EQ(test, f->sq.admin_events, 2ULL);
	KUNIT_EXPECT_EQ(test, f->sq.watermarks, 2ULL);
	/* The ranking of that moment names the QP holding the most. */
	KUNIT_EXPECT_EQ(test, f->sq.snap[0].qpn, 101U);
	KUNIT_EXPECT_EQ(test, f->sq.snap[0].held, 3U);
	/* A mark above the size is the size; shrinking the SRQ lowers it. */
	srx_quota_set_admin_wm(&f->sq, 100);
	KUNIT_EXPECT_EQ(test, f->sq.admin_wm, 16U);
	KUNIT_EXPECT_EQ(test, srx_quota_resize(&f->sq, 8, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, f->sq.admin_wm, 8U);
	srx_quota_destroy(&f->sq);
}

static struct kunit_case srx_quota_cases[] = {
	KUNIT_CASE(quota_unlimited_admits_all),
	KUNIT_CASE(quota_zero_limit_admits_none),
	KUNIT_CASE(quota_policies),
	KUNIT_CASE(quota_charge_needs_r_credits),
	KUNIT_CASE(quota_credit_poll_and_post),
	KUNIT_CASE(quota_credit_mode_busy),
	KUNIT_CASE(quota_credit_repost_oldest_first),
	KUNIT_CASE(quota_flush_credits),
	KUNIT_CASE(quota_detach_credits_all),
	KUNIT_CASE(quota_share_recompute),
	KUNIT_CASE(quota_resize_keeps_fifo),
	KUNIT_CASE(quota_group_caps_members),
	KUNIT_CASE(quota_room_counts_nothing),
	KUNIT_CASE(quota_offenders_ranked),
	KUNIT_CASE(quota_recent_window),
	KUNIT_CASE(quota_random_vs_model),
	KUNIT_CASE(quota_credit_buffer_any_order),
	KUNIT_CASE(quota_credit_buffer_tombstones),
	KUNIT_CASE(quota_credit_buffer_bounded),
	KUNIT_CASE(quota_buffer_vs_model),
	KUNIT_CASE_PARAM(quota_rnr_backoff, rnr_gen_params),
	KUNIT_CASE(quota_refusal_streak),
	KUNIT_CASE(quota_admin_watermark_hysteresis),
	{}
};

static struct kunit_suite srx_quota_suite = {
	.name = "srx_quota",
	.test_cases = srx_quota_cases,
};

kunit_test_suite(srx_quota_suite);
