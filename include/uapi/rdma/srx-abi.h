/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR Linux-OpenIB) */
/*
 * srx driver-specific user ABI.
 *
 * The verbs themselves use rdma_rxe's ABI (rdma_user_rxe.h) unchanged, so
 * stock librxe drives srx. This header numbers srx's own uverbs objects
 * and methods, reached through the context's command fd.
 *
 * Copyright (c) 2026 The srx authors.
 */

#ifndef SRX_ABI_USER_H
#define SRX_ABI_USER_H

#include <linux/types.h>

/* Bumped on any incompatible change to the methods below. */
#define SRX_ABI_VERSION 1

#endif /* SRX_ABI_USER_H */
