// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: rings shared with user space and their mmap plumbing.
 *
 * A ring buffer that user space maps is owned by its mmap entry, not by
 * the queue: the entry, and with it the buffer, is freed by the core only
 * after the queue removed it and every mapping is gone.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "srx.h"

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
