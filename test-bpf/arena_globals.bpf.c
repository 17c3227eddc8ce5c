// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Initialised __arena globals (section .addr_space.1), whose initial values
 * user space must copy into the arena before any program runs (libbpf's job;
 * bpf4j does it in BpfMap.finishArena, since bpf4j maps the arena itself),
 * and a list walker for lists the JVM builds.
 *
 * read_globals (BPF_PROG_TEST_RUN, no ctx): copies g_values and g_answer into
 * .bss (seen_*) and publishes their user-form pointers (answer_ptr,
 * values_ptr). Returns the number of its runs so far (1 on the first).
 * write_globals: g_values[3] = 4444, g_answer = 43 (the JVM checks it sees
 * that). Returns 0.
 *
 * walk_list (BPF_PROG_TEST_RUN, no ctx): walks the bpf4j_list at walk_list_ptr
 * (either pointer form) with bpf4j_list_walk, at most WALK_MAX nodes:
 * walk_len = nodes (-1: more than WALK_MAX, or a cycle), walk_sum = their sum,
 * walk_count = the head's count. Returns 0, or -EINVAL with no list.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf4j/arena_list.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* 64 pages; the globals take one page, at the start or at the end (libbpf
 * decides by a kernel probe), so the JVM keeps to pages 16 .. 47. */
BPF4J_ARENA_MAP(glob_arena, 64, 0);

__u64 __arena_global g_values[4] = {11, 22, 33, 44};
int __arena_global g_answer = 42;

#define WALK_MAX 100000

/* .bss */
__u64 seen_values[4];
__s32 seen_answer;
__u32 runs;
__u64 answer_ptr;
__u64 values_ptr;

__u64 walk_list_ptr;	/* in */
__s64 walk_len;
__u64 walk_sum;
__u64 walk_count;

SEC("syscall")
int read_globals(void *ctx)
{
	int i;

	bpf4j_arena_bind(glob_arena);
	bpf_for(i, 0, 4)
		seen_values[i] = g_values[i];
	seen_answer = g_answer;
	answer_ptr = (__u64)bpf4j_user(&g_answer);
	values_ptr = (__u64)bpf4j_user(&g_values[0]);
	return ++runs;
}

SEC("syscall")
int write_globals(void *ctx)
{
	bpf4j_arena_bind(glob_arena);
	g_values[3] = 4444;
	g_answer = 43;
	return 0;
}

SEC("syscall")
int walk_list(void *ctx)
{
	struct bpf4j_list __arena *list = (struct bpf4j_list __arena *)walk_list_ptr;
	__u64 sum = 0;

	bpf4j_arena_bind(glob_arena);
	if (!list)
		return -22;
	walk_len = bpf4j_list_walk(list, WALK_MAX, &sum);
	walk_sum = sum;
	walk_count = bpf4j_kern(list)->count;
	return 0;
}
