// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs for NetNetnsTest and NetNetfilterTest: an sk_lookup program
 * counting the lookups for watch_port, one steering TCP connections for
 * steer_port to the listening socket in steer_to (bpf_sk_assign), a flow dissector counting its runs
 * and leaving the dissection to the kernel's own
 * (BPF_FLOW_DISSECTOR_CONTINUE), and a netfilter program counting packets
 * and accepting every one. None changes what happens to a packet.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#ifndef BPF_FLOW_DISSECTOR_CONTINUE
#define BPF_FLOW_DISSECTOR_CONTINUE 129
#endif
#define NF_ACCEPT 1

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} steer_to SEC(".maps");

volatile __u32 watch_port;
volatile __u32 steer_port;
__u64 steered;
__u64 lookups;
__u64 dissections;
__u64 nf_packets;

SEC("sk_lookup")
int on_lookup(struct bpf_sk_lookup *ctx)
{
	if (watch_port && ctx->local_port == watch_port)
		__sync_fetch_and_add(&lookups, 1);
	return SK_PASS;
}

SEC("sk_lookup")
int steer(struct bpf_sk_lookup *ctx)
{
	struct bpf_sock *sk;
	__u32 zero = 0;
	long err;

	if (!steer_port || ctx->local_port != steer_port || ctx->protocol != IPPROTO_TCP)
		return SK_PASS;
	sk = bpf_map_lookup_elem(&steer_to, &zero);
	if (!sk)
		return SK_PASS;
	err = bpf_sk_assign(ctx, sk, 0);
	bpf_sk_release(sk);
	if (!err)
		__sync_fetch_and_add(&steered, 1);
	return SK_PASS;
}

SEC("flow_dissector")
int on_dissect(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&dissections, 1);
	return BPF_FLOW_DISSECTOR_CONTINUE;
}

SEC("netfilter")
int on_netfilter(void *ctx)
{
	__sync_fetch_and_add(&nf_packets, 1);
	return NF_ACCEPT;
}
