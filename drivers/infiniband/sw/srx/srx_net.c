// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: the RoCEv2 UDP socket of each network namespace, and the list of
 * srx devices its packets are for.
 *
 * One socket pair (IPv4 and, when available, IPv6) listens on UDP 4791 in
 * every namespace that has an srx device. Devices share it through a
 * reference count. When a namespace is dismantled the sockets are closed
 * at once, because the namespace must not outlive its netdevs; devices
 * still holding the srx_sock then see no socket until they are removed.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/if_vlan.h>
#include <linux/inetdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/net_namespace.h>
#include <net/route.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "srx.h"

struct srx_sock {
	struct list_head	list;		/* on srx_socks */
	possible_net_t		net;
	struct socket		*sk4;
	struct socket		*sk6;
	refcount_t		ref;
};

static bool srx_loopback_inline = true;
module_param_named(loopback_inline, srx_loopback_inline, bool, 0644);
MODULE_PARM_DESC(loopback_inline,
		 "Run a looped-back packet's receiver in the sender's context (lower latency, one CPU) instead of a worker (default: yes)");

/* Every srx device, so that a netdev's packets find theirs. */
static LIST_HEAD(srx_devices);
static DEFINE_SPINLOCK(srx_devices_lock);

/* Where received packets go (srx_rcv()), set by srx_net_init(). */
static srx_rcv_fn srx_net_rcv __ro_after_init;

static LIST_HEAD(srx_socks);
static DEFINE_MUTEX(srx_socks_lock);
static atomic64_t srx_rx_dropped = ATOMIC64_INIT(0);

u64 srx_net_rx_dropped(void)
{
	return atomic64_read(&srx_rx_dropped);
}

/* A new device goes on the list (with the list's device reference). */
void srx_net_dev_add(struct srx_dev *sdev)
{
	spin_lock_bh(&srx_devices_lock);
	list_add_tail(&sdev->list, &srx_devices);
	spin_unlock_bh(&srx_devices_lock);
}

/* Move the dead devices, or all of them, from the list to @victims. */
void srx_net_devs_take(struct list_head *victims, bool all)
{
	struct srx_dev *sdev, *tmp;

	spin_lock_bh(&srx_devices_lock);
	list_for_each_entry_safe(sdev, tmp, &srx_devices, list)
		if (all || READ_ONCE(sdev->dead))
			list_move(&sdev->list, victims);
	spin_unlock_bh(&srx_devices_lock);
}

/*
 * The registered srx device on @ndev, with a registration reference the
 * caller drops with ib_device_put(), or NULL.
 */
struct srx_dev *srx_get_by_netdev(struct net_device *ndev)
{
	struct srx_dev *sdev, *found = NULL;

	spin_lock_bh(&srx_devices_lock);
	list_for_each_entry(sdev, &srx_devices, list) {
		if (sdev->ndev == ndev && !READ_ONCE(sdev->dead) &&
		    ib_device_try_get(&sdev->ibdev)) {
			found = sdev;
			break;
		}
	}
	spin_unlock_bh(&srx_devices_lock);
	return found;
}

static void srx_drop_nodev(struct sk_buff *skb)
{
	atomic64_inc(&srx_rx_dropped);
	kfree_skb(skb);
}

/*
 * A RoCEv2 datagram for a device in this namespace; skb->data is at the
 * UDP header. Datagrams for netdevs without an srx device are counted
 * (srx_net_rx_dropped()) and dropped.
 */
static int srx_udp_encap_recv(struct sock *sk, struct sk_buff *skb)
{
	struct net_device *ndev = skb->dev;
	struct srx_dev *sdev;

	if (is_vlan_dev(ndev))
		ndev = vlan_dev_real_dev(ndev);
	sdev = srx_get_by_netdev(ndev);
	if (!sdev) {
		srx_drop_nodev(skb);
		return 0;
	}
	__skb_pull(skb, sizeof(struct udphdr));
	srx_net_rcv(sdev, skb, SRX_RCV_WIRE);
	ib_device_put(&sdev->ibdev);
	return 0;
}

static int srx_udp_open(struct net *net, bool ipv6, struct socket **sockp)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.encap_type = 1,
		.encap_rcv = srx_udp_encap_recv,
	};
	struct udp_port_cfg cfg = {
		.local_udp_port = htons(SRX_UDP_PORT),
	};
	int err;

	if (ipv6) {
		cfg.family = AF_INET6;
		cfg.ipv6_v6only = 1;
		err = udp_sock_create(net, &cfg, sockp);
	} else {
		cfg.family = AF_INET;
		err = udp_sock_create(net, &cfg, sockp);
	}
	if (err) {
		*sockp = NULL;
		return err;
	}
	setup_udp_tunnel_sock(net, *sockp, &tcfg);
	return 0;
}

static void srx_udp_close(struct srx_sock *ss)
{
	if (ss->sk4)
		udp_tunnel_sock_release(ss->sk4);
	if (ss->sk6)
		udp_tunnel_sock_release(ss->sk6);
	ss->sk4 = NULL;
	ss->sk6 = NULL;
}

static struct srx_sock *srx_sock_find(struct net *net)
{
	struct srx_sock *ss;

	lockdep_assert_held(&srx_socks_lock);
	list_for_each_entry(ss, &srx_socks, list)
		if (net_eq(read_pnet(&ss->net), net))
			return ss;
	return NULL;
}

static struct srx_sock *srx_sock_create(struct net *net)
{
	struct srx_sock *ss;
	int err;

	ss = kzalloc(sizeof(*ss), GFP_KERNEL);
	if (!ss)
		return ERR_PTR(-ENOMEM);
	write_pnet(&ss->net, net);
	refcount_set(&ss->ref, 1);

	err = srx_udp_open(net, false, &ss->sk4);
	if (err)
		goto fail;
	if (IS_ENABLED(CONFIG_IPV6) && ipv6_mod_enabled()) {
		err = srx_udp_open(net, true, &ss->sk6);
		if (err)
			goto fail;
	}
	list_add(&ss->list, &srx_socks);
	return ss;

fail:
	if (err == -EADDRINUSE)
		pr_err("srx: UDP port %d is already bound in this network namespace (is rdma_rxe loaded?)\n",
		       SRX_UDP_PORT);
	else
		pr_err("srx: cannot open UDP port %d: %d\n", SRX_UDP_PORT, err);
	srx_udp_close(ss);
	kfree(ss);
	return ERR_PTR(err);
}

/**
 * srx_sock_get - take a reference on the namespace's RoCEv2 socket
 * @net: namespace of the device's netdev
 *
 * Return: the shared srx_sock, or ERR_PTR (-EADDRINUSE when another
 * provider such as rdma_rxe owns UDP 4791 in @net).
 */
struct srx_sock *srx_sock_get(struct net *net)
{
	struct srx_sock *ss;

	mutex_lock(&srx_socks_lock);
	ss = srx_sock_find(net);
	if (ss)
		refcount_inc(&ss->ref);
	else
		ss = srx_sock_create(net);
	mutex_unlock(&srx_socks_lock);
	return ss;
}

void srx_sock_put(struct srx_sock *ss)
{
	mutex_lock(&srx_socks_lock);
	if (refcount_dec_and_test(&ss->ref)) {
		list_del(&ss->list);
		srx_udp_close(ss);
		kfree(ss);
	}
	mutex_unlock(&srx_socks_lock);
}

/* The namespace is going away: close its sockets, keep the refcounted shell. */
static void srx_net_ns_exit(struct net *net)
{
	struct srx_sock *ss;

	mutex_lock(&srx_socks_lock);
	ss = srx_sock_find(net);
	if (ss) {
		srx_udp_close(ss);
		list_del_init(&ss->list);
	}
	mutex_unlock(&srx_socks_lock);
}

static struct pernet_operations srx_net_ops = {
	.exit = srx_net_ns_exit,
};

int srx_net_init(srx_rcv_fn rcv)
{
	srx_net_rcv = rcv;
	return register_pernet_subsys(&srx_net_ops);
}

void srx_net_exit(void)
{
	unregister_pernet_subsys(&srx_net_ops);
}

/* Room for the link layer, the larger IP header and UDP in front of BTH. */
static unsigned int srx_headroom(struct srx_dev *sdev)
{
	return LL_RESERVED_SPACE(sdev->ndev) + sizeof(struct ipv6hdr) +
	       sizeof(struct udphdr);
}

/**
 * srx_skb_alloc - a packet buffer for BTH through ICRC
 * @sdev: the sending device
 * @av: the destination (unused for now: both IP versions fit)
 * @len: bytes from BTH through the ICRC
 * @gfp: allocation flags
 * @frag: take the head from the per-CPU page fragment cache
 *
 * With init_on_alloc (Debian's default) every kmalloc'ed head of an MTU
 * packet is zeroed first, which costs as much as copying its payload.
 * A page fragment head is not, as long as the packets cut from one page
 * are freed before the cache comes round to it again: right for requests,
 * which the peer consumes as they come, wrong for the read responses of a
 * whole message, which pile up and make the cache take (and zero) new
 * pages; those take @frag false.
 *
 * Return: an skb whose data is @len bytes at BTH, or NULL.
 */
struct sk_buff *srx_skb_alloc(struct srx_dev *sdev, const struct srx_av *av,
			      u32 len, gfp_t gfp, bool frag)
{
	unsigned int room = srx_headroom(sdev);
	struct sk_buff *skb;

	if (frag)
		skb = __netdev_alloc_skb(NULL, room + len, gfp);
	else
		skb = alloc_skb(room + len, gfp);
	if (!skb)
		return NULL;
	skb_reserve(skb, room);
	skb_put(skb, len);
	return skb;
}

static void srx_push_udp(struct sk_buff *skb, u16 src_port)
{
	struct udphdr *uh;

	__skb_push(skb, sizeof(*uh));
	skb_reset_transport_header(skb);
	uh = udp_hdr(skb);
	uh->source = htons(src_port);
	uh->dest = htons(SRX_UDP_PORT);
	uh->len = htons(skb->len);
	uh->check = 0;
}

static void srx_push_ipv4(struct net *net, struct sk_buff *skb,
			  const struct srx_av *av, __be32 saddr, __be32 daddr)
{
	const struct ib_global_route *grh = &av->attr.grh;
	struct iphdr *iph;

	__skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = grh->traffic_class;
	iph->tot_len = htons(skb->len);
	iph->frag_off = htons(IP_DF);
	iph->ttl = grh->hop_limit ? grh->hop_limit : 64;
	iph->protocol = IPPROTO_UDP;
	iph->saddr = saddr;
	iph->daddr = daddr;
	ip_select_ident(net, skb, NULL);
	ip_send_check(iph);
	skb->protocol = htons(ETH_P_IP);
}

static void srx_push_ipv6(struct sk_buff *skb, const struct srx_av *av,
			  const struct in6_addr *saddr,
			  const struct in6_addr *daddr)
{
	const struct ib_global_route *grh = &av->attr.grh;
	struct ipv6hdr *ip6h;
	u16 payload = skb->len;

	__skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);
	ip6_flow_hdr(ip6h, grh->traffic_class,
		     htonl(grh->flow_label & 0xfffff));
	ip6h->payload_len = htons(payload);
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->hop_limit = grh->hop_limit ? grh->hop_limit : 64;
	ip6h->saddr = *saddr;
	ip6h->daddr = *daddr;
	skb->protocol = htons(ETH_P_IPV6);
}

/*
 * Local destination: hand the packet straight to the srx device that
 * owns the address, without the IP stack or an ICRC (it never leaves
 * memory). The receiver's engine runs later, never nested in ours.
 */
static int srx_loopback(struct srx_dev *sdev, struct net_device *tdev,
			struct sk_buff *skb)
{
	struct srx_dev *target = tdev ? srx_get_by_netdev(tdev) : NULL;

	if (!target) {
		kfree_skb(skb);
		return -EHOSTUNREACH;
	}
	srx_count(sdev, SRX_CNT_LOOPBACK_PKTS);
	skb->dev = tdev;
	__skb_pull(skb, skb_transport_offset(skb) + sizeof(struct udphdr));
	srx_net_rcv(target, skb, srx_loopback_inline ? SRX_RCV_LOOP_INLINE :
						   SRX_RCV_LOOP_DEFER);
	ib_device_put(&target->ibdev);
	return 0;
}

/* The IPv4 addresses of an IPv4 AV (the last 4 bytes of its GIDs). */
static void srx_av_ip4(const struct srx_av *av, __be32 *saddr, __be32 *daddr)
{
	memcpy(saddr, &av->sgid.raw[12], sizeof(*saddr));
	memcpy(daddr, &av->attr.grh.dgid.raw[12], sizeof(*daddr));
}

/*
 * Does a route end in this host (srx_loopback())? srx_xmit4/6() and
 * srx_av_locality() must answer alike: the segment size of a connection
 * depends on it.
 */
static bool srx_rt4_local(const struct rtable *rt)
{
	return rt->rt_type == RTN_LOCAL;
}

static bool srx_dst6_local(const struct dst_entry *dst)
{
	return dst->dev->flags & IFF_LOOPBACK;
}

static struct rtable *srx_route4(struct net *net, struct srx_dev *sdev,
				 __be32 saddr, __be32 daddr,
				 struct dst_cache *dc)
{
	struct flowi4 fl = {};
	struct rtable *rt;
	__be32 cached_saddr;

	if (dc) {
		rt = dst_cache_get_ip4(dc, &cached_saddr);
		if (rt && cached_saddr == saddr)
			return rt;
		if (rt)
			ip_rt_put(rt);
	}
	fl.daddr = daddr;
	fl.saddr = saddr;
	fl.flowi4_proto = IPPROTO_UDP;
	fl.flowi4_oif = sdev->ndev->ifindex;
	rt = ip_route_output_key(net, &fl);
	if (!IS_ERR(rt) && dc)
		dst_cache_set_ip4(dc, &rt->dst, saddr);
	return rt;
}

static int srx_xmit4(struct srx_dev *sdev, const struct srx_av *av,
		     u16 src_port, struct sk_buff *skb, struct dst_cache *dc)
{
	struct net *net = dev_net(sdev->ndev);
	__be32 saddr, daddr;
	struct net_device *tdev;
	struct rtable *rt;
	int err;

	srx_av_ip4(av, &saddr, &daddr);
	rt = srx_route4(net, sdev, saddr, daddr, dc);
	if (IS_ERR(rt)) {
		kfree_skb(skb);
		return PTR_ERR(rt);
	}
	srx_push_udp(skb, src_port);
	srx_push_ipv4(net, skb, av, saddr, daddr);
	if (srx_rt4_local(rt)) {
		ip_rt_put(rt);
		rcu_read_lock();
		tdev = __ip_dev_find(net, daddr, false);
		err = srx_loopback(sdev, tdev, skb);
		rcu_read_unlock();
		return err;
	}
	srx_icrc_fill(ip_hdr(skb), skb->len);
	skb_dst_set(skb, &rt->dst);
	skb->dev = rt->dst.dev;
	skb->ip_summed = CHECKSUM_NONE;
	err = ip_local_out(net, NULL, skb);
	return net_xmit_eval(err);
}

static struct dst_entry *srx_route6(struct net *net, struct srx_dev *sdev,
				    const struct in6_addr *saddr,
				    const struct in6_addr *daddr,
				    struct dst_cache *dc)
{
	struct flowi6 fl = {};
	struct dst_entry *dst;
	struct in6_addr cached_saddr;

	if (dc) {
		dst = dst_cache_get_ip6(dc, &cached_saddr);
		if (dst && ipv6_addr_equal(&cached_saddr, saddr))
			return dst;
		dst_release(dst);
	}
	fl.daddr = *daddr;
	fl.saddr = *saddr;
	fl.flowi6_proto = IPPROTO_UDP;
	fl.flowi6_oif = sdev->ndev->ifindex;
	dst = ipv6_stub->ipv6_dst_lookup_flow(net, NULL, &fl, NULL);
	if (!IS_ERR(dst) && dc)
		dst_cache_set_ip6(dc, dst, saddr);
	return dst;
}

static int srx_xmit6(struct srx_dev *sdev, const struct srx_av *av,
		     u16 src_port, struct sk_buff *skb, struct dst_cache *dc)
{
	struct net *net = dev_net(sdev->ndev);
	const struct in6_addr *saddr = (const struct in6_addr *)av->sgid.raw;
	const struct in6_addr *daddr =
		(const struct in6_addr *)av->attr.grh.dgid.raw;
	struct net_device *tdev;
	struct dst_entry *dst;
	int err;

	dst = srx_route6(net, sdev, saddr, daddr, dc);
	if (IS_ERR(dst)) {
		kfree_skb(skb);
		return PTR_ERR(dst);
	}
	srx_push_udp(skb, src_port);
	srx_push_ipv6(skb, av, saddr, daddr);
	if (srx_dst6_local(dst)) {
		dst_release(dst);
		rcu_read_lock();
		tdev = ipv6_dev_find(net, daddr, sdev->ndev);
		if (!tdev)
			tdev = ipv6_dev_find(net, daddr, NULL);
		err = srx_loopback(sdev, tdev, skb);
		rcu_read_unlock();
		return err;
	}
	srx_icrc_fill(ipv6_hdr(skb), skb->len);
	skb_dst_set(skb, dst);
	skb->dev = dst->dev;
	udp6_set_csum(false, skb, saddr, daddr, skb->len - sizeof(struct ipv6hdr));
	err = ip6_local_out(net, NULL, skb);
	return net_xmit_eval(err);
}

/*
 * The route lookup failed: for want of memory the caller fails too (the
 * two ends of a connection must agree on its segment size, so guessing
 * is no answer). Otherwise there is no route yet, or IPv6 could not copy
 * the route it found: the address itself says whether it is ours.
 */
static int srx_locality_unrouted(struct net *net, struct srx_dev *sdev,
				 const struct srx_av *av, long err, bool *local)
{
	__be32 saddr, daddr;

	if (err == -ENOMEM || err == -ENOBUFS)
		return err;
	if (av->network_type == RXE_NETWORK_TYPE_IPV4) {
		srx_av_ip4(av, &saddr, &daddr);
		*local = inet_addr_type_dev_table(net, sdev->ndev, daddr) ==
			 RTN_LOCAL;
	} else {
		*local = IS_ENABLED(CONFIG_IPV6) &&
			 ipv6_chk_addr(net, (const struct in6_addr *)
				       av->attr.grh.dgid.raw, NULL, 0);
	}
	return 0;
}

/**
 * srx_av_locality - is @av's destination an address of this host?
 * @sdev: the sending device
 * @av: destination and source addresses
 * @local: set to the answer
 *
 * Packets to such a destination never leave the host (srx_loopback()).
 * Return: 0, or -ENOMEM/-ENOBUFS when the route lookup ran out of memory.
 */
int srx_av_locality(struct srx_dev *sdev, const struct srx_av *av,
		    bool *local)
{
	struct net *net = dev_net(sdev->ndev);
	struct dst_entry *dst;
	struct rtable *rt;
	__be32 saddr, daddr;

	if (av->network_type == RXE_NETWORK_TYPE_IPV4) {
		srx_av_ip4(av, &saddr, &daddr);
		rt = srx_route4(net, sdev, saddr, daddr, NULL);
		if (IS_ERR(rt))
			return srx_locality_unrouted(net, sdev, av, PTR_ERR(rt),
						     local);
		*local = srx_rt4_local(rt);
		ip_rt_put(rt);
		return 0;
	}
	dst = srx_route6(net, sdev, (const struct in6_addr *)av->sgid.raw,
			 (const struct in6_addr *)av->attr.grh.dgid.raw, NULL);
	if (IS_ERR(dst))
		return srx_locality_unrouted(net, sdev, av, PTR_ERR(dst), local);
	*local = srx_dst6_local(dst);
	dst_release(dst);
	return 0;
}

/**
 * srx_xmit - send a packet built by srx_skb_alloc()
 * @sdev: the sending device
 * @av: destination and source addresses
 * @src_port: UDP source port (flow entropy)
 * @skb: data at BTH, ICRC space at the end; consumed
 * @dc: the QP's route cache, or NULL (UD: every packet its own AV)
 *
 * A packet that cannot be sent (no route, no local device, a full
 * queue) is counted in tx_err; RC recovers it by retransmission, UD and
 * UC lose it as a network would.
 */
int srx_xmit(struct srx_dev *sdev, const struct srx_av *av, u16 src_port,
	     struct sk_buff *skb, struct dst_cache *dc)
{
	int err;

	srx_count(sdev, SRX_CNT_SENT_PKTS);
	if (av->network_type == RXE_NETWORK_TYPE_IPV4)
		err = srx_xmit4(sdev, av, src_port, skb, dc);
	else
		err = srx_xmit6(sdev, av, src_port, skb, dc);
	if (err)
		srx_count(sdev, SRX_CNT_TX_ERR);
	return err;
}
