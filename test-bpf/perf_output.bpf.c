// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Producers for PerfBufferTest: bpf_perf_event_output(BPF_F_CURRENT_CPU)
 * into a PERF_EVENT_ARRAY. emit is a raw_tp program (its test runs honour
 * BPF_F_TEST_RUN_ON_CPU, so the test produces on every CPU); emit_xdp is run
 * with a repeat count for volume. Each CPU numbers its own samples, and
 * counts the samples the kernel refused (-ENOSPC: the ring was full) so the
 * test compares them with the lost-samples records.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* max_entries 0: libbpf makes it the number of possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

/* One slot: too few for a machine of 2+ CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 1);
} one_slot SEC(".maps");

#define MAX_LEN 8192
#define MAX_BATCH 512
#define MAGIC 0x70657266 /* "perf" */

struct payload {
	__u8 bytes[MAX_LEN];
};

/* The bytes of mode 1 samples, filled by the test; the program writes its first 8 (the sequence number). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct payload);
} payload SEC(".maps");

/* key 0: samples numbered on this CPU; 1: samples the kernel refused; 2: the last refusal's errno. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct rec {
	__u64 seq;
	__u32 cpu;
	__u32 magic;
};

static __always_inline __u64 *count(__u32 key)
{
	return bpf_map_lookup_elem(&counts, &key);
}

static __always_inline long emit_one(void *ctx, __u64 mode, __u64 len)
{
	__u64 *seq = count(0), *fails = count(1), *last = count(2);
	__u32 zero = 0;
	long err;

	if (!seq || !fails || !last)
		return -1;
	if (mode == 0) {
		struct rec r = { .seq = ++*seq, .cpu = bpf_get_smp_processor_id(), .magic = MAGIC };

		err = bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &r, sizeof(r));
	} else {
		struct payload *p = bpf_map_lookup_elem(&payload, &zero);

		__u64 size = len - 1;

		if (!p || len < 1 || len > MAX_LEN)
			return -1;
		/* In the register passed: 1..MAX_LEN, which the verifier sees (a compare on a copy it may not). */
		asm volatile("%[size] &= 8191" : [size] "+r"(size));
		size += 1;
		*(__u64 *)p->bytes = ++*seq;
		err = bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, p, size);
	}
	if (err) {
		__sync_fetch_and_add(fails, 1);
		*last = -err;
	}
	return err;
}

/* ctx args: {count (1..MAX_BATCH), mode (0: struct rec, 1: len payload bytes), len}. Returns the CPU. */
SEC("raw_tp")
int emit(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 n = ctx->args[0], mode = ctx->args[1], len = ctx->args[2];

	for (int i = 0; i < MAX_BATCH; i++) {
		if (i >= n)
			break;
		emit_one(ctx, mode, len);
	}
	return bpf_get_smp_processor_id();
}

/* One struct rec per run, on whichever CPU the run is on. */
SEC("xdp")
int emit_xdp(struct xdp_md *ctx)
{
	return emit_one(ctx, 0, 0) ? XDP_DROP : XDP_PASS;
}
