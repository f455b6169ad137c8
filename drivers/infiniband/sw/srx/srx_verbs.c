// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: ib_device_ops for the device, port, context and PD.
 *
 * Every limit reported by srx_query_device() is enforced by srx. The
 * object verbs live in srx_{cq,srq,qp,mr,ah}.c.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <rdma/ib_addr.h>
#include <rdma/ib_mad.h>
#include <rdma/uverbs_ioctl.h>

#include "srx.h"

static int srx_query_device(struct ib_device *ibdev,
			    struct ib_device_attr *attr,
			    struct ib_udata *udata)
{
	if (udata && (udata->inlen || udata->outlen))
		return -EINVAL;

	memset(attr, 0, sizeof(*attr));
	/* rdma-core prints this as major.minor.sub, 16 bits each. */
	attr->fw_ver = (u64)SRX_VER_MAJOR << 32 | SRX_VER_MINOR << 16 |
		       SRX_VER_SUB;
	attr->sys_image_guid = ibdev->node_guid;
	attr->max_mr_size = SRX_MAX_MR_SIZE;
	attr->page_size_cap = PAGE_SIZE;
	attr->vendor_id = SRX_VENDOR_ID;
	attr->vendor_part_id = 0;
	attr->hw_ver = 0;
	attr->max_qp = SRX_MAX_QP;
	attr->max_qp_wr = SRX_MAX_QP_WR;
	attr->device_cap_flags = IB_DEVICE_SRQ_RESIZE |
				 IB_DEVICE_MEM_MGT_EXTENSIONS |
				 IB_DEVICE_MEM_WINDOW |
				 IB_DEVICE_MEM_WINDOW_TYPE_2B |
				 IB_DEVICE_ATOMIC_WRITE |
				 IB_DEVICE_FLUSH_GLOBAL;
	attr->max_send_sge = SRX_MAX_SGE;
	attr->max_recv_sge = SRX_MAX_SGE;
	attr->max_sge_rd = SRX_MAX_SGE;
	attr->max_cq = SRX_MAX_CQ;
	attr->max_cqe = SRX_MAX_CQE;
	attr->max_mr = SRX_MAX_MR;
	attr->max_pd = SRX_MAX_PD;
	attr->max_qp_rd_atom = SRX_MAX_RD_ATOMIC;
	attr->max_qp_init_rd_atom = SRX_MAX_RD_ATOMIC;
	attr->max_res_rd_atom = SRX_MAX_RD_ATOMIC * SRX_MAX_QP;
	attr->atomic_cap = IB_ATOMIC_HCA;
	attr->max_mw = SRX_MAX_MW;
	attr->max_ah = SRX_MAX_AH;
	attr->max_mcast_grp = SRX_MAX_MCAST_GRP;
	attr->max_mcast_qp_attach = SRX_MAX_MCAST_QP_ATTACH;
	attr->max_total_mcast_qp_attach = SRX_MAX_TOT_MCAST_QP_ATTACH;
	attr->max_srq = SRX_MAX_SRQ;
	attr->max_srq_wr = SRX_MAX_SRQ_WR;
	attr->max_srq_sge = SRX_MAX_SGE;
	attr->max_fast_reg_page_list_len = SRX_MAX_FRWR_PAGES;
	attr->max_pkeys = SRX_PKEY_TBL_LEN;
	attr->local_ca_ack_delay = 15;
	/*
	 * Kernel PDs use lkey 0 for the whole kernel address space, so ULPs
	 * and ib_mad need no DMA MR. Only kernel QPs may ever use it.
	 */
	attr->kernel_cap_flags = IBK_ALLOW_USER_UNREG | IBK_LOCAL_DMA_LKEY;
	return 0;
}

enum ib_port_state srx_port_state(struct srx_dev *sdev)
{
	struct net_device *ndev = sdev->ndev;

	return netif_running(ndev) && netif_carrier_ok(ndev) ?
		IB_PORT_ACTIVE : IB_PORT_DOWN;
}

/* Called under RTNL from the netdev notifier: report carrier changes. */
void srx_port_event(struct srx_dev *sdev)
{
	enum ib_port_state state = srx_port_state(sdev);
	struct ib_event ev = {
		.device = &sdev->ibdev,
		.element.port_num = 1,
	};

	if (state == sdev->last_state)
		return;
	sdev->last_state = state;
	ev.event = state == IB_PORT_ACTIVE ? IB_EVENT_PORT_ACTIVE :
					     IB_EVENT_PORT_ERR;
	ib_dispatch_event(&ev);
}

static int srx_query_port(struct ib_device *ibdev, u32 port,
			  struct ib_port_attr *attr)
{
	struct srx_dev *sdev = to_sdev(ibdev);
	int err;

	if (port != 1)
		return -EINVAL;

	/* The core has zeroed @attr. */
	attr->state = srx_port_state(sdev);
	attr->phys_state = attr->state == IB_PORT_ACTIVE ?
			   IB_PORT_PHYS_STATE_LINK_UP :
			   IB_PORT_PHYS_STATE_DISABLED;
	attr->max_mtu = IB_MTU_4096;
	attr->active_mtu = iboe_get_mtu(READ_ONCE(sdev->ndev->mtu));
	attr->gid_tbl_len = SRX_GID_TBL_LEN;
	attr->pkey_tbl_len = SRX_PKEY_TBL_LEN;
	attr->port_cap_flags = IB_PORT_CM_SUP;
	attr->max_msg_sz = SRX_MAX_MSG_SZ;
	attr->max_vl_num = 1;
	attr->ip_gids = true;

	err = ib_get_eth_speed(ibdev, port, &attr->active_speed,
			       &attr->active_width);
	return err;
}

static int srx_get_port_immutable(struct ib_device *ibdev, u32 port,
				  struct ib_port_immutable *imm)
{
	if (port != 1)
		return -EINVAL;
	imm->pkey_tbl_len = SRX_PKEY_TBL_LEN;
	imm->gid_tbl_len = SRX_GID_TBL_LEN;
	imm->core_cap_flags = RDMA_CORE_PORT_IBA_ROCE_UDP_ENCAP;
	imm->max_mad_size = IB_MGMT_MAD_SIZE;
	return 0;
}

/* The core asks for the netdev through this op; see srx_main.c. */
static struct net_device *srx_get_netdev(struct ib_device *ibdev, u32 port)
{
	struct net_device *ndev = to_sdev(ibdev)->ndev;

	if (port != 1)
		return NULL;
	dev_hold(ndev);
	return ndev;
}

static enum rdma_link_layer srx_get_link_layer(struct ib_device *ibdev,
					       u32 port)
{
	return IB_LINK_LAYER_ETHERNET;
}

static int srx_query_pkey(struct ib_device *ibdev, u32 port, u16 index,
			  u16 *pkey)
{
	if (port != 1 || index >= SRX_PKEY_TBL_LEN)
		return -EINVAL;
	*pkey = IB_DEFAULT_PKEY_FULL;
	return 0;
}

static int srx_modify_device(struct ib_device *ibdev, int mask,
			     struct ib_device_modify *attr)
{
	if (mask & ~IB_DEVICE_MODIFY_NODE_DESC)
		return -EOPNOTSUPP;
	memcpy(ibdev->node_desc, attr->node_desc, IB_DEVICE_NODE_DESC_MAX);
	return 0;
}

static void srx_get_dev_fw_str(struct ib_device *ibdev, char *str)
{
	strscpy(str, SRX_VERSION, IB_FW_VERSION_NAME_MAX);
}

static int srx_alloc_ucontext(struct ib_ucontext *ibuc, struct ib_udata *udata)
{
	return 0;
}

static void srx_dealloc_ucontext(struct ib_ucontext *ibuc)
{
}

/*
 * Rings are vmalloc pages inserted into the VMA, which holds its own page
 * references, so a disassociated process keeps valid (if dead) mappings
 * and nothing has to be zapped here.
 */
static void srx_disassociate_ucontext(struct ib_ucontext *ibuc)
{
}

static int srx_alloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	if (udata && udata->inlen)
		return -EINVAL;
	return srx_table_add(&to_sdev(ibpd->device)->pd_tbl, NULL,
			     GFP_KERNEL);
}

static int srx_dealloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	srx_table_del(&to_sdev(ibpd->device)->pd_tbl, 0);
	return 0;
}

/*
 * A QP leaves its multicast groups (a safety net: see
 * srx_mcast_qp_leave()) before the engine's teardown, which is srx_qp.c's.
 */
static int srx_destroy_qp_verb(struct ib_qp *ibqp, struct ib_udata *udata)
{
	srx_mcast_qp_leave(to_sqp(ibqp));
	return srx_destroy_qp(ibqp, udata);
}

const struct ib_device_ops srx_dev_ops = {
	.owner = THIS_MODULE,
	.driver_id = RDMA_DRIVER_RXE,
	.uverbs_abi_ver = SRX_UVERBS_ABI_VERSION,

	.alloc_mr = srx_alloc_mr,
	.alloc_mw = srx_alloc_mw,
	.alloc_pd = srx_alloc_pd,
	.alloc_ucontext = srx_alloc_ucontext,
	.attach_mcast = srx_attach_mcast,
	.create_ah = srx_create_ah,
	.create_cq = srx_create_cq,
	.create_qp = srx_create_qp,
	.create_srq = srx_create_srq,
	.create_user_ah = srx_create_ah,
	.dealloc_mw = srx_dealloc_mw,
	.dealloc_pd = srx_dealloc_pd,
	.dealloc_ucontext = srx_dealloc_ucontext,
	.dereg_mr = srx_dereg_mr,
	.destroy_ah = srx_destroy_ah,
	.destroy_cq = srx_destroy_cq,
	.destroy_qp = srx_destroy_qp_verb,
	.destroy_srq = srx_destroy_srq,
	.detach_mcast = srx_detach_mcast,
	.disassociate_ucontext = srx_disassociate_ucontext,
	.get_dev_fw_str = srx_get_dev_fw_str,
	.get_dma_mr = srx_get_dma_mr,
	.get_link_layer = srx_get_link_layer,
	.get_netdev = srx_get_netdev,
	.get_port_immutable = srx_get_port_immutable,
	.map_mr_sg = srx_map_mr_sg,
	.mmap = srx_mmap,
	.mmap_free = srx_mmap_free,
	.modify_device = srx_modify_device,
	.modify_qp = srx_modify_qp,
	.modify_srq = srx_modify_srq,
	.peek_cq = srx_peek_cq,
	.poll_cq = srx_poll_cq,
	.post_recv = srx_post_recv,
	.post_send = srx_post_send,
	.post_srq_recv = srx_post_srq_recv,
	.query_ah = srx_query_ah,
	.query_device = srx_query_device,
	.query_pkey = srx_query_pkey,
	.query_port = srx_query_port,
	.query_qp = srx_query_qp,
	.query_srq = srx_query_srq,
	.reg_user_mr = srx_reg_user_mr,
	.rereg_user_mr = srx_rereg_user_mr,
	.req_notify_cq = srx_req_notify_cq,
	.resize_cq = srx_resize_cq,

	INIT_RDMA_OBJ_SIZE(ib_ah, srx_ah, ibah),
	INIT_RDMA_OBJ_SIZE(ib_cq, srx_cq, ibcq),
	INIT_RDMA_OBJ_SIZE(ib_mw, srx_mw, ibmw),
	INIT_RDMA_OBJ_SIZE(ib_pd, srx_pd, ibpd),
	INIT_RDMA_OBJ_SIZE(ib_qp, srx_qp, ibqp),
	INIT_RDMA_OBJ_SIZE(ib_srq, srx_srq, ibsrq),
	INIT_RDMA_OBJ_SIZE(ib_ucontext, srx_ucontext, ibuc),
};
