// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: the governance status table, /sys/kernel/debug/srx/<dev>/gov_status.
 *
 * One record per SRQ: its counters and settings, then a line per
 * attached QP, its groups and the ranking kept at its last watermark.
 * A seq_file walks the SRQ table by number, one SRQ (a reference, then
 * its lock) at a time, so a reader never holds interrupts off for more
 * than one SRQ and the table has no size limit but the objects' own.
 * Each record is consistent; the table as a whole is not a snapshot.
 * Tools that want numbers read `rdma res` (srx_govnl.c); this is the
 * operator's view, root only like the rest of debugfs.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/debugfs.h>
#include <linux/inet.h>
#include <linux/seq_file.h>

#include "srx.h"

static struct dentry *srx_debugfs_root;

/*
 * " peer ADDR dqpn N" for a connected QP, so an operator can name the
 * remote host of an offender.
 */
static void srx_govstat_peer(struct seq_file *m, struct srx_qp *qp)
{
	char peer[INET6_ADDRSTRLEN];

	srx_gov_peer(qp, peer, sizeof(peer));
	if (peer[0])
		seq_printf(m, " peer %s dqpn %u", peer, qp->attr.dest_qp_num);
	seq_putc(m, '\n');
}

static void srx_govstat_qp(struct seq_file *m, const struct srx_quota *sq,
			   struct srx_quota_qp *q)
{
	struct srx_qp *qp = container_of(q, struct srx_qp, quota);
	char tmp[12];

	seq_printf(m,
		   "  qp %u limit %s held %u draws %llu credits %llu rnr %llu drops %llu disconnects %llu policy %s group %u recent_draws %u recent_refused %u ooo_limit %u ooo_holding %u ooo_held %llu ooo_released %llu",
		   q->qpn, srx_limit_str(tmp, q->limit), q->held, q->draws,
		   q->credits, q->rnr, q->drops, q->disconnects,
		   srx_policy_names[q->policy], q->group ? q->group->id : 0,
		   srx_quota_recent_draws(sq, q),
		   srx_quota_recent_refused(sq, q), qp->resp.ooo_limit,
		   qp->resp.nheld, q->ooo_held, q->ooo_released);
	srx_govstat_peer(m, qp);
}

/* One SRQ's record; its lock is held. */
static void srx_govstat_srq(struct seq_file *m, struct srx_srq *srq)
{
	struct srx_quota *sq = &srq->quota;
	struct srx_quota_group *g;
	struct srx_quota_qp *q;
	char tmp[12];
	u32 i;

	seq_printf(m,
		   "srq %u size %u mode %s credit %s qps %u draws %llu credits %llu rnr %llu drops %llu disconnects %llu watermarks %llu overcommit %u floor %u ceiling %s admin_wm %u armed %u admin_events %llu matched %llu unmatched %llu ooo_cap %u ooo_low %u ooo_holding %u ooo_held %llu ooo_released %llu\n",
		   srq->ibsrq.res.id, sq->size, srx_mode_names[sq->mode],
		   srx_credit_names[sq->credit], sq->nqps, sq->draws,
		   sq->credits, sq->rnr, sq->drops, sq->disconnects,
		   sq->watermarks, sq->overcommit, sq->floor,
		   srx_limit_str(tmp, sq->ceiling), sq->admin_wm,
		   sq->admin_armed, sq->admin_events, sq->matched,
		   sq->unmatched, srx_ooo_srq_cap(srq), srx_ooo_low(srq),
		   srq->ooo_held, sq->ooo_held, sq->ooo_released);
	list_for_each_entry(q, &sq->qps, node)
		srx_govstat_qp(m, sq, q);
	list_for_each_entry(g, &sq->groups, node)
		seq_printf(m, "  group %u limit %s held %u members %u\n",
			   g->id, srx_limit_str(tmp, g->limit), g->held,
			   g->members);
	for (i = 0; i < sq->nsnap; i++)
		seq_printf(m,
			   "  watermark %u: qp %u held %u limit %u draws %llu refused %llu\n",
			   i + 1, sq->snap[i].qpn, sq->snap[i].held,
			   sq->snap[i].limit, sq->snap[i].draws,
			   sq->snap[i].dropped);
}

/*
 * The SRQ numbered *@pos or above, with a reference; *@pos becomes its
 * number. At the end *@pos still moves on, as seq_file requires.
 */
static struct srx_srq *srx_govstat_find(struct srx_dev *sdev, loff_t *pos)
{
	unsigned long index = *pos;
	struct srx_srq *srq;

	srq = srx_gov_next(&sdev->srq_tbl.xa, &index,
			   offsetof(struct srx_srq, ref));
	*pos = srq ? index : *pos + 1;
	return srq;
}

static void *srx_govstat_start(struct seq_file *m, loff_t *pos)
{
	struct srx_dev *sdev = m->private;

	/* Counts of QPs crediting at the poll are current first. */
	if (!*pos)
		srx_gov_reap(sdev, NULL);
	return srx_govstat_find(sdev, pos);
}

static void *srx_govstat_next(struct seq_file *m, void *v, loff_t *pos)
{
	srx_srq_put(v);
	++*pos;
	return srx_govstat_find(m->private, pos);
}

static void srx_govstat_stop(struct seq_file *m, void *v)
{
	if (v)
		srx_srq_put(v);
}

static int srx_govstat_show(struct seq_file *m, void *v)
{
	struct srx_srq *srq = v;

	spin_lock_irq(&srq->lock);
	srx_gov_sync(srq);
	srx_govstat_srq(m, srq);
	spin_unlock_irq(&srq->lock);
	return 0;
}

static const struct seq_operations srx_govstat_sops = {
	.start = srx_govstat_start,
	.next = srx_govstat_next,
	.stop = srx_govstat_stop,
	.show = srx_govstat_show,
};
DEFINE_SEQ_ATTRIBUTE(srx_govstat);

/**
 * srx_govstat_add - the device's debugfs directory and status table
 * @sdev: a device whose tables are initialised, before registration
 * @name: its name; a renamed device keeps the directory's
 *
 * debugfs failures are not errors: the device works without the table.
 */
void srx_govstat_add(struct srx_dev *sdev, const char *name)
{
	sdev->dbg = debugfs_create_dir(name, srx_debugfs_root);
	debugfs_create_file("gov_status", 0400, sdev->dbg, sdev,
			    &srx_govstat_fops);
}

/**
 * srx_govstat_del - remove the device's debugfs directory
 * @sdev: the device, before its tables go
 *
 * debugfs waits for readers still inside the file's operations.
 */
void srx_govstat_del(struct srx_dev *sdev)
{
	debugfs_remove(sdev->dbg);
	sdev->dbg = NULL;
}

/** srx_govstat_init - /sys/kernel/debug/srx/, at module load */
void srx_govstat_init(void)
{
	srx_debugfs_root = debugfs_create_dir(SRX_DRV_NAME, NULL);
}

/** srx_govstat_exit - remove /sys/kernel/debug/srx/, at module unload */
void srx_govstat_exit(void)
{
	debugfs_remove(srx_debugfs_root);
}
