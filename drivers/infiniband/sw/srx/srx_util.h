/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * srx: pure helpers with no device state, covered by KUnit.
 *
 * Copyright (c) 2026 The srx authors.
 */

#ifndef SRX_UTIL_H
#define SRX_UTIL_H

#include <linux/types.h>

struct net_device;

__be64 srx_mac_to_guid(const u8 *mac);
int srx_check_name(const char *name);
int srx_check_netdev(const struct net_device *ndev);

#endif /* SRX_UTIL_H */
