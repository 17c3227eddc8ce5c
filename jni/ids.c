/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel-wide object ids, for listing what the kernel has the way bpftool
 * does: bpf_*_get_next_id walks the ids, bpf_*_get_fd_by_id opens one (an
 * object may go between the two calls: -ENOENT), and BTF objects' info.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <bpf/bpf.h>
#include "bpf4j.h"
#include "layout.h"

/* Object kinds for next_id/fd_by_id, as Java passes them. */
enum { IDS_MAP, IDS_PROG, IDS_LINK, IDS_BTF };

/* The first map id after start (0: the first), or -errno (-ENOENT past the last). */
static jint JNICALL map_next_id(JNIEnv *env, jclass cls, jint start)
{
	__u32 next = 0;
	int err;

	(void)env;
	(void)cls;
	err = bpf_map_get_next_id((__u32)start, &next);
	return err ? err : (jint)next;
}

/* The first id of that kind after start, or -errno (-ENOENT past the last). */
static jint JNICALL next_id(JNIEnv *env, jclass cls, jint kind, jint start)
{
	__u32 next = 0;
	int err;

	(void)env;
	(void)cls;
	switch (kind) {
	case IDS_MAP:
		err = bpf_map_get_next_id((__u32)start, &next);
		break;
	case IDS_PROG:
		err = bpf_prog_get_next_id((__u32)start, &next);
		break;
	case IDS_LINK:
		err = bpf_link_get_next_id((__u32)start, &next);
		break;
	case IDS_BTF:
		err = bpf_btf_get_next_id((__u32)start, &next);
		break;
	default:
		return -EINVAL;
	}
	return err ? err : (jint)next;
}

/* A new fd of the object with that id, or -errno (-ENOENT: it is gone). */
static jint JNICALL fd_by_id(JNIEnv *env, jclass cls, jint kind, jint id)
{
	(void)env;
	(void)cls;
	switch (kind) {
	case IDS_MAP:
		return bpf_map_get_fd_by_id((__u32)id);
	case IDS_PROG:
		return bpf_prog_get_fd_by_id((__u32)id);
	case IDS_LINK:
		return bpf_link_get_fd_by_id((__u32)id);
	case IDS_BTF:
		return bpf_btf_get_fd_by_id((__u32)id);
	default:
		return -EINVAL;
	}
}

/* 0 or -errno; fills out[BTF_INFO_LEN] and the name (BTF_INFO_NAME_BYTES). */
static jint JNICALL btf_info(JNIEnv *env, jclass cls, jint fd, jlongArray out, jbyteArray name_out)
{
	struct bpf_btf_info info;
	__u32 len = sizeof(info);
	char name[BTF_INFO_NAME_BYTES];
	jlong f[BTF_INFO_LEN];
	jint n;
	int err;

	(void)cls;
	memset(&info, 0, sizeof(info));
	memset(name, 0, sizeof(name));
	info.name = (__u64)(uintptr_t)name;
	info.name_len = sizeof(name);
	err = bpf_btf_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	n = (jint)strnlen(name, sizeof(name));
	f[BTF_INFO_ID] = info.id;
	f[BTF_INFO_SIZE] = info.btf_size;
	f[BTF_INFO_KERNEL] = info.kernel_btf;
	f[BTF_INFO_NAME_SIZE] = n;
	(*env)->SetLongArrayRegion(env, out, 0, BTF_INFO_LEN, f);
	(*env)->SetByteArrayRegion(env, name_out, 0, n, (const jbyte *)name);
	return 0;
}

int bpf4j_ids_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "mapNextId", "(I)I", (void *)map_next_id },
		{ "nextId", "(II)I", (void *)next_id },
		{ "fdById0", "(II)I", (void *)fd_by_id },
		{ "btfInfo", "(I[J[B)I", (void *)btf_info },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
