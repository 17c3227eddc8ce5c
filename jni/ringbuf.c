/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Waiting for ring buffer records: an epoll set over ring buffer map fds and
 * an eventfd that another thread writes to end a wait. Records themselves are
 * read in Java from the mapped pages, never here. Every call returns a value
 * or -errno; Java builds the exception.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include "bpf4j.h"

static jint JNICALL ringbuf_epoll_create(JNIEnv *env, jclass cls)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);

	(void)env;
	(void)cls;
	return fd < 0 ? -errno : fd;
}

/* The fd's slot number is the event's data, so Java finds the ring without a lookup. */
static jint JNICALL ringbuf_epoll_add(JNIEnv *env, jclass cls, jint epfd, jint fd, jint slot)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)slot };

	(void)env;
	(void)cls;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* A closed fd leaves the set by itself; ENOENT and EBADF say it already has. */
static jint JNICALL ringbuf_epoll_del(JNIEnv *env, jclass cls, jint epfd, jint fd)
{
	(void)env;
	(void)cls;
	if (epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) && errno != ENOENT && errno != EBADF)
		return -errno;
	return 0;
}

/*
 * Waits up to timeout_ms; returns how many fds are ready (their slots in
 * slots[0..n)) or -errno (EINTR included: Java decides). The slots array is
 * written with SetIntArrayRegion after the wait, never pinned across it.
 */
static jint JNICALL ringbuf_epoll_wait(JNIEnv *env, jclass cls, jint epfd, jintArray jslots, jint timeout_ms)
{
	struct epoll_event evs[64];
	jint slots[64];
	jsize cap = (*env)->GetArrayLength(env, jslots);
	int max = cap < 64 ? cap : 64;
	int n, i;

	(void)cls;
	if (max <= 0)
		return -EINVAL;
	n = epoll_wait(epfd, evs, max, timeout_ms);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++)
		slots[i] = (jint)evs[i].data.u32;
	if (n > 0)
		(*env)->SetIntArrayRegion(env, jslots, 0, n, slots);
	return n;
}

static jint JNICALL ringbuf_eventfd_create(JNIEnv *env, jclass cls)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	(void)env;
	(void)cls;
	return fd < 0 ? -errno : fd;
}

static jint JNICALL ringbuf_eventfd_signal(JNIEnv *env, jclass cls, jint fd)
{
	uint64_t one = 1;

	(void)env;
	(void)cls;
	/* EAGAIN: the counter is at its maximum, a wake-up is pending anyway. */
	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

/* Resets the counter; 0 if nothing was pending. */
static jint JNICALL ringbuf_eventfd_drain(JNIEnv *env, jclass cls, jint fd)
{
	uint64_t v;

	(void)env;
	(void)cls;
	if (read(fd, &v, sizeof(v)) < 0)
		return errno == EAGAIN ? 0 : -errno;
	return 1;
}

int bpf4j_ringbuf_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "epollCreate0", "()I", (void *)ringbuf_epoll_create },
		{ "epollAdd", "(III)I", (void *)ringbuf_epoll_add },
		{ "epollDel", "(II)I", (void *)ringbuf_epoll_del },
		{ "epollWait", "(I[II)I", (void *)ringbuf_epoll_wait },
		{ "eventFd0", "()I", (void *)ringbuf_eventfd_create },
		{ "eventFdSignal", "(I)I", (void *)ringbuf_eventfd_signal },
		{ "eventFdDrain", "(I)I", (void *)ringbuf_eventfd_drain },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
