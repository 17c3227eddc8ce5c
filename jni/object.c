/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bpf_object life cycle and the metadata of its maps and programs. A handle
 * is a struct bpf4j_object *, owned by exactly one Java BpfObject; map and
 * program pointers are borrowed from it and die with it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"

struct bpf4j_object {
	struct bpf_object *obj;
	/* open_mem's buffer must outlive the load: libbpf parses it lazily. */
	void *elf;
	size_t elf_size;
};

static jlong open_common(JNIEnv *env, struct bpf4j_object *h, const char *path,
			 const char *name)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
	char *log;
	int err;

	bpf4j_log_capture_begin();
	errno = 0;
	if (path)
		h->obj = bpf_object__open_file(path, &opts);
	else
		h->obj = bpf_object__open_mem(h->elf, h->elf_size, &opts);
	err = errno;
	log = bpf4j_log_capture_end();
	if (!h->obj) {
		bpf4j_throw(env, path ? "bpf_object__open_file" : "bpf_object__open_mem",
			    err ? err : EINVAL, log);
		free(h->elf);
		free(h);
		h = NULL;
	}
	free(log);
	return BPF4J_PTR(h);
}

static jlong JNICALL object_open_file(JNIEnv *env, jclass cls, jstring jpath, jstring jname)
{
	struct bpf4j_object *h;
	const char *path, *name = NULL;
	jlong ret = 0;

	(void)cls;
	path = (*env)->GetStringUTFChars(env, jpath, NULL);
	if (!path)
		return 0;
	if (jname && !(name = (*env)->GetStringUTFChars(env, jname, NULL)))
		goto out;
	h = calloc(1, sizeof(*h));
	if (!h) {
		bpf4j_throw(env, "bpf_object__open_file", ENOMEM, NULL);
		goto out;
	}
	ret = open_common(env, h, path, name);
out:
	if (name)
		(*env)->ReleaseStringUTFChars(env, jname, name);
	(*env)->ReleaseStringUTFChars(env, jpath, path);
	return ret;
}

static jlong JNICALL object_open_mem(JNIEnv *env, jclass cls, jbyteArray jelf, jstring jname)
{
	struct bpf4j_object *h;
	const char *name = NULL;
	jsize size = (*env)->GetArrayLength(env, jelf);
	jlong ret = 0;

	(void)cls;
	if (jname && !(name = (*env)->GetStringUTFChars(env, jname, NULL)))
		return 0;
	h = calloc(1, sizeof(*h));
	if (h)
		h->elf = malloc(size > 0 ? (size_t)size : 1);
	if (!h || !h->elf) {
		if (h)
			free(h);
		bpf4j_throw(env, "bpf_object__open_mem", ENOMEM, NULL);
		goto out;
	}
	h->elf_size = (size_t)size;
	(*env)->GetByteArrayRegion(env, jelf, 0, size, h->elf);
	ret = open_common(env, h, NULL, name);
out:
	if (name)
		(*env)->ReleaseStringUTFChars(env, jname, name);
	return ret;
}

static void JNICALL object_load(JNIEnv *env, jclass cls, jlong handle)
{
	struct bpf4j_object *h = BPF4J_UNPTR(struct bpf4j_object *, handle);
	char *log;
	int err;

	(void)cls;
	bpf4j_log_capture_begin();
	err = bpf_object__load(h->obj);
	log = bpf4j_log_capture_end();
	if (err)
		bpf4j_throw(env, "bpf_object__load", -err, log);
	free(log);
}

static void JNICALL object_close(JNIEnv *env, jclass cls, jlong handle)
{
	struct bpf4j_object *h = BPF4J_UNPTR(struct bpf4j_object *, handle);

	(void)env;
	(void)cls;
	bpf_object__close(h->obj);
	free(h->elf);
	free(h);
}

static jstring JNICALL object_name(JNIEnv *env, jclass cls, jlong handle)
{
	struct bpf4j_object *h = BPF4J_UNPTR(struct bpf4j_object *, handle);

	(void)cls;
	return bpf4j_string(env, bpf_object__name(h->obj));
}

static jlongArray to_long_array(JNIEnv *env, jlong *values, jsize n)
{
	jlongArray arr = (*env)->NewLongArray(env, n);

	if (arr && n)
		(*env)->SetLongArrayRegion(env, arr, 0, n, values);
	return arr;
}

static jlongArray JNICALL object_maps(JNIEnv *env, jclass cls, jlong handle)
{
	struct bpf4j_object *h = BPF4J_UNPTR(struct bpf4j_object *, handle);
	struct bpf_map *map;
	jlong *values;
	jlongArray arr;
	jsize n = 0;

	(void)cls;
	bpf_object__for_each_map(map, h->obj)
		n++;
	values = calloc(n ? (size_t)n : 1, sizeof(*values));
	if (!values) {
		bpf4j_throw(env, "bpf_object__for_each_map", ENOMEM, NULL);
		return NULL;
	}
	n = 0;
	bpf_object__for_each_map(map, h->obj)
		values[n++] = BPF4J_PTR(map);
	arr = to_long_array(env, values, n);
	free(values);
	return arr;
}

static jlongArray JNICALL object_programs(JNIEnv *env, jclass cls, jlong handle)
{
	struct bpf4j_object *h = BPF4J_UNPTR(struct bpf4j_object *, handle);
	struct bpf_program *prog;
	jlong *values;
	jlongArray arr;
	jsize n = 0;

	(void)cls;
	bpf_object__for_each_program(prog, h->obj)
		n++;
	values = calloc(n ? (size_t)n : 1, sizeof(*values));
	if (!values) {
		bpf4j_throw(env, "bpf_object__for_each_program", ENOMEM, NULL);
		return NULL;
	}
	n = 0;
	bpf_object__for_each_program(prog, h->obj)
		values[n++] = BPF4J_PTR(prog);
	arr = to_long_array(env, values, n);
	free(values);
	return arr;
}

static jstring JNICALL map_name(JNIEnv *env, jclass cls, jlong map)
{
	(void)cls;
	return bpf4j_string(env, bpf_map__name(BPF4J_UNPTR(struct bpf_map *, map)));
}

/* The order is MapInfo's (Java): one call instead of eight. */
static void JNICALL map_describe(JNIEnv *env, jclass cls, jlong handle, jlongArray out)
{
	const struct bpf_map *map = BPF4J_UNPTR(const struct bpf_map *, handle);
	jlong values[8];

	(void)cls;
	values[0] = bpf_map__type(map);
	values[1] = bpf_map__key_size(map);
	values[2] = bpf_map__value_size(map);
	values[3] = bpf_map__max_entries(map);
	values[4] = bpf_map__map_flags(map);
	values[5] = bpf_map__fd(map);
	values[6] = (jlong)bpf_map__map_extra(map);
	values[7] = bpf_map__is_internal(map);
	(*env)->SetLongArrayRegion(env, out, 0, BPF4J_ARRAY_LEN(values), values);
}

static jstring JNICALL program_name(JNIEnv *env, jclass cls, jlong prog)
{
	(void)cls;
	return bpf4j_string(env, bpf_program__name(BPF4J_UNPTR(struct bpf_program *, prog)));
}

static jstring JNICALL program_section(JNIEnv *env, jclass cls, jlong prog)
{
	(void)cls;
	return bpf4j_string(env, bpf_program__section_name(BPF4J_UNPTR(struct bpf_program *, prog)));
}

static jint JNICALL program_type(JNIEnv *env, jclass cls, jlong prog)
{
	(void)env;
	(void)cls;
	return bpf_program__type(BPF4J_UNPTR(struct bpf_program *, prog));
}

static jint JNICALL program_fd(JNIEnv *env, jclass cls, jlong prog)
{
	(void)env;
	(void)cls;
	return bpf_program__fd(BPF4J_UNPTR(struct bpf_program *, prog));
}

int bpf4j_object_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "objectOpenFile", "(Ljava/lang/String;Ljava/lang/String;)J", (void *)object_open_file },
		{ "objectOpenMem", "([BLjava/lang/String;)J", (void *)object_open_mem },
		{ "objectLoad", "(J)V", (void *)object_load },
		{ "objectClose", "(J)V", (void *)object_close },
		{ "objectName", "(J)Ljava/lang/String;", (void *)object_name },
		{ "objectMaps", "(J)[J", (void *)object_maps },
		{ "objectPrograms", "(J)[J", (void *)object_programs },
		{ "mapName", "(J)Ljava/lang/String;", (void *)map_name },
		{ "mapDescribe", "(J[J)V", (void *)map_describe },
		{ "programName", "(J)Ljava/lang/String;", (void *)program_name },
		{ "programSection", "(J)Ljava/lang/String;", (void *)program_section },
		{ "programType", "(J)I", (void *)program_type },
		{ "programFd", "(J)I", (void *)program_fd },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
