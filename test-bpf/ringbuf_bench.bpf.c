// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The producer of the ring buffer consumption benchmark (java/bench:
 * RingBufferThroughput and c/ringbuf_baseline.c run the same programs the
 * same way). One XDP test-run with repeat r runs a program r times; each run
 * writes as many records as the packet's first __u32 says, through bpf_loop,
 * so one syscall produces thousands of records and user space costs the
 * producer nothing per record. The second __u32 holds the submit flags: 0
 * (the kernel wakes a consumer that has caught up, what programs usually
 * do) for a consumer that sleeps in epoll, BPF_RB_NO_WAKEUP for a
 * busy-polling one (a wake-up costs the producer an irq_work each time the
 * consumer has caught up, which a busy consumer always has). One program per record size (8 B, 64 B,
 * 1 KiB), as bpf_ringbuf_reserve needs a constant size.
 *
 * Every record's first 8 bytes are a sequence number counted over successful
 * reserves only (one producer thread at a time, so a plain increment), so a
 * consumer checks it saw every record exactly once, in order; a full ring
 * counts a drop (bpf4j/ringbuf.h) instead.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf4j/ringbuf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24); /* 16 MiB: room for the producer to run ahead of the consumer */
} bench_ring SEC(".maps");

BPF4J_RINGBUF_DROPS(bench_drops);

__u64 seq;

struct ctl {
	__u32 count; /* records per run */
	__u32 flags; /* bpf_ringbuf_submit flags: 0 (adaptive wake-up) or BPF_RB_NO_WAKEUP */
};

#define PRODUCER(name, size)							\
static long name##_one(__u64 i, void *ctx)					\
{										\
	__u64 flags = *(__u64 *)ctx;						\
	__u64 *r = bpf4j_ringbuf_reserve(&bench_ring, &bench_drops, (size));	\
										\
	if (r) {								\
		*r = seq++;							\
		bpf_ringbuf_submit(r, flags);					\
	}									\
	return 0;								\
}										\
										\
SEC("xdp")									\
int name(struct xdp_md *ctx)							\
{										\
	void *data = (void *)(long)ctx->data;					\
	void *end = (void *)(long)ctx->data_end;				\
	struct ctl *c = data;							\
	__u64 flags;								\
										\
	if ((void *)(c + 1) > end)						\
		return XDP_ABORTED;						\
	flags = c->flags & BPF_RB_NO_WAKEUP;					\
	bpf_loop(c->count, name##_one, &flags, 0);				\
	return XDP_PASS;							\
}

PRODUCER(produce_8, 8)
PRODUCER(produce_64, 64)
PRODUCER(produce_1k, 1024)

/*
 * The same producer through a perf event array (bpf_perf_event_output on the
 * current CPU), for the perf buffer vs ring buffer comparison. The record's
 * bytes come from a per-CPU scratch value (1 KiB does not fit the stack).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} bench_perf SEC(".maps");

struct scratch {
	__u64 words[128];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} bench_scratch SEC(".maps");

struct perf_loop {
	struct xdp_md *ctx;
	struct scratch *rec;
};

#define PERF_PRODUCER(name, size)						\
static long name##_one(__u64 i, void *arg)					\
{										\
	struct perf_loop *l = arg;						\
										\
	l->rec->words[0] = seq;							\
	if (bpf_perf_event_output(l->ctx, &bench_perf, BPF_F_CURRENT_CPU, l->rec, (size)))	\
		bpf4j_ringbuf_count_drop(&bench_drops);				\
	else									\
		seq++;								\
	return 0;								\
}										\
										\
SEC("xdp")									\
int name(struct xdp_md *ctx)							\
{										\
	void *data = (void *)(long)ctx->data;					\
	void *end = (void *)(long)ctx->data_end;				\
	struct ctl *c = data;							\
	__u32 zero = 0;								\
	struct perf_loop l = { .ctx = ctx };					\
										\
	if ((void *)(c + 1) > end)						\
		return XDP_ABORTED;						\
	l.rec = bpf_map_lookup_elem(&bench_scratch, &zero);			\
	if (!l.rec)								\
		return XDP_ABORTED;						\
	bpf_loop(c->count, name##_one, &l, 0);					\
	return XDP_PASS;							\
}

PERF_PRODUCER(perf_8, 8)
PERF_PRODUCER(perf_64, 64)
PERF_PRODUCER(perf_1k, 1024)
