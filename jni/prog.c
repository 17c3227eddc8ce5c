/* SPDX-License-Identifier: Apache-2.0 */
/*
 * BPF_PROG_TEST_RUN. A run may repeat millions of times, so byte[] operands
 * are copied rather than pinned (pinning would stall the garbage collector
 * for the whole run); direct ByteBuffers are used in place, which is the
 * zero-copy, zero-allocation path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "bpf4j.h"
#include "layout.h"


/* op->copied marks a malloc'ed copy of an array here. */
static int resolve(JNIEnv *env, struct bpf4j_operand *op, int is_input)
{
	op->ptr = NULL;
	op->copied = 0;
	if (bpf4j_operand_check(env, op))
		return -1;
	if (!op->length)
		return 0;
	if (op->buffer && !op->array) {
		char *base = bpf4j_direct_address(env, op->buffer);

		if (!base) {
			bpf4j_throw_illegal_argument(env, "buffer is not a direct ByteBuffer");
			return -1;
		}
		op->ptr = base + op->offset;
		return 0;
	}
	op->ptr = malloc((size_t)op->length);
	if (!op->ptr) {
		bpf4j_throw(env, "bpf_prog_test_run_opts", ENOMEM, NULL);
		return -1;
	}
	op->copied = 1;
	if (is_input)
		(*env)->GetByteArrayRegion(env, op->array, op->offset, op->length, op->ptr);
	return 0;
}

static void copy_out(JNIEnv *env, struct bpf4j_operand *op, __u32 size)
{
	jint n = size < (__u32)op->length ? (jint)size : op->length;

	if (op->copied && n > 0)
		(*env)->SetByteArrayRegion(env, op->array, op->offset, n, op->ptr);
}

/* Operands come as separate parameters: fetching them from Object[] costs more JNI calls than the run itself. */
static jint JNICALL prog_test_run(JNIEnv *env, jclass cls, jint fd,
				  jbyteArray data_in_array, jobject data_in_buffer,
				  jbyteArray data_out_array, jobject data_out_buffer,
				  jbyteArray ctx_in_array, jobject ctx_in_buffer,
				  jbyteArray ctx_out_array, jobject ctx_out_buffer,
				  jintArray offsets_lengths, jint repeat, jint flags, jint cpu,
				  jint batch_size, jlongArray results)
{
	struct bpf4j_operand ops[TEST_RUN_OPERAND_LEN] = {
		[TEST_RUN_OPERAND_DATA_IN] = { data_in_array, data_in_buffer, 0, 0, NULL, 0 },
		[TEST_RUN_OPERAND_DATA_OUT] = { data_out_array, data_out_buffer, 0, 0, NULL, 0 },
		[TEST_RUN_OPERAND_CTX_IN] = { ctx_in_array, ctx_in_buffer, 0, 0, NULL, 0 },
		[TEST_RUN_OPERAND_CTX_OUT] = { ctx_out_array, ctx_out_buffer, 0, 0, NULL, 0 },
	};
	jint ol[2 * TEST_RUN_OPERAND_LEN];
	jlong res[TEST_RUN_LEN];
	int i, err = -EINVAL;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .repeat = repeat, .flags = flags, .cpu = cpu, .batch_size = batch_size);

	(void)cls;
	(*env)->GetIntArrayRegion(env, offsets_lengths, 0, 2 * TEST_RUN_OPERAND_LEN, ol);
	if ((*env)->ExceptionCheck(env))
		return -EINVAL;
	for (i = 0; i < TEST_RUN_OPERAND_LEN; i++) {
		ops[i].offset = ol[2 * i];
		ops[i].length = ol[2 * i + 1];
	}
	for (i = 0; i < TEST_RUN_OPERAND_LEN; i++)
		if (resolve(env, &ops[i], i == TEST_RUN_OPERAND_DATA_IN || i == TEST_RUN_OPERAND_CTX_IN))
			goto out;

	/* An empty output must be NULL: with size 0 the kernel copies without limit. */
	opts.data_in = ops[TEST_RUN_OPERAND_DATA_IN].ptr;
	opts.data_size_in = ops[TEST_RUN_OPERAND_DATA_IN].ptr ? (__u32)ops[TEST_RUN_OPERAND_DATA_IN].length : 0;
	opts.data_out = ops[TEST_RUN_OPERAND_DATA_OUT].ptr;
	opts.data_size_out = ops[TEST_RUN_OPERAND_DATA_OUT].ptr ? (__u32)ops[TEST_RUN_OPERAND_DATA_OUT].length : 0;
	opts.ctx_in = ops[TEST_RUN_OPERAND_CTX_IN].ptr;
	opts.ctx_size_in = ops[TEST_RUN_OPERAND_CTX_IN].ptr ? (__u32)ops[TEST_RUN_OPERAND_CTX_IN].length : 0;
	opts.ctx_out = ops[TEST_RUN_OPERAND_CTX_OUT].ptr;
	opts.ctx_size_out = ops[TEST_RUN_OPERAND_CTX_OUT].ptr ? (__u32)ops[TEST_RUN_OPERAND_CTX_OUT].length : 0;

	err = bpf_prog_test_run_opts(fd, &opts);
	/* On ENOSPC the kernel still copied what fit and reports the full size. */
	if (err == 0 || err == -ENOSPC) {
		copy_out(env, &ops[TEST_RUN_OPERAND_DATA_OUT], opts.data_size_out);
		copy_out(env, &ops[TEST_RUN_OPERAND_CTX_OUT], opts.ctx_size_out);
	}
	res[TEST_RUN_RETVAL] = (jint)opts.retval;
	res[TEST_RUN_DURATION] = opts.duration;
	res[TEST_RUN_DATA_SIZE_OUT] = opts.data_size_out;
	res[TEST_RUN_CTX_SIZE_OUT] = opts.ctx_size_out;
	(*env)->SetLongArrayRegion(env, results, 0, TEST_RUN_LEN, res);
out:
	for (i = 0; i < TEST_RUN_OPERAND_LEN; i++)
		if (ops[i].copied)
			free(ops[i].ptr);
	return err;
}

/* BPF_LINK_CREATE for XDP: the link fd (closing it detaches), or -errno. */
static jint JNICALL prog_attach_xdp(JNIEnv *env, jclass cls, jint prog_fd, jint ifindex, jint flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = (__u32)flags);

	(void)env;
	(void)cls;
	return bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
}


/*
 * bpf_prog_get_info_by_fd: type and id into out, the name into name_out.
 * Returns the name's length, or -errno (the kernel's: EINVAL for an fd
 * that is no BPF object, EBADF for one that is not open).
 */
static jint JNICALL prog_info(JNIEnv *env, jclass cls, jint fd, jintArray out, jbyteArray name_out)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	jint fields[PROG_INFO_LEN];
	jint n;
	int err;

	(void)cls;
	memset(&info, 0, sizeof(info));
	err = bpf_prog_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	fields[PROG_INFO_TYPE] = (jint)info.type;
	fields[PROG_INFO_ID] = (jint)info.id;
	(*env)->SetIntArrayRegion(env, out, 0, PROG_INFO_LEN, fields);
	n = (jint)strnlen(info.name, sizeof(info.name));
	if (n > (*env)->GetArrayLength(env, name_out))
		n = (*env)->GetArrayLength(env, name_out);
	(*env)->SetByteArrayRegion(env, name_out, 0, n, (const jbyte *)info.name);
	return n;
}

int bpf4j_prog_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "progTestRun", "(I[BLjava/nio/ByteBuffer;[BLjava/nio/ByteBuffer;[BLjava/nio/ByteBuffer;"
				 "[BLjava/nio/ByteBuffer;[IIIII[J)I", (void *)prog_test_run },
		{ "progAttachXdp0", "(III)I", (void *)prog_attach_xdp },
		{ "progInfo", "(I[I[B)I", (void *)prog_info },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
