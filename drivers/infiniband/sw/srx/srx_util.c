// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: pure helpers with no device state, covered by KUnit.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/log2.h>
#include <linux/netdevice.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <rdma/ib_verbs.h>

#include "srx_util.h"

/**
 * srx_mac_to_guid - derive an EUI-64 GUID from a 48-bit MAC address
 * @mac: six bytes of MAC
 *
 * Inserts ff:fe in the middle and flips the universal/local bit, the
 * same mapping RoCE uses for the default GID's interface id, so the node
 * GUID and the link-local GID agree.
 */
__be64 srx_mac_to_guid(const u8 *mac)
{
	u8 eui[8];

	eui[0] = mac[0] ^ 2;
	eui[1] = mac[1];
	eui[2] = mac[2];
	eui[3] = 0xff;
	eui[4] = 0xfe;
	eui[5] = mac[3];
	eui[6] = mac[4];
	eui[7] = mac[5];
	return cpu_to_be64(get_unaligned_be64(eui));
}

/**
 * srx_check_name - validate an ib device name given to "rdma link add"
 * @name: NUL-terminated name
 *
 * The name becomes a sysfs directory and a netlink string, so refuse
 * empty, over-long, templated ('%') names and anything outside the
 * portable [A-Za-z0-9_.-] set.
 *
 * Return: 0 or -EINVAL.
 */
int srx_check_name(const char *name)
{
	size_t len = strnlen(name, IB_DEVICE_NAME_MAX);
	size_t i;

	if (len == 0 || len >= IB_DEVICE_NAME_MAX)
		return -EINVAL;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!isalnum(c) && c != '_' && c != '-' && c != '.')
			return -EINVAL;
	}
	return 0;
}

/**
 * srx_check_netdev - can srx run RoCEv2 over this netdev?
 * @ndev: candidate lower device
 *
 * RoCE needs an Ethernet link layer with a unicast MAC. Loopback and
 * other link types have neither, so they are refused.
 *
 * Return: 0, or -EOPNOTSUPP for a non-Ethernet device, -EADDRNOTAVAIL
 * for an Ethernet device without a valid unicast MAC.
 */
int srx_check_netdev(const struct net_device *ndev)
{
	if (ndev->type != ARPHRD_ETHER || ndev->addr_len != ETH_ALEN)
		return -EOPNOTSUPP;
	if (!is_valid_ether_addr(ndev->dev_addr))
		return -EADDRNOTAVAIL;
	return 0;
}

/**
 * srx_ring_geometry - size a ring for @num_elem usable entries
 * @num_elem: entries the caller asked for, 1..@max_elem
 * @elem_size: bytes per entry, rounded up to a power of two
 * @max_elem: the device limit for this ring
 * @slots: set to the number of slots, a power of two > @num_elem
 * @log2_elem_size: set to log2 of the rounded entry size
 *
 * Return: 0, or -EINVAL for a zero or over-limit request.
 */
int srx_ring_geometry(u32 num_elem, u32 elem_size, u32 max_elem,
		      u32 *slots, u32 *log2_elem_size)
{
	if (!num_elem || num_elem > max_elem || !elem_size ||
	    elem_size > SZ_64K || max_elem >= BIT(30))
		return -EINVAL;
	*slots = srx_ring_usable(num_elem) + 1;
	*log2_elem_size = order_base_2(elem_size);
	return 0;
}

/*
 * The CM grants both FLUSH rights when a device claims either; no MR can
 * hold the persistent one (srx has no persistent memory), so a
 * persistent FLUSH still fails its key check.
 */
#define SRX_QP_ACCESS	(IB_ACCESS_REMOTE_WRITE | IB_ACCESS_REMOTE_READ | \
			 IB_ACCESS_REMOTE_ATOMIC | IB_ACCESS_LOCAL_WRITE | \
			 IB_ACCESS_FLUSH_GLOBAL | IB_ACCESS_FLUSH_PERSISTENT)

/**
 * srx_qp_attr_check - check the values of a modify_qp request
 * @attr: the attributes
 * @mask: which of them are set (already checked against the transition)
 *
 * Return: 0, -EINVAL for an out-of-range value, -EOPNOTSUPP for path
 * migration, which srx does not implement.
 */
int srx_qp_attr_check(const struct ib_qp_attr *attr, int mask)
{
	if ((mask & IB_QP_PORT) && attr->port_num != 1)
		return -EINVAL;
	if ((mask & IB_QP_PKEY_INDEX) && attr->pkey_index >= SRX_PKEY_TBL_LEN)
		return -EINVAL;
	if ((mask & IB_QP_PATH_MTU) &&
	    (attr->path_mtu < IB_MTU_256 || attr->path_mtu > IB_MTU_4096))
		return -EINVAL;
	if ((mask & IB_QP_TIMEOUT) && attr->timeout > 31)
		return -EINVAL;
	if ((mask & IB_QP_RETRY_CNT) && attr->retry_cnt > 7)
		return -EINVAL;
	if ((mask & IB_QP_RNR_RETRY) && attr->rnr_retry > 7)
		return -EINVAL;
	if ((mask & IB_QP_MIN_RNR_TIMER) && attr->min_rnr_timer > 31)
		return -EINVAL;
	if ((mask & IB_QP_SQ_PSN) && attr->sq_psn > SRX_PSN_MASK)
		return -EINVAL;
	if ((mask & IB_QP_RQ_PSN) && attr->rq_psn > SRX_PSN_MASK)
		return -EINVAL;
	if ((mask & IB_QP_DEST_QPN) && attr->dest_qp_num > SRX_PSN_MASK)
		return -EINVAL;
	if ((mask & IB_QP_MAX_QP_RD_ATOMIC) &&
	    attr->max_rd_atomic > SRX_MAX_RD_ATOMIC)
		return -EINVAL;
	if ((mask & IB_QP_MAX_DEST_RD_ATOMIC) &&
	    attr->max_dest_rd_atomic > SRX_MAX_RD_ATOMIC)
		return -EINVAL;
	if ((mask & IB_QP_ACCESS_FLAGS) &&
	    (attr->qp_access_flags & ~SRX_QP_ACCESS))
		return -EINVAL;
	if ((mask & IB_QP_PATH_MIG_STATE) &&
	    attr->path_mig_state != IB_MIG_MIGRATED)
		return -EOPNOTSUPP;
	/* No automatic path migration: no alternate path. */
	if (mask & IB_QP_ALT_PATH)
		return -EOPNOTSUPP;
	return 0;
}

#define SRX_MR_ACCESS	(IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE | \
			 IB_ACCESS_REMOTE_READ | IB_ACCESS_REMOTE_ATOMIC | \
			 IB_ACCESS_MW_BIND | IB_ZERO_BASED | \
			 IB_ACCESS_RELAXED_ORDERING | IB_ACCESS_FLUSH_GLOBAL)

/**
 * srx_mr_access_check - check MR access flags
 * @access: IB_ACCESS_* flags
 *
 * Remote write or atomic access needs local write, as the verbs spec
 * requires; on-demand paging is not implemented.
 *
 * Return: 0, -EINVAL, or -EOPNOTSUPP.
 */
int srx_mr_access_check(int access)
{
	if (access & ~SRX_MR_ACCESS)
		return access & IB_ACCESS_ON_DEMAND ? -EOPNOTSUPP : -EINVAL;
	if ((access & (IB_ACCESS_REMOTE_WRITE | IB_ACCESS_REMOTE_ATOMIC)) &&
	    !(access & IB_ACCESS_LOCAL_WRITE))
		return -EINVAL;
	return 0;
}
