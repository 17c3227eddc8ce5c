/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bpf4j/arena_list.h: a singly linked list of __u64 values in a BPF arena,
 * with a layout user space reads and writes directly (native byte order):
 *
 *   struct bpf4j_list       (16 bytes)      struct bpf4j_list_node  (16 bytes)
 *     0  first  8-byte pointer                0  next   8-byte pointer
 *     8  count  __u64                         8  value  __u64
 *
 * Pointers are stored in user form (see bpf4j/arena.h): the user address of
 * the node, or in a BPF_F_NO_USER_CONV arena its low 32 bits; 0 is NULL.
 * Either way the node's arena offset is (u32)ptr - (u32)user_vm_start.
 * count is the number of nodes the helpers linked in.
 *
 * Every helper takes pointers in either form. No locking: one writer at a
 * time; readers may walk concurrently with push_front, which links a node
 * only after writing it.
 */
#ifndef __BPF4J_ARENA_LIST_H
#define __BPF4J_ARENA_LIST_H

#include "arena.h"

struct bpf4j_list_node {
	struct bpf4j_list_node __arena *next;
	__u64 value;
};

struct bpf4j_list {
	struct bpf4j_list_node __arena *first;
	__u64 count;
};

_Static_assert(sizeof(struct bpf4j_list_node) == 16, "bpf4j_list_node is 16 bytes");
_Static_assert(sizeof(struct bpf4j_list) == 16, "bpf4j_list is 16 bytes");

static __always_inline void bpf4j_list_init(struct bpf4j_list __arena *list)
{
	struct bpf4j_list __arena *l = bpf4j_kern(list);

	l->first = NULL;
	l->count = 0;
}

/* Links `node` (its value already written) in front of the list. */
static __always_inline void bpf4j_list_push_front(struct bpf4j_list __arena *list,
						  struct bpf4j_list_node __arena *node)
{
	struct bpf4j_list __arena *l = bpf4j_kern(list);
	struct bpf4j_list_node __arena *n = bpf4j_kern(node);

	n->next = l->first;
	l->first = bpf4j_user(node);
	l->count++;
}

/* Allocates a node with bpf4j_arena_alloc, sets its value and pushes it.
 * Returns the node (user form) or NULL. Sleepable programs only. */
static __always_inline struct bpf4j_list_node __arena *
bpf4j_list_push_new(void *map, struct bpf4j_arena_bump *heap,
		    struct bpf4j_list __arena *list, __u64 value)
{
	struct bpf4j_list_node __arena *node, *n;

	node = bpf4j_arena_alloc(map, heap, sizeof(struct bpf4j_list_node));
	if (!node)
		return NULL;
	n = bpf4j_kern(node);
	n->value = value;
	bpf4j_list_push_front(list, node);
	return node;
}

/*
 * for (pos = first node; pos && fewer than `max` nodes visited; pos = next):
 * `pos` is a struct bpf4j_list_node __arena * the caller declares; inside the
 * body it holds the kernel form, ready to dereference. An open-coded
 * iterator (bpf_iter_num, Linux 6.4+) bounds the loop, so the verifier does
 * not walk it node by node and `max` may be large and need not be constant.
 * After the loop, a non-NULL `pos` means the walk stopped at `max` (or at a
 * `break`).
 */
#define bpf4j_list_for_each(pos, list, max)					\
	for (struct bpf_iter_num ___bpf4j_it					\
		__attribute__((aligned(8), cleanup(bpf_iter_num_destroy))),	\
		*___bpf4j_p __attribute__((unused)) = (				\
			bpf_iter_num_new(&___bpf4j_it, 0, (max)),		\
			(pos) = bpf4j_kern(bpf4j_kern(list)->first),		\
			(void)bpf_iter_num_destroy, (void *)0);			\
	     (pos) && bpf_iter_num_next(&___bpf4j_it);				\
	     (pos) = bpf4j_kern((pos)->next))

/*
 * Walks at most `max` nodes: returns how many it visited and adds their
 * values to *sum; -1 if the list has more than `max` nodes (or a cycle).
 */
static __always_inline __s64 bpf4j_list_walk(struct bpf4j_list __arena *list, __u32 max,
					     __u64 *sum)
{
	struct bpf4j_list_node __arena *pos;
	__u64 s = 0;
	__s64 n = 0;

	bpf4j_list_for_each(pos, list, max) {
		s += pos->value;
		n++;
	}
	*sum += s;
	return pos ? -1 : n;
}

#endif /* __BPF4J_ARENA_LIST_H */
