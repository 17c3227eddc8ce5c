// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rejected by the verifier on purpose: a hash map lookup may return NULL.
 * (Not an array: the verifier knows a constant in-range array key is never NULL.)
 * arena_reject.bpf.c compiles this file again with an arena beside it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#ifdef BPF4J_REJECT_WITH_ARENA
#include <bpf4j/arena.h>
#endif

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#ifdef BPF4J_REJECT_WITH_ARENA
BPF4J_ARENA_MAP(reject_arena, 4, 0);
#endif

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

#ifdef BPF4J_REJECT_WITH_ARENA
	bpf4j_arena_bind(reject_arena);
#endif
	return *value ? XDP_PASS : XDP_DROP;
}
