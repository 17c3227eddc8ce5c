/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bpf_object life cycle and the metadata of its maps and programs. A handle
 * is a struct bpf4j_object *, owned by exactly one Java BpfObject; map and
 * program pointers are borrowed from it and die with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"
#include "layout.h"

struct bpf4j_object {
	struct bpf_object *obj;
	/* open_mem's buffer must outlive the load: libbpf parses it lazily. */
	void *elf;
	size_t elf_size;
};

struct bpf_object *bpf4j_object_bpf(jlong handle)
{
	return BPF4J_UNPTR(struct bpf4j_object *, handle)->obj;
}

/*
 * Validates h's image and opens it with libbpf: h on success; else NULL with
 * an exception pending, and h and its image freed. name is released here.
 */
static struct bpf4j_object *open_image(JNIEnv *env, struct bpf4j_object *h, jstring jname, const char *name)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
	char why[512];
	char *log;
	int err;

	/* libbpf trusts parts of the ELF and its BTF; a corrupt file must not reach it */
	err = bpf4j_validate_object(h->elf, h->elf_size, why, sizeof(why));
	if (err) {
		(*env)->ReleaseStringUTFChars(env, jname, name);
		bpf4j_throw(env, "bpf4j_validate_object", -err, why);
		free(h->elf);
		free(h);
		return NULL;
	}

	bpf4j_log_capture_begin();
	errno = 0;
	h->obj = bpf_object__open_mem(h->elf, h->elf_size, &opts);
	err = errno;
	log = bpf4j_log_capture_end();
	(*env)->ReleaseStringUTFChars(env, jname, name);
	if (!h->obj) {
		bpf4j_throw(env, "bpf_object__open_mem", err ? err : EINVAL, log);
		free(h->elf);
		free(h);
		h = NULL;
	}
	free(log);
	return h;
}

/* Opened from memory: the image is validated first, and libbpf's open_file would read the file again. */
static jlong JNICALL object_open_mem(JNIEnv *env, jclass cls, jbyteArray jelf, jstring jname)
{
	struct bpf4j_object *h;
	jsize size = (*env)->GetArrayLength(env, jelf);
	const char *name;

	(void)cls;
	name = (*env)->GetStringUTFChars(env, jname, NULL);
	if (!name)
		return 0;
	h = calloc(1, sizeof(*h));
	if (h)
		h->elf = malloc(size > 0 ? (size_t)size : 1);
	if (!h || !h->elf) {
		free(h);
		(*env)->ReleaseStringUTFChars(env, jname, name);
		bpf4j_throw(env, "bpf_object__open_mem", ENOMEM, NULL);
		return 0;
	}
	h->elf_size = (size_t)size;
	(*env)->GetByteArrayRegion(env, jelf, 0, size, h->elf);
	return BPF4J_PTR(open_image(env, h, jname, name));
}

/* A regular file's bytes into malloc'ed memory (*size of them), or NULL: the caller lets Java say why. */
static void *read_file(const char *path, size_t *size)
{
	struct stat st;
	size_t got = 0;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 || (buf = malloc((size_t)st.st_size)) == NULL)
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail; /* shrunk or failed: Java reads it again and says what happened */
		got += (size_t)n;
	}
	close(fd);
	*size = got;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/*
 * BpfObject.open(Path) without a Java copy of the file: jpath is the path's
 * bytes, NUL-terminated (Java passes only paths it can spell so). 0 with no
 * exception pending when the file cannot be read here (missing, unreadable,
 * not a regular file, empty): Java then reads it itself, so those errors keep
 * their one wording. Otherwise as objectOpenMem.
 */
static jlong JNICALL object_open_file(JNIEnv *env, jclass cls, jbyteArray jpath, jstring jname)
{
	char path[PATH_MAX];
	jsize len = (*env)->GetArrayLength(env, jpath);
	struct bpf4j_object *h;
	const char *name;

	(void)cls;
	if (len <= 0 || (size_t)len > sizeof(path))
		return 0;
	(*env)->GetByteArrayRegion(env, jpath, 0, len, (jbyte *)path);
	if (path[len - 1] != '\0')
		return 0;
	h = calloc(1, sizeof(*h));
	if (!h)
		return 0;
	h->elf = read_file(path, &h->elf_size);
	if (!h->elf) {
		free(h);
		return 0;
	}
	name = (*env)->GetStringUTFChars(env, jname, NULL);
	if (!name) {
		free(h->elf);
		free(h);
		return 0;
	}
	return BPF4J_PTR(open_image(env, h, jname, name));
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

/* libbpf hands out maps and programs by iteration; Java gets one array of pointers. */
typedef const void *(*next_fn)(const struct bpf_object *obj, const void *prev);

static const void *next_map(const struct bpf_object *obj, const void *prev)
{
	return bpf_object__next_map(obj, prev);
}

static const void *next_program(const struct bpf_object *obj, const void *prev)
{
	return bpf_object__next_program(obj, (struct bpf_program *)prev);
}

static jlongArray pointer_array(JNIEnv *env, const struct bpf_object *obj, next_fn next)
{
	const void *it;
	jlongArray arr;
	jlong *values;
	jsize n = 0;

	for (it = next(obj, NULL); it; it = next(obj, it))
		n++;
	arr = (*env)->NewLongArray(env, n);
	if (!arr || !n)
		return arr;
	values = (*env)->GetLongArrayElements(env, arr, NULL);
	if (!values)
		return NULL;
	n = 0;
	for (it = next(obj, NULL); it; it = next(obj, it))
		values[n++] = BPF4J_PTR(it);
	(*env)->ReleaseLongArrayElements(env, arr, values, 0);
	return arr;
}

static jlongArray JNICALL object_maps(JNIEnv *env, jclass cls, jlong handle)
{
	(void)cls;
	return pointer_array(env, BPF4J_UNPTR(struct bpf4j_object *, handle)->obj, next_map);
}

static jlongArray JNICALL object_programs(JNIEnv *env, jclass cls, jlong handle)
{
	(void)cls;
	return pointer_array(env, BPF4J_UNPTR(struct bpf4j_object *, handle)->obj, next_program);
}

static jstring JNICALL map_name(JNIEnv *env, jclass cls, jlong map)
{
	(void)cls;
	return bpf4j_string(env, bpf_map__name(BPF4J_UNPTR(struct bpf_map *, map)));
}

/* One call instead of nine; out has MAP_DESCRIBE_LEN slots (layout.h). */
static void JNICALL map_describe(JNIEnv *env, jclass cls, jlong handle, jlongArray out)
{
	const struct bpf_map *map = BPF4J_UNPTR(const struct bpf_map *, handle);
	jlong values[MAP_DESCRIBE_LEN];

	(void)cls;
	values[MAP_DESCRIBE_TYPE] = bpf_map__type(map);
	values[MAP_DESCRIBE_KEY_SIZE] = bpf_map__key_size(map);
	values[MAP_DESCRIBE_VALUE_SIZE] = bpf_map__value_size(map);
	values[MAP_DESCRIBE_MAX_ENTRIES] = bpf_map__max_entries(map);
	values[MAP_DESCRIBE_FLAGS] = bpf_map__map_flags(map);
	values[MAP_DESCRIBE_FD] = bpf_map__fd(map);
	values[MAP_DESCRIBE_MAP_EXTRA] = (jlong)bpf_map__map_extra(map);
	values[MAP_DESCRIBE_IS_INTERNAL] = bpf_map__is_internal(map);
	values[MAP_DESCRIBE_BTF_VALUE_TYPE_ID] = bpf_map__btf_value_type_id(map);
	(*env)->SetLongArrayRegion(env, out, 0, MAP_DESCRIBE_LEN, values);
}

/*
 * A global variable of the object: which BTF data section holds it (the
 * internal map whose value type that section is, or the arena for __arena
 * globals) and where in it: out gets the GLOBAL_* slots of layout.h.
 * 0, or -ENOENT.
 */
static jint JNICALL object_find_global(JNIEnv *env, jclass cls, jlong handle, jstring jname, jlongArray out)
{
	struct bpf4j_object *h = BPF4J_UNPTR(struct bpf4j_object *, handle);
	const struct btf *btf = bpf_object__btf(h->obj);
	const char *name;
	jint ret = -ENOENT;
	__u32 id, n;

	(void)cls;
	if (!btf)
		return -ENOENT;
	name = (*env)->GetStringUTFChars(env, jname, NULL);
	if (!name)
		return -ENOMEM;
	n = btf__type_cnt(btf);
	for (id = 1; id < n && ret; id++) {
		const struct btf_type *sec = btf__type_by_id(btf, id);
		const struct btf_var_secinfo *vs;
		__u16 i;

		if (!btf_is_datasec(sec))
			continue;
		vs = btf_var_secinfos(sec);
		for (i = 0; i < btf_vlen(sec); i++, vs++) {
			const struct btf_type *var = btf__type_by_id(btf, vs->type);

			if (strcmp(btf__name_by_offset(btf, var->name_off), name) == 0) {
				const char *sec_name = btf__name_by_offset(btf, sec->name_off);
				jlong values[GLOBAL_LEN];

				values[GLOBAL_SECTION_TYPE_ID] = id;
				values[GLOBAL_OFFSET] = vs->offset;
				values[GLOBAL_SIZE] = vs->size;
				values[GLOBAL_IN_ARENA] = strcmp(sec_name, ".addr_space.1") == 0;
				values[GLOBAL_SECTION_SIZE] = sec->size;
				(*env)->SetLongArrayRegion(env, out, 0, GLOBAL_LEN, values);
				ret = 0;
				break;
			}
		}
	}
	(*env)->ReleaseStringUTFChars(env, jname, name);
	return ret;
}

/*
 * Before load: overwrite part of an object's global-data map's initial value
 * (a .rodata knob, a .data default), which libbpf copies into the map when it
 * creates it. 0, or -EINVAL when out of range.
 */
static jint JNICALL map_set_initial_bytes(JNIEnv *env, jclass cls, jlong handle, jlong offset, jbyteArray bytes)
{
	size_t size = 0;
	char *data = bpf_map__initial_value(BPF4J_UNPTR(struct bpf_map *, handle), &size);
	jsize n = (*env)->GetArrayLength(env, bytes);

	(void)cls;
	if (!data || offset < 0 || (size_t)offset > size || (size_t)n > size - (size_t)offset)
		return -EINVAL;
	(*env)->GetByteArrayRegion(env, bytes, 0, n, (jbyte *)data + offset);
	return 0;
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
		{ "objectOpenMem0", "([BLjava/lang/String;)J", (void *)object_open_mem },
		{ "objectOpenFile0", "([BLjava/lang/String;)J", (void *)object_open_file },
		{ "objectLoad", "(J)V", (void *)object_load },
		{ "objectClose", "(J)V", (void *)object_close },
		{ "objectMaps", "(J)[J", (void *)object_maps },
		{ "objectPrograms", "(J)[J", (void *)object_programs },
		{ "mapName", "(J)Ljava/lang/String;", (void *)map_name },
		{ "mapDescribe", "(J[J)V", (void *)map_describe },
		{ "objectFindGlobal", "(JLjava/lang/String;[J)I", (void *)object_find_global },
		{ "mapSetInitialBytes", "(JJ[B)I", (void *)map_set_initial_bytes },
		{ "programName", "(J)Ljava/lang/String;", (void *)program_name },
		{ "programSection", "(J)Ljava/lang/String;", (void *)program_section },
		{ "programType", "(J)I", (void *)program_type },
		{ "programFd", "(J)I", (void *)program_fd },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
