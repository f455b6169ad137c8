// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: hardware counters of port 1, shown by `rdma statistic` and under
 * /sys/class/infiniband/<dev>/ports/1/hw_counters/. Every packet srx
 * drops or retries is counted in one of them.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include "srx.h"

static const struct rdma_stat_desc srx_counter_descs[SRX_CNT_NR] = {
	[SRX_CNT_SENT_PKTS].name = "sent_pkts",
	[SRX_CNT_RCVD_PKTS].name = "rcvd_pkts",
	[SRX_CNT_LOOPBACK_PKTS].name = "loopback_pkts",
	[SRX_CNT_RETRANS_PKTS].name = "retransmitted_pkts",
	[SRX_CNT_RETRY_TIMEOUTS].name = "retry_timeouts",
	[SRX_CNT_RNR_NAK_SENT].name = "rnr_nak_sent",
	[SRX_CNT_RNR_NAK_RCVD].name = "rnr_nak_rcvd",
	[SRX_CNT_SEQ_NAK_SENT].name = "seq_nak_sent",
	[SRX_CNT_SEQ_NAK_RCVD].name = "seq_nak_rcvd",
	[SRX_CNT_DUP_REQ].name = "duplicate_request",
	[SRX_CNT_STALE_RESP].name = "stale_response",
	[SRX_CNT_OUT_OF_SEQ].name = "out_of_seq_request",
	[SRX_CNT_BAD_ICRC].name = "bad_icrc",
	[SRX_CNT_MALFORMED].name = "malformed_pkt",
	[SRX_CNT_UNKNOWN_QP].name = "unknown_qp",
	[SRX_CNT_BAD_STATE].name = "bad_state_drop",
	[SRX_CNT_PKEY_VIOL].name = "pkey_violation",
	[SRX_CNT_QKEY_VIOL].name = "qkey_violation",
	[SRX_CNT_UD_NO_WQE].name = "ud_no_wqe_drop",
	[SRX_CNT_UC_DROP].name = "uc_msg_drop",
	[SRX_CNT_RETRY_EXC].name = "retry_exceeded_err",
	[SRX_CNT_RNR_RETRY_EXC].name = "rnr_retry_exceeded_err",
	[SRX_CNT_REM_ACCESS_ERR].name = "remote_access_err",
	[SRX_CNT_REM_INV_REQ_ERR].name = "remote_invalid_req_err",
	[SRX_CNT_REM_OP_ERR].name = "remote_op_err",
	[SRX_CNT_LOC_ERR].name = "local_err",
	[SRX_CNT_TX_ERR].name = "tx_err",
	[SRX_CNT_GOV_DRAWS].name = "gov_draws",
	[SRX_CNT_GOV_CREDITS].name = "gov_credits",
	[SRX_CNT_GOV_RNR].name = "gov_over_limit_rnr",
	[SRX_CNT_GOV_DROP].name = "gov_over_limit_drop",
	[SRX_CNT_GOV_DISCONNECT].name = "gov_disconnects",
	[SRX_CNT_GOV_WATERMARKS].name = "gov_watermark_events",
	[SRX_CNT_GOV_ADMIN_WM].name = "gov_admin_watermark_events",
	[SRX_CNT_OOO_HELD].name = "ooo_held",
	[SRX_CNT_OOO_COMPLETED].name = "ooo_completed",
	[SRX_CNT_OOO_RELEASED].name = "ooo_released",
	[SRX_CNT_RXQ_DROP].name = "rx_queue_full_drop",
	[SRX_CNT_MCAST_RCVD].name = "mcast_pkts_rcvd",
	[SRX_CNT_MCAST_COPIES].name = "mcast_copies",
	[SRX_CNT_MCAST_NO_GROUP].name = "mcast_no_group",
};

static struct rdma_hw_stats *srx_alloc_hw_port_stats(struct ib_device *ibdev,
						     u32 port)
{
	return rdma_alloc_hw_stats_struct(srx_counter_descs, SRX_CNT_NR,
					  RDMA_HW_STATS_DEFAULT_LIFESPAN);
}

static int srx_get_hw_stats(struct ib_device *ibdev,
			    struct rdma_hw_stats *stats, u32 port, int index)
{
	struct srx_dev *sdev = to_sdev(ibdev);
	int i;

	if (!port || stats->num_counters != SRX_CNT_NR)
		return -EINVAL;
	for (i = 0; i < SRX_CNT_NR; i++)
		stats->value[i] = atomic64_read(&sdev->cnt[i]);
	return SRX_CNT_NR;
}

const struct ib_device_ops srx_stats_ops = {
	.alloc_hw_port_stats = srx_alloc_hw_port_stats,
	.get_hw_stats = srx_get_hw_stats,
};
