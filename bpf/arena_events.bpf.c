// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Zero-copy payloads: large event payloads go into a BPF arena, and only
 * {seq, pointer, length, slot} (24 bytes) goes through the ring buffer. Java
 * reads the payload in place through ArenaRegion, where the program wrote it.
 * The README's "Zero-copy payloads through an arena" tour.
 *
 * Layout: `setup` (SEC("syscall"), run once with testRun()) allocates, in
 * one piece, a page of slot states (__u64 state[SLOTS]) followed by SLOTS
 * slots of SLOT_SIZE bytes; `emit` (SEC("syscall") too, standing in for a
 * tracing program) writes count payloads of payload_size bytes (a multiple
 * of 64, 64 .. 64 KiB), payload seq into slot seq % SLOTS, and submits an
 * event for each. (A syscall program, not XDP with test-run's repeat: an XDP
 * test run swaps the kernel's XDP dispatcher, which can cost milliseconds.)
 *
 * The slot-reuse rule: a slot belongs to the producer while its state is 0
 * and to the consumer while it is 1.
 *   producer: claims slot seq % SLOTS by compare-and-swapping its state 0 -> 1;
 *             if the state is still 1 the consumer has not released it and the
 *             payload is refused (counted in slot_busy), never written over a
 *             payload being read. Then it writes the payload and submits the
 *             event: bpf_ringbuf_submit publishes with release ordering, so a
 *             consumer that sees the event sees the whole payload.
 *   consumer: reads the event and the payload, and only then releases the slot
 *             with a compare-and-set 1 -> 0 (ArenaRegion.compareAndSetLong, a
 *             full barrier: every read of the payload happens before the
 *             producer can claim the slot again).
 * A payload is therefore never read torn, even with producers on several
 * CPUs, events arriving out of sequence order, or a consumer releasing slots
 * out of order; a slow consumer costs refused payloads, not corrupt ones.
 * An event whose ring reservation fails gives its slot back at once.
 *
 * Payload content, checked by the tests: 8-byte word i of payload seq is
 * (seq << 16) | i.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf4j/arena.h"
#include "bpf4j/ringbuf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SLOTS		64
#define SLOT_SIZE	(64 * 1024)	/* the largest payload */
#define AREA_PAGES	(1 + SLOTS * (SLOT_SIZE / PAGE_SIZE))

BPF4J_ARENA_MAP(payloads, AREA_PAGES, 0);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} events SEC(".maps");

BPF4J_RINGBUF_DROPS(drops);

struct payload_event {
	__u64 seq;
	__u64 payload;	/* arena pointer (user form) to the payload's first byte */
	__u32 length;	/* bytes */
	__u32 slot;	/* its state is the __u64 at slot_states + 8 * slot */
};

/* .bss */
__u64 slot_states;	/* arena pointer to __u64 state[SLOTS]; 0 until setup ran */
__u64 slot_data;	/* arena pointer to SLOTS * SLOT_SIZE bytes */
__u32 payload_size = 0;	/* set by Java: a multiple of 64, 64 .. SLOT_SIZE */
__u64 next_seq;
__u64 slot_busy;	/* payloads refused: their slot was not released yet */

SEC("syscall")
int setup(void *ctx)
{
	void __arena *area;

	if (slot_states)
		return 0;
	area = bpf_arena_alloc_pages(&payloads, NULL, AREA_PAGES, NUMA_NO_NODE, 0);
	if (!area)
		return -12; /* ENOMEM */
	slot_states = (__u64)area;
	slot_data = (__u64)area + PAGE_SIZE;
	return 0;
}

/* Writes payload number seq; 1 if its event was submitted, 0 if refused (counted). */
static __always_inline int emit_one(__u32 len)
{
	struct payload_event *e;
	__u64 __arena *state;
	__u64 __arena *p;
	__u64 seq, user;
	__u32 slot;
	int c;

	seq = __sync_fetch_and_add(&next_seq, 1);
	slot = seq % SLOTS;
	state = bpf4j_kern((__u64 __arena *)slot_states + slot);
	if (__sync_val_compare_and_swap(state, 0, 1) != 0) {
		__sync_fetch_and_add(&slot_busy, 1);
		return 0;
	}
	user = slot_data + (__u64)slot * SLOT_SIZE;
	p = bpf4j_kern((__u64 __arena *)user);
	/* An open-coded iterator: verified once, not once per chunk; one kfunc call per 64 bytes. */
	bpf_for(c, 0, len / 64) {
		__u64 w = (seq << 16) | (c * 8);
		__u64 __arena *q = p + c * 8;

		q[0] = w;
		q[1] = w | 1;
		q[2] = w | 2;
		q[3] = w | 3;
		q[4] = w | 4;
		q[5] = w | 5;
		q[6] = w | 6;
		q[7] = w | 7;
	}
	e = bpf4j_ringbuf_reserve(&events, &drops, sizeof(*e));
	if (!e) {
		__sync_val_compare_and_swap(state, 1, 0); /* nobody will read it: give the slot back */
		return 0;
	}
	e->seq = seq;
	e->payload = user;
	e->length = len;
	e->slot = slot;
	bpf_ringbuf_submit(e, 0);
	return 1;
}

struct emit_args {
	__u32 count;	/* payloads to write, at most 1 << 20 */
};

/*
 * Writes args->count payloads of payload_size bytes (the stand-in for a
 * tracing program that fires count times). Returns how many were
 * submitted, or -EINVAL (-22) for a bad payload_size or count, or before
 * setup.
 */
SEC("syscall")
int emit(struct emit_args *args)
{
	__u32 len = payload_size, count = args->count;
	int n, sent = 0;

	bpf4j_arena_bind(payloads);
	if (!slot_states || len < 64 || len > SLOT_SIZE || (len & 63) || count > (1U << 20))
		return -22;
	bpf_for(n, 0, count)
		sent += emit_one(len);
	return sent;
}
