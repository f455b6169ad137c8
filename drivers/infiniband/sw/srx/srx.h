/* SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB */
/*
 * srx: soft RoCEv2 provider with SRQ governance.
 *
 * Copyright (c) 2026 The srx authors.
 */

#ifndef SRX_H
#define SRX_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/refcount.h>
#include <linux/stringify.h>
#include <rdma/ib_verbs.h>

#include "srx_util.h"

#define SRX_DRV_NAME		"srx"
#define SRX_VER_MAJOR		0
#define SRX_VER_MINOR		1
#define SRX_VER_SUB		0
#define SRX_VERSION		__stringify(SRX_VER_MAJOR) "." \
				__stringify(SRX_VER_MINOR) "." \
				__stringify(SRX_VER_SUB)
#define SRX_UDP_PORT		4791

/* rdma_rxe's user ABI version; Debian's librxe checks it. */
#define SRX_UVERBS_ABI_VERSION	2

#define SRX_MAX_PD		0x10000
#define SRX_PKEY_TBL_LEN	1
#define SRX_GID_TBL_LEN		128
#define SRX_VENDOR_ID		0xffffff

struct srx_sock;

struct srx_dev {
	struct ib_device	ibdev;
	struct list_head	list;		/* on srx_devices */
	struct net_device	*ndev;		/* held by ib_device_set_netdev */
	struct srx_sock		*sock;		/* UDP 4791 in ndev's netns */
	atomic_t		num_pd;
	enum ib_port_state	last_state;	/* for PORT_ACTIVE/ERR events */
	bool			dead;		/* dealloc_driver has run */
};

struct srx_ucontext {
	struct ib_ucontext	ibuc;
};

struct srx_pd {
	struct ib_pd		ibpd;
};

/* Placeholders until the verbs control path lands. */
struct srx_cq {
	struct ib_cq		ibcq;
};

struct srx_qp {
	struct ib_qp		ibqp;
};

struct srx_mmap_entry {
	struct rdma_user_mmap_entry	rdma;
	void				*buf;	/* vmalloc_user(), owned */
	size_t				size;
};

static inline struct srx_dev *to_sdev(struct ib_device *ibdev)
{
	return container_of(ibdev, struct srx_dev, ibdev);
}

/* srx_verbs.c */
extern const struct ib_device_ops srx_dev_ops;
enum ib_port_state srx_port_state(struct srx_dev *sdev);
void srx_port_event(struct srx_dev *sdev);

/* srx_queue.c */
struct srx_mmap_entry *srx_mmap_entry_insert(struct ib_ucontext *uctx,
					     void *buf, size_t size,
					     u64 *offset);
int srx_mmap(struct ib_ucontext *uctx, struct vm_area_struct *vma);
void srx_mmap_free(struct rdma_user_mmap_entry *entry);

/* srx_net.c */
struct srx_sock *srx_sock_get(struct net *net);
void srx_sock_put(struct srx_sock *ss);
int srx_net_init(void);
void srx_net_exit(void);
u64 srx_net_rx_dropped(void);

#endif /* SRX_H */
