/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmlinux.h from BTF: libbpf's btf_dump in C mode, framed as bpftool's
 * `btf dump file ... format c` frames it (include guard, the
 * preserve_access_index pragma, the __ksym/__weak/__bpf_fastcall macros,
 * every type, then the kfunc prototypes sorted by name), streamed to a
 * java.io.OutputStream in chunks. Types come in type id order, as with
 * bpftool's "unsorted" (bpftool 7.5+ sorts by default).
 *
 * libbpf's btf_sanity_check() leaves things to the caller that btf_dump
 * then trusts, and a JVM must not die of a corrupt file, so check_btf()
 * refuses them first:
 *  - a FUNC_PROTO's return type id is never checked;
 *  - btf_dump_order_type()/btf_dump_emit_type() recurse along references
 *    without a depth limit or, for pointers, typedefs, modifiers, arrays and
 *    prototypes, any loop detection: a loop is infinite recursion, a long
 *    chain a native stack overflow;
 *  - a struct member whose type has no alignment (void, a FWD, a function,
 *    a 0-byte int) reaches roundup(x, 0) in btf_dump_emit_bit_padding(): a
 *    division by zero;
 *  - member offsets and sizes beyond the struct, or a struct larger than
 *    2^28 bytes, overflow its int bit offsets.
 * The kernel refuses all of these too, so no real BTF is turned away.
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

/* BtfDump's source kinds. */
/* split: on the BTF of base_path, or of the running kernel */
enum { SOURCE_VMLINUX = 0, SOURCE_FILE = 1, SOURCE_SPLIT = 2 };
/* Positive return: check_btf() refused the BTF (why[0] says why). */
#define DUMP_MALFORMED 1

#define OUT_CHUNK (64u << 10)
/*
 * Reference depth btf_dump may recurse to. Linux 6.18's vmlinux needs 35; a
 * recursion step costs btf_dump up to ~200 bytes of native stack, so this
 * stays far below a Java thread's default 1 MiB (-Xss) stack.
 */
#define MAX_DEPTH 1024
#define MAX_STRUCT_SIZE (1u << 28)
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

/* ---- what btf_dump trusts ------------------------------------------------ */

static const char *const kinds[NR_BTF_KINDS] = {
	"UNKNOWN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF", "VOLATILE",
	"CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG", "TYPE_TAG", "ENUM64",
};

struct check {
	const struct btf *btf;
	__u32 start; /* first own type id (after the base of split BTF) */
	__u32 cnt;   /* btf__type_cnt */
	char *why;
};

static int refuse(struct check *c, __u32 id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int refuse(struct check *c, __u32 id, const char *fmt, ...)
{
	const struct btf_type *t = btf__type_by_id(c->btf, id);
	const char *name = btf__name_by_offset(c->btf, t->name_off);
	int n = snprintf(c->why, WHY_LEN, "type %u (%s%s%s%s) ", id, kinds[btf_kind(t)],
			 name && *name ? " '" : "", name ? name : "", name && *name ? "'" : "");
	va_list ap;

	if (n > 0 && n < WHY_LEN) {
		va_start(ap, fmt);
		vsnprintf(c->why + n, WHY_LEN - n, fmt, ap);
		va_end(ap);
	}
	return DUMP_MALFORMED;
}

/*
 * The i-th reference btf_dump follows from (id, through_ptr), as
 * btf_dump_order_type() does: a named struct or union reached through a
 * pointer is where the recursion stops (a forward declaration does).
 * Base types of split BTF are the kernel's, checked by it: not followed.
 */
static int next_ref(const struct check *c, __u32 id, int through_ptr, __u32 i, __u32 *next, int *next_ptr)
{
	const struct btf_type *t;

	if (id < c->start)
		return 0;
	t = btf__type_by_id(c->btf, id);
	*next_ptr = 0;
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
		*next_ptr = 1;
		*next = t->type;
		return i == 0;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		*next_ptr = through_ptr;
		*next = t->type;
		return i == 0;
	case BTF_KIND_ARRAY:
		*next = btf_array(t)->type;
		return i == 0;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		if ((through_ptr && t->name_off) || i >= btf_vlen(t))
			return 0;
		*next = btf_members(t)[i].type;
		return 1;
	case BTF_KIND_FUNC_PROTO:
		if (i > btf_vlen(t))
			return 0;
		*next_ptr = through_ptr;
		*next = i == 0 ? t->type : btf_params(t)[i - 1].type;
		return 1;
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
		*next = t->type;
		return i == 0;
	default:
		return 0;
	}
}

struct frame {
	__u32 id;
	__u32 i;
	int through_ptr;
};

/* No loops, and no path longer than MAX_DEPTH, over next_ref(); iterative, memoized: O(types + references). */
static int check_refs(struct check *c)
{
	size_t n = (size_t)c->cnt * 2;
	unsigned char *state = calloc(n, 1); /* 0 new, 1 on the path, 2 done */
	unsigned short *depth = calloc(n, sizeof(*depth));
	struct frame *stack = malloc(n * sizeof(*stack));
	__u32 root;
	int err = 0;

	if (!state || !depth || !stack) {
		err = -ENOMEM;
		goto out;
	}
	for (root = c->start; root < c->cnt && !err; root++) {
		size_t top = 0;

		if (state[(size_t)root * 2])
			continue;
		stack[top++] = (struct frame){ root, 0, 0 };
		state[(size_t)root * 2] = 1;
		while (top && !err) {
			struct frame *f = &stack[top - 1];
			size_t self = (size_t)f->id * 2 + f->through_ptr;
			__u32 next;
			int next_ptr;
			size_t other;

			if (!next_ref(c, f->id, f->through_ptr, f->i++, &next, &next_ptr)) {
				state[self] = 2;
				top--;
				if (top) {
					size_t parent = (size_t)stack[top - 1].id * 2 + stack[top - 1].through_ptr;

					if (depth[self] + 1 > depth[parent])
						depth[parent] = depth[self] + 1;
				}
				continue;
			}
			if (next >= c->cnt) {
				err = refuse(c, f->id, "refers to type id %u, past the last type id %u", next, c->cnt - 1);
				break;
			}
			other = (size_t)next * 2 + next_ptr;
			if (state[other] == 1) {
				err = refuse(c, next, "is part of a reference loop (through type %u) that no pointer to a"
					     " named struct or union breaks", f->id);
			} else if (state[other] == 2) {
				if (top + depth[other] >= MAX_DEPTH)
					err = refuse(c, root, "starts a chain of more than %u nested type references",
						     MAX_DEPTH);
				else if (depth[other] + 1 > depth[self])
					depth[self] = depth[other] + 1;
			} else if (top >= MAX_DEPTH) {
				err = refuse(c, root, "starts a chain of more than %u nested type references", MAX_DEPTH);
			} else {
				state[other] = 1;
				stack[top++] = (struct frame){ next, 0, next_ptr };
			}
		}
	}
out:
	free(stack);
	free(depth);
	free(state);
	return err;
}

/* A type a struct member can have: one with a size and an alignment (typedefs, modifiers, arrays looked through). */
static int complete(const struct btf *btf, __u32 id)
{
	for (;;) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		switch (btf_kind(t)) {
		case BTF_KIND_INT:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FLOAT:
			return t->size > 0;
		case BTF_KIND_PTR:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			return 1;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			break;
		case BTF_KIND_ARRAY:
			id = btf_array(t)->type;
			break;
		default:
			return 0;
		}
	}
}

static int check_type(struct check *c, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(c->btf, id);
	__u32 i, vlen = btf_vlen(t);

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		if (t->size == 0 || t->size > 16)
			return refuse(c, id, "is %u bytes; an integer has 1 to 16", t->size);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FLOAT:
		if (t->size == 0 || t->size > 16)
			return refuse(c, id, "is %u bytes", t->size);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		if (t->size > MAX_STRUCT_SIZE)
			return refuse(c, id, "is %u bytes, more than %u", t->size, MAX_STRUCT_SIZE);
		for (i = 0; i < vlen; i++) {
			const struct btf_member *m = btf_members(t) + i;
			const char *name = btf__name_by_offset(c->btf, m->name_off);
			__u64 bits = btf_member_bitfield_size(t, i);
			__u64 end = btf_member_bit_offset(t, i);
			__s64 size;

			if (!complete(c->btf, m->type))
				return refuse(c, id, "member %u ('%s') has type id %u, a %s without size or alignment",
					      i, name ? name : "", m->type, kinds[btf_kind(btf__type_by_id(c->btf, m->type))]);
			size = btf__resolve_size(c->btf, m->type);
			if (size < 0)
				return refuse(c, id, "member %u ('%s'): the size of type id %u cannot be resolved",
					      i, name ? name : "", m->type);
			end += bits ? bits : (__u64)size * 8;
			if (end > (__u64)t->size * 8)
				return refuse(c, id, "member %u ('%s') ends at bit %llu, past the %u-byte %s",
					      i, name ? name : "", (unsigned long long)end, t->size,
					      btf_is_struct(t) ? "struct" : "union");
		}
		break;
	case BTF_KIND_FUNC_PROTO:
		if (t->type >= c->cnt)
			return refuse(c, id, "returns type id %u, past the last type id %u", t->type, c->cnt - 1);
		break;
	default:
		break;
	}
	return 0;
}

static int check_btf(struct check *c)
{
	__u32 id;
	int err;

	/* Prototypes first: check_refs() follows their return types. */
	for (id = c->start; id < c->cnt; id++)
		if (btf_is_func_proto(btf__type_by_id(c->btf, id)) && (err = check_type(c, id)))
			return err;
	err = check_refs(c);
	for (id = c->start; id < c->cnt && !err; id++)
		err = check_type(c, id);
	return err;
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
 * said); DUMP_MALFORMED when check_btf() refuses it (why[0]: why). An
 * exception from the sink stays pending (the return value then means nothing).
 */
static jint JNICALL btf_dump_c(JNIEnv *env, jclass cls, jstring jpath, jstring jbase, jint source, jobject sink,
			       jobjectArray why)
{
	struct out o = { .env = env, .sink = sink };
	struct btf *base = NULL, *btf = NULL;
	struct check c;
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
		base = base_path ? btf__parse(base_path, NULL) : btf__load_vmlinux_btf();
		if (!base)
			err = -errno;
	}
	if (!err && source != SOURCE_VMLINUX) {
		btf = btf__parse_split(path, base);
		if (!btf)
			err = -errno;
	} else if (!err) {
		btf = base;
		base = NULL;
	}
	if (err)
		goto out;
	/*
	 * Only the running kernel's base is taken as checked (by the kernel); a
	 * base file, or the distilled base (.BTF.base) a file carries, is checked
	 * with the rest.
	 */
	c = (struct check){ .btf = btf, .start = 1, .cnt = btf__type_cnt(btf), .why = reason };
	if (source == SOURCE_SPLIT && !base_path)
		c.start = btf__type_cnt(base);
	err = check_btf(&c);
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
