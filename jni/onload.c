/* SPDX-License-Identifier: Apache-2.0 */
/* Library entry: registers every concern's natives on io.github.bpf4j.internal.Native. */
#include "bpf4j.h"

int bpf4j_register(JNIEnv *env, const JNINativeMethod *methods, int count)
{
	jclass cls = (*env)->FindClass(env, BPF4J_NATIVE_CLASS);

	if (!cls)
		return -1;
	if ((*env)->RegisterNatives(env, cls, methods, count) != 0)
		return -1;
	(*env)->DeleteLocalRef(env, cls);
	return 0;
}

JNIEXPORT jint JNI_OnLoad(JavaVM *vm, void *reserved)
{
	JNIEnv *env;

	(void)reserved;
	if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
		return JNI_ERR;
	/* Errors first: every later step may need to throw. */
	if (bpf4j_errors_init(env) ||
	    bpf4j_log_init(env, vm) ||
	    bpf4j_object_register(env) ||
	    bpf4j_map_register(env) ||
	    bpf4j_mmap_register(env) ||
	    bpf4j_prog_register(env) ||
	    bpf4j_sys_register(env) ||
	    bpf4j_probe_register(env) ||
	    bpf4j_arena_register(env) ||
	    bpf4j_layout_register(env) ||
	    bpf4j_ids_register(env) ||
	    bpf4j_user_ringbuf_register(env) ||
	    bpf4j_ringbuf_register(env) ||
	    bpf4j_perfbuf_register(env) ||
	    bpf4j_link_register(env) ||
	    bpf4j_attach_trace_register(env) ||
	    bpf4j_attach_net_register(env) ||
	    bpf4j_attach_cgroup_register(env) ||
	    bpf4j_info_register(env) ||
	    bpf4j_iter_register(env) ||
	    bpf4j_btf_dump_register(env) ||
	    bpf4j_btf_register(env))
		return JNI_ERR;
	return JNI_VERSION_1_8;
}

JNIEXPORT void JNI_OnUnload(JavaVM *vm, void *reserved)
{
	JNIEnv *env;

	(void)reserved;
	if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
		return;
	bpf4j_log_fini(env);
	bpf4j_errors_fini(env);
}
