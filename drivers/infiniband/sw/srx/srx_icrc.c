// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: the RoCEv2 invariant CRC (IBTA RoCEv2 annex A17.3.3).
 *
 * The ICRC is a CRC-32 (Ethernet polynomial, reflected, seeded with ones,
 * result inverted) over the packet from the IP header to the end of the
 * payload and pad, preceded by eight 0xff bytes standing in for the
 * InfiniBand LRH. Fields that routers may change on the way are counted
 * as all ones: IPv4 TOS, TTL and header checksum; IPv6 traffic class,
 * flow label and hop limit; the UDP checksum; the BTH byte holding FECN
 * and BECN. The four ICRC bytes follow the pad, least significant byte
 * first, like the Ethernet FCS.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <linux/udp.h>
#include <linux/unaligned.h>

#include "srx_hdr.h"

#define SRX_ICRC_LRH_LEN	8
/* IPv4 with the longest options, UDP, BTH. */
#define SRX_ICRC_MAX_HDR	(60 + sizeof(struct udphdr) + SRX_BTH_LEN)

/*
 * Length of the IP + UDP + BTH headers the mask applies to, or 0 if
 * @len bytes at @ip cannot hold them.
 */
static size_t srx_icrc_hdr_len(const u8 *ip, size_t len)
{
	size_t ip_len;

	if (len < 1)
		return 0;
	switch (ip[0] >> 4) {
	case 4:
		ip_len = (ip[0] & 0xf) * 4;
		if (ip_len < sizeof(struct iphdr))
			return 0;
		break;
	case 6:
		ip_len = sizeof(struct ipv6hdr);
		break;
	default:
		return 0;
	}
	ip_len += sizeof(struct udphdr) + SRX_BTH_LEN;
	return ip_len <= len ? ip_len : 0;
}

/* Set the variant fields of a copy of the headers to all ones. */
static void srx_icrc_mask(u8 *hdr, size_t hdr_len)
{
	u8 *udp = hdr + hdr_len - SRX_BTH_LEN - sizeof(struct udphdr);
	struct srx_bth *bth = (struct srx_bth *)(hdr + hdr_len - SRX_BTH_LEN);

	if (hdr[0] >> 4 == 4) {
		struct iphdr *ip4 = (struct iphdr *)hdr;

		ip4->tos = 0xff;
		ip4->ttl = 0xff;
		ip4->check = (__force __sum16)0xffff;
	} else {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)hdr;

		/* Everything after the version nibble: class and flow label. */
		hdr[0] |= 0x0f;
		memset(&hdr[1], 0xff, 3);
		ip6->hop_limit = 0xff;
	}
	((struct udphdr *)udp)->check = (__force __sum16)0xffff;
	bth->qpn |= cpu_to_be32(~SRX_BTH_QPN_MASK);
}

/*
 * CRC state after the LRH stand-in and the masked headers at @ip, or
 * -EINVAL. On success *@hdr_len is the number of header bytes consumed.
 */
static int srx_icrc_start(const u8 *ip, size_t len, size_t *hdr_len,
			  u32 *crc)
{
	u8 buf[SRX_ICRC_LRH_LEN + SRX_ICRC_MAX_HDR];

	*hdr_len = srx_icrc_hdr_len(ip, len);
	if (!*hdr_len)
		return -EINVAL;
	memset(buf, 0xff, SRX_ICRC_LRH_LEN);
	memcpy(buf + SRX_ICRC_LRH_LEN, ip, *hdr_len);
	srx_icrc_mask(buf + SRX_ICRC_LRH_LEN, *hdr_len);
	*crc = crc32_le(~0U, buf, SRX_ICRC_LRH_LEN + *hdr_len);
	return 0;
}

/**
 * srx_icrc_compute - ICRC of a RoCEv2 packet in a linear buffer
 * @iphdr: the IPv4 or IPv6 header, followed by UDP, BTH and the rest
 * @len: bytes from @iphdr up to, not including, the ICRC
 *
 * Return: the ICRC as a number; it goes on the wire little-endian (see
 * srx_icrc_fill()). 0 if @len cannot hold the IP, UDP and BTH headers;
 * callers validate the lengths first (srx_icrc_check() does).
 */
u32 srx_icrc_compute(const void *iphdr, size_t len)
{
	size_t hdr_len;
	u32 crc;

	if (srx_icrc_start(iphdr, len, &hdr_len, &crc))
		return 0;
	crc = crc32_le(crc, (const u8 *)iphdr + hdr_len, len - hdr_len);
	return ~crc;
}

/**
 * srx_icrc_check - verify the ICRC at the end of a RoCEv2 packet
 * @iphdr: the IP header
 * @len: bytes from @iphdr through the ICRC
 *
 * Return: 0 if it matches, -EINVAL if the packet is too short to carry
 * one, -EBADMSG on a mismatch.
 */
int srx_icrc_check(const void *iphdr, size_t len)
{
	const u8 *p = iphdr;

	if (len < SRX_ICRC_LEN ||
	    !srx_icrc_hdr_len(p, len - SRX_ICRC_LEN))
		return -EINVAL;
	len -= SRX_ICRC_LEN;
	if (srx_icrc_compute(p, len) != get_unaligned_le32(p + len))
		return -EBADMSG;
	return 0;
}

/**
 * srx_icrc_fill - append the ICRC to an outgoing packet
 * @iphdr: the IP header
 * @len: bytes from @iphdr through the ICRC, whose 4 bytes are written
 */
void srx_icrc_fill(void *iphdr, size_t len)
{
	u8 *p = iphdr;

	len -= SRX_ICRC_LEN;
	put_unaligned_le32(srx_icrc_compute(p, len), p + len);
}

/**
 * srx_icrc_compute_skb - ICRC of a packet in a possibly paged sk_buff
 * @skb: the packet
 * @ip_off: offset of the IP header in @skb's data
 * @len: bytes from the IP header up to, not including, the ICRC
 * @icrc: set to the ICRC on success
 *
 * Reads fragments in place: received packets need not be linearised
 * just to be checked.
 *
 * Return: 0, or -EINVAL if @skb does not hold the headers and @len bytes.
 */
int srx_icrc_compute_skb(struct sk_buff *skb, unsigned int ip_off,
			 unsigned int len, u32 *icrc)
{
	unsigned int done = 0, rest, n;
	u8 hdr[SRX_ICRC_MAX_HDR];
	struct skb_seq_state st;
	size_t hdr_len;
	const u8 *data;
	u32 crc;

	if (ip_off > skb->len || len > skb->len - ip_off)
		return -EINVAL;
	n = min_t(unsigned int, len, sizeof(hdr));
	if (skb_copy_bits(skb, ip_off, hdr, n) ||
	    srx_icrc_start(hdr, n, &hdr_len, &crc))
		return -EINVAL;

	rest = len - hdr_len;
	skb_prepare_seq_read(skb, ip_off + hdr_len, ip_off + len, &st);
	while (done < rest && (n = skb_seq_read(done, &data, &st)) != 0) {
		/* A block may run past the end of the range: clip it. */
		n = min(n, rest - done);
		crc = crc32_le(crc, data, n);
		done += n;
	}
	/* Unmaps the last fragment; harmless once the end was reached. */
	skb_abort_seq_read(&st);
	if (done < rest)
		return -EINVAL;
	*icrc = ~crc;
	return 0;
}
