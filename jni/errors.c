/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Raising exceptions. Java decides which BpfException subclass and hint fit
 * an errno (Errors.fromNative), so the mapping lives in one place.
 */
#include <stdlib.h>
#include <string.h>
#include "bpf4j.h"

static jclass errors_class;
/*
 * java.nio.Buffer's address and capacity, read as fields: the JNI functions
 * GetDirectBufferAddress/Capacity each re-check the object's class, which
 * costs more than the rest of a map lookup's Java side. The JNI signatures
 * already guarantee a ByteBuffer. Buffer.address alone cannot tell a heap
 * buffer from a direct one: JDK 9+ sets it to the array's base offset (16)
 * for heap buffers. ByteBuffer.hb, the backing array, is non-null exactly
 * for heap buffers (JDK 8 to 25), so the guard reads that.
 */
static jfieldID buffer_address;
static jfieldID buffer_capacity;
static jfieldID buffer_heap_array;
static jmethodID errors_from_native;
static jclass illegal_argument_class;

int bpf4j_errors_init(JNIEnv *env)
{
	jclass cls = (*env)->FindClass(env, "io/github/bpf4j/internal/Errors");

	if (!cls)
		return -1;
	errors_class = (*env)->NewGlobalRef(env, cls);
	errors_from_native = (*env)->GetStaticMethodID(env, cls, "fromNative",
		"(Ljava/lang/String;ILjava/lang/String;)Ljava/lang/RuntimeException;");
	if (!errors_class || !errors_from_native)
		return -1;
	cls = (*env)->FindClass(env, "java/nio/Buffer");
	if (!cls)
		return -1;
	buffer_address = (*env)->GetFieldID(env, cls, "address", "J");
	buffer_capacity = buffer_address ? (*env)->GetFieldID(env, cls, "capacity", "I") : NULL;
	cls = buffer_capacity ? (*env)->FindClass(env, "java/nio/ByteBuffer") : NULL;
	buffer_heap_array = cls ? (*env)->GetFieldID(env, cls, "hb", "[B") : NULL;
	if (!buffer_heap_array) {
		/* A JDK without these fields: fall back to the checked JNI calls. */
		(*env)->ExceptionClear(env);
		buffer_address = buffer_capacity = buffer_heap_array = NULL;
	}
	cls = (*env)->FindClass(env, "java/lang/IllegalArgumentException");
	if (!cls)
		return -1;
	illegal_argument_class = (*env)->NewGlobalRef(env, cls);
	return illegal_argument_class ? 0 : -1;
}

void bpf4j_errors_fini(JNIEnv *env)
{
	if (errors_class)
		(*env)->DeleteGlobalRef(env, errors_class);
	if (illegal_argument_class)
		(*env)->DeleteGlobalRef(env, illegal_argument_class);
	errors_class = illegal_argument_class = NULL;
}

/*
 * Java Strings are made from modified UTF-8; libbpf and the verifier may hand
 * us arbitrary bytes (BTF names, truncated logs), which must not reach
 * NewStringUTF unchecked. Non-ASCII bytes become '?': the logs are ASCII.
 */
jstring bpf4j_string(JNIEnv *env, const char *s)
{
	size_t n, i;
	char *copy;
	jstring str;

	if (!s)
		return NULL;
	n = strlen(s);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			break;
	if (i == n)
		return (*env)->NewStringUTF(env, s);
	copy = malloc(n + 1);
	if (!copy)
		return NULL;
	for (i = 0; i <= n; i++)
		copy[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
	str = (*env)->NewStringUTF(env, copy);
	free(copy);
	return str;
}

void bpf4j_throw(JNIEnv *env, const char *op, int err, const char *detail)
{
	jstring jop, jdetail;
	jthrowable ex;

	if ((*env)->ExceptionCheck(env))
		return;
	jop = bpf4j_string(env, op);
	jdetail = bpf4j_string(env, detail);
	if ((*env)->ExceptionCheck(env))
		return;
	ex = (*env)->CallStaticObjectMethod(env, errors_class, errors_from_native,
					    jop, (jint)err, jdetail);
	if (ex && !(*env)->ExceptionCheck(env))
		(*env)->Throw(env, ex);
}

void bpf4j_throw_illegal_argument(JNIEnv *env, const char *msg)
{
	if (!(*env)->ExceptionCheck(env))
		(*env)->ThrowNew(env, illegal_argument_class, msg);
}

static jlong direct_capacity(JNIEnv *env, jobject buffer)
{
	return buffer_capacity ? (*env)->GetIntField(env, buffer, buffer_capacity)
			       : (*env)->GetDirectBufferCapacity(env, buffer);
}

void *bpf4j_direct_address(JNIEnv *env, jobject buffer)
{
	jobject array;

	if (!buffer_address)
		return (*env)->GetDirectBufferAddress(env, buffer);
	array = (*env)->GetObjectField(env, buffer, buffer_heap_array);
	if (array) {
		(*env)->DeleteLocalRef(env, array);
		return NULL;
	}
	return BPF4J_UNPTR(void *, (*env)->GetLongField(env, buffer, buffer_address));
}

void *bpf4j_direct_buffer_address(JNIEnv *env, jobject buffer)
{
	return buffer_address ? BPF4J_UNPTR(void *, (*env)->GetLongField(env, buffer, buffer_address))
			      : (*env)->GetDirectBufferAddress(env, buffer);
}

int bpf4j_operand_check(JNIEnv *env, const struct bpf4j_operand *op)
{
	jlong capacity;

	if (op->length == 0)
		return 0;
	if (op->array)
		capacity = (*env)->GetArrayLength(env, op->array);
	else if (op->buffer)
		capacity = direct_capacity(env, op->buffer);
	else
		capacity = -1;
	if (capacity < 0 || op->offset < 0 || op->length < 0 || op->offset > capacity - op->length) {
		bpf4j_throw_illegal_argument(env, "operand out of bounds (was the buffer changed by another thread?)");
		return -1;
	}
	return 0;
}
