// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: the tracepoints of srx_trace.h are defined here.
 *
 * Copyright (c) 2026 The srx authors.
 */

#define CREATE_TRACE_POINTS
#include "srx_trace.h"
