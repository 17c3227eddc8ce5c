/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bpf4j/arena_htab.h: a fixed-capacity hash table with fixed-size keys and
 * values in a BPF arena, in a layout user space reads and writes directly.
 * Format "BHT1" (all integers in native byte order, no pointers inside):
 *
 *   header, 32 bytes, 8-byte aligned:
 *     0  u32 magic       the bytes 'B' 'H' 'T' '1' (0x31544842 little endian)
 *     4  u32 capacity    slots: a power of two, 2 <= capacity <= 1 << 20
 *     8  u32 key_size    bytes of a key (>= 1)
 *    12  u32 value_size  bytes of a value (>= 1)
 *    16  u32 count       slots in state USED
 *    20  u32 slot_size   8 + round8(key_size) + round8(value_size)
 *    24  u64 reserved    0
 *   32  slot[0], slot[1], ... slot[capacity - 1], each slot_size bytes:
 *     0  u32 state       0 EMPTY, 1 USED, 2 DELETED (tombstone)
 *     4  u32 hash        FNV-1a of the key (meaningful when USED or DELETED)
 *     8  key[key_size], zero padded to round8(key_size)
 *     8 + round8(key_size)  value[value_size], zero padded to round8(value_size)
 *   total: 32 + capacity * slot_size bytes.
 *
 * Hash: 32-bit FNV-1a over the key_size key bytes: h = 2166136261; for each
 * byte b: h = (h ^ b) * 16777619 (mod 2^32). Home slot: h & (capacity - 1).
 *
 * Probing (linear, bounded): a key may live only in the first
 * min(BPF4J_HTAB_MAX_PROBE, capacity) slots starting at its home slot,
 * i = (home + k) & (capacity - 1) for k = 0, 1, ...; BPF4J_HTAB_MAX_PROBE
 * is 64 and part of the format.
 *  - lookup: stops at the first EMPTY slot or after the bound; skips
 *    DELETED; a slot matches when USED, hash equal and key bytes equal.
 *  - insert: first looks the key up exactly like that (an existing key is
 *    updated in place); otherwise takes the first DELETED or EMPTY slot met
 *    within the bound. No such slot: fails (-ENOSPC), the table is unchanged.
 *    count must stay <= capacity - 1: an insert that would make it capacity
 *    fails (-E2BIG).
 *  - delete: state = DELETED (key, hash and value stay), count - 1.
 * A writer fills key, value and hash before it sets state USED, so a
 * concurrent reader never sees a half-written new entry; an update of an
 * existing value is not atomic. One writer at a time (BPF or user space).
 *
 * Use: BPF4J_HTAB_DEFINE(kv, 16, 64) defines struct kv_slot and the functions
 * kv_bytes(capacity), kv_init(t, capacity), kv_check(t), kv_lookup(t, key),
 * kv_update(t, key, value, flags), kv_delete(t, key), where t is a
 * struct bpf4j_htab __arena * in either pointer form, and key/value point to
 * key_size/value_size bytes in ordinary (stack or map) memory.
 */
#ifndef __BPF4J_ARENA_HTAB_H
#define __BPF4J_ARENA_HTAB_H

#include "arena.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define BPF4J_HTAB_MAGIC 0x31544842U	/* "BHT1" */
#else
#define BPF4J_HTAB_MAGIC 0x42485431U	/* "BHT1" */
#endif
#define BPF4J_HTAB_MAX_PROBE	64
#define BPF4J_HTAB_MAX_CAPACITY	(1U << 20)
#define BPF4J_HTAB_HEADER_SIZE	32
#define BPF4J_HTAB_EMPTY	0
#define BPF4J_HTAB_USED		1
#define BPF4J_HTAB_DELETED	2
#define BPF4J_HTAB_FNV_OFFSET	2166136261U
#define BPF4J_HTAB_FNV_PRIME	16777619U
#define BPF4J_ROUND8(x)		(((x) + 7) & ~7)

/* What BPF4J_HTAB_DEFINE generates: a program may use only some of it. */
#define __bpf4j_htab_fn static __always_inline __attribute__((unused))

/* Return values (negative errno, as Linux numbers them). */
#define BPF4J_ENOENT	2
#define BPF4J_E2BIG	7
#define BPF4J_EEXIST	17
#define BPF4J_EINVAL	22
#define BPF4J_ENOSPC	28

struct bpf4j_htab {
	__u32 magic;
	__u32 capacity;
	__u32 key_size;
	__u32 value_size;
	__u32 count;
	__u32 slot_size;
	__u64 reserved;
};
_Static_assert(sizeof(struct bpf4j_htab) == BPF4J_HTAB_HEADER_SIZE, "header is 32 bytes");

static __always_inline __u32 bpf4j_fnv1a(const void *data, __u32 len)
{
	const __u8 *p = data;
	__u32 h = BPF4J_HTAB_FNV_OFFSET;

#pragma unroll
	for (__u32 i = 0; i < len; i++) {
		h ^= p[i];
		h *= BPF4J_HTAB_FNV_PRIME;
	}
	return h;
}

/* Checks a header against the format and the compile-time sizes; 0 if good. */
static __always_inline int bpf4j_htab_check(struct bpf4j_htab __arena *table,
					    __u32 key_size, __u32 value_size)
{
	struct bpf4j_htab __arena *t = bpf4j_kern(table);
	__u32 cap;

	if (!t)
		return -BPF4J_EINVAL;
	cap = t->capacity;
	if (t->magic != BPF4J_HTAB_MAGIC || t->key_size != key_size ||
	    t->value_size != value_size ||
	    t->slot_size != 8 + BPF4J_ROUND8(key_size) + BPF4J_ROUND8(value_size) ||
	    cap < 2 || cap > BPF4J_HTAB_MAX_CAPACITY || (cap & (cap - 1)))
		return -BPF4J_EINVAL;
	return 0;
}

/*
 * Writes an empty table of `capacity` slots (a power of two, 2 .. 1 << 20)
 * at `table`, which must hold bytes(capacity) bytes of zeroed arena memory
 * (fresh pages from bpf_arena_alloc_pages or bpf4j_arena_alloc are). Only the
 * header is written: EMPTY is 0.
 */
static __always_inline int bpf4j_htab_init(struct bpf4j_htab __arena *table, __u32 capacity,
					   __u32 key_size, __u32 value_size)
{
	struct bpf4j_htab __arena *t = bpf4j_kern(table);

	if (!t || capacity < 2 || capacity > BPF4J_HTAB_MAX_CAPACITY || (capacity & (capacity - 1)))
		return -BPF4J_EINVAL;
	t->capacity = capacity;
	t->key_size = key_size;
	t->value_size = value_size;
	t->count = 0;
	t->slot_size = 8 + BPF4J_ROUND8(key_size) + BPF4J_ROUND8(value_size);
	t->reserved = 0;
	t->magic = BPF4J_HTAB_MAGIC;
	return 0;
}

#define BPF4J_HTAB_DEFINE(name, KEY_SIZE, VALUE_SIZE)				\
struct name##_slot {								\
	__u32 state;								\
	__u32 hash;								\
	__u8 key[BPF4J_ROUND8(KEY_SIZE)];					\
	__u8 value[BPF4J_ROUND8(VALUE_SIZE)];					\
} __attribute__((aligned(8)));							\
_Static_assert(sizeof(struct name##_slot) ==					\
	       8 + BPF4J_ROUND8(KEY_SIZE) + BPF4J_ROUND8(VALUE_SIZE),		\
	       #name ": slot layout");						\
										\
__bpf4j_htab_fn __u64 name##_bytes(__u32 capacity)			\
{										\
	return BPF4J_HTAB_HEADER_SIZE +						\
	       (__u64)capacity * sizeof(struct name##_slot);			\
}										\
										\
__bpf4j_htab_fn int name##_init(struct bpf4j_htab __arena *t, __u32 capacity)	\
{										\
	return bpf4j_htab_init(t, capacity, KEY_SIZE, VALUE_SIZE);		\
}										\
										\
__bpf4j_htab_fn int name##_check(struct bpf4j_htab __arena *t)		\
{										\
	return bpf4j_htab_check(t, KEY_SIZE, VALUE_SIZE);			\
}										\
										\
__bpf4j_htab_fn struct name##_slot __arena *				\
name##__slots(struct bpf4j_htab __arena *t)					\
{										\
	return (struct name##_slot __arena *)					\
		((char __arena *)t + BPF4J_HTAB_HEADER_SIZE);			\
}										\
										\
/* 1 if the slot's key equals key[0..KEY_SIZE). */				\
__bpf4j_htab_fn int name##__key_eq(struct name##_slot __arena *s,	\
					  const __u8 *key)			\
{										\
	__u8 diff = 0;								\
	_Pragma("unroll")							\
	for (__u32 j = 0; j < (KEY_SIZE); j++)					\
		diff |= s->key[j] ^ key[j];					\
	return diff == 0;							\
}										\
										\
/*										\
 * Probes for key (hash h): returns the matching USED slot's index, or -1	\
 * and in *free the first DELETED/EMPTY slot within the bound (-1: none).	\
 */										\
__bpf4j_htab_fn int name##__probe(struct bpf4j_htab __arena *t,		\
					 const __u8 *key, __u32 h, int *free)	\
{										\
	struct name##_slot __arena *slots = name##__slots(t);			\
	struct name##_slot __arena *s;						\
	__u32 mask = t->capacity - 1, idx, state;				\
	int k, found = -1;							\
										\
	*free = -1;								\
	bpf_for(k, 0, BPF4J_HTAB_MAX_PROBE) {					\
		if ((__u32)k > mask)						\
			break;							\
		idx = (h + k) & mask;						\
		s = slots + idx;						\
		state = s->state;						\
		if (state == BPF4J_HTAB_EMPTY) {				\
			if (*free < 0)						\
				*free = idx;					\
			break;							\
		}								\
		if (state != BPF4J_HTAB_USED) {					\
			if (*free < 0)						\
				*free = idx;					\
			continue;						\
		}								\
		if (s->hash == h && name##__key_eq(s, key)) {			\
			found = idx;						\
			break;							\
		}								\
	}									\
	return found;								\
}										\
										\
/* The value (kernel form: dereference it, cast_user before storing it), or	\
 * NULL when the key is absent or the table malformed. */			\
__bpf4j_htab_fn void __arena *						\
name##_lookup(struct bpf4j_htab __arena *table, const void *key)		\
{										\
	struct bpf4j_htab __arena *t = bpf4j_kern(table);			\
	int idx, free;								\
										\
	if (!t)									\
		return NULL;							\
	idx = name##__probe(t, key, bpf4j_fnv1a(key, KEY_SIZE), &free);	\
	if (idx < 0)								\
		return NULL;							\
	return name##__slots(t)[idx].value;					\
}										\
										\
/*										\
 * Inserts or updates; flags as for maps: BPF_ANY, BPF_NOEXIST (-EEXIST if	\
 * present), BPF_EXIST (-ENOENT if absent). Returns 0, or -ENOSPC (no free	\
 * slot within the probe bound), -E2BIG (count would reach capacity).		\
 */										\
__bpf4j_htab_fn int name##_update(struct bpf4j_htab __arena *table,	\
					 const void *key, const void *value,	\
					 __u64 flags)				\
{										\
	struct bpf4j_htab __arena *t = bpf4j_kern(table);			\
	struct name##_slot __arena *s;						\
	const __u8 *k = key, *v = value;					\
	__u32 h;								\
	int idx, free;								\
										\
	if (!t)									\
		return -BPF4J_EINVAL;						\
	h = bpf4j_fnv1a(key, KEY_SIZE);						\
	idx = name##__probe(t, key, h, &free);					\
	if (idx >= 0) {								\
		if (flags == BPF_NOEXIST)					\
			return -BPF4J_EEXIST;					\
		s = name##__slots(t) + idx;					\
		_Pragma("unroll")						\
		for (__u32 j = 0; j < (VALUE_SIZE); j++)			\
			s->value[j] = v[j];					\
		return 0;							\
	}									\
	if (flags == BPF_EXIST)							\
		return -BPF4J_ENOENT;						\
	if (free < 0)								\
		return -BPF4J_ENOSPC;						\
	if (t->count >= t->capacity - 1)					\
		return -BPF4J_E2BIG;						\
	s = name##__slots(t) + free;						\
	_Pragma("unroll")							\
	for (__u32 j = 0; j < BPF4J_ROUND8(KEY_SIZE); j++)			\
		s->key[j] = j < (KEY_SIZE) ? k[j] : 0;				\
	_Pragma("unroll")							\
	for (__u32 j = 0; j < BPF4J_ROUND8(VALUE_SIZE); j++)			\
		s->value[j] = j < (VALUE_SIZE) ? v[j] : 0;			\
	s->hash = h;								\
	barrier();								\
	s->state = BPF4J_HTAB_USED;						\
	t->count++;								\
	return 0;								\
}										\
										\
/* 0, or -ENOENT. */								\
__bpf4j_htab_fn int name##_delete(struct bpf4j_htab __arena *table,	\
					 const void *key)			\
{										\
	struct bpf4j_htab __arena *t = bpf4j_kern(table);			\
	int idx, free;								\
										\
	if (!t)									\
		return -BPF4J_EINVAL;						\
	idx = name##__probe(t, key, bpf4j_fnv1a(key, KEY_SIZE), &free);	\
	if (idx < 0)								\
		return -BPF4J_ENOENT;						\
	name##__slots(t)[idx].state = BPF4J_HTAB_DELETED;			\
	t->count--;								\
	return 0;								\
}

#endif /* __BPF4J_ARENA_HTAB_H */
