// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The baseline ArenaPayloadBench compares bpf/arena_events.bpf.c with: the
 * same payloads (payload_size bytes, 8-byte word i of payload seq is
 * (seq << 16) | i, written with the same bpf_for loop over 64-byte chunks) put in the ring
 * record itself. bpf_ringbuf_reserve needs a size the verifier knows, so
 * each of the benchmark's sizes has its own branch.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf4j/ringbuf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 23); /* 8 MiB: 64 records of 64 KiB and their headers */
} events SEC(".maps");

BPF4J_RINGBUF_DROPS(drops);

__u32 payload_size = 0; /* 64, 256, 1024, 4096, 16384 or 65536 */
__u64 next_seq;

#define EMIT(size)								\
	do {									\
		__u64 *r = bpf4j_ringbuf_reserve(&events, &drops, (size));	\
		__u64 *p = r;							\
		int c;								\
										\
		if (!r)								\
			return 0;						\
		bpf_for(c, 0, (size) / 64) {					\
			__u64 w = (seq << 16) | (c * 8);			\
			__u64 *q = p + c * 8;					\
										\
			q[0] = w;						\
			q[1] = w | 1;						\
			q[2] = w | 2;						\
			q[3] = w | 3;						\
			q[4] = w | 4;						\
			q[5] = w | 5;						\
			q[6] = w | 6;						\
			q[7] = w | 7;						\
		}								\
		bpf_ringbuf_submit(r, 0);					\
		return 1;							\
	} while (0)

static __always_inline int emit_one(__u32 len)
{
	__u64 seq = __sync_fetch_and_add(&next_seq, 1);

	switch (len) {
	case 64: EMIT(64);
	case 256: EMIT(256);
	case 1024: EMIT(1024);
	case 4096: EMIT(4096);
	case 16384: EMIT(16384);
	case 65536: EMIT(65536);
	}
	return 0;
}

struct emit_args {
	__u32 count;
};

/* Like arena_events' emit: count payloads per run; returns how many were submitted. */
SEC("syscall")
int emit_inline(struct emit_args *args)
{
	__u32 count = args->count, len = payload_size;
	int n, sent = 0;

	if (count > (1U << 20))
		return -22;
	bpf_for(n, 0, count)
		sent += emit_one(len);
	return sent;
}
