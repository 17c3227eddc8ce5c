// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * An arena (which bpf4j creates and maps itself before libbpf loads the
 * programs) next to a program the verifier rejects: the load fails after the
 * arena was prepared. LoadFailureTest retries such a load and checks that no
 * second arena is prepared.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf4j/arena.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

BPF4J_ARENA_MAP(reject_arena, 4, 0);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} values SEC(".maps");

SEC("xdp")
int unchecked_lookup(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *value = bpf_map_lookup_elem(&values, &zero);

	bpf4j_arena_bind(reject_arena);
	return *value ? XDP_PASS : XDP_DROP;
}
