// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The BPF_F_MMAPABLE walk-through's program: a one-element array of 16 bytes
 * that user space maps into its own memory. The program writes a greeting
 * only while the buffer is empty, then prints whatever the buffer holds, so
 * the trace shows whether it saw user space's write.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[16]);
	__uint(map_flags, BPF_F_MMAPABLE);
} buf_map SEC(".maps");

/* Never attached: run on demand with BPF_PROG_TEST_RUN. */
SEC("raw_tp")
int test_prog(void *ctx)
{
	__u32 zero = 0;
	char *buf;

	buf = bpf_map_lookup_elem(&buf_map, &zero);
	if (!buf) {
		bpf_printk("failed to open buf");
		return 0;
	}
	if (*buf == 0)
		__builtin_memcpy(buf, "hello from bpf", sizeof("hello from bpf"));
	bpf_printk("buf: %s", buf);
	return 0;
}
