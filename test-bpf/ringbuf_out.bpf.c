// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A ring buffer and an XDP program that writes one record to it per run, for
 * MapTypesTest: user space reads the records through the ring's mmapped
 * producer and data pages, as a ring buffer consumer does.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} ring SEC(".maps");

__u64 seq;

/* Writes the record {seq, 0x5eed} (16 bytes) and counts it in seq. */
SEC("xdp")
int emit(struct xdp_md *ctx)
{
	__u64 rec[2];

	rec[0] = ++seq;
	rec[1] = 0x5eed;
	if (bpf_ringbuf_output(&ring, rec, sizeof(rec), 0))
		return XDP_DROP;
	return XDP_PASS;
}
