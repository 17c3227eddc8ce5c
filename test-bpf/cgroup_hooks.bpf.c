// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The other cgroup hooks (CgroupHooksTest, CgroupLegacyTest): each program
 * counts its runs in counts[<its index>]; some refuse one thing so the test
 * sees the hook's effect as well as its run.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

enum {
	C_EGRESS, C_EGRESS2, C_INGRESS, C_SOCK_CREATE, C_REFUSE_UDP, C_SOCK_RELEASE, C_POST_BIND4,
	C_GETSOCKOPT, C_SETSOCKOPT, C_SYSCTL, C_DEVICE, C_SOCK_OPS, C_SKB, C_POST_BIND6, C_LEN
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, C_LEN);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static void count(__u32 i)
{
	__u64 *c = bpf_map_lookup_elem(&counts, &i);

	if (c)
		__sync_fetch_and_add(c, 1);
}

/* cgroup_skb: 1 passes the packet. */
SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb)
{
	count(C_EGRESS);
	return 1;
}

SEC("cgroup_skb/egress")
int count_egress2(struct __sk_buff *skb)
{
	count(C_EGRESS2);
	return 1;
}

SEC("cgroup_skb/ingress")
int count_ingress(struct __sk_buff *skb)
{
	count(C_INGRESS);
	return 1;
}

/* No direction in the section: the attach names it (Cgroup.hook). */
SEC("cgroup/skb")
int count_skb(struct __sk_buff *skb)
{
	count(C_SKB);
	return 1;
}

SEC("cgroup/sock_create")
int count_sock_create(struct bpf_sock *sk)
{
	count(C_SOCK_CREATE);
	return 1;
}

/* socket(AF_INET, SOCK_DGRAM, 0) fails with EPERM; other sockets are made. */
SEC("cgroup/sock_create")
int refuse_udp(struct bpf_sock *sk)
{
	count(C_REFUSE_UDP);
	return !(sk->family == 2 && sk->type == 2);
}

SEC("cgroup/sock_release")
int count_sock_release(struct bpf_sock *sk)
{
	count(C_SOCK_RELEASE);
	return 1;
}

SEC("cgroup/post_bind4")
int count_post_bind4(struct bpf_sock *sk)
{
	count(C_POST_BIND4);
	return 1;
}

/* getsockopt(SOL_SOCKET, SO_PRIORITY) reads 77, whatever the socket's priority. */
SEC("cgroup/post_bind6")
int count_post_bind6(struct bpf_sock *sk)
{
	count(C_POST_BIND6);
	return 1;
}

SEC("cgroup/getsockopt")
int sockopt_get(struct bpf_sockopt *ctx)
{
	__u8 *optval = ctx->optval;
	__u8 *end = ctx->optval_end;

	count(C_GETSOCKOPT);
	if (ctx->level == 1 && ctx->optname == 12 && optval + 4 <= end) {
		*(__u32 *)optval = 77;
		ctx->optlen = 4; /* retval stays the kernel's 0: SO_PRIORITY itself succeeded */
	}
	return 1;
}

/* setsockopt(SOL_SOCKET, SO_PRIORITY) fails with EPERM; the others go through untouched. */
SEC("cgroup/setsockopt")
int sockopt_set(struct bpf_sockopt *ctx)
{
	count(C_SETSOCKOPT);
	if (ctx->level == 1 && ctx->optname == 12)
		return 0;
	ctx->optlen = 0; /* the kernel handles the original value */
	return 1;
}

/* Reading /proc/sys/kernel/ostype fails with EPERM; every other sysctl goes through. */
SEC("cgroup/sysctl")
int sysctl_guard(struct bpf_sysctl *ctx)
{
	char name[8] = {};
	long n;

	count(C_SYSCTL);
	n = bpf_sysctl_get_name(ctx, name, sizeof(name), BPF_F_SYSCTL_BASE_NAME);
	if (n == 6 && name[0] == 'o' && name[1] == 's' && name[2] == 't' && name[3] == 'y' && name[4] == 'p'
	    && name[5] == 'e' && !ctx->write)
		return 0;
	return 1;
}

/* Opening /dev/zero (1:5) fails with EPERM; every other device opens. */
SEC("cgroup/dev")
int device_guard(struct bpf_cgroup_dev_ctx *ctx)
{
	count(C_DEVICE);
	if ((ctx->access_type & 0xffff) == BPF_DEVCG_DEV_CHAR && ctx->major == 1 && ctx->minor == 5)
		return 0;
	return 1;
}

SEC("sockops")
int count_sock_ops(struct bpf_sock_ops *ops)
{
	if (ops->op == BPF_SOCK_OPS_TCP_CONNECT_CB || ops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB)
		count(C_SOCK_OPS);
	return 1;
}
