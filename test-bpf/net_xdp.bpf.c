// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs for NetXdpTest: two XDP programs that count received IPv4 TCP
 * and UDP packets from source port watch_port (a reply of the service the
 * test talks to) into their own counter and pass every packet, so a test
 * sees which of them is attached.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

volatile __u16 watch_port;
__u64 first_count;
__u64 second_count;

static __always_inline int watched(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u16 *l4;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || (ip->protocol != IPPROTO_UDP && ip->protocol != IPPROTO_TCP) || (ip->frag_off & bpf_htons(0x1fff)))
		return 0;
	l4 = (void *)ip + ip->ihl * 4;
	if ((void *)(l4 + 2) > end)
		return 0;
	return watch_port && bpf_ntohs(l4[0]) == watch_port;
}

SEC("xdp")
int xdp_first(struct xdp_md *ctx)
{
	if (watched(ctx))
		__sync_fetch_and_add(&first_count, 1);
	return XDP_PASS;
}

SEC("xdp")
int xdp_second(struct xdp_md *ctx)
{
	if (watched(ctx))
		__sync_fetch_and_add(&second_count, 1);
	return XDP_PASS;
}
