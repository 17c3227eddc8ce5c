/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An object's BTF as raw bytes, for the Java BTF view (io.github.bpf4j.btf),
 * which parses and checks it itself. Taken after open: libbpf has then set
 * the data sections' sizes and their variables' offsets, which clang leaves
 * for the loader.
 */
#include <errno.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"

/* The raw BTF of an object (objectOpenMem's handle), or NULL if it has none. */
static jbyteArray JNICALL object_btf(JNIEnv *env, jclass cls, jlong handle)
{
	const struct btf *btf = bpf_object__btf(bpf4j_object_bpf(handle));
	const void *raw;
	jbyteArray arr;
	__u32 size = 0;

	(void)cls;
	if (!btf)
		return NULL;
	raw = btf__raw_data(btf, &size);
	if (!raw) {
		bpf4j_throw(env, "btf__raw_data", ENOMEM, NULL);
		return NULL;
	}
	arr = (*env)->NewByteArray(env, (jsize)size);
	if (arr)
		(*env)->SetByteArrayRegion(env, arr, 0, (jsize)size, raw);
	return arr;
}

int bpf4j_btf_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "objectBtf", "(J)[B", (void *)object_btf },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
