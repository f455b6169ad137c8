// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: module init/exit, "rdma link" ops, netdev events, device lifetime.
 *
 * Device lifetime. srx registers with driver_id RDMA_DRIVER_RXE so that
 * stock librxe binds it, hence it must never call ib_unregister_driver():
 * that would also remove rdma_rxe's devices. Instead srx keeps its own
 * list, and the list holds a device reference on each entry. Any path may
 * unregister a device (rdma link delete, netdev unregister, rdma_rxe's
 * module exit, srx_exit()); srx_dealloc_driver() only marks it dead.
 * Entries are reaped by srx_reap(), which first calls
 * ib_unregister_device(): that serialises on the core's unregistration
 * lock, so on return dealloc_driver has finished for that device, whoever
 * started the unregistration. This is the fence that makes rmmod safe.
 *
 * Sharing rdma_rxe's driver id has one more consequence: rdma_rxe's own
 * netdev notifier looks up devices with ib_device_get_by_netdev(ndev,
 * RDMA_DRIVER_RXE) and treats what it finds as a struct rxe_dev, writing
 * into it. So srx never enters the core's netdev table
 * (ib_device_set_netdev()); it reports its netdev through the get_netdev
 * op instead, holds its own netdev reference, and finds its devices by
 * netdev on its own list.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/module.h>
#include <rdma/rdma_netlink.h>
#include <rdma/srx.h>

#include "srx.h"

MODULE_AUTHOR("The srx authors");
MODULE_DESCRIPTION("Soft RoCEv2 provider with SRQ governance");
MODULE_LICENSE("Dual BSD/GPL");
MODULE_ALIAS_RDMA_LINK("srx");
MODULE_VERSION(SRX_VERSION);

/* Serialises newlink so two adds cannot bind one netdev. */
static DEFINE_MUTEX(srx_add_lock);

static void srx_dealloc_driver(struct ib_device *ibdev)
{
	struct srx_dev *sdev = to_sdev(ibdev);

	srx_govstat_del(sdev);
	if (sdev->sock)
		srx_sock_put(sdev->sock);
	sdev->sock = NULL;
	srx_dev_tables_destroy(sdev);
	srx_gov_notify_fini(sdev);
	srx_mcast_fini(sdev);
	netdev_put(sdev->ndev, &sdev->ndev_tracker);
	WRITE_ONCE(sdev->dead, true);
}

/* Unregister and release list entries: dead ones, or all of them. */
static void srx_reap(bool all)
{
	struct srx_dev *sdev, *tmp;
	LIST_HEAD(victims);

	srx_net_devs_take(&victims, all);

	list_for_each_entry_safe(sdev, tmp, &victims, list) {
		list_del(&sdev->list);
		ib_unregister_device(&sdev->ibdev);
		put_device(&sdev->ibdev.dev);
	}
}

static const struct ib_device_ops srx_lifetime_ops = {
	.dealloc_driver = srx_dealloc_driver,
};

static void srx_init_ibdev(struct srx_dev *sdev, struct net_device *ndev)
{
	struct ib_device *ibdev = &sdev->ibdev;

	INIT_LIST_HEAD(&sdev->list);
	sdev->ndev = ndev;
	netdev_hold(ndev, &sdev->ndev_tracker, GFP_KERNEL);
	srx_dev_tables_init(sdev);
	sdev->last_state = srx_port_state(sdev);

	strscpy(ibdev->node_desc, "srx", sizeof(ibdev->node_desc));
	ibdev->node_type = RDMA_NODE_IB_CA;
	ibdev->phys_port_cnt = 1;
	ibdev->num_comp_vectors = num_possible_cpus();
	ibdev->local_dma_lkey = 0;
	ibdev->node_guid = srx_mac_to_guid(ndev->dev_addr);
	/* librxe arms CQs and rings the SQ doorbell through these. */
	ibdev->uverbs_cmd_mask |= BIT_ULL(IB_USER_VERBS_CMD_REQ_NOTIFY_CQ) |
				  BIT_ULL(IB_USER_VERBS_CMD_POST_SEND);

	spin_lock_init(&sdev->mw_lock);
	srx_mcast_init(sdev);
	srx_gov_notify_init(sdev);
	srx_gov_defaults_init(&sdev->gov);
	srx_gov_defaults_apply(&sdev->gov);
	ib_set_device_ops(ibdev, &srx_dev_ops);
	ib_set_device_ops(ibdev, &srx_stats_ops);
	ib_set_device_ops(ibdev, &srx_gov_ops);
	ib_set_device_ops(ibdev, &srx_govnl_ops);
	ib_set_device_ops(ibdev, &srx_lifetime_ops);
	/* Governance methods on the command fd (srx-abi.h). */
	ibdev->driver_def = srx_uapi_defs;
}

/* Is @ndev already the lower device of an srx or rdma_rxe device? */
static bool srx_netdev_bound(struct net_device *ndev)
{
	struct ib_device *ibdev;
	struct srx_dev *sdev;

	sdev = srx_get_by_netdev(ndev);
	if (sdev) {
		ib_device_put(&sdev->ibdev);
		return true;
	}
	ibdev = ib_device_get_by_netdev(ndev, RDMA_DRIVER_RXE);
	if (ibdev)
		ib_device_put(ibdev);
	return ibdev;
}

static int srx_check_newlink(const char *name, struct net_device *ndev)
{
	struct ib_device *other;
	int err;

	err = srx_check_name(name);
	if (err) {
		pr_err("srx: invalid device name '%s'\n", name);
		return err;
	}
	err = srx_check_netdev(ndev);
	if (err) {
		pr_err("srx: %s: not an Ethernet device with a unicast MAC\n",
		       netdev_name(ndev));
		return err;
	}
	if (srx_netdev_bound(ndev)) {
		pr_err("srx: %s is already bound to an RDMA device\n",
		       netdev_name(ndev));
		return -EEXIST;
	}
	other = ib_device_get_by_name(name, RDMA_DRIVER_UNKNOWN);
	if (other) {
		ib_device_put(other);
		pr_err("srx: RDMA device %s already exists\n", name);
		return -EEXIST;
	}
	return 0;
}

static int srx_add(const char *name, struct net_device *ndev)
{
	struct srx_dev *sdev;
	int err;

	srx_reap(false);
	err = srx_check_newlink(name, ndev);
	if (err)
		return err;

	sdev = ib_alloc_device(srx_dev, ibdev);
	if (!sdev)
		return -ENOMEM;
	srx_init_ibdev(sdev, ndev);
	srx_govstat_add(sdev, name);

	sdev->sock = srx_sock_get(dev_net(ndev));
	if (IS_ERR(sdev->sock)) {
		err = PTR_ERR(sdev->sock);
		sdev->sock = NULL;
		goto err_dealloc;
	}

	/* The list's reference keeps sdev valid until srx_reap(). */
	get_device(&sdev->ibdev.dev);
	srx_net_dev_add(sdev);

	err = ib_register_device(&sdev->ibdev, name, NULL);
	if (err) {
		pr_err("srx: registering %s failed: %d\n", name, err);
		goto err_dealloc;
	}
	pr_info("srx: added %s on %s\n", name, netdev_name(ndev));
	return 0;

err_dealloc:
	ib_dealloc_device(&sdev->ibdev);
	return err;
}

static int srx_newlink(const char *name, struct net_device *ndev)
{
	int err;

	mutex_lock(&srx_add_lock);
	err = srx_add(name, ndev);
	mutex_unlock(&srx_add_lock);
	return err;
}

static struct rdma_link_ops srx_link_ops = {
	.type = SRX_DRV_NAME,
	.newlink = srx_newlink,
};

static int srx_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *arg)
{
	struct net_device *ndev = netdev_notifier_info_to_dev(arg);
	struct srx_dev *sdev;

	sdev = srx_get_by_netdev(ndev);
	if (!sdev)
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_UNREGISTER:
		ib_unregister_device_queued(&sdev->ibdev);
		break;
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		srx_port_event(sdev);
		break;
	default:
		break;
	}
	ib_device_put(&sdev->ibdev);
	return NOTIFY_OK;
}

static struct notifier_block srx_netdev_nb = {
	.notifier_call = srx_netdev_event,
};

static int __init srx_init(void)
{
	int err;

	/*
	 * Unbound and high priority: an engine kicked from a busy CPU (the
	 * sender of a looped-back packet) runs on an idle one.
	 */
	srx_wq = alloc_workqueue("srx", WQ_UNBOUND | WQ_HIGHPRI | WQ_MEM_RECLAIM,
				 0);
	if (!srx_wq)
		return -ENOMEM;
	srx_gov_init();
	srx_govstat_init();
	err = srx_net_init(srx_rcv);
	if (err)
		goto err_wq;
	err = register_netdevice_notifier(&srx_netdev_nb);
	if (err)
		goto err_net;
	rdma_link_register(&srx_link_ops);
	pr_info("srx: loaded\n");
	return 0;

err_net:
	srx_net_exit();
err_wq:
	srx_govstat_exit();
	destroy_workqueue(srx_wq);
	return err;
}

static void __exit srx_exit(void)
{
	rdma_link_unregister(&srx_link_ops);
	unregister_netdevice_notifier(&srx_netdev_nb);
	srx_reap(true);
	srx_net_exit();
	srx_govstat_exit();
	destroy_workqueue(srx_wq);
	pr_info("srx: unloaded\n");
}

module_init(srx_init);
module_exit(srx_exit);
