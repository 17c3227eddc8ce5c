/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Ring buffer output that counts what it could not write. The kernel keeps
 * no lost-record counter for BPF_MAP_TYPE_RINGBUF: a full ring only makes
 * bpf_ringbuf_reserve return NULL (bpf_ringbuf_output -EAGAIN). Declare a
 * counter next to the ring and write through these helpers; Java reads the
 * total with RingBuffer.drops(obj.map("drops")).
 *
 *	struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 1 << 20); } events SEC(".maps");
 *	BPF4J_RINGBUF_DROPS(drops);
 *
 *	struct event *e = bpf4j_ringbuf_reserve(&events, &drops, sizeof(*e));
 *	if (!e)
 *		return 0;	// counted
 *	...
 *	bpf_ringbuf_submit(e, 0);
 */
#ifndef BPF4J_RINGBUF_H
#define BPF4J_RINGBUF_H

#ifndef __VMLINUX_H__
#include <linux/bpf.h>
#endif
#include <bpf/bpf_helpers.h>

/* A per-CPU __u64 at key 0: CPUs never share its cache line, and Java sums the CPUs. */
#define BPF4J_RINGBUF_DROPS(name)				\
	struct {						\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);	\
		__uint(max_entries, 1);				\
		__type(key, __u32);				\
		__type(value, __u64);				\
	} name SEC(".maps")

static __always_inline void bpf4j_ringbuf_count_drop(void *drops)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(drops, &zero);

	/* Atomic: a program interrupting another on the same CPU (a tracing program) may count too. */
	if (n)
		__sync_fetch_and_add(n, 1);
}

/* bpf_ringbuf_reserve (size must be a constant the verifier sees), counting a failure in drops. */
#define bpf4j_ringbuf_reserve(ringbuf, drops, size)			\
	({								\
		void *__rec = bpf_ringbuf_reserve((ringbuf), (size), 0);	\
		if (!__rec)						\
			bpf4j_ringbuf_count_drop(drops);		\
		__rec;							\
	})

/* bpf_ringbuf_output, counting a failure (no room: -EAGAIN) in drops. */
static __always_inline long bpf4j_ringbuf_output(void *ringbuf, void *drops, void *data, __u64 size, __u64 flags)
{
	long err = bpf_ringbuf_output(ringbuf, data, size, flags);

	if (err)
		bpf4j_ringbuf_count_drop(drops);
	return err;
}

#endif /* BPF4J_RINGBUF_H */
