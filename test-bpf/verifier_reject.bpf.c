// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rejected by the verifier on purpose: a hash map lookup may return NULL.
 * (Not an array: the verifier knows a constant in-range array key is never NULL.)
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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

	return *value ? XDP_PASS : XDP_DROP;
}
