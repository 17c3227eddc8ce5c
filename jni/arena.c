/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What Java needs for BPF arenas besides plain ByteBuffer access: atomics
 * that interoperate with __sync_fetch_and_add in BPF programs, bulk copies
 * by address, reads and writes that cannot fault (process_vm_readv/writev on
 * our own pid: a missing page is EFAULT, not SIGSEGV), and taking an
 * object's arena over from libbpf before load so that bpf4j owns the mapping.
 *
 * Java has checked every address against the arena's bounds and alignment.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"

/*
 * keep_alive is a root buffer of the mapping: as a JNI argument it stays
 * reachable for the whole call, so the range is not unmapped under us.
 */
static jint JNICALL get_and_add_int(JNIEnv *env, jclass cls, jobject keep_alive, jlong addr, jint delta)
{
	(void)env;
	(void)cls;
	(void)keep_alive;
	return __atomic_fetch_add(BPF4J_UNPTR(jint *, addr), delta, __ATOMIC_SEQ_CST);
}

static jlong JNICALL get_and_add_long(JNIEnv *env, jclass cls, jobject keep_alive, jlong addr, jlong delta)
{
	(void)env;
	(void)cls;
	(void)keep_alive;
	return __atomic_fetch_add(BPF4J_UNPTR(jlong *, addr), delta, __ATOMIC_SEQ_CST);
}

static jboolean JNICALL cas_int(JNIEnv *env, jclass cls, jobject keep_alive, jlong addr, jint expect,
			       jint update)
{
	(void)env;
	(void)cls;
	(void)keep_alive;
	return __atomic_compare_exchange_n(BPF4J_UNPTR(jint *, addr), &expect, update, 0,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static jboolean JNICALL cas_long(JNIEnv *env, jclass cls, jobject keep_alive, jlong addr, jlong expect,
				jlong update)
{
	(void)env;
	(void)cls;
	(void)keep_alive;
	return __atomic_compare_exchange_n(BPF4J_UNPTR(jlong *, addr), &expect, update, 0,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/*
 * Bulk copies never pin a Java array around a long memcpy or a system call
 * (ARCHITECTURE.md, "Native boundary"): a byte[] is copied with
 * Get/SetByteArrayRegion, which copies without pinning, in chunks of
 * BPF4J_COPY_CHUNK, so a safepoint (and so the GC) waits for at most one
 * chunk, never for a whole copy of up to 2 GiB. A direct ByteBuffer is plain
 * native memory: it is copied, or handed to the kernel, in place.
 */
#ifndef BPF4J_CRITICAL_MAX
#define BPF4J_CRITICAL_MAX (64 * 1024)
#endif
#define BPF4J_COPY_CHUNK BPF4J_CRITICAL_MAX
/* A checked copy of a byte[] goes through a C buffer this big: one system call per chunk. */
#define BPF4J_CHECKED_CHUNK (1024 * 1024)

/* The direct buffer's bytes at op->offset, or NULL with IllegalArgumentException pending. */
static char *direct_bytes(JNIEnv *env, const struct bpf4j_operand *op)
{
	char *base = bpf4j_direct_address(env, op->buffer);

	if (!base) {
		bpf4j_throw_illegal_argument(env, "buffer is not a direct ByteBuffer");
		return NULL;
	}
	return base + op->offset;
}

/* Plain copies between memory and a Java operand; the memory is known mapped. */
static jint JNICALL copy_memory(JNIEnv *env, jclass cls, jobject keep_alive, jlong addr, jbyteArray array,
				jobject buffer, jint offset, jint length, jboolean to_memory)
{
	struct bpf4j_operand op = { array, buffer, offset, length, NULL, 0 };
	char *mem = BPF4J_UNPTR(char *, addr);
	jint done, n;

	(void)cls;
	(void)keep_alive;
	if (!length)
		return 0;
	if (bpf4j_operand_check(env, &op))
		return -EINVAL;
	if (!array) {
		char *local = direct_bytes(env, &op);

		if (!local)
			return -EINVAL;
		if (to_memory)
			memcpy(mem, local, (size_t)length);
		else
			memcpy(local, mem, (size_t)length);
		return 0;
	}
	for (done = 0; done < length; done += n) {
		n = length - done < BPF4J_COPY_CHUNK ? length - done : BPF4J_COPY_CHUNK;
		if (to_memory)
			(*env)->GetByteArrayRegion(env, array, offset + done, n, (jbyte *)(mem + done));
		else
			(*env)->SetByteArrayRegion(env, array, offset + done, n, (const jbyte *)(mem + done));
	}
	return 0;
}

/*
 * A copy the kernel does for us: where a page is missing (an arena with
 * BPF_F_SEGV_ON_FAULT, or freed by bpf_arena_free_pages) it reports EFAULT
 * instead of delivering SIGSEGV. Returns bytes copied or -errno.
 */
static ssize_t checked_copy(void *mem, void *local, size_t length, int to_memory)
{
	struct iovec local_iov = { local, length };
	struct iovec remote_iov = { mem, length };
	ssize_t n;

	if (!length)
		return 0;
	n = to_memory ? process_vm_writev(getpid(), &local_iov, 1, &remote_iov, 1, 0)
		      : process_vm_readv(getpid(), &local_iov, 1, &remote_iov, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n < length ? -EFAULT : n;
}

/*
 * Returns length or -errno. On EFAULT a prefix of the range may have been
 * copied (the kernel copies up to the missing page; a byte[] chunk by chunk).
 */
static jint JNICALL copy_checked(JNIEnv *env, jclass cls, jobject keep_alive, jlong addr, jbyteArray array,
				 jobject buffer, jint offset, jint length, jboolean to_memory)
{
	struct bpf4j_operand op = { array, buffer, offset, length, NULL, 0 };
	char *mem = BPF4J_UNPTR(char *, addr);
	size_t chunk;
	jint done, n;
	ssize_t got;
	char *local;

	(void)cls;
	(void)keep_alive;
	if (!length)
		return 0;
	if (bpf4j_operand_check(env, &op))
		return -EINVAL;
	if (!array) {
		local = direct_bytes(env, &op);
		if (!local)
			return -EINVAL;
		got = checked_copy(mem, local, (size_t)length, to_memory);
		return got < 0 ? (jint)got : length;
	}
	chunk = length < BPF4J_CHECKED_CHUNK ? (size_t)length : BPF4J_CHECKED_CHUNK;
	local = malloc(chunk);
	if (!local)
		return -ENOMEM;
	for (done = 0; done < length; done += n) {
		n = length - done < (jint)chunk ? length - done : (jint)chunk;
		if (to_memory)
			(*env)->GetByteArrayRegion(env, array, offset + done, n, (jbyte *)local);
		got = checked_copy(mem + done, local, (size_t)n, to_memory);
		if (got < 0) {
			free(local);
			return (jint)got;
		}
		if (!to_memory)
			(*env)->SetByteArrayRegion(env, array, offset + done, n, (const jbyte *)local);
	}
	free(local);
	return length;
}

/*
 * An object's map before load: its initial data (for an arena, the __arena
 * globals libbpf collected from the ELF), copied out, or an empty array.
 */
static jbyteArray JNICALL map_initial_value(JNIEnv *env, jclass cls, jlong handle)
{
	const void *data;
	jbyteArray copy;
	size_t size = 0;

	(void)cls;
	data = bpf_map__initial_value(BPF4J_UNPTR(struct bpf_map *, handle), &size);
	copy = (*env)->NewByteArray(env, data ? (jsize)size : 0);
	if (copy && data && size)
		(*env)->SetByteArrayRegion(env, copy, 0, (jsize)size, data);
	return copy;
}

/*
 * Before load: libbpf uses this map instead of creating one (for an arena it
 * then neither creates nor maps it: bpf4j owns that mapping, which libbpf
 * would unmap at close under any ByteBuffer still pointing into it).
 * libbpf keeps a duplicate of fd.
 */
static jint JNICALL map_reuse_fd(JNIEnv *env, jclass cls, jlong handle, jint fd)
{
	(void)env;
	(void)cls;
	return bpf_map__reuse_fd(BPF4J_UNPTR(struct bpf_map *, handle), fd);
}

/*
 * Where libbpf puts an object's __arena globals depends on the kernel: at the
 * arena's end when the verifier accepts ld_imm64 map-value offsets beyond
 * the old 512 MiB limit, else at offset 0. libbpf's probe is internal, so
 * bpf4j asks the same question: load a program with such an offset into a
 * 1-byte array value. Both kernels refuse it, but with different reasons.
 * Returns 1 (at the end), 0 (at offset 0), or -errno.
 */
static jint JNICALL arena_globals_at_end(JNIEnv *env, jclass cls)
{
	char log[1024] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	struct bpf_insn insns[] = {
		/* r1 = &map_value + (1 << 30): BPF_LD_IMM64 with BPF_PSEUDO_MAP_VALUE */
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1, .src_reg = BPF_PSEUDO_MAP_VALUE },
		{ .imm = 1 << 30 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int map_fd, prog_fd, err;

	(void)env;
	(void)cls;
	map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bpf4j_probe", sizeof(int), 1, 1, NULL);
	if (map_fd < 0)
		return map_fd;
	insns[0].imm = map_fd;
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "bpf4j_probe", "GPL", insns, 3, &opts);
	err = errno;
	close(map_fd);
	if (prog_fd >= 0) {
		close(prog_fd);
		return -EINVAL;
	}
	if (strstr(log, "direct value offset of"))
		return 0;
	return strstr(log, "invalid access to map value pointer") ? 1 : -err;
}

int bpf4j_arena_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "getAndAddInt", "(Ljava/lang/Object;JI)I", (void *)get_and_add_int },
		{ "getAndAddLong", "(Ljava/lang/Object;JJ)J", (void *)get_and_add_long },
		{ "compareAndSetInt", "(Ljava/lang/Object;JII)Z", (void *)cas_int },
		{ "compareAndSetLong", "(Ljava/lang/Object;JJJ)Z", (void *)cas_long },
		{ "copyMemory", "(Ljava/lang/Object;J[BLjava/nio/ByteBuffer;IIZ)I", (void *)copy_memory },
		{ "copyChecked", "(Ljava/lang/Object;J[BLjava/nio/ByteBuffer;IIZ)I", (void *)copy_checked },
		{ "mapInitialValue", "(J)[B", (void *)map_initial_value },
		{ "mapReuseFd0", "(JI)I", (void *)map_reuse_fd },
		{ "arenaGlobalsAtEnd", "()I", (void *)arena_globals_at_end },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
