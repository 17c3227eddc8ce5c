/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the kernel says about a program or a link (bpf_*_get_info_by_fd),
 * flattened into the slots of layout.h, and BPF_ENABLE_STATS. The variable
 * parts (names, paths, map ids) come from a second call with buffers, as
 * bpftool does: the first call reports their sizes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"
#include "layout.h"

static jlong boottime_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts))
		return 0;
	return (jlong)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static jint copy_name(JNIEnv *env, jbyteArray out, const char *s, size_t max)
{
	jint n = (jint)strnlen(s, max);

	if (n > (*env)->GetArrayLength(env, out))
		n = (*env)->GetArrayLength(env, out);
	(*env)->SetByteArrayRegion(env, out, 0, n, (const jbyte *)s);
	return n;
}

/* 0 or -errno; fills out[PROGRAM_INFO_LEN], the name (16 bytes) and the tag (8 bytes). */
static jint JNICALL program_info(JNIEnv *env, jclass cls, jint fd, jlongArray out, jbyteArray name_out,
				 jbyteArray tag_out)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	jlong f[PROGRAM_INFO_LEN];
	int err;

	(void)cls;
	memset(&info, 0, sizeof(info));
	err = bpf_prog_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	memset(f, 0, sizeof(f));
	f[PROGRAM_INFO_TYPE] = info.type;
	f[PROGRAM_INFO_ID] = info.id;
	f[PROGRAM_INFO_RUN_CNT] = (jlong)info.run_cnt;
	f[PROGRAM_INFO_RUN_TIME_NS] = (jlong)info.run_time_ns;
	f[PROGRAM_INFO_XLATED_SIZE] = info.xlated_prog_len;
	f[PROGRAM_INFO_JITED_SIZE] = info.jited_prog_len;
	f[PROGRAM_INFO_NR_MAP_IDS] = info.nr_map_ids;
	f[PROGRAM_INFO_BTF_ID] = info.btf_id;
	f[PROGRAM_INFO_LOAD_TIME] = (jlong)info.load_time;
	f[PROGRAM_INFO_UID] = info.created_by_uid;
	f[PROGRAM_INFO_VERIFIED_INSNS] = info.verified_insns;
	f[PROGRAM_INFO_RECURSION_MISSES] = (jlong)info.recursion_misses;
	f[PROGRAM_INFO_GPL_COMPATIBLE] = info.gpl_compatible;
	f[PROGRAM_INFO_ATTACH_BTF_OBJ_ID] = info.attach_btf_obj_id;
	f[PROGRAM_INFO_ATTACH_BTF_ID] = info.attach_btf_id;
	f[PROGRAM_INFO_IFINDEX] = info.ifindex;
	f[PROGRAM_INFO_NAME_SIZE] = copy_name(env, name_out, info.name, sizeof(info.name));
	f[PROGRAM_INFO_BOOTTIME_NOW] = boottime_ns();
	(*env)->SetLongArrayRegion(env, out, 0, PROGRAM_INFO_LEN, f);
	(*env)->SetByteArrayRegion(env, tag_out, 0, PROGRAM_INFO_TAG_BYTES, (const jbyte *)info.tag);
	return 0;
}

/*
 * The program's map ids into ids[]: their count (which may exceed the array:
 * call again with a larger one), or -errno.
 */
static jint JNICALL program_map_ids(JNIEnv *env, jclass cls, jint fd, jintArray ids)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	__u32 room = (__u32)(*env)->GetArrayLength(env, ids);
	__u32 *buf;
	int err;

	(void)cls;
	buf = calloc(room ? room : 1, sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = room;
	info.map_ids = (__u64)(uintptr_t)buf;
	err = bpf_prog_get_info_by_fd(fd, &info, &len);
	if (!err) {
		__u32 n = info.nr_map_ids < room ? info.nr_map_ids : room;

		(*env)->SetIntArrayRegion(env, ids, 0, (jsize)n, (const jint *)buf);
		err = (int)info.nr_map_ids;
	}
	free(buf);
	return err;
}

/* The name of type btf_id in BTF object obj_id (a traced function's), into out; its length or 0. */
static jint btf_type_name(JNIEnv *env, __u32 obj_id, __u32 btf_id, jbyteArray out)
{
	struct btf *btf;
	const struct btf_type *t;
	const char *name;
	jint n = 0;

	if (!obj_id || !btf_id)
		return 0;
	btf = btf__load_from_kernel_by_id(obj_id);
	if (!btf)
		return 0;
	t = btf__type_by_id(btf, btf_id);
	name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	if (name)
		n = copy_name(env, out, name, LINK_INFO_NAME_BYTES);
	btf__free(btf);
	return n;
}

/*
 * 0 or -errno; fills out[LINK_INFO_LEN] and, where the link type has them,
 * the name (tracepoint, function, iterator target) and the path (a uprobe's binary).
 */
static jint JNICALL link_info(JNIEnv *env, jclass cls, jint fd, jlongArray out, jbyteArray name_out,
			      jbyteArray path_out)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	char name[LINK_INFO_NAME_BYTES];
	char path[LINK_INFO_PATH_BYTES];
	jlong f[LINK_INFO_LEN];
	int err;

	(void)cls;
	memset(&info, 0, sizeof(info));
	err = bpf_link_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	/* Second call with buffers for the types that report strings. */
	name[0] = path[0] = '\0';
	switch (info.type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		info.raw_tracepoint.tp_name = (__u64)(uintptr_t)name;
		info.raw_tracepoint.tp_name_len = sizeof(name);
		break;
	case BPF_LINK_TYPE_ITER:
		info.iter.target_name = (__u64)(uintptr_t)name;
		info.iter.target_name_len = sizeof(name);
		break;
	case BPF_LINK_TYPE_PERF_EVENT:
		switch (info.perf_event.type) {
		case BPF_PERF_EVENT_UPROBE:
		case BPF_PERF_EVENT_URETPROBE:
			info.perf_event.uprobe.file_name = (__u64)(uintptr_t)path;
			info.perf_event.uprobe.name_len = sizeof(path);
			break;
		case BPF_PERF_EVENT_KPROBE:
		case BPF_PERF_EVENT_KRETPROBE:
			info.perf_event.kprobe.func_name = (__u64)(uintptr_t)name;
			info.perf_event.kprobe.name_len = sizeof(name);
			break;
		case BPF_PERF_EVENT_TRACEPOINT:
			info.perf_event.tracepoint.tp_name = (__u64)(uintptr_t)name;
			info.perf_event.tracepoint.name_len = sizeof(name);
			break;
		default:
			break;
		}
		break;
	case BPF_LINK_TYPE_UPROBE_MULTI:
		/* count 0: the kernel then copies no offsets, only the path. */
		info.uprobe_multi.path = (__u64)(uintptr_t)path;
		info.uprobe_multi.path_size = sizeof(path);
		info.uprobe_multi.count = 0;
		break;
	default:
		break;
	}
	if (info.type == BPF_LINK_TYPE_RAW_TRACEPOINT || info.type == BPF_LINK_TYPE_ITER ||
	    info.type == BPF_LINK_TYPE_PERF_EVENT || info.type == BPF_LINK_TYPE_UPROBE_MULTI) {
		len = sizeof(info);
		err = bpf_link_get_info_by_fd(fd, &info, &len);
		if (err)
			return err;
	}
	name[sizeof(name) - 1] = path[sizeof(path) - 1] = '\0';
	memset(f, 0, sizeof(f));
	f[LINK_INFO_TYPE] = info.type;
	f[LINK_INFO_ID] = info.id;
	f[LINK_INFO_PROG_ID] = info.prog_id;
	f[LINK_INFO_ATTACH_TYPE] = -1;
	switch (info.type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		f[LINK_INFO_COOKIE] = (jlong)info.raw_tracepoint.cookie;
		break;
	case BPF_LINK_TYPE_TRACING:
		f[LINK_INFO_ATTACH_TYPE] = info.tracing.attach_type;
		f[LINK_INFO_TARGET_OBJ_ID] = info.tracing.target_obj_id;
		f[LINK_INFO_TARGET_BTF_ID] = info.tracing.target_btf_id;
		f[LINK_INFO_COOKIE] = (jlong)info.tracing.cookie;
		/* PROG_EXT targets a program, not a BTF object: its type names no function we can load by id. */
		if (info.tracing.attach_type != BPF_TRACE_ITER && info.tracing.target_obj_id)
			f[LINK_INFO_NAME_SIZE] = btf_type_name(env, info.tracing.target_obj_id,
							       info.tracing.target_btf_id, name_out);
		break;
	case BPF_LINK_TYPE_CGROUP:
		f[LINK_INFO_CGROUP_ID] = (jlong)info.cgroup.cgroup_id;
		f[LINK_INFO_ATTACH_TYPE] = info.cgroup.attach_type;
		break;
	case BPF_LINK_TYPE_ITER:
		f[LINK_INFO_MAP_ID] = info.iter.map.map_id;
		if (!strcmp(name, "cgroup")) {
			f[LINK_INFO_CGROUP_ID] = (jlong)info.iter.cgroup.cgroup_id;
			f[LINK_INFO_ORDER] = info.iter.cgroup.order;
		} else if (!strncmp(name, "task", 4)) {
			f[LINK_INFO_TID] = info.iter.task.tid;
			f[LINK_INFO_PID] = info.iter.task.pid;
		}
		break;
	case BPF_LINK_TYPE_NETNS:
		f[LINK_INFO_NETNS_INO] = info.netns.netns_ino;
		f[LINK_INFO_ATTACH_TYPE] = info.netns.attach_type;
		break;
	case BPF_LINK_TYPE_XDP:
		f[LINK_INFO_IFINDEX] = info.xdp.ifindex;
		f[LINK_INFO_ATTACH_TYPE] = BPF_XDP;
		break;
	case BPF_LINK_TYPE_PERF_EVENT:
		f[LINK_INFO_PERF_EVENT_TYPE] = info.perf_event.type;
		switch (info.perf_event.type) {
		case BPF_PERF_EVENT_UPROBE:
		case BPF_PERF_EVENT_URETPROBE:
			f[LINK_INFO_OFFSET] = info.perf_event.uprobe.offset;
			f[LINK_INFO_COOKIE] = (jlong)info.perf_event.uprobe.cookie;
			f[LINK_INFO_ADDRESS] = (jlong)info.perf_event.uprobe.ref_ctr_offset;
			break;
		case BPF_PERF_EVENT_KPROBE:
		case BPF_PERF_EVENT_KRETPROBE:
			f[LINK_INFO_OFFSET] = info.perf_event.kprobe.offset;
			f[LINK_INFO_ADDRESS] = (jlong)info.perf_event.kprobe.addr;
			f[LINK_INFO_MISSED] = (jlong)info.perf_event.kprobe.missed;
			f[LINK_INFO_COOKIE] = (jlong)info.perf_event.kprobe.cookie;
			break;
		case BPF_PERF_EVENT_TRACEPOINT:
			f[LINK_INFO_COOKIE] = (jlong)info.perf_event.tracepoint.cookie;
			break;
		case BPF_PERF_EVENT_EVENT:
			f[LINK_INFO_EVENT_TYPE] = info.perf_event.event.type;
			f[LINK_INFO_EVENT_CONFIG] = (jlong)info.perf_event.event.config;
			f[LINK_INFO_COOKIE] = (jlong)info.perf_event.event.cookie;
			break;
		default:
			break;
		}
		break;
	case BPF_LINK_TYPE_KPROBE_MULTI:
		f[LINK_INFO_COUNT] = info.kprobe_multi.count;
		f[LINK_INFO_FLAGS] = info.kprobe_multi.flags;
		f[LINK_INFO_MISSED] = (jlong)info.kprobe_multi.missed;
		break;
	case BPF_LINK_TYPE_STRUCT_OPS:
		f[LINK_INFO_MAP_ID] = info.struct_ops.map_id;
		break;
	case BPF_LINK_TYPE_NETFILTER:
		f[LINK_INFO_PF] = info.netfilter.pf;
		f[LINK_INFO_HOOKNUM] = info.netfilter.hooknum;
		f[LINK_INFO_PRIORITY] = info.netfilter.priority;
		f[LINK_INFO_FLAGS] = info.netfilter.flags;
		f[LINK_INFO_ATTACH_TYPE] = BPF_NETFILTER;
		break;
	case BPF_LINK_TYPE_TCX:
		f[LINK_INFO_IFINDEX] = info.tcx.ifindex;
		f[LINK_INFO_ATTACH_TYPE] = info.tcx.attach_type;
		break;
	case BPF_LINK_TYPE_UPROBE_MULTI:
		f[LINK_INFO_COUNT] = info.uprobe_multi.count;
		f[LINK_INFO_FLAGS] = info.uprobe_multi.flags;
		f[LINK_INFO_PID] = info.uprobe_multi.pid;
		break;
	case BPF_LINK_TYPE_NETKIT:
		f[LINK_INFO_IFINDEX] = info.netkit.ifindex;
		f[LINK_INFO_ATTACH_TYPE] = info.netkit.attach_type;
		break;
	case BPF_LINK_TYPE_SOCKMAP:
		f[LINK_INFO_MAP_ID] = info.sockmap.map_id;
		f[LINK_INFO_ATTACH_TYPE] = info.sockmap.attach_type;
		break;
	default:
		break;
	}
	if (!f[LINK_INFO_NAME_SIZE] && name[0])
		f[LINK_INFO_NAME_SIZE] = copy_name(env, name_out, name, sizeof(name));
	if (path[0])
		f[LINK_INFO_PATH_SIZE] = copy_name(env, path_out, path, sizeof(path));
	(*env)->SetLongArrayRegion(env, out, 0, LINK_INFO_LEN, f);
	return 0;
}

/* libbpf's name of a link type or attach type ("tracepoint", "cgroup_inet_ingress"), or null. */
static jstring JNICALL link_type_name(JNIEnv *env, jclass cls, jint type)
{
	const char *s = libbpf_bpf_link_type_str((enum bpf_link_type)type);

	(void)cls;
	return s ? bpf4j_string(env, s) : NULL;
}

static jstring JNICALL attach_type_name(JNIEnv *env, jclass cls, jint type)
{
	const char *s = type >= 0 ? libbpf_bpf_attach_type_str((enum bpf_attach_type)type) : NULL;

	(void)cls;
	return s ? bpf4j_string(env, s) : NULL;
}

/* BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): an fd that keeps run-time statistics on while open, or -errno. */
static jint JNICALL enable_stats(JNIEnv *env, jclass cls)
{
	int fd;

	(void)env;
	(void)cls;
	fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	return fd < 0 ? (errno ? -errno : fd) : fd;
}

int bpf4j_info_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "programInfo", "(I[J[B[B)I", (void *)program_info },
		{ "programMapIds", "(I[I)I", (void *)program_map_ids },
		{ "linkInfo", "(I[J[B[B)I", (void *)link_info },
		{ "linkTypeName", "(I)Ljava/lang/String;", (void *)link_type_name },
		{ "attachTypeName", "(I)Ljava/lang/String;", (void *)attach_type_name },
		{ "enableStats0", "()I", (void *)enable_stats },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
