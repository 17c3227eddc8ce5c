// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The target of TracingBpfTargetTest: an XDP program that trace_hooks'
 * targetless SEC("fentry") program is pointed at with setAttachTarget
 * before its load, then triggered with BPF_PROG_TEST_RUN.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int xdp_target(struct xdp_md *ctx)
{
	return XDP_PASS;
}
