// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A map in the legacy 'struct bpf_map_def SEC("maps")' form from the seed
 * articles, which libbpf 1.x refuses: bpf4j must explain that.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* libbpf 1.x dropped this struct from its headers. */
struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") my_map = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(int),
	.value_size = sizeof(int),
	.max_entries = 100,
	.map_flags = BPF_F_NO_PREALLOC,
};

SEC("xdp")
int uses_legacy_map(struct xdp_md *ctx)
{
	int key = 0;
	int *value = bpf_map_lookup_elem(&my_map, &key);

	return value ? XDP_PASS : XDP_DROP;
}
