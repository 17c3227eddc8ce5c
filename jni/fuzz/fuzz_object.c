/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the native open path, after libbpf's own OSS-Fuzz
 * target (fuzz/bpf_object_fuzzer.c): bpf4j's validator, then, for what it
 * accepts, bpf_object__open_mem, exactly as jni/object.c does it.
 *
 * It does not go on to bpf_object__prepare()/load by default: those load BTF
 * and create maps in the (shared) kernel for every input, which cuts the rate
 * from thousands of inputs a second to tens and leaves the machine's kernel
 * state to chance; the Java mutation fuzzer covers load() in a real kernel.
 * BPF4J_FUZZ_PREPARE=1 adds bpf_object__prepare() (root only) for a run that
 * wants the in-kernel half too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

int bpf4j_validate_object(const void *elf, size_t size, char *why, size_t why_len);

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

static int prepare;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *p = getenv("BPF4J_FUZZ_PREPARE");

	(void)argc;
	(void)argv;
	libbpf_set_print(quiet);
	prepare = p && p[0] == '1' && geteuid() == 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "fuzz");
	struct bpf_object *obj;
	char why[512];
	void *copy;

	if (bpf4j_validate_object(data, size, why, sizeof(why)))
		return 0;
	/* libbpf keeps the buffer for the object's life; jni/object.c owns a copy too */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	obj = bpf_object__open_mem(copy, size, &opts);
	if (obj) {
		if (prepare)
			bpf_object__prepare(obj);
		bpf_object__close(obj);
	}
	free(copy);
	return 0;
}
