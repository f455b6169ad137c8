// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: memory access for the data path: lkey and rkey resolution, copies
 * between packets and registered memory, atomics, and the memory
 * management operations of the send queue (fast registration, local and
 * remote invalidation, memory window binding).
 *
 * An MR or MW found by key (under RCU) is pinned with a reference for the
 * duration of one access; deregistration removes the key first and then
 * waits for those references, so an access never sees freed memory.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/highmem.h>

#include "srx.h"

/* Serialises srx atomics against each other (the spec's HCA scope). */
DEFINE_SPINLOCK(srx_atomic_lock);

/* The kernel's local DMA lkey (0): all of kernel memory, never freed. */
static struct srx_mr srx_local_dma_mr = {
	.kind = SRX_MR_DMA,
	.access = IB_ACCESS_LOCAL_WRITE,
	.valid = true,
};

void srx_keyed_init(struct srx_keyed *kh, enum srx_key_type type)
{
	kh->type = type;
	refcount_set(&kh->ref, 1);
	init_completion(&kh->released);
}

void srx_keyed_put(struct srx_keyed *kh)
{
	if (refcount_dec_and_test(&kh->ref))
		complete(&kh->released);
}

/* Drop the owner's reference and wait for every access to finish. */
void srx_keyed_drain(struct srx_keyed *kh)
{
	srx_keyed_put(kh);
	wait_for_completion(&kh->released);
}

/*
 * Lockless: every copy of every packet looks a key up. An object found
 * here stays readable until the RCU readers are gone (MRs are freed with
 * kfree_rcu(), an MW's key handle too), and one being
 * drained has a zero count, so it is never pinned again.
 */
static struct srx_keyed *srx_key_lookup(struct srx_dev *sdev, u32 key)
{
	struct srx_keyed *kh;

	rcu_read_lock();
	kh = xa_load(&sdev->key_tbl.xa, key >> 8);
	if (kh && !refcount_inc_not_zero(&kh->ref))
		kh = NULL;
	rcu_read_unlock();
	return kh;
}

void srx_mr_put(struct srx_mr *mr)
{
	if (mr != &srx_local_dma_mr)
		srx_keyed_put(&mr->kh);
}

static bool srx_mr_covers(struct srx_mr *mr, u64 iova, u32 len)
{
	return mr->kind == SRX_MR_DMA ||
	       srx_range_within(mr->ibmr.iova, mr->ibmr.length, iova, len);
}

/*
 * Does @mr belong to @pd and grant @access? A user MR's PD and rights
 * change in place under ibv_rereg_mr (the core stores the new PD after
 * srx_rereg_user_mr() returns): each is read once, and an access in
 * flight meanwhile is checked against the old or the new, never a mix
 * of torn values.
 */
static bool srx_mr_rights_ok(const struct srx_mr *mr, const struct ib_pd *pd,
			     int access)
{
	return READ_ONCE(mr->ibmr.pd) == pd &&
	       !(access & ~READ_ONCE(mr->access));
}

/**
 * srx_mr_get - resolve a local key for an access
 * @sdev: the device
 * @pd: the PD of the QP doing the access
 * @lkey: the key from the SGE
 * @iova: first byte accessed
 * @len: bytes accessed
 * @access: IB_ACCESS_LOCAL_WRITE when the access writes, else 0
 * @kernel: the QP belongs to the kernel (lkey 0 is its DMA lkey)
 *
 * Return: the MR with a reference (srx_mr_put()), or NULL for a
 * protection error.
 */
struct srx_mr *srx_mr_get(struct srx_dev *sdev, struct ib_pd *pd, u32 lkey,
			  u64 iova, u32 len, int access, bool kernel)
{
	struct srx_keyed *kh;
	struct srx_mr *mr;

	if (!lkey)
		return kernel ? &srx_local_dma_mr : NULL;
	kh = srx_key_lookup(sdev, lkey);
	if (!kh)
		return NULL;
	if (kh->type != SRX_KEY_MR)
		goto bad;
	mr = container_of(kh, struct srx_mr, kh);
	if (mr->ibmr.lkey != lkey || !srx_mr_rights_ok(mr, pd, access) ||
	    !READ_ONCE(mr->valid) || !srx_mr_covers(mr, iova, len))
		goto bad;
	return mr;
bad:
	srx_keyed_put(kh);
	return NULL;
}

/* What a remote key must cover: the bytes accessed, or nothing more. */
enum srx_key_scope {
	SRX_KEY_RANGE,
	SRX_KEY_WHOLE,		/* a FLUSH of the whole region */
};

static struct srx_mr *srx_mw_resolve(struct srx_qp *qp, struct srx_mw *mw,
				     u64 *iova, u32 len, int access,
				     enum srx_key_scope scope)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	struct srx_mr *mr = NULL;
	unsigned long flags;

	spin_lock_irqsave(&sdev->mw_lock, flags);
	if (!mw->mr || (access & ~mw->access) ||
	    (scope == SRX_KEY_RANGE &&
	     !srx_range_within(mw->addr, mw->length, *iova, len)))
		goto out;
	if (mw->ibmw.type == IB_MW_TYPE_1 ? mw->ibmw.pd != qp->ibqp.pd :
	    mw->qpn != qp->ibqp.qp_num)
		goto out;
	/* A bound MR cannot be deregistered, so the reference is safe. */
	if (refcount_inc_not_zero(&mw->mr->kh.ref))
		mr = mw->mr;
out:
	spin_unlock_irqrestore(&sdev->mw_lock, flags);
	return mr;
}

static struct srx_mr *srx_rkey_resolve(struct srx_qp *qp, u32 rkey,
				       u64 *iova, u32 len, int access,
				       enum srx_key_scope scope)
{
	struct srx_keyed *kh = srx_key_lookup(to_sdev(qp->ibqp.device), rkey);
	struct srx_mr *mr = NULL;
	struct srx_mw *mw;

	if (!kh)
		return NULL;
	if (kh->type == SRX_KEY_MW) {
		mw = container_of(kh, struct srx_mw_key, kh)->mw;
		if (mw->ibmw.rkey == rkey)
			mr = srx_mw_resolve(qp, mw, iova, len, access, scope);
		srx_keyed_put(kh);
		return mr;
	}
	mr = container_of(kh, struct srx_mr, kh);
	if (mr->ibmr.rkey != rkey || !srx_mr_rights_ok(mr, qp->ibqp.pd, access) ||
	    !READ_ONCE(mr->valid) ||
	    (scope == SRX_KEY_RANGE && !srx_mr_covers(mr, *iova, len))) {
		srx_keyed_put(kh);
		return NULL;
	}
	return mr;
}

/**
 * srx_rkey_get - resolve a remote key for a request arriving on @qp
 * @qp: the responder QP
 * @rkey: the key from RETH, AtomicETH or FLUSH's RETH
 * @iova: the address; kept as is (windows are not zero based)
 * @len: bytes accessed
 * @access: IB_ACCESS_REMOTE_{READ,WRITE,ATOMIC}, IB_ACCESS_FLUSH_*
 *
 * Return: the MR that backs the access, with a reference, or NULL for
 * a remote access error.
 */
struct srx_mr *srx_rkey_get(struct srx_qp *qp, u32 rkey, u64 *iova, u32 len,
			    int access)
{
	return srx_rkey_resolve(qp, rkey, iova, len, access, SRX_KEY_RANGE);
}

/**
 * srx_rkey_get_whole - resolve a remote key for its whole region
 * @qp: the responder QP
 * @rkey: the key from a FLUSH of selectivity level "memory region"
 * @access: the rights the FLUSH needs
 *
 * Return: as srx_rkey_get(), without a range to check.
 */
struct srx_mr *srx_rkey_get_whole(struct srx_qp *qp, u32 rkey, int access)
{
	u64 iova = 0;

	return srx_rkey_resolve(qp, rkey, &iova, 0, access, SRX_KEY_WHOLE);
}

/*
 * A kernel address for @iova and how many bytes from there are
 * contiguous. The caller checked the range; user pages are mapped with
 * kmap_local_page() and need srx_mr_unmap().
 */
static void *srx_mr_map(struct srx_mr *mr, u64 iova, u32 *avail)
{
	u64 off, ps;

	switch (mr->kind) {
	case SRX_MR_DMA:
		*avail = U32_MAX;
		return (void *)(uintptr_t)iova;
	case SRX_MR_USER:
		off = iova - mr->ibmr.iova + ib_umem_offset(mr->umem);
		if (off >> PAGE_SHIFT >= mr->nupages)
			return NULL;
		*avail = PAGE_SIZE - offset_in_page(off);
		return kmap_local_page(mr->upages[off >> PAGE_SHIFT]) +
		       offset_in_page(off);
	case SRX_MR_FAST:
		ps = mr->ibmr.page_size;
		off = iova - (mr->ibmr.iova & ~(ps - 1));
		if (off >> ilog2(ps) >= mr->npages)
			return NULL;
		*avail = ps - (off & (ps - 1));
		return (void *)(uintptr_t)(mr->pages[off >> ilog2(ps)] +
					   (off & (ps - 1)));
	}
	return NULL;
}

static void srx_mr_unmap(struct srx_mr *mr, void *addr)
{
	if (mr->kind == SRX_MR_USER)
		kunmap_local(addr);
}

/**
 * srx_mr_copy - copy between a linear buffer and registered memory
 * @mr: an MR from srx_mr_get() or srx_rkey_get() for this range
 * @iova: first byte in the MR
 * @buf: the kernel buffer
 * @len: bytes
 * @dir: into the MR's memory or out of it
 *
 * Return: 0, or -EFAULT if the MR's pages do not cover the range.
 */
int srx_mr_copy(struct srx_mr *mr, u64 iova, void *buf, u32 len,
		enum srx_copy_dir dir)
{
	u32 avail, n;
	void *addr;

	while (len) {
		addr = srx_mr_map(mr, iova, &avail);
		if (!addr)
			return -EFAULT;
		n = min(len, avail);
		if (dir == SRX_COPY_TO_MEM)
			memcpy(addr, buf, n);
		else
			memcpy(buf, addr, n);
		srx_mr_unmap(mr, addr);
		iova += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/**
 * srx_mr_atomic - 64-bit compare-and-swap, fetch-and-add or store
 * @mr: an MR resolved for 8 bytes at @iova with REMOTE_ATOMIC (REMOTE_WRITE
 *	for a store)
 * @iova: the address in the MR; its kernel address must be 8-byte aligned
 * @op: compare-and-swap, fetch-and-add or ATOMIC WRITE's store
 * @cmp_add: the compare value, or the addend
 * @swap: the swap value, or the value stored
 * @orig: the value found
 *
 * Return: 0, -EFAULT outside the MR's pages, -EINVAL if the kernel
 * address is not 8-byte aligned or the 8 bytes would cross a page.
 */
int srx_mr_atomic(struct srx_mr *mr, u64 iova, enum srx_atomic_op op,
		  u64 cmp_add, u64 swap, u64 *orig)
{
	unsigned long flags;
	u32 avail;
	u64 *addr;

	addr = srx_mr_map(mr, iova, &avail);
	if (!addr)
		return -EFAULT;
	/* The kernel address decides: 8 bytes, aligned, in one mapping. */
	if (avail < sizeof(u64) || !IS_ALIGNED((uintptr_t)addr, sizeof(u64))) {
		srx_mr_unmap(mr, addr);
		return -EINVAL;
	}
	spin_lock_irqsave(&srx_atomic_lock, flags);
	*orig = READ_ONCE(*addr);
	if (op == SRX_ATOMIC_FETCH_ADD)
		WRITE_ONCE(*addr, *orig + cmp_add);
	else if (op == SRX_ATOMIC_WRITE)
		/* Seen after the data of the writes before it (a flag). */
		smp_store_release(addr, swap);
	else if (*orig == cmp_add)
		WRITE_ONCE(*addr, swap);
	spin_unlock_irqrestore(&srx_atomic_lock, flags);
	srx_mr_unmap(mr, addr);
	return 0;
}

/* Total length of an SGE list, at most SRX_MAX_MSG_SZ. */
int srx_sgl_len(const struct rxe_sge *sge, u32 num_sge, u32 *len)
{
	u64 total = 0;
	u32 i;

	for (i = 0; i < num_sge; i++)
		total += sge[i].length;
	if (total > SRX_MAX_MSG_SZ)
		return -EINVAL;
	*len = total;
	return 0;
}

/**
 * srx_sgl_copy - copy between a buffer and an SGE list, from @pos on
 * @qp: whose PD and kind (user or kernel) the lkeys are checked against
 * @sge: a kernel-private SGE list
 * @num_sge: its length
 * @pos: where the previous copy stopped; advanced
 * @buf: the buffer
 * @len: bytes to copy
 * @dir: SRX_COPY_TO_MEM writes into the SGEs' memory (needs LOCAL_WRITE)
 *
 * Return: 0, -EINVAL if the list is too short, -EACCES for a bad lkey.
 */
int srx_sgl_copy(struct srx_qp *qp, const struct rxe_sge *sge, u32 num_sge,
		 struct srx_sgl_pos *pos, void *buf, u32 len,
		 enum srx_copy_dir dir)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	const struct rxe_sge *s;
	struct srx_mr *mr;
	u32 n;
	int err;

	while (len) {
		if (pos->sge >= num_sge)
			return -EINVAL;
		s = &sge[pos->sge];
		if (pos->off >= s->length) {
			pos->sge++;
			pos->off = 0;
			continue;
		}
		n = min(len, s->length - pos->off);
		mr = srx_mr_get(sdev, qp->ibqp.pd, s->lkey, s->addr + pos->off,
				n, dir == SRX_COPY_TO_MEM ? IB_ACCESS_LOCAL_WRITE : 0,
				!qp->is_user);
		if (!mr)
			return -EACCES;
		err = srx_mr_copy(mr, s->addr + pos->off, buf, n, dir);
		srx_mr_put(mr);
		if (err)
			return -EACCES;
		buf += n;
		len -= n;
		pos->off += n;
	}
	return 0;
}

/* Unbind @mw; the caller holds mw_lock. */
static void srx_mw_unbind(struct srx_mw *mw)
{
	if (mw->mr)
		mw->mr->num_mw--;
	mw->mr = NULL;
}

/*
 * Invalidate @rkey for @qp: a fast-registration MR or a type 2 MW.
 * @remote: by a SEND_WITH_INV from the peer (the MW must be bound to @qp).
 */
static int srx_invalidate(struct srx_qp *qp, u32 rkey, bool remote)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	struct srx_keyed *kh = srx_key_lookup(sdev, rkey);
	unsigned long flags;
	struct srx_mr *mr;
	struct srx_mw *mw;
	int err = -EINVAL;

	if (!kh)
		return -EINVAL;
	if (kh->type == SRX_KEY_MR) {
		mr = container_of(kh, struct srx_mr, kh);
		if (mr->ibmr.rkey == rkey && mr->kind == SRX_MR_FAST &&
		    mr->ibmr.pd == qp->ibqp.pd) {
			WRITE_ONCE(mr->valid, false);
			err = 0;
		}
	} else {
		mw = container_of(kh, struct srx_mw_key, kh)->mw;
		spin_lock_irqsave(&sdev->mw_lock, flags);
		if (mw->ibmw.rkey == rkey && mw->ibmw.type == IB_MW_TYPE_2 &&
		    mw->mr && (remote ? mw->qpn == qp->ibqp.qp_num :
			       mw->ibmw.pd == qp->ibqp.pd)) {
			srx_mw_unbind(mw);
			err = 0;
		}
		spin_unlock_irqrestore(&sdev->mw_lock, flags);
	}
	srx_keyed_put(kh);
	return err;
}

int srx_local_inv(struct srx_qp *qp, u32 rkey)
{
	return srx_invalidate(qp, rkey, false);
}

int srx_remote_inv(struct srx_qp *qp, u32 rkey)
{
	return srx_invalidate(qp, rkey, true);
}

/* IB_WR_REG_MR: make a mapped fast-registration MR usable as @key. */
int srx_fast_reg(struct srx_qp *qp, struct srx_mr *mr, u32 key, int access)
{
	if (mr->kind != SRX_MR_FAST || mr->ibmr.pd != qp->ibqp.pd ||
	    (key >> 8) != (mr->ibmr.lkey >> 8) || READ_ONCE(mr->valid) ||
	    srx_mr_access_check(access))
		return -EINVAL;
	mr->access = access;
	mr->ibmr.lkey = key;
	mr->ibmr.rkey = key;
	WRITE_ONCE(mr->valid, true);
	return 0;
}

/*
 * The rights a bind asks for. A window grants remote rights only; local
 * write asked with them (pyverbs and rdma-core's own tests do) grants
 * nothing and is accepted, as rdma_rxe and hardware accept it.
 */
static int srx_bind_access(const struct rxe_send_wr *wr)
{
	return wr->wr.mw.access & ~IB_ACCESS_LOCAL_WRITE;
}

static int srx_bind_check(struct srx_qp *qp, struct srx_mw *mw,
			  struct srx_mr *mr, const struct rxe_send_wr *wr)
{
	int access = srx_bind_access(wr);

	if (mw->ibmw.pd != qp->ibqp.pd || mr->dead ||
	    (wr->wr.mw.rkey >> 8) != (mw->ibmw.rkey >> 8))
		return -EINVAL;
	/* A type 2 window must be invalidated before it is bound again. */
	if (mw->ibmw.type == IB_MW_TYPE_2 && (mw->mr || !wr->wr.mw.length))
		return -EINVAL;
	if (!(mr->access & IB_ACCESS_MW_BIND) ||
	    (access & ~(IB_ACCESS_REMOTE_READ | IB_ACCESS_REMOTE_WRITE |
			IB_ACCESS_REMOTE_ATOMIC)))
		return -EINVAL;
	if ((access & (IB_ACCESS_REMOTE_WRITE | IB_ACCESS_REMOTE_ATOMIC)) &&
	    !(mr->access & IB_ACCESS_LOCAL_WRITE))
		return -EINVAL;
	if (mr->kind != SRX_MR_DMA &&
	    !srx_range_within(mr->ibmr.iova, mr->ibmr.length, wr->wr.mw.addr,
			  wr->wr.mw.length))
		return -EINVAL;
	return 0;
}

/**
 * srx_bind_mw - IB_WR_BIND_MW for a type 1 or type 2 window
 * @qp: the QP the WR was posted to
 * @wr: the WR: window rkey, new rkey, MR lkey, range and access
 *
 * A type 1 bind of length 0 unbinds. The MR cannot be deregistered while
 * a window is bound to it.
 */
int srx_bind_mw(struct srx_qp *qp, const struct rxe_send_wr *wr)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	struct srx_keyed *kh = srx_key_lookup(sdev, wr->wr.mw.mw_rkey);
	struct srx_mr *mr;
	struct srx_mw *mw;
	unsigned long flags;
	int err = -EINVAL;

	if (!kh)
		return -EINVAL;
	if (kh->type != SRX_KEY_MW)
		goto out_mw;
	mw = container_of(kh, struct srx_mw_key, kh)->mw;
	if (mw->ibmw.rkey != wr->wr.mw.mw_rkey)
		goto out_mw;
	mr = srx_mr_get(sdev, qp->ibqp.pd, wr->wr.mw.mr_lkey, wr->wr.mw.addr,
			0, 0, false);
	if (!mr)
		goto out_mw;
	spin_lock_irqsave(&sdev->mw_lock, flags);
	err = srx_bind_check(qp, mw, mr, wr);
	if (!err) {
		srx_mw_unbind(mw);
		if (wr->wr.mw.length) {
			mw->mr = mr;
			mr->num_mw++;
		}
		mw->addr = wr->wr.mw.addr;
		mw->length = wr->wr.mw.length;
		mw->access = srx_bind_access(wr);
		mw->qpn = qp->ibqp.qp_num;
		mw->ibmw.rkey = wr->wr.mw.rkey;
	}
	spin_unlock_irqrestore(&sdev->mw_lock, flags);
	srx_mr_put(mr);
out_mw:
	srx_keyed_put(kh);
	return err;
}

/* MW deallocation: the key is gone and accesses drained; unbind. */
void srx_mw_release(struct srx_dev *sdev, struct srx_mw *mw)
{
	unsigned long flags;

	spin_lock_irqsave(&sdev->mw_lock, flags);
	srx_mw_unbind(mw);
	spin_unlock_irqrestore(&sdev->mw_lock, flags);
}

/* MR deregistration: refuse while windows are bound, else mark dead. */
int srx_mr_retire(struct srx_dev *sdev, struct srx_mr *mr)
{
	unsigned long flags;
	int err = 0;

	spin_lock_irqsave(&sdev->mw_lock, flags);
	if (mr->num_mw)
		err = -EBUSY;
	else
		mr->dead = true;
	spin_unlock_irqrestore(&sdev->mw_lock, flags);
	return err;
}
