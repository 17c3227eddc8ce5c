/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libbpf's print callback. Messages up to forward_level go to Java
 * (LibbpfLog.log), which routes them to java.util.logging or the user's
 * handler; the rest are dropped here, before any formatting or JNI call
 * (libbpf prints dozens of DEBUG lines per load, which a logger at INFO would
 * only throw away). Java sets the level (LibbpfLog.refresh). While a thread
 * loads an object, its warnings are also captured here so that a verifier log
 * can travel inside the exception instead of only through a logger.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"

struct capture {
	char *text;
	size_t len;
	size_t cap;
	int overflow;
};

/* Keeps the verifier log whole (libbpf prints it in one message) but bounded. */
#define CAPTURE_LIMIT (64u << 20)

static JavaVM *java_vm;
static jclass log_class;
static jmethodID log_method;
static __thread struct capture *thread_capture;
/* The most verbose libbpf level Java wants; -1 none. Until Java says, everything. */
static volatile int forward_level = LIBBPF_DEBUG;

static void capture_append(struct capture *c, const char *s, size_t n)
{
	if (c->overflow)
		return;
	if (c->len + n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		char *text;

		while (cap < c->len + n + 1)
			cap *= 2;
		if (cap > CAPTURE_LIMIT || !(text = realloc(c->text, cap))) {
			c->overflow = 1;
			return;
		}
		c->text = text;
		c->cap = cap;
	}
	memcpy(c->text + c->len, s, n);
	c->len += n;
	c->text[c->len] = '\0';
}

static void forward(enum libbpf_print_level level, const char *msg)
{
	JNIEnv *env;
	jstring jmsg;

	if (!java_vm || (*java_vm)->GetEnv(java_vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK) {
		/* Not a Java thread: nobody to tell but stderr. */
		fputs(msg, stderr);
		return;
	}
	if ((*env)->ExceptionCheck(env))
		return; /* an exception is in flight; don't call into Java */
	jmsg = bpf4j_string(env, msg);
	if (!jmsg) {
		(*env)->ExceptionClear(env);
		return;
	}
	(*env)->CallStaticVoidMethod(env, log_class, log_method, (jint)level, jmsg);
	/* A failing log handler must not turn into a failed libbpf call. */
	if ((*env)->ExceptionCheck(env))
		(*env)->ExceptionClear(env);
	(*env)->DeleteLocalRef(env, jmsg);
}

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char small[1024];
	char *msg = small;
	va_list copy;
	int n;

	/* Captured warnings are needed whatever the logger wants. */
	if ((int)level > forward_level && !(thread_capture && level == LIBBPF_WARN))
		return 0;
	va_copy(copy, args);
	n = vsnprintf(small, sizeof(small), fmt, copy);
	va_end(copy);
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(small)) {
		msg = malloc((size_t)n + 1);
		if (!msg)
			return 0;
		vsnprintf(msg, (size_t)n + 1, fmt, args);
	}
	if (thread_capture && level == LIBBPF_WARN)
		capture_append(thread_capture, msg, strlen(msg));
	if ((int)level <= forward_level)
		forward(level, msg);
	if (msg != small)
		free(msg);
	return n;
}

void bpf4j_log_capture_begin(void)
{
	struct capture *c = calloc(1, sizeof(*c));

	free(bpf4j_log_capture_end());
	thread_capture = c;
}

char *bpf4j_log_capture_end(void)
{
	struct capture *c = thread_capture;
	char *text;

	thread_capture = NULL;
	if (!c)
		return NULL;
	text = c->text;
	free(c);
	return text;
}

static void JNICALL log_set_level(JNIEnv *env, jclass cls, jint level)
{
	(void)env;
	(void)cls;
	forward_level = level;
}

int bpf4j_log_init(JNIEnv *env, JavaVM *vm)
{
	static const JNINativeMethod methods[] = {
		{ "logSetLevel", "(I)V", (void *)log_set_level },
	};
	jclass cls = (*env)->FindClass(env, "io/github/bpf4j/internal/LibbpfLog");

	if (!cls)
		return -1;
	log_class = (*env)->NewGlobalRef(env, cls);
	log_method = (*env)->GetStaticMethodID(env, cls, "log", "(ILjava/lang/String;)V");
	if (!log_class || !log_method)
		return -1;
	if (bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods)))
		return -1;
	java_vm = vm;
	libbpf_set_print(print_fn);
	return 0;
}

void bpf4j_log_fini(JNIEnv *env)
{
	libbpf_set_print(NULL);
	java_vm = NULL;
	if (log_class)
		(*env)->DeleteGlobalRef(env, log_class);
	log_class = NULL;
}
