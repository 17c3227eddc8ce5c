/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared declarations of the bpf4j JNI shim.
 *
 * Conventions (after Netty's native transports):
 *  - every concern lives in its own jni/<concern>.c with a
 *    bpf4j_<concern>_register() that JNI_OnLoad calls;
 *  - hot calls return 0 / a size, or -errno, and Java turns that into an
 *    exception; calls that return a pointer throw through bpf4j_throw();
 *  - classes and method ids are looked up once, in JNI_OnLoad.
 */
#ifndef BPF4J_H
#define BPF4J_H

#include <jni.h>
#include <stddef.h>
#include <stdint.h>

#define BPF4J_NATIVE_CLASS "io/github/bpf4j/internal/Native"
#define BPF4J_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A long on the Java side carries a native pointer. */
#define BPF4J_PTR(p) ((jlong)(uintptr_t)(p))
#define BPF4J_UNPTR(type, j) ((type)(uintptr_t)(j))

int bpf4j_register(JNIEnv *env, const JNINativeMethod *methods, int count);

/* errors.c: the one place that raises Java exceptions. */
int bpf4j_errors_init(JNIEnv *env);
void bpf4j_errors_fini(JNIEnv *env);
/* Throws the BpfException subclass that fits err (a positive errno). */
void bpf4j_throw(JNIEnv *env, const char *op, int err, const char *detail);
void bpf4j_throw_illegal_argument(JNIEnv *env, const char *msg);
/* A Java String from bytes that may not be valid (modified) UTF-8. */
jstring bpf4j_string(JNIEnv *env, const char *s);

/* log.c: libbpf's print callback, forwarded to Java. */
int bpf4j_log_init(JNIEnv *env, JavaVM *vm);
void bpf4j_log_fini(JNIEnv *env);
/* While capturing, this thread's libbpf warnings are also kept (verifier logs). */
void bpf4j_log_capture_begin(void);
/* Ends capturing; returns the malloc'ed text (caller frees) or NULL. */
char *bpf4j_log_capture_end(void);

/*
 * A Java operand is a byte[] (array != NULL, offset into it) or a direct
 * ByteBuffer (buffer != NULL, offset from its address), and a length. A
 * length of 0 means "no operand": the kernel gets NULL (e.g. the key of a
 * queue, or an empty test-run output, which it would otherwise fill without
 * limit). Java checks bounds first; bpf4j_operand_check checks them again
 * against the array's or buffer's real size, so a buffer moved by another
 * thread in between can never send the kernel out of bounds.
 */
struct bpf4j_operand {
	jbyteArray array;
	jobject buffer;
	jint offset;
	jint length;
	void *ptr;    /* resolved address */
	int copied;   /* the array is staged in malloc'ed memory (to free, and to copy back) */
};
/*
 * A direct ByteBuffer's address; NULL for a heap buffer (checked: Java
 * passes heap buffers as their arrays, so NULL here is a bpf4j bug, refused
 * with IllegalArgumentException by the callers instead of read as memory).
 */
void *bpf4j_direct_address(JNIEnv *env, jobject buffer);
/*
 * The address of a buffer the caller knows to be direct (Java checked
 * isDirect()): one field read, no heap-buffer guard. NULL only for a buffer
 * without memory (capacity 0) or on a JDK without the field when the buffer
 * is not direct after all.
 */
void *bpf4j_direct_buffer_address(JNIEnv *env, jobject buffer);
/* 0, or -1 with IllegalArgumentException pending. */
int bpf4j_operand_check(JNIEnv *env, const struct bpf4j_operand *op);

/*
 * validate.c: structural checks of a BPF ELF object (sections, symbols,
 * relocations, .BTF, .BTF.ext) before libbpf parses it. 0, or -EINVAL with
 * the first problem described in why (always NUL-terminated when why_len > 0).
 */
int bpf4j_validate_object(const void *elf, size_t size, char *why, size_t why_len);

int bpf4j_object_register(JNIEnv *env);
/* object.c: the libbpf object behind a Java BpfObject's handle. */
struct bpf_object;
struct bpf_object *bpf4j_object_bpf(jlong handle);
int bpf4j_map_register(JNIEnv *env);
int bpf4j_mmap_register(JNIEnv *env);
int bpf4j_prog_register(JNIEnv *env);
int bpf4j_sys_register(JNIEnv *env);
int bpf4j_probe_register(JNIEnv *env);
int bpf4j_arena_register(JNIEnv *env);
/* layout.c: layout.h's constants, for the test that holds Java's copy against them. */
int bpf4j_layout_register(JNIEnv *env);
int bpf4j_ids_register(JNIEnv *env);
int bpf4j_user_ringbuf_register(JNIEnv *env);
int bpf4j_ringbuf_register(JNIEnv *env);
int bpf4j_perfbuf_register(JNIEnv *env);
int bpf4j_link_register(JNIEnv *env);
/* kprobes, uprobes, USDT, tracepoints, BTF tracing, perf events */
int bpf4j_attach_trace_register(JNIEnv *env);
/* tcx, classic tc, netkit, XDP, sockmap, netns, netfilter */
int bpf4j_attach_net_register(JNIEnv *env);
/* cgroup hooks: skb, sock, sock_addr, sockopt, sysctl, device, sockops */
int bpf4j_attach_cgroup_register(JNIEnv *env);
/* program, link and BTF info; kernel-wide ids */
int bpf4j_info_register(JNIEnv *env);
/* bpf_iter links and their output */
int bpf4j_iter_register(JNIEnv *env);
/* vmlinux.h (C) from BTF through libbpf's btf_dump */
int bpf4j_btf_dump_register(JNIEnv *env);
/* btf.c: an object's raw BTF for the Java BTF view */
int bpf4j_btf_register(JNIEnv *env);
/*
 * btf_check.c: refuses BTF that libbpf parses but its btf_dump cannot take
 * (loops, unbounded depth, members without alignment, ...), checking types
 * from id start on (a split BTF's base of the running kernel is not
 * checked again). 0, or BPF4J_BTF_MALFORMED with why filled; -ENOMEM.
 */
struct btf;
#define BPF4J_BTF_MALFORMED 1
int bpf4j_btf_check(const struct btf *btf, unsigned int start, char *why, size_t why_len);
/*
 * The BTF of a file (raw BTF, or an ELF file's .BTF section) on base (may be
 * NULL), its bytes checked before libbpf parses them. NULL with *err set:
 * -errno (-EPROTO: neither BTF nor ELF; -ENODATA: an ELF without .BTF), or
 * BPF4J_BTF_MALFORMED with why filled.
 */
struct btf *bpf4j_btf_read(const char *path, struct btf *base, char *why, size_t why_len, int *err);

#endif /* BPF4J_H */
