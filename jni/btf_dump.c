/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmlinux.h from BTF: libbpf's btf_dump in C mode, framed as bpftool's
 * `btf dump file ... format c` frames it (include guard, the
 * preserve_access_index pragma, the __ksym/__weak/__bpf_fastcall macros,
 * every type, then the kfunc prototypes sorted by name), streamed to a
 * java.io.OutputStream in chunks. Types come in type id order, as with
 * bpftool's "unsorted" (bpftool 7.5+ sorts by default).
 *
 * The BTF is checked first (btf_check.c): btf_dump trusts more than libbpf
 * checks when it parses.
 */
#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"

/* BtfDump's source kinds; split: on the BTF of base_path, or of the running kernel */
enum { SOURCE_VMLINUX = 0, SOURCE_FILE = 1, SOURCE_SPLIT = 2 };

#define OUT_CHUNK (64u << 10)
#define WHY_LEN 512

static jmethodID stream_write; /* java.io.OutputStream.write(byte[], int, int) */

struct out {
	JNIEnv *env;
	jobject sink;
	jbyteArray chunk;
	char *buf;
	size_t len;
	int failed; /* a Java exception is pending: print nothing more */
	int oom;
};

static void out_flush(struct out *o)
{
	JNIEnv *env = o->env;

	if (o->failed || !o->len)
		return;
	(*env)->SetByteArrayRegion(env, o->chunk, 0, (jsize)o->len, (const jbyte *)o->buf);
	if (!(*env)->ExceptionCheck(env))
		(*env)->CallVoidMethod(env, o->sink, stream_write, o->chunk, 0, (jint)o->len);
	if ((*env)->ExceptionCheck(env))
		o->failed = 1;
	o->len = 0;
}

static void out_write(struct out *o, const char *s, size_t n)
{
	while (n && !o->failed) {
		size_t k = OUT_CHUNK - o->len;

		if (k > n)
			k = n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (o->len == OUT_CHUNK)
			out_flush(o);
	}
}

static void out_vprintf(void *ctx, const char *fmt, va_list args)
{
	struct out *o = ctx;
	char small[512];
	char *big;
	va_list copy;
	int n;

	if (o->failed || o->oom)
		return;
	va_copy(copy, args);
	n = vsnprintf(small, sizeof(small), fmt, copy);
	va_end(copy);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		out_write(o, small, (size_t)n);
		return;
	}
	big = malloc((size_t)n + 1);
	if (!big) {
		o->oom = 1;
		return;
	}
	vsnprintf(big, (size_t)n + 1, fmt, args);
	out_write(o, big, (size_t)n);
	free(big);
}

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_vprintf(o, fmt, ap);
	va_end(ap);
}

/* ---- the dump ------------------------------------------------------------- */

static int by_name(const void *a, const void *b, void *ctx)
{
	const struct btf *btf = ctx;
	const struct btf_type *x = *(const struct btf_type *const *)a;
	const struct btf_type *y = *(const struct btf_type *const *)b;

	return strcmp(btf__name_by_offset(btf, x->name_off), btf__name_by_offset(btf, y->name_off));
}

/* Every FUNC that a "bpf_kfunc" (or "bpf_fastcall") DECL_TAG marks as a whole; malloc'ed, *n of them. */
static const struct btf_type **tagged_funcs(const struct btf *btf, const char *tag, __u32 *n)
{
	__u32 cnt = btf__type_cnt(btf), id;
	const struct btf_type **funcs = NULL;
	__u32 cap = 0;

	*n = 0;
	for (id = 1; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_type *f;

		if (!btf_is_decl_tag(t) || btf_decl_tag(t)->component_idx != -1)
			continue;
		f = btf__type_by_id(btf, t->type);
		if (!f || !btf_is_func(f) || strcmp(btf__name_by_offset(btf, t->name_off), tag) != 0)
			continue;
		if (*n == cap) {
			const struct btf_type **more;

			cap = cap ? cap * 2 : 64;
			more = realloc(funcs, cap * sizeof(*funcs));
			if (!more) {
				free(funcs);
				return NULL;
			}
			funcs = more;
		}
		funcs[(*n)++] = f;
	}
	return funcs ? funcs : malloc(1);
}

static int dump_kfuncs(struct btf_dump *d, const struct btf *btf, struct out *o)
{
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts);
	__u32 nk, nf, i, j;
	const struct btf_type **kfuncs = tagged_funcs(btf, "bpf_kfunc", &nk);
	const struct btf_type **fastcalls = tagged_funcs(btf, "bpf_fastcall", &nf);
	int err = 0;

	if (!kfuncs || !fastcalls) {
		err = -ENOMEM;
		goto out;
	}
	out_printf(o, "\n/* BPF kfuncs */\n#ifndef BPF_NO_KFUNC_PROTOTYPES\n");
	/* by name: a stable vmlinux.h across boots of one kernel */
	qsort_r(kfuncs, nk, sizeof(*kfuncs), by_name, (void *)btf);
	for (i = 0; i < nk && !o->failed; i++) {
		out_printf(o, "extern ");
		for (j = 0; j < nf; j++) {
			if (fastcalls[j] == kfuncs[i]) {
				out_printf(o, "__bpf_fastcall ");
				break;
			}
		}
		opts.field_name = btf__name_by_offset(btf, kfuncs[i]->name_off);
		err = btf_dump__emit_type_decl(d, kfuncs[i]->type, &opts);
		if (err)
			break;
		out_printf(o, " __weak __ksym;\n");
	}
	out_printf(o, "#endif\n\n");
out:
	free(kfuncs);
	free(fastcalls);
	return err;
}

static int dump_c(const struct btf *btf, struct out *o)
{
	struct btf_dump *d = btf_dump__new(btf, out_vprintf, o, NULL);
	__u32 cnt = btf__type_cnt(btf), id;
	int err = 0;

	if (!d)
		return -errno;
	out_printf(o, "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n"
		   "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
		   "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n"
		   "#endif\n\n"
		   "#ifndef __ksym\n#define __ksym __attribute__((section(\".ksyms\")))\n#endif\n\n"
		   "#ifndef __weak\n#define __weak __attribute__((weak))\n#endif\n\n"
		   "#ifndef __bpf_fastcall\n#if __has_attribute(bpf_fastcall)\n"
		   "#define __bpf_fastcall __attribute__((bpf_fastcall))\n#else\n#define __bpf_fastcall\n#endif\n"
		   "#endif\n\n");
	for (id = 1; id < cnt && !err && !o->failed; id++)
		err = btf_dump__dump_type(d, id);
	if (!err && !o->failed)
		err = dump_kfuncs(d, btf, o);
	out_printf(o, "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n"
		   "#endif /* __VMLINUX_H__ */\n");
	btf_dump__free(d);
	return err ? err : o->oom ? -ENOMEM : 0;
}

static void set_why(JNIEnv *env, jobjectArray why, const char *text)
{
	jstring s;

	if (!why || !text || !*text || (*env)->ExceptionCheck(env))
		return;
	s = bpf4j_string(env, text);
	if (s)
		(*env)->SetObjectArrayElement(env, why, 0, s);
	(*env)->ExceptionClear(env); /* a lost detail must not become the failure */
}

/*
 * Returns 0; -errno when libbpf cannot read the BTF (why[0]: what libbpf
 * said); BPF4J_BTF_MALFORMED when bpf4j_btf_check() refuses it (why[0]: why). An
 * exception from the sink stays pending (the return value then means nothing).
 */
static jint JNICALL btf_dump_c(JNIEnv *env, jclass cls, jstring jpath, jstring jbase, jint source, jobject sink,
			       jobjectArray why)
{
	struct out o = { .env = env, .sink = sink };
	struct btf *base = NULL, *btf = NULL;
	__u32 start;
	const char *path = NULL, *base_path = NULL;
	char reason[WHY_LEN] = "";
	char *log;
	int err = 0;

	(void)cls;
	if (source != SOURCE_VMLINUX) {
		if (!jpath || !(path = (*env)->GetStringUTFChars(env, jpath, NULL)))
			return -EINVAL;
	}
	if (source == SOURCE_SPLIT && jbase && !(base_path = (*env)->GetStringUTFChars(env, jbase, NULL))) {
		(*env)->ReleaseStringUTFChars(env, jpath, path);
		return -EINVAL;
	}
	bpf4j_log_capture_begin();
	if (source != SOURCE_FILE) {
		if (base_path) {
			base = bpf4j_btf_read(base_path, NULL, reason, sizeof(reason), &err);
		} else if (!(base = btf__load_vmlinux_btf())) {
			err = -errno;
		}
	}
	if (!err && source != SOURCE_VMLINUX) {
		btf = bpf4j_btf_read(path, base, reason, sizeof(reason), &err);
	} else if (!err) {
		btf = base;
		base = NULL;
	}
	if (err == BPF4J_BTF_MALFORMED)
		set_why(env, why, reason);
	if (err)
		goto out;
	/* Only the running kernel's base is taken as checked (by the kernel); a base file is checked with the rest. */
	start = source == SOURCE_SPLIT && !base_path ? btf__type_cnt(base) : 1;
	err = bpf4j_btf_check(btf, start, reason, sizeof(reason));
	if (err) {
		set_why(env, why, reason);
		goto out;
	}
	o.buf = malloc(OUT_CHUNK);
	o.chunk = o.buf ? (*env)->NewByteArray(env, OUT_CHUNK) : NULL;
	if (!o.chunk) {
		err = -ENOMEM;
		(*env)->ExceptionClear(env);
		goto out;
	}
	err = dump_c(btf, &o);
	out_flush(&o);
out:
	log = bpf4j_log_capture_end();
	if (err < 0)
		set_why(env, why, log);
	free(log);
	free(o.buf);
	btf__free(btf);
	btf__free(base);
	if (path)
		(*env)->ReleaseStringUTFChars(env, jpath, path);
	if (base_path)
		(*env)->ReleaseStringUTFChars(env, jbase, base_path);
	return err;
}

int bpf4j_btf_dump_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "btfDumpC", "(Ljava/lang/String;Ljava/lang/String;ILjava/io/OutputStream;[Ljava/lang/String;)I", (void *)btf_dump_c },
	};
	jclass stream = (*env)->FindClass(env, "java/io/OutputStream");

	if (!stream)
		return -1;
	stream_write = (*env)->GetMethodID(env, stream, "write", "([BII)V");
	(*env)->DeleteLocalRef(env, stream);
	if (!stream_write)
		return -1;
	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
