// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A TCP congestion control as struct_ops, for StructOpsTest
 * (BpfMap.attachStructOps): "bpf4j_cc" is listed in
 * /proc/sys/net/ipv4/tcp_available_congestion_control while its link is
 * open. It keeps the initial window (ssthresh and undo_cwnd report fixed
 * values, cong_avoid does nothing): enough for loopback connections.
 * cc_init counts the connections it was chosen for in inits.
 * TCP_CONG_NON_RESTRICTED lets a network namespace other than the initial
 * one make it its default.
 *
 * Only the members used are declared: libbpf matches them by name against
 * the kernel's struct tcp_congestion_ops.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define TCP_CONG_NON_RESTRICTED 0x1

struct sock;

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	void (*init)(struct sock *sk);
	__u32 (*undo_cwnd)(struct sock *sk);
	__u32 flags;
	char name[16];
};

__u64 inits;

SEC("struct_ops/cc_init")
int cc_init(unsigned long long *ctx)
{
	__sync_fetch_and_add(&inits, 1);
	return 0;
}

SEC("struct_ops/cc_ssthresh")
__u32 cc_ssthresh(unsigned long long *ctx)
{
	return 10;
}

SEC("struct_ops/cc_cong_avoid")
int cc_cong_avoid(unsigned long long *ctx)
{
	return 0;
}

SEC("struct_ops/cc_undo_cwnd")
__u32 cc_undo_cwnd(unsigned long long *ctx)
{
	return 10;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops bpf4j_cc = {
	.init = (void *)cc_init,
	.ssthresh = (void *)cc_ssthresh,
	.cong_avoid = (void *)cc_cong_avoid,
	.undo_cwnd = (void *)cc_undo_cwnd,
	.flags = TCP_CONG_NON_RESTRICTED,
	.name = "bpf4j_cc",
};
