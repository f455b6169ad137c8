/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * In-kernel API of the srx soft-RoCE provider for ULPs.
 *
 * srx devices carry driver_id RDMA_DRIVER_RXE (they speak rdma_rxe's user
 * ABI), so a ULP that wants srx-specific services must ask whether a
 * device is really srx first.
 *
 * Copyright (c) 2026 The srx authors.
 */

#ifndef _RDMA_SRX_H
#define _RDMA_SRX_H

#include <linux/types.h>

struct ib_device;

/**
 * srx_is_srx_device - is @ibdev an srx device?
 * @ibdev: any registered ib_device
 */
bool srx_is_srx_device(const struct ib_device *ibdev);

#endif /* _RDMA_SRX_H */
