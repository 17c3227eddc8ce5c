// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs for NetNetnsTest and NetNetfilterTest: an sk_lookup program
 * counting the lookups for watch_port, a flow dissector counting its runs
 * and leaving the dissection to the kernel's own
 * (BPF_FLOW_DISSECTOR_CONTINUE), and a netfilter program counting packets
 * and accepting every one. None changes what happens to a packet.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#ifndef BPF_FLOW_DISSECTOR_CONTINUE
#define BPF_FLOW_DISSECTOR_CONTINUE 129
#endif
#define NF_ACCEPT 1

volatile __u32 watch_port;
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
