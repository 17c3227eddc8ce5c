/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Feature probes: does this kernel support a map or program type? libbpf
 * answers by creating a tiny map or loading a tiny program.
 */
#include <bpf/libbpf.h>
#include "bpf4j.h"

/* 1 supported, 0 not, -errno when the probe itself failed (e.g. EPERM). */
static jint JNICALL probe_map_type(JNIEnv *env, jclass cls, jint type)
{
	(void)env;
	(void)cls;
	return libbpf_probe_bpf_map_type((enum bpf_map_type)type, NULL);
}

static jint JNICALL probe_prog_type(JNIEnv *env, jclass cls, jint type)
{
	(void)env;
	(void)cls;
	return libbpf_probe_bpf_prog_type((enum bpf_prog_type)type, NULL);
}

int bpf4j_probe_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "probeMapType", "(I)I", (void *)probe_map_type },
		{ "probeProgramType", "(I)I", (void *)probe_prog_type },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
