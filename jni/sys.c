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
#include <net/if.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
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

/*
 * Free slots in the fd table: the soft RLIMIT_NOFILE minus the open fds,
 * which Linux 6.2+ reports as the size of /proc/self/fd. -1 where that is
 * unknown (an older kernel says 0), so the caller probes instead.
 */
static jint JNICALL sys_fd_room(JNIEnv *env, jclass cls)
{
	struct rlimit limit;
	struct stat fds;

	(void)env;
	(void)cls;
	if (getrlimit(RLIMIT_NOFILE, &limit) || stat("/proc/self/fd", &fds) || fds.st_size <= 0)
		return -1;
	if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > (rlim_t)fds.st_size + 0x7fffffff)
		return 0x7fffffff;
	return limit.rlim_cur > (rlim_t)fds.st_size ? (jint)(limit.rlim_cur - (rlim_t)fds.st_size) : 0;
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

/* Runs fn(path) with a C string; -ENOMEM when the string cannot be had. */
#define WITH_PATH(env, jpath, path, expr)				\
	do {								\
		const char *path = (*env)->GetStringUTFChars(env, jpath, NULL); \
		if (!path)						\
			return -ENOMEM;					\
		ret = (expr);						\
		(*env)->ReleaseStringUTFChars(env, jpath, path);	\
	} while (0)

static jint JNICALL sys_obj_pin(JNIEnv *env, jclass cls, jint fd, jstring jpath)
{
	jint ret;

	(void)cls;
	WITH_PATH(env, jpath, path, bpf_obj_pin(fd, path));
	return ret;
}

static jint JNICALL sys_obj_get(JNIEnv *env, jclass cls, jstring jpath)
{
	jint ret;

	(void)cls;
	WITH_PATH(env, jpath, path, bpf_obj_get(path));
	return ret;
}

/* Removing a pin: unlink's own errno (ENOENT, EISDIR, EACCES, ...), never a guess. */
static jint JNICALL sys_unlink(JNIEnv *env, jclass cls, jstring jpath)
{
	jint ret;

	(void)cls;
	WITH_PATH(env, jpath, path, unlink(path) ? -errno : 0);
	return ret;
}

/* The filesystem type (f_type) holding path, or -errno. */
static jlong JNICALL sys_statfs_type(JNIEnv *env, jclass cls, jstring jpath)
{
	struct statfs st;
	jint ret;

	(void)cls;
	WITH_PATH(env, jpath, path, statfs(path, &st) ? -errno : 0);
	return ret ? ret : (jlong)(unsigned long)st.f_type;
}

static jint JNICALL sys_map_fd_by_id(JNIEnv *env, jclass cls, jint id)
{
	(void)env;
	(void)cls;
	return bpf_map_get_fd_by_id((__u32)id);
}

/*
 * The interface's index in this network namespace, or -errno. Java's
 * NetworkInterface only sees interfaces that have an address.
 */
static jint if_index(const char *name)
{
	unsigned int index = if_nametoindex(name);

	return index ? (jint)index : -errno;
}

static jint JNICALL sys_if_index(JNIEnv *env, jclass cls, jstring jname)
{
	jint ret;

	(void)cls;
	WITH_PATH(env, jname, name, if_index(name));
	return ret;
}

static jint JNICALL sys_dup(JNIEnv *env, jclass cls, jint fd)
{
	int ret;

	(void)env;
	(void)cls;
	ret = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	return ret < 0 ? -errno : ret;
}

int bpf4j_sys_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "mount", "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)I", (void *)sys_mount },
		{ "openNonBlocking0", "(Ljava/lang/String;)I", (void *)sys_open_nonblocking },
		{ "pollRead", "(I[BIII)I", (void *)sys_poll_read },
		{ "close", "(I)I", (void *)sys_close },
		{ "gettid", "()I", (void *)sys_gettid },
		{ "geteuid", "()I", (void *)sys_geteuid },
		{ "fdRoom", "()I", (void *)sys_fd_room },
		{ "pageSize", "()I", (void *)sys_page_size },
		{ "numPossibleCpus", "()I", (void *)sys_num_possible_cpus },
		{ "libbpfVersion", "()Ljava/lang/String;", (void *)sys_libbpf_version },
		{ "strerror", "(I)Ljava/lang/String;", (void *)sys_strerror },
		{ "objPin", "(ILjava/lang/String;)I", (void *)sys_obj_pin },
		{ "objGet0", "(Ljava/lang/String;)I", (void *)sys_obj_get },
		{ "statfsType", "(Ljava/lang/String;)J", (void *)sys_statfs_type },
		{ "unlink", "(Ljava/lang/String;)I", (void *)sys_unlink },
		{ "mapFdById0", "(I)I", (void *)sys_map_fd_by_id },
		{ "dup0", "(I)I", (void *)sys_dup },
		{ "ifIndex", "(Ljava/lang/String;)I", (void *)sys_if_index },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
