// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A 4 GiB arena (1 << 20 pages, the largest there is) and a syscall program
 * that reads and writes __u64 values at offsets user space chooses, so that
 * the JVM and the kernel exchange values beyond 2 GiB and up to the last page.
 *
 * A 4 GiB arena always starts at a 4 GiB boundary of the user address space
 * (the kernel never lets the mapping cross one), so the low 32 bits of a
 * pointer to offset `off` are `off` itself, and the program makes pointers
 * straight from offsets. The pointer to offset 0 would be NULL in 32 bits,
 * and bpf_arena_alloc_pages(NULL) means "anywhere", so page 0 is off limits.
 *
 * big_rw (BPF_PROG_TEST_RUN, no ctx): for each slot i < 4 with big_off[i] != 0:
 *   - allocates the page at big_off[i] with bpf_arena_alloc_pages(map, addr,
 *     1, NUMA_NO_NODE, 0) at that exact address (big_alloc[i] = 1), or finds
 *     it present already, e.g. faulted in by user space (big_alloc[i] = 0);
 *   - big_seen[i] = the __u64 there; then writes big_in[i] there;
 *   - big_ptr[i] = the user-form pointer (user_vm_start + big_off[i]).
 *   An offset that is not 8-byte aligned, in page 0, or >= 4 GiB gets
 *   big_alloc[i] = -1 and is left alone. Returns the number of slots done.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf4j/arena.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

BPF4J_ARENA_MAP(big_arena, 1 << 20, 0);

#define BIG_SLOTS 4

/* .bss */
__u64 big_off[BIG_SLOTS];	/* in: arena offsets; 0: slot unused */
__u64 big_in[BIG_SLOTS];	/* in: the values to write */
__u64 big_seen[BIG_SLOTS];	/* out: the values found before writing */
__u64 big_ptr[BIG_SLOTS];	/* out: the pointers (user addresses) */
__s32 big_alloc[BIG_SLOTS];	/* out: 1 allocated here, 0 was present, -1 bad offset */

SEC("syscall")
int big_rw(void *ctx)
{
	__u64 __arena *p;
	__u64 off;
	int i, done = 0;

	bpf_for(i, 0, BIG_SLOTS) {
		off = big_off[i];
		if (!off)
			continue;
		if ((off & 7) || off < PAGE_SIZE || off >= (1ULL << 32)) {
			big_alloc[i] = -1;
			continue;
		}
		p = bpf_arena_alloc_pages(&big_arena,
					  (void __arena *)(off & ~(__u64)(PAGE_SIZE - 1)),
					  1, NUMA_NO_NODE, 0);
		big_alloc[i] = p != NULL;
		p = bpf4j_kern((__u64 __arena *)off);
		big_seen[i] = *p;
		*p = big_in[i];
		big_ptr[i] = (__u64)bpf4j_user(p);
		done++;
	}
	return done;
}
