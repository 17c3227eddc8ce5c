/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Perf buffers: one BPF output perf event per CPU, which
 * bpf_perf_event_output writes through a PERF_EVENT_ARRAY map. Only the
 * event's creation and enabling are native; its pages are mapped with
 * mmap.c, waited on with ringbuf.c's epoll set, and read in Java. Every
 * call returns a value or -errno; Java builds the exception.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include "bpf4j.h"

/*
 * A PERF_COUNT_SW_BPF_OUTPUT event on one CPU, any task (pid -1), as libbpf's
 * perf_buffer__new makes it: every sample carries only the program's raw
 * bytes. wakeup_bytes > 0 wakes a poller once that many bytes are waiting
 * (the watermark); otherwise every wakeup_events samples.
 */
static jint JNICALL perfbuf_open(JNIEnv *env, jclass cls, jint cpu, jint wakeup_events, jint wakeup_bytes)
{
	struct perf_event_attr attr;
	long fd;

	(void)env;
	(void)cls;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_BPF_OUTPUT;
	attr.sample_type = PERF_SAMPLE_RAW;
	attr.sample_period = 1;
	if (wakeup_bytes > 0) {
		attr.watermark = 1;
		attr.wakeup_watermark = (__u32)wakeup_bytes;
	} else {
		attr.wakeup_events = (__u32)(wakeup_events > 0 ? wakeup_events : 1);
	}
	fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (jint)fd;
}

static jint JNICALL perfbuf_enable(JNIEnv *env, jclass cls, jint fd)
{
	(void)env;
	(void)cls;
	return ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) ? -errno : 0;
}

int bpf4j_perfbuf_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "perfEventOpen0", "(III)I", (void *)perfbuf_open },
		{ "perfEventEnable", "(I)I", (void *)perfbuf_enable },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
