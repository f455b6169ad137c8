/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * srx: RoCEv2 wire format: BTH and the extended transport headers, PSN
 * arithmetic, segmentation math, opcode table, packet parse/build and
 * the invariant CRC. Pure functions, no device state.
 *
 * Copyright (c) 2026 The srx authors.
 */

#ifndef SRX_HDR_H
#define SRX_HDR_H

#include <linux/bits.h>
#include <linux/limits.h>
#include <linux/types.h>
#include <asm/byteorder.h>
#include <rdma/ib_pack.h>

#include "srx_util.h"

struct sk_buff;

/*
 * Headers are packed: they sit at any 4-byte offset after a 2-byte
 * aligned Ethernet + IP + UDP header, and AtomicETH has a 64-bit field
 * at offset 12.
 */
struct srx_bth {
	u8	opcode;
	u8	flags;		/* SE, MigReq, PadCnt, TVer */
	__be16	pkey;
	__be32	qpn;		/* resv8a (FECN, BECN) + DestQP */
	__be32	apsn;		/* AckReq + PSN */
} __packed;

/* FLUSH: placement type in bits 3:0, selectivity level in bits 5:4. */
struct srx_feth {
	__be32	bits;
} __packed;

struct srx_reth {
	__be64	va;
	__be32	rkey;
	__be32	len;
} __packed;

struct srx_aeth {
	__be32	smsn;		/* syndrome + MSN */
} __packed;

struct srx_immdt {
	__be32	imm;
} __packed;

struct srx_ieth {
	__be32	rkey;
} __packed;

struct srx_atmeth {
	__be64	va;
	__be32	rkey;
	__be64	swap_add;
	__be64	compare;
} __packed;

struct srx_atmack {
	__be64	orig;
} __packed;

struct srx_deth {
	__be32	qkey;
	__be32	sqp;		/* resv8 + SrcQP */
} __packed;

#define SRX_BTH_LEN		12
#define SRX_RETH_LEN		16
#define SRX_FETH_LEN		4
#define SRX_AETH_LEN		4
#define SRX_IMMDT_LEN		4
#define SRX_IETH_LEN		4
#define SRX_ATMETH_LEN		28
#define SRX_ATMACK_LEN		8
#define SRX_DETH_LEN		8
#define SRX_ICRC_LEN		4
#define SRX_MAX_PKT_LEN		U16_MAX	/* bounded by the UDP length */

#define SRX_BTH_SE		BIT(7)
#define SRX_BTH_MIG		BIT(6)
#define SRX_BTH_PAD_SHIFT	4
#define SRX_BTH_PAD_MASK	(3 << SRX_BTH_PAD_SHIFT)
#define SRX_BTH_TVER_MASK	0x0f
#define SRX_BTH_FECN		BIT(31)
#define SRX_BTH_BECN		BIT(30)
#define SRX_BTH_QPN_MASK	0x00ffffff
#define SRX_BTH_ACK_REQ		BIT(31)
#define SRX_BTH_PSN_MASK	SRX_PSN_MASK
#define SRX_TVER		0

/* ---- BTH ---- */

static inline u8 srx_bth_opcode(const struct srx_bth *bth)
{
	return bth->opcode;
}

static inline void srx_bth_set_opcode(struct srx_bth *bth, u8 opcode)
{
	bth->opcode = opcode;
}

static inline void srx_bth_set_flag(struct srx_bth *bth, u8 flag, bool on)
{
	bth->flags = on ? bth->flags | flag : bth->flags & ~flag;
}

static inline bool srx_bth_se(const struct srx_bth *bth)
{
	return bth->flags & SRX_BTH_SE;
}

static inline void srx_bth_set_se(struct srx_bth *bth, bool se)
{
	srx_bth_set_flag(bth, SRX_BTH_SE, se);
}

static inline bool srx_bth_mig(const struct srx_bth *bth)
{
	return bth->flags & SRX_BTH_MIG;
}

static inline void srx_bth_set_mig(struct srx_bth *bth, bool mig)
{
	srx_bth_set_flag(bth, SRX_BTH_MIG, mig);
}

static inline u8 srx_bth_pad(const struct srx_bth *bth)
{
	return (bth->flags & SRX_BTH_PAD_MASK) >> SRX_BTH_PAD_SHIFT;
}

static inline void srx_bth_set_pad(struct srx_bth *bth, u8 pad)
{
	bth->flags = (bth->flags & ~SRX_BTH_PAD_MASK) |
		     ((pad << SRX_BTH_PAD_SHIFT) & SRX_BTH_PAD_MASK);
}

static inline u8 srx_bth_tver(const struct srx_bth *bth)
{
	return bth->flags & SRX_BTH_TVER_MASK;
}

static inline void srx_bth_set_tver(struct srx_bth *bth, u8 tver)
{
	bth->flags = (bth->flags & ~SRX_BTH_TVER_MASK) |
		     (tver & SRX_BTH_TVER_MASK);
}

static inline u16 srx_bth_pkey(const struct srx_bth *bth)
{
	return be16_to_cpu(bth->pkey);
}

static inline void srx_bth_set_pkey(struct srx_bth *bth, u16 pkey)
{
	bth->pkey = cpu_to_be16(pkey);
}

static inline __be32 srx_be32_update(__be32 word, u32 mask, u32 val)
{
	return cpu_to_be32((be32_to_cpu(word) & ~mask) | (val & mask));
}

static inline bool srx_bth_fecn(const struct srx_bth *bth)
{
	return be32_to_cpu(bth->qpn) & SRX_BTH_FECN;
}

static inline void srx_bth_set_fecn(struct srx_bth *bth, bool on)
{
	bth->qpn = srx_be32_update(bth->qpn, SRX_BTH_FECN, on ? ~0U : 0);
}

static inline bool srx_bth_becn(const struct srx_bth *bth)
{
	return be32_to_cpu(bth->qpn) & SRX_BTH_BECN;
}

static inline void srx_bth_set_becn(struct srx_bth *bth, bool on)
{
	bth->qpn = srx_be32_update(bth->qpn, SRX_BTH_BECN, on ? ~0U : 0);
}

static inline u32 srx_bth_qpn(const struct srx_bth *bth)
{
	return be32_to_cpu(bth->qpn) & SRX_BTH_QPN_MASK;
}

static inline void srx_bth_set_qpn(struct srx_bth *bth, u32 qpn)
{
	bth->qpn = srx_be32_update(bth->qpn, SRX_BTH_QPN_MASK, qpn);
}

static inline bool srx_bth_ack_req(const struct srx_bth *bth)
{
	return be32_to_cpu(bth->apsn) & SRX_BTH_ACK_REQ;
}

static inline void srx_bth_set_ack_req(struct srx_bth *bth, bool on)
{
	bth->apsn = srx_be32_update(bth->apsn, SRX_BTH_ACK_REQ, on ? ~0U : 0);
}

static inline u32 srx_bth_psn(const struct srx_bth *bth)
{
	return be32_to_cpu(bth->apsn) & SRX_BTH_PSN_MASK;
}

static inline void srx_bth_set_psn(struct srx_bth *bth, u32 psn)
{
	bth->apsn = srx_be32_update(bth->apsn, SRX_BTH_PSN_MASK, psn);
}

/* ---- RETH ---- */

static inline u64 srx_reth_va(const struct srx_reth *reth)
{
	return be64_to_cpu(reth->va);
}

static inline u32 srx_reth_rkey(const struct srx_reth *reth)
{
	return be32_to_cpu(reth->rkey);
}

static inline u32 srx_reth_len(const struct srx_reth *reth)
{
	return be32_to_cpu(reth->len);
}

static inline void srx_reth_set(struct srx_reth *reth, u64 va, u32 rkey,
				u32 len)
{
	reth->va = cpu_to_be64(va);
	reth->rkey = cpu_to_be32(rkey);
	reth->len = cpu_to_be32(len);
}

/* ---- FETH ---- */

#define SRX_FETH_PLT_MASK	0x0f
#define SRX_FETH_SEL_SHIFT	4
#define SRX_FETH_SEL_MASK	0x30

/* Placement types (IB_FLUSH_GLOBAL, IB_FLUSH_PERSISTENT bits). */
static inline u8 srx_feth_type(const struct srx_feth *feth)
{
	return be32_to_cpu(feth->bits) & SRX_FETH_PLT_MASK;
}

/* Selectivity level: IB_FLUSH_RANGE or IB_FLUSH_MR. */
static inline u8 srx_feth_level(const struct srx_feth *feth)
{
	return (be32_to_cpu(feth->bits) & SRX_FETH_SEL_MASK) >>
	       SRX_FETH_SEL_SHIFT;
}

static inline void srx_feth_set(struct srx_feth *feth, u8 type, u8 level)
{
	feth->bits = cpu_to_be32((type & SRX_FETH_PLT_MASK) |
				 ((level << SRX_FETH_SEL_SHIFT) &
				  SRX_FETH_SEL_MASK));
}

/* ---- AETH ---- */

/*
 * Syndrome: bit 7 reserved, bits 6:5 the type, bits 4:0 a value whose
 * meaning depends on the type: the credit count of an ACK, the timer
 * of an RNR NAK, the NAK code of a NAK.
 */
#define SRX_AETH_TYPE_MASK	0x60
#define SRX_AETH_VAL_MASK	0x1f
#define SRX_AETH_ACK		0x00
#define SRX_AETH_RNR_NAK	0x20
#define SRX_AETH_NAK		0x60
#define SRX_AETH_MSN_MASK	0x00ffffff
#define SRX_AETH_SYN_SHIFT	24
#define SRX_AETH_NO_CREDITS	0x1f	/* "invalid": credits not reported */

enum srx_nak_code {
	SRX_NAK_PSN_SEQ		= 0,
	SRX_NAK_INVALID_REQ	= 1,
	SRX_NAK_REM_ACCESS	= 2,
	SRX_NAK_REM_OP		= 3,
	SRX_NAK_INVALID_RD_REQ	= 4,
};

static inline u8 srx_aeth_syn_ack(u8 credit_code)
{
	return SRX_AETH_ACK | (credit_code & SRX_AETH_VAL_MASK);
}

static inline u8 srx_aeth_syn_rnr(u8 timer_code)
{
	return SRX_AETH_RNR_NAK | (timer_code & SRX_AETH_VAL_MASK);
}

static inline u8 srx_aeth_syn_nak(enum srx_nak_code code)
{
	return SRX_AETH_NAK | (code & SRX_AETH_VAL_MASK);
}

static inline u8 srx_aeth_syn_type(u8 syn)
{
	return syn & SRX_AETH_TYPE_MASK;
}

static inline u8 srx_aeth_syn_val(u8 syn)
{
	return syn & SRX_AETH_VAL_MASK;
}

static inline u8 srx_aeth_syn(const struct srx_aeth *aeth)
{
	return be32_to_cpu(aeth->smsn) >> SRX_AETH_SYN_SHIFT;
}

static inline u32 srx_aeth_msn(const struct srx_aeth *aeth)
{
	return be32_to_cpu(aeth->smsn) & SRX_AETH_MSN_MASK;
}

static inline void srx_aeth_set(struct srx_aeth *aeth, u8 syn, u32 msn)
{
	aeth->smsn = cpu_to_be32((u32)syn << SRX_AETH_SYN_SHIFT |
				 (msn & SRX_AETH_MSN_MASK));
}

/* ---- ImmDt, IETH: the immediate is opaque, kept in wire order ---- */

static inline __be32 srx_immdt_imm(const struct srx_immdt *immdt)
{
	return immdt->imm;
}

static inline void srx_immdt_set(struct srx_immdt *immdt, __be32 imm)
{
	immdt->imm = imm;
}

static inline u32 srx_ieth_rkey(const struct srx_ieth *ieth)
{
	return be32_to_cpu(ieth->rkey);
}

static inline void srx_ieth_set(struct srx_ieth *ieth, u32 rkey)
{
	ieth->rkey = cpu_to_be32(rkey);
}

/* ---- AtomicETH, AtomicAckETH ---- */

static inline u64 srx_atmeth_va(const struct srx_atmeth *a)
{
	return be64_to_cpu(a->va);
}

static inline u32 srx_atmeth_rkey(const struct srx_atmeth *a)
{
	return be32_to_cpu(a->rkey);
}

static inline u64 srx_atmeth_swap_add(const struct srx_atmeth *a)
{
	return be64_to_cpu(a->swap_add);
}

static inline u64 srx_atmeth_compare(const struct srx_atmeth *a)
{
	return be64_to_cpu(a->compare);
}

static inline void srx_atmeth_set(struct srx_atmeth *a, u64 va, u32 rkey,
				  u64 swap_add, u64 compare)
{
	a->va = cpu_to_be64(va);
	a->rkey = cpu_to_be32(rkey);
	a->swap_add = cpu_to_be64(swap_add);
	a->compare = cpu_to_be64(compare);
}

static inline u64 srx_atmack_orig(const struct srx_atmack *a)
{
	return be64_to_cpu(a->orig);
}

static inline void srx_atmack_set(struct srx_atmack *a, u64 orig)
{
	a->orig = cpu_to_be64(orig);
}

/* ---- DETH ---- */

#define SRX_DETH_SQP_MASK	0x00ffffff

static inline u32 srx_deth_qkey(const struct srx_deth *deth)
{
	return be32_to_cpu(deth->qkey);
}

static inline u32 srx_deth_sqp(const struct srx_deth *deth)
{
	return be32_to_cpu(deth->sqp) & SRX_DETH_SQP_MASK;
}

static inline void srx_deth_set(struct srx_deth *deth, u32 qkey, u32 sqp)
{
	deth->qkey = cpu_to_be32(qkey);
	deth->sqp = cpu_to_be32(sqp & SRX_DETH_SQP_MASK);
}

/* ---- PSN arithmetic, modulo 2^24 ---- */

#define SRX_PSN_HALF		BIT(23)

/*
 * srx_psn_diff - signed distance from @b to @a in (-2^23, 2^23]: the
 * PSN window is half the space, so the sign says which one is ahead.
 */
static inline s32 srx_psn_diff(u32 a, u32 b)
{
	u32 d = (a - b) & SRX_PSN_MASK;

	return d > SRX_PSN_HALF ? (s32)d - (s32)BIT(24) : (s32)d;
}

static inline u32 srx_psn_add(u32 psn, u32 n)
{
	return (psn + n) & SRX_PSN_MASK;
}

static inline bool srx_psn_lt(u32 a, u32 b)
{
	return srx_psn_diff(a, b) < 0;
}

static inline bool srx_psn_le(u32 a, u32 b)
{
	return srx_psn_diff(a, b) <= 0;
}

static inline bool srx_psn_gt(u32 a, u32 b)
{
	return srx_psn_diff(a, b) > 0;
}

static inline bool srx_psn_ge(u32 a, u32 b)
{
	return srx_psn_diff(a, b) >= 0;
}

/* ---- Segmentation: a zero-length message is one empty packet ---- */

static inline u32 srx_seg_count(u32 len, u32 mtu)
{
	/* No len + mtu - 1: it would wrap for len near U32_MAX. */
	return len ? len / mtu + !!(len % mtu) : 1;
}

static inline u32 srx_seg_payload(u32 len, u32 mtu, u32 i)
{
	u32 n = srx_seg_count(len, mtu);

	if (i >= n)
		return 0;
	return i < n - 1 ? mtu : len - (n - 1) * mtu;
}

/* Pad bytes that bring a payload to a multiple of 4. */
static inline u8 srx_pad_len(u32 payload_len)
{
	return -payload_len & 3;
}

/* ---- Opcode table ---- */

/* Extended headers, in the order they follow BTH on the wire. */
enum srx_ext {
	SRX_EXT_DETH,
	SRX_EXT_FETH,
	SRX_EXT_RETH,
	SRX_EXT_ATMETH,
	SRX_EXT_AETH,
	SRX_EXT_ATMACK,
	SRX_EXT_IMMDT,
	SRX_EXT_IETH,
	SRX_EXT_NR
};

#define SRX_HDR_DETH		BIT(SRX_EXT_DETH)
#define SRX_HDR_FETH		BIT(SRX_EXT_FETH)
#define SRX_HDR_RETH		BIT(SRX_EXT_RETH)
#define SRX_HDR_ATMETH		BIT(SRX_EXT_ATMETH)
#define SRX_HDR_AETH		BIT(SRX_EXT_AETH)
#define SRX_HDR_ATMACK		BIT(SRX_EXT_ATMACK)
#define SRX_HDR_IMMDT		BIT(SRX_EXT_IMMDT)
#define SRX_HDR_IETH		BIT(SRX_EXT_IETH)

/* Opcode properties. ONLY is FIRST | LAST. */
#define SRX_OPF_PAYLOAD		BIT(0)
#define SRX_OPF_FIRST		BIT(1)
#define SRX_OPF_MIDDLE		BIT(2)
#define SRX_OPF_LAST		BIT(3)
#define SRX_OPF_ONLY		(SRX_OPF_FIRST | SRX_OPF_LAST)
#define SRX_OPF_REQ		BIT(4)
#define SRX_OPF_RESP		BIT(5)
#define SRX_OPF_SEND		BIT(6)
#define SRX_OPF_WRITE		BIT(7)
#define SRX_OPF_READ		BIT(8)
#define SRX_OPF_ATOMIC		BIT(9)
#define SRX_OPF_ACK		BIT(10)
#define SRX_OPF_ATOMIC_WRITE	BIT(11)
#define SRX_OPF_FLUSH		BIT(12)
/* Requests that take a responder resource and answer for themselves. */
#define SRX_OPF_RD_ATOMIC	(SRX_OPF_READ | SRX_OPF_ATOMIC | \
				 SRX_OPF_ATOMIC_WRITE | SRX_OPF_FLUSH)

struct srx_opcode_info {
	const char	*name;
	u16		flags;		/* SRX_OPF_* */
	u8		hdrs;		/* SRX_HDR_* */
	u8		ext_len;	/* bytes of extended headers after BTH */
};

const struct srx_opcode_info *srx_opcode_info(u8 opcode);
unsigned int srx_ext_len(enum srx_ext ext);
u32 srx_aeth_code_val(u8 code);
u8 srx_aeth_credit_code(u32 credits);
u32 srx_rnr_timer_us(u8 timer_code);

/* ---- Parse and build ---- */

/* A received packet, from BTH through ICRC, checked against the table. */
struct srx_pkt {
	const struct srx_opcode_info	*info;
	const struct srx_bth		*bth;
	u32				qpn;
	u32				psn;
	u32				payload_len;
	u16				payload_off;	/* from BTH */
	u16				pkey;
	u8				opcode;
	u8				pad;
	bool				ack_req;
	bool				se;
	bool				mig;
	bool				fecn;
	bool				becn;
	u8				off[SRX_EXT_NR];	/* 0: absent */
};

static inline const void *srx_pkt_ext(const struct srx_pkt *pkt,
				      enum srx_ext ext)
{
	return pkt->off[ext] ? (const u8 *)pkt->bth + pkt->off[ext] : NULL;
}

static inline const struct srx_reth *srx_pkt_reth(const struct srx_pkt *pkt)
{
	return srx_pkt_ext(pkt, SRX_EXT_RETH);
}

static inline const struct srx_feth *srx_pkt_feth(const struct srx_pkt *pkt)
{
	return srx_pkt_ext(pkt, SRX_EXT_FETH);
}

static inline const struct srx_aeth *srx_pkt_aeth(const struct srx_pkt *pkt)
{
	return srx_pkt_ext(pkt, SRX_EXT_AETH);
}

static inline const struct srx_immdt *srx_pkt_immdt(const struct srx_pkt *pkt)
{
	return srx_pkt_ext(pkt, SRX_EXT_IMMDT);
}

static inline const struct srx_ieth *srx_pkt_ieth(const struct srx_pkt *pkt)
{
	return srx_pkt_ext(pkt, SRX_EXT_IETH);
}

static inline const struct srx_atmeth *
srx_pkt_atmeth(const struct srx_pkt *pkt)
{
	return srx_pkt_ext(pkt, SRX_EXT_ATMETH);
}

static inline const struct srx_atmack *
srx_pkt_atmack(const struct srx_pkt *pkt)
{
	return srx_pkt_ext(pkt, SRX_EXT_ATMACK);
}

static inline const struct srx_deth *srx_pkt_deth(const struct srx_pkt *pkt)
{
	return srx_pkt_ext(pkt, SRX_EXT_DETH);
}

static inline const void *srx_pkt_payload(const struct srx_pkt *pkt)
{
	return (const u8 *)pkt->bth + pkt->payload_off;
}

/*
 * What the sender puts in BTH and the extended headers; fields of headers
 * the opcode does not carry are ignored. The pad count is derived from
 * @payload_len.
 */
struct srx_pkt_fields {
	u8	opcode;
	bool	se;
	bool	mig;
	bool	ack_req;
	bool	fecn;
	bool	becn;
	u16	pkey;
	u32	qpn;
	u32	psn;
	u32	payload_len;
	u64	va;		/* RETH, AtomicETH */
	u32	rkey;		/* RETH, AtomicETH */
	u32	dma_len;	/* RETH */
	u8	flush_type;	/* FETH */
	u8	flush_level;	/* FETH */
	u64	swap_add;	/* AtomicETH */
	u64	compare;	/* AtomicETH */
	u8	syn;		/* AETH */
	u32	msn;		/* AETH */
	u64	orig;		/* AtomicAckETH */
	__be32	imm;		/* ImmDt */
	u32	inv_rkey;	/* IETH */
	u32	qkey;		/* DETH */
	u32	src_qpn;	/* DETH */
};

int srx_hdr_parse(const void *buf, size_t len, struct srx_pkt *pkt);
int srx_hdr_build(void *buf, size_t size, const struct srx_pkt_fields *f);

/* ---- Invariant CRC ---- */

u32 srx_icrc_compute(const void *iphdr, size_t len);
int srx_icrc_check(const void *iphdr, size_t len);
void srx_icrc_fill(void *iphdr, size_t len);
int srx_icrc_compute_skb(struct sk_buff *skb, unsigned int ip_off,
			 unsigned int len, u32 *icrc);

#endif /* SRX_HDR_H */
