// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A tracing program (tracepoint) and no map: loading it needs CAP_BPF and
 * CAP_PERFMON, nothing else. The privilege test loads it (never attaches it)
 * in child JVMs with reduced capabilities.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tracepoint/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	return 0;
}
