// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * KUnit tests for the resource bounds a peer or an unprivileged user
 * would otherwise drive without limit: the per-QP receive packet queue
 * (SRX_MAX_RXQ, overflow counted in rx_queue_full_drop) and the spare
 * WQE block for out-of-order holding per SRQ (a quarter of max_wr, at
 * most SRX_OOO_SRQ_MAX; it only ever grows, also when resizes race),
 * with the OOO caps as set and as the size gives them. Tables of cases,
 * one run per row.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <kunit/test.h>
#include <linux/skbuff.h>

#include "../srx.h"

struct rxq_case {
	const char	*name;
	u32		pushed;		/* packets handed to the QP */
	u32		queued;		/* left waiting for the engine */
	u32		dropped;	/* counted as rx_queue_full_drop */
};

static const struct rxq_case rxq_cases[] = {
	{ "one", 1, 1, 0 },
	{ "just_under", SRX_MAX_RXQ - 1, SRX_MAX_RXQ - 1, 0 },
	{ "full", SRX_MAX_RXQ, SRX_MAX_RXQ, 0 },
	{ "one_over", SRX_MAX_RXQ + 1, SRX_MAX_RXQ, 1 },
	{ "flood", 3 * SRX_MAX_RXQ, SRX_MAX_RXQ, 2 * SRX_MAX_RXQ },
};

static void rxq_case_desc(const struct rxq_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(rxq, rxq_cases, rxq_case_desc);

static void rxq_purge(void *rxq)
{
	skb_queue_purge(rxq);
}

/*
 * A QP whose engine is busy elsewhere (RUNNING held, as while a worker
 * answers a long READ): every packet waits in the rxq, and none may
 * start a pass or queue a worker, so the fake QP needs no workqueue.
 */
static void srx_rxq_bounded(struct kunit *test)
{
	const struct rxq_case *c = test->param_value;
	struct srx_dev *sdev;
	struct srx_qp *qp;
	struct sk_buff *skb;
	u32 i;

	sdev = kunit_kzalloc(test, sizeof(*sdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sdev);
	qp = kunit_kzalloc(test, sizeof(*qp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, qp);
	qp->ibqp.device = &sdev->ibdev;
	skb_queue_head_init(&qp->rxq);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, rxq_purge,
							&qp->rxq), 0);
	set_bit(SRX_QPF_RUNNING, &qp->flags);

	for (i = 0; i < c->pushed; i++) {
		skb = alloc_skb(0, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, skb);
		srx_engine_rcv(qp, skb, i & 1);
	}

	KUNIT_EXPECT_EQ(test, skb_queue_len(&qp->rxq), c->queued);
	KUNIT_EXPECT_EQ(test, atomic64_read(&sdev->cnt[SRX_CNT_RXQ_DROP]),
			(s64)c->dropped);
	KUNIT_EXPECT_EQ(test, atomic64_read(&sdev->cnt[SRX_CNT_BAD_STATE]),
			0);
}

struct spare_case {
	const char	*name;
	u32		max_wr;
	u32		max_sge;
	u32		spares;		/* expected spare_cap */
};

static const struct spare_case spare_cases[] = {
	{ "tiny", 1, 1, 1 },
	{ "quarter_rounds_down", 7, 1, 1 },
	{ "quarter", 64, 2, 16 },
	{ "at_cap", 4 * SRX_OOO_SRQ_MAX, 4, SRX_OOO_SRQ_MAX },
	{ "largest_srq", 16384, 32, SRX_OOO_SRQ_MAX },
};

static void spare_case_desc(const struct spare_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(spare, spare_cases, spare_case_desc);

static void spare_free(void *srq)
{
	srx_ooo_srq_free(srq);
}

/* One block per SRQ, sized by the bound, never by max_wr alone. */
static void srx_ooo_spare_bounded(struct kunit *test)
{
	const struct spare_case *c = test->param_value;
	struct srx_srq *srq;
	size_t bytes;

	srq = kunit_kzalloc(test, sizeof(*srq), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, srq);
	srq->max_wr = c->max_wr;
	srq->max_sge = c->max_sge;
	KUNIT_ASSERT_EQ(test, srx_ooo_srq_init(srq), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, spare_free,
							srq), 0);

	KUNIT_EXPECT_EQ(test, srq->spare_cap, c->spares);
	KUNIT_EXPECT_LE(test, srq->spare_cap, SRX_OOO_SRQ_MAX);
	KUNIT_EXPECT_LE(test, srq->spare_cap, max(c->max_wr / 4, 1U));
	bytes = (size_t)srq->spare_cap * srx_recv_wqe_size(c->max_sge);
	/* The whole block is writable: the last WQE's last byte too. */
	memset(srq->spare, 0xa5, bytes);
}

/* Spare WQE @i of a one-SGE SRQ. */
static void *spare_at(struct srx_srq *srq, u32 i)
{
	return srq->spare + (size_t)i * srx_recv_wqe_size(1);
}

/* An SRQ with a spare block, as srx_ooo_srq_init() makes it. */
static struct srx_srq *spare_srq(struct kunit *test, u32 max_wr)
{
	struct srx_srq *srq = kunit_kzalloc(test, sizeof(*srq), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, srq);
	spin_lock_init(&srq->lock);
	srq->max_wr = max_wr;
	srq->max_sge = 1;
	KUNIT_ASSERT_EQ(test, srx_ooo_srq_init(srq), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, spare_free,
							srq), 0);
	return srq;
}

/*
 * Two resizes race (uverbs modify_srq holds only a read lock): one grew
 * the block and holds filled it past what the other prepared. The late,
 * smaller block must not replace it; it stays with its caller to free.
 * Regression: the swap used to take any prepared block.
 */
static void srx_ooo_spare_never_shrinks(struct kunit *test)
{
	struct srx_srq *srq = spare_srq(test, 1023);
	void *small, *big = srq->spare;
	u32 cap;

	KUNIT_ASSERT_EQ(test, srq->spare_cap, 255U);
	KUNIT_ASSERT_EQ(test, srx_ooo_spare_prep(srq, 255, &small, &cap), 0);
	/* Not larger than the block in place: nothing to prepare. */
	KUNIT_EXPECT_NULL(test, small);
	/* As the racing resize saw it before the other one grew the block. */
	small = kvcalloc(63, srx_recv_wqe_size(1), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, small);
	cap = 63;
	srq->nspare = 100;
	spin_lock_irq(&srq->lock);
	srx_ooo_spare_swap(srq, &small, &cap);
	spin_unlock_irq(&srq->lock);
	KUNIT_EXPECT_PTR_EQ(test, srq->spare, big);
	KUNIT_EXPECT_EQ(test, srq->spare_cap, 255U);
	KUNIT_EXPECT_EQ(test, cap, 63U);
	kvfree(small);
}

/* A larger block takes the spares along and hands back the old one. */
static void srx_ooo_spare_grows(struct kunit *test)
{
	struct srx_srq *srq = spare_srq(test, 63);
	void *spare, *old = srq->spare;
	u32 cap;

	KUNIT_ASSERT_EQ(test, srq->spare_cap, 15U);
	memset(spare_at(srq, 3), 0x5a, srx_recv_wqe_size(1));
	srq->nspare = 4;
	KUNIT_ASSERT_EQ(test, srx_ooo_spare_prep(srq, 1023, &spare, &cap), 0);
	KUNIT_ASSERT_NOT_NULL(test, spare);
	spin_lock_irq(&srq->lock);
	srx_ooo_spare_swap(srq, &spare, &cap);
	spin_unlock_irq(&srq->lock);
	KUNIT_EXPECT_EQ(test, srq->spare_cap, 255U);
	KUNIT_EXPECT_PTR_EQ(test, spare, old);
	KUNIT_EXPECT_EQ(test, cap, 15U);
	KUNIT_EXPECT_EQ(test, *(u8 *)spare_at(srq, 3), 0x5a);
	kvfree(spare);
}

/* The caps as set or as the size gives them, bounded by the block. */
static void srx_ooo_caps(struct kunit *test)
{
	struct srx_srq *srq = spare_srq(test, 1023);

	KUNIT_EXPECT_EQ(test, srx_ooo_srq_cap(srq), 255U);
	KUNIT_EXPECT_EQ(test, srx_ooo_low(srq), 127U);
	KUNIT_EXPECT_EQ(test, srx_ooo_srq_set(srq, 3, 9), 0);
	KUNIT_EXPECT_EQ(test, srx_ooo_srq_cap(srq), 3U);
	KUNIT_EXPECT_EQ(test, srx_ooo_low(srq), 9U);
	KUNIT_EXPECT_EQ(test, srx_ooo_srq_set(srq, SRX_OOO_SRQ_MAX + 1, 9),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, srx_ooo_srq_set(srq, SRX_OOO_SRQ_MAX, 9), 0);
	/* Never more than the block holds. */
	KUNIT_EXPECT_EQ(test, srx_ooo_srq_cap(srq), 255U);
	KUNIT_EXPECT_EQ(test, srx_ooo_srq_set(srq, SRX_GOV_OOO_DEFAULT,
					      SRX_GOV_OOO_DEFAULT), 0);
	srq->max_wr = 63;	/* a resize down: the default follows */
	KUNIT_EXPECT_EQ(test, srx_ooo_srq_cap(srq), 15U);
	KUNIT_EXPECT_EQ(test, srx_ooo_low(srq), 7U);
}

static struct kunit_case srx_bounds_cases[] = {
	KUNIT_CASE_PARAM(srx_rxq_bounded, rxq_gen_params),
	KUNIT_CASE_PARAM(srx_ooo_spare_bounded, spare_gen_params),
	KUNIT_CASE(srx_ooo_spare_never_shrinks),
	KUNIT_CASE(srx_ooo_spare_grows),
	KUNIT_CASE(srx_ooo_caps),
	{}
};

static struct kunit_suite srx_bounds_suite = {
	.name = "srx_bounds",
	.test_cases = srx_bounds_cases,
};

kunit_test_suite(srx_bounds_suite);
