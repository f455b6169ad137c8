/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * srx: pure helpers with no device state, covered by KUnit.
 *
 * Copyright (c) 2026 The srx authors.
 */

#ifndef SRX_UTIL_H
#define SRX_UTIL_H

#include <linux/log2.h>
#include <linux/types.h>

struct net_device;
struct ib_qp_attr;

#define SRX_PKEY_TBL_LEN	1
#define SRX_MAX_RD_ATOMIC	128
#define SRX_PSN_MASK		0xffffff

__be64 srx_mac_to_guid(const u8 *mac);
int srx_check_name(const char *name);
int srx_check_netdev(const struct net_device *ndev);
int srx_qp_attr_check(const struct ib_qp_attr *attr, int mask);
int srx_mr_access_check(int access);
/* The entries a ring made for @num_elem really has: 2^n - 1 >= @num_elem. */
static inline u32 srx_ring_usable(u32 num_elem)
{
	return roundup_pow_of_two(num_elem + 1) - 1;
}

int srx_ring_geometry(u32 num_elem, u32 elem_size, u32 max_elem,
		      u32 *slots, u32 *log2_elem_size);

/*
 * Ring index math for rdma_rxe's queue layout: a power-of-two number of
 * slots, indices kept masked, one slot always empty so that full and
 * empty differ.
 */
static inline u32 srx_ring_count(u32 prod, u32 cons, u32 mask)
{
	return (prod - cons) & mask;
}

static inline bool srx_ring_full(u32 prod, u32 cons, u32 mask)
{
	return ((prod + 1) & mask) == (cons & mask);
}

static inline u32 srx_ring_next(u32 index, u32 mask)
{
	return (index + 1) & mask;
}

/* Is [iova, iova + len) inside [start, start + length)? No overflow. */
static inline bool srx_range_within(u64 start, u64 length, u64 iova, u64 len)
{
	return iova >= start && len <= length && iova - start <= length - len;
}

#endif /* SRX_UTIL_H */
