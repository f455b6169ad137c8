// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * pktfuzz - adversarial RoCEv2 packets for live srx QPs.
 *
 * Usage:
 *   pktfuzz --selftest
 *   pktfuzz --src A --dst B --targets FILE [--seed S] [--count N]
 *           [--seconds T] [--mtu M] [--start K] [--batch N] [--jobs N]
 *           [--classes C,...] [--feedback FILE] [--trace] [--dry-run]
 *   pktfuzz --src A --dst B --one OPCODE --qpn Q --psn P [--len L]
 *           [--rkey R] [--va V] [--dlen D] [--qkey K] [--sqp Q]
 *           [--syn S] [--msn M] [--pkey P] [--pad N] [--tver T]
 *           [--cut N] [--bad-icrc] [--repeat N] [--targets FILE]
 *   pktfuzz --src A --dst B --packets FILE [--targets FILE]
 *
 * Builds whole IPv4 datagrams (IP_HDRINCL on an IPPROTO_RAW socket: a
 * nonzero IP id chosen here, DF, UDP checksum 0, UDP port 4791) with a
 * RoCEv2 ICRC computed the way srx checks it (drivers/infiniband/sw/srx/
 * srx_icrc.c), and sends them only to the --dst address, which must be
 * a private one (RFC 1918 or loopback).
 *
 * The fuzz mode reads the live QPs from FILE (written by fuzz_target),
 * one per line: "QPN TYPE PSN RKEY VA LEN [key=value...]" with TYPE
 * rc, uc or ud, PSN the PSN the QP expects next, RKEY/VA/LEN a memory
 * region the QP may reach, and the keys name, state (reset init rtr rts
 * err), sq_psn (the PSN its requester sends next), mtu, qkey, fixed (1:
 * no packet can move the QP to another state, so the counters its
 * packets land in are known) and, for a requester with work
 * outstanding, out_psn/out_n (the PSNs it waits on), rd_psn/rd_len (an
 * RDMA READ among them) and at_psn (an atomic). QPN 1 (GSI) is added.
 *
 * Every packet comes from a seeded PRNG (--seed, printed; the same seed
 * and targets give the same packets) and belongs to one mutation class
 * (cls_info[]): any of the 256 opcodes with random headers; opcodes srx
 * speaks with headers cut or run long, or pad counts the payload cannot
 * hold; requests at PSNs near, far, at the half-window edge and across
 * the wrap; well-formed requests in sequence (SEND, WRITE, READ,
 * atomics, SEND with invalidate, messages of several packets); messages
 * whose packets come out of order or do not add up to their RETH; every
 * AETH syndrome (ACK credits, RNR timers, NAK codes, reserved) and read
 * responses and atomic ACKs nobody asked for or answering a requester's
 * real outstanding work; RETH va/len/rkey at and past every boundary
 * (len 0, 2^31, 2^32-1, va+len wrapping, the real rkey with va outside);
 * AtomicETH unaligned, outside, across a page; packets truncated
 * anywhere (with an ICRC over what is left, or none); payloads over the
 * MTU up to the link's; bad ICRCs; unknown QPNs; GSI garbage (MADs of
 * random classes and methods); DETH with a wrong Q_Key; bad P_Keys.
 * TOS, TTL, the BTH FECN/BECN byte (all masked by the ICRC), SE, MigReq
 * and a few IP options vary throughout.
 * A model of each QP's expected PSN keeps a good share of the packets
 * in sequence, so they reach the transport rather than only its checks.
 * With --feedback FILE the model learns when fuzz_target took a QP from
 * ERR back to its first PSN (see feedback_read()): then the PSNs of a
 * seed's packets depend on when that happened, nothing else does.
 * For each packet the front-end verdict srx must reach is predicted
 * from its bytes (malformed, bad ICRC, P_Key, unknown QP, and for QPs
 * whose state cannot change: bad state, wrong transport, Q_Key), and
 * the totals are printed as "expect" lines for tests/t-fuzz.sh to hold
 * against the hw counters. Packets the kernel refused to send (with
 * IP_RECVERR every local drop is an error) are not counted as sent.
 *
 * --jobs N sends from N processes at once (job i from seed S + i, its
 * share of the count; their totals add up), --classes the named classes
 * only (an unknown name lists them). --one sends one packet built from
 * the options, --packets one per line of FILE, with the same fields as
 * keys ("op=0x64 qpn=1 psn=0 len=8 qkey=5 bad-icrc"): for regression
 * tests. --trace prints every packet sent (its class, headers, the verdict
 * predicted and its first bytes); --start K generates the first K
 * packets without sending them, so with --count a window of a long run
 * can be sent again; --dry-run builds and counts without sending.
 *
 * --selftest checks the ICRC against the packets of the srx_icrc KUnit
 * suite (captured from rdma_rxe), the masked fields, the packet builder
 * against two of them (ACK and UD SEND, byte for byte), the verdicts of
 * hand-made packets, and that a seed reproduces its packets.
 *
 * Exit status: 0, 1 on a send failure or failed self-test, 2 on usage.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

#define ROCE_PORT	4791
#define BTH_LEN		12
#define ICRC_LEN	4
#define MAX_PKT		9216
#define MAX_TARGETS	64
#define MAX_BATCH	256
#define SEQ_MAX		8	/* packets one generator call may emit */
#define POOL_SZ		65536
#define GSI_QKEY	0x80010000u
#define PSN_MASK	0xffffffu

/* ------------------------------------------------------------ bytes */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put24(uint8_t *p, uint32_t v)
{
	p[0] = v >> 16;
	p[1] = v >> 8;
	p[2] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint32_t getle32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void putle32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* ------------------------------------------------------------ CRC-32 */

/*
 * CRC-32 with the reflected Ethernet polynomial, eight table lookups
 * per 8 bytes. crc_update() is the bare register update (the kernel's
 * crc32_le()): the caller seeds and inverts.
 */
static uint32_t crc_tab[8][256];

static void crc_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
		crc_tab[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			crc_tab[k][i] = (crc_tab[k - 1][i] >> 8) ^
					crc_tab[0][crc_tab[k - 1][i] & 0xff];
}

static uint32_t crc_update(uint32_t c, const uint8_t *p, size_t n)
{
	uint32_t lo, hi;

	while (n >= 8) {
		lo = c ^ getle32(p);
		hi = getle32(p + 4);
		c = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^
		    crc_tab[5][(lo >> 16) & 0xff] ^ crc_tab[4][lo >> 24] ^
		    crc_tab[3][hi & 0xff] ^ crc_tab[2][(hi >> 8) & 0xff] ^
		    crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
		p += 8;
		n -= 8;
	}
	while (n--)
		c = crc_tab[0][(c ^ *p++) & 0xff] ^ (c >> 8);
	return c;
}

/* Length of the IP header at @ip (IPv4 with options, or IPv6). */
static size_t ip_hlen(const uint8_t *ip)
{
	return (ip[0] >> 4) == 4 ? (size_t)(ip[0] & 0xf) * 4 : 40;
}

/*
 * The RoCEv2 ICRC of the datagram at @ip, @len bytes up to (not
 * including) the ICRC: eight 0xff bytes for the LRH, then IP, UDP and
 * BTH with the fields a router may change set to ones (IPv4 TOS, TTL
 * and checksum; IPv6 class, flow label and hop limit; the UDP checksum;
 * the BTH byte holding FECN and BECN), then the rest as it is.
 */
static uint32_t icrc(const uint8_t *ip, size_t len)
{
	uint8_t h[8 + 60 + 8 + BTH_LEN];
	size_t il = ip_hlen(ip), hl = il + 8 + BTH_LEN;
	uint8_t *q = h + 8;
	uint32_t c;

	/* As srx: no ICRC (0) without room for the headers. */
	if (il < 20 || hl > len)
		return 0;
	memset(h, 0xff, 8);
	memcpy(q, ip, hl);
	if ((ip[0] >> 4) == 4) {
		q[1] = 0xff;			/* TOS */
		q[8] = 0xff;			/* TTL */
		q[10] = q[11] = 0xff;		/* header checksum */
	} else {
		q[0] |= 0x0f;			/* class and flow label */
		q[1] = q[2] = q[3] = 0xff;
		q[7] = 0xff;			/* hop limit */
	}
	q[il + 6] = q[il + 7] = 0xff;		/* UDP checksum */
	q[il + 8 + 4] = 0xff;			/* BTH resv8a: FECN, BECN */
	c = crc_update(~0u, h, 8 + hl);
	c = crc_update(c, ip + hl, len - hl);
	return ~c;
}

/* ------------------------------------------------------------ opcodes */

/* Extended headers, in wire order, and their lengths. */
enum { X_DETH, X_FETH, X_RETH, X_ATMETH, X_AETH, X_ATMACK, X_IMM, X_IETH,
       X_NR };
static const uint8_t x_len[X_NR] = { 8, 4, 16, 28, 4, 8, 4, 4 };

#define H(x)		(1u << (x))
#define F_PAY		0x001
#define F_FIRST		0x002
#define F_MID		0x004
#define F_LAST		0x008
#define F_ONLY		(F_FIRST | F_LAST)
#define F_REQ		0x010
#define F_RESP		0x020
#define F_SEND		0x040
#define F_WRITE		0x080
#define F_READ		0x100
#define F_ATOMIC	0x200
#define F_ACK		0x400

struct opinfo {
	const char *name;
	uint8_t hdrs;
	uint16_t flags;
};

#define SND	(F_SEND | F_REQ | F_PAY)
#define WR	(F_WRITE | F_REQ | F_PAY)
#define RSP	(F_READ | F_RESP | F_PAY)

/*
 * The RC, UC and UD opcodes of IBTA vol. 1 table 38 (and ATOMIC WRITE and
 * FLUSH of its 1.5 annex) that a RoCEv2 HCA without RD or XRC speaks;
 * every other byte is one srx must drop as malformed.
 */
static const struct opinfo ops[256] = {
	[0x00] = { "RC_SEND_FIRST", 0, SND | F_FIRST },
	[0x01] = { "RC_SEND_MIDDLE", 0, SND | F_MID },
	[0x02] = { "RC_SEND_LAST", 0, SND | F_LAST },
	[0x03] = { "RC_SEND_LAST_IMM", H(X_IMM), SND | F_LAST },
	[0x04] = { "RC_SEND_ONLY", 0, SND | F_ONLY },
	[0x05] = { "RC_SEND_ONLY_IMM", H(X_IMM), SND | F_ONLY },
	[0x06] = { "RC_WRITE_FIRST", H(X_RETH), WR | F_FIRST },
	[0x07] = { "RC_WRITE_MIDDLE", 0, WR | F_MID },
	[0x08] = { "RC_WRITE_LAST", 0, WR | F_LAST },
	[0x09] = { "RC_WRITE_LAST_IMM", H(X_IMM), WR | F_LAST },
	[0x0a] = { "RC_WRITE_ONLY", H(X_RETH), WR | F_ONLY },
	[0x0b] = { "RC_WRITE_ONLY_IMM", H(X_RETH) | H(X_IMM), WR | F_ONLY },
	[0x0c] = { "RC_READ_REQUEST", H(X_RETH), F_READ | F_REQ | F_ONLY },
	[0x0d] = { "RC_READ_RESP_FIRST", H(X_AETH), RSP | F_FIRST },
	[0x0e] = { "RC_READ_RESP_MIDDLE", 0, RSP | F_MID },
	[0x0f] = { "RC_READ_RESP_LAST", H(X_AETH), RSP | F_LAST },
	[0x10] = { "RC_READ_RESP_ONLY", H(X_AETH), RSP | F_ONLY },
	[0x11] = { "RC_ACK", H(X_AETH), F_ACK | F_RESP | F_ONLY },
	[0x12] = { "RC_ATOMIC_ACK", H(X_AETH) | H(X_ATMACK),
		   F_ACK | F_ATOMIC | F_RESP | F_ONLY },
	[0x13] = { "RC_CMP_SWAP", H(X_ATMETH), F_ATOMIC | F_REQ | F_ONLY },
	[0x14] = { "RC_FETCH_ADD", H(X_ATMETH), F_ATOMIC | F_REQ | F_ONLY },
	[0x1c] = { "RC_FLUSH", H(X_FETH) | H(X_RETH),
		   F_ATOMIC | F_REQ | F_ONLY },
	[0x1d] = { "RC_ATOMIC_WRITE", H(X_RETH),
		   F_ATOMIC | F_REQ | F_PAY | F_ONLY },
	[0x16] = { "RC_SEND_LAST_INV", H(X_IETH), SND | F_LAST },
	[0x17] = { "RC_SEND_ONLY_INV", H(X_IETH), SND | F_ONLY },
	[0x20] = { "UC_SEND_FIRST", 0, SND | F_FIRST },
	[0x21] = { "UC_SEND_MIDDLE", 0, SND | F_MID },
	[0x22] = { "UC_SEND_LAST", 0, SND | F_LAST },
	[0x23] = { "UC_SEND_LAST_IMM", H(X_IMM), SND | F_LAST },
	[0x24] = { "UC_SEND_ONLY", 0, SND | F_ONLY },
	[0x25] = { "UC_SEND_ONLY_IMM", H(X_IMM), SND | F_ONLY },
	[0x26] = { "UC_WRITE_FIRST", H(X_RETH), WR | F_FIRST },
	[0x27] = { "UC_WRITE_MIDDLE", 0, WR | F_MID },
	[0x28] = { "UC_WRITE_LAST", 0, WR | F_LAST },
	[0x29] = { "UC_WRITE_LAST_IMM", H(X_IMM), WR | F_LAST },
	[0x2a] = { "UC_WRITE_ONLY", H(X_RETH), WR | F_ONLY },
	[0x2b] = { "UC_WRITE_ONLY_IMM", H(X_RETH) | H(X_IMM), WR | F_ONLY },
	[0x64] = { "UD_SEND_ONLY", H(X_DETH), SND | F_ONLY },
	[0x65] = { "UD_SEND_ONLY_IMM", H(X_DETH) | H(X_IMM), SND | F_ONLY },
};

/* Opcode numbers the generators use by name. */
enum {
	OP_SEND_FIRST = 0x00, OP_SEND_MIDDLE, OP_SEND_LAST, OP_SEND_LAST_IMM,
	OP_SEND_ONLY, OP_SEND_ONLY_IMM, OP_WRITE_FIRST, OP_WRITE_MIDDLE,
	OP_WRITE_LAST, OP_WRITE_LAST_IMM, OP_WRITE_ONLY, OP_WRITE_ONLY_IMM,
	OP_READ_REQ, OP_RESP_FIRST, OP_RESP_MIDDLE, OP_RESP_LAST,
	OP_RESP_ONLY, OP_ACK, OP_ATOMIC_ACK, OP_CMP_SWAP, OP_FETCH_ADD,
	OP_SEND_LAST_INV = 0x16, OP_SEND_ONLY_INV = 0x17,
	OP_UC = 0x20, OP_UD_SEND = 0x64, OP_UD_SEND_IMM = 0x65,
};

static unsigned int ext_len(uint8_t hdrs)
{
	unsigned int n = 0;
	int x;

	for (x = 0; x < X_NR; x++)
		if (hdrs & H(x))
			n += x_len[x];
	return n;
}

/* Offset of extended header @x from BTH, or 0 if the opcode lacks it. */
static unsigned int ext_off(uint8_t hdrs, int x)
{
	unsigned int off = BTH_LEN;
	int i;

	if (!(hdrs & H(x)))
		return 0;
	for (i = 0; i < x; i++)
		if (hdrs & H(i))
			off += x_len[i];
	return off;
}

/* ------------------------------------------------------------ PRNG */

/* xoshiro256** seeded through splitmix64: fast, and the same everywhere. */
static uint64_t rs[4];

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rnd_seed(uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		rs[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnd(void)
{
	uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;

	rs[2] ^= rs[0];
	rs[3] ^= rs[1];
	rs[1] ^= rs[2];
	rs[0] ^= rs[3];
	rs[2] ^= t;
	rs[3] = rotl(rs[3], 45);
	return r;
}

/* Uniform in [0, n); 0 for n == 0. */
static uint32_t below(uint32_t n)
{
	return (uint32_t)(((rnd() >> 32) * n) >> 32);
}

static bool pct(unsigned int p)
{
	return below(100) < p;
}

/* One of the @n values given. */
static uint64_t pick(const uint64_t *v, size_t n)
{
	return v[below(n)];
}

#define PICK(...)	pick((const uint64_t[]){ __VA_ARGS__ }, \
			     sizeof((const uint64_t[]){ __VA_ARGS__ }) / \
			     sizeof(uint64_t))

/* Random bytes for payloads: copied from a pool filled once. */
static uint8_t pool[POOL_SZ + MAX_PKT];

static void pool_fill(void)
{
	size_t i;

	for (i = 0; i < sizeof(pool); i += 8)
		put64(pool + i, rnd());
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	memcpy(p, pool + below(POOL_SZ), n);
}

/* ------------------------------------------------------------ targets */

enum qtype { Q_RC, Q_UC, Q_UD };
enum qstate { S_RESET, S_INIT, S_RTR, S_RTS, S_ERR };

static const char *const qtype_name[] = { "rc", "uc", "ud" };
static const char *const qstate_name[] = {
	"reset", "init", "rtr", "rts", "err"
};

struct target {
	char name[32];
	uint32_t qpn;
	enum qtype type;
	enum qstate state;
	bool fixed;
	uint32_t rq_psn;		/* from the file */
	uint32_t epsn;			/* the model: PSN expected next */
	uint32_t sq_psn;
	uint32_t rkey;
	uint64_t va;
	uint32_t len;
	uint32_t mtu;
	uint32_t qkey;
	uint32_t out_psn, out_n;	/* outstanding requests */
	uint32_t rd_psn, rd_len;
	uint32_t at_psn;
	bool has_out, has_rd, has_at;
	unsigned long gen;		/* --feedback: times it was reset */
};

static struct target tg[MAX_TARGETS];
static unsigned int ntg;

static int parse_enum(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* A number in C notation (0x..., decimal); false if it is not one. */
static bool num(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && *s && !*end;
}

static void add_gsi(void)
{
	struct target *t = &tg[ntg++];

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "gsi");
	t->qpn = 1;
	t->type = Q_UD;
	t->state = S_RTS;
	t->fixed = true;
	t->qkey = GSI_QKEY;
	t->mtu = 256;
}

/* One "key=value" of a target line. */
static bool target_key(struct target *t, char *tok)
{
	char *eq = strchr(tok, '=');
	unsigned long long v = 0;
	int n;

	if (!eq)
		return false;
	*eq++ = 0;
	if (!strcmp(tok, "name")) {
		snprintf(t->name, sizeof(t->name), "%s", eq);
		return true;
	}
	if (!strcmp(tok, "state")) {
		n = parse_enum(eq, qstate_name, 5);
		t->state = n;
		return n >= 0;
	}
	if (!num(eq, &v))
		return true;	/* not ours */
	if (!strcmp(tok, "fixed")) {
		t->fixed = v;
	} else if (!strcmp(tok, "sq_psn")) {
		t->sq_psn = v & PSN_MASK;
	} else if (!strcmp(tok, "mtu")) {
		t->mtu = v;
	} else if (!strcmp(tok, "qkey")) {
		t->qkey = v;
	} else if (!strcmp(tok, "out_psn")) {
		t->out_psn = v & PSN_MASK;
		t->has_out = true;
	} else if (!strcmp(tok, "out_n")) {
		t->out_n = v;
	} else if (!strcmp(tok, "rd_psn")) {
		t->rd_psn = v & PSN_MASK;
		t->has_rd = true;
	} else if (!strcmp(tok, "rd_len")) {
		t->rd_len = v;
	} else if (!strcmp(tok, "at_psn")) {
		t->at_psn = v & PSN_MASK;
		t->has_at = true;
	}
	return true;
}

static int load_targets(const char *path)
{
	unsigned long long f[6];
	char line[512], *tok, *save;
	struct target *t;
	int lineno = 0, i, n;
	FILE *fp;

	fp = fopen(path, "r");
	if (!fp) {
		fprintf(stderr, "pktfuzz: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		lineno++;
		tok = strtok_r(line, " \t\n", &save);
		if (!tok || tok[0] == '#')
			continue;
		if (ntg == MAX_TARGETS - 1)
			break;
		t = &tg[ntg];
		memset(t, 0, sizeof(*t));
		/* QPN TYPE PSN RKEY VA LEN */
		for (i = 0; i < 6 && tok; i++) {
			if (i == 1) {
				n = parse_enum(tok, qtype_name, 3);
				if (n < 0)
					goto bad;
				t->type = n;
			} else if (!num(tok, &f[i])) {
				goto bad;
			}
			tok = strtok_r(NULL, " \t\n", &save);
		}
		if (i < 6)
			goto bad;
		t->qpn = f[0] & PSN_MASK;
		t->rq_psn = f[2] & PSN_MASK;
		t->rkey = f[3];
		t->va = f[4];
		t->len = f[5];
		t->state = S_RTS;
		t->mtu = 1024;
		snprintf(t->name, sizeof(t->name), "qp%u", t->qpn);
		for (; tok; tok = strtok_r(NULL, " \t\n", &save))
			if (!target_key(t, tok))
				goto bad;
		if (!t->mtu || t->mtu > 65536)
			goto bad;
		t->epsn = t->rq_psn;
		if (!t->out_n)
			t->has_out = false;
		ntg++;
	}
	fclose(fp);
	add_gsi();
	return 0;
bad:
	fprintf(stderr, "pktfuzz: %s:%d: bad target line\n", path, lineno);
	fclose(fp);
	return -1;
}

static struct target *target_by_qpn(uint32_t qpn)
{
	unsigned int i;

	for (i = 0; i < ntg; i++)
		if (tg[i].qpn == qpn)
			return &tg[i];
	return NULL;
}

/* ------------------------------------------------------------ verdicts */

/*
 * Where srx must account for a packet, from its bytes alone, in the
 * order srx_rcv() and the QP engine look: parse (opcode known, TVer 0,
 * headers, payload and pad adding up), ICRC, P_Key, QP lookup; then,
 * for a QP whose state is fixed, the state (RESET and INIT drop every
 * packet, ERR every packet of its transport), the transport, and UD's
 * Q_Key. V_QP: it reaches a transport whose answer depends on state.
 */
enum verdict {
	V_MALFORMED, V_BAD_ICRC, V_PKEY, V_UNKNOWN_QP, V_BAD_STATE, V_TYPE,
	V_QKEY, V_QP, V_NR
};

static const char *const verdict_name[V_NR] = {
	"malformed", "bad_icrc", "pkey", "unknown_qp", "bad_state",
	"wrong_transport", "qkey", "transport"
};

struct pred {
	enum verdict v;
	bool exact;		/* state-dependent verdicts: the QP is fixed */
	bool resv_aeth;		/* ACK with the reserved syndrome type */
};

static bool type_ok(enum qtype t, uint8_t opcode)
{
	static const uint8_t prefix[] = { 0x00, 0x20, 0x60 };

	return (opcode & 0xe0) == prefix[t];
}

/* @ip: the datagram, @len bytes including the ICRC. */
static struct pred predict(const uint8_t *ip, size_t len)
{
	size_t il = ip_hlen(ip), blen = len - il - 8, hl, rest;
	const uint8_t *b = ip + il + 8;
	struct pred p = { V_QP, true, false };
	const struct opinfo *op;
	struct target *t;
	unsigned int pad;

	if (blen < BTH_LEN)
		goto malformed;
	op = &ops[b[0]];
	if (!op->name || (b[1] & 0x0f))
		goto malformed;
	pad = (b[1] >> 4) & 3;
	hl = BTH_LEN + ext_len(op->hdrs);
	if (blen < hl + ICRC_LEN || blen > 65535)
		goto malformed;
	rest = blen - hl - ICRC_LEN;
	if (rest & 3)
		goto malformed;
	if (!(op->flags & F_PAY) ? rest || pad : pad > rest)
		goto malformed;
	if (icrc(ip, len - ICRC_LEN) != getle32(ip + len - ICRC_LEN)) {
		p.v = V_BAD_ICRC;
		return p;
	}
	if ((get16(b + 2) & 0x7fff) != 0x7fff) {
		p.v = V_PKEY;
		return p;
	}
	t = target_by_qpn(get24(b + 5));
	if (!t) {
		p.v = V_UNKNOWN_QP;
		return p;
	}
	p.exact = t->fixed;
	if (t->state < S_RTR) {
		p.v = V_BAD_STATE;
		return p;
	}
	if (!type_ok(t->type, b[0])) {
		p.v = V_TYPE;
		return p;
	}
	if (t->state == S_ERR) {
		p.v = V_BAD_STATE;
		return p;
	}
	if (t->type == Q_UD && get32(b + BTH_LEN) != t->qkey) {
		p.v = V_QKEY;
		return p;
	}
	if (t->type == Q_RC && b[0] == OP_ACK &&
	    (b[ext_off(op->hdrs, X_AETH)] & 0x60) == 0x40)
		p.resv_aeth = true;
	return p;

malformed:
	p.v = V_MALFORMED;
	return p;
}

/* ------------------------------------------------------------ building */

/* A packet as sent: the datagram and what it was meant to be. */
struct pkt {
	uint8_t buf[MAX_PKT];
	size_t len;
	uint8_t cls;
	struct pred pred;
};

enum icrc_mode { IC_GOOD, IC_BAD, IC_CUT };

/*
 * What to put in a packet. Header fields for headers the opcode does
 * not carry are ignored; an opcode srx does not speak gets @raw_ext
 * random bytes after BTH.
 */
struct bld {
	uint8_t opcode;
	bool se, mig, ack_req;
	int pad;			/* < 0: what the payload needs */
	uint8_t tver;
	uint8_t resv8a;			/* FECN, BECN, reserved: masked */
	uint16_t pkey;
	uint32_t qpn, psn;
	uint64_t va;
	uint32_t rkey, dlen;
	uint64_t swap, cmp;
	uint8_t syn;
	uint32_t msn;
	uint64_t orig;
	uint32_t imm, ieth;
	uint32_t feth;			/* FLUSH: type bits 3:0, level 5:4 */
	uint32_t qkey, sqp;
	uint32_t paylen;
	bool mad;			/* payload shaped like a MAD */
	unsigned int raw_ext;
	long body_len;			/* >= 0: cut or extend BTH..pad */
	enum icrc_mode icrc;
	long cut;			/* IC_CUT: UDP payload bytes kept */
	uint8_t tos, ttl;
	bool ipopt;			/* four NOP option bytes */
};

static struct {
	struct in_addr src, dst;
	unsigned int link_mtu;
	uint16_t ip_id;
} net;

static void bld_init(struct bld *b, const struct target *t, uint8_t opcode)
{
	memset(b, 0, sizeof(*b));
	b->opcode = opcode;
	b->pad = -1;
	b->pkey = 0xffff;
	b->qpn = t ? t->qpn : 0;
	b->psn = t ? t->epsn : 0;
	b->qkey = t ? t->qkey : 0;
	b->sqp = 0x10 + below(0x1000);
	b->syn = 0x1f;
	b->body_len = -1;
	b->icrc = IC_GOOD;
	b->ttl = 64;
	b->ack_req = pct(30);
	b->se = pct(10);
	b->imm = (uint32_t)rnd();
	/* Mostly a valid type and level, sometimes any bits. */
	b->feth = pct(75) ? (1u + below(2)) | below(2) << 4 : (uint32_t)rnd();
}

/* Space for BTH..pad in a packet of the link MTU. */
static size_t body_room(const struct bld *b)
{
	return net.link_mtu - (b->ipopt ? 24 : 20) - 8 - ICRC_LEN;
}

/* The extended headers @hdrs after BTH, in wire order. */
static void build_ext(uint8_t *bth, uint8_t hdrs, const struct bld *b)
{
	uint8_t *x = bth + BTH_LEN;
	int i;

	for (i = 0; i < X_NR; i++) {
		if (!(hdrs & H(i)))
			continue;
		switch (i) {
		case X_DETH:
			put32(x, b->qkey);
			put32(x + 4, b->sqp & PSN_MASK);
			break;
		case X_FETH:
			put32(x, b->feth);
			break;
		case X_RETH:
			put64(x, b->va);
			put32(x + 8, b->rkey);
			put32(x + 12, b->dlen);
			break;
		case X_ATMETH:
			put64(x, b->va);
			put32(x + 8, b->rkey);
			put64(x + 12, b->swap);
			put64(x + 20, b->cmp);
			break;
		case X_AETH:
			put32(x, (uint32_t)b->syn << 24 | (b->msn & PSN_MASK));
			break;
		case X_ATMACK:
			put64(x, b->orig);
			break;
		case X_IMM:
			put32(x, b->imm);
			break;
		default:
			put32(x, b->ieth);
			break;
		}
		x += x_len[i];
	}
}

/* Build the datagram for @b into @p. */
static void build(struct pkt *p, const struct bld *b)
{
	const struct opinfo *op = &ops[b->opcode];
	size_t il = b->ipopt ? 24 : 20, room = body_room(b), blen;
	uint8_t *ip = p->buf, *udp = ip + il, *bth = udp + 8, *x;
	unsigned int pad, xl;
	uint32_t c;

	xl = op->name ? ext_len(op->hdrs) : b->raw_ext;
	if (BTH_LEN + xl > room)
		xl = room - BTH_LEN;
	blen = BTH_LEN + xl;
	if (op->name && (op->flags & F_PAY))
		pad = (-b->paylen) & 3;
	else
		pad = 0;
	if (b->pad >= 0)
		pad = b->pad & 3;

	/* BTH */
	bth[0] = b->opcode;
	bth[1] = (b->se ? 0x80 : 0) | (b->mig ? 0x40 : 0) | pad << 4 |
		 (b->tver & 0xf);
	put16(bth + 2, b->pkey);
	bth[4] = b->resv8a;
	put24(bth + 5, b->qpn);
	bth[8] = b->ack_req ? 0x80 : 0;
	put24(bth + 9, b->psn);

	/* Extended headers */
	if (!op->name)
		rnd_bytes(bth + BTH_LEN, xl);
	else
		build_ext(bth, op->hdrs, b);

	/* Payload and pad */
	x = bth + blen;
	if (b->paylen && blen + b->paylen + pad <= room) {
		rnd_bytes(x, b->paylen);
		if (b->mad && b->paylen >= 24) {
			/* Base version, class, class version, method ... */
			x[0] = pct(80) ? 1 : (uint8_t)rnd();
			x[1] = PICK(0x01, 0x03, 0x04, 0x06, 0x07, 0x09, 0x0a,
				    0x81, 0x30, (uint8_t)rnd());
			x[2] = pct(70) ? PICK(1, 2) : (uint8_t)rnd();
			x[3] = PICK(0x01, 0x02, 0x03, 0x06, 0x07, 0x81,
				    (uint8_t)rnd());
			if (pct(70))
				x[4] = x[5] = 0;	/* status */
		}
		blen += b->paylen;
	}
	if (blen + pad <= room) {
		memset(bth + blen, 0, pad);
		blen += pad;
	}

	/* Header length, truncation or extension of the body */
	if (b->body_len >= 0) {
		size_t want = MIN((size_t)b->body_len, room);

		if (want > blen)
			rnd_bytes(bth + blen, want - blen);
		blen = want;
	}

	/* IPv4 and UDP: lengths always true, so the stack delivers it. */
	p->len = il + 8 + blen + ICRC_LEN;
	ip[0] = 0x40 | il / 4;
	ip[1] = b->tos;
	put16(ip + 2, p->len);
	if (!++net.ip_id)
		net.ip_id = 1;
	put16(ip + 4, net.ip_id);
	put16(ip + 6, 0x4000);		/* DF */
	ip[8] = b->ttl;
	ip[9] = IPPROTO_UDP;
	put16(ip + 10, 0);		/* the kernel fills the checksum */
	memcpy(ip + 12, &net.src, 4);
	memcpy(ip + 16, &net.dst, 4);
	if (b->ipopt)
		memset(ip + 20, 1, 4);	/* NOP x4 */
	put16(udp, 0xc000 | (b->qpn & 0x3fff));
	put16(udp + 2, ROCE_PORT);
	put16(udp + 4, 8 + blen + ICRC_LEN);
	put16(udp + 6, 0);

	/* ICRC: needs the headers up to BTH to be there. */
	if (blen >= BTH_LEN)
		c = icrc(ip, il + 8 + blen);
	else
		c = (uint32_t)rnd();
	if (b->icrc == IC_BAD)
		c ^= (uint32_t)rnd() | 1;
	putle32(bth + blen, c);
	if (b->icrc == IC_CUT && b->cut >= 0 &&
	    (size_t)b->cut < blen + ICRC_LEN) {
		p->len = il + 8 + b->cut;
		put16(ip + 2, p->len);
		put16(udp + 4, 8 + b->cut);
	}
	p->pred = predict(p->buf, p->len);
}

/* ------------------------------------------------------------ classes */

enum cls {
	C_OPCODE, C_HDRLEN, C_PAD, C_PSN, C_VALID, C_MSGSEQ, C_AETH,
	C_RDRESP, C_RETH, C_ATOMIC, C_TRUNC, C_OVERSIZE, C_BADICRC,
	C_UNKNOWN, C_GSI, C_QKEY, C_PKEY,
	C_GIVEN,	/* --one, --packets: not generated */
	C_NR
};

static const struct {
	const char *name;
	unsigned int weight;	/* per mille */
} cls_info[C_NR] = {
	[C_OPCODE]	= { "random_opcode", 80 },
	[C_HDRLEN]	= { "header_length", 70 },
	[C_PAD]		= { "pad_count", 60 },
	[C_PSN]		= { "psn", 110 },
	[C_VALID]	= { "in_sequence", 198 },
	[C_MSGSEQ]	= { "message_order", 12 },
	[C_AETH]	= { "aeth_syndrome", 80 },
	[C_RDRESP]	= { "unasked_response", 80 },
	[C_RETH]	= { "reth", 80 },
	[C_ATOMIC]	= { "atomiceth", 40 },
	[C_TRUNC]	= { "truncated", 50 },
	[C_OVERSIZE]	= { "oversized", 10 },
	[C_BADICRC]	= { "bad_icrc", 30 },
	[C_UNKNOWN]	= { "unknown_qpn", 30 },
	[C_GSI]		= { "gsi", 20 },
	[C_QKEY]	= { "deth_qkey", 30 },
	[C_PKEY]	= { "pkey", 10 },
	[C_GIVEN]	= { "given", 0 },
};

static struct target *any_target(void)
{
	return &tg[below(ntg)];
}

/* A target of transport @type (or any if none), live ones preferred. */
static struct target *target_of(int type)
{
	struct target *c[MAX_TARGETS];
	unsigned int i, n = 0;

	for (i = 0; i < ntg; i++)
		if ((type < 0 || (int)tg[i].type == type) && tg[i].qpn != 1)
			c[n++] = &tg[i];
	if (!n)
		return any_target();
	/* Twice the chance for QPs that process what they get. */
	for (i = 0; i < 2; i++) {
		struct target *t = c[below(n)];

		if (t->state >= S_RTR && t->state != S_ERR)
			return t;
	}
	return c[below(n)];
}

static uint8_t op_for(const struct target *t, uint8_t rc_op)
{
	return t->type == Q_UC ? rc_op | OP_UC : rc_op;
}

/* PSN for a request: mostly the one the model expects. */
static uint32_t req_psn(const struct target *t)
{
	uint32_t r = below(100), e = t->epsn;

	if (r < 45)
		return e;
	if (r < 58)	/* a QP taken back to RTR restarts here */
		return (t->rq_psn + below(3)) & PSN_MASK;
	if (r < 68)	/* duplicates */
		return (e - 1 - below(4)) & PSN_MASK;
	if (r < 78)	/* ahead: a gap */
		return (e + 1 + below(4)) & PSN_MASK;
	if (r < 86)	/* at the edge of the half window */
		return (e + 0x800000 - 1 + below(3)) & PSN_MASK;
	if (r < 92)	/* far, and across the wrap */
		return (uint32_t)PICK(0, 1, PSN_MASK, PSN_MASK - 1,
				      e ^ 0x800000, e + 0x400000) & PSN_MASK;
	return (uint32_t)rnd() & PSN_MASK;
}

/* PSN for a response to @t's requester. */
static uint32_t resp_psn(const struct target *t)
{
	uint32_t r = below(100), s = t->sq_psn;

	if (t->has_out && r < 50)
		return (t->out_psn + below(t->out_n + 1)) & PSN_MASK;
	if (r < 65)	/* the last PSN acknowledged */
		return (s - 1) & PSN_MASK;
	if (r < 75)	/* never sent */
		return (s + below(4)) & PSN_MASK;
	if (r < 85)	/* long acknowledged */
		return (s - 2 - below(8)) & PSN_MASK;
	if (r < 92)
		return (s + 0x800000 - 1 + below(3)) & PSN_MASK;
	return (uint32_t)rnd() & PSN_MASK;
}

/* A length within [lo, hi]. */
static uint32_t len_in(uint32_t lo, uint32_t hi)
{
	return hi <= lo ? lo : lo + below(hi - lo + 1);
}

/* Payload of a packet for @t: short mostly, sometimes a full MTU. */
static uint32_t some_payload(const struct target *t)
{
	uint32_t r = below(100);

	if (r < 65)
		return below(65);
	if (r < 96)
		return below(MIN(t->mtu, 512) + 1);
	return len_in(1, MIN(t->mtu, 4000));
}

static void rand_ip(struct bld *b)
{
	/* Masked by the ICRC: routers may change them. */
	if (pct(30))
		b->tos = (uint8_t)rnd();
	if (pct(30))
		b->ttl = 1 + below(255);
	if (pct(20))
		b->resv8a = (uint8_t)rnd();
	if (pct(2))
		b->ipopt = true;
	if (pct(10))
		b->mig = true;
}

/* An RETH inside @t's memory region. */
static void reth_ok(struct bld *b, const struct target *t, uint32_t len)
{
	uint32_t mlen = t->len ? t->len : 1;

	len = MIN(len, mlen);
	b->rkey = t->rkey;
	b->dlen = len;
	b->va = t->va + below(mlen - len + 1);
}

/* ---- classes emitting one packet ---- */

static void gen_opcode(struct bld *b)
{
	struct target *t = any_target();

	bld_init(b, t, (uint8_t)rnd());
	b->psn = req_psn(t);
	b->paylen = below(200);
	b->raw_ext = below(41);
	b->va = t->va + below(t->len + 1);
	b->rkey = pct(50) ? t->rkey : (uint32_t)rnd();
	b->dlen = below(4096);
	b->syn = (uint8_t)rnd();
	b->msn = (uint32_t)rnd();
	if (pct(10))
		b->tver = 1 + below(15);
	if (!ops[b->opcode].name || pct(20))
		b->pad = below(4);
	rand_ip(b);
}

/* A random opcode srx speaks, of @t's transport most of the time. */
static uint8_t valid_opcode(const struct target *t)
{
	uint8_t op;

	do {
		op = (uint8_t)rnd();
		if (pct(70) && t->type != Q_UD)
			op = (op & 0x1f) | (t->type == Q_UC ? OP_UC : 0);
		else if (pct(50) && t->type == Q_UD)
			op = OP_UD_SEND | (op & 1);
	} while (!ops[op].name);
	return op;
}

static void gen_hdrlen(struct bld *b)
{
	struct target *t = target_of(-1);
	const struct opinfo *op;
	long hl;

	bld_init(b, t, valid_opcode(t));
	op = &ops[b->opcode];
	b->psn = req_psn(t);
	reth_ok(b, t, below(64));
	b->paylen = (op->flags & F_PAY) ? below(16) * 4 : 0;
	hl = BTH_LEN + ext_len(op->hdrs);
	/* Cut into the extended headers, or run past them. */
	if (pct(60) && hl > BTH_LEN)
		b->body_len = BTH_LEN + below(hl - BTH_LEN);
	else if (pct(50))
		b->body_len = hl + 1 + below(12);
	else
		b->body_len = hl + 4 * (1 + below(4));
	rand_ip(b);
}

static void gen_pad(struct bld *b)
{
	struct target *t = target_of(-1);
	uint8_t op;

	do {
		op = valid_opcode(t);
	} while (!(ops[op].flags & F_PAY));
	bld_init(b, t, op);
	b->psn = req_psn(t);
	reth_ok(b, t, 8);
	b->paylen = below(9);
	b->pad = below(4);
	if (pct(50))
		b->body_len = BTH_LEN + ext_len(ops[op].hdrs) + below(8);
	rand_ip(b);
}

/* A request of @t's transport, well formed, at @psn. */
static void request(struct bld *b, struct target *t, uint32_t psn)
{
	uint32_t r = below(100);

	if (t->type == Q_UD) {
		bld_init(b, t, pct(70) ? OP_UD_SEND : OP_UD_SEND_IMM);
		b->psn = psn;
		b->paylen = some_payload(t);
		return;
	}
	if (r < 35 || (t->type == Q_UC && r < 60)) {
		bld_init(b, t, op_for(t, PICK(OP_SEND_ONLY, OP_SEND_ONLY,
					      OP_SEND_ONLY_IMM)));
		b->paylen = some_payload(t);
	} else if (r < 60 || t->type == Q_UC) {
		bld_init(b, t, op_for(t, pct(80) ? OP_WRITE_ONLY :
					 OP_WRITE_ONLY_IMM));
		b->paylen = some_payload(t);
		reth_ok(b, t, b->paylen);
		b->paylen = b->dlen;
	} else if (r < 80) {
		bld_init(b, t, OP_READ_REQ);
		reth_ok(b, t, PICK(0, 1, 8, 64, t->mtu, t->mtu + 1,
				   3 * t->mtu, t->len));
	} else if (r < 95) {
		bld_init(b, t, pct(50) ? OP_CMP_SWAP : OP_FETCH_ADD);
		reth_ok(b, t, 8);
		b->va &= ~7ull;
		b->dlen = 0;
		b->swap = rnd();
		b->cmp = pct(50) ? 0 : rnd();
	} else {
		bld_init(b, t, pct(50) ? OP_SEND_ONLY_INV : OP_SEND_ONLY);
		b->ieth = pct(50) ? t->rkey : (uint32_t)rnd();
		b->paylen = below(64);
	}
	b->psn = psn;
}

static void gen_psn(struct bld *b)
{
	struct target *t = target_of(-1);

	request(b, t, req_psn(t));
	rand_ip(b);
}

/* PSNs a request takes: a READ one per MTU of its length. */
static uint32_t psns_of(const struct bld *b, const struct target *t)
{
	if (b->opcode == OP_READ_REQ)
		return b->dlen ? (b->dlen + t->mtu - 1) / t->mtu : 1;
	return 1;
}

/* ---- classes emitting sequences ---- */

struct seq {
	struct bld b[SEQ_MAX];
	unsigned int n;
	uint8_t cls;
};

static struct bld *seq_add(struct seq *s)
{
	return &s->b[s->n++];
}

/* A message of @len bytes in MTU packets, at @t's expected PSN. */
static void message(struct seq *s, struct target *t, bool write,
		    uint32_t len)
{
	uint32_t mtu = t->mtu, n = len ? (len + mtu - 1) / mtu : 1, i, off;
	uint32_t va, psn = t->epsn;
	struct bld *b;

	n = MIN(n, SEQ_MAX - s->n);
	len = MIN(len, n * mtu);
	va = (uint32_t)below(t->len > len ? t->len - len + 1 : 1);
	for (i = 0, off = 0; i < n; i++, off += mtu) {
		uint8_t op;

		if (n == 1)
			op = write ? OP_WRITE_ONLY : OP_SEND_ONLY;
		else if (!i)
			op = write ? OP_WRITE_FIRST : OP_SEND_FIRST;
		else if (i == n - 1)
			op = write ? OP_WRITE_LAST : OP_SEND_LAST;
		else
			op = write ? OP_WRITE_MIDDLE : OP_SEND_MIDDLE;
		b = seq_add(s);
		bld_init(b, t, op_for(t, op));
		b->psn = (psn + i) & PSN_MASK;
		b->paylen = MIN(mtu, len - off);
		b->rkey = t->rkey;
		b->va = t->va + va;
		b->dlen = len;
		b->ack_req = i == n - 1;
	}
	t->epsn = (psn + n) & PSN_MASK;
}

static void gen_valid(struct seq *s)
{
	struct target *t = target_of(-1);
	struct bld *b;

	if (t->type != Q_UD && pct(6)) {
		bool write = pct(50);
		uint32_t max = write ? t->len : 8000;

		message(s, t, write, len_in(t->mtu + 1, MIN(max, 2 * t->mtu)));
		return;
	}
	b = seq_add(s);
	request(b, t, t->epsn);
	if (t->type != Q_UD)
		t->epsn = (t->epsn + psns_of(b, t)) & PSN_MASK;
}

/* Messages whose packets come in an order or length no sender uses. */
static void gen_msgseq(struct seq *s)
{
	struct target *t = target_of(pct(70) ? Q_RC : Q_UC);
	unsigned int i, n;
	struct bld *b;

	if (t->type == Q_UD)
		t = target_of(Q_RC);
	switch (below(6)) {
	case 0:		/* a proper message with one packet of it mangled */
		message(s, t, pct(50), len_in(t->mtu + 1, 2 * t->mtu + 64));
		b = &s->b[below(s->n)];
		if (pct(50))
			b->paylen = below(t->mtu + 64);
		else
			b->psn = (b->psn + 1) & PSN_MASK;
		break;
	case 1:		/* middles and lasts without a first */
		n = 1 + below(3);
		for (i = 0; i < n; i++) {
			b = seq_add(s);
			bld_init(b, t, op_for(t, PICK(OP_SEND_MIDDLE,
				OP_SEND_LAST, OP_SEND_LAST_IMM,
				OP_WRITE_MIDDLE, OP_WRITE_LAST,
				OP_WRITE_LAST_IMM)));
			b->psn = (t->epsn + i) & PSN_MASK;
			b->paylen = pct(50) ? t->mtu : below(t->mtu + 1);
		}
		break;
	case 2:		/* a first inside a message */
		for (i = 0; i < 3; i++) {
			b = seq_add(s);
			bld_init(b, t, op_for(t, i == 1 ? OP_WRITE_FIRST :
					      OP_SEND_FIRST));
			b->psn = (t->epsn + i) & PSN_MASK;
			b->paylen = t->mtu;
			reth_ok(b, t, 3 * t->mtu);
		}
		break;
	case 3:		/* a write whose packets do not add up to RETH */
		message(s, t, true, len_in(t->mtu + 1, 2 * t->mtu));
		s->b[0].dlen = PICK(0, 1, s->b[0].dlen - 1, s->b[0].dlen + 1,
				    0x80000000u, 0xffffffffu);
		break;
	case 4:		/* sends and writes interleaved */
		for (i = 0; i < 4; i++) {
			b = seq_add(s);
			bld_init(b, t, op_for(t, (i & 1) ?
				PICK(OP_WRITE_MIDDLE, OP_WRITE_LAST) :
				PICK(OP_SEND_FIRST, OP_SEND_MIDDLE)));
			b->psn = (t->epsn + i) & PSN_MASK;
			b->paylen = t->mtu;
		}
		break;
	default:	/* a first and nothing after it (left open) */
		b = seq_add(s);
		bld_init(b, t, op_for(t, pct(50) ? OP_SEND_FIRST :
				      OP_WRITE_FIRST));
		b->psn = t->epsn;
		b->paylen = t->mtu;
		reth_ok(b, t, 2 * t->mtu);
		t->epsn = (t->epsn + 1) & PSN_MASK;
		break;
	}
}

static void gen_aeth(struct bld *b)
{
	struct target *t = target_of(Q_RC);
	uint8_t v = below(32);

	bld_init(b, t, pct(85) ? OP_ACK : OP_ATOMIC_ACK);
	b->psn = resp_psn(t);
	switch (below(5)) {
	case 0:
		b->syn = v;			/* ACK, credit code */
		break;
	case 1:
		b->syn = 0x20 | v;		/* RNR NAK, timer */
		break;
	case 2:
		b->syn = 0x60 | below(5);	/* the NAK codes */
		break;
	case 3:
		b->syn = 0x60 | v;		/* reserved NAK codes too */
		break;
	default:
		b->syn = 0x40 | v;		/* reserved type */
		break;
	}
	if (pct(10))
		b->syn |= 0x80;
	b->msn = pct(50) ? below(8) : (uint32_t)rnd();
	b->orig = rnd();
	rand_ip(b);
}

/* Read responses and atomic ACKs, for outstanding requests or none. */
static void gen_rdresp(struct seq *s)
{
	struct target *t = target_of(Q_RC);
	uint32_t i, n, psn, len, mtu;
	struct bld *b;

	for (i = 0; i < 4 && !t->has_out; i++)
		t = target_of(Q_RC);
	mtu = t->mtu;
	if (t->has_rd && pct(20)) {
		/* The outstanding READ answered in full, maybe wrongly. */
		len = pct(70) ? t->rd_len : below(2 * t->rd_len + 2);
		n = len ? (len + mtu - 1) / mtu : 1;
		n = MIN(n, SEQ_MAX);
		for (i = 0; i < n; i++) {
			b = seq_add(s);
			bld_init(b, t, n == 1 ? OP_RESP_ONLY :
				       !i ? OP_RESP_FIRST :
				       i == n - 1 ? OP_RESP_LAST :
				       OP_RESP_MIDDLE);
			b->psn = (t->rd_psn + i) & PSN_MASK;
			b->paylen = i == n - 1 ? len - i * mtu : mtu;
			b->msn = below(4);
		}
		if (pct(30))
			s->b[below(s->n)].paylen = below(mtu + 8);
		return;
	}
	if (t->has_at && pct(30)) {
		b = seq_add(s);
		bld_init(b, t, OP_ATOMIC_ACK);
		b->psn = pct(70) ? t->at_psn : resp_psn(t);
		b->syn = 0x1f;
		b->orig = rnd();
		return;
	}
	b = seq_add(s);
	bld_init(b, t, PICK(OP_RESP_FIRST, OP_RESP_MIDDLE, OP_RESP_LAST,
			    OP_RESP_ONLY, OP_ATOMIC_ACK));
	psn = resp_psn(t);
	b->psn = psn;
	b->syn = pct(80) ? 0x1f : (uint8_t)rnd();
	b->msn = below(8);
	b->orig = rnd();
	b->paylen = PICK(0, 1, 4, 64, below(256), below(256), below(256),
			 mtu, below(mtu + 1));
	rand_ip(b);
}

static void gen_reth(struct bld *b)
{
	struct target *t = target_of(pct(80) ? Q_RC : Q_UC);
	uint64_t va = t->va, end = t->va + t->len;
	uint8_t op;

	if (t->type == Q_UD)
		t = target_of(Q_RC);
	op = PICK(OP_WRITE_ONLY, OP_WRITE_ONLY, OP_WRITE_ONLY, OP_WRITE_FIRST,
		  OP_WRITE_ONLY_IMM, OP_READ_REQ, OP_READ_REQ, OP_READ_REQ);
	if (t->type == Q_UC)
		op = op == OP_READ_REQ ? OP_UC | OP_WRITE_ONLY : OP_UC | op;
	bld_init(b, t, op);
	b->psn = pct(70) ? t->epsn : req_psn(t);
	b->rkey = PICK(t->rkey, t->rkey, t->rkey, t->rkey + 1, t->rkey - 1,
		       t->rkey ^ 0x100, t->rkey ^ 0xff, 0, 0xffffffffu,
		       (uint32_t)rnd());
	b->va = PICK(va, va, end - 1, end, end - 8, va - 1, va - 4096,
		     ~0ull - below(64), 0, va + 0x100000000ull, rnd(),
		     va + below(t->len + 1));
	b->dlen = PICK(0, 1, t->len, t->len + 1, (uint32_t)(end - b->va),
		       (uint32_t)(end - b->va) + 1, 0x80000000u, 0xffffffffu,
		       0xfffffff0u, (uint32_t)rnd(), below(4096));
	if (ops[op].flags & F_PAY)
		b->paylen = PICK(0, MIN(b->dlen, 256), MIN(b->dlen, 256),
				 below(257), below(257), MIN(b->dlen, t->mtu));
	if (!(ops[op].flags & F_LAST))	/* FIRST: full MTU, like a sender */
		b->paylen = pct(70) ? t->mtu : below(257);
	rand_ip(b);
}

static void gen_atomic(struct bld *b)
{
	struct target *t = target_of(Q_RC);
	uint64_t va = t->va & ~7ull, end = t->va + t->len;

	if (t->type != Q_RC)
		t = target_of(Q_RC);
	bld_init(b, t, pct(50) ? OP_CMP_SWAP : OP_FETCH_ADD);
	b->psn = pct(70) ? t->epsn : req_psn(t);
	b->rkey = PICK(t->rkey, t->rkey, t->rkey, t->rkey ^ 1,
		       (uint32_t)rnd());
	b->va = PICK(va + 8, va + 1 + below(7), va + 8 * below(t->len / 8 + 1),
		     end - 4, end - 8, end, va - 8, ~7ull, 0,
		     ((va + 4096) & ~4095ull) - 4, rnd());
	b->swap = rnd();
	b->cmp = pct(50) ? 0 : rnd();
	rand_ip(b);
}

static void gen_oversize(struct bld *b)
{
	struct target *t = target_of(-1);
	uint32_t max = body_room(b) - 64;

	if (t->type == Q_UD) {
		bld_init(b, t, OP_UD_SEND);
	} else {
		bld_init(b, t, op_for(t, PICK(OP_SEND_ONLY, OP_WRITE_ONLY,
					      OP_SEND_FIRST, OP_SEND_MIDDLE)));
		if (t->type == Q_RC && pct(30)) {
			bld_init(b, t, OP_RESP_ONLY);
			b->psn = resp_psn(t);
		}
	}
	if (b->opcode != OP_RESP_ONLY)
		b->psn = pct(70) ? t->epsn : req_psn(t);
	b->paylen = len_in(MIN(t->mtu + 1, max), max);
	reth_ok(b, t, b->paylen);
	b->dlen = b->paylen;
}

/* Well formed, of any kind: the base of the header-level classes. */
static void any_packet(struct bld *b, struct target *t)
{
	if (t->type == Q_RC && pct(30)) {
		bld_init(b, t, PICK(OP_ACK, OP_RESP_ONLY, OP_ATOMIC_ACK));
		b->psn = resp_psn(t);
		b->paylen = b->opcode == OP_RESP_ONLY ? below(64) : 0;
		return;
	}
	request(b, t, req_psn(t));
}

static void gen_badicrc(struct bld *b)
{
	struct target *t = any_target();

	any_packet(b, t);
	b->icrc = IC_BAD;
	rand_ip(b);
}

static void gen_unknown(struct bld *b)
{
	struct target *t = any_target();

	any_packet(b, t);
	b->qpn = PICK(0, 2 + below(14), 0xff0000 | below(0x10000), 0xffffff);
	rand_ip(b);
}

static void gen_gsi(struct bld *b)
{
	struct target *t = target_by_qpn(1);

	if (pct(15)) {
		any_packet(b, target_of(-1));
		b->qpn = 1;
		return;
	}
	bld_init(b, t, pct(80) ? OP_UD_SEND : OP_UD_SEND_IMM);
	b->psn = (uint32_t)rnd() & PSN_MASK;
	b->qkey = pct(85) ? GSI_QKEY : (uint32_t)rnd();
	b->sqp = pct(80) ? 1 : (uint32_t)rnd();
	b->paylen = pct(85) ? 256 : below(400);
	b->mad = true;
	rand_ip(b);
}

static void gen_qkey(struct bld *b)
{
	struct target *t = target_of(Q_UD);

	if (t->type != Q_UD)
		t = target_by_qpn(1);
	bld_init(b, t, pct(70) ? OP_UD_SEND : OP_UD_SEND_IMM);
	b->psn = (uint32_t)rnd() & PSN_MASK;
	if (pct(70))
		b->qkey = PICK(t->qkey ^ 1, t->qkey | 0x80000000u, 0,
			       GSI_QKEY, (uint32_t)rnd());
	b->paylen = below(200);
	rand_ip(b);
}

static void gen_pkey(struct bld *b)
{
	struct target *t = any_target();

	any_packet(b, t);
	if (pct(80)) {
		do {
			b->pkey = (uint16_t)rnd();
		} while ((b->pkey & 0x7fff) == 0x7fff);
	} else {
		b->pkey = 0x7fff;	/* limited member: accepted */
	}
}

/* A packet of some class, cut short: in BTH, in a header, anywhere. */
static void gen_trunc(struct seq *s)
{
	struct target *t = target_of(-1);
	struct bld *b = seq_add(s);
	const struct opinfo *op;
	long hl, total;

	any_packet(b, t);
	if (pct(30))
		request(b, t, t->epsn);
	op = &ops[b->opcode];
	hl = BTH_LEN + ext_len(op->hdrs);
	total = hl + b->paylen + ((-b->paylen) & 3);
	if (pct(80)) {
		/* Cut, with an ICRC over what is left. */
		b->body_len = PICK(below(BTH_LEN), BTH_LEN + below(hl - BTH_LEN + 1),
				   below(total + 1), 0, hl - 1);
		if (b->body_len < 0)
			b->body_len = 0;
	} else {
		/* Cut through the ICRC and before: no ICRC at all. */
		b->icrc = IC_CUT;
		b->cut = below(total + ICRC_LEN);
	}
	rand_ip(b);
}

/* ------------------------------------------------------------ generator */

static unsigned int cls_cum[C_NR];
static bool cls_off[C_NR];		/* --classes left it out */

static void cls_init(void)
{
	unsigned int i, sum = 0;

	for (i = 0; i < C_NR; i++) {
		sum += cls_off[i] ? 0 : cls_info[i].weight;
		cls_cum[i] = sum;
	}
}

/* --classes a,b,c: only those. */
static int cls_select(char *list)
{
	char *tok, *save;
	unsigned int i;

	for (i = 0; i < C_NR; i++)
		cls_off[i] = true;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < C_GIVEN; i++)
			if (!strcmp(tok, cls_info[i].name))
				break;
		if (i == C_GIVEN) {
			fprintf(stderr, "pktfuzz: no class '%s'; there are:", tok);
			for (i = 0; i < C_GIVEN; i++)
				fprintf(stderr, " %s", cls_info[i].name);
			fprintf(stderr, "\n");
			return -1;
		}
		cls_off[i] = false;
	}
	cls_init();
	return 0;
}

/* The next packets, at most @max (>= SEQ_MAX), into @out. */
static unsigned int gen(struct seq *s)
{
	uint32_t r = below(cls_cum[C_NR - 1]);
	unsigned int c = 0;

	while (r >= cls_cum[c])
		c++;
	s->n = 0;
	s->cls = c;
	switch (c) {
	case C_OPCODE:
		gen_opcode(seq_add(s));
		break;
	case C_HDRLEN:
		gen_hdrlen(seq_add(s));
		break;
	case C_PAD:
		gen_pad(seq_add(s));
		break;
	case C_PSN:
		gen_psn(seq_add(s));
		break;
	case C_VALID:
		gen_valid(s);
		break;
	case C_MSGSEQ:
		gen_msgseq(s);
		break;
	case C_AETH:
		gen_aeth(seq_add(s));
		break;
	case C_RDRESP:
		gen_rdresp(s);
		break;
	case C_RETH:
		gen_reth(seq_add(s));
		break;
	case C_ATOMIC:
		gen_atomic(seq_add(s));
		break;
	case C_TRUNC:
		gen_trunc(s);
		break;
	case C_OVERSIZE:
		gen_oversize(seq_add(s));
		break;
	case C_BADICRC:
		gen_badicrc(seq_add(s));
		break;
	case C_UNKNOWN:
		gen_unknown(seq_add(s));
		break;
	case C_GSI:
		gen_gsi(seq_add(s));
		break;
	case C_QKEY:
		gen_qkey(seq_add(s));
		break;
	default:
		gen_pkey(seq_add(s));
		break;
	}
	return s->n;
}

/* ------------------------------------------------------------ sending */

/* All uint64_t: jobs add them up word by word. */
struct totals {
	uint64_t sent, errors, stopped;
	uint64_t cls[C_NR], cls_bytes[C_NR];
	uint64_t v[V_NR];		/* every verdict */
	uint64_t vx[V_NR];		/* ... for fixed QPs (or state-free) */
	uint64_t resv_aeth;
	uint64_t bytes;
};

static struct totals tot;
static int sock_fd = -1;
static bool trace, dry_run;

static void hexdump(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x%s", p[i], (i % 32 == 31 || i == n - 1) ? "\n" : "");
}

static void trace_pkt(uint64_t idx, const struct pkt *p)
{
	size_t il = ip_hlen(p->buf);
	const uint8_t *b = p->buf + il + 8;
	size_t blen = p->len - il - 8;

	printf("pkt %llu class %s len %zu", (unsigned long long)idx,
	       cls_info[p->cls].name, p->len);
	if (blen >= BTH_LEN)
		printf(" opcode %#04x %s qpn %#x psn %#x",
		       b[0], ops[b[0]].name ? ops[b[0]].name : "?",
		       get24(b + 5), get24(b + 9));
	printf(" -> %s%s\n", verdict_name[p->pred.v],
	       p->pred.exact ? "" : " (state-dependent)");
	hexdump(p->buf, MIN(p->len, (size_t)128));
}

static void account(const struct pkt *p)
{
	tot.sent++;
	tot.bytes += p->len;
	tot.cls[p->cls]++;
	tot.cls_bytes[p->cls] += p->len;
	tot.v[p->pred.v]++;
	if (p->pred.exact)
		tot.vx[p->pred.v]++;
	if (p->pred.resv_aeth)
		tot.resv_aeth++;
}

static int open_sock(void)
{
	int one = 1, sz = 4 << 20;

	sock_fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (sock_fd < 0) {
		perror("pktfuzz: socket(AF_INET, SOCK_RAW, IPPROTO_RAW)");
		return -1;
	}
	if (setsockopt(sock_fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) ||
	    /* Local drops (a full backlog) come back as ENOBUFS. */
	    setsockopt(sock_fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one))) {
		perror("pktfuzz: setsockopt");
		return -1;
	}
	setsockopt(sock_fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return 0;
}

/*
 * Send @n packets; each one the kernel took is accounted. A packet it
 * refused (ENOBUFS: dropped on the way, or anything else) is counted
 * as an error and not retried: the ones after it are.
 */
static int send_batch(struct pkt **ring, unsigned int n, uint64_t first_idx)
{
	static struct mmsghdr mm[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	struct sockaddr_in dst = {
		.sin_family = AF_INET, .sin_addr = net.dst,
	};
	unsigned int i, done = 0;
	int r, tries = 0;

	for (i = 0; i < n; i++) {
		iov[i].iov_base = ring[i]->buf;
		iov[i].iov_len = ring[i]->len;
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_name = &dst;
		mm[i].msg_hdr.msg_namelen = sizeof(dst);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < n) {
		r = dry_run ? (int)(n - done) :
			      sendmmsg(sock_fd, mm + done, n - done, 0);
		if (r > 0) {
			for (i = done; i < done + r; i++) {
				if (trace)
					trace_pkt(first_idx + i, ring[i]);
				account(ring[i]);
			}
			done += r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == ENOBUFS || errno == EAGAIN ||
			      errno == ECONNREFUSED || errno == EHOSTUNREACH)) {
			/* That one is lost; go on after it, a little later. */
			tot.errors++;
			done++;
			if (++tries > 1000) {
				fprintf(stderr, "pktfuzz: too many send errors\n");
				return -1;
			}
			usleep(1000);
			continue;
		}
		fprintf(stderr, "pktfuzz: sendmmsg of a %zu-byte packet: %s\n",
			ring[done]->len, r < 0 ? strerror(errno) : "nothing sent");
		if (trace || r == 0)
			hexdump(ring[done]->buf, ring[done]->len);
		return -1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_totals(uint64_t seed, double secs)
{
	unsigned int i;

	printf("pktfuzz: seed %llu: sent %llu packets (%llu bytes on average), %llu send errors, in %.1f s: %.0f packets/s\n",
	       (unsigned long long)seed, (unsigned long long)tot.sent,
	       (unsigned long long)(tot.sent ? tot.bytes / tot.sent : 0),
	       (unsigned long long)tot.errors, secs,
	       secs > 0 ? tot.sent / secs : 0.0);
	for (i = 0; i < C_NR; i++)
		if (tot.cls[i])
			printf("pktfuzz: class %-16s %7llu packets, %4llu bytes on average\n",
			       cls_info[i].name, (unsigned long long)tot.cls[i],
			       (unsigned long long)(tot.cls_bytes[i] /
						    tot.cls[i]));
	for (i = 0; i < V_NR; i++)
		printf("pktfuzz: verdict %-16s %llu (fixed QPs or none: %llu)\n",
		       verdict_name[i], (unsigned long long)tot.v[i],
		       (unsigned long long)tot.vx[i]);
	/* Machine-readable, for tests/t-fuzz.sh. */
	printf("expect sent %llu\n", (unsigned long long)tot.sent);
	printf("expect malformed %llu\n",
	       (unsigned long long)tot.v[V_MALFORMED]);
	printf("expect bad_icrc %llu\n", (unsigned long long)tot.v[V_BAD_ICRC]);
	printf("expect pkey %llu\n", (unsigned long long)tot.v[V_PKEY]);
	printf("expect unknown_qp %llu\n",
	       (unsigned long long)tot.v[V_UNKNOWN_QP]);
	printf("expect bad_state_fixed %llu\n",
	       (unsigned long long)tot.vx[V_BAD_STATE]);
	printf("expect bad_state_any %llu\n",
	       (unsigned long long)tot.v[V_BAD_STATE]);
	printf("expect type_fixed %llu\n", (unsigned long long)tot.vx[V_TYPE]);
	printf("expect type_any %llu\n", (unsigned long long)tot.v[V_TYPE]);
	printf("expect qkey_fixed %llu\n", (unsigned long long)tot.vx[V_QKEY]);
	printf("expect transport %llu\n", (unsigned long long)tot.v[V_QP]);
	printf("expect resv_aeth %llu\n", (unsigned long long)tot.resv_aeth);
}

struct fuzz_opts {
	uint64_t seed, count, start;
	double seconds;
	unsigned int batch, jobs;
};

/*
 * --feedback FILE: lines "QPN GENERATION", rewritten (by fuzz_target)
 * whenever a QP the fuzz drove into ERR was taken back to its state, so
 * that it expects its first PSN again. The model follows: only PSNs
 * change, never what else the PRNG chooses, since no choice depends on
 * the model.
 */
static const char *feedback;
static struct timespec fb_mtime;

static void feedback_read(void)
{
	unsigned long long qpn, gen;
	struct target *t;
	struct stat st;
	FILE *f;

	if (!feedback || stat(feedback, &st) ||
	    (st.st_mtim.tv_sec == fb_mtime.tv_sec &&
	     st.st_mtim.tv_nsec == fb_mtime.tv_nsec))
		return;
	fb_mtime = st.st_mtim;
	f = fopen(feedback, "r");
	if (!f)
		return;
	while (fscanf(f, "%lli %lli", &qpn, &gen) == 2) {
		t = target_by_qpn(qpn);
		if (t && t->gen != gen) {
			t->gen = gen;
			t->epsn = t->rq_psn;
		}
	}
	fclose(f);
}

/* One stream of packets: @count of them from @seed, after @start. */
static int run_job(const struct fuzz_opts *o, uint64_t seed, uint64_t count,
		   bool notes)
{
	static struct pkt pk[MAX_BATCH + SEQ_MAX];
	struct pkt *ring[MAX_BATCH + SEQ_MAX];
	uint64_t idx = 0, first = 0, next_note = 10000;
	uint64_t last = o->start + count;
	double end = now_s() + o->seconds;
	unsigned int n, k;
	struct seq s;
	int err = 0;

	rnd_seed(seed);
	pool_fill();
	/* IP ids from the seed: nonzero, so the kernel keeps them. */
	net.ip_id = (uint16_t)(seed * 2654435761u);
	while (idx < last && !err) {
		feedback_read();
		n = 0;
		while (n < o->batch && idx < last) {
			gen(&s);
			for (k = 0; k < s.n && idx < last; k++, idx++) {
				build(&pk[n], &s.b[k]);
				pk[n].cls = s.cls;
				if (idx < o->start)
					continue;
				if (!n)
					first = idx;
				ring[n] = &pk[n];
				n++;
			}
		}
		if (n)
			err = send_batch(ring, n, first);
		if (notes && tot.sent >= next_note) {
			printf("pktfuzz: %llu sent\n",
			       (unsigned long long)tot.sent);
			next_note += 10000;
		}
		if (o->seconds > 0 && now_s() > end) {
			tot.stopped = 1;
			break;
		}
	}
	return err;
}

static void add_totals(struct totals *a, const struct totals *b)
{
	const uint64_t *s = (const uint64_t *)b;
	uint64_t *d = (uint64_t *)a;
	size_t i;

	for (i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

/*
 * With --jobs N, N processes send at once (job i: seed + i, its share
 * of the count), which keeps more CPUs busy and has packets of two
 * streams meet in the same QP. Their totals add up.
 */
static int fuzz(const struct fuzz_opts *o)
{
	struct totals sum = {}, part;
	double t0 = now_s();
	unsigned int i, failed = 0;
	int fd[64], status;
	pid_t pid[64];
	ssize_t r;

	printf("pktfuzz: seed %llu, %llu packets from %llu, %u job%s, %u targets, link MTU %u\n",
	       (unsigned long long)o->seed, (unsigned long long)o->count,
	       (unsigned long long)o->start, o->jobs, o->jobs > 1 ? "s" : "",
	       ntg, net.link_mtu);
	for (i = 0; i < ntg; i++)
		printf("pktfuzz: target %-10s qpn %#x %s %s%s psn %#x sq_psn %#x mtu %u\n",
		       tg[i].name, tg[i].qpn, qtype_name[tg[i].type],
		       qstate_name[tg[i].state], tg[i].fixed ? " fixed" : "",
		       tg[i].rq_psn, tg[i].sq_psn, tg[i].mtu);
	fflush(stdout);
	if (o->jobs == 1) {
		failed = run_job(o, o->seed, o->count, true);
		sum = tot;
		goto out;
	}
	for (i = 0; i < o->jobs; i++) {
		int p[2];

		if (pipe(p)) {
			perror("pktfuzz: pipe");
			return 1;
		}
		pid[i] = fork();
		if (pid[i] < 0) {
			perror("pktfuzz: fork");
			return 1;
		}
		if (!pid[i]) {
			uint64_t n = o->count / o->jobs +
				     (i < o->count % o->jobs);

			close(p[0]);
			status = run_job(o, o->seed + i, n, !i);
			if (write(p[1], &tot, sizeof(tot)) != sizeof(tot))
				status = 1;
			fflush(stdout);
			_exit(status);
		}
		close(p[1]);
		fd[i] = p[0];
	}
	for (i = 0; i < o->jobs; i++) {
		r = read(fd[i], &part, sizeof(part));
		close(fd[i]);
		if (r == sizeof(part))
			add_totals(&sum, &part);
		else
			failed++;
		if (waitpid(pid[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failed++;
	}
out:
	tot = sum;
	if (tot.stopped)
		printf("pktfuzz: stopped by the %.0f s limit\n", o->seconds);
	print_totals(o->seed, now_s() - t0);
	return failed ? 1 : 0;
}

/* ------------------------------------------------------------ --one */

static int one(struct bld *b, unsigned int repeat)
{
	static struct pkt p;
	struct pkt *r = &p;
	unsigned int i;

	build(&p, b);
	p.cls = C_GIVEN;
	printf("pktfuzz: one %s (%#04x) qpn %#x psn %#x, %zu bytes, srx verdict: %s\n",
	       ops[b->opcode].name ? ops[b->opcode].name : "unknown opcode",
	       b->opcode, b->qpn, b->psn, p.len, verdict_name[p.pred.v]);
	hexdump(p.buf, p.len);
	for (i = 0; i < repeat; i++)
		if (send_batch(&r, 1, i))
			return 1;
	printf("pktfuzz: sent %llu, %llu send errors\n",
	       (unsigned long long)tot.sent, (unsigned long long)tot.errors);
	return tot.errors ? 1 : 0;
}

/* One "key=value" (or "bad-icrc") of a --packets line into @b. */
static bool packet_kv(struct bld *b, char *tok)
{
	static const char *const keys[] = {
		"op", "qpn", "psn", "len", "rkey", "va", "dlen", "qkey", "sqp",
		"syn", "msn", "pkey", "pad", "tver", "cut",
	};
	char *eq = strchr(tok, '=');
	unsigned long long v;
	unsigned int k;

	if (!strcmp(tok, "bad-icrc")) {
		b->icrc = IC_BAD;
		return true;
	}
	if (!eq || !num(eq + 1, &v))
		return false;
	*eq = 0;
	for (k = 0; k < ARRAY_SIZE(keys); k++)
		if (!strcmp(tok, keys[k]))
			break;
	switch (k) {
	case 0:
		b->opcode = v;
		break;
	case 1:
		b->qpn = v;
		break;
	case 2:
		b->psn = v;
		break;
	case 3:
		b->paylen = MIN(v, (unsigned long long)MAX_PKT);
		break;
	case 4:
		b->rkey = v;
		break;
	case 5:
		b->va = v;
		break;
	case 6:
		b->dlen = v;
		break;
	case 7:
		b->qkey = v;
		break;
	case 8:
		b->sqp = v;
		break;
	case 9:
		b->syn = v;
		break;
	case 10:
		b->msn = v;
		break;
	case 11:
		b->pkey = v;
		break;
	case 12:
		b->pad = v;
		break;
	case 13:
		b->tver = v;
		break;
	case 14:
		b->icrc = IC_CUT;
		b->cut = v;
		break;
	default:
		return false;
	}
	return true;
}

/*
 * --packets FILE ("-": stdin): one packet per line, "op=N qpn=N psn=N
 * [len=N] [rkey= va= dlen= qkey= sqp= syn= msn= pkey= pad= tver= cut=]
 * [bad-icrc]" (what --one takes, as keys); '#' starts a comment. Each is
 * sent in turn with its verdict printed, then the totals.
 */
static int packets(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	static struct pkt p;
	struct pkt *r = &p;
	char line[512], *tok, *save;
	unsigned int n = 0;
	struct target *t;
	double t0 = now_s();
	struct bld b;
	int err = 0;

	if (!f) {
		fprintf(stderr, "pktfuzz: %s: %s\n", path, strerror(errno));
		return 2;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		tok = strchr(line, '#');
		if (tok)
			*tok = 0;
		tok = strtok_r(line, " \t\n", &save);
		if (!tok)
			continue;
		bld_init(&b, NULL, 0);
		b.ack_req = false;
		b.se = false;
		b.qkey = ~0u;
		for (; tok; tok = strtok_r(NULL, " \t\n", &save)) {
			if (!packet_kv(&b, tok)) {
				fprintf(stderr, "pktfuzz: %s: bad '%s'\n", path,
					tok);
				return 2;
			}
		}
		if (b.qkey == ~0u) {	/* the QP's own */
			t = target_by_qpn(b.qpn);
			b.qkey = t ? t->qkey : 0;
		}
		build(&p, &b);
		p.cls = C_GIVEN;
		printf("pktfuzz: packet %u: %s (%#04x) qpn %#x psn %#x, %zu bytes: %s\n",
		       n++, ops[b.opcode].name ? ops[b.opcode].name : "unknown",
		       b.opcode, b.qpn, b.psn, p.len, verdict_name[p.pred.v]);
		err = send_batch(&r, 1, n);
	}
	if (f != stdin)
		fclose(f);
	print_totals(0, now_s() - t0);
	return err || tot.errors ? 1 : 0;
}

/* ------------------------------------------------------------ self-test */

/*
 * Packets of the srx_icrc KUnit suite, from rdma_rxe (IP header through
 * ICRC): drivers/infiniband/sw/srx/tests/srx_icrc_test.c.
 */
static const uint8_t v4_send_only[] = {
	0x45, 0x00, 0x00, 0x54, 0x18, 0x9c, 0x40, 0x00,
	0x40, 0x11, 0x0d, 0xf9, 0x0a, 0x01, 0x00, 0x01,
	0x0a, 0x01, 0x00, 0x02, 0xc1, 0x21, 0x12, 0xb7,
	0x00, 0x40, 0x00, 0x00, 0x04, 0x00, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x11, 0x80, 0x5e, 0xcd, 0x39,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x03, 0x20, 0xa9, 0x14,
};

static const uint8_t v4_ack[] = {
	0x45, 0x00, 0x00, 0x30, 0x64, 0x8d, 0x40, 0x00,
	0x40, 0x11, 0xc2, 0x2b, 0x0a, 0x01, 0x00, 0x02,
	0x0a, 0x01, 0x00, 0x01, 0xc1, 0x21, 0x12, 0xb7,
	0x00, 0x1c, 0x00, 0x00, 0x11, 0x00, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x11, 0x00, 0x5e, 0xcd, 0x39,
	0x1f, 0x00, 0x00, 0x01, 0x0a, 0xaf, 0x4d, 0xdd,
};

static const uint8_t v6_send_only[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x40,
	0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0xc1, 0x44, 0x12, 0xb7, 0x00, 0x40, 0x00, 0x00,
	0x04, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12,
	0x80, 0xa7, 0x0d, 0x38, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0xb9, 0x86, 0xde, 0xdc,
};

static const uint8_t v6_ack[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x11, 0x40,
	0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xc1, 0x44, 0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00,
	0x11, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12,
	0x00, 0xa7, 0x0d, 0x38, 0x1f, 0x00, 0x00, 0x01,
	0x69, 0x24, 0x6c, 0x53,
};

static const uint8_t v4_ud_send_only[] = {
	0x45, 0x00, 0x00, 0x54, 0x19, 0x84, 0x40, 0x00,
	0x40, 0x11, 0x0d, 0x11, 0x0a, 0x01, 0x00, 0x01,
	0x0a, 0x01, 0x00, 0x02, 0xd0, 0x78, 0x12, 0xb7,
	0x00, 0x40, 0x00, 0x00, 0x64, 0x00, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x13, 0x00, 0xc3, 0x64, 0xf5,
	0x11, 0x11, 0x11, 0x11, 0x00, 0x00, 0x00, 0x13,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x19, 0xa4, 0x1a, 0xe4,
};

static const uint8_t v4_write_only[] = {
	0x45, 0x00, 0x00, 0x44, 0x24, 0x25, 0x40, 0x00,
	0x40, 0x11, 0x02, 0x80, 0x0a, 0x01, 0x00, 0x01,
	0x0a, 0x01, 0x00, 0x02, 0xc1, 0x90, 0x12, 0xb7,
	0x00, 0x30, 0x00, 0x00, 0x0a, 0x00, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x14, 0x80, 0xd0, 0x49, 0x19,
	0x00, 0x00, 0x55, 0xa4, 0x88, 0xcf, 0x70, 0x00,
	0x00, 0x00, 0x05, 0x11, 0x00, 0x00, 0x00, 0x08,
	0xf8, 0x9c, 0x64, 0x0f, 0xf7, 0x4a, 0x53, 0x29,
	0x06, 0xf8, 0x32, 0xb7,
};

static const uint8_t v4_read_req[] = {
	0x45, 0x00, 0x00, 0x3c, 0x26, 0x6f, 0x40, 0x00,
	0x40, 0x11, 0x00, 0x3e, 0x0a, 0x01, 0x00, 0x01,
	0x0a, 0x01, 0x00, 0x02, 0xc1, 0xb9, 0x12, 0xb7,
	0x00, 0x28, 0x00, 0x00, 0x0c, 0x00, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x15, 0x80, 0xbe, 0x91, 0xf4,
	0x00, 0x00, 0x56, 0x2c, 0x4d, 0x6f, 0xa0, 0x00,
	0x00, 0x00, 0x06, 0xb4, 0x00, 0x00, 0x00, 0x08,
	0xe0, 0x9f, 0x8d, 0x59,
};

static const uint8_t v4_read_resp_only[] = {
	0x45, 0x00, 0x00, 0x38, 0x6e, 0x04, 0x40, 0x00,
	0x40, 0x11, 0xb8, 0xac, 0x0a, 0x01, 0x00, 0x02,
	0x0a, 0x01, 0x00, 0x01, 0xc1, 0xb9, 0x12, 0xb7,
	0x00, 0x24, 0x00, 0x00, 0x10, 0x00, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x15, 0x00, 0xbe, 0x91, 0xf4,
	0x1f, 0x00, 0x00, 0x01, 0x17, 0x44, 0xb4, 0x8c,
	0xb1, 0x4a, 0xf7, 0xf6, 0xe4, 0x88, 0x8f, 0xc7,
};

static const uint8_t v4_fetch_add[] = {
	0x45, 0x00, 0x00, 0x48, 0x2d, 0x1a, 0x40, 0x00,
	0x40, 0x11, 0xf9, 0x86, 0x0a, 0x01, 0x00, 0x01,
	0x0a, 0x01, 0x00, 0x02, 0xc1, 0xe4, 0x12, 0xb7,
	0x00, 0x34, 0x00, 0x00, 0x14, 0x00, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x16, 0x80, 0x32, 0xdc, 0x5b,
	0x00, 0x00, 0x56, 0x41, 0x84, 0xa8, 0xd0, 0x00,
	0x00, 0x00, 0x07, 0xd1, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xb2, 0xaa, 0x5e, 0xb7,
};

static const uint8_t v4_atomic_ack[] = {
	0x45, 0x00, 0x00, 0x38, 0x6f, 0xf9, 0x40, 0x00,
	0x40, 0x11, 0xb6, 0xb7, 0x0a, 0x01, 0x00, 0x02,
	0x0a, 0x01, 0x00, 0x01, 0xc1, 0xe4, 0x12, 0xb7,
	0x00, 0x24, 0x00, 0x00, 0x12, 0x00, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x16, 0x00, 0x32, 0xdc, 0x5b,
	0x1f, 0x00, 0x00, 0x01, 0xfa, 0x7e, 0x9d, 0x22,
	0x7e, 0x53, 0xce, 0xd8, 0xb9, 0x11, 0x70, 0xd1,
};

static const struct {
	const char *name;
	const uint8_t *p;
	size_t len;
} vecs[] = {
#define VEC(v) { #v, v, sizeof(v) }
	VEC(v4_send_only), VEC(v4_ack), VEC(v6_send_only), VEC(v6_ack),
	VEC(v4_ud_send_only), VEC(v4_write_only), VEC(v4_read_req),
	VEC(v4_read_resp_only), VEC(v4_fetch_add), VEC(v4_atomic_ack),
#undef VEC
};

static unsigned int st_fail;

static void st_check(bool ok, const char *what, const char *name)
{
	if (!ok) {
		printf("not ok - selftest %s: %s\n", what, name);
		st_fail++;
	}
}

/* Bytes the ICRC treats as ones, for the vector at @p. */
static bool masked(const uint8_t *p, size_t off)
{
	size_t il = ip_hlen(p);

	if ((p[0] >> 4) == 4) {
		if (off == 1 || off == 8 || off == 10 || off == 11)
			return true;
	} else if (off <= 3 || off == 7) {
		return true;	/* class, flow label, hop limit */
	}
	return off == il + 6 || off == il + 7 || off == il + 8 + 4;
}

static int selftest(void)
{
	static uint8_t buf[2048];
	struct target saved[MAX_TARGETS];
	uint64_t h1 = 0, h2 = 0;
	unsigned int i, bit, k, nvec = ARRAY_SIZE(vecs);
	size_t off, n;
	struct pkt *p = malloc(sizeof(*p));
	struct bld b;
	struct seq s;

	if (!p)
		return 1;
	for (i = 0; i < nvec; i++) {
		n = vecs[i].len - ICRC_LEN;
		st_check(icrc(vecs[i].p, n) == getle32(vecs[i].p + n),
			 "icrc", vecs[i].name);
		memcpy(buf, vecs[i].p, vecs[i].len);
		/* Every bit outside the masked fields changes the ICRC. */
		for (off = 0; off < n; off++) {
			for (bit = 0; bit < 8; bit++) {
				if (off == 0 && bit >= 4)
					continue;	/* the version */
				buf[off] ^= 1u << bit;
				st_check((icrc(buf, n) == getle32(vecs[i].p + n)) ==
					 masked(vecs[i].p, off), "mask",
					 vecs[i].name);
				buf[off] ^= 1u << bit;
			}
		}
		/* srx's checks pass (the QPN is unknown here). */
		ntg = 0;
		st_check(predict(vecs[i].p, vecs[i].len).v == V_UNKNOWN_QP ||
			 (vecs[i].p[0] >> 4) == 6, "parse", vecs[i].name);
	}

	/* The builder writes rxe's ACK, ICRC and all ... */
	memset(&net, 0, sizeof(net));
	net.link_mtu = 1500;
	inet_pton(AF_INET, "10.1.0.2", &net.src);
	inet_pton(AF_INET, "10.1.0.1", &net.dst);
	net.ip_id = 0x648c;
	rnd_seed(1);
	pool_fill();
	bld_init(&b, NULL, OP_ACK);
	b.qpn = 0x11;
	b.psn = 0x5ecd39;
	b.ack_req = false;
	b.se = false;
	b.syn = 0x1f;
	b.msn = 1;
	build(p, &b);
	p->buf[20] = 0xc1;	/* source port: ours follows the QPN */
	p->buf[21] = 0x21;
	memcpy(p->buf + 10, v4_ack + 10, 2);	/* the kernel's checksum */
	putle32(p->buf + p->len - ICRC_LEN, icrc(p->buf, p->len - ICRC_LEN));
	st_check(p->len == sizeof(v4_ack) && !memcmp(p->buf, v4_ack, p->len),
		 "build", "v4_ack");

	/* ... and rxe's UD send, DETH and payload and all. */
	net.ip_id = 0x1983;
	inet_pton(AF_INET, "10.1.0.1", &net.src);
	inet_pton(AF_INET, "10.1.0.2", &net.dst);
	bld_init(&b, NULL, OP_UD_SEND);
	b.qpn = 0x13;
	b.psn = 0xc364f5;
	b.ack_req = false;
	b.se = false;
	b.qkey = 0x11111111;
	b.sqp = 0x13;
	b.paylen = 32;
	build(p, &b);
	memset(p->buf + 48, 0x7b, 32);
	p->buf[20] = 0xd0;
	p->buf[21] = 0x78;
	memcpy(p->buf + 10, v4_ud_send_only + 10, 2);
	putle32(p->buf + p->len - ICRC_LEN, icrc(p->buf, p->len - ICRC_LEN));
	st_check(p->len == sizeof(v4_ud_send_only) &&
		 !memcmp(p->buf, v4_ud_send_only, p->len), "build", "v4_ud");

	/* Verdicts of hand-made packets against a made-up QP table. */
	ntg = 0;
	memset(tg, 0, sizeof(tg));
	tg[0] = (struct target){ .name = "rc", .qpn = 0x20, .type = Q_RC,
		.state = S_RTS, .rq_psn = 0xfffffe, .epsn = 0xfffffe,
		.sq_psn = 5, .rkey = 0x1234, .va = 0x10000, .len = 16384,
		.mtu = 1024 };
	tg[1] = (struct target){ .name = "reset", .qpn = 0x21, .type = Q_RC,
		.state = S_RESET, .fixed = true, .mtu = 1024 };
	tg[2] = (struct target){ .name = "ud", .qpn = 0x22, .type = Q_UD,
		.state = S_RTS, .fixed = true, .qkey = 7, .mtu = 1024 };
	tg[3] = (struct target){ .name = "err", .qpn = 0x23, .type = Q_RC,
		.state = S_ERR, .fixed = true, .mtu = 1024 };
	ntg = 4;
	add_gsi();
	bld_init(&b, &tg[0], OP_SEND_ONLY);
	b.paylen = 5;
	build(p, &b);
	st_check(p->pred.v == V_QP && !p->pred.exact, "verdict", "send");
	b.pad = 0;
	build(p, &b);
	st_check(p->pred.v == V_MALFORMED, "verdict", "pad 0, 5 bytes");
	b.pad = -1;
	b.icrc = IC_BAD;
	build(p, &b);
	st_check(p->pred.v == V_BAD_ICRC, "verdict", "bad icrc");
	b.icrc = IC_GOOD;
	b.pkey = 0x8000;
	build(p, &b);
	st_check(p->pred.v == V_PKEY, "verdict", "pkey");
	b.pkey = 0xffff;
	b.qpn = 0x30;
	build(p, &b);
	st_check(p->pred.v == V_UNKNOWN_QP, "verdict", "unknown");
	b.qpn = 0x21;
	build(p, &b);
	st_check(p->pred.v == V_BAD_STATE && p->pred.exact, "verdict",
		 "reset");
	b.qpn = 0x22;
	build(p, &b);
	st_check(p->pred.v == V_TYPE && p->pred.exact, "verdict", "type");
	b.qpn = 0x23;
	build(p, &b);
	st_check(p->pred.v == V_BAD_STATE && p->pred.exact, "verdict", "err");
	bld_init(&b, &tg[2], OP_UD_SEND);
	b.qkey = 8;
	build(p, &b);
	st_check(p->pred.v == V_QKEY && p->pred.exact, "verdict", "qkey");
	b.qkey = 7;
	b.body_len = BTH_LEN + 3;
	build(p, &b);
	st_check(p->pred.v == V_MALFORMED, "verdict", "cut deth");
	bld_init(&b, &tg[0], OP_READ_REQ);
	b.paylen = 4;
	build(p, &b);
	st_check(p->pred.v == V_MALFORMED, "verdict", "read with payload");
	bld_init(&b, &tg[0], 0x15);
	build(p, &b);
	st_check(p->pred.v == V_MALFORMED, "verdict", "reserved opcode");
	bld_init(&b, &tg[0], OP_ACK);
	b.syn = 0x45;
	build(p, &b);
	st_check(p->pred.v == V_QP && p->pred.resv_aeth, "verdict",
		 "reserved syndrome");
	bld_init(&b, &tg[0], OP_SEND_ONLY);
	b.icrc = IC_CUT;
	b.cut = 10;
	build(p, &b);
	st_check(p->len == 20 + 8 + 10 && p->pred.v == V_MALFORMED,
		 "verdict", "cut in BTH");

	/* A seed gives the same packets, whatever ran before. */
	memcpy(saved, tg, sizeof(tg));
	cls_init();
	for (k = 0; k < 2; k++) {
		uint64_t *h = k ? &h2 : &h1;

		memcpy(tg, saved, sizeof(tg));
		rnd_seed(42);
		pool_fill();
		net.ip_id = 0;
		for (i = 0; i < 2000; i++) {
			unsigned int j;

			gen(&s);
			for (j = 0; j < s.n; j++) {
				build(p, &s.b[j]);
				*h = (*h ^ crc_update(~0u, p->buf, p->len)) *
				     0x100000001b3ull;
				st_check(p->len <= net.link_mtu && p->len >= 28,
					 "length", cls_info[s.cls].name);
			}
		}
		if (!k)
			rnd_seed(7);	/* disturb */
	}
	st_check(h1 == h2, "seed", "2000 generations");

	free(p);
	printf("%s - pktfuzz selftest (%u vectors, %u failures)\n",
	       st_fail ? "not ok" : "ok", nvec, st_fail);
	return st_fail ? 1 : 0;
}

/* ------------------------------------------------------------ main */

/* Only addresses that cannot leave a test machine's private networks. */
static bool private_addr(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	return (h >> 24) == 10 || (h >> 24) == 127 ||
	       (h >> 20) == (172u << 4 | 1) || (h >> 16) == (192u << 8 | 168);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: pktfuzz --selftest\n"
		"       pktfuzz --src A --dst B --targets FILE [--seed S] [--count N]\n"
		"               [--seconds T] [--mtu M] [--start K] [--batch N] [--jobs N]\n"
		"               [--classes C,...] [--feedback FILE] [--trace] [--dry-run]\n"
		"       pktfuzz --src A --dst B --one OPCODE --qpn Q --psn P [--len L]\n"
		"               [--rkey R] [--va V] [--dlen D] [--qkey K] [--sqp Q]\n"
		"               [--syn S] [--msn M] [--pkey P] [--pad N] [--tver T]\n"
		"               [--cut N] [--bad-icrc] [--repeat N] [--targets FILE]\n"
		"       pktfuzz --src A --dst B --packets FILE [--targets FILE]\n");
	return 2;
}

enum {
	O_SRC = 256, O_DST, O_TARGETS, O_SEED, O_COUNT, O_SECONDS, O_MTU,
	O_START, O_BATCH, O_TRACE, O_SELFTEST, O_ONE, O_QPN, O_PSN, O_LEN,
	O_RKEY, O_VA, O_DLEN, O_QKEY, O_SQP, O_SYN, O_MSN, O_PKEY, O_PAD,
	O_TVER, O_CUT, O_BADICRC, O_REPEAT, O_DRYRUN, O_JOBS, O_CLASSES,
	O_PACKETS, O_FEEDBACK,
};

static const struct option lopts[] = {
	{ "src", required_argument, NULL, O_SRC },
	{ "dst", required_argument, NULL, O_DST },
	{ "targets", required_argument, NULL, O_TARGETS },
	{ "seed", required_argument, NULL, O_SEED },
	{ "count", required_argument, NULL, O_COUNT },
	{ "seconds", required_argument, NULL, O_SECONDS },
	{ "mtu", required_argument, NULL, O_MTU },
	{ "start", required_argument, NULL, O_START },
	{ "batch", required_argument, NULL, O_BATCH },
	{ "trace", no_argument, NULL, O_TRACE },
	{ "selftest", no_argument, NULL, O_SELFTEST },
	{ "one", required_argument, NULL, O_ONE },
	{ "qpn", required_argument, NULL, O_QPN },
	{ "psn", required_argument, NULL, O_PSN },
	{ "len", required_argument, NULL, O_LEN },
	{ "rkey", required_argument, NULL, O_RKEY },
	{ "va", required_argument, NULL, O_VA },
	{ "dlen", required_argument, NULL, O_DLEN },
	{ "qkey", required_argument, NULL, O_QKEY },
	{ "sqp", required_argument, NULL, O_SQP },
	{ "syn", required_argument, NULL, O_SYN },
	{ "msn", required_argument, NULL, O_MSN },
	{ "pkey", required_argument, NULL, O_PKEY },
	{ "pad", required_argument, NULL, O_PAD },
	{ "tver", required_argument, NULL, O_TVER },
	{ "cut", required_argument, NULL, O_CUT },
	{ "bad-icrc", no_argument, NULL, O_BADICRC },
	{ "repeat", required_argument, NULL, O_REPEAT },
	{ "dry-run", no_argument, NULL, O_DRYRUN },
	{ "jobs", required_argument, NULL, O_JOBS },
	{ "classes", required_argument, NULL, O_CLASSES },
	{ "packets", required_argument, NULL, O_PACKETS },
	{ "feedback", required_argument, NULL, O_FEEDBACK },
	{ "help", no_argument, NULL, 'h' },
	{}
};

int main(int argc, char **argv)
{
	struct fuzz_opts fo = { .count = 100000, .batch = 64, .jobs = 1 };
	const char *src = NULL, *dst = NULL, *targets = NULL, *pkts = NULL;
	unsigned long long v;
	bool selftest_mode = false, one_mode = false, have_seed = false;
	unsigned int repeat = 1;
	struct bld ob;
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	crc_init();
	cls_init();
	net.link_mtu = 1500;
	bld_init(&ob, NULL, 0);
	ob.ack_req = false;
	ob.se = false;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		if (c == O_TRACE) {
			trace = true;
			continue;
		}
		if (c == O_SELFTEST) {
			selftest_mode = true;
			continue;
		}
		if (c == O_DRYRUN) {
			dry_run = true;
			continue;
		}
		if (c == O_BADICRC) {
			ob.icrc = IC_BAD;
			continue;
		}
		if (c == O_SRC || c == O_DST || c == O_TARGETS ||
		    c == O_PACKETS) {
			if (c == O_SRC)
				src = optarg;
			else if (c == O_DST)
				dst = optarg;
			else if (c == O_TARGETS)
				targets = optarg;
			else
				pkts = optarg;
			continue;
		}
		if (c == O_FEEDBACK) {
			feedback = optarg;
			continue;
		}
		if (c == O_CLASSES) {
			if (cls_select(optarg))
				return 2;
			continue;
		}
		if (c == 'h' || c == '?')
			return usage();
		if (c == O_SECONDS) {
			fo.seconds = atof(optarg);
			continue;
		}
		if (!num(optarg, &v)) {
			fprintf(stderr, "pktfuzz: bad number '%s'\n", optarg);
			return 2;
		}
		switch (c) {
		case O_SEED:
			fo.seed = v;
			have_seed = true;
			break;
		case O_COUNT:
			fo.count = v;
			break;
		case O_MTU:
			if (v < 68 || v > MAX_PKT)
				return usage();
			net.link_mtu = v;
			break;
		case O_START:
			fo.start = v;
			break;
		case O_BATCH:
			if (!v || v > MAX_BATCH)
				return usage();
			fo.batch = v;
			break;
		case O_JOBS:
			if (!v || v > 64)
				return usage();
			fo.jobs = v;
			break;
		case O_ONE:
			one_mode = true;
			ob.opcode = v;
			break;
		case O_QPN:
			ob.qpn = v;
			break;
		case O_PSN:
			ob.psn = v;
			break;
		case O_LEN:
			ob.paylen = v;
			break;
		case O_RKEY:
			ob.rkey = v;
			break;
		case O_VA:
			ob.va = v;
			break;
		case O_DLEN:
			ob.dlen = v;
			break;
		case O_QKEY:
			ob.qkey = v;
			break;
		case O_SQP:
			ob.sqp = v;
			break;
		case O_SYN:
			ob.syn = v;
			break;
		case O_MSN:
			ob.msn = v;
			break;
		case O_PKEY:
			ob.pkey = v;
			break;
		case O_PAD:
			ob.pad = v;
			break;
		case O_TVER:
			ob.tver = v;
			break;
		case O_CUT:
			ob.icrc = IC_CUT;
			ob.cut = v;
			break;
		case O_REPEAT:
			repeat = v;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc)
		return usage();
	if (selftest_mode)
		return selftest();

	if (!src || !dst || inet_pton(AF_INET, src, &net.src) != 1 ||
	    inet_pton(AF_INET, dst, &net.dst) != 1)
		return usage();
	if (!private_addr(net.dst)) {
		fprintf(stderr, "pktfuzz: %s is not a private address\n", dst);
		return 2;
	}
	if (!have_seed)
		fo.seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 16;
	net.ip_id = (uint16_t)(fo.seed * 2654435761u);
	if (!dry_run && open_sock())
		return 1;
	if (one_mode || pkts) {
		/* With --targets, the verdict knows the QPs. */
		if (!targets)
			add_gsi();
		else if (load_targets(targets))
			return 2;
		if (pkts)
			return packets(pkts);
		rnd_seed(fo.seed);
		pool_fill();
		if (ob.paylen > MAX_PKT)
			return usage();
		ob.qkey = ob.qkey ? ob.qkey : (ob.qpn == 1 ? GSI_QKEY : 0);
		return one(&ob, repeat);
	}
	if (!targets || load_targets(targets))
		return usage();
	return fuzz(&fo);
}
