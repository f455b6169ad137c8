// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * KUnit tests for srx's pure helpers: GUID derivation and the checks on
 * "rdma link add" arguments.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <rdma/ib_verbs.h>

#include "../srx_util.h"

static void srx_guid_eui64(struct kunit *test)
{
	static const u8 mac[ETH_ALEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	/* 52:54:00 with U/L flipped is 50:54:00; ff:fe goes in the middle. */
	KUNIT_EXPECT_EQ(test, be64_to_cpu(srx_mac_to_guid(mac)),
			0x505400fffe123456ULL);
}

static void srx_guid_ul_bit_set(struct kunit *test)
{
	static const u8 mac[ETH_ALEN] = { 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc };

	/* A universal address gets the U/L bit set, as in IPv6 EUI-64. */
	KUNIT_EXPECT_EQ(test, be64_to_cpu(srx_mac_to_guid(mac)),
			0x021b21fffeaabbccULL);
}

static void srx_guid_matches_link_local_gid(struct kunit *test)
{
	static const u8 mac[ETH_ALEN] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
	__be64 guid = srx_mac_to_guid(mac);
	u8 *b = (u8 *)&guid;

	KUNIT_EXPECT_EQ(test, b[0], 0xfc);
	KUNIT_EXPECT_EQ(test, b[3], 0xff);
	KUNIT_EXPECT_EQ(test, b[4], 0xfe);
	KUNIT_EXPECT_EQ(test, b[7], 0xff);
}

static void srx_name_good(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, srx_check_name("srx0"), 0);
	KUNIT_EXPECT_EQ(test, srx_check_name("srx_test-1.a"), 0);
	KUNIT_EXPECT_EQ(test, srx_check_name("a"), 0);
}

static void srx_name_bad(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, srx_check_name(""), -EINVAL);
	KUNIT_EXPECT_EQ(test, srx_check_name("srx%d"), -EINVAL);
	KUNIT_EXPECT_EQ(test, srx_check_name("a/b"), -EINVAL);
	KUNIT_EXPECT_EQ(test, srx_check_name("a b"), -EINVAL);
	KUNIT_EXPECT_EQ(test, srx_check_name("."), -EINVAL);
	KUNIT_EXPECT_EQ(test, srx_check_name(".."), -EINVAL);
	KUNIT_EXPECT_EQ(test, srx_check_name("tab\t"), -EINVAL);
}

static void srx_name_length(struct kunit *test)
{
	char name[IB_DEVICE_NAME_MAX + 1];

	memset(name, 'x', sizeof(name));
	name[IB_DEVICE_NAME_MAX - 1] = '\0';
	KUNIT_EXPECT_EQ(test, srx_check_name(name), 0);
	name[IB_DEVICE_NAME_MAX - 1] = 'x';
	name[IB_DEVICE_NAME_MAX] = '\0';
	KUNIT_EXPECT_EQ(test, srx_check_name(name), -EINVAL);
}

static struct net_device *srx_test_etherdev(struct kunit *test, const u8 *mac)
{
	struct net_device *ndev = alloc_etherdev(0);

	KUNIT_ASSERT_NOT_NULL(test, ndev);
	eth_hw_addr_set(ndev, mac);
	return ndev;
}

static void srx_netdev_ethernet(struct kunit *test)
{
	static const u8 mac[ETH_ALEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct net_device *ndev = srx_test_etherdev(test, mac);

	KUNIT_EXPECT_EQ(test, srx_check_netdev(ndev), 0);
	free_netdev(ndev);
}

static void srx_netdev_loopback_refused(struct kunit *test)
{
	static const u8 zero[ETH_ALEN];
	struct net_device *ndev = srx_test_etherdev(test, zero);

	ndev->type = ARPHRD_LOOPBACK;
	KUNIT_EXPECT_EQ(test, srx_check_netdev(ndev), -EOPNOTSUPP);
	free_netdev(ndev);
}

static void srx_netdev_bad_mac(struct kunit *test)
{
	static const u8 zero[ETH_ALEN];
	static const u8 mcast[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	struct net_device *ndev = srx_test_etherdev(test, zero);

	KUNIT_EXPECT_EQ(test, srx_check_netdev(ndev), -EADDRNOTAVAIL);
	eth_hw_addr_set(ndev, mcast);
	KUNIT_EXPECT_EQ(test, srx_check_netdev(ndev), -EADDRNOTAVAIL);
	free_netdev(ndev);
}

static void srx_netdev_other_type(struct kunit *test)
{
	static const u8 mac[ETH_ALEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct net_device *ndev = srx_test_etherdev(test, mac);

	ndev->type = ARPHRD_INFINIBAND;
	KUNIT_EXPECT_EQ(test, srx_check_netdev(ndev), -EOPNOTSUPP);
	free_netdev(ndev);
}

static struct kunit_case srx_util_cases[] = {
	KUNIT_CASE(srx_guid_eui64),
	KUNIT_CASE(srx_guid_ul_bit_set),
	KUNIT_CASE(srx_guid_matches_link_local_gid),
	KUNIT_CASE(srx_name_good),
	KUNIT_CASE(srx_name_bad),
	KUNIT_CASE(srx_name_length),
	KUNIT_CASE(srx_netdev_ethernet),
	KUNIT_CASE(srx_netdev_loopback_refused),
	KUNIT_CASE(srx_netdev_bad_mac),
	KUNIT_CASE(srx_netdev_other_type),
	{}
};

static struct kunit_suite srx_util_suite = {
	.name = "srx_util",
	.test_cases = srx_util_cases,
};

kunit_test_suite(srx_util_suite);
