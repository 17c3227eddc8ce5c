// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Maps and programs for the map-type tests (MapTypesTest, PerCpuTest):
 * the local-storage maps that can only be made with BTF, and raw_tp programs
 * that write and read per-CPU values on the CPU a test run is pinned to
 * (raw_tp test runs honour BPF_F_TEST_RUN_ON_CPU; XDP ones do not).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- storage maps: BTF key and value, never preallocated */

struct storage_val {
	__u64 a;
	__u32 b;
	__u32 c;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct storage_val);
} sk_store SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct storage_val);
} inode_store SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct storage_val);
} task_store SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct storage_val);
} cgrp_store SEC(".maps");

/* The older cgroup-attached storages: key is struct bpf_cgroup_storage_key, max_entries 0. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
	__type(key, struct bpf_cgroup_storage_key);
	__type(value, __u64);
} cg_store SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE);
	__type(key, struct bpf_cgroup_storage_key);
	__type(value, __u64);
} pcpu_cg_store SEC(".maps");

/* ---- per-CPU maps the programs below write and read */

struct pcpu_val {
	__u32 cpu;   /* bpf_get_smp_processor_id() of the last writer */
	__u32 tag;   /* what the caller passed in ctx args[1] */
	__u64 runs;  /* runs on this CPU */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct pcpu_val);
} pcpu_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct pcpu_val);
} pcpu_hash SEC(".maps");

/* What read_slot saw: seen[cpu] from pcpu_array, seen[64 + cpu] from pcpu_hash. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, struct pcpu_val);
} seen SEC(".maps");

/*
 * ctx args[0] = key, args[1] = tag. On the CPU it runs on: sets that CPU's
 * slot of pcpu_array[key] and pcpu_hash[key] to {cpu, tag, runs + 1}.
 */
SEC("raw_tp")
int write_slot(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 key = (__u32)ctx->args[0];
	__u32 tag = (__u32)ctx->args[1];
	__u32 cpu = bpf_get_smp_processor_id();
	struct pcpu_val init = { .cpu = cpu, .tag = tag, .runs = 1 };
	struct pcpu_val *v;

	v = bpf_map_lookup_elem(&pcpu_array, &key);
	if (v) {
		v->cpu = cpu;
		v->tag = tag;
		v->runs++;
	}
	v = bpf_map_lookup_elem(&pcpu_hash, &key);
	if (v) {
		v->cpu = cpu;
		v->tag = tag;
		v->runs++;
	} else {
		bpf_map_update_elem(&pcpu_hash, &key, &init, BPF_NOEXIST);
	}
	return cpu;
}

/*
 * ctx args[0] = key. Copies this CPU's slot of pcpu_array[key] to seen[cpu]
 * and of pcpu_hash[key] to seen[64 + cpu]; a missing hash key leaves
 * seen[64 + cpu] alone. Returns the CPU it ran on.
 */
SEC("raw_tp")
int read_slot(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 key = (__u32)ctx->args[0];
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 out = cpu & 63;
	struct pcpu_val *v, *dst;

	v = bpf_map_lookup_elem(&pcpu_array, &key);
	dst = bpf_map_lookup_elem(&seen, &out);
	if (v && dst)
		*dst = *v;
	out += 64;
	v = bpf_map_lookup_elem(&pcpu_hash, &key);
	dst = bpf_map_lookup_elem(&seen, &out);
	if (v && dst)
		*dst = *v;
	return cpu;
}

/* A trivial XDP program: the PROG_ARRAY tests need a real program fd. */
SEC("xdp")
int pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
