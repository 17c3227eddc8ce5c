// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Producers for RingBufferTest, run by BPF_PROG_TEST_RUN (XDP, repeat n):
 * each run writes one record, chosen by the packet's first bytes
 * {__u32 mode, __u32 len, __u32 ring}. Records carry a sequence number so the
 * test checks order and content exactly; drops are counted by bpf4j/ringbuf.h.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf4j/ringbuf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 25); /* 32 MiB: a million 24-byte records without a consumer */
} big SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 4096);
} small SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 4096);
} other SEC(".maps");

BPF4J_RINGBUF_DROPS(drops);

#define MAX_LEN 8192
struct payload {
	__u8 bytes[MAX_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct payload);
} payload SEC(".maps");

__u64 seq;

struct ctl {
	__u32 mode;
	__u32 len;
	__u32 ring;
};

struct rec {
	__u64 seq;
	__u64 check;
};

static __always_inline void *pick(__u32 ring)
{
	if (ring == 1)
		return &small;
	if (ring == 2)
		return &other;
	return &big;
}

SEC("xdp")
int produce(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ctl *c = data;
	struct rec *r;
	__u64 s;

	if ((void *)(c + 1) > end)
		return XDP_ABORTED;
	s = ++seq;
	switch (c->mode) {
	case 0: /* reserve + submit, 16 bytes */
	case 2: /* the same, odd sequence numbers discarded */
		if (c->ring == 1)
			r = bpf4j_ringbuf_reserve(&small, &drops, sizeof(*r));
		else if (c->ring == 2)
			r = bpf4j_ringbuf_reserve(&other, &drops, sizeof(*r));
		else
			r = bpf4j_ringbuf_reserve(&big, &drops, sizeof(*r));
		if (!r)
			return XDP_DROP;
		r->seq = s;
		r->check = ~s;
		if (c->mode == 2 && (s & 1))
			bpf_ringbuf_discard(r, 0);
		else
			bpf_ringbuf_submit(r, 0);
		return XDP_PASS;
	case 1: { /* bpf_ringbuf_output, 16 bytes */
		struct rec out = { .seq = s, .check = ~s };

		if (bpf4j_ringbuf_output(pick(c->ring), &drops, &out, sizeof(out), 0))
			return XDP_DROP;
		return XDP_PASS;
	}
	case 3: { /* output of len bytes of payload, its first 8 the sequence number */
		__u32 zero = 0, len = c->len;
		__u8 *p = bpf_map_lookup_elem(&payload, &zero);

		if (!p)
			return XDP_ABORTED;
		*(__u64 *)p = s;
		if (len < 1 || len > MAX_LEN)
			return XDP_ABORTED;
		if (bpf4j_ringbuf_output(pick(c->ring), &drops, p, len, 0))
			return XDP_DROP;
		return XDP_PASS;
	}
	}
	return XDP_ABORTED;
}
