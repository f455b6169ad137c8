// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srx: the RoCEv2 UDP socket of each network namespace.
 *
 * One socket pair (IPv4 and, when available, IPv6) listens on UDP 4791 in
 * every namespace that has an srx device. Devices share it through a
 * reference count. When a namespace is dismantled the sockets are closed
 * at once, because the namespace must not outlive its netdevs; devices
 * still holding the srx_sock then see no socket until they are removed.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <linux/module.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/udp_tunnel.h>

#include "srx.h"

struct srx_sock {
	struct list_head	list;		/* on srx_socks */
	possible_net_t		net;
	struct socket		*sk4;
	struct socket		*sk6;
	refcount_t		ref;
};

static LIST_HEAD(srx_socks);
static DEFINE_MUTEX(srx_socks_lock);
static atomic64_t srx_rx_dropped = ATOMIC64_INIT(0);

u64 srx_net_rx_dropped(void)
{
	return atomic64_read(&srx_rx_dropped);
}

/* No transport is bound yet: every RoCEv2 datagram is counted and dropped. */
static int srx_udp_encap_recv(struct sock *sk, struct sk_buff *skb)
{
	atomic64_inc(&srx_rx_dropped);
	kfree_skb(skb);
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

int srx_net_init(void)
{
	return register_pernet_subsys(&srx_net_ops);
}

void srx_net_exit(void)
{
	unregister_pernet_subsys(&srx_net_ops);
}
