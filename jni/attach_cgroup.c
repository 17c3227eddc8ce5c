/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cgroup hooks (CgroupAttach). The link is made with bpf_link_create on the
 * program's fd, not bpf_program__attach_cgroup_opts: the hook may differ from
 * the program's expected attach type (cgroup/skb on egress) and a program
 * opened on its own has no struct bpf_program; what libbpf would do is the
 * same one syscall. The legacy BPF_PROG_ATTACH makes no fd: Java keeps a
 * copy of the program and cgroup fds to detach it with BPF_PROG_DETACH.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"

/* A directory fd (O_CLOEXEC) of the cgroup at path, or -errno. */
static jint JNICALL cgroup_open(JNIEnv *env, jclass cls, jstring jpath)
{
	const char *path;
	int fd;

	(void)cls;
	path = (*env)->GetStringUTFChars(env, jpath, NULL);
	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	(*env)->ReleaseStringUTFChars(env, jpath, path);
	return fd;
}

/* The filesystem type of fd (CGROUP2_SUPER_MAGIC for a cgroup v2 directory), or -errno. */
static jlong JNICALL cgroup_fs_type(JNIEnv *env, jclass cls, jint fd)
{
	struct statfs st;

	(void)env;
	(void)cls;
	if (fstatfs(fd, &st))
		return -errno;
	return (jlong)(unsigned long)st.f_type;
}

/* BPF_LINK_CREATE at a cgroup hook: the link fd, or -errno. */
static jint JNICALL cgroup_link_create(JNIEnv *env, jclass cls, jint prog_fd, jint cgroup_fd, jint type,
				       jint flags, jint relative_fd, jlong expected_revision)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = (__u32)flags);

	(void)env;
	(void)cls;
	opts.cgroup.relative_fd = (__u32)relative_fd;
	opts.cgroup.expected_revision = (__u64)expected_revision;
	return bpf_link_create(prog_fd, cgroup_fd, (enum bpf_attach_type)type, &opts);
}

/* BPF_PROG_ATTACH at a cgroup hook with the multi-attach flags: 0 or -errno. */
static jint JNICALL cgroup_prog_attach(JNIEnv *env, jclass cls, jint prog_fd, jint cgroup_fd, jint type,
				       jint flags, jint replace_fd, jint relative_fd, jlong expected_revision)
{
	LIBBPF_OPTS(bpf_prog_attach_opts, opts, .flags = (__u32)flags);

	(void)env;
	(void)cls;
	opts.replace_prog_fd = replace_fd;
	opts.relative_fd = relative_fd;
	opts.expected_revision = (__u64)expected_revision;
	return bpf_prog_attach_opts(prog_fd, cgroup_fd, (enum bpf_attach_type)type, &opts);
}

/* BPF_PROG_DETACH of that program from the hook: 0 or -errno. */
static jint JNICALL cgroup_prog_detach(JNIEnv *env, jclass cls, jint prog_fd, jint cgroup_fd, jint type)
{
	(void)env;
	(void)cls;
	return bpf_prog_detach2(prog_fd, cgroup_fd, (enum bpf_attach_type)type);
}

/*
 * BPF_PROG_QUERY of the cgroup's own programs at the hook, in run order:
 * their ids into ids (as many as fit), the list's revision into
 * revision[0]; returns how many programs are attached, or -errno.
 */
static jint JNICALL cgroup_query(JNIEnv *env, jclass cls, jint cgroup_fd, jint type, jintArray ids,
				 jlongArray revision)
{
	__u32 buf[64];
	jint len = (*env)->GetArrayLength(env, ids);
	LIBBPF_OPTS(bpf_prog_query_opts, opts, .prog_ids = buf);
	jlong rev;
	__u32 filled;
	int err;

	(void)cls;
	opts.count = len < (jint)BPF4J_ARRAY_LEN(buf) ? (__u32)len : (__u32)BPF4J_ARRAY_LEN(buf);
	err = bpf_prog_query_opts(cgroup_fd, (enum bpf_attach_type)type, &opts);
	if (err && err != -ENOSPC)
		return err;
	/* On ENOSPC the kernel reports how many are attached, which may exceed what buf holds. */
	filled = opts.count < (__u32)len ? opts.count : (__u32)len;
	if (filled > BPF4J_ARRAY_LEN(buf))
		filled = BPF4J_ARRAY_LEN(buf);
	(*env)->SetIntArrayRegion(env, ids, 0, (jint)filled, (const jint *)buf);
	rev = (jlong)opts.revision;
	(*env)->SetLongArrayRegion(env, revision, 0, 1, &rev);
	return (jint)opts.count;
}

/* libbpf's expected attach type of the program (from its section). */
static jint JNICALL program_expected_attach_type(JNIEnv *env, jclass cls, jlong prog)
{
	(void)env;
	(void)cls;
	return (jint)bpf_program__expected_attach_type((const struct bpf_program *)(intptr_t)prog);
}

int bpf4j_attach_cgroup_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "cgroupOpen0", "(Ljava/lang/String;)I", (void *)cgroup_open },
		{ "cgroupFsType", "(I)J", (void *)cgroup_fs_type },
		{ "cgroupLinkCreate0", "(IIIIIJ)I", (void *)cgroup_link_create },
		{ "cgroupProgAttach", "(IIIIIIJ)I", (void *)cgroup_prog_attach },
		{ "cgroupProgDetach", "(III)I", (void *)cgroup_prog_detach },
		{ "cgroupQuery", "(II[I[J)I", (void *)cgroup_query },
		{ "programExpectedAttachType", "(J)I", (void *)program_expected_attach_type },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
