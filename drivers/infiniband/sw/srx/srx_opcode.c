// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: the BTH opcode table and the checks every received packet passes
 * before the transport sees it.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "srx_hdr.h"

static const u8 srx_ext_lens[SRX_EXT_NR] = {
	[SRX_EXT_DETH]		= SRX_DETH_LEN,
	[SRX_EXT_FETH]		= SRX_FETH_LEN,
	[SRX_EXT_RETH]		= SRX_RETH_LEN,
	[SRX_EXT_ATMETH]	= SRX_ATMETH_LEN,
	[SRX_EXT_AETH]		= SRX_AETH_LEN,
	[SRX_EXT_ATMACK]	= SRX_ATMACK_LEN,
	[SRX_EXT_IMMDT]		= SRX_IMMDT_LEN,
	[SRX_EXT_IETH]		= SRX_IETH_LEN,
};

/*
 * Each entry names its extended headers and their total length; a KUnit
 * case checks the two agree.
 */
#define SRX_OP(_op, _hdrs, _len, _flags)				\
	[IB_OPCODE_ ## _op] = {						\
		.name = #_op,						\
		.flags = (_flags),					\
		.hdrs = (_hdrs),					\
		.ext_len = (_len),					\
	}

/* Shorthands for the table. */
#define T_SEND		(SRX_OPF_SEND | SRX_OPF_REQ | SRX_OPF_PAYLOAD)
#define T_WRITE		(SRX_OPF_WRITE | SRX_OPF_REQ | SRX_OPF_PAYLOAD)
#define T_READ		(SRX_OPF_READ | SRX_OPF_REQ | SRX_OPF_ONLY)
#define T_RDRSP		(SRX_OPF_READ | SRX_OPF_RESP | SRX_OPF_PAYLOAD)
#define T_ATOMIC	(SRX_OPF_ATOMIC | SRX_OPF_REQ | SRX_OPF_ONLY)
#define T_ACK		(SRX_OPF_ACK | SRX_OPF_RESP | SRX_OPF_ONLY)
#define T_F		SRX_OPF_FIRST
#define T_M		SRX_OPF_MIDDLE
#define T_L		SRX_OPF_LAST
#define T_O		SRX_OPF_ONLY
#define T_DETH		SRX_HDR_DETH
#define T_FETH		SRX_HDR_FETH
#define T_RETH		SRX_HDR_RETH
#define T_ATMETH	SRX_HDR_ATMETH
#define T_AETH		SRX_HDR_AETH
#define T_ATMACK	SRX_HDR_ATMACK
#define T_IMM		SRX_HDR_IMMDT
#define T_IETH		SRX_HDR_IETH
#define L_DETH		SRX_DETH_LEN
#define L_FETH		SRX_FETH_LEN
#define L_RETH		SRX_RETH_LEN
#define L_ATMETH	SRX_ATMETH_LEN
#define L_AETH		SRX_AETH_LEN
#define L_ATMACK	SRX_ATMACK_LEN
#define L_IMM		SRX_IMMDT_LEN
#define L_IETH		SRX_IETH_LEN

static const struct srx_opcode_info srx_opcodes[256] = {
	SRX_OP(RC_SEND_FIRST, 0, 0, T_SEND | T_F),
	SRX_OP(RC_SEND_MIDDLE, 0, 0, T_SEND | T_M),
	SRX_OP(RC_SEND_LAST, 0, 0, T_SEND | T_L),
	SRX_OP(RC_SEND_LAST_WITH_IMMEDIATE, T_IMM, L_IMM, T_SEND | T_L),
	SRX_OP(RC_SEND_ONLY, 0, 0, T_SEND | T_O),
	SRX_OP(RC_SEND_ONLY_WITH_IMMEDIATE, T_IMM, L_IMM, T_SEND | T_O),
	SRX_OP(RC_RDMA_WRITE_FIRST, T_RETH, L_RETH, T_WRITE | T_F),
	SRX_OP(RC_RDMA_WRITE_MIDDLE, 0, 0, T_WRITE | T_M),
	SRX_OP(RC_RDMA_WRITE_LAST, 0, 0, T_WRITE | T_L),
	SRX_OP(RC_RDMA_WRITE_LAST_WITH_IMMEDIATE, T_IMM, L_IMM, T_WRITE | T_L),
	SRX_OP(RC_RDMA_WRITE_ONLY, T_RETH, L_RETH, T_WRITE | T_O),
	SRX_OP(RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE, T_RETH | T_IMM, L_RETH + L_IMM,
	       T_WRITE | T_O),
	SRX_OP(RC_SEND_LAST_WITH_INVALIDATE, T_IETH, L_IETH, T_SEND | T_L),
	SRX_OP(RC_SEND_ONLY_WITH_INVALIDATE, T_IETH, L_IETH, T_SEND | T_O),
	SRX_OP(RC_RDMA_READ_REQUEST, T_RETH, L_RETH, T_READ),
	SRX_OP(RC_RDMA_READ_RESPONSE_FIRST, T_AETH, L_AETH, T_RDRSP | T_F),
	SRX_OP(RC_RDMA_READ_RESPONSE_MIDDLE, 0, 0, T_RDRSP | T_M),
	SRX_OP(RC_RDMA_READ_RESPONSE_LAST, T_AETH, L_AETH, T_RDRSP | T_L),
	SRX_OP(RC_RDMA_READ_RESPONSE_ONLY, T_AETH, L_AETH, T_RDRSP | T_O),
	SRX_OP(RC_ACKNOWLEDGE, T_AETH, L_AETH, T_ACK),
	SRX_OP(RC_ATOMIC_ACKNOWLEDGE, T_AETH | T_ATMACK, L_AETH + L_ATMACK,
	       T_ACK | SRX_OPF_ATOMIC),
	SRX_OP(RC_COMPARE_SWAP, T_ATMETH, L_ATMETH, T_ATOMIC),
	SRX_OP(RC_FETCH_ADD, T_ATMETH, L_ATMETH, T_ATOMIC),
	/* Eight bytes stored at once; answered by an empty read response. */
	SRX_OP(RC_ATOMIC_WRITE, T_RETH, L_RETH,
	       SRX_OPF_ATOMIC_WRITE | SRX_OPF_REQ | SRX_OPF_PAYLOAD | T_O),
	/* Earlier writes made visible (IB_FLUSH_GLOBAL); answered likewise. */
	SRX_OP(RC_FLUSH, T_FETH | T_RETH, L_FETH + L_RETH,
	       SRX_OPF_FLUSH | SRX_OPF_REQ | T_O),
	SRX_OP(UC_SEND_FIRST, 0, 0, T_SEND | T_F),
	SRX_OP(UC_SEND_MIDDLE, 0, 0, T_SEND | T_M),
	SRX_OP(UC_SEND_LAST, 0, 0, T_SEND | T_L),
	SRX_OP(UC_SEND_LAST_WITH_IMMEDIATE, T_IMM, L_IMM, T_SEND | T_L),
	SRX_OP(UC_SEND_ONLY, 0, 0, T_SEND | T_O),
	SRX_OP(UC_SEND_ONLY_WITH_IMMEDIATE, T_IMM, L_IMM, T_SEND | T_O),
	SRX_OP(UC_RDMA_WRITE_FIRST, T_RETH, L_RETH, T_WRITE | T_F),
	SRX_OP(UC_RDMA_WRITE_MIDDLE, 0, 0, T_WRITE | T_M),
	SRX_OP(UC_RDMA_WRITE_LAST, 0, 0, T_WRITE | T_L),
	SRX_OP(UC_RDMA_WRITE_LAST_WITH_IMMEDIATE, T_IMM, L_IMM, T_WRITE | T_L),
	SRX_OP(UC_RDMA_WRITE_ONLY, T_RETH, L_RETH, T_WRITE | T_O),
	SRX_OP(UC_RDMA_WRITE_ONLY_WITH_IMMEDIATE, T_RETH | T_IMM, L_RETH + L_IMM,
	       T_WRITE | T_O),
	SRX_OP(UD_SEND_ONLY, T_DETH, L_DETH, T_SEND | T_O),
	SRX_OP(UD_SEND_ONLY_WITH_IMMEDIATE, T_DETH | T_IMM, L_DETH + L_IMM,
	       T_SEND | T_O),
};

/**
 * srx_opcode_info - what a BTH opcode carries
 * @opcode: the opcode byte
 *
 * Return: the table entry, or NULL for an opcode srx does not speak
 * (RD, XRC, CNP and reserved).
 */
const struct srx_opcode_info *srx_opcode_info(u8 opcode)
{
	const struct srx_opcode_info *info = &srx_opcodes[opcode];

	return info->name ? info : NULL;
}

unsigned int srx_ext_len(enum srx_ext ext)
{
	return ext < SRX_EXT_NR ? srx_ext_lens[ext] : 0;
}

/**
 * srx_aeth_code_val - decode a 5-bit AETH credit or RNR timer code
 * @code: 0..31
 *
 * Both encodings follow one geometric series: 0, 1, then alternately
 * 2^k and 3 * 2^(k-1). The credit count is the value itself (31 means
 * "not reported"); the RNR timer is the value in units of 10 us, with
 * code 0 standing for the longest timer, 655.36 ms.
 *
 * Return: the decoded value.
 */
u32 srx_aeth_code_val(u8 code)
{
	code &= SRX_AETH_VAL_MASK;
	if (code < 2)
		return code;
	if (code & 1)
		return 3U << (code / 2 - 1);
	return 1U << (code / 2);
}

/**
 * srx_aeth_credit_code - encode a receive credit count for an ACK
 * @credits: free receive WQEs
 *
 * Return: the largest code whose count does not exceed @credits, so
 * the sender never assumes more buffers than there are.
 */
u8 srx_aeth_credit_code(u32 credits)
{
	u8 code = SRX_AETH_NO_CREDITS - 1;

	while (code && srx_aeth_code_val(code) > credits)
		code--;
	return code;
}

/**
 * srx_rnr_timer_us - the wait an RNR NAK timer code asks for
 * @timer_code: 0..31
 *
 * Return: microseconds.
 */
u32 srx_rnr_timer_us(u8 timer_code)
{
	timer_code &= SRX_AETH_VAL_MASK;
	return timer_code ? srx_aeth_code_val(timer_code) * 10 : 655360;
}

static void srx_pkt_fill_offsets(struct srx_pkt *pkt, u8 hdrs)
{
	unsigned int off = SRX_BTH_LEN;
	int ext;

	memset(pkt->off, 0, sizeof(pkt->off));
	for (ext = 0; ext < SRX_EXT_NR; ext++) {
		if (!(hdrs & BIT(ext)))
			continue;
		pkt->off[ext] = off;
		off += srx_ext_lens[ext];
	}
}

/*
 * Everything after the headers up to the ICRC is payload plus pad, a
 * multiple of 4; packets without payload carry neither.
 */
static int srx_pkt_check_len(const struct srx_opcode_info *info, size_t len,
			     u8 pad)
{
	size_t hdr_len = SRX_BTH_LEN + info->ext_len;
	size_t rest;

	if (len < hdr_len + SRX_ICRC_LEN || len > SRX_MAX_PKT_LEN)
		return -EINVAL;
	rest = len - hdr_len - SRX_ICRC_LEN;
	if (rest & 3)
		return -EINVAL;
	if (!(info->flags & SRX_OPF_PAYLOAD))
		return rest || pad ? -EINVAL : 0;
	return pad > rest ? -EINVAL : 0;
}

/**
 * srx_hdr_parse - check a received packet and locate its headers
 * @buf: the packet from BTH through the ICRC
 * @len: its length in bytes (the UDP payload length)
 * @pkt: filled on success; points into @buf
 *
 * This is where malformed packets are caught, before any QP state is
 * looked at: unknown opcode, transport version other than 0, a length
 * too short for the opcode's headers and ICRC, or payload and pad that
 * do not add up.
 *
 * Return: 0, or -EINVAL for a malformed packet (to be counted and
 * dropped).
 */
int srx_hdr_parse(const void *buf, size_t len, struct srx_pkt *pkt)
{
	const struct srx_bth *bth = buf;
	const struct srx_opcode_info *info;
	u8 pad;

	if (len < SRX_BTH_LEN)
		return -EINVAL;
	info = srx_opcode_info(srx_bth_opcode(bth));
	if (!info || srx_bth_tver(bth) != SRX_TVER)
		return -EINVAL;
	pad = srx_bth_pad(bth);
	if (srx_pkt_check_len(info, len, pad))
		return -EINVAL;

	pkt->info = info;
	pkt->bth = bth;
	pkt->opcode = srx_bth_opcode(bth);
	pkt->qpn = srx_bth_qpn(bth);
	pkt->psn = srx_bth_psn(bth);
	pkt->pkey = srx_bth_pkey(bth);
	pkt->pad = pad;
	pkt->ack_req = srx_bth_ack_req(bth);
	pkt->se = srx_bth_se(bth);
	pkt->mig = srx_bth_mig(bth);
	pkt->fecn = srx_bth_fecn(bth);
	pkt->becn = srx_bth_becn(bth);
	pkt->payload_off = SRX_BTH_LEN + info->ext_len;
	pkt->payload_len = len - pkt->payload_off - SRX_ICRC_LEN - pad;
	srx_pkt_fill_offsets(pkt, info->hdrs);
	return 0;
}

static void srx_build_bth(struct srx_bth *bth, const struct srx_opcode_info *info,
			  const struct srx_pkt_fields *f)
{
	memset(bth, 0, sizeof(*bth));
	srx_bth_set_opcode(bth, f->opcode);
	srx_bth_set_se(bth, f->se);
	srx_bth_set_mig(bth, f->mig);
	if (info->flags & SRX_OPF_PAYLOAD)
		srx_bth_set_pad(bth, srx_pad_len(f->payload_len));
	srx_bth_set_tver(bth, SRX_TVER);
	srx_bth_set_pkey(bth, f->pkey);
	srx_bth_set_fecn(bth, f->fecn);
	srx_bth_set_becn(bth, f->becn);
	srx_bth_set_qpn(bth, f->qpn);
	srx_bth_set_ack_req(bth, f->ack_req);
	srx_bth_set_psn(bth, f->psn);
}

static void srx_build_ext(void *hdr, enum srx_ext ext,
			  const struct srx_pkt_fields *f)
{
	switch (ext) {
	case SRX_EXT_DETH:
		srx_deth_set(hdr, f->qkey, f->src_qpn);
		break;
	case SRX_EXT_FETH:
		srx_feth_set(hdr, f->flush_type, f->flush_level);
		break;
	case SRX_EXT_RETH:
		srx_reth_set(hdr, f->va, f->rkey, f->dma_len);
		break;
	case SRX_EXT_ATMETH:
		srx_atmeth_set(hdr, f->va, f->rkey, f->swap_add, f->compare);
		break;
	case SRX_EXT_AETH:
		srx_aeth_set(hdr, f->syn, f->msn);
		break;
	case SRX_EXT_ATMACK:
		srx_atmack_set(hdr, f->orig);
		break;
	case SRX_EXT_IMMDT:
		srx_immdt_set(hdr, f->imm);
		break;
	case SRX_EXT_IETH:
		srx_ieth_set(hdr, f->inv_rkey);
		break;
	default:
		break;
	}
}

/**
 * srx_hdr_build - write BTH and the extended headers of an opcode
 * @buf: where BTH goes
 * @size: bytes available at @buf
 * @f: field values; the pad count follows from @f->payload_len
 *
 * The caller appends payload, pad and ICRC.
 *
 * Return: bytes written (BTH + extended headers), or -EINVAL for an
 * opcode srx does not speak, -ENOSPC if @size is too small.
 */
int srx_hdr_build(void *buf, size_t size, const struct srx_pkt_fields *f)
{
	const struct srx_opcode_info *info = srx_opcode_info(f->opcode);
	unsigned int off = SRX_BTH_LEN;
	int ext;

	if (!info)
		return -EINVAL;
	if (size < SRX_BTH_LEN + info->ext_len)
		return -ENOSPC;
	srx_build_bth(buf, info, f);
	for (ext = 0; ext < SRX_EXT_NR; ext++) {
		if (!(info->hdrs & BIT(ext)))
			continue;
		srx_build_ext((u8 *)buf + off, ext, f);
		off += srx_ext_lens[ext];
	}
	return off;
}
