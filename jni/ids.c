/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel-wide object ids, for listing every map the way bpftool does. */
#include <errno.h>
#include <bpf/bpf.h>
#include "bpf4j.h"

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

int bpf4j_ids_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "mapNextId", "(I)I", (void *)map_next_id },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
