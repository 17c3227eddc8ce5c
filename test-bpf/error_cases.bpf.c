// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Calls that fail on purpose, for ErrorMessagesTest: program types whose test
 * runs take no repeat or data (raw_tp, syscall), a packet program for data
 * sizes and a second XDP attach, keyless maps, a section holding only static
 * variables (libbpf does not mmap it) and the data sections whose map names
 * libbpf truncates or leaves unprefixed.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u32);
} fifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 4);
	__type(value, __u32);
} lifo SEC(".maps");

/* Only static variables here: libbpf's map_is_mmapable() says no. */
static volatile __u32 hidden_calls SEC(".data.statics") = 1;

/* A non-static global in each named section, so each is an mmapped map. */
__u32 bss_calls;
volatile __u32 data_calls = 7;
__u32 custom_calls SEC(".data.custom") = 3;

SEC("raw_tp")
int on_raw_tp(void *ctx)
{
	bss_calls++;
	hidden_calls++;
	return 0;
}

SEC("syscall")
int on_syscall(void *ctx)
{
	data_calls++;
	custom_calls++;
	return 0;
}

SEC("xdp")
int pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
