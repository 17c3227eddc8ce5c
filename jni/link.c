/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Links libbpf makes from a program's section name (bpf_program__attach).
 * Java owns the struct bpf_link, not just its fd: for some attach types the
 * link holds more than the fd (a tracepoint's or uprobe's perf event fd, a
 * legacy probe's tracefs entry), and only bpf_link__destroy undoes all of it.
 */
#include <errno.h>
#include <stdint.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"

/* The struct bpf_link's address, or -errno (-EOPNOTSUPP: the section has no automatic attach). */
static jlong JNICALL link_attach(JNIEnv *env, jclass cls, jlong prog)
{
	struct bpf_link *link;

	(void)env;
	(void)cls;
	link = bpf_program__attach((const struct bpf_program *)(intptr_t)prog);
	if (!link)
		return errno ? -errno : -EINVAL;
	return (jlong)(intptr_t)link;
}

static jint JNICALL link_fd(JNIEnv *env, jclass cls, jlong link)
{
	(void)env;
	(void)cls;
	return bpf_link__fd((const struct bpf_link *)(intptr_t)link);
}

/* Detaches and frees; the struct is gone afterwards. */
static void JNICALL link_destroy(JNIEnv *env, jclass cls, jlong link)
{
	(void)env;
	(void)cls;
	bpf_link__destroy((struct bpf_link *)(intptr_t)link);
}

int bpf4j_link_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "linkAttach0", "(J)J", (void *)link_attach },
		{ "linkFd", "(J)I", (void *)link_fd },
		{ "linkDestroy", "(J)V", (void *)link_destroy },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
