// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * KUnit tests for srx's wire headers: opcode table, packet build and
 * parse, AETH encodings, PSN arithmetic and segmentation math.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "../srx_hdr.h"

#define SRX_TEST_BUF	2048

/* The opcodes of IBTA vol 1 table 38 that srx speaks: RC, UC and UD. */
static bool srx_test_expect_valid(u8 op)
{
	u8 t = op & 0xe0, c = op & 0x1f;

	switch (t) {
	case IB_OPCODE_RC:
		return c <= IB_OPCODE_FETCH_ADD ||
		       c == IB_OPCODE_SEND_LAST_WITH_INVALIDATE ||
		       c == IB_OPCODE_SEND_ONLY_WITH_INVALIDATE ||
		       c == IB_OPCODE_ATOMIC_WRITE || c == IB_OPCODE_FLUSH;
	case IB_OPCODE_UC:
		return c <= IB_OPCODE_RDMA_WRITE_ONLY_WITH_IMMEDIATE;
	case IB_OPCODE_UD:
		return c == IB_OPCODE_SEND_ONLY ||
		       c == IB_OPCODE_SEND_ONLY_WITH_IMMEDIATE;
	default:
		return false;
	}
}

static void srx_opcode_table_shape(struct kunit *test)
{
	unsigned int op;

	for (op = 0; op < 256; op++) {
		const struct srx_opcode_info *info = srx_opcode_info(op);
		unsigned int len = 0, pos;
		u16 f;
		int ext;

		KUNIT_EXPECT_EQ_MSG(test, !!info, srx_test_expect_valid(op),
				    "opcode 0x%02x", op);
		if (!info)
			continue;
		for (ext = 0; ext < SRX_EXT_NR; ext++)
			if (info->hdrs & BIT(ext))
				len += srx_ext_len(ext);
		KUNIT_EXPECT_EQ_MSG(test, info->ext_len, len, "%s", info->name);

		f = info->flags;
		/* Exactly one of request and response. */
		KUNIT_EXPECT_NE_MSG(test, !(f & SRX_OPF_REQ), !(f & SRX_OPF_RESP),
				    "%s", info->name);
		/* First, middle, last or only (first + last). */
		pos = f & (SRX_OPF_FIRST | SRX_OPF_MIDDLE | SRX_OPF_LAST);
		KUNIT_EXPECT_TRUE_MSG(test, pos == SRX_OPF_FIRST ||
				      pos == SRX_OPF_MIDDLE ||
				      pos == SRX_OPF_LAST || pos == SRX_OPF_ONLY,
				      "%s", info->name);
	}
}

static void srx_opcode_table_facts(struct kunit *test)
{
	const struct srx_opcode_info *i;

	i = srx_opcode_info(IB_OPCODE_RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE);
	KUNIT_ASSERT_NOT_NULL(test, i);
	KUNIT_EXPECT_EQ(test, i->hdrs, SRX_HDR_RETH | SRX_HDR_IMMDT);
	KUNIT_EXPECT_EQ(test, i->ext_len, 20);
	KUNIT_EXPECT_EQ(test, i->flags & SRX_OPF_ONLY, SRX_OPF_ONLY);
	KUNIT_EXPECT_TRUE(test, i->flags & SRX_OPF_PAYLOAD);

	i = srx_opcode_info(IB_OPCODE_RC_RDMA_READ_REQUEST);
	KUNIT_ASSERT_NOT_NULL(test, i);
	KUNIT_EXPECT_EQ(test, i->hdrs, SRX_HDR_RETH);
	KUNIT_EXPECT_FALSE(test, i->flags & SRX_OPF_PAYLOAD);
	KUNIT_EXPECT_TRUE(test, i->flags & SRX_OPF_REQ);

	i = srx_opcode_info(IB_OPCODE_RC_RDMA_READ_RESPONSE_MIDDLE);
	KUNIT_ASSERT_NOT_NULL(test, i);
	KUNIT_EXPECT_EQ(test, i->hdrs, 0);
	KUNIT_EXPECT_TRUE(test, i->flags & SRX_OPF_RESP);
	KUNIT_EXPECT_TRUE(test, i->flags & SRX_OPF_MIDDLE);

	i = srx_opcode_info(IB_OPCODE_RC_ATOMIC_ACKNOWLEDGE);
	KUNIT_ASSERT_NOT_NULL(test, i);
	KUNIT_EXPECT_EQ(test, i->hdrs, SRX_HDR_AETH | SRX_HDR_ATMACK);
	KUNIT_EXPECT_EQ(test, i->ext_len, 12);
	KUNIT_EXPECT_FALSE(test, i->flags & SRX_OPF_PAYLOAD);

	i = srx_opcode_info(IB_OPCODE_RC_COMPARE_SWAP);
	KUNIT_ASSERT_NOT_NULL(test, i);
	KUNIT_EXPECT_EQ(test, i->ext_len, 28);

	i = srx_opcode_info(IB_OPCODE_RC_SEND_ONLY_WITH_INVALIDATE);
	KUNIT_ASSERT_NOT_NULL(test, i);
	KUNIT_EXPECT_EQ(test, i->hdrs, SRX_HDR_IETH);

	i = srx_opcode_info(IB_OPCODE_UD_SEND_ONLY_WITH_IMMEDIATE);
	KUNIT_ASSERT_NOT_NULL(test, i);
	KUNIT_EXPECT_EQ(test, i->hdrs, SRX_HDR_DETH | SRX_HDR_IMMDT);
	KUNIT_EXPECT_EQ(test, i->ext_len, 12);

	i = srx_opcode_info(IB_OPCODE_RC_ATOMIC_WRITE);
	KUNIT_ASSERT_NOT_NULL(test, i);
	KUNIT_EXPECT_EQ(test, i->hdrs, SRX_HDR_RETH);
	KUNIT_EXPECT_EQ(test, i->ext_len, 16);
	KUNIT_EXPECT_TRUE(test, i->flags & SRX_OPF_PAYLOAD);
	KUNIT_EXPECT_EQ(test, i->flags & SRX_OPF_ONLY, SRX_OPF_ONLY);
	KUNIT_EXPECT_NULL(test,
			  srx_opcode_info(IB_OPCODE_UC + IB_OPCODE_ATOMIC_WRITE));

	/* FETH precedes RETH on the wire. */
	i = srx_opcode_info(IB_OPCODE_RC_FLUSH);
	KUNIT_ASSERT_NOT_NULL(test, i);
	KUNIT_EXPECT_EQ(test, i->hdrs, SRX_HDR_FETH | SRX_HDR_RETH);
	KUNIT_EXPECT_EQ(test, i->ext_len, 20);
	KUNIT_EXPECT_FALSE(test, i->flags & SRX_OPF_PAYLOAD);
	KUNIT_EXPECT_TRUE(test, i->flags & SRX_OPF_RD_ATOMIC);
	KUNIT_EXPECT_NULL(test, srx_opcode_info(IB_OPCODE_UC + IB_OPCODE_FLUSH));

	/* Reserved, RD, XRC, CNP, and opcodes srx does not implement. */
	KUNIT_EXPECT_NULL(test, srx_opcode_info(0x15));
	KUNIT_EXPECT_NULL(test, srx_opcode_info(IB_OPCODE_UC + IB_OPCODE_RDMA_READ_REQUEST));
	KUNIT_EXPECT_NULL(test, srx_opcode_info(IB_OPCODE_RD_SEND_ONLY));
	KUNIT_EXPECT_NULL(test, srx_opcode_info(IB_OPCODE_UD + IB_OPCODE_SEND_FIRST));
	KUNIT_EXPECT_NULL(test, srx_opcode_info(IB_OPCODE_CNP));
	KUNIT_EXPECT_NULL(test, srx_opcode_info(0xff));
}

/* Distinct, recognisable values for every field. */
static void srx_test_fields(struct srx_pkt_fields *f, u8 op, u32 payload)
{
	memset(f, 0, sizeof(*f));
	f->opcode = op;
	f->se = true;
	f->ack_req = true;
	f->becn = true;
	f->pkey = 0xffff;
	f->qpn = 0x123456;
	f->psn = 0xabcdef;
	f->payload_len = payload;
	f->va = 0x0102030405060708ULL;
	f->rkey = 0x11223344;
	f->dma_len = 0x55667788;
	f->flush_type = IB_FLUSH_GLOBAL | IB_FLUSH_PERSISTENT;
	f->flush_level = IB_FLUSH_MR;
	f->swap_add = 0x8877665544332211ULL;
	f->compare = 0xa1a2a3a4a5a6a7a8ULL;
	f->syn = srx_aeth_syn_nak(SRX_NAK_REM_ACCESS);
	f->msn = 0xfedcba;
	f->orig = 0xb1b2b3b4b5b6b7b8ULL;
	f->imm = cpu_to_be32(0xdeadbeef);
	f->inv_rkey = 0xc0ffee11;
	f->qkey = 0x80010000;
	f->src_qpn = 0x000abc;
}

/* Build a packet of @op with @payload bytes, pad and a zero ICRC. */
static size_t srx_test_pkt(struct kunit *test, u8 *buf, u8 op, u32 payload,
			   struct srx_pkt_fields *f)
{
	int hlen;

	srx_test_fields(f, op, payload);
	memset(buf, 0, SRX_TEST_BUF);
	hlen = srx_hdr_build(buf, SRX_TEST_BUF, f);
	KUNIT_ASSERT_GE(test, hlen, SRX_BTH_LEN);
	KUNIT_ASSERT_LE(test, hlen + payload + 3 + SRX_ICRC_LEN, SRX_TEST_BUF);
	memset(buf + hlen, 0x5a, payload);
	return hlen + payload + srx_pad_len(payload) + SRX_ICRC_LEN;
}

static void srx_test_check_ext(struct kunit *test, const struct srx_pkt *p,
			       const struct srx_pkt_fields *f)
{
	u8 h = p->info->hdrs;

	KUNIT_EXPECT_EQ(test, !!srx_pkt_reth(p), !!(h & SRX_HDR_RETH));
	KUNIT_EXPECT_EQ(test, !!srx_pkt_aeth(p), !!(h & SRX_HDR_AETH));
	KUNIT_EXPECT_EQ(test, !!srx_pkt_immdt(p), !!(h & SRX_HDR_IMMDT));
	KUNIT_EXPECT_EQ(test, !!srx_pkt_ieth(p), !!(h & SRX_HDR_IETH));
	KUNIT_EXPECT_EQ(test, !!srx_pkt_atmeth(p), !!(h & SRX_HDR_ATMETH));
	KUNIT_EXPECT_EQ(test, !!srx_pkt_atmack(p), !!(h & SRX_HDR_ATMACK));
	KUNIT_EXPECT_EQ(test, !!srx_pkt_deth(p), !!(h & SRX_HDR_DETH));
	KUNIT_EXPECT_EQ(test, !!srx_pkt_feth(p), !!(h & SRX_HDR_FETH));
	if (srx_pkt_feth(p)) {
		KUNIT_EXPECT_EQ(test, srx_feth_type(srx_pkt_feth(p)),
				f->flush_type);
		KUNIT_EXPECT_EQ(test, srx_feth_level(srx_pkt_feth(p)),
				f->flush_level);
	}
	if (srx_pkt_reth(p)) {
		KUNIT_EXPECT_EQ(test, srx_reth_va(srx_pkt_reth(p)), f->va);
		KUNIT_EXPECT_EQ(test, srx_reth_rkey(srx_pkt_reth(p)), f->rkey);
		KUNIT_EXPECT_EQ(test, srx_reth_len(srx_pkt_reth(p)), f->dma_len);
	}
	if (srx_pkt_aeth(p)) {
		KUNIT_EXPECT_EQ(test, srx_aeth_syn(srx_pkt_aeth(p)), f->syn);
		KUNIT_EXPECT_EQ(test, srx_aeth_msn(srx_pkt_aeth(p)), f->msn);
	}
	if (srx_pkt_immdt(p))
		KUNIT_EXPECT_EQ(test, be32_to_cpu(srx_immdt_imm(srx_pkt_immdt(p))),
				be32_to_cpu(f->imm));
	if (srx_pkt_ieth(p))
		KUNIT_EXPECT_EQ(test, srx_ieth_rkey(srx_pkt_ieth(p)),
				f->inv_rkey);
	if (srx_pkt_atmeth(p)) {
		const struct srx_atmeth *a = srx_pkt_atmeth(p);

		KUNIT_EXPECT_EQ(test, srx_atmeth_va(a), f->va);
		KUNIT_EXPECT_EQ(test, srx_atmeth_rkey(a), f->rkey);
		KUNIT_EXPECT_EQ(test, srx_atmeth_swap_add(a), f->swap_add);
		KUNIT_EXPECT_EQ(test, srx_atmeth_compare(a), f->compare);
	}
	if (srx_pkt_atmack(p))
		KUNIT_EXPECT_EQ(test, srx_atmack_orig(srx_pkt_atmack(p)),
				f->orig);
	if (srx_pkt_deth(p)) {
		KUNIT_EXPECT_EQ(test, srx_deth_qkey(srx_pkt_deth(p)), f->qkey);
		KUNIT_EXPECT_EQ(test, srx_deth_sqp(srx_pkt_deth(p)),
				f->src_qpn);
	}
}

static void srx_test_roundtrip(struct kunit *test, u8 op, u32 payload)
{
	const struct srx_opcode_info *info = srx_opcode_info(op);
	struct srx_pkt_fields f;
	struct srx_pkt p;
	u8 *buf = kunit_kzalloc(test, SRX_TEST_BUF, GFP_KERNEL);
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	if (!(info->flags & SRX_OPF_PAYLOAD))
		payload = 0;
	len = srx_test_pkt(test, buf, op, payload, &f);
	KUNIT_ASSERT_EQ_MSG(test, srx_hdr_parse(buf, len, &p), 0,
			    "%s payload %u", info->name, payload);
	KUNIT_EXPECT_PTR_EQ(test, p.info, info);
	KUNIT_EXPECT_EQ(test, p.opcode, op);
	KUNIT_EXPECT_EQ(test, p.qpn, f.qpn);
	KUNIT_EXPECT_EQ(test, p.psn, f.psn);
	KUNIT_EXPECT_EQ(test, p.pkey, f.pkey);
	KUNIT_EXPECT_TRUE(test, p.ack_req);
	KUNIT_EXPECT_TRUE(test, p.se);
	KUNIT_EXPECT_FALSE(test, p.mig);
	KUNIT_EXPECT_FALSE(test, p.fecn);
	KUNIT_EXPECT_TRUE(test, p.becn);
	KUNIT_EXPECT_EQ(test, p.pad, srx_pad_len(payload));
	KUNIT_EXPECT_EQ(test, p.payload_len, payload);
	KUNIT_EXPECT_EQ(test, p.payload_off, SRX_BTH_LEN + info->ext_len);
	if (payload)
		KUNIT_EXPECT_EQ(test, *(const u8 *)srx_pkt_payload(&p), 0x5a);
	srx_test_check_ext(test, &p, &f);
}

static void srx_hdr_roundtrip_all(struct kunit *test)
{
	static const u32 payloads[] = { 0, 1, 2, 3, 4, 5, 255, 1024 };
	unsigned int op, i;

	for (op = 0; op < 256; op++) {
		if (!srx_opcode_info(op))
			continue;
		for (i = 0; i < ARRAY_SIZE(payloads); i++)
			srx_test_roundtrip(test, op, payloads[i]);
	}
}

/* Byte-exact layout, written out from the IBTA header diagrams. */
/* The headers srx_hdr_build() writes for @op are exactly @want. */
static void srx_test_wire(struct kunit *test, u8 op, u32 payload,
			  const u8 *want, size_t len)
{
	struct srx_pkt_fields f;
	u8 buf[64];

	srx_test_fields(&f, op, payload);
	memset(buf, 0, sizeof(buf));
	KUNIT_ASSERT_EQ(test, srx_hdr_build(buf, sizeof(buf), &f), (int)len);
	KUNIT_EXPECT_MEMEQ(test, buf, want, len);
}

static void srx_hdr_wire_layout(struct kunit *test)
{
	static const u8 want[] = {
		/* BTH: opcode, SE|pad 3|tver 0, pkey, resv8a|QPN, A|PSN */
		0x0b, 0xb0, 0xff, 0xff, 0x40, 0x12, 0x34, 0x56,
		0x80, 0xab, 0xcd, 0xef,
		/* RETH: VA, R_Key, DMA length */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		/* ImmDt */
		0xde, 0xad, 0xbe, 0xef,
	};

	srx_test_wire(test, IB_OPCODE_RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE, 5,
		      want, sizeof(want));
}

static void srx_hdr_wire_layout_ud(struct kunit *test)
{
	static const u8 want[] = {
		0x64, 0x80, 0xff, 0xff, 0x40, 0x12, 0x34, 0x56,
		0x80, 0xab, 0xcd, 0xef,
		/* DETH: Q_Key, resv8|SrcQP */
		0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x0a, 0xbc,
	};

	srx_test_wire(test, IB_OPCODE_UD_SEND_ONLY, 8, want, sizeof(want));
}

/* FETH (type in bits 3:0, level in 5:4) sits between BTH and RETH. */
static void srx_hdr_wire_layout_flush(struct kunit *test)
{
	static const u8 want[] = {
		0x1c, 0x80, 0xff, 0xff, 0x40, 0x12, 0x34, 0x56,
		0x80, 0xab, 0xcd, 0xef,
		/* FETH: level 1 (region), types global | persistent */
		0x00, 0x00, 0x00, 0x13,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	};

	srx_test_wire(test, IB_OPCODE_RC_FLUSH, 0, want, sizeof(want));
}

static void srx_hdr_build_errors(struct kunit *test)
{
	struct srx_pkt_fields f;
	u8 buf[64];

	srx_test_fields(&f, 0x15, 0);
	KUNIT_EXPECT_EQ(test, srx_hdr_build(buf, sizeof(buf), &f), -EINVAL);
	srx_test_fields(&f, IB_OPCODE_RC_COMPARE_SWAP, 0);
	KUNIT_EXPECT_EQ(test, srx_hdr_build(buf, 39, &f), -ENOSPC);
	KUNIT_EXPECT_EQ(test, srx_hdr_build(buf, 40, &f), 40);
}

static void srx_hdr_reject_truncated(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, SRX_TEST_BUF, GFP_KERNEL);
	struct srx_pkt_fields f;
	struct srx_pkt p;
	unsigned int op;
	size_t len, l;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (op = 0; op < 256; op++) {
		if (!srx_opcode_info(op))
			continue;
		len = srx_test_pkt(test, buf, op, 0, &f);
		KUNIT_EXPECT_EQ(test, srx_hdr_parse(buf, len, &p), 0);
		for (l = 0; l < len; l++)
			KUNIT_EXPECT_EQ_MSG(test, srx_hdr_parse(buf, l, &p),
					    -EINVAL, "op 0x%02x len %zu", op, l);
	}
}

static void srx_hdr_reject_tver(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, SRX_TEST_BUF, GFP_KERNEL);
	struct srx_pkt_fields f;
	struct srx_pkt p;
	size_t len;
	u8 tver;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = srx_test_pkt(test, buf, IB_OPCODE_RC_SEND_ONLY, 16, &f);
	for (tver = 1; tver < 16; tver++) {
		srx_bth_set_tver((struct srx_bth *)buf, tver);
		KUNIT_EXPECT_EQ(test, srx_hdr_parse(buf, len, &p), -EINVAL);
	}
	srx_bth_set_tver((struct srx_bth *)buf, 0);
	KUNIT_EXPECT_EQ(test, srx_hdr_parse(buf, len, &p), 0);
}

static void srx_hdr_reject_pad(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, SRX_TEST_BUF, GFP_KERNEL);
	struct srx_bth *bth = (struct srx_bth *)buf;
	struct srx_pkt_fields f;
	struct srx_pkt p;
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* Zero-length send: any pad is more than the payload. */
	len = srx_test_pkt(test, buf, IB_OPCODE_RC_SEND_ONLY, 0, &f);
	srx_bth_set_pad(bth, 1);
	KUNIT_EXPECT_EQ(test, srx_hdr_parse(buf, len, &p), -EINVAL);

	/* 3 bytes + pad 1: pad 3 would leave a payload of 1 byte. */
	len = srx_test_pkt(test, buf, IB_OPCODE_RC_SEND_ONLY, 3, &f);
	KUNIT_ASSERT_EQ(test, srx_hdr_parse(buf, len, &p), 0);
	KUNIT_EXPECT_EQ(test, p.payload_len, 3U);
	srx_bth_set_pad(bth, 3);
	KUNIT_ASSERT_EQ(test, srx_hdr_parse(buf, len, &p), 0);
	KUNIT_EXPECT_EQ(test, p.payload_len, 1U);

	/* Payload + pad not a multiple of 4. */
	KUNIT_EXPECT_EQ(test, srx_hdr_parse(buf, len + 1, &p), -EINVAL);
	KUNIT_EXPECT_EQ(test, srx_hdr_parse(buf, len + 2, &p), -EINVAL);

	/* Opcodes without payload carry no pad and no trailing bytes. */
	len = srx_test_pkt(test, buf, IB_OPCODE_RC_ACKNOWLEDGE, 0, &f);
	KUNIT_ASSERT_EQ(test, srx_hdr_parse(buf, len, &p), 0);
	KUNIT_EXPECT_EQ(test, srx_hdr_parse(buf, len + 4, &p), -EINVAL);
	srx_bth_set_pad(bth, 2);
	KUNIT_EXPECT_EQ(test, srx_hdr_parse(buf, len, &p), -EINVAL);
}

static void srx_hdr_reject_opcode(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, SRX_TEST_BUF, GFP_KERNEL);
	struct srx_pkt p;
	unsigned int op;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (op = 0; op < 256; op++) {
		if (srx_opcode_info(op))
			continue;
		buf[0] = op;
		KUNIT_EXPECT_EQ(test, srx_hdr_parse(buf, 64, &p), -EINVAL);
	}
	buf[0] = IB_OPCODE_RC_SEND_ONLY;
	KUNIT_EXPECT_EQ(test, srx_hdr_parse(buf, 64, &p), 0);
	/* Longer than any UDP payload. */
	KUNIT_EXPECT_EQ(test, srx_hdr_parse(buf, SRX_MAX_PKT_LEN + 1, &p),
			-EINVAL);
}

/* Each BTH setter touches only its own bits. */
static void srx_bth_fields_independent(struct kunit *test)
{
	struct srx_bth bth;

	memset(&bth, 0xff, sizeof(bth));
	srx_bth_set_qpn(&bth, 0);
	KUNIT_EXPECT_TRUE(test, srx_bth_fecn(&bth));
	KUNIT_EXPECT_TRUE(test, srx_bth_becn(&bth));
	srx_bth_set_fecn(&bth, false);
	KUNIT_EXPECT_FALSE(test, srx_bth_fecn(&bth));
	KUNIT_EXPECT_TRUE(test, srx_bth_becn(&bth));
	KUNIT_EXPECT_EQ(test, srx_bth_qpn(&bth), 0U);
	srx_bth_set_psn(&bth, 0);
	KUNIT_EXPECT_TRUE(test, srx_bth_ack_req(&bth));
	srx_bth_set_ack_req(&bth, false);
	KUNIT_EXPECT_EQ(test, srx_bth_psn(&bth), 0U);
	srx_bth_set_psn(&bth, 0x1ffffff);
	KUNIT_EXPECT_EQ(test, srx_bth_psn(&bth), 0xffffffU);
	KUNIT_EXPECT_FALSE(test, srx_bth_ack_req(&bth));
	srx_bth_set_pad(&bth, 0);
	KUNIT_EXPECT_TRUE(test, srx_bth_se(&bth));
	KUNIT_EXPECT_TRUE(test, srx_bth_mig(&bth));
	KUNIT_EXPECT_EQ(test, srx_bth_tver(&bth), 0xf);
	srx_bth_set_se(&bth, false);
	srx_bth_set_tver(&bth, 0);
	KUNIT_EXPECT_TRUE(test, srx_bth_mig(&bth));
	KUNIT_EXPECT_EQ(test, srx_bth_pad(&bth), 0);
	KUNIT_EXPECT_EQ(test, bth.flags, SRX_BTH_MIG);
	KUNIT_EXPECT_EQ(test, srx_bth_pkey(&bth), 0xffff);
}

static void srx_aeth_syndromes(struct kunit *test)
{
	struct srx_aeth aeth;
	u8 *b = (u8 *)&aeth;

	KUNIT_EXPECT_EQ(test, srx_aeth_syn_ack(SRX_AETH_NO_CREDITS), 0x1f);
	KUNIT_EXPECT_EQ(test, srx_aeth_syn_ack(5), 0x05);
	KUNIT_EXPECT_EQ(test, srx_aeth_syn_rnr(14), 0x2e);
	KUNIT_EXPECT_EQ(test, srx_aeth_syn_nak(SRX_NAK_PSN_SEQ), 0x60);
	KUNIT_EXPECT_EQ(test, srx_aeth_syn_nak(SRX_NAK_INVALID_REQ), 0x61);
	KUNIT_EXPECT_EQ(test, srx_aeth_syn_nak(SRX_NAK_REM_ACCESS), 0x62);
	KUNIT_EXPECT_EQ(test, srx_aeth_syn_nak(SRX_NAK_REM_OP), 0x63);
	KUNIT_EXPECT_EQ(test, srx_aeth_syn_nak(SRX_NAK_INVALID_RD_REQ), 0x64);

	KUNIT_EXPECT_EQ(test, srx_aeth_syn_type(0x2e), SRX_AETH_RNR_NAK);
	KUNIT_EXPECT_EQ(test, srx_aeth_syn_val(0x2e), 14);
	KUNIT_EXPECT_EQ(test, srx_aeth_syn_type(0x63), SRX_AETH_NAK);
	KUNIT_EXPECT_EQ(test, srx_aeth_syn_val(0x63), SRX_NAK_REM_OP);
	KUNIT_EXPECT_EQ(test, srx_aeth_syn_type(0x1f), SRX_AETH_ACK);

	srx_aeth_set(&aeth, srx_aeth_syn_rnr(31), 0x1abcdef);
	KUNIT_EXPECT_EQ(test, b[0], 0x3f);
	KUNIT_EXPECT_EQ(test, b[1], 0xab);
	KUNIT_EXPECT_EQ(test, b[3], 0xef);
	KUNIT_EXPECT_EQ(test, srx_aeth_syn(&aeth), 0x3f);
	KUNIT_EXPECT_EQ(test, srx_aeth_msn(&aeth), 0xabcdefU);
}

/* IBTA vol 1 tables 45 (credits) and 46 (RNR timer, 10 us units). */
static void srx_aeth_codes(struct kunit *test)
{
	static const u32 val[31] = {
		0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192,
		256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192,
		12288, 16384, 24576, 32768,
	};
	u8 c;

	for (c = 0; c < ARRAY_SIZE(val); c++) {
		KUNIT_EXPECT_EQ(test, srx_aeth_code_val(c), val[c]);
		KUNIT_EXPECT_EQ(test, srx_aeth_credit_code(val[c]), c);
		if (c > 1)
			KUNIT_EXPECT_EQ(test, srx_aeth_credit_code(val[c] - 1),
					c - 1);
	}
	KUNIT_EXPECT_EQ(test, srx_aeth_credit_code(U32_MAX), 30);
	KUNIT_EXPECT_EQ(test, srx_rnr_timer_us(0), 655360U);
	KUNIT_EXPECT_EQ(test, srx_rnr_timer_us(1), 10U);
	KUNIT_EXPECT_EQ(test, srx_rnr_timer_us(14), 1280U);
	KUNIT_EXPECT_EQ(test, srx_rnr_timer_us(18), 5120U);
	KUNIT_EXPECT_EQ(test, srx_rnr_timer_us(31), 491520U);
}

static void srx_psn_math(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, srx_psn_add(0xffffff, 1), 0U);
	KUNIT_EXPECT_EQ(test, srx_psn_add(0xfffffe, 5), 3U);
	KUNIT_EXPECT_EQ(test, srx_psn_add(5, 0xffffff), 4U);

	KUNIT_EXPECT_EQ(test, srx_psn_diff(0, 0xffffff), 1);
	KUNIT_EXPECT_EQ(test, srx_psn_diff(0xffffff, 0), -1);
	KUNIT_EXPECT_EQ(test, srx_psn_diff(2, 0xfffffe), 4);
	KUNIT_EXPECT_EQ(test, srx_psn_diff(100, 100), 0);
	/* Half the space apart: the range is (-2^23, 2^23]. */
	KUNIT_EXPECT_EQ(test, srx_psn_diff(0x800000, 0), 0x800000);
	KUNIT_EXPECT_EQ(test, srx_psn_diff(0, 0x800000), 0x800000);
	KUNIT_EXPECT_EQ(test, srx_psn_diff(0x800001, 0), -0x7fffff);
	KUNIT_EXPECT_EQ(test, srx_psn_diff(0x7fffff, 0), 0x7fffff);
	/* Bits above 24 are ignored. */
	KUNIT_EXPECT_EQ(test, srx_psn_diff(0x1000005, 3), 2);

	KUNIT_EXPECT_TRUE(test, srx_psn_lt(0xffffff, 0));
	KUNIT_EXPECT_TRUE(test, srx_psn_gt(0, 0xffffff));
	KUNIT_EXPECT_TRUE(test, srx_psn_le(7, 7));
	KUNIT_EXPECT_TRUE(test, srx_psn_ge(7, 7));
	KUNIT_EXPECT_FALSE(test, srx_psn_lt(7, 7));
	KUNIT_EXPECT_FALSE(test, srx_psn_gt(0xfffff0, 0x10));
	KUNIT_EXPECT_TRUE(test, srx_psn_lt(0xfffff0, 0x10));
	KUNIT_EXPECT_TRUE(test, srx_psn_ge(0x10, 0xfffff0));
}

static void srx_seg_math(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, srx_seg_count(0, 1024), 1U);
	KUNIT_EXPECT_EQ(test, srx_seg_payload(0, 1024, 0), 0U);
	KUNIT_EXPECT_EQ(test, srx_seg_count(1, 1024), 1U);
	KUNIT_EXPECT_EQ(test, srx_seg_payload(1, 1024, 0), 1U);
	KUNIT_EXPECT_EQ(test, srx_seg_count(1024, 1024), 1U);
	KUNIT_EXPECT_EQ(test, srx_seg_payload(1024, 1024, 0), 1024U);
	KUNIT_EXPECT_EQ(test, srx_seg_count(1025, 1024), 2U);
	KUNIT_EXPECT_EQ(test, srx_seg_payload(1025, 1024, 0), 1024U);
	KUNIT_EXPECT_EQ(test, srx_seg_payload(1025, 1024, 1), 1U);
	KUNIT_EXPECT_EQ(test, srx_seg_payload(1025, 1024, 2), 0U);
	KUNIT_EXPECT_EQ(test, srx_seg_count(3 * 4096, 4096), 3U);
	KUNIT_EXPECT_EQ(test, srx_seg_payload(3 * 4096, 4096, 2), 4096U);
	KUNIT_EXPECT_EQ(test, srx_seg_count(SZ_2G, 4096), SZ_2G / 4096);
	KUNIT_EXPECT_EQ(test, srx_seg_count(SZ_2G, 256), SZ_2G / 256);
	KUNIT_EXPECT_EQ(test, srx_seg_payload(SZ_2G, 256, SZ_2G / 256 - 1),
			256U);
	KUNIT_EXPECT_EQ(test, srx_seg_count(SZ_2G + 1, 4096),
			SZ_2G / 4096 + 1);
	/* No overflow at the top of the range. */
	KUNIT_EXPECT_EQ(test, srx_seg_count(U32_MAX, 4096), 1U << 20);
	KUNIT_EXPECT_EQ(test, srx_seg_payload(U32_MAX, 4096, (1U << 20) - 1),
			4095U);

	KUNIT_EXPECT_EQ(test, srx_pad_len(0), 0);
	KUNIT_EXPECT_EQ(test, srx_pad_len(1), 3);
	KUNIT_EXPECT_EQ(test, srx_pad_len(2), 2);
	KUNIT_EXPECT_EQ(test, srx_pad_len(3), 1);
	KUNIT_EXPECT_EQ(test, srx_pad_len(4), 0);
	KUNIT_EXPECT_EQ(test, srx_pad_len(1025), 3);
}

static struct kunit_case srx_hdr_cases[] = {
	KUNIT_CASE(srx_opcode_table_shape),
	KUNIT_CASE(srx_opcode_table_facts),
	KUNIT_CASE(srx_hdr_roundtrip_all),
	KUNIT_CASE(srx_hdr_wire_layout),
	KUNIT_CASE(srx_hdr_wire_layout_ud),
	KUNIT_CASE(srx_hdr_wire_layout_flush),
	KUNIT_CASE(srx_hdr_build_errors),
	KUNIT_CASE(srx_hdr_reject_truncated),
	KUNIT_CASE(srx_hdr_reject_tver),
	KUNIT_CASE(srx_hdr_reject_pad),
	KUNIT_CASE(srx_hdr_reject_opcode),
	KUNIT_CASE(srx_bth_fields_independent),
	KUNIT_CASE(srx_aeth_syndromes),
	KUNIT_CASE(srx_aeth_codes),
	KUNIT_CASE(srx_psn_math),
	KUNIT_CASE(srx_seg_math),
	{}
};

static struct kunit_suite srx_hdr_suite = {
	.name = "srx_hdr",
	.test_cases = srx_hdr_cases,
};

kunit_test_suite(srx_hdr_suite);
