// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs for AttachTest (BpfProgram.attach(), libbpf's automatic attach).
 *
 * on_write, at the syscalls/sys_enter_write tracepoint, records every
 * write(2) of one thread (target_tid of process target_tgid, both set
 * before load) into `writes`: a sequence number, the fd and the count
 * argument, so the test checks order and content exactly. The other
 * programs have sections libbpf cannot auto-attach, or kprobes, for the
 * error paths.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf4j/ringbuf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 23); /* 8 MiB: 100,000 32-byte records without a consumer, with room to spare */
} writes SEC(".maps");

BPF4J_RINGBUF_DROPS(drops);

const volatile __u32 target_tgid;
const volatile __u32 target_tid;

__u64 seq;

/* /sys/kernel/tracing/events/syscalls/sys_enter_write/format */
struct sys_enter_write {
	__u64 common;		/* common_type, _flags, _preempt_count, _pid */
	__s32 syscall_nr;
	__u32 pad;
	__u64 fd;
	__u64 buf;
	__u64 count;
};

struct write_rec {
	__u64 seq;
	__u64 fd;
	__u64 count;
};

SEC("tp/syscalls/sys_enter_write")
int on_write(struct sys_enter_write *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct write_rec *r;

	if ((__u32)(id >> 32) != target_tgid || (__u32)id != target_tid)
		return 0;
	r = bpf4j_ringbuf_reserve(&writes, &drops, sizeof(*r));
	if (!r)
		return 0;
	r->seq = ++seq; /* one thread: no other CPU runs this for it at the same time */
	r->fd = ctx->fd;
	r->count = ctx->count;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* kprobes need CONFIG_KPROBES, which the test kernel lacks. */
SEC("kprobe/do_sys_openat2")
int on_open(void *ctx)
{
	return 0;
}

/* A tracepoint no kernel has: loads (the kernel checks nothing at load), fails to attach with ENOENT. */
SEC("tp/syscalls/sys_enter_bpf4j_nonexistent")
int on_nothing(void *ctx)
{
	return 0;
}

/* No target in the section: libbpf cannot attach it by itself. */
SEC("raw_tp")
int untargeted(void *ctx)
{
	return 0;
}

SEC("xdp")
int pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
