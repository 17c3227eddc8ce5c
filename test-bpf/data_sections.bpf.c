// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Globals in custom data sections (.data.<name>), which libbpf turns into maps
 * of their own, next to a plain .data. copy_foo (XDP) copies foo_in to
 * foo_out, both in .data.foo, and counts its runs in .data.bar: ObjectTest
 * sets foo_in with setGlobal() before load and global() after, and reads the
 * results through global() and dataMap(".data.foo"). The same program is what
 * ObjectTest attaches to a veth before closing the object.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u32 foo_in SEC(".data.foo") = 7;
__u32 foo_out SEC(".data.foo") = 1;
__u64 bar_runs SEC(".data.bar") = 100;
__u32 plain = 5; /* .data */

SEC("xdp")
int copy_foo(struct xdp_md *ctx)
{
	foo_out = foo_in + plain;
	__sync_fetch_and_add(&bar_runs, 1);
	return XDP_PASS;
}
