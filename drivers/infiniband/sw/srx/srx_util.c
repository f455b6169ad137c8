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
#include <linux/netdevice.h>
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
