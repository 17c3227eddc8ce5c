/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Links libbpf makes from a program's section name (bpf_program__attach).
 * Java owns the struct bpf_link, not just its fd: for some attach types the
 * link holds more than the fd (a tracepoint's or uprobe's perf event fd, a
 * legacy probe's tracefs entry), and only bpf_link__destroy undoes all of it.
 */
#include <errno.h>
#include <stdint.h>
#include <bpf/bpf.h>
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

/*
 * bpf_link_update: the link runs new_prog from now on, atomically. With
 * old_prog >= 0 only if it still runs old_prog (BPF_F_REPLACE; else -EPERM).
 * 0 or -errno.
 */
static jint JNICALL link_update(JNIEnv *env, jclass cls, jint fd, jint new_prog, jint old_prog)
{
	LIBBPF_OPTS(bpf_link_update_opts, opts);

	(void)env;
	(void)cls;
	if (old_prog >= 0) {
		opts.flags = BPF_F_REPLACE;
		opts.old_prog_fd = (__u32)old_prog;
	}
	return bpf_link_update(fd, new_prog, &opts);
}

/* BPF_LINK_DETACH: the program is detached, the fd stays valid. 0 or -errno. */
static jint JNICALL link_detach(JNIEnv *env, jclass cls, jint fd)
{
	(void)env;
	(void)cls;
	return bpf_link_detach(fd);
}

/* bpf_map__attach_struct_ops: the struct bpf_link's address, or -errno. */
static jlong JNICALL link_struct_ops(JNIEnv *env, jclass cls, jlong map)
{
	struct bpf_link *link;

	(void)env;
	(void)cls;
	link = bpf_map__attach_struct_ops((const struct bpf_map *)(intptr_t)map);
	if (!link)
		return errno ? -errno : -EINVAL;
	return (jlong)(intptr_t)link;
}

int bpf4j_link_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "linkAttach0", "(J)J", (void *)link_attach },
		{ "linkFd", "(J)I", (void *)link_fd },
		{ "linkDestroy", "(J)V", (void *)link_destroy },
		{ "linkUpdate", "(III)I", (void *)link_update },
		{ "linkDetach", "(I)I", (void *)link_detach },
		{ "linkStructOps0", "(J)J", (void *)link_struct_ops },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
