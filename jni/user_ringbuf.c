/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one wait a user ring buffer's producer needs: the kernel marks the map
 * fd EPOLLOUT while the ring is not full (ringbuf_map_poll_user) and wakes
 * its wait queue after bpf_user_ringbuf_drain consumed records. Records are
 * written in Java, never here.
 */
#include <errno.h>
#include <poll.h>
#include "bpf4j.h"

/* revents (0: timed out or interrupted by a signal, Java re-checks), or -errno. */
static jint JNICALL user_ringbuf_wait(JNIEnv *env, jclass cls, jint fd, jint timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int n;

	(void)env;
	(void)cls;
	n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n ? pfd.revents : 0;
}

int bpf4j_user_ringbuf_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "userRingbufWait", "(II)I", (void *)user_ringbuf_wait },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
