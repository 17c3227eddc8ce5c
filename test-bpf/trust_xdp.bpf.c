// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The object of the trust tests (use after close, close storm, soak,
 * privilege): an XDP program counting into two maps whose shapes match the
 * maps those tests create on their own, so a write that reached the wrong fd
 * would land in a look-alike map and be seen.
 *
 * count_packet: slot = data[0] & 7; counters[slot] += 1 and
 * mapped[slot] += 1 (atomic adds), runs += 1; returns XDP_PASS. With
 * repeat(N) one test run adds N to each.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_MMAPABLE);
} mapped SEC(".maps");

/* 8-byte keys and values: any 8-byte argument is the right size. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u64);
} table SEC(".maps");

__u64 runs = 0; /* .bss */

SEC("xdp")
int count_packet(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *end = (void *)(long)ctx->data_end;
	__u32 slot;
	__u64 *c;

	if (data + 1 > end)
		return XDP_DROP;
	slot = data[0] & 7;
	c = bpf_map_lookup_elem(&counters, &slot);
	if (c)
		__sync_fetch_and_add(c, 1);
	c = bpf_map_lookup_elem(&mapped, &slot);
	if (c)
		__sync_fetch_and_add(c, 1);
	__sync_fetch_and_add(&runs, 1);
	return XDP_PASS;
}
