// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: a RoCEv2 packet's way in, from the socket (srx_net.c, which calls
 * it through the handler srx_net_init() was given, so that the network
 * layer calls nothing of the engine's) to its QP's engine.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include "srx.h"

/**
 * srx_rcv - a received or looped-back RoCEv2 packet
 * @sdev: the device it arrived on
 * @skb: data at BTH; the network header is set; consumed
 * @from: off the wire, or looped back (no ICRC to check) to run now or
 *	later
 *
 * Malformed packets, bad ICRCs, unknown QPs and P_Key mismatches are
 * counted and dropped here; the rest goes to the QP's engine.
 */
void srx_rcv(struct srx_dev *sdev, struct sk_buff *skb, enum srx_rcv_from from)
{
	unsigned int ip_len;
	struct srx_pkt pkt;
	struct srx_qp *qp;

	srx_count(sdev, SRX_CNT_RCVD_PKTS);
	if (skb_linearize(skb))
		goto drop_malformed;
	if (srx_hdr_parse(skb->data, skb->len, &pkt))
		goto drop_malformed;
	if (from == SRX_RCV_WIRE) {
		ip_len = skb_tail_pointer(skb) - skb_network_header(skb);
		if (srx_icrc_check(skb_network_header(skb), ip_len)) {
			srx_count(sdev, SRX_CNT_BAD_ICRC);
			goto drop;
		}
	}
	if ((pkt.pkey & 0x7fff) != 0x7fff) {
		srx_count(sdev, SRX_CNT_PKEY_VIOL);
		goto drop;
	}
	if (pkt.qpn == IB_MULTICAST_QPN) {
		srx_mcast_rcv(sdev, skb, &pkt);
		return;
	}
	qp = srx_qp_get(sdev, pkt.qpn);
	if (!qp) {
		srx_count(sdev, SRX_CNT_UNKNOWN_QP);
		goto drop;
	}
	srx_engine_rcv(qp, skb, from != SRX_RCV_LOOP_DEFER);
	srx_qp_put(qp);
	return;

drop_malformed:
	srx_count(sdev, SRX_CNT_MALFORMED);
drop:
	kfree_skb(skb);
}
