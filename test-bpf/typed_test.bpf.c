// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Maps for the typed-view tests (TypedMapTest), one per shape the views
 * handle, and a program that answers what Java wrote, so the tests see both
 * the kernel's reading of Java's bytes and Java's reading of the kernel's.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* 4 + 2 + 6 bytes, 4 bytes of padding, then d at offset 16: 24 bytes. */
struct rec {
	__u32 a;
	__u16 b;
	__u8 c[6];
	__u64 d;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} u32_u64 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u64);
} u64_u64 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u32);
} u64_u32 SEC(".maps");

/* Keyed by a NUL-padded name. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, char[16]);
	__type(value, struct rec);
} by_name SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} small SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} per_cpu SEC(".maps");

/*
 * XDP over any test packet; always XDP_PASS. It
 * - copies by_name["from java"] to by_name["from bpf"] with a + 1, b + 1,
 *   every c[i] ^ 0xff and d * 2;
 * - sets u32_u64[2] = u32_u64[1] + 1 (if 1 is present) and
 *   u32_u64[7] = 0x1122334455667788;
 * - sets small[3] = 4000000000 (above INT_MAX);
 * - adds 1 to this CPU's per_cpu[0].
 */
SEC("xdp")
int typed_prog(struct xdp_md *ctx)
{
	char from_java[16] = "from java";
	char from_bpf[16] = "from bpf";
	__u32 one = 1, two = 2, three = 3, seven = 7, zero = 0, big = 4000000000u;
	__u64 marker = 0x1122334455667788ULL, next, *v, *count;
	struct rec *in, out = {};
	int i;

	in = bpf_map_lookup_elem(&by_name, from_java);
	if (in) {
		out.a = in->a + 1;
		out.b = in->b + 1;
		for (i = 0; i < 6; i++)
			out.c[i] = in->c[i] ^ 0xff;
		out.d = in->d * 2;
		bpf_map_update_elem(&by_name, from_bpf, &out, BPF_ANY);
	}

	v = bpf_map_lookup_elem(&u32_u64, &one);
	if (v) {
		next = *v + 1;
		bpf_map_update_elem(&u32_u64, &two, &next, BPF_ANY);
	}
	bpf_map_update_elem(&u32_u64, &seven, &marker, BPF_ANY);
	bpf_map_update_elem(&small, &three, &big, BPF_ANY);

	count = bpf_map_lookup_elem(&per_cpu, &zero);
	if (count)
		*count += 1;
	return XDP_PASS;
}
