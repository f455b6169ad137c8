// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: memory regions (DMA, user, fast registration) and memory windows.
 *
 * MRs and MWs share one key space: lkey = rkey = index << 8 | key, with a
 * random initial key byte so stale keys are unlikely to match. lkey 0 is
 * the kernel's local DMA lkey (IBK_LOCAL_DMA_LKEY) and never allocated.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "srx.h"

/* A key that finds nothing until srx_key_publish(). */
static int srx_key_alloc(struct srx_dev *sdev, u32 *key)
{
	u32 index;
	int err;

	err = srx_table_add(&sdev->key_tbl, &index, GFP_KERNEL);
	if (err)
		return err;
	*key = index << 8 | get_random_u8();
	return 0;
}

/* The MR or MW is whole: packets and WQEs may use its key now. */
static void srx_key_publish(struct srx_dev *sdev, u32 key,
			    struct srx_keyed *kh)
{
	srx_table_publish(&sdev->key_tbl, key >> 8, kh);
}

static struct ib_mr *srx_mr_publish(struct srx_mr *mr)
{
	srx_key_publish(to_sdev(mr->ibmr.device), mr->ibmr.lkey, &mr->kh);
	return &mr->ibmr;
}

static void srx_key_free(struct srx_dev *sdev, u32 key)
{
	srx_table_del(&sdev->key_tbl, key >> 8);
}

static struct srx_mr *srx_mr_new(struct ib_pd *ibpd, enum srx_mr_kind kind,
				 int access)
{
	struct srx_dev *sdev = to_sdev(ibpd->device);
	struct srx_mr *mr;
	u32 key;
	int err;

	err = srx_mr_access_check(access);
	if (err)
		return ERR_PTR(err);
	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (!mr)
		return ERR_PTR(-ENOMEM);
	err = srx_table_add(&sdev->mr_tbl, NULL, GFP_KERNEL);
	if (err)
		goto err_free;
	srx_keyed_init(&mr->kh, SRX_KEY_MR);
	mr->kind = kind;
	mr->access = access;
	mr->valid = kind != SRX_MR_FAST;
	err = srx_key_alloc(sdev, &key);
	if (err)
		goto err_count;
	mr->ibmr.device = ibpd->device;
	mr->ibmr.lkey = key;
	mr->ibmr.rkey = key;
	return mr;

err_count:
	srx_table_del(&sdev->mr_tbl, 0);
err_free:
	kfree(mr);
	return ERR_PTR(err);
}

/* Remove the key, wait for accesses in flight, free. */
static void srx_mr_release(struct srx_mr *mr, struct srx_dev *sdev)
{
	srx_key_free(sdev, mr->ibmr.lkey);
	srx_keyed_drain(&mr->kh);
	srx_table_del(&sdev->mr_tbl, 0);
	kvfree(mr->upages);
	kfree(mr->pages);
	/* A key lookup may still be looking at it (srx_key_lookup()). */
	kfree_rcu(mr, rcu);
}

/* The pinned pages of a user MR, one per PAGE_SIZE, for the data path. */
static int srx_mr_map_pages(struct srx_mr *mr)
{
	struct ib_umem *umem = mr->umem;
	struct sg_page_iter iter;
	u32 n = ib_umem_num_pages(umem), i = 0;

	mr->upages = kvmalloc_array(n, sizeof(*mr->upages), GFP_KERNEL_ACCOUNT);
	if (!mr->upages)
		return -ENOMEM;
	for_each_sgtable_page(&umem->sgt_append.sgt, &iter, 0) {
		if (i == n)
			break;
		mr->upages[i++] = sg_page_iter_page(&iter);
	}
	mr->nupages = i;
	return 0;
}

struct ib_mr *srx_get_dma_mr(struct ib_pd *ibpd, int access)
{
	struct srx_mr *mr = srx_mr_new(ibpd, SRX_MR_DMA, access);

	return IS_ERR(mr) ? ERR_CAST(mr) : srx_mr_publish(mr);
}

struct ib_mr *srx_reg_user_mr(struct ib_pd *ibpd, u64 start, u64 length,
			      u64 iova, int access, struct ib_udata *udata)
{
	struct srx_mr *mr;
	struct ib_umem *umem;
	u64 end;
	int err;

	if (!length || length > SRX_MAX_MR_SIZE ||
	    check_add_overflow(start, length, &end) ||
	    check_add_overflow(iova, length, &end))
		return ERR_PTR(-EINVAL);
	if (udata && udata->inlen &&
	    !ib_is_udata_cleared(udata, 0, udata->inlen))
		return ERR_PTR(-EOPNOTSUPP);

	mr = srx_mr_new(ibpd, SRX_MR_USER, access);
	if (IS_ERR(mr))
		return ERR_CAST(mr);
	umem = ib_umem_get(ibpd->device, start, length, access);
	if (IS_ERR(umem)) {
		srx_mr_release(mr, to_sdev(ibpd->device));
		return ERR_CAST(umem);
	}
	mr->umem = umem;
	err = srx_mr_map_pages(mr);
	if (err) {
		ib_umem_release(umem);
		srx_mr_release(mr, to_sdev(ibpd->device));
		return ERR_PTR(err);
	}
	mr->ibmr.iova = iova;
	mr->ibmr.length = length;
	mr->ibmr.page_size = PAGE_SIZE;
	return srx_mr_publish(mr);
}

struct ib_mr *srx_alloc_mr(struct ib_pd *ibpd, enum ib_mr_type type,
			   u32 max_num_sg)
{
	struct srx_mr *mr;

	if (type != IB_MR_TYPE_MEM_REG)
		return ERR_PTR(-EOPNOTSUPP);
	if (!max_num_sg || max_num_sg > SRX_MAX_FRWR_PAGES)
		return ERR_PTR(-EINVAL);
	mr = srx_mr_new(ibpd, SRX_MR_FAST, 0);
	if (IS_ERR(mr))
		return ERR_CAST(mr);
	mr->pages = kcalloc(max_num_sg, sizeof(*mr->pages), GFP_KERNEL_ACCOUNT);
	if (!mr->pages) {
		srx_mr_release(mr, to_sdev(ibpd->device));
		return ERR_PTR(-ENOMEM);
	}
	mr->max_pages = max_num_sg;
	return srx_mr_publish(mr);
}

static int srx_set_page(struct ib_mr *ibmr, u64 addr)
{
	struct srx_mr *mr = to_smr(ibmr);

	if (mr->npages >= mr->max_pages)
		return -ENOMEM;
	mr->pages[mr->npages++] = addr;
	return 0;
}

int srx_map_mr_sg(struct ib_mr *ibmr, struct scatterlist *sg, int sg_nents,
		  unsigned int *sg_offset)
{
	struct srx_mr *mr = to_smr(ibmr);

	if (mr->kind != SRX_MR_FAST)
		return -EINVAL;
	/* The core sets page_size; the data path divides by it. */
	if (!is_power_of_2(ibmr->page_size) || ibmr->page_size < SZ_4K)
		return -EINVAL;
	mr->npages = 0;
	return ib_sg_to_pages(ibmr, sg, sg_nents, sg_offset, srx_set_page);
}

/*
 * In place (srx_rereg_user_mr()): the new rights, unless windows are
 * bound to the region. The check and the change are one step under the
 * lock binds take. The core changes the PD after we return.
 */
static int srx_mr_rereg_in_place(struct srx_dev *sdev, struct srx_mr *mr,
				 int flags, int access)
{
	unsigned long flags_irq;
	int err = 0;

	spin_lock_irqsave(&sdev->mw_lock, flags_irq);
	if (mr->num_mw)
		err = -EBUSY;
	else if (flags & IB_MR_REREG_ACCESS)
		WRITE_ONCE(mr->access, access);
	spin_unlock_irqrestore(&sdev->mw_lock, flags_irq);
	return err;
}

/*
 * A new translation: a new region. The old one is retired first (no
 * window can bind to it any more), or the rereg fails while windows are
 * bound: once we return the new region, the core deregisters the old one
 * and has no way back.
 */
static struct ib_mr *srx_mr_rereg_trans(struct srx_dev *sdev,
					struct srx_mr *mr, struct ib_pd *ibpd,
					u64 start, u64 length, u64 iova,
					int access, struct ib_udata *udata)
{
	struct ib_mr *nmr;
	int err;

	nmr = srx_reg_user_mr(ibpd, start, length, iova, access, udata);
	if (IS_ERR(nmr))
		return nmr;
	err = srx_mr_retire(sdev, mr);
	if (err) {
		srx_dereg_mr(nmr, udata);
		return ERR_PTR(err);
	}
	return nmr;
}

/**
 * srx_rereg_user_mr - change a user MR's PD, rights or translation
 * @ibmr: the MR
 * @flags: IB_MR_REREG_PD, _ACCESS and/or _TRANS
 * @start: with _TRANS: the new user address
 * @length: with _TRANS: the new length
 * @iova: with _TRANS: the new I/O virtual address
 * @access: with _ACCESS: the new rights
 * @ibpd: the PD it will have (the old one without _PD)
 * @udata: the driver's part of the command (none)
 *
 * PD and rights change in place, as rdma_rxe does. A new translation is a
 * new region (new pages, new keys) that the core puts in the old one's
 * place before it deregisters the old. Refused while windows are bound.
 *
 * Return: NULL (changed in place), the new MR, or an ERR_PTR().
 */
struct ib_mr *srx_rereg_user_mr(struct ib_mr *ibmr, int flags, u64 start,
				u64 length, u64 iova, int access,
				struct ib_pd *ibpd, struct ib_udata *udata)
{
	struct srx_dev *sdev = to_sdev(ibmr->device);
	struct srx_mr *mr = to_smr(ibmr);
	int err;

	if (mr->kind != SRX_MR_USER)
		return ERR_PTR(-EINVAL);
	if (flags & ~(IB_MR_REREG_PD | IB_MR_REREG_ACCESS | IB_MR_REREG_TRANS))
		return ERR_PTR(-EOPNOTSUPP);
	if (!(flags & IB_MR_REREG_ACCESS))
		access = READ_ONCE(mr->access);
	err = srx_mr_access_check(access);
	if (err)
		return ERR_PTR(err);
	if (flags & IB_MR_REREG_TRANS)
		return srx_mr_rereg_trans(sdev, mr, ibpd, start, length, iova,
					  access, udata);
	/* Pages pinned read-only cannot take new write rights. */
	err = ib_umem_check_rereg(mr->umem, flags, access);
	if (err)
		return ERR_PTR(err);
	err = srx_mr_rereg_in_place(sdev, mr, flags, access);
	return err ? ERR_PTR(err) : NULL;
}

int srx_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata)
{
	struct srx_dev *sdev = to_sdev(ibmr->device);
	struct srx_mr *mr = to_smr(ibmr);
	struct ib_umem *umem = mr->umem;
	int err;

	err = srx_mr_retire(sdev, mr);
	if (err)
		return err;
	/* No access is in flight once this returns: then unpin. */
	srx_mr_release(mr, sdev);
	ib_umem_release(umem);
	return 0;
}

int srx_alloc_mw(struct ib_mw *ibmw, struct ib_udata *udata)
{
	struct srx_dev *sdev = to_sdev(ibmw->device);
	struct srx_mw *mw = to_smw(ibmw);
	int err;

	if (ibmw->type != IB_MW_TYPE_1 && ibmw->type != IB_MW_TYPE_2)
		return -EINVAL;
	err = srx_table_add(&sdev->mw_tbl, NULL, GFP_KERNEL);
	if (err)
		return err;
	mw->key = kzalloc(sizeof(*mw->key), GFP_KERNEL_ACCOUNT);
	if (!mw->key) {
		err = -ENOMEM;
		goto out_tbl;
	}
	mw->key->mw = mw;
	srx_keyed_init(&mw->key->kh, SRX_KEY_MW);
	err = srx_key_alloc(sdev, &ibmw->rkey);
	if (err)
		goto out_key;
	srx_key_publish(sdev, ibmw->rkey, &mw->key->kh);
	return 0;

out_key:
	kfree(mw->key);
out_tbl:
	srx_table_del(&sdev->mw_tbl, 0);
	return err;
}

int srx_dealloc_mw(struct ib_mw *ibmw)
{
	struct srx_dev *sdev = to_sdev(ibmw->device);
	struct srx_mw *mw = to_smw(ibmw);

	srx_key_free(sdev, ibmw->rkey);
	/* Lookups that still see the handle find its count zero. */
	srx_keyed_drain(&mw->key->kh);
	srx_mw_release(sdev, mw);
	kfree_rcu(mw->key, rcu);
	srx_table_del(&sdev->mw_tbl, 0);
	return 0;
}
