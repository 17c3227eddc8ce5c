// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs for the link tests (LinkTest, LinkLifetimeTest, ProgramInfoTest).
 *
 * count_writes, at syscalls/sys_enter_write, counts the write(2) calls of
 * one thread: the tid in config[0], set from user space at any time (0:
 * none), so a test, or the process that reopened a pinned link, chooses
 * whose writes count. counts[0] is the count.
 * pass_a and pass_b are XDP programs (XDP_PASS) for link updates.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("tp/syscalls/sys_enter_write")
int count_writes(void *ctx)
{
	__u32 zero = 0;
	__u64 *tid = bpf_map_lookup_elem(&config, &zero);
	__u64 *c;

	if (!tid || !*tid || *tid != (__u32)bpf_get_current_pid_tgid())
		return 0;
	c = bpf_map_lookup_elem(&counts, &zero);
	if (c)
		__sync_fetch_and_add(c, 1);
	return 0;
}

SEC("xdp")
int pass_a(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int pass_b(struct xdp_md *ctx)
{
	return XDP_PASS + 0 * ctx->ingress_ifindex;
}
