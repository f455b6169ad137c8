// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: address vectors for QP paths and address handles.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/etherdevice.h>
#include <rdma/ib_cache.h>
#include <rdma/uverbs_ioctl.h>

#include "srx.h"

/**
 * srx_av_from_attr - check and resolve a RoCEv2 address vector
 * @sdev: the device
 * @av: filled on success
 * @attr: from the caller; its GID attribute reference stays the caller's
 *
 * RoCE needs a GRH whose source GID is a RoCE v2 entry of port 1.
 * The stored copy keeps the sgid index, not the GID attribute pointer.
 *
 * Return: 0 or -EINVAL.
 */
int srx_av_from_attr(struct srx_dev *sdev, struct srx_av *av,
		     const struct rdma_ah_attr *attr)
{
	const struct ib_gid_attr *sgid = attr->grh.sgid_attr;

	if (attr->type != RDMA_AH_ATTR_TYPE_ROCE || attr->port_num != 1 ||
	    !(rdma_ah_get_ah_flags(attr) & IB_AH_GRH) || !sgid)
		return -EINVAL;
	if (attr->grh.sgid_index >= SRX_GID_TBL_LEN)
		return -EINVAL;
	switch (rdma_gid_attr_network_type(sgid)) {
	case RDMA_NETWORK_IPV4:
		av->network_type = RXE_NETWORK_TYPE_IPV4;
		break;
	case RDMA_NETWORK_IPV6:
		av->network_type = RXE_NETWORK_TYPE_IPV6;
		break;
	default:
		return -EINVAL;
	}
	av->attr = *attr;
	av->attr.grh.sgid_attr = NULL;
	av->sgid = sgid->gid;
	ether_addr_copy(av->dmac, attr->roce.dmac);
	return 0;
}

int srx_create_ah(struct ib_ah *ibah, struct rdma_ah_init_attr *init,
		  struct ib_udata *udata)
{
	bool sleepable = init->flags & RDMA_CREATE_AH_SLEEPABLE;
	struct srx_dev *sdev = to_sdev(ibah->device);
	struct srx_ah *ah = to_sah(ibah);
	struct rxe_create_ah_resp resp = {};
	int err;

	err = srx_av_from_attr(sdev, &ah->av, init->ah_attr);
	if (err)
		return err;
	err = srx_table_add(&sdev->ah_tbl, &ah->ah_num,
			    sleepable ? GFP_KERNEL : GFP_ATOMIC);
	if (err)
		return err;
	/* Old librxe passes no response buffer and puts the AV in WQEs. */
	if (udata && udata->outlen >= sizeof(resp)) {
		resp.ah_num = ah->ah_num;
		err = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (err) {
			srx_table_del(&sdev->ah_tbl, ah->ah_num);
			return err;
		}
	}
	srx_table_publish(&sdev->ah_tbl, ah->ah_num, ah);
	return 0;
}

int srx_query_ah(struct ib_ah *ibah, struct rdma_ah_attr *attr)
{
	*attr = to_sah(ibah)->av.attr;
	return 0;
}

int srx_destroy_ah(struct ib_ah *ibah, u32 flags)
{
	srx_table_del(&to_sdev(ibah->device)->ah_tbl, to_sah(ibah)->ah_num);
	return 0;
}
