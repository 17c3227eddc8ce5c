// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Arena use case 2: a program builds data structures in an arena and user
 * space reads them in place. The syscall program `build` (run with
 * BPF_PROG_TEST_RUN, ctx = struct build_args) makes
 *   - a bpf4j_list (bpf4j/arena_list.h) of n nodes; walked from `first`, the
 *     i-th node (i = 0 .. n-1) holds i * i;
 *   - a BHT1 hash table (bpf4j/arena_htab.h) of n entries: key "key-<i>",
 *     value "value-<i>" (decimal i, NUL padded to 16 and 64 bytes), capacity
 *     the smallest power of two >= 2n (at least 16);
 * and publishes both as arena pointers in .bss.
 *
 * arena_build_nouc.bpf.c compiles this file again for an arena with
 * BPF_F_NO_USER_CONV: there the published and stored pointers are the low 32
 * bits of the user addresses.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf4j/arena_list.h>
#include <bpf4j/arena_htab.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#ifndef ARENA_FLAGS
#define ARENA_FLAGS 0
#endif

/* 4096 pages (16 MiB) of address space; a run with n = 4096 uses 194 pages. */
BPF4J_ARENA_MAP(arena, 4096, ARENA_FLAGS);

BPF4J_HTAB_DEFINE(build_tab, 16, 64);

#define BUILD_MAX_N		4096
#define BUILD_F_NO_LIST		1	/* skip the list */
#define BUILD_F_NO_TABLE	2	/* skip the table */
#define BUILD_F_DELETE_THIRDS	4	/* then delete the keys of every i % 3 == 0 (tombstones) */

/* ctx: 8 bytes. */
struct build_args {
	__u32 n;	/* 0 .. 4096 */
	__u32 flags;	/* BUILD_F_* */
};

/* .bss: the results (each run overwrites them; earlier structures stay allocated). */
__u64 list_ptr;			/* struct bpf4j_list; 0 if skipped */
__u64 table_ptr;		/* struct bpf4j_htab header; 0 if skipped */
__u64 table_bytes;		/* 32 + capacity * 88 */
__u32 table_capacity;
__u32 built_n;			/* n of the last successful run */
__u64 list_sum;			/* sum of the values, by walking the list in BPF */
__s64 list_len;			/* nodes counted by that walk */
struct bpf4j_arena_bump heap;	/* the allocator's state: 32 bytes */

/* "<prefix><decimal i>" NUL padded into dst[size]; prefix_len + 10 <= size. */
static __always_inline void fmt_name(__u8 *dst, __u32 size, const char *prefix,
				     __u32 prefix_len, __u32 i)
{
	__u8 digits[16] __attribute__((aligned(8))) = {};
	__u32 nd = 1, v = i, j;

	/* digits[0..9]: i with leading zeros; nd: its significant digits. */
#pragma unroll
	for (j = 0; j < 10; j++) {
		digits[9 - j] = '0' + v % 10;
		v /= 10;
	}
	v = i / 10;
#pragma unroll
	for (j = 1; j < 10; j++) {
		if (v) {
			nd++;
			v /= 10;
		}
	}
#pragma unroll
	for (j = 0; j < size; j++)
		dst[j] = j < prefix_len ? prefix[j] : 0;
#pragma unroll
	for (j = 0; j < 10; j++)
		if (j < nd)
			dst[prefix_len + j] = digits[(10 - nd + j) & 15];
}

SEC("syscall")
int build(struct build_args *args)
{
	__u8 key[16] __attribute__((aligned(8)));
	__u8 value[64] __attribute__((aligned(8)));
	struct bpf4j_list __arena *list = NULL;
	struct bpf4j_htab __arena *table = NULL;
	__u32 n = args->n, flags = args->flags, cap = 16;
	__u64 sum = 0;
	int i, err;

	if (n > BUILD_MAX_N)
		return -BPF4J_EINVAL;

	if (!(flags & BUILD_F_NO_LIST)) {
		list = bpf4j_arena_alloc(&arena, &heap, sizeof(*list));
		if (!list)
			return -12; /* ENOMEM */
		bpf4j_list_init(list);
		/* Pushed from the back, so walking from `first` yields 0, 1, 4, 9, ... */
		bpf_for(i, 0, n) {
			__u64 k = n - 1 - i;

			if (!bpf4j_list_push_new(&arena, &heap, list, k * k))
				return -12;
		}
	}

	if (!(flags & BUILD_F_NO_TABLE)) {
		while (cap < 2 * n && cap < BPF4J_HTAB_MAX_CAPACITY)
			cap <<= 1;
		table = bpf4j_arena_alloc(&arena, &heap, build_tab_bytes(cap));
		if (!table)
			return -12;
		build_tab_init(table, cap);
		bpf_for(i, 0, n) {
			fmt_name(key, sizeof(key), "key-", 4, i);
			fmt_name(value, sizeof(value), "value-", 6, i);
			err = build_tab_update(table, key, value, BPF_NOEXIST);
			if (err)
				return err;
		}
		if (flags & BUILD_F_DELETE_THIRDS) {
			bpf_for(i, 0, n) {
				if (i % 3)
					continue;
				fmt_name(key, sizeof(key), "key-", 4, i);
				err = build_tab_delete(table, key);
				if (err)
					return err;
			}
		}
	}

	list_len = list ? bpf4j_list_walk(list, BUILD_MAX_N + 1, &sum) : 0;
	list_sum = sum;
	list_ptr = (__u64)bpf4j_user(list);
	table_ptr = (__u64)bpf4j_user(table);
	table_capacity = table ? cap : 0;
	table_bytes = table ? build_tab_bytes(cap) : 0;
	built_n = n;
	return 0;
}
