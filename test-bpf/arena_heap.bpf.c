// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Arena use case 3: the arena as the program's private heap, created with
 * BPF_F_NO_USER_CONV (pointers are stored as 32 bits, cast_user is a 32-bit
 * move) and BPF_F_SEGV_ON_FAULT (user space cannot fault pages in: touching a
 * page the program has not allocated is SIGSEGV, so read it through the
 * kernel, e.g. process_vm_readv, which reports EFAULT instead).
 *
 * heap_alloc allocates pages one at a time, fills them with a pattern and
 * publishes their pointers; heap_free gives them back with
 * bpf_arena_free_pages; heap_check verifies the pattern from the kernel side.
 * All three are syscall programs for BPF_PROG_TEST_RUN.
 *
 * Pattern: the __u64 word w (0 .. 511) of page i (0 .. heap_count - 1) is
 * HEAP_PATTERN(i, w) = 0xB4F4 << 48 | i << 16 | w.
 *
 * No __arena globals here: libbpf (or bpf4j) would have to write their
 * initial values from user space, which this arena forbids.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf4j/arena.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

BPF4J_ARENA_MAP(heap_arena, 1024, BPF_F_NO_USER_CONV | BPF_F_SEGV_ON_FAULT);

#define HEAP_MAX_PAGES	64
#define HEAP_WORDS	(PAGE_SIZE / 8)
#define HEAP_F_FREE	1	/* free the pages again before returning */
#define HEAP_PATTERN(i, w) ((0xB4F4ULL << 48) | ((__u64)(i) << 16) | (__u64)(w))

/* ctx of heap_alloc: 8 bytes. */
struct heap_args {
	__u32 pages;	/* 1 .. 64 */
	__u32 flags;	/* HEAP_F_FREE */
};

/* .bss */
__u64 heap_ptrs[HEAP_MAX_PAGES];	/* page i: low 32 bits of its user address */
__u32 heap_count;			/* pages of the last heap_alloc */
__u32 heap_live;			/* 1 while those pages are allocated */
__u64 heap_pages_allocated;		/* pages allocated in total */
__u64 heap_pages_freed;			/* pages freed in total */

static __always_inline void free_all(void)
{
	__u32 n = heap_count;
	int i;

	bpf_for(i, 0, n) {
		if (i >= HEAP_MAX_PAGES)
			break;
		bpf4j_arena_free_pages(&heap_arena, (void __arena *)heap_ptrs[i], 1);
		heap_pages_freed++;
	}
	heap_live = 0;
}

/*
 * Returns 0, -EINVAL (pages out of range), -EBUSY (the last pages were not
 * freed yet), -ENOMEM (arena full: what was allocated is freed again).
 */
SEC("syscall")
int heap_alloc(struct heap_args *args)
{
	__u32 pages = args->pages, flags = args->flags;
	__u64 __arena *p;
	int i, w;

	if (pages < 1 || pages > HEAP_MAX_PAGES)
		return -22;
	if (heap_live)
		return -16;
	heap_count = 0;
	bpf_for(i, 0, pages) {
		if (i >= HEAP_MAX_PAGES)
			break;
		p = bpf_arena_alloc_pages(&heap_arena, NULL, 1, NUMA_NO_NODE, 0);
		if (!p) {
			free_all();
			return -12;
		}
		heap_pages_allocated++;
		heap_ptrs[i] = (__u64)bpf4j_user(p);
		heap_count = i + 1;
		heap_live = 1;
		bpf4j_cast_kern(p);
		bpf_for(w, 0, HEAP_WORDS)
			p[w] = HEAP_PATTERN(i, w);
	}
	if (flags & HEAP_F_FREE)
		free_all();
	return 0;
}

/* Frees the pages of the last heap_alloc; returns how many, or -ENOENT. */
SEC("syscall")
int heap_free(void *ctx)
{
	__u32 n = heap_count;

	if (!heap_live)
		return -2;
	free_all();
	return n;
}

/*
 * Counts the words of the live pages that differ from the pattern (user
 * space may have written some); -ENOENT if no pages are live.
 */
SEC("syscall")
int heap_check(void *ctx)
{
	__u32 n = heap_count;
	__u64 __arena *p;
	int i, w, bad = 0;

	bpf4j_arena_bind(heap_arena);
	if (!heap_live)
		return -2;
	bpf_for(i, 0, n) {
		if (i >= HEAP_MAX_PAGES)
			break;
		p = bpf4j_kern((__u64 __arena *)heap_ptrs[i]);
		bpf_for(w, 0, HEAP_WORDS)
			if (p[w] != HEAP_PATTERN(i, w))
				bad++;
	}
	return bad;
}
