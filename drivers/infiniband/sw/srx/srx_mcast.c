// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: UD multicast. A device keeps its groups in a hash by MGID; each
 * group lists the UD QPs attached to it. The first attach of a group
 * joins it on the netdev (IGMP for an IPv4-mapped MGID, MLD otherwise),
 * so that the IP layer accepts its datagrams and loops a copy of our own
 * sends back; the last detach leaves it. A datagram to QPN 0xFFFFFF goes
 * to every QP attached to its destination group, one copy each.
 *
 * Attach and detach take the RTNL (the joins need it) and then the
 * device's mc_lock; the receive path only reads, under RCU. A QP leaves
 * its groups when it is destroyed, before anything of it is freed.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/igmp.h>
#include <linux/jhash.h>
#include <linux/inetdevice.h>
#include <linux/rtnetlink.h>
#include <net/addrconf.h>
#include <net/ipv6.h>
#include <rdma/ib_addr.h>

#include "srx.h"

/* One attachment: QP @qp on group @grp. */
struct srx_mca {
	struct list_head	node;		/* on grp->qps, RCU */
	struct list_head	qp_node;	/* on qp->mc_list, mc_lock */
	struct srx_qp		*qp;
	struct srx_mcg		*grp;
	struct rcu_head		rcu;
};

struct srx_mcg {
	struct hlist_node	node;		/* in sdev->mc_hash, RCU */
	union ib_gid		mgid;
	struct list_head	qps;		/* struct srx_mca, RCU */
	u32			nqps;
	struct rcu_head		rcu;
};

static u32 srx_mcg_hash(const union ib_gid *mgid)
{
	return jhash(mgid->raw, sizeof(mgid->raw), 0);
}

void srx_mcast_init(struct srx_dev *sdev)
{
	mutex_init(&sdev->mc_lock);
	hash_init(sdev->mc_hash);
}

/* Every QP was destroyed before the device, and left its groups. */
void srx_mcast_fini(struct srx_dev *sdev)
{
	mutex_destroy(&sdev->mc_lock);
}

static struct srx_mcg *srx_mcg_find(struct srx_dev *sdev,
				    const union ib_gid *mgid)
{
	struct srx_mcg *grp;

	hash_for_each_possible_rcu(sdev->mc_hash, grp, node,
				   srx_mcg_hash(mgid))
		if (!memcmp(grp->mgid.raw, mgid->raw, sizeof(mgid->raw)))
			return grp;
	return NULL;
}

/* Is @in_dev a member of IPv4 group @addr (RTNL held)? */
static bool srx_ip4_member(struct in_device *in_dev, __be32 addr)
{
	struct ip_mc_list *im;

	for (im = rtnl_dereference(in_dev->mc_list); im;
	     im = rtnl_dereference(im->next_rcu))
		if (im->multiaddr == addr)
			return true;
	return false;
}

/*
 * ip_mc_inc_group() says nothing when it runs out of memory: a join is
 * checked, lest an attach succeed whose datagrams the IP layer drops
 * (and whose leave would drop another user's membership).
 */
static int srx_ip4_join(struct in_device *in_dev, __be32 addr)
{
	ip_mc_inc_group(in_dev, addr);
	return srx_ip4_member(in_dev, addr) ? 0 : -ENOMEM;
}

/*
 * Join or leave @mgid's IP group on the netdev (RTNL held). A netdev
 * without IPv4 or IPv6 (going away) has nothing to leave.
 */
static int srx_mcg_ip(struct srx_dev *sdev, const union ib_gid *mgid,
		      bool join)
{
	const struct in6_addr *a6 = (const struct in6_addr *)mgid->raw;
	struct in_device *in_dev;

	ASSERT_RTNL();
	if (ipv6_addr_v4mapped(a6)) {
		in_dev = __in_dev_get_rtnl(sdev->ndev);
		if (!in_dev)
			return join ? -ENODEV : 0;
		if (join)
			return srx_ip4_join(in_dev, a6->s6_addr32[3]);
		ip_mc_dec_group(in_dev, a6->s6_addr32[3]);
		return 0;
	}
	if (join)
		return ipv6_dev_mc_inc(sdev->ndev, a6);
	ipv6_dev_mc_dec(sdev->ndev, a6);
	return 0;
}

/* A new group for @mgid, joined and published (RTNL, mc_lock held). */
static struct srx_mcg *srx_mcg_add(struct srx_dev *sdev,
				   const union ib_gid *mgid)
{
	struct srx_mcg *grp;
	int err;

	if (sdev->mc_groups >= SRX_MAX_MCAST_GRP)
		return ERR_PTR(-ENOMEM);
	grp = kzalloc(sizeof(*grp), GFP_KERNEL_ACCOUNT);
	if (!grp)
		return ERR_PTR(-ENOMEM);
	grp->mgid = *mgid;
	INIT_LIST_HEAD(&grp->qps);
	err = srx_mcg_ip(sdev, mgid, true);
	if (err) {
		kfree(grp);
		return ERR_PTR(err);
	}
	hash_add_rcu(sdev->mc_hash, &grp->node, srx_mcg_hash(mgid));
	sdev->mc_groups++;
	return grp;
}

/* @mca leaves its group, and an empty group goes (RTNL, mc_lock held). */
static void srx_mca_del(struct srx_dev *sdev, struct srx_mca *mca)
{
	struct srx_mcg *grp = mca->grp;

	list_del_rcu(&mca->node);
	list_del(&mca->qp_node);
	kfree_rcu(mca, rcu);
	sdev->mc_attached--;
	if (--grp->nqps)
		return;
	hash_del_rcu(&grp->node);
	sdev->mc_groups--;
	srx_mcg_ip(sdev, &grp->mgid, false);
	kfree_rcu(grp, rcu);
}

static struct srx_mca *srx_mca_find(struct srx_qp *qp,
				    const union ib_gid *mgid)
{
	struct srx_mca *mca;

	list_for_each_entry(mca, &qp->mc_list, qp_node)
		if (!memcmp(mca->grp->mgid.raw, mgid->raw, sizeof(mgid->raw)))
			return mca;
	return NULL;
}

/* Only UD QPs, and only to a multicast MGID (224/4 mapped, ff00::/8). */
static int srx_mcast_check(struct ib_qp *ibqp, const union ib_gid *mgid)
{
	struct in6_addr a;

	memcpy(&a, mgid->raw, sizeof(a));
	if (ibqp->qp_type != IB_QPT_UD || !rdma_is_multicast_addr(&a))
		return -EINVAL;
	return 0;
}

static int srx_mcast_attach_locked(struct srx_dev *sdev, struct srx_qp *qp,
				   const union ib_gid *mgid)
{
	struct srx_mcg *grp;
	struct srx_mca *mca;

	if (srx_mca_find(qp, mgid))
		return 0;		/* attached already: as rdma_rxe */
	if (sdev->mc_attached >= SRX_MAX_TOT_MCAST_QP_ATTACH)
		return -ENOMEM;
	grp = srx_mcg_find(sdev, mgid);
	if (grp && grp->nqps >= SRX_MAX_MCAST_QP_ATTACH)
		return -ENOMEM;
	mca = kzalloc(sizeof(*mca), GFP_KERNEL_ACCOUNT);
	if (!mca)
		return -ENOMEM;
	if (!grp) {
		grp = srx_mcg_add(sdev, mgid);
		if (IS_ERR(grp)) {
			kfree(mca);
			return PTR_ERR(grp);
		}
	}
	mca->qp = qp;
	mca->grp = grp;
	list_add(&mca->qp_node, &qp->mc_list);
	grp->nqps++;
	sdev->mc_attached++;
	list_add_tail_rcu(&mca->node, &grp->qps);
	return 0;
}

/**
 * srx_attach_mcast - attach a UD QP to a multicast group
 * @ibqp: the QP
 * @mgid: the group
 * @mlid: ignored (RoCE has no LIDs)
 *
 * Context: process context; takes the RTNL.
 * Return: 0 (also when attached already), -EINVAL for another QP type
 * or a unicast GID, -ENOMEM over a limit, or the join's error.
 */
int srx_attach_mcast(struct ib_qp *ibqp, union ib_gid *mgid, u16 mlid)
{
	struct srx_dev *sdev = to_sdev(ibqp->device);
	int err;

	err = srx_mcast_check(ibqp, mgid);
	if (err)
		return err;
	rtnl_lock();
	mutex_lock(&sdev->mc_lock);
	err = srx_mcast_attach_locked(sdev, to_sqp(ibqp), mgid);
	mutex_unlock(&sdev->mc_lock);
	rtnl_unlock();
	return err;
}

/**
 * srx_detach_mcast - detach a UD QP from a multicast group
 * @ibqp: the QP
 * @mgid: the group
 * @mlid: ignored
 *
 * Context: process context; takes the RTNL.
 * Return: 0, or -EINVAL if the QP is not attached to @mgid.
 */
int srx_detach_mcast(struct ib_qp *ibqp, union ib_gid *mgid, u16 mlid)
{
	struct srx_dev *sdev = to_sdev(ibqp->device);
	struct srx_mca *mca;
	int err = -EINVAL;

	rtnl_lock();
	mutex_lock(&sdev->mc_lock);
	mca = srx_mca_find(to_sqp(ibqp), mgid);
	if (mca) {
		srx_mca_del(sdev, mca);
		err = 0;
	}
	mutex_unlock(&sdev->mc_lock);
	rtnl_unlock();
	return err;
}

/*
 * The QP is being destroyed: it leaves every group, and no receiver
 * that found it in one is still looking (it took a reference if it
 * delivers). The core refuses to destroy an attached QP (its usecnt,
 * and uverbs detaches a dead process's QPs first), so this is a safety
 * net: nothing to do, and no lock, for a QP with no group.
 */
void srx_mcast_qp_leave(struct srx_qp *qp)
{
	struct srx_dev *sdev = to_sdev(qp->ibqp.device);
	struct srx_mca *mca, *next;

	if (list_empty_careful(&qp->mc_list))
		return;
	rtnl_lock();
	mutex_lock(&sdev->mc_lock);
	list_for_each_entry_safe(mca, next, &qp->mc_list, qp_node)
		srx_mca_del(sdev, mca);
	mutex_unlock(&sdev->mc_lock);
	rtnl_unlock();
	synchronize_rcu();
}

/* The destination group of a received datagram, from its IP header. */
static void srx_mcast_dgid(const struct sk_buff *skb, union ib_gid *mgid)
{
	if (ip_hdr(skb)->version == 4)
		ipv6_addr_set_v4mapped(ip_hdr(skb)->daddr,
				       (struct in6_addr *)mgid->raw);
	else
		memcpy(mgid->raw, &ipv6_hdr(skb)->daddr, sizeof(mgid->raw));
}

/**
 * srx_mcast_rcv - a datagram to the multicast QPN
 * @sdev: the device it arrived on
 * @skb: data at BTH; consumed
 * @pkt: its parsed headers
 *
 * Each QP attached to the destination group gets its own copy (the
 * engines only read the data, so clones share it). Anything but a UD
 * SEND, or a group nobody here joined, is dropped and counted as for
 * an unknown QP (and the latter as mcast_no_group).
 */
void srx_mcast_rcv(struct srx_dev *sdev, struct sk_buff *skb,
		   const struct srx_pkt *pkt)
{
	struct srx_mca *mca;
	struct srx_mcg *grp;
	union ib_gid mgid;
	struct sk_buff *copy;

	/* No QP has the multicast QPN: for anything else it is unknown. */
	if ((pkt->opcode & 0xe0) != IB_OPCODE_UD) {
		srx_count(sdev, SRX_CNT_UNKNOWN_QP);
		goto drop;
	}
	srx_mcast_dgid(skb, &mgid);
	srx_count(sdev, SRX_CNT_MCAST_RCVD);
	rcu_read_lock();
	grp = srx_mcg_find(sdev, &mgid);
	if (!grp) {
		rcu_read_unlock();
		srx_count(sdev, SRX_CNT_MCAST_NO_GROUP);
		srx_count(sdev, SRX_CNT_UNKNOWN_QP);
		goto drop;
	}
	list_for_each_entry_rcu(mca, &grp->qps, node) {
		if (!refcount_inc_not_zero(&mca->qp->ref))
			continue;
		copy = skb_clone(skb, GFP_ATOMIC);
		if (copy) {
			srx_count(sdev, SRX_CNT_MCAST_COPIES);
			srx_engine_rcv(mca->qp, copy, true);
		}
		srx_qp_put(mca->qp);
	}
	rcu_read_unlock();
drop:
	kfree_skb(skb);
}
