/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The few system calls Java has no portable way to make on JDK 8: mounting
 * tracefs, polling the trace pipe with a timeout, page size, thread id.
 * They return -errno on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"

static jint JNICALL sys_mount(JNIEnv *env, jclass cls, jstring jsource, jstring jtarget, jstring jtype)
{
	const char *source, *target = NULL, *type = NULL;
	jint ret = -ENOMEM;

	(void)cls;
	source = (*env)->GetStringUTFChars(env, jsource, NULL);
	if (!source)
		return -ENOMEM;
	target = (*env)->GetStringUTFChars(env, jtarget, NULL);
	if (!target)
		goto out;
	type = (*env)->GetStringUTFChars(env, jtype, NULL);
	if (!type)
		goto out;
	ret = mount(source, target, type, 0, NULL) ? -errno : 0;
out:
	if (type)
		(*env)->ReleaseStringUTFChars(env, jtype, type);
	if (target)
		(*env)->ReleaseStringUTFChars(env, jtarget, target);
	(*env)->ReleaseStringUTFChars(env, jsource, source);
	return ret;
}

/* Read-only and non-blocking: reads are paced by poll() so they can time out. */
static jint JNICALL sys_open_nonblocking(JNIEnv *env, jclass cls, jstring jpath)
{
	const char *path = (*env)->GetStringUTFChars(env, jpath, NULL);
	int fd;

	(void)cls;
	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	(*env)->ReleaseStringUTFChars(env, jpath, path);
	return fd < 0 ? -errno : fd;
}

/* Returns bytes read, 0 on timeout, -errno on error. */
static jint JNICALL sys_poll_read(JNIEnv *env, jclass cls, jint fd, jbyteArray jbuf,
				  jint offset, jint length, jint timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[8192];
	ssize_t n;
	int ready;

	(void)cls;
	if (length > (jint)sizeof(buf))
		length = sizeof(buf);
	do {
		ready = poll(&pfd, 1, timeout_ms);
	} while (ready < 0 && errno == EINTR);
	if (ready < 0)
		return -errno;
	if (ready == 0)
		return 0;
	n = read(fd, buf, (size_t)length);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	(*env)->SetByteArrayRegion(env, jbuf, offset, (jsize)n, (jbyte *)buf);
	return (jint)n;
}

static jint JNICALL sys_close(JNIEnv *env, jclass cls, jint fd)
{
	(void)env;
	(void)cls;
	return close(fd) ? -errno : 0;
}

static jint JNICALL sys_gettid(JNIEnv *env, jclass cls)
{
	(void)env;
	(void)cls;
	return (jint)syscall(SYS_gettid);
}

static jint JNICALL sys_geteuid(JNIEnv *env, jclass cls)
{
	(void)env;
	(void)cls;
	return (jint)geteuid();
}

static jint JNICALL sys_page_size(JNIEnv *env, jclass cls)
{
	(void)env;
	(void)cls;
	return (jint)sysconf(_SC_PAGESIZE);
}

static jint JNICALL sys_num_possible_cpus(JNIEnv *env, jclass cls)
{
	(void)env;
	(void)cls;
	return libbpf_num_possible_cpus();
}

static jstring JNICALL sys_libbpf_version(JNIEnv *env, jclass cls)
{
	(void)cls;
	return bpf4j_string(env, libbpf_version_string());
}

static jstring JNICALL sys_strerror(JNIEnv *env, jclass cls, jint err)
{
	char buf[256];

	(void)cls;
	/* libbpf_strerror also knows libbpf's own codes (LIBBPF_ERRNO__*). */
	if (libbpf_strerror(err, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "error %d", err);
	return bpf4j_string(env, buf);
}

int bpf4j_sys_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "mount", "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)I", (void *)sys_mount },
		{ "openNonBlocking", "(Ljava/lang/String;)I", (void *)sys_open_nonblocking },
		{ "pollRead", "(I[BIII)I", (void *)sys_poll_read },
		{ "close", "(I)I", (void *)sys_close },
		{ "gettid", "()I", (void *)sys_gettid },
		{ "geteuid", "()I", (void *)sys_geteuid },
		{ "pageSize", "()I", (void *)sys_page_size },
		{ "numPossibleCpus", "()I", (void *)sys_num_possible_cpus },
		{ "libbpfVersion", "()Ljava/lang/String;", (void *)sys_libbpf_version },
		{ "strerror", "(I)Ljava/lang/String;", (void *)sys_strerror },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
