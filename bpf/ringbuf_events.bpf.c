// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The README's ring buffer tour: every run of `emit` (an XDP program, run by
 * BPF_PROG_TEST_RUN) reserves one event in `events` and submits it; when the
 * ring is full the reservation fails and bpf4j/ringbuf.h counts a drop.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf4j/ringbuf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct event {
	__u64 seq;
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} events SEC(".maps");

BPF4J_RINGBUF_DROPS(drops);

__u64 next_seq;

SEC("xdp")
int emit(struct xdp_md *ctx)
{
	struct event *e = bpf4j_ringbuf_reserve(&events, &drops, sizeof(*e));

	if (!e)
		return XDP_PASS; /* ring full: counted in drops */
	e->seq = __sync_fetch_and_add(&next_seq, 1);
	e->ts = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return XDP_PASS;
}
