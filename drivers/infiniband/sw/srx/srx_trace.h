/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * srx tracepoints: every governance decision (a refusal over a limit,
 * with the RNR timer chosen; a watermark; an out-of-order hold released)
 * for perf, trace-cmd and bpftrace (events/srx/ in tracefs).
 *
 * Copyright (c) 2026 The srx authors.
 */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM srx

#if !defined(_SRX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SRX_TRACE_H

#include <linux/tracepoint.h>

/* A QP over its SRQ limit was refused; @verdict is enum srx_quota_verdict. */
TRACE_EVENT(srx_gov_refuse,
	    TP_PROTO(const char *dev, u32 srqn, u32 qpn, u32 held, u32 limit,
		     u32 streak, int verdict, u8 rnr_timer),
	    TP_ARGS(dev, srqn, qpn, held, limit, streak, verdict, rnr_timer),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(u32, srqn)
			     __field(u32, qpn)
			     __field(u32, held)
			     __field(u32, limit)
			     __field(u32, streak)
			     __field(int, verdict)
			     __field(u8, rnr_timer)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->srqn = srqn;
			   __entry->qpn = qpn;
			   __entry->held = held;
			   __entry->limit = limit;
			   __entry->streak = streak;
			   __entry->verdict = verdict;
			   __entry->rnr_timer = rnr_timer;),
	    TP_printk("%s srq %u qp %u held %u limit %u streak %u %s rnr_timer %u",
		      __get_str(dev), __entry->srqn, __entry->qpn,
		      __entry->held, __entry->limit, __entry->streak,
		      __print_symbolic(__entry->verdict, { 1, "rnr" },
				       { 2, "drop" }, { 3, "disconnect" }),
		      __entry->rnr_timer)
);

/* An SRQ fell below a watermark: the consumer's srq_limit or the admin's. */
TRACE_EVENT(srx_gov_watermark,
	    TP_PROTO(const char *dev, u32 srqn, bool admin, u32 avail,
		     u32 top_qpn, u32 top_held),
	    TP_ARGS(dev, srqn, admin, avail, top_qpn, top_held),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(u32, srqn)
			     __field(bool, admin)
			     __field(u32, avail)
			     __field(u32, top_qpn)
			     __field(u32, top_held)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->srqn = srqn;
			   __entry->admin = admin;
			   __entry->avail = avail;
			   __entry->top_qpn = top_qpn;
			   __entry->top_held = top_held;),
	    TP_printk("%s srq %u %s watermark, %u free; worst qp %u holds %u",
		      __get_str(dev), __entry->srqn,
		      __entry->admin ? "admin" : "srq_limit", __entry->avail,
		      __entry->top_qpn, __entry->top_held)
);

/* A message held ahead of a PSN gap gave its WQE back to the SRQ. */
TRACE_EVENT(srx_ooo_release,
	    TP_PROTO(const char *dev, u32 qpn, u32 psn),
	    TP_ARGS(dev, qpn, psn),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(u32, qpn)
			     __field(u32, psn)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->qpn = qpn;
			   __entry->psn = psn;),
	    TP_printk("%s qp %u psn %u", __get_str(dev), __entry->qpn,
		      __entry->psn)
);

#endif /* _SRX_TRACE_H */

/* Out of tree as in tree: the header is found next to this file. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE srx_trace
#include <trace/define_trace.h>
