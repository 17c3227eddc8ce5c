/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Feature probes: does this kernel support a map or program type? libbpf
 * answers by creating a tiny map or loading a tiny program.
 */
#include <errno.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"

/*
 * libbpf's probes answer 0 ("unsupported") for any failure, EPERM included:
 * a caller who merely may not create maps or load programs would be told the
 * kernel lacks the type. The probe's own bpf() call is the last thing to set
 * errno on that path (the fd is only closed on success), so a 0 with errno
 * EPERM/EACCES is reported as that errno instead.
 */
static jint probe_result(int ret, int err)
{
	if (ret == 0 && (err == EPERM || err == EACCES))
		return -err;
	return ret;
}

/* 1 supported, 0 not, -errno when the probe itself failed (e.g. EPERM). */
static jint JNICALL probe_map_type(JNIEnv *env, jclass cls, jint type)
{
	int ret;

	(void)env;
	(void)cls;
	errno = 0;
	ret = libbpf_probe_bpf_map_type((enum bpf_map_type)type, NULL);
	return probe_result(ret, errno);
}

static jint JNICALL probe_prog_type(JNIEnv *env, jclass cls, jint type)
{
	int ret;

	(void)env;
	(void)cls;
	errno = 0;
	ret = libbpf_probe_bpf_prog_type((enum bpf_prog_type)type, NULL);
	return probe_result(ret, errno);
}

int bpf4j_probe_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "probeMapType", "(I)I", (void *)probe_map_type },
		{ "probeProgramType", "(I)I", (void *)probe_prog_type },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
