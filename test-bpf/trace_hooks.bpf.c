// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One program per tracing hook, for the Trac*Test/Uprobe*Test/Usdt*Test
 * suites (BpfProgram.attach(AttachPoint)). Each test loads only the programs
 * it attaches (BpfProgram.setAutoload(false) on the rest), so a kernel
 * lacking one hook fails only that test.
 *
 * Every program adds 1 to hits[SLOT] when it runs for the thread target_tid
 * (0: any thread of target_tgid, which 0 leaves open too) and records
 * bpf_get_attach_cookie() in cookies[SLOT]; the showcase's malloc_by_tid
 * counts calls per thread id instead.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <linux/bpf_perf_event.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <stdbool.h> /* usdt.bpf.h uses bool, which vmlinux.h would define */
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "GPL";

enum slot {
	SLOT_UPROBE, SLOT_URETPROBE, SLOT_UPROBE_MULTI, SLOT_TRACEPOINT, SLOT_RAW_TP, SLOT_TP_BTF, SLOT_FENTRY,
	SLOT_FEXIT, SLOT_FMOD_RET, SLOT_LSM, SLOT_PERF_EVENT, SLOT_FENTRY_PROG, SLOT_USDT_THREAD, SLOT_USDT_GC,
	SLOT_JVM_GC, SLOT_KPROBE, SLOT_KPROBE_MULTI, SLOT_KSYSCALL, SLOT_UPROBE_MULTI_2, SLOT_LEN
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLOT_LEN);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLOT_LEN);
	__type(key, __u32);
	__type(value, __u64);
} cookies SEC(".maps");

/* fexit's view of vfs_write's return value, and thread__start's native thread ids. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

/* The showcase: malloc calls per thread id of this process. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);	/* thread id */
	__type(value, __u64);	/* malloc calls */
} malloc_by_tid SEC(".maps");

const volatile __u32 target_tgid;
const volatile __u32 target_tid;
__s64 last_write_ret;

static __always_inline int mine(void)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (target_tgid && (__u32)(id >> 32) != target_tgid)
		return 0;
	return !target_tid || (__u32)id == target_tid;
}

static __always_inline void hit(__u32 slot, void *ctx)
{
	__u64 *v = bpf_map_lookup_elem(&hits, &slot);
	__u64 *c = bpf_map_lookup_elem(&cookies, &slot);

	if (v)
		__sync_fetch_and_add(v, 1);
	if (c)
		*c = bpf_get_attach_cookie(ctx);
}

SEC("uprobe")
int BPF_UPROBE(on_malloc, __u64 size)
{
	if (mine())
		hit(SLOT_UPROBE, ctx);
	return 0;
}

SEC("uretprobe")
int BPF_URETPROBE(on_malloc_return, void *ret)
{
	if (mine() && ret)
		hit(SLOT_URETPROBE, ctx);
	return 0;
}

/* The README showcase: every thread of the process (the uprobe's pid filter), counted by thread id. */
SEC("uprobe")
int BPF_UPROBE(count_malloc, __u64 size)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 one = 1, *n;

	n = bpf_map_lookup_elem(&malloc_by_tid, &tid);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&malloc_by_tid, &tid, &one, BPF_NOEXIST);
	return 0;
}

/* One slot per cookie: the cookie says which of the link's functions ran. */
SEC("uprobe.multi")
int on_libc_multi(struct pt_regs *ctx)
{
	if (mine())
		hit(bpf_get_attach_cookie(ctx) == 2 ? SLOT_UPROBE_MULTI_2 : SLOT_UPROBE_MULTI, ctx);
	return 0;
}

SEC("tp")
int on_tp_write(void *ctx)
{
	if (mine())
		hit(SLOT_TRACEPOINT, ctx);
	return 0;
}

SEC("raw_tp")
int on_raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	if (mine())
		hit(SLOT_RAW_TP, ctx);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_btf_sys_enter, struct pt_regs *regs, long id)
{
	if (mine())
		hit(SLOT_TP_BTF, ctx);
	return 0;
}

struct file;

SEC("fentry/vfs_write")
int BPF_PROG(on_vfs_write, struct file *file, const char *buf, __u64 count)
{
	if (mine())
		hit(SLOT_FENTRY, ctx);
	return 0;
}

SEC("fexit/vfs_write")
int BPF_PROG(on_vfs_write_exit, struct file *file, const char *buf, __u64 count, __u64 *pos, long ret)
{
	if (mine()) {
		last_write_ret = ret;
		hit(SLOT_FEXIT, ctx);
	}
	return 0;
}

/* Called by the kernel's BPF_PROG_TEST_RUN of any fentry/fexit/fmod_ret program; returning 0 changes nothing. */
SEC("fmod_ret/bpf_modify_return_test")
int BPF_PROG(on_modify_return_test, int a, int *b, int ret)
{
	hit(SLOT_FMOD_RET, ctx);
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(on_file_open, struct file *file, int ret)
{
	if (ret)
		return ret;
	if (mine())
		hit(SLOT_LSM, ctx);
	return 0;
}

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	hit(SLOT_PERF_EVENT, ctx);
	return 0;
}

/* Targetless: the test points it at an XDP program's function with setAttachTarget before load. */
SEC("fentry")
int BPF_PROG(on_xdp_entry, struct xdp_md *xdp)
{
	hit(SLOT_FENTRY_PROG, ctx);
	return 0;
}

/* hotspot:thread__start(name, name_len, java_tid, native_tid, is_daemon) */
SEC("usdt")
int BPF_USDT(on_thread_start, void *name, long name_len, long java_tid, long native_tid, long daemon)
{
	__u32 tid = (__u32)native_tid;
	__u64 cookie = bpf_usdt_cookie(ctx);
	__u32 slot = SLOT_USDT_THREAD;
	__u64 *c;

	bpf_map_update_elem(&seen, &tid, &cookie, BPF_ANY);
	c = bpf_map_lookup_elem(&cookies, &slot);
	if (c)
		*c = cookie;
	slot = SLOT_USDT_THREAD;
	c = bpf_map_lookup_elem(&hits, &slot);
	if (c)
		__sync_fetch_and_add(c, 1);
	return 0;
}

/* hotspot:gc__begin(full) */
SEC("usdt")
int BPF_USDT(on_gc_begin, long full)
{
	__u32 slot = SLOT_USDT_GC;
	__u64 *c = bpf_map_lookup_elem(&hits, &slot);

	if (c)
		__sync_fetch_and_add(c, 1);
	return 0;
}

/* JDK 8 (no USDT notes): System.gc() reaches libjvm.so's exported JVM_GC. */
SEC("uprobe")
int on_jvm_gc(struct pt_regs *ctx)
{
	if (mine())
		hit(SLOT_JVM_GC, ctx);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(on_kprobe_vfs_write)
{
	if (mine())
		hit(SLOT_KPROBE, ctx);
	return 0;
}

SEC("kprobe.multi")
int on_kprobe_multi(struct pt_regs *ctx)
{
	if (mine())
		hit(SLOT_KPROBE_MULTI, ctx);
	return 0;
}

SEC("ksyscall")
int on_ksyscall_write(struct pt_regs *ctx)
{
	if (mine())
		hit(SLOT_KSYSCALL, ctx);
	return 0;
}
