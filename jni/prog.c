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


/*
 * byte[] operands up to this many bytes in all are staged on the stack: a
 * malloc and free per run cost more than copying a packet there.
 */
#define STAGE_ON_STACK 1024

/* Checks every operand, resolves direct buffers in place and sums what byte[] operands need staged. */
static int resolve(JNIEnv *env, struct bpf4j_operand *ops, size_t *staged)
{
	int i;

	*staged = 0;
	for (i = 0; i < TEST_RUN_OPERAND_LEN; i++) {
		struct bpf4j_operand *op = &ops[i];

		op->ptr = NULL;
		op->copied = 0;
		if (bpf4j_operand_check(env, op))
			return -1;
		if (!op->length)
			continue;
		if (op->buffer && !op->array) {
			char *base = bpf4j_direct_address(env, op->buffer);

			if (!base) {
				bpf4j_throw_illegal_argument(env, "buffer is not a direct ByteBuffer");
				return -1;
			}
			op->ptr = base + op->offset;
			continue;
		}
		op->copied = 1;
		*staged += ((size_t)op->length + 7) & ~(size_t)7;
	}
	return 0;
}

/* Places the byte[] operands in area (at least what resolve summed) and copies the inputs in. */
static void stage(JNIEnv *env, struct bpf4j_operand *ops, char *area)
{
	size_t at = 0;
	int i;

	for (i = 0; i < TEST_RUN_OPERAND_LEN; i++) {
		if (!ops[i].copied)
			continue;
		ops[i].ptr = area + at;
		at += ((size_t)ops[i].length + 7) & ~(size_t)7;
		if (i == TEST_RUN_OPERAND_DATA_IN || i == TEST_RUN_OPERAND_CTX_IN)
			(*env)->GetByteArrayRegion(env, ops[i].array, ops[i].offset, ops[i].length, ops[i].ptr);
	}
}

static void copy_out(JNIEnv *env, struct bpf4j_operand *op, __u32 size)
{
	jint n = size < (__u32)op->length ? (jint)size : op->length;

	if (op->copied && n > 0)
		(*env)->SetByteArrayRegion(env, op->array, op->offset, n, op->ptr);
}

static void put_results(jlong *res, const struct bpf_test_run_opts *opts)
{
	res[TEST_RUN_RETVAL] = (jint)opts->retval;
	res[TEST_RUN_DURATION] = opts->duration;
	res[TEST_RUN_DATA_SIZE_OUT] = opts->data_size_out;
	res[TEST_RUN_CTX_SIZE_OUT] = opts->ctx_size_out;
}

/*
 * Operands come as separate parameters: fetching them from Object[] costs more JNI calls than the run itself.
 * Runs with a byte[] or heap buffer operand come here; all-direct runs take prog_test_run_direct.
 */
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
	_Alignas(8) char on_stack[STAGE_ON_STACK];
	char *heap = NULL;
	size_t staged;
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
	if (resolve(env, ops, &staged))
		return -EINVAL;
	if (staged > sizeof(on_stack)) {
		heap = malloc(staged);
		if (!heap) {
			bpf4j_throw(env, "bpf_prog_test_run_opts", ENOMEM, NULL);
			return -EINVAL;
		}
	}
	stage(env, ops, heap ? heap : on_stack);

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
	put_results(res, &opts);
	(*env)->SetLongArrayRegion(env, results, 0, TEST_RUN_LEN, res);
	free(heap);
	return err;
}

/*
 * The run with every operand a direct buffer or absent, as addresses Java
 * resolved and bounds-checked (TestRun), so the call makes no JNI call back:
 * each would cost as much as the rest of the overhead. The results go to the
 * TEST_RUN_LEN longs at results, a direct buffer the TestRun owns.
 * An address is 0 for an absent or empty operand.
 */
static jint JNICALL prog_test_run_direct(JNIEnv *env, jclass cls, jint fd,
					 jlong data_in, jint data_in_length, jlong data_out, jint data_out_length,
					 jlong ctx_in, jint ctx_in_length, jlong ctx_out, jint ctx_out_length,
					 jint repeat, jint flags, jint cpu, jint batch_size, jlong results)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .repeat = repeat, .flags = flags, .cpu = cpu, .batch_size = batch_size);
	int err;

	(void)env;
	(void)cls;
	/* An empty output must be NULL: with size 0 the kernel copies without limit. */
	opts.data_in = BPF4J_UNPTR(void *, data_in);
	opts.data_size_in = data_in ? (__u32)data_in_length : 0;
	opts.data_out = BPF4J_UNPTR(void *, data_out);
	opts.data_size_out = data_out ? (__u32)data_out_length : 0;
	opts.ctx_in = BPF4J_UNPTR(void *, ctx_in);
	opts.ctx_size_in = ctx_in ? (__u32)ctx_in_length : 0;
	opts.ctx_out = BPF4J_UNPTR(void *, ctx_out);
	opts.ctx_size_out = ctx_out ? (__u32)ctx_out_length : 0;
	err = bpf_prog_test_run_opts(fd, &opts);
	put_results(BPF4J_UNPTR(jlong *, results), &opts);
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
		{ "progTestRunDirect", "(IJIJIJIJIIIIIJ)I", (void *)prog_test_run_direct },
		{ "progAttachXdp0", "(III)I", (void *)prog_attach_xdp },
		{ "progInfo", "(I[I[B)I", (void *)prog_info },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
