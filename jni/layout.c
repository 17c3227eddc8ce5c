/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The layout constants of layout.h as text ("NAME=value\n" lines), so that a
 * test can hold Java's NativeLayout against what this library was built with.
 */
#include <stdio.h>
#include <string.h>
#include "bpf4j.h"
#include "layout.h"

#define C(name) { #name, name }

static const struct {
	const char *name;
	int value;
} constants[] = {
	C(MAP_DESCRIBE_TYPE), C(MAP_DESCRIBE_KEY_SIZE), C(MAP_DESCRIBE_VALUE_SIZE), C(MAP_DESCRIBE_MAX_ENTRIES),
	C(MAP_DESCRIBE_FLAGS), C(MAP_DESCRIBE_FD), C(MAP_DESCRIBE_MAP_EXTRA), C(MAP_DESCRIBE_IS_INTERNAL),
	C(MAP_DESCRIBE_BTF_VALUE_TYPE_ID), C(MAP_DESCRIBE_LEN),
	C(GLOBAL_SECTION_TYPE_ID), C(GLOBAL_OFFSET), C(GLOBAL_SIZE), C(GLOBAL_IN_ARENA), C(GLOBAL_SECTION_SIZE),
	C(GLOBAL_LEN),
	C(MAP_INFO_TYPE), C(MAP_INFO_ID), C(MAP_INFO_KEY_SIZE), C(MAP_INFO_VALUE_SIZE), C(MAP_INFO_MAX_ENTRIES),
	C(MAP_INFO_FLAGS), C(MAP_INFO_MAP_EXTRA), C(MAP_INFO_IFINDEX), C(MAP_INFO_BTF_ID), C(MAP_INFO_BTF_KEY_TYPE_ID),
	C(MAP_INFO_BTF_VALUE_TYPE_ID), C(MAP_INFO_BTF_VMLINUX_VALUE_TYPE_ID), C(MAP_INFO_NAME_LEN), C(MAP_INFO_LEN),
	C(MAP_INFO_NAME_BYTES),
	C(TEST_RUN_RETVAL), C(TEST_RUN_DURATION), C(TEST_RUN_DATA_SIZE_OUT), C(TEST_RUN_CTX_SIZE_OUT),
	C(TEST_RUN_LEN),
	C(TEST_RUN_OPERAND_DATA_IN), C(TEST_RUN_OPERAND_DATA_OUT), C(TEST_RUN_OPERAND_CTX_IN),
	C(TEST_RUN_OPERAND_CTX_OUT), C(TEST_RUN_OPERAND_LEN),
	C(PROG_INFO_TYPE), C(PROG_INFO_ID), C(PROG_INFO_LEN),
	C(MAP_OP_LOOKUP), C(MAP_OP_UPDATE), C(MAP_OP_DELETE), C(MAP_OP_LOOKUP_AND_DELETE), C(MAP_OP_GET_NEXT_KEY),
	C(MAP_OP_LEN),
	C(MAP_BATCH_LOOKUP), C(MAP_BATCH_LOOKUP_AND_DELETE), C(MAP_BATCH_UPDATE), C(MAP_BATCH_DELETE),
	C(MAP_BATCH_LEN),
};

static jstring JNICALL layout_constants(JNIEnv *env, jclass cls)
{
	char text[4096];
	size_t i, len = 0;

	(void)cls;
	text[0] = '\0';
	for (i = 0; i < BPF4J_ARRAY_LEN(constants); i++) {
		int n = snprintf(text + len, sizeof(text) - len, "%s=%d\n", constants[i].name, constants[i].value);

		if (n < 0 || (size_t)n >= sizeof(text) - len)
			break; /* the test sees a constant missing */
		len += (size_t)n;
	}
	return (*env)->NewStringUTF(env, text);
}

int bpf4j_layout_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "layoutConstants", "()Ljava/lang/String;", (void *)layout_constants },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
