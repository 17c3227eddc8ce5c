/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared mappings of map memory. A mapping's range is never handed back to
 * the kernel while a ByteBuffer may still point into it: closing a map only
 * swaps the range for private anonymous memory (mmap_detach), and the range
 * is unmapped once Java has seen the buffer become unreachable.
 */
#define _GNU_SOURCE /* MAP_FIXED_NOREPLACE */
#include <errno.h>
#include <sys/mman.h>
#include "bpf4j.h"

/*
 * addr 0: the kernel chooses. Otherwise the mapping must land exactly there
 * (an arena whose map_extra fixed its address): MAP_FIXED_NOREPLACE never
 * clobbers what is already mapped.
 */
static jlong JNICALL mmap_map(JNIEnv *env, jclass cls, jlong addr, jint fd, jlong length, jboolean writable)
{
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	int flags = MAP_SHARED | (addr ? MAP_FIXED_NOREPLACE : 0);
	void *want = BPF4J_UNPTR(void *, addr);
	void *got;

	(void)cls;
	got = mmap(want, (size_t)length, prot, flags, fd, 0);
	if (got == MAP_FAILED) {
		int err = errno;

		bpf4j_throw(env, "mmap", err, addr && err == EEXIST ? "the fixed address is taken" : NULL);
		return 0;
	}
	if (want && got != want) {
		/* A kernel older than 4.17 ignores MAP_FIXED_NOREPLACE and treats addr as a hint. */
		munmap(got, (size_t)length);
		bpf4j_throw(env, "mmap", EEXIST, "the fixed address is taken");
		return 0;
	}
	return BPF4J_PTR(got);
}

/* MAP_FIXED replaces the shared pages atomically: no window where the range is unmapped. */
/*
 * A shared mapping at a file offset, for maps whose pages differ in access
 * (a user ring buffer's read-only consumer page at 0, its writable producer
 * page and data at one page): the kernel chooses the address.
 */
static jlong JNICALL mmap_map_at(JNIEnv *env, jclass cls, jint fd, jlong length, jboolean writable, jlong offset)
{
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	void *got;

	(void)cls;
	got = mmap(NULL, (size_t)length, prot, MAP_SHARED, fd, (off_t)offset);
	if (got == MAP_FAILED) {
		bpf4j_throw(env, "mmap", errno, NULL);
		return 0;
	}
	return BPF4J_PTR(got);
}

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
		{ "mmap0", "(JIJZ)J", (void *)mmap_map },
		{ "mmapAt0", "(IJZJ)J", (void *)mmap_map_at },
		{ "mmapDetach", "(JJZ)I", (void *)mmap_detach },
		{ "munmap", "(JJ)I", (void *)mmap_unmap },
		{ "newDirectBuffer", "(JJ)Ljava/nio/ByteBuffer;", (void *)new_direct_buffer },
		{ "bufferAddress", "(Ljava/nio/ByteBuffer;)J", (void *)buffer_address },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
