// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx_evwatch - hold an open verbs context on a device and report its
 * asynchronous events.
 *
 * Usage: srx_evwatch DEVICE [COUNT]
 *
 * Opens DEVICE through stock libibverbs (librxe), allocates a PD, checks
 * the port can be queried, prints "ready" and then one line per async
 * event ("event PORT_ERR port 1"). Exits 0 after COUNT events other
 * than GID_CHANGE (whose number depends on address timing), or on
 * DEVICE_FATAL, which ends the context. Any verbs failure exits 1.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/verbs.h>

#include "testlib.h"

static const char *event_name(enum ibv_event_type t)
{
	switch (t) {
	case IBV_EVENT_PORT_ACTIVE:	return "PORT_ACTIVE";
	case IBV_EVENT_PORT_ERR:	return "PORT_ERR";
	case IBV_EVENT_DEVICE_FATAL:	return "DEVICE_FATAL";
	case IBV_EVENT_GID_CHANGE:	return "GID_CHANGE";
	case IBV_EVENT_LID_CHANGE:	return "LID_CHANGE";
	case IBV_EVENT_PKEY_CHANGE:	return "PKEY_CHANGE";
	case IBV_EVENT_SRQ_LIMIT_REACHED: return "SRQ_LIMIT_REACHED";
	default:			return "OTHER";
	}
}

int main(int argc, char **argv)
{
	struct ibv_async_event ev;
	struct ibv_port_attr pattr;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	long count, seen = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DEVICE [COUNT]\n", argv[0]);
		return 2;
	}
	count = argc > 2 ? strtol(argv[2], NULL, 0) : -1;

	ctx = open_dev(argv[1]);
	if (!ctx) {
		perror("ibv_open_device");
		return 1;
	}
	pd = ibv_alloc_pd(ctx);
	if (!pd) {
		perror("ibv_alloc_pd");
		return 1;
	}
	if (ibv_query_port(ctx, 1, &pattr)) {
		perror("ibv_query_port");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	while (count < 0 || seen < count) {
		if (ibv_get_async_event(ctx, &ev)) {
			perror("ibv_get_async_event");
			return 1;
		}
		printf("event %s port %d\n", event_name(ev.event_type),
		       ev.element.port_num);
		fflush(stdout);
		ibv_ack_async_event(&ev);
		if (ev.event_type != IBV_EVENT_GID_CHANGE)
			seen++;
		if (ev.event_type == IBV_EVENT_DEVICE_FATAL)
			break;
	}
	/* After DEVICE_FATAL the objects are gone; release our handles. */
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	return 0;
}
