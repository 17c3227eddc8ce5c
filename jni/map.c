/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Map element operations: the hot path. They return 0 or -errno (a missing
 * key is -ENOENT, not an exception) and allocate nothing. Java has checked
 * each operand's bounds against the map's key and value sizes.
 */
#include <errno.h>
#include <bpf/bpf.h>
#include "bpf4j.h"

enum { KEY, VALUE };

static jint JNICALL map_lookup(JNIEnv *env, jclass cls, jint fd,
			       jbyteArray key_array, jobject key_buffer, jint key_offset,
			       jbyteArray value_array, jobject value_buffer, jint value_offset,
			       jlong flags)
{
	struct bpf4j_operand ops[] = {
		[KEY] = { key_array, key_buffer, key_offset, NULL, 0 },
		[VALUE] = { value_array, value_buffer, value_offset, NULL, 0 },
	};
	int err;

	(void)cls;
	if (bpf4j_operands_pin(env, ops, 2))
		return -EFAULT;
	err = bpf_map_lookup_elem_flags(fd, ops[KEY].ptr, ops[VALUE].ptr, (__u64)flags);
	bpf4j_operands_unpin(env, ops, 2, err == 0);
	return err;
}

static jint JNICALL map_update(JNIEnv *env, jclass cls, jint fd,
			       jbyteArray key_array, jobject key_buffer, jint key_offset,
			       jbyteArray value_array, jobject value_buffer, jint value_offset,
			       jlong flags)
{
	struct bpf4j_operand ops[] = {
		[KEY] = { key_array, key_buffer, key_offset, NULL, 0 },
		[VALUE] = { value_array, value_buffer, value_offset, NULL, 0 },
	};
	int err;

	(void)cls;
	if (bpf4j_operands_pin(env, ops, 2))
		return -EFAULT;
	err = bpf_map_update_elem(fd, ops[KEY].ptr, ops[VALUE].ptr, (__u64)flags);
	bpf4j_operands_unpin(env, ops, 2, 0);
	return err;
}

static jint JNICALL map_delete(JNIEnv *env, jclass cls, jint fd,
			       jbyteArray key_array, jobject key_buffer, jint key_offset,
			       jlong flags)
{
	struct bpf4j_operand key = { key_array, key_buffer, key_offset, NULL, 0 };
	int err;

	(void)cls;
	if (bpf4j_operands_pin(env, &key, 1))
		return -EFAULT;
	err = flags ? bpf_map_delete_elem_flags(fd, key.ptr, (__u64)flags)
		    : bpf_map_delete_elem(fd, key.ptr);
	bpf4j_operands_unpin(env, &key, 1, 0);
	return err;
}

int bpf4j_map_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "mapLookup", "(I[BLjava/nio/ByteBuffer;I[BLjava/nio/ByteBuffer;IJ)I", (void *)map_lookup },
		{ "mapUpdate", "(I[BLjava/nio/ByteBuffer;I[BLjava/nio/ByteBuffer;IJ)I", (void *)map_update },
		{ "mapDelete", "(I[BLjava/nio/ByteBuffer;IJ)I", (void *)map_delete },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
