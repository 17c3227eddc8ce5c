// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Maps and programs the core tests exercise. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Not mmapable: element operations only. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/* Four 12-byte values: the mapping pads each to 16. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, char[12]);
	__uint(map_flags, BPF_F_MMAPABLE);
} shared SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} per_cpu SEC(".maps");

/* No keys: element operations take a NULL key. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u32);
} fifo SEC(".maps");

__u64 runs = 0;               /* .bss */
volatile const __u32 bump = 1; /* .rodata: frozen after load */

/*
 * XDP over the test-run packet: adds `bump` to the first byte, counts the
 * run in `counts[first byte]` and in `runs`, copies slot 0 of `shared` into
 * slot 1 with the first byte doubled, and returns XDP_TX when the packet is
 * at least 2 bytes long, else XDP_DROP.
 */
SEC("xdp")
int bump_first_byte(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *end = (void *)(long)ctx->data_end;
	__u32 zero = 0, one = 1, key;
	char *src, *dst;
	__u64 *count, init = 1;

	if (data + 2 > end)
		return XDP_DROP;
	key = data[0];
	count = bpf_map_lookup_elem(&counts, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&counts, &key, &init, BPF_NOEXIST);
	data[0] += bump;
	__sync_fetch_and_add(&runs, 1);

	src = bpf_map_lookup_elem(&shared, &zero);
	dst = bpf_map_lookup_elem(&shared, &one);
	if (src && dst) {
		__builtin_memcpy(dst, src, 12);
		dst[0] = src[0] * 2;
	}
	count = bpf_map_lookup_elem(&per_cpu, &zero);
	if (count)
		*count += 1;
	return XDP_TX;
}
