/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * Helpers shared by the libibverbs test programs under tests/.
 */

#ifndef SRX_TESTLIB_H
#define SRX_TESTLIB_H

#include <string.h>
#include <infiniband/verbs.h>

/* Open the verbs device called @name, or return NULL. */
static inline struct ibv_context *open_dev(const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	int i;

	if (!list)
		return NULL;
	for (i = 0; list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	return ctx;
}

#endif /* SRX_TESTLIB_H */
