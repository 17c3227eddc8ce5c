// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TracePipe.currentThreadId(): the calling thread's id as trace lines show
 * it. A raw_tp test run executes in the calling task, and
 * bpf_get_current_pid_tgid() answers with its id in the initial pid
 * namespace, the one bpf_printk lines carry; inside a container gettid()
 * gives the container's id for the same thread.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Never attached: run on demand with BPF_PROG_TEST_RUN; the tid is the return value. */
SEC("raw_tp")
int trace_tid(void *ctx)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/* The same for the process (thread group) id: the initial namespace's pid. */
SEC("raw_tp")
int trace_tgid(void *ctx)
{
	return (__u32)(bpf_get_current_pid_tgid() >> 32);
}
