/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * The queue rings librxe shares with the kernel (rdma_rxe's ABI, which
 * srx speaks), found in the process's mappings of the uverbs device:
 * for tests that write what librxe would not (verbs_fuzz's scribbles,
 * data_test's FLUSH WQEs, which rdma-core 44 cannot post).
 */
#ifndef SRX_TESTS_RINGLIB_H
#define SRX_TESTS_RINGLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <rdma/rdma_user_rxe.h>

/* The ring header librxe and srx share (struct rxe_queue_buf). */
#define RING_PROD	32	/* u32 index of producer_index */
#define RING_CONS	64	/* u32 index of consumer_index */
#define RING_DATA	384	/* byte offset of the entries */
_Static_assert(offsetof(struct rxe_queue_buf, producer_index) == RING_PROD * 4,
	       "producer_index offset");
_Static_assert(offsetof(struct rxe_queue_buf, consumer_index) == RING_CONS * 4,
	       "consumer_index offset");
_Static_assert(offsetof(struct rxe_queue_buf, data) == RING_DATA,
	       "ring data offset");

/* One mapping of /dev/infiniband/uverbs*: a queue ring, perhaps. */
struct ring {
	unsigned long start, end, off;
};

struct mapset {
	int n;
	struct ring r[160];
};

static inline void maps_read(struct mapset *m)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	struct ring r;

	m->n = 0;
	if (!f)
		return;
	while (m->n < (int)(sizeof(m->r) / sizeof(m->r[0])) &&
	       fgets(line, sizeof(line), f)) {
		if (!strstr(line, "/dev/infiniband/uverbs"))
			continue;
		if (sscanf(line, "%lx-%lx %*s %lx", &r.start, &r.end, &r.off) == 3)
			m->r[m->n++] = r;
	}
	fclose(f);
}

static inline bool maps_has(const struct mapset *m, const struct ring *r)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (m->r[i].start == r->start && m->r[i].end == r->end &&
		    m->r[i].off == r->off)
			return true;
	return false;
}

/* The mappings in @after and not in @before (at most @max). */
static inline int maps_new(const struct mapset *before, const struct mapset *after,
		    struct ring *out, int max)
{
	int i, n = 0;

	for (i = 0; i < after->n && n < max; i++)
		if (!maps_has(before, &after->r[i]))
			out[n++] = after->r[i];
	return n;
}

static inline volatile uint32_t *hdr_of(const struct ring *r)
{
	return (volatile uint32_t *)r->start;
}

/*
 * Does the header of a ring the kernel just set up describe a queue
 * that fits its mapping? (librxe trusts it.)
 */
static inline bool ring_sane(const struct ring *r)
{
	volatile uint32_t *h = hdr_of(r);
	uint32_t log2 = h[0], mask = h[1];

	if (r->end - r->start < RING_DATA + 64 || log2 < 4 || log2 > 16 ||
	    (mask & (mask + 1)) || mask > (1u << 24))
		return false;
	return RING_DATA + ((uint64_t)(mask + 1) << log2) <= r->end - r->start;
}

/* Entry @idx of a ring with a sane header, or NULL. */
static inline uint8_t *ring_slot(const struct ring *r, uint32_t idx, uint32_t *size)
{
	volatile uint32_t *h = hdr_of(r);
	uint32_t log2 = h[0], mask = h[1];
	uint64_t off;

	if (log2 > 16)
		return NULL;
	off = RING_DATA + ((uint64_t)(idx & mask) << log2);
	if (off + (1u << log2) > r->end - r->start)
		return NULL;
	*size = 1u << log2;
	return (uint8_t *)r->start + off;
}

#endif /* SRX_TESTS_RINGLIB_H */
