/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Map element and batch operations (the hot paths), and map creation and
 * info. Element and batch calls return 0 or -errno (a missing key is
 * -ENOENT, not an exception).
 *
 * No Java array stays pinned (GetPrimitiveArrayCritical) across these
 * system calls: an update of a map-in-map waits for RCU, a NO_PREALLOC
 * update allocates, and a batch has no size bound, while a critical region
 * holds off the garbage collector on JDK 8-21. byte[] operands are copied
 * with Get/SetByteArrayRegion through a scratch area instead: on the stack
 * up to MAP_STACK_SCRATCH bytes (any key or value of a map that is not
 * per-CPU on a large machine), malloc'ed beyond. Direct buffers are passed
 * as they are: that path copies nothing and allocates nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"
#include "layout.h"

enum { KEY, VALUE, N_OPERANDS };

#define MAP_STACK_SCRATCH 1024

/* Where byte[] operands are staged: the caller's stack area, or heap when they do not fit. */
struct map_scratch {
	char *area;
	size_t size;
	char *heap;
};

/*
 * Resolves n operands: a direct buffer to its address, a byte[] to a copy
 * of its bytes in the scratch area (bit i of out_only set: operand i is only
 * written by the call, so its bytes are not copied in and its area is left
 * as it is). 0, or -1 with an exception pending, or -ENOMEM when no scratch
 * memory could be had (no exception).
 *
 * A byte[]'s bounds are not checked here: Java sized the operand from the
 * array's length (final) or from a heap buffer's position and limit read
 * once (each within its capacity), and Get/SetByteArrayRegion check bounds
 * themselves, so no check here could catch what those miss; it would only
 * cost a JNI call.
 */
static int map_operands_get(JNIEnv *env, struct bpf4j_operand *ops, int n, struct map_scratch *scratch,
			    unsigned out_only)
{
	size_t need = 0, at = 0;
	int i;

	for (i = 0; i < n; i++) {
		ops[i].ptr = NULL;
		ops[i].copied = 0;
		if (ops[i].length <= 0)
			continue;
		if (ops[i].array) {
			need += ((size_t)ops[i].length + 7) & ~(size_t)7;
			continue;
		}
		if (bpf4j_operand_check(env, &ops[i]))
			return -1;
		ops[i].ptr = bpf4j_direct_address(env, ops[i].buffer);
		if (!ops[i].ptr) {
			bpf4j_throw_illegal_argument(env, "buffer is not a direct ByteBuffer");
			return -1;
		}
		ops[i].ptr = (char *)ops[i].ptr + ops[i].offset;
	}
	scratch->heap = NULL;
	if (need > scratch->size) {
		scratch->heap = malloc(need);
		if (!scratch->heap)
			return -ENOMEM;
		scratch->area = scratch->heap;
	}
	for (i = 0; i < n; i++) {
		if (ops[i].length <= 0 || !ops[i].array)
			continue;
		ops[i].ptr = scratch->area + at;
		at += ((size_t)ops[i].length + 7) & ~(size_t)7;
		if (!(out_only & (1u << i)))
			(*env)->GetByteArrayRegion(env, ops[i].array, ops[i].offset, ops[i].length, ops[i].ptr);
	}
	return 0;
}

/* Copies the first length bytes the kernel wrote back into operand op's byte[] (a no-op for a direct buffer). */
static void map_operand_put(JNIEnv *env, const struct bpf4j_operand *op, jint length)
{
	if (op->array && length > 0)
		(*env)->SetByteArrayRegion(env, op->array, op->offset, length, op->ptr);
}

/* The element system call itself; key and value are NULL where there is no operand. */
static inline int map_elem_call(jint op, jint fd, void *key, void *value, jlong flags)
{
	switch (op) {
	case MAP_OP_LOOKUP:
		return bpf_map_lookup_elem_flags(fd, key, value, (__u64)flags);
	case MAP_OP_UPDATE:
		return bpf_map_update_elem(fd, key, value, (__u64)flags);
	case MAP_OP_DELETE:
		return flags ? bpf_map_delete_elem_flags(fd, key, (__u64)flags) : bpf_map_delete_elem(fd, key);
	case MAP_OP_LOOKUP_AND_DELETE:
		return bpf_map_lookup_and_delete_elem_flags(fd, key, value, (__u64)flags);
	case MAP_OP_GET_NEXT_KEY: /* value is the next key */
		return bpf_map_get_next_key(fd, key, value);
	default:
		return -EINVAL;
	}
}

/*
 * value_out: the call only writes the value (a lookup other than a bloom
 * filter's, lookup-and-delete, get-next-key), so a byte[] value is not
 * copied in; its staging area is zeroed instead, so that bytes the kernel
 * did not write could never carry stack contents into Java.
 */
static jint JNICALL map_elem(JNIEnv *env, jclass cls, jint op, jint fd,
			     jbyteArray key_array, jobject key_buffer, jint key_offset, jint key_length,
			     jbyteArray value_array, jobject value_buffer, jint value_offset,
			     jint value_length, jboolean value_out, jlong flags)
{
	struct bpf4j_operand ops[N_OPERANDS] = {
		[KEY] = { key_array, key_buffer, key_offset, key_length, NULL, 0 },
		[VALUE] = { value_array, value_buffer, value_offset, value_length, NULL, 0 },
	};
	char stack[MAP_STACK_SCRATCH];
	struct map_scratch scratch = { stack, sizeof(stack), NULL };
	int err;

	(void)cls;
	err = map_operands_get(env, ops, N_OPERANDS, &scratch, value_out ? 1u << VALUE : 0);
	if (err)
		return err < 0 && err != -1 ? err : -EINVAL; /* -1: an exception is pending */
	if (value_out && value_array && value_length > 0)
		memset(ops[VALUE].ptr, 0, (size_t)value_length);
	err = map_elem_call(op, fd, ops[KEY].ptr, ops[VALUE].ptr, flags);
	if (err == 0 && op != MAP_OP_UPDATE && op != MAP_OP_DELETE)
		map_operand_put(env, &ops[VALUE], value_length);
	free(scratch.heap);
	return err;
}

/*
 * map_elem for direct buffers only (or no operand: a length of 0), the hot
 * path: one field read per operand, then the system call. Neither the
 * buffer's capacity nor whether it is direct is read again here, because
 * Java's check (Buffers.offset) already settles both for good: a direct
 * buffer's address and capacity are final; its position and limit are read
 * once in Java and each value read is within [0, capacity] by Buffer's own
 * invariants (position(int) and limit(int) refuse anything else, and an int
 * is read whole), so limit - position == length implies offset + length <=
 * capacity even while another thread moves the position. The kernel thus
 * stays inside the buffer's memory whatever the race.
 */
static jint JNICALL map_elem_direct(JNIEnv *env, jclass cls, jint op, jint fd, jobject key_buffer,
				    jint key_offset, jint key_length, jobject value_buffer, jint value_offset,
				    jint value_length, jlong flags)
{
	char *key = NULL, *value = NULL;

	(void)cls;
	if (key_length > 0) {
		key = bpf4j_direct_buffer_address(env, key_buffer);
		if (!key)
			goto not_direct;
		key += key_offset;
	}
	if (value_length > 0) {
		value = bpf4j_direct_buffer_address(env, value_buffer);
		if (!value)
			goto not_direct;
		value += value_offset;
	}
	return map_elem_call(op, fd, key, value, flags);
not_direct:
	bpf4j_throw_illegal_argument(env, "buffer is not a direct ByteBuffer");
	return -EINVAL;
}

/*
 * One batch: keys and values are arrays of `count` elements. `tokens` (a
 * direct buffer, so nothing is pinned for it) holds in_batch then out_batch (each token_size bytes; in_batch NULL when
 * `first`); status[0] receives how many elements were processed, also when
 * the call fails part-way (or ends with -ENOENT: no more elements).
 */
static jint JNICALL map_batch(JNIEnv *env, jclass cls, jint op, jint fd, jobject tokens,
			      jint token_size, jboolean first,
			      jbyteArray keys_array, jobject keys_buffer, jint keys_offset, jint keys_length,
			      jbyteArray values_array, jobject values_buffer, jint values_offset,
			      jint values_length, jint count, jlong elem_flags, jintArray status)
{
	struct bpf4j_operand ops[N_OPERANDS + 1] = {
		[KEY] = { keys_array, keys_buffer, keys_offset, keys_length, NULL, 0 },
		[VALUE] = { values_array, values_buffer, values_offset, values_length, NULL, 0 },
		[N_OPERANDS] = { NULL, tokens, 0, 2 * token_size, NULL, 0 },
	};
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = (__u64)elem_flags);
	char stack[MAP_STACK_SCRATCH];
	struct map_scratch scratch = { stack, sizeof(stack), NULL };
	__u32 n = (__u32)count;
	char *in, *out;
	jint processed;
	int read, err;

	(void)cls;
	/* A lookup only fills its keys and values. */
	read = op == MAP_BATCH_LOOKUP || op == MAP_BATCH_LOOKUP_AND_DELETE;
	err = map_operands_get(env, ops, N_OPERANDS + 1, &scratch, read ? 1u << KEY | 1u << VALUE : 0);
	if (err)
		return err < 0 && err != -1 ? err : -EINVAL; /* -1: an exception is pending */
	in = ops[N_OPERANDS].ptr;
	out = in ? in + token_size : NULL;
	switch (op) {
	case MAP_BATCH_LOOKUP:
		err = bpf_map_lookup_batch(fd, first ? NULL : in, out, ops[KEY].ptr,
					   ops[VALUE].ptr, &n, &opts);
		break;
	case MAP_BATCH_LOOKUP_AND_DELETE:
		err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : in, out, ops[KEY].ptr,
						      ops[VALUE].ptr, &n, &opts);
		break;
	case MAP_BATCH_UPDATE:
		err = bpf_map_update_batch(fd, ops[KEY].ptr, ops[VALUE].ptr, &n, &opts);
		break;
	case MAP_BATCH_DELETE:
		err = bpf_map_delete_batch(fd, ops[KEY].ptr, &n, &opts);
		break;
	default:
		err = -EINVAL;
		n = 0;
	}
	if (n > (__u32)count)
		n = (__u32)count; /* never more than asked for; a kernel that said so would overrun nothing here */
	if (read && (err == 0 || err == -ENOENT)) {
		/* The next call starts where this one ended. */
		if (in)
			memcpy(in, out, (size_t)token_size);
		/* Only the n elements the kernel wrote: the rest of a byte[] keeps what it held. */
		if (count > 0) {
			map_operand_put(env, &ops[KEY], (jint)(n * (__u32)(keys_length / count)));
			map_operand_put(env, &ops[VALUE], (jint)(n * (__u32)(values_length / count)));
		}
	}
	free(scratch.heap);
	processed = (jint)n;
	(*env)->SetIntArrayRegion(env, status, 0, 1, &processed);
	return err;
}

static jint JNICALL map_create(JNIEnv *env, jclass cls, jint type, jstring jname, jint key_size,
			       jint value_size, jint max_entries, jint flags, jlong map_extra,
			       jint numa_node, jint inner_map_fd, jint ifindex)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts,
		    .map_flags = (__u32)flags,
		    .map_extra = (__u64)map_extra,
		    .numa_node = (__u32)numa_node,
		    .inner_map_fd = (__u32)inner_map_fd,
		    .map_ifindex = (__u32)ifindex);
	const char *name = NULL;
	int fd;

	(void)cls;
	if (jname && !(name = (*env)->GetStringUTFChars(env, jname, NULL)))
		return -ENOMEM;
	fd = bpf_map_create((enum bpf_map_type)type, name, (__u32)key_size, (__u32)value_size,
			    (__u32)max_entries, &opts);
	if (name)
		(*env)->ReleaseStringUTFChars(env, jname, name);
	return fd; /* libbpf returns -errno on failure */
}

static jint JNICALL map_freeze(JNIEnv *env, jclass cls, jint fd)
{
	(void)env;
	(void)cls;
	return bpf_map_freeze(fd); /* 0 or -errno */
}

/* out has MAP_INFO_LEN slots (layout.h), name_out MAP_INFO_NAME_BYTES bytes. */
static jint JNICALL map_info(JNIEnv *env, jclass cls, jint fd, jlongArray out, jbyteArray name_out)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	jlong values[MAP_INFO_LEN];
	int err;

	(void)cls;
	memset(&info, 0, sizeof(info));
	err = bpf_map_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	values[MAP_INFO_TYPE] = info.type;
	values[MAP_INFO_ID] = info.id;
	values[MAP_INFO_KEY_SIZE] = info.key_size;
	values[MAP_INFO_VALUE_SIZE] = info.value_size;
	values[MAP_INFO_MAX_ENTRIES] = info.max_entries;
	values[MAP_INFO_FLAGS] = info.map_flags;
	values[MAP_INFO_MAP_EXTRA] = (jlong)info.map_extra;
	values[MAP_INFO_IFINDEX] = info.ifindex;
	values[MAP_INFO_BTF_ID] = info.btf_id;
	values[MAP_INFO_BTF_KEY_TYPE_ID] = info.btf_key_type_id;
	values[MAP_INFO_BTF_VALUE_TYPE_ID] = info.btf_value_type_id;
	values[MAP_INFO_BTF_VMLINUX_VALUE_TYPE_ID] = info.btf_vmlinux_value_type_id;
	values[MAP_INFO_NAME_LEN] = (jlong)strnlen(info.name, sizeof(info.name));
	(*env)->SetLongArrayRegion(env, out, 0, MAP_INFO_LEN, values);
	(*env)->SetByteArrayRegion(env, name_out, 0, (jsize)values[MAP_INFO_NAME_LEN], (const jbyte *)info.name);
	return 0;
}

/*
 * The map libbpf made for ELF section `section` (".bss", ".data.foo"), or 0.
 * libbpf matches a name that starts with a dot against the section name,
 * which the map's own name truncates or drops (see internal_map_name()).
 * The object handle is object.c's struct bpf4j_object, whose first member
 * is the bpf_object.
 */
static jlong JNICALL map_find_by_section(JNIEnv *env, jclass cls, jlong object_handle, jstring jsection)
{
	struct bpf_object *obj = *BPF4J_UNPTR(struct bpf_object **, object_handle);
	const char *section;
	struct bpf_map *map;

	(void)cls;
	section = (*env)->GetStringUTFChars(env, jsection, NULL);
	if (!section)
		return 0;
	map = section[0] == '.' ? bpf_object__find_map_by_name(obj, section) : NULL;
	(*env)->ReleaseStringUTFChars(env, jsection, section);
	return BPF4J_PTR(map);
}

int bpf4j_map_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "mapElem", "(II[BLjava/nio/ByteBuffer;II[BLjava/nio/ByteBuffer;IIZJ)I", (void *)map_elem },
		{ "mapElemDirect", "(IILjava/nio/ByteBuffer;IILjava/nio/ByteBuffer;IIJ)I", (void *)map_elem_direct },
		{ "mapBatch", "(IILjava/nio/ByteBuffer;IZ[BLjava/nio/ByteBuffer;II[BLjava/nio/ByteBuffer;IIIJ[I)I", (void *)map_batch },
		{ "mapCreate0", "(ILjava/lang/String;IIIIJIII)I", (void *)map_create },
		{ "mapInfo", "(I[J[B)I", (void *)map_info },
		{ "mapFreeze", "(I)I", (void *)map_freeze },
		{ "mapFindBySection", "(JLjava/lang/String;)J", (void *)map_find_by_section },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
