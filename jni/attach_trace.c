/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tracing attach family (TracingAttach): kprobes, kprobe.multi, syscall
 * probes, uprobes, uprobe.multi, USDT, tracepoints, raw tracepoints, BTF
 * tracing (fentry/fexit/fmod_ret/lsm/tp_btf/freplace) and sampling perf
 * events, each through libbpf's bpf_program__attach_*_opts, plus the
 * before-load toggles libbpf needs (attach target, autoload).
 *
 * Attach calls return the struct bpf_link's address or -errno, like
 * link.c; Java owns the struct (bpf_link__destroy undoes the perf event,
 * the legacy tracefs entry, the USDT spec map slots). Strings come as
 * NUL-terminated byte[] (Java encodes paths the platform's way, which
 * modified UTF-8 from GetStringUTFChars does not).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"

#define PROG(p) BPF4J_UNPTR(const struct bpf_program *, p)

/* A malloc'ed copy of a NUL-terminated byte[] (NULL for null); *oom set when allocation failed. */
static char *cstr(JNIEnv *env, jbyteArray a, int *oom)
{
	jsize n;
	char *s;

	if (!a)
		return NULL;
	n = (*env)->GetArrayLength(env, a);
	s = malloc((size_t)n + 1);
	if (!s) {
		*oom = 1;
		return NULL;
	}
	(*env)->GetByteArrayRegion(env, a, 0, n, (jbyte *)s);
	s[n] = '\0';
	return s;
}

static jlong link_or_errno(struct bpf_link *link)
{
	if (!link)
		return errno ? -errno : -EINVAL;
	return BPF4J_PTR(link);
}

/* An array of C strings from a byte[][] (each NUL-free); NULL for null. */
static char **cstrs(JNIEnv *env, jobjectArray a, size_t *cnt, int *oom)
{
	jsize n, i;
	char **v;

	*cnt = 0;
	if (!a)
		return NULL;
	n = (*env)->GetArrayLength(env, a);
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v) {
		*oom = 1;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		jbyteArray e = (*env)->GetObjectArrayElement(env, a, i);

		v[i] = cstr(env, e, oom);
		(*env)->DeleteLocalRef(env, e);
		if (*oom)
			break;
	}
	*cnt = (size_t)n;
	return v;
}

static void free_strs(char **v, size_t cnt)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < cnt; i++)
		free(v[i]);
	free(v);
}

/* A malloc'ed copy of a long[] as the element type libbpf wants (u64 or unsigned long: both 64-bit here). */
static void *longs(JNIEnv *env, jlongArray a, int *oom)
{
	jsize n;
	jlong *v;

	if (!a)
		return NULL;
	n = (*env)->GetArrayLength(env, a);
	v = malloc(((size_t)n + 1) * sizeof(*v));
	if (!v) {
		*oom = 1;
		return NULL;
	}
	(*env)->GetLongArrayRegion(env, a, 0, n, v);
	return v;
}

static jlong JNICALL kprobe_attach(JNIEnv *env, jclass cls, jlong prog, jbyteArray jfunc, jlong offset,
				   jboolean retprobe, jlong cookie, jint mode)
{
	LIBBPF_OPTS(bpf_kprobe_opts, opts, .offset = (size_t)offset, .retprobe = retprobe,
		    .bpf_cookie = (__u64)cookie, .attach_mode = (enum probe_attach_mode)mode);
	int oom = 0;
	char *func = cstr(env, jfunc, &oom);
	jlong ret;

	(void)cls;
	if (oom)
		return -ENOMEM;
	errno = 0;
	ret = link_or_errno(bpf_program__attach_kprobe_opts(PROG(prog), func, &opts));
	free(func);
	return ret;
}

static jlong JNICALL kprobe_multi_attach(JNIEnv *env, jclass cls, jlong prog, jbyteArray jpattern,
					 jobjectArray jsyms, jlongArray jcookies, jboolean retprobe,
					 jboolean session, jboolean unique)
{
	LIBBPF_OPTS(bpf_kprobe_multi_opts, opts, .retprobe = retprobe, .session = session,
		    .unique_match = unique);
	int oom = 0;
	size_t cnt = 0;
	char *pattern = cstr(env, jpattern, &oom);
	char **syms = cstrs(env, jsyms, &cnt, &oom);
	__u64 *cookies = longs(env, jcookies, &oom);
	jlong ret = -ENOMEM;

	(void)cls;
	if (!oom) {
		opts.syms = (const char **)syms;
		opts.cookies = cookies;
		opts.cnt = syms ? cnt : (jcookies ? (size_t)(*env)->GetArrayLength(env, jcookies) : 0);
		errno = 0;
		ret = link_or_errno(bpf_program__attach_kprobe_multi_opts(PROG(prog), pattern, &opts));
	}
	free(pattern);
	free_strs(syms, cnt);
	free(cookies);
	return ret;
}

static jlong JNICALL ksyscall_attach(JNIEnv *env, jclass cls, jlong prog, jbyteArray jname, jboolean retprobe,
				     jlong cookie)
{
	LIBBPF_OPTS(bpf_ksyscall_opts, opts, .retprobe = retprobe, .bpf_cookie = (__u64)cookie);
	int oom = 0;
	char *name = cstr(env, jname, &oom);
	jlong ret;

	(void)cls;
	if (oom)
		return -ENOMEM;
	errno = 0;
	ret = link_or_errno(bpf_program__attach_ksyscall(PROG(prog), name, &opts));
	free(name);
	return ret;
}

/* pid: -1 all processes, else that process (0: this one, libbpf's convention). */
static jlong JNICALL uprobe_attach(JNIEnv *env, jclass cls, jlong prog, jint pid, jbyteArray jbinary,
				   jbyteArray jfunc, jlong offset, jboolean retprobe, jlong cookie,
				   jlong ref_ctr_offset, jint mode)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe, .bpf_cookie = (__u64)cookie,
		    .ref_ctr_offset = (size_t)ref_ctr_offset, .attach_mode = (enum probe_attach_mode)mode);
	int oom = 0;
	char *binary = cstr(env, jbinary, &oom);
	char *func = cstr(env, jfunc, &oom);
	jlong ret = -ENOMEM;

	(void)cls;
	if (!oom) {
		opts.func_name = func;
		errno = 0;
		ret = link_or_errno(bpf_program__attach_uprobe_opts(PROG(prog), pid, binary, (size_t)offset, &opts));
	}
	free(binary);
	free(func);
	return ret;
}

static jlong JNICALL uprobe_multi_attach(JNIEnv *env, jclass cls, jlong prog, jint pid, jbyteArray jbinary,
					 jbyteArray jpattern, jobjectArray jsyms, jlongArray joffsets,
					 jlongArray jref_ctr, jlongArray jcookies, jboolean retprobe,
					 jboolean session)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, opts, .retprobe = retprobe, .session = session);
	int oom = 0;
	size_t cnt = 0;
	char *binary = cstr(env, jbinary, &oom);
	char *pattern = cstr(env, jpattern, &oom);
	char **syms = cstrs(env, jsyms, &cnt, &oom);
	unsigned long *offsets = longs(env, joffsets, &oom);
	unsigned long *ref_ctr = longs(env, jref_ctr, &oom);
	__u64 *cookies = longs(env, jcookies, &oom);
	jlong ret = -ENOMEM;

	(void)cls;
	if (!oom) {
		opts.syms = (const char **)syms;
		opts.offsets = offsets;
		opts.ref_ctr_offsets = ref_ctr;
		opts.cookies = cookies;
		if (syms)
			opts.cnt = cnt;
		else if (joffsets)
			opts.cnt = (size_t)(*env)->GetArrayLength(env, joffsets);
		errno = 0;
		ret = link_or_errno(bpf_program__attach_uprobe_multi(PROG(prog), pid, binary, pattern, &opts));
	}
	free(binary);
	free(pattern);
	free_strs(syms, cnt);
	free(offsets);
	free(ref_ctr);
	free(cookies);
	return ret;
}

static jlong JNICALL usdt_attach(JNIEnv *env, jclass cls, jlong prog, jint pid, jbyteArray jbinary,
				 jbyteArray jprovider, jbyteArray jname, jlong cookie)
{
	LIBBPF_OPTS(bpf_usdt_opts, opts, .usdt_cookie = (__u64)cookie);
	int oom = 0;
	char *binary = cstr(env, jbinary, &oom);
	char *provider = cstr(env, jprovider, &oom);
	char *name = cstr(env, jname, &oom);
	jlong ret = -ENOMEM;

	(void)cls;
	if (!oom) {
		errno = 0;
		ret = link_or_errno(bpf_program__attach_usdt(PROG(prog), pid, binary, provider, name, &opts));
	}
	free(binary);
	free(provider);
	free(name);
	return ret;
}

static jlong JNICALL tracepoint_attach(JNIEnv *env, jclass cls, jlong prog, jbyteArray jcategory,
				       jbyteArray jname, jlong cookie)
{
	LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = (__u64)cookie);
	int oom = 0;
	char *category = cstr(env, jcategory, &oom);
	char *name = cstr(env, jname, &oom);
	jlong ret = -ENOMEM;

	(void)cls;
	if (!oom) {
		errno = 0;
		ret = link_or_errno(bpf_program__attach_tracepoint_opts(PROG(prog), category, name, &opts));
	}
	free(category);
	free(name);
	return ret;
}

static jlong JNICALL raw_tracepoint_attach(JNIEnv *env, jclass cls, jlong prog, jbyteArray jname, jlong cookie)
{
	LIBBPF_OPTS(bpf_raw_tracepoint_opts, opts, .cookie = (__u64)cookie);
	int oom = 0;
	char *name = cstr(env, jname, &oom);
	jlong ret;

	(void)cls;
	if (oom)
		return -ENOMEM;
	errno = 0;
	ret = link_or_errno(bpf_program__attach_raw_tracepoint_opts(PROG(prog), name, &opts));
	free(name);
	return ret;
}

/*
 * fentry/fexit/fmod_ret/lsm/tp_btf/freplace at the target fixed at load:
 * bpf_program__attach_trace_opts makes a BPF_LINK_CREATE with the program's
 * expected attach type, which the kernel takes for LSM and EXT as well.
 */
static jlong JNICALL trace_attach(JNIEnv *env, jclass cls, jlong prog, jlong cookie)
{
	LIBBPF_OPTS(bpf_trace_opts, opts, .cookie = (__u64)cookie);

	(void)env;
	(void)cls;
	errno = 0;
	return link_or_errno(bpf_program__attach_trace_opts(PROG(prog), &opts));
}

/*
 * A sampling perf event: type/config as perf_event_open(2) has them, a
 * frequency (freq) or a period, on one CPU for pid (-1: every task there).
 * Opened disabled: libbpf enables it once the program is attached, so no
 * sample fires before.
 */
static jint JNICALL perf_event_open_sampling(JNIEnv *env, jclass cls, jint type, jlong config, jboolean freq,
					     jlong sample, jint pid, jint cpu)
{
	struct perf_event_attr attr;
	long fd;

	(void)env;
	(void)cls;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (__u32)type;
	attr.config = (__u64)config;
	attr.freq = freq ? 1 : 0;
	if (freq)
		attr.sample_freq = (__u64)sample;
	else
		attr.sample_period = (__u64)sample;
	attr.disabled = 1;
	fd = syscall(__NR_perf_event_open, &attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (jint)fd;
}

/* On success the link owns pfd (bpf_link__destroy closes it); on failure the caller still does. */
static jlong JNICALL perf_event_attach(JNIEnv *env, jclass cls, jlong prog, jint pfd, jlong cookie)
{
	LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = (__u64)cookie);

	(void)env;
	(void)cls;
	errno = 0;
	return link_or_errno(bpf_program__attach_perf_event_opts(PROG(prog), pfd, &opts));
}

/* Before load: libbpf refuses these on a loaded object with -EBUSY. */
static jint JNICALL program_set_attach_target(JNIEnv *env, jclass cls, jlong prog, jint fd, jbyteArray jfunc)
{
	int oom = 0;
	char *func = cstr(env, jfunc, &oom);
	int err;

	(void)cls;
	if (oom)
		return -ENOMEM;
	err = bpf_program__set_attach_target(BPF4J_UNPTR(struct bpf_program *, prog), fd, func);
	free(func);
	return err;
}

static jint JNICALL program_set_autoload(JNIEnv *env, jclass cls, jlong prog, jboolean on)
{
	(void)env;
	(void)cls;
	return bpf_program__set_autoload(BPF4J_UNPTR(struct bpf_program *, prog), on);
}

static jboolean JNICALL program_autoload(JNIEnv *env, jclass cls, jlong prog)
{
	(void)env;
	(void)cls;
	return bpf_program__autoload(PROG(prog));
}

int bpf4j_attach_trace_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "kprobeAttach0", "(J[BJZJI)J", (void *)kprobe_attach },
		{ "kprobeMultiAttach0", "(J[B[[B[JZZZ)J", (void *)kprobe_multi_attach },
		{ "ksyscallAttach0", "(J[BZJ)J", (void *)ksyscall_attach },
		{ "uprobeAttach0", "(JI[B[BJZJJI)J", (void *)uprobe_attach },
		{ "uprobeMultiAttach0", "(JI[B[B[[B[J[J[JZZ)J", (void *)uprobe_multi_attach },
		{ "usdtAttach0", "(JI[B[B[BJ)J", (void *)usdt_attach },
		{ "tracepointAttach0", "(J[B[BJ)J", (void *)tracepoint_attach },
		{ "rawTracepointAttach0", "(J[BJ)J", (void *)raw_tracepoint_attach },
		{ "traceAttach0", "(JJ)J", (void *)trace_attach },
		{ "perfEventOpenSampling0", "(IJZJII)I", (void *)perf_event_open_sampling },
		{ "perfEventAttach0", "(JIJ)J", (void *)perf_event_attach },
		{ "programSetAttachTarget", "(JI[B)I", (void *)program_set_attach_target },
		{ "programSetAutoload", "(JZ)I", (void *)program_set_autoload },
		{ "programAutoload", "(J)Z", (void *)program_autoload },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
