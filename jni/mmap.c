/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared mappings of map memory. A mapping's range is never handed back to
 * the kernel while a ByteBuffer may still point into it: closing a map only
 * swaps the range for private anonymous memory (mmap_detach), and the range
 * is unmapped once Java has seen the buffer become unreachable.
 */
#include <errno.h>
#include <sys/mman.h>
#include "bpf4j.h"

static jlong JNICALL mmap_map(JNIEnv *env, jclass cls, jint fd, jlong length, jboolean writable)
{
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	void *addr;

	(void)cls;
	addr = mmap(NULL, (size_t)length, prot, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED) {
		bpf4j_throw(env, "mmap", errno, NULL);
		return 0;
	}
	return BPF4J_PTR(addr);
}

/* MAP_FIXED replaces the shared pages atomically: no window where the range is unmapped. */
static jint JNICALL mmap_detach(JNIEnv *env, jclass cls, jlong addr, jlong length, jboolean writable)
{
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	void *p;

	(void)env;
	(void)cls;
	p = mmap(BPF4J_UNPTR(void *, addr), (size_t)length, prot,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	return p == MAP_FAILED ? -errno : 0;
}

static jint JNICALL mmap_unmap(JNIEnv *env, jclass cls, jlong addr, jlong length)
{
	(void)env;
	(void)cls;
	return munmap(BPF4J_UNPTR(void *, addr), (size_t)length) ? -errno : 0;
}

static jobject JNICALL new_direct_buffer(JNIEnv *env, jclass cls, jlong addr, jlong capacity)
{
	(void)cls;
	return (*env)->NewDirectByteBuffer(env, BPF4J_UNPTR(void *, addr), capacity);
}

static jlong JNICALL buffer_address(JNIEnv *env, jclass cls, jobject buffer)
{
	(void)cls;
	return buffer ? BPF4J_PTR((*env)->GetDirectBufferAddress(env, buffer)) : 0;
}

int bpf4j_mmap_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "mmap", "(IJZ)J", (void *)mmap_map },
		{ "mmapDetach", "(JJZ)I", (void *)mmap_detach },
		{ "munmap", "(JJ)I", (void *)mmap_unmap },
		{ "newDirectBuffer", "(JJ)Ljava/nio/ByteBuffer;", (void *)new_direct_buffer },
		{ "bufferAddress", "(Ljava/nio/ByteBuffer;)J", (void *)buffer_address },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
