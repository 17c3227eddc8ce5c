// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs for NetSockmapTest: sk_skb and sk_msg on a SOCKMAP, each
 * counting the bytes it decided on and passing them (SK_PASS), so the
 * sockets work as without them and the test sees the programs ran.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} not_a_sockmap SEC(".maps");

__u64 verdict_bytes;
__u64 parsed_bytes;
__u64 msg_bytes;

SEC("sk_skb/stream_verdict")
int on_verdict(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&verdict_bytes, skb->len);
	return SK_PASS;
}

/* A message is the whole skb: the verdict sees what arrived as it came. */
SEC("sk_skb/stream_parser")
int on_parse(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&parsed_bytes, skb->len);
	return skb->len;
}

SEC("sk_msg")
int on_msg(struct sk_msg_md *msg)
{
	__sync_fetch_and_add(&msg_bytes, msg->size);
	return SK_PASS;
}
