/* SPDX-License-Identifier: Apache-2.0 */
/*
 * BPF iterators: bpf_program__attach_iter with the target's parameters
 * (union bpf_iter_link_info), then one bpf_iter_create per read session
 * (each fd is a fresh run of the program) and read(2) on it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"

/* Parameter kinds, as link/Iter passes them. */
enum { ITER_NONE, ITER_MAP_FD, ITER_CGROUP_FD, ITER_CGROUP_ID, ITER_TID, ITER_PID, ITER_PIDFD };

/* The struct bpf_link's address, or -errno. */
static jlong JNICALL iter_attach(JNIEnv *env, jclass cls, jlong prog, jint kind, jlong value, jint order)
{
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info info;
	struct bpf_link *link;

	(void)env;
	(void)cls;
	memset(&info, 0, sizeof(info));
	switch (kind) {
	case ITER_NONE:
		break;
	case ITER_MAP_FD:
		info.map.map_fd = (__u32)value;
		break;
	case ITER_CGROUP_FD:
		info.cgroup.cgroup_fd = (__u32)value;
		info.cgroup.order = (enum bpf_cgroup_iter_order)order;
		break;
	case ITER_CGROUP_ID:
		info.cgroup.cgroup_id = (__u64)value;
		info.cgroup.order = (enum bpf_cgroup_iter_order)order;
		break;
	case ITER_TID:
		info.task.tid = (__u32)value;
		break;
	case ITER_PID:
		info.task.pid = (__u32)value;
		break;
	case ITER_PIDFD:
		info.task.pid_fd = (__u32)value;
		break;
	default:
		return -EINVAL;
	}
	if (kind != ITER_NONE) {
		opts.link_info = &info;
		opts.link_info_len = sizeof(info);
	}
	link = bpf_program__attach_iter((const struct bpf_program *)(intptr_t)prog, &opts);
	if (!link)
		return errno ? -errno : -EINVAL;
	return (jlong)(intptr_t)link;
}

/* A new read session of the iterator link: an fd, or -errno. */
static jint JNICALL iter_create(JNIEnv *env, jclass cls, jint link_fd)
{
	(void)env;
	(void)cls;
	return bpf_iter_create(link_fd);
}

/*
 * Reads up to len bytes into out[off..]: the count (0 at the end), or -errno.
 * Through a bounce buffer: the read runs the BPF program, of unbounded duration,
 * so no Java array is pinned across it.
 */
static jint JNICALL iter_read(JNIEnv *env, jclass cls, jint fd, jbyteArray out, jint off, jint len)
{
	char stack[4096];
	char *buf = stack;
	ssize_t n;
	int err;

	(void)cls;
	if ((size_t)len > sizeof(stack)) {
		buf = malloc((size_t)len);
		if (!buf)
			return -ENOMEM;
	}
	do {
		n = read(fd, buf, (size_t)len);
	} while (n < 0 && errno == EINTR);
	err = n < 0 ? -errno : 0; /* before free(), which may change errno */
	if (n > 0)
		(*env)->SetByteArrayRegion(env, out, off, (jsize)n, (const jbyte *)buf);
	if (buf != stack)
		free(buf);
	return err ? err : (jint)n;
}

int bpf4j_iter_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "iterAttach0", "(JIJI)J", (void *)iter_attach },
		{ "iterCreate0", "(I)I", (void *)iter_create },
		{ "iterRead", "(I[BII)I", (void *)iter_read },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
