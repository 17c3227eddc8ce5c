/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Map element operations: the hot path. One entry point, the operation
 * chosen by a code (MapOps on the Java side). They return 0 or -errno (a
 * missing key is -ENOENT, not an exception) and allocate nothing.
 */
#include <errno.h>
#include <bpf/bpf.h>
#include "bpf4j.h"

/* Same values as BpfMap's OP_* constants. */
enum { OP_LOOKUP, OP_UPDATE, OP_DELETE };
enum { KEY, VALUE, N_OPERANDS };

static jint JNICALL map_elem(JNIEnv *env, jclass cls, jint op, jint fd,
			     jbyteArray key_array, jobject key_buffer, jint key_offset, jint key_length,
			     jbyteArray value_array, jobject value_buffer, jint value_offset,
			     jint value_length, jlong flags)
{
	struct bpf4j_operand ops[N_OPERANDS] = {
		[KEY] = { key_array, key_buffer, key_offset, key_length, NULL, 0 },
		[VALUE] = { value_array, value_buffer, value_offset, value_length, NULL, 0 },
	};
	int err;

	(void)cls;
	if (bpf4j_operands_pin(env, ops, N_OPERANDS))
		return -EINVAL; /* an exception is pending */
	switch (op) {
	case OP_LOOKUP:
		err = bpf_map_lookup_elem_flags(fd, ops[KEY].ptr, ops[VALUE].ptr, (__u64)flags);
		break;
	case OP_UPDATE:
		err = bpf_map_update_elem(fd, ops[KEY].ptr, ops[VALUE].ptr, (__u64)flags);
		break;
	case OP_DELETE:
		err = flags ? bpf_map_delete_elem_flags(fd, ops[KEY].ptr, (__u64)flags)
			    : bpf_map_delete_elem(fd, ops[KEY].ptr);
		break;
	default:
		err = -EINVAL;
	}
	bpf4j_operands_unpin(env, ops, N_OPERANDS, op == OP_LOOKUP && err == 0);
	return err;
}

int bpf4j_map_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "mapElem", "(II[BLjava/nio/ByteBuffer;II[BLjava/nio/ByteBuffer;IIJ)I", (void *)map_elem },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
