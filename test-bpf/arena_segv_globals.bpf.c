// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * An object bpf4j must refuse before anything reaches the kernel: __arena
 * globals in a BPF_F_SEGV_ON_FAULT arena. The globals' initial values have to
 * be written from user space into a page no program has allocated, which
 * such an arena forbids, so the load could only fail (with EFAULT) after its
 * programs were loaded. Two programs, so that a late failure would show as
 * program ids used up.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf4j/arena.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

BPF4J_ARENA_MAP(segv_arena, 16, BPF_F_SEGV_ON_FAULT);

int __arena_global segv_answer = 42;

__s32 seen_answer; /* .bss */

SEC("syscall")
int read_answer(void *ctx)
{
	bpf4j_arena_bind(segv_arena);
	seen_answer = segv_answer;
	return 0;
}

SEC("syscall")
int write_answer(void *ctx)
{
	bpf4j_arena_bind(segv_arena);
	segv_answer = 43;
	return 0;
}
