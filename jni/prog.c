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

enum { DATA_IN, DATA_OUT, CTX_IN, CTX_OUT, N_OPERANDS };
/* Same order as TestRun.results on the Java side. */
enum { RES_RETVAL, RES_DURATION, RES_DATA_SIZE_OUT, RES_CTX_SIZE_OUT, N_RESULTS };

struct operand {
	jbyteArray array;
	jobject buffer;
	jint offset;
	jint length;
	void *ptr;
	int copied;
};

static int resolve(JNIEnv *env, struct operand *op, int is_input)
{
	op->ptr = NULL;
	op->copied = 0;
	if (op->buffer) {
		char *base = (*env)->GetDirectBufferAddress(env, op->buffer);

		if (!base) {
			bpf4j_throw_illegal_argument(env, "buffer is not a direct ByteBuffer");
			return -1;
		}
		op->ptr = base + op->offset;
	} else if (op->array) {
		op->ptr = malloc(op->length > 0 ? (size_t)op->length : 1);
		if (!op->ptr) {
			bpf4j_throw(env, "bpf_prog_test_run_opts", ENOMEM, NULL);
			return -1;
		}
		op->copied = 1;
		if (is_input)
			(*env)->GetByteArrayRegion(env, op->array, op->offset, op->length, op->ptr);
	}
	return 0;
}

static void copy_out(JNIEnv *env, struct operand *op, __u32 size)
{
	jint n = size < (__u32)op->length ? (jint)size : op->length;

	if (op->copied && n > 0)
		(*env)->SetByteArrayRegion(env, op->array, op->offset, n, op->ptr);
}

static jint JNICALL prog_test_run(JNIEnv *env, jclass cls, jint fd, jobjectArray arrays,
				  jobjectArray buffers, jintArray offsets_lengths,
				  jint repeat, jint flags, jint cpu, jint batch_size,
				  jlongArray results)
{
	struct operand ops[N_OPERANDS];
	jint ol[2 * N_OPERANDS];
	jlong res[N_RESULTS];
	int i, err;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .repeat = repeat, .flags = flags, .cpu = cpu, .batch_size = batch_size);

	(void)cls;
	(*env)->GetIntArrayRegion(env, offsets_lengths, 0, 2 * N_OPERANDS, ol);
	for (i = 0; i < N_OPERANDS; i++) {
		ops[i].array = (*env)->GetObjectArrayElement(env, arrays, i);
		ops[i].buffer = (*env)->GetObjectArrayElement(env, buffers, i);
		ops[i].offset = ol[2 * i];
		ops[i].length = ol[2 * i + 1];
		ops[i].copied = 0;
	}
	err = -EFAULT;
	for (i = 0; i < N_OPERANDS; i++)
		if (resolve(env, &ops[i], i == DATA_IN || i == CTX_IN))
			goto out;

	if (ops[DATA_IN].ptr) {
		opts.data_in = ops[DATA_IN].ptr;
		opts.data_size_in = (__u32)ops[DATA_IN].length;
	}
	if (ops[DATA_OUT].ptr) {
		opts.data_out = ops[DATA_OUT].ptr;
		opts.data_size_out = (__u32)ops[DATA_OUT].length;
	}
	if (ops[CTX_IN].ptr) {
		opts.ctx_in = ops[CTX_IN].ptr;
		opts.ctx_size_in = (__u32)ops[CTX_IN].length;
	}
	if (ops[CTX_OUT].ptr) {
		opts.ctx_out = ops[CTX_OUT].ptr;
		opts.ctx_size_out = (__u32)ops[CTX_OUT].length;
	}
	err = bpf_prog_test_run_opts(fd, &opts);
	/* On ENOSPC the kernel still copied what fit and reports the full size. */
	if (err == 0 || err == -ENOSPC) {
		copy_out(env, &ops[DATA_OUT], opts.data_size_out);
		copy_out(env, &ops[CTX_OUT], opts.ctx_size_out);
	}
	res[RES_RETVAL] = (jint)opts.retval;
	res[RES_DURATION] = opts.duration;
	res[RES_DATA_SIZE_OUT] = opts.data_size_out;
	res[RES_CTX_SIZE_OUT] = opts.ctx_size_out;
	(*env)->SetLongArrayRegion(env, results, 0, N_RESULTS, res);
out:
	for (i = 0; i < N_OPERANDS; i++) {
		if (ops[i].copied)
			free(ops[i].ptr);
		if (ops[i].array)
			(*env)->DeleteLocalRef(env, ops[i].array);
		if (ops[i].buffer)
			(*env)->DeleteLocalRef(env, ops[i].buffer);
	}
	return err;
}

int bpf4j_prog_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "progTestRun", "(I[Ljava/lang/Object;[Ljava/lang/Object;[IIIII[J)I", (void *)prog_test_run },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
