// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs for the tc-family tests (NetTcxTest, NetTcTest, NetNetkitTest)
 * and the README showcase: tc programs that account IPv4 TCP and UDP bytes
 * by port, as seen on the hook they are attached to.
 *
 * count_ports: bytes_by_dport[destination port] += skb->len, and
 * bytes_by_sport[source port] likewise (ingress sees a service's replies by
 * their source port); packets_by_dport counts packets. Returns -1
 * (TCX_NEXT / TC_ACT_UNSPEC): the next program on the hook runs, and the
 * packet goes on as if none had.
 *
 * mark_a / mark_b: for the ordering tests, each takes the next ticket on
 * every UDP packet to order_port, so that after one packet the program that
 * ran first holds the lower ticket.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u16);
	__type(value, __u64);
} bytes_by_dport SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u16);
	__type(value, __u64);
} bytes_by_sport SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u16);
	__type(value, __u64);
} packets_by_dport SEC(".maps");

__u64 ticket;
__u64 a_ticket;
__u64 b_ticket;
volatile __u16 order_port;

struct ports {
	__u16 sport;
	__u16 dport;
};

/* 0 with the ports of an IPv4 TCP or UDP packet, -1 for anything else. */
static __always_inline int ports_of(struct __sk_buff *skb, struct ports *p, __u8 *proto)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u16 *l4;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP))
		return -1;
	/* Fragments after the first have no ports. */
	if (ip->frag_off & bpf_htons(0x1fff))
		return -1;
	l4 = (void *)ip + ip->ihl * 4;
	if ((void *)(l4 + 2) > end)
		return -1;
	p->sport = bpf_ntohs(l4[0]);
	p->dport = bpf_ntohs(l4[1]);
	*proto = ip->protocol;
	return 0;
}

static __always_inline void add(void *map, __u16 port, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(map, &port);

	if (v) {
		__sync_fetch_and_add(v, n);
	} else {
		/* Two CPUs may both miss: the second insert fails with EEXIST, and its add goes in the element. */
		if (bpf_map_update_elem(map, &port, &n, BPF_NOEXIST)) {
			v = bpf_map_lookup_elem(map, &port);
			if (v)
				__sync_fetch_and_add(v, n);
		}
	}
}

SEC("tc")
int count_ports(struct __sk_buff *skb)
{
	struct ports p;
	__u8 proto;

	if (ports_of(skb, &p, &proto))
		return -1;
	add(&bytes_by_dport, p.dport, skb->len);
	add(&bytes_by_sport, p.sport, skb->len);
	add(&packets_by_dport, p.dport, 1);
	return -1;
}

static __always_inline int take_ticket(struct __sk_buff *skb, __u64 *slot)
{
	struct ports p;
	__u8 proto;

	if (!ports_of(skb, &p, &proto) && proto == IPPROTO_UDP && p.dport == order_port && order_port)
		*slot = __sync_fetch_and_add(&ticket, 1) + 1;
	return -1;
}

SEC("tc")
int mark_a(struct __sk_buff *skb)
{
	return take_ticket(skb, &a_ticket);
}

SEC("tc")
int mark_b(struct __sk_buff *skb)
{
	return take_ticket(skb, &b_ticket);
}

/* An XDP program, for the type check: tc points refuse it. */
SEC("xdp")
int not_tc(struct xdp_md *ctx)
{
	return XDP_PASS;
}
