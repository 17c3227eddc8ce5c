// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs of TestRunTest whose results are seen only through a test run's
 * outputs.
 *
 * mark_and_prioritize (tc): what a test run reads back from ctx out. It sets
 * skb->mark to the mark it was given (ctx in) plus one and skb->priority to
 * 7, and returns skb->len, so the run's retval says the kernel built the skb
 * from the data given.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int mark_and_prioritize(struct __sk_buff *skb)
{
	skb->mark = skb->mark + 1;
	skb->priority = 7;
	return skb->len;
}
