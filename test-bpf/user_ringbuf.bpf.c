// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A user ring buffer (16 KiB) and a syscall program `drain` that reads what
 * Java produced with bpf_user_ringbuf_drain, copying record i (its length and
 * up to 8 KiB of content) to out[i], for UserRingBufferTest. Returns the
 * records drained (at most 64 per run: the test produces no more), or the
 * drain's -errno.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define MAX_COPY 8192
#define MAX_RECORDS 64

extern __u32 bpf_dynptr_size(const struct bpf_dynptr *p) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 16384);
} user_ring SEC(".maps");

struct record {
	__u32 len;
	__u32 pad;
	__u8 data[MAX_COPY];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_RECORDS);
	__type(key, __u32);
	__type(value, struct record);
} out SEC(".maps");

struct drain_state {
	__u32 n;
};

static long on_record(struct bpf_dynptr *d, void *arg)
{
	struct drain_state *st = arg;
	__u32 i = st->n;
	struct record *r;
	__u32 len;

	if (i >= MAX_RECORDS)
		return 1;
	st->n = i + 1;
	r = bpf_map_lookup_elem(&out, &i);
	if (!r)
		return 1;
	len = bpf_dynptr_size(d);
	r->len = len;
	if (len > MAX_COPY)
		len = MAX_COPY;
	bpf_dynptr_read(r->data, len, d, 0, 0);
	return 0;
}

SEC("syscall")
int drain(void *ctx)
{
	struct drain_state st = { 0 };
	long n = bpf_user_ringbuf_drain(&user_ring, on_record, &st, 0);

	if (n < 0)
		return n;
	return st.n;
}
