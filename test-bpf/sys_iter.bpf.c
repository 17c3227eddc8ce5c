// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Iterators for IterTest (link.Iter, BpfLink.openIterator): one line per
 * object, printed with bpf_seq_printf.
 *
 * tasks:     "task <tgid> <tid> <comm>" for every task (or the tasks of the
 *            Iter's process/thread parameter);
 * maps:      "map <id> <name>" for every map in the kernel;
 * cgroups:   "cgroup <id>" for each cgroup the Iter's cgroup and order give.
 * The context types are the kernel's (struct bpf_iter__*), declared here
 * with the fields used; CO-RE relocates them against the running kernel.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
struct seq_file;
struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
};
struct task_struct {
	int pid;
	int tgid;
	char comm[16];
};
struct bpf_map {
	__u32 id;
	char name[16];
};
struct kernfs_node {
	__u64 id;
};
struct cgroup {
	struct kernfs_node *kn;
};
struct bpf_iter__cgroup {
	struct bpf_iter_meta *meta;
	struct cgroup *cgroup;
};
struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
};
struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
};
#pragma clang attribute pop

SEC("iter/task")
int tasks(struct bpf_iter__task *ctx)
{
	static const char fmt[] = "task %d %d %s\n";
	struct task_struct *task = ctx->task;
	__u64 args[3];

	if (!task)
		return 0;
	args[0] = task->tgid;
	args[1] = task->pid;
	args[2] = (__u64)(long)task->comm;
	bpf_seq_printf(ctx->meta->seq, fmt, sizeof(fmt), args, sizeof(args));
	return 0;
}

SEC("iter/bpf_map")
int maps(struct bpf_iter__bpf_map *ctx)
{
	static const char fmt[] = "map %u %s\n";
	struct bpf_map *map = ctx->map;
	__u64 args[2];

	if (!map)
		return 0;
	args[0] = map->id;
	args[1] = (__u64)(long)map->name;
	bpf_seq_printf(ctx->meta->seq, fmt, sizeof(fmt), args, sizeof(args));
	return 0;
}

SEC("iter/cgroup")
int cgroups(struct bpf_iter__cgroup *ctx)
{
	static const char fmt[] = "cgroup %llu\n";
	struct cgroup *cgrp = ctx->cgroup;
	__u64 args[1];

	if (!cgrp)
		return 0;
	args[0] = cgrp->kn->id;
	bpf_seq_printf(ctx->meta->seq, fmt, sizeof(fmt), args, sizeof(args));
	return 0;
}
