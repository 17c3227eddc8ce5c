// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup sock_addr programs (CgroupSockAddrTest): each counts its runs in
 * counts[<its index>] and acts on the ports the test sets before load.
 * connect4 is the showcase: connections to refused_port fail with EPERM,
 * connections to redirect_from go to redirect_to instead.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

enum { C_CONNECT4, C_CONNECT6, C_BIND4, C_SENDMSG4, C_RECVMSG4, C_GETSOCKNAME4, C_GETPEERNAME4, C_CONNECT_UNIX,
       C_BIND6, C_SENDMSG6, C_RECVMSG6, C_GETSOCKNAME6, C_GETPEERNAME6, C_LEN };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, C_LEN);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/* Ports in host order; 0: none. */
volatile const __u16 refused_port;
volatile const __u16 redirect_from;
volatile const __u16 redirect_to;
volatile const __u16 shown_port; /* what getsockname/getpeername/recvmsg report instead */

static void count(__u32 i)
{
	__u64 *c = bpf_map_lookup_elem(&counts, &i);

	if (c)
		__sync_fetch_and_add(c, 1);
}

/* 1 lets the call go on, 0 refuses it (EPERM). */
static int steer(struct bpf_sock_addr *ctx)
{
	__u16 port = bpf_ntohs((__u16)ctx->user_port);

	if (refused_port && port == refused_port)
		return 0;
	if (redirect_from && port == redirect_from)
		ctx->user_port = bpf_htons(redirect_to);
	return 1;
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx)
{
	count(C_CONNECT4);
	return steer(ctx);
}

SEC("cgroup/connect6")
int connect6(struct bpf_sock_addr *ctx)
{
	count(C_CONNECT6);
	return steer(ctx);
}

SEC("cgroup/bind4")
int bind4(struct bpf_sock_addr *ctx)
{
	count(C_BIND4);
	return steer(ctx);
}

SEC("cgroup/sendmsg4")
int sendmsg4(struct bpf_sock_addr *ctx)
{
	count(C_SENDMSG4);
	return steer(ctx);
}

SEC("cgroup/recvmsg4")
int recvmsg4(struct bpf_sock_addr *ctx)
{
	count(C_RECVMSG4);
	if (shown_port)
		ctx->user_port = bpf_htons(shown_port);
	return 1;
}

SEC("cgroup/getsockname4")
int getsockname4(struct bpf_sock_addr *ctx)
{
	count(C_GETSOCKNAME4);
	if (shown_port)
		ctx->user_port = bpf_htons(shown_port);
	return 1;
}

SEC("cgroup/getpeername4")
int getpeername4(struct bpf_sock_addr *ctx)
{
	count(C_GETPEERNAME4);
	if (shown_port)
		ctx->user_port = bpf_htons(shown_port);
	return 1;
}

/* Every unix-socket connect(2) of the cgroup fails with EPERM while attached. */
SEC("cgroup/connect_unix")
int connect_unix(struct bpf_sock_addr *ctx)
{
	count(C_CONNECT_UNIX);
	return 0;
}

/* The IPv6 siblings: the same port logic (user_port is common to both families). */
SEC("cgroup/bind6")
int bind6(struct bpf_sock_addr *ctx)
{
	count(C_BIND6);
	return steer(ctx);
}

SEC("cgroup/sendmsg6")
int sendmsg6(struct bpf_sock_addr *ctx)
{
	count(C_SENDMSG6);
	return steer(ctx);
}

SEC("cgroup/recvmsg6")
int recvmsg6(struct bpf_sock_addr *ctx)
{
	count(C_RECVMSG6);
	if (shown_port)
		ctx->user_port = bpf_htons(shown_port);
	return 1;
}

SEC("cgroup/getsockname6")
int getsockname6(struct bpf_sock_addr *ctx)
{
	count(C_GETSOCKNAME6);
	if (shown_port)
		ctx->user_port = bpf_htons(shown_port);
	return 1;
}

SEC("cgroup/getpeername6")
int getpeername6(struct bpf_sock_addr *ctx)
{
	count(C_GETPEERNAME6);
	if (shown_port)
		ctx->user_port = bpf_htons(shown_port);
	return 1;
}
