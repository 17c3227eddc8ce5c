// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A socket filter and nothing else: the one program type a process with
 * CAP_BPF alone (no CAP_NET_ADMIN, no CAP_PERFMON) may load. The privilege
 * test loads and test-runs it in child JVMs with reduced capabilities.
 * keep_all returns the packet length (keep the whole packet) and counts runs.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} filter_runs SEC(".maps");

SEC("socket")
int keep_all(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&filter_runs, &zero);

	if (c)
		__sync_fetch_and_add(c, 1);
	return skb->len;
}
