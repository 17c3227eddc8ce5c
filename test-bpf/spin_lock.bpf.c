// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Maps whose value holds a struct bpf_spin_lock, for SpinLockTest (BPF_F_LOCK
 * lookups and updates). The lock field is only known to the kernel through
 * BTF, so these maps can only come from an object. The invariant every
 * writer keeps under the lock: all of n[] hold the same number. A reader that
 * sees two different numbers saw a torn value.
 *
 * bump is XDP because the verifier refuses bpf_spin_lock in socket filters and
 * tracing programs; a test run with repeat N takes the lock N times per map.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define LOCKED_WORDS 16

struct locked_val {
	struct bpf_spin_lock lock; /* offset 0, 4 bytes; user space never reads or writes it */
	__u32 pad;
	__u64 n[LOCKED_WORDS];     /* offset 8: all equal, whenever the lock is free */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct locked_val);
} locked_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct locked_val);
} locked_array SEC(".maps");

/* The same value shape without a lock: BPF_F_LOCK on it is the kernel's EINVAL. */
struct plain_val {
	__u32 pad0;
	__u32 pad;
	__u64 n[LOCKED_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct plain_val);
} unlocked_hash SEC(".maps");

static __always_inline void bump_locked(struct locked_val *v)
{
	int i;

	bpf_spin_lock(&v->lock);
	/* Written one word at a time: only the lock keeps a reader from seeing a mix. */
	for (i = 0; i < LOCKED_WORDS; i++)
		v->n[i] = v->n[i] + 1;
	bpf_spin_unlock(&v->lock);
}

/* Adds 1 to every word of locked_array[0] and of locked_hash[0] (if present), under each one's lock. */
SEC("xdp")
int bump(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct locked_val *v;

	v = bpf_map_lookup_elem(&locked_array, &key);
	if (!v)
		return XDP_ABORTED;
	bump_locked(v);
	v = bpf_map_lookup_elem(&locked_hash, &key);
	if (v)
		bump_locked(v);
	return XDP_PASS;
}
