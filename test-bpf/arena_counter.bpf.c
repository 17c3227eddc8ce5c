// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A __u64 counter in an arena that a BPF program and the JVM increment at
 * the same time, with atomic adds on both sides (__sync_fetch_and_add here:
 * a `lock add` on x86).
 *
 * User space picks the counter's place: it stores the counter's arena
 * pointer (user address, or its low 32 bits) in counter_ptr.
 *
 * BPF_PROG_TEST_RUN repeats only packet programs: syscall and raw_tp
 * programs reject repeat (EINVAL). So
 *   counter_inc (XDP) adds 1 per run: run it with repeat(N) and any packet
 *               of at least 14 bytes (data_in); returns XDP_PASS, or
 *               XDP_ABORTED when counter_ptr is 0;
 *   counter_add (syscall) adds `delta` `count` times in one run.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf4j/arena.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

BPF4J_ARENA_MAP(counter_arena, 16, 0);

/* .bss */
__u64 counter_ptr;	/* in: the counter's arena pointer; 0: none */
__u64 runs;		/* program runs that found a counter (atomic adds) */

SEC("xdp")
int counter_inc(struct xdp_md *ctx)
{
	__u64 __arena *c = (__u64 __arena *)counter_ptr;

	bpf4j_arena_bind(counter_arena);
	if (!c)
		return XDP_ABORTED;
	__sync_fetch_and_add(bpf4j_kern(c), 1);
	__sync_fetch_and_add(&runs, 1);
	return XDP_PASS;
}

/* ctx of counter_add: 16 bytes. */
struct counter_args {
	__u32 count;	/* adds to do, 0 .. 1 << 23 */
	__u32 reserved;
	__u64 delta;	/* added each time */
};

/*
 * Makes sure the counter's page exists (allocating it if user space has not
 * touched it yet), then adds. Returns 0, -EINVAL (no counter_ptr, count too
 * large).
 */
SEC("syscall")
int counter_add(struct counter_args *args)
{
	__u64 ptr = counter_ptr, delta = args->delta;
	__u32 count = args->count;
	__u64 __arena *c;
	int i;

	if (!ptr || count > (1U << 23))
		return -22;
	/* Fails harmlessly when the page is there already; an address whose low
	 * 32 bits are 0 would mean "anywhere", so skip it. */
	if ((__u32)(ptr & ~(__u64)(PAGE_SIZE - 1)))
		bpf_arena_alloc_pages(&counter_arena,
				      (void __arena *)(ptr & ~(__u64)(PAGE_SIZE - 1)),
				      1, NUMA_NO_NODE, 0);
	c = bpf4j_kern((__u64 __arena *)ptr);
	bpf_for(i, 0, count)
		__sync_fetch_and_add(c, delta);
	__sync_fetch_and_add(&runs, 1);
	return 0;
}
