// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: rings in rdma_rxe's layout, shared with user space, and their mmap
 * plumbing.
 *
 * The index a side owns is authoritative only on that side. For a ring
 * user space produces into, the kernel reads producer_index once per use
 * and masks it; for a ring the kernel produces into, it keeps its own
 * producer index and only copies it out. A process scribbling on its
 * ring can therefore confuse itself but never make the kernel index out
 * of bounds.
 *
 * A mapped ring's buffer is owned by its mmap entry, not by the queue:
 * the core frees the entry, and with it the buffer, only after the queue
 * removed it and every mapping is gone.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <rdma/uverbs_ioctl.h>

#include "srx.h"

static struct rxe_queue_buf *srx_ring_alloc(u32 slots, u32 log2_elem_size,
					    size_t *size)
{
	struct rxe_queue_buf *buf;

	*size = sizeof(*buf) + ((size_t)slots << log2_elem_size);
	buf = vmalloc_user(*size);
	if (!buf)
		return NULL;
	buf->log2_elem_size = log2_elem_size;
	buf->index_mask = slots - 1;
	return buf;
}

/**
 * srx_queue_init - allocate a ring for at least *@num_elem entries
 * @q: the queue
 * @num_elem: in: entries wanted, out: usable entries (slots - 1)
 * @elem_size: bytes per entry
 * @kind: which side produces
 *
 * Return: 0, -EINVAL for a bad size, -ENOMEM.
 */
int srx_queue_init(struct srx_queue *q, u32 *num_elem, u32 elem_size,
		   enum srx_queue_kind kind)
{
	u32 slots, log2;
	int err;

	/* Callers enforce their own limits; this only bounds the memory. */
	err = srx_ring_geometry(*num_elem, elem_size, SZ_1M, &slots, &log2);
	if (err)
		return err;
	memset(q, 0, sizeof(*q));
	q->buf = srx_ring_alloc(slots, log2, &q->buf_size);
	if (!q->buf)
		return -ENOMEM;
	q->index_mask = slots - 1;
	q->log2_elem_size = log2;
	q->kind = kind;
	*num_elem = slots - 1;
	return 0;
}

/**
 * srx_queue_map - let the process owning @udata mmap the ring
 * @q: an initialised queue
 * @udata: the verb's udata; its ucontext owns the mapping
 * @mi: filled with the offset and size for the rxe ABI response
 */
int srx_queue_map(struct srx_queue *q, struct ib_udata *udata,
		  struct mminfo *mi)
{
	struct srx_ucontext *uctx = rdma_udata_to_drv_context(udata,
					struct srx_ucontext, ibuc);
	struct srx_mmap_entry *mme;
	u64 offset;

	mme = srx_mmap_entry_insert(&uctx->ibuc, q->buf, q->buf_size, &offset);
	if (IS_ERR(mme))
		return PTR_ERR(mme);
	q->mme = mme;
	mi->offset = offset;
	mi->size = q->buf_size;
	mi->pad = 0;
	return 0;
}

static void srx_ring_release(struct rxe_queue_buf *buf,
			     struct srx_mmap_entry *mme)
{
	if (mme)
		rdma_user_mmap_entry_remove(&mme->rdma);
	else
		vfree(buf);
}

void srx_queue_free(struct srx_queue *q)
{
	if (q->buf)
		srx_ring_release(q->buf, q->mme);
	q->buf = NULL;
	q->mme = NULL;
}

/*
 * Index ordering, both directions: a producer writes the entry, then
 * publishes the index with release; a consumer reads the index with
 * acquire, then the entry. librxe uses the same pairing on its side.
 */

/* Empty the ring, e.g. on a QP's transition to RESET. */
void srx_queue_reset(struct srx_queue *q)
{
	q->prod = 0;
	q->cons = 0;
	/* Release: pairs with the acquire loads in librxe. */
	smp_store_release(&q->buf->producer_index, 0);
	/* Release: pairs with the acquire loads in librxe. */
	smp_store_release(&q->buf->consumer_index, 0);
}

/*
 * Move @q's entries @cons..@prod, in order, into the empty ring @nq; swap
 * the rings. The indices are the caller's one reading of them: a user
 * index read again could differ from what the caller acts on.
 */
static int srx_queue_move(struct srx_queue *q, struct srx_queue *nq, u32 cons,
			  u32 prod)
{
	u32 count = srx_ring_count(prod, cons, q->index_mask);
	size_t esize = BIT(q->log2_elem_size);
	struct srx_queue tmp;
	u32 i;

	if (count > nq->index_mask)
		return -EINVAL;
	for (i = 0; i < count; i++)
		memcpy(srx_queue_elem(nq, i), srx_queue_elem(q, cons + i),
		       esize);
	nq->prod = count;
	nq->cons = 0;
	nq->buf->producer_index = count;
	nq->buf->consumer_index = 0;
	tmp = *q;
	*q = *nq;
	*nq = tmp;
	return 0;
}

/**
 * srx_queue_resize - move a ring's entries, in order, to a new ring
 * @q: the queue
 * @lock: the lock that guards @q's indices; taken here with IRQs off
 * @num_elem: in: entries wanted, out: usable entries
 * @udata: non-NULL for a mapped ring: the new ring is mapped, @mi set
 * @mi: the new ring's mmap info
 * @moved: if set, called under @lock after the move with the old ring's
 *	consumer and producer indices and index mask (entry cons + i is
 *	now entry i), so the owner can move its per-entry state
 * @ctx: for @moved
 *
 * The new ring is allocated and mapped before @lock is taken, and the
 * old one released after it is dropped.
 *
 * Return: 0, or -EINVAL when the entries present do not fit.
 */
int srx_queue_resize(struct srx_queue *q, spinlock_t *lock, u32 *num_elem,
		     struct ib_udata *udata, struct mminfo *mi,
		     srx_queue_moved_fn moved, void *ctx)
{
	u32 old_cons, old_prod, old_mask;
	struct srx_queue nq;
	unsigned long flags;
	int err;

	err = srx_queue_init(&nq, num_elem, BIT(q->log2_elem_size), q->kind);
	if (err)
		return err;
	if (udata) {
		err = srx_queue_map(&nq, udata, mi);
		if (err)
			goto out;
	}
	spin_lock_irqsave(lock, flags);
	old_cons = srx_queue_cons(q);
	old_prod = srx_queue_prod(q);
	old_mask = q->index_mask;
	err = srx_queue_move(q, &nq, old_cons, old_prod);
	if (!err && moved)
		moved(ctx, old_cons, old_prod, old_mask);
	spin_unlock_irqrestore(lock, flags);
out:
	/* Holds the old ring on success, the unused new one on error. */
	srx_queue_free(&nq);
	return err;
}

static struct srx_mmap_entry *to_smme(struct rdma_user_mmap_entry *e)
{
	return container_of(e, struct srx_mmap_entry, rdma);
}

/**
 * srx_mmap_entry_insert - make a vmalloc'ed ring mappable by user space
 * @uctx: the owning context
 * @buf: vmalloc_user() memory; the entry takes ownership
 * @size: bytes of @buf
 * @offset: set to the mmap offset to return to user space
 *
 * Return: the entry, or ERR_PTR; on error @buf is still the caller's.
 */
struct srx_mmap_entry *srx_mmap_entry_insert(struct ib_ucontext *uctx,
					     void *buf, size_t size,
					     u64 *offset)
{
	struct srx_mmap_entry *e;
	int err;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);
	e->buf = buf;
	e->size = size;
	err = rdma_user_mmap_entry_insert(uctx, &e->rdma, PAGE_ALIGN(size));
	if (err) {
		kfree(e);
		return ERR_PTR(err);
	}
	*offset = rdma_user_mmap_get_offset(&e->rdma);
	return e;
}

int srx_mmap(struct ib_ucontext *uctx, struct vm_area_struct *vma)
{
	struct rdma_user_mmap_entry *entry;
	struct srx_mmap_entry *e;
	int err;

	entry = rdma_user_mmap_entry_get(uctx, vma);
	if (!entry)
		return -EINVAL;
	e = to_smme(entry);
	if (vma->vm_end - vma->vm_start > PAGE_ALIGN(e->size))
		err = -EINVAL;
	else
		err = remap_vmalloc_range(vma, e->buf, 0);
	rdma_user_mmap_entry_put(entry);
	return err;
}

void srx_mmap_free(struct rdma_user_mmap_entry *entry)
{
	struct srx_mmap_entry *e = to_smme(entry);

	vfree(e->buf);
	kfree(e);
}
