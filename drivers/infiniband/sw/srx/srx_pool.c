// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: object tables. Each kind of object is counted against the limit
 * query_device reports; numbered kinds (QPN, SRQ number, MR/MW key index,
 * AH number) also get a cyclically allocated id, so a number freed now is
 * not reused at once by a new object.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include "srx.h"

void srx_table_init(struct srx_table *t, u32 min, u32 max, u32 limit)
{
	xa_init_flags(&t->xa, XA_FLAGS_ALLOC | XA_FLAGS_LOCK_IRQ);
	t->min = min;
	t->max = max;
	t->next = min;
	t->limit = limit;
	atomic_set(&t->count, 0);
}

void srx_table_destroy(struct srx_table *t)
{
	WARN_ON(!xa_empty(&t->xa));
	xa_destroy(&t->xa);
}

/**
 * srx_table_add - count a new object and, with @id, reserve it a number
 * @t: the table
 * @id: NULL for count-only tables, else set to the new id
 * @gfp: GFP_ATOMIC when called in atomic context
 *
 * A reserved number finds nothing until srx_table_publish(): lookups
 * must never see an object its create has not finished.
 *
 * Return: 0, or -ENOMEM when the table is at its limit or out of memory.
 */
int srx_table_add(struct srx_table *t, u32 *id, gfp_t gfp)
{
	void *obj = NULL;	/* reserves the number */

	int err;

	if (atomic_inc_return(&t->count) > t->limit) {
		atomic_dec(&t->count);
		return -ENOMEM;
	}
	if (!id)
		return 0;
	if (gfpflags_allow_blocking(gfp)) {
		err = xa_alloc_cyclic_irq(&t->xa, id, obj,
					  XA_LIMIT(t->min, t->max), &t->next,
					  gfp);
	} else {
		unsigned long flags;

		/* Atomic callers (AH creation) may run with IRQs off. */
		xa_lock_irqsave(&t->xa, flags);
		err = __xa_alloc_cyclic(&t->xa, id, obj,
					XA_LIMIT(t->min, t->max), &t->next,
					gfp);
		xa_unlock_irqrestore(&t->xa, flags);
	}
	if (err < 0) {
		atomic_dec(&t->count);
		return err == -EBUSY ? -ENOMEM : err;
	}
	return 0;
}

/* Reserve a number with a fixed meaning, such as QPN 1 for the GSI QP. */
int srx_table_add_at(struct srx_table *t, u32 id)
{
	int err;

	if (atomic_inc_return(&t->count) > t->limit) {
		atomic_dec(&t->count);
		return -ENOMEM;
	}
	err = xa_insert_irq(&t->xa, id, NULL, GFP_KERNEL);
	if (err) {
		atomic_dec(&t->count);
		return err == -EBUSY ? -EEXIST : err;
	}
	return 0;
}

/**
 * srx_table_publish - let lookups of a reserved number find @obj
 * @t: the table
 * @id: a number from srx_table_add() or srx_table_add_at()
 * @obj: the object, fully initialised; its create cannot fail any more
 */
void srx_table_publish(struct srx_table *t, u32 id, void *obj)
{
	unsigned long flags;
	void *old;

	xa_lock_irqsave(&t->xa, flags);
	/* The slot exists already: storing into it allocates nothing. */
	old = __xa_store(&t->xa, id, obj, GFP_ATOMIC);
	xa_unlock_irqrestore(&t->xa, flags);
	WARN_ON_ONCE(xa_is_err(old) || old);
}

void srx_table_del(struct srx_table *t, u32 id)
{
	unsigned long flags;

	if (id) {
		xa_lock_irqsave(&t->xa, flags);
		__xa_erase(&t->xa, id);
		xa_unlock_irqrestore(&t->xa, flags);
	}
	atomic_dec(&t->count);
}

void srx_dev_tables_init(struct srx_dev *sdev)
{
	srx_table_init(&sdev->pd_tbl, 0, 0, SRX_MAX_PD);
	srx_table_init(&sdev->cq_tbl, 0, 0, SRX_MAX_CQ);
	/* 0xffffff is the multicast QPN. */
	srx_table_init(&sdev->qp_tbl, SRX_QPN_MIN, IB_MULTICAST_QPN - 1,
		       SRX_MAX_QP);
	srx_table_init(&sdev->srq_tbl, 1, SRX_QPN_MAX, SRX_MAX_SRQ);
	srx_table_init(&sdev->mr_tbl, 0, 0, SRX_MAX_MR);
	srx_table_init(&sdev->mw_tbl, 0, 0, SRX_MAX_MW);
	srx_table_init(&sdev->key_tbl, 1, SRX_KEY_INDEX_MAX,
		       SRX_MAX_MR + SRX_MAX_MW);
	srx_table_init(&sdev->ah_tbl, 1, SRX_QPN_MAX, SRX_MAX_AH);
}

void srx_dev_tables_destroy(struct srx_dev *sdev)
{
	srx_table_destroy(&sdev->pd_tbl);
	srx_table_destroy(&sdev->cq_tbl);
	srx_table_destroy(&sdev->qp_tbl);
	srx_table_destroy(&sdev->srq_tbl);
	srx_table_destroy(&sdev->mr_tbl);
	srx_table_destroy(&sdev->mw_tbl);
	srx_table_destroy(&sdev->key_tbl);
	srx_table_destroy(&sdev->ah_tbl);
}
