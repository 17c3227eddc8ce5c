/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layouts of the arrays native code fills for Java, and of the codes Java
 * passes in. Every slot has a
 * name here and the same name and value in io.github.bpf4j.internal.NativeLayout;
 * NativeLayoutTest reads this table back through Native.layoutConstants() and
 * fails the build when the two sides disagree. Add a slot at the end of its
 * enum, before its *_LEN, and to both tables (layout.c, NativeLayout.java).
 */
#ifndef BPF4J_LAYOUT_H
#define BPF4J_LAYOUT_H

/* object.c map_describe: what libbpf knows of an object's map (before or after load). */
enum bpf4j_map_describe {
	MAP_DESCRIBE_TYPE,
	MAP_DESCRIBE_KEY_SIZE,
	MAP_DESCRIBE_VALUE_SIZE,
	MAP_DESCRIBE_MAX_ENTRIES,
	MAP_DESCRIBE_FLAGS,
	MAP_DESCRIBE_FD,
	MAP_DESCRIBE_MAP_EXTRA,
	MAP_DESCRIBE_IS_INTERNAL,
	MAP_DESCRIBE_BTF_VALUE_TYPE_ID,
	MAP_DESCRIBE_LEN
};

/* object.c object_find_global: where a global variable lives. */
enum bpf4j_global {
	GLOBAL_SECTION_TYPE_ID,	/* BTF id of the DATASEC holding it */
	GLOBAL_OFFSET,
	GLOBAL_SIZE,
	GLOBAL_IN_ARENA,	/* 1 if the section is the arena's (.addr_space.1) */
	GLOBAL_SECTION_SIZE,
	GLOBAL_LEN
};

/* map.c map_info: the kernel's bpf_map_info. The name's bytes go to a separate byte[]. */
enum bpf4j_map_info {
	MAP_INFO_TYPE,
	MAP_INFO_ID,
	MAP_INFO_KEY_SIZE,
	MAP_INFO_VALUE_SIZE,
	MAP_INFO_MAX_ENTRIES,
	MAP_INFO_FLAGS,
	MAP_INFO_MAP_EXTRA,
	MAP_INFO_IFINDEX,
	MAP_INFO_BTF_ID,
	MAP_INFO_BTF_KEY_TYPE_ID,
	MAP_INFO_BTF_VALUE_TYPE_ID,
	MAP_INFO_BTF_VMLINUX_VALUE_TYPE_ID,
	MAP_INFO_NAME_LEN,	/* bytes of the name (at most BPF_OBJ_NAME_LEN - 1) */
	MAP_INFO_LEN
};
/* BPF_OBJ_NAME_LEN: the name array Java passes. */
#define MAP_INFO_NAME_BYTES 16

/* prog.c prog_test_run: the results of one BPF_PROG_TEST_RUN. */
enum bpf4j_test_run {
	TEST_RUN_RETVAL,
	TEST_RUN_DURATION,
	TEST_RUN_DATA_SIZE_OUT,
	TEST_RUN_CTX_SIZE_OUT,
	TEST_RUN_LEN
};

/* prog.c prog_test_run: the four operands; offsetsLengths holds [2 * i] offset, [2 * i + 1] length. */
enum bpf4j_test_run_operand {
	TEST_RUN_OPERAND_DATA_IN,
	TEST_RUN_OPERAND_DATA_OUT,
	TEST_RUN_OPERAND_CTX_IN,
	TEST_RUN_OPERAND_CTX_OUT,
	TEST_RUN_OPERAND_LEN
};

/* prog.c prog_info: the kernel's bpf_prog_info (the name goes to a separate byte[]). */
enum bpf4j_prog_info {
	PROG_INFO_TYPE,
	PROG_INFO_ID,
	PROG_INFO_LEN
};

/* map.c map_elem: which element call. */
enum bpf4j_map_op {
	MAP_OP_LOOKUP,
	MAP_OP_UPDATE,
	MAP_OP_DELETE,
	MAP_OP_LOOKUP_AND_DELETE,
	MAP_OP_GET_NEXT_KEY,
	MAP_OP_LEN
};

/* map.c map_batch: which batch call. */
enum bpf4j_map_batch {
	MAP_BATCH_LOOKUP,
	MAP_BATCH_LOOKUP_AND_DELETE,
	MAP_BATCH_UPDATE,
	MAP_BATCH_DELETE,
	MAP_BATCH_LEN
};

/* info.c program_info: the kernel's bpf_prog_info (name and tag go to byte[]s, map ids to an int[]). */
enum bpf4j_program_info {
	PROGRAM_INFO_TYPE,
	PROGRAM_INFO_ID,
	PROGRAM_INFO_RUN_CNT,
	PROGRAM_INFO_RUN_TIME_NS,
	PROGRAM_INFO_XLATED_SIZE,
	PROGRAM_INFO_JITED_SIZE,
	PROGRAM_INFO_NR_MAP_IDS,
	PROGRAM_INFO_BTF_ID,
	PROGRAM_INFO_LOAD_TIME,	/* ns since boot (CLOCK_BOOTTIME) */
	PROGRAM_INFO_UID,
	PROGRAM_INFO_VERIFIED_INSNS,
	PROGRAM_INFO_RECURSION_MISSES,
	PROGRAM_INFO_GPL_COMPATIBLE,
	PROGRAM_INFO_ATTACH_BTF_OBJ_ID,
	PROGRAM_INFO_ATTACH_BTF_ID,
	PROGRAM_INFO_IFINDEX,
	PROGRAM_INFO_NAME_SIZE,
	PROGRAM_INFO_BOOTTIME_NOW,	/* CLOCK_BOOTTIME when the info was read, to date LOAD_TIME */
	PROGRAM_INFO_LEN
};
/* The tag: BPF_TAG_SIZE bytes. */
#define PROGRAM_INFO_TAG_BYTES 8

/* info.c link_info: the kernel's bpf_link_info, flattened; 0 where the link type reports nothing. */
enum bpf4j_link_info {
	LINK_INFO_TYPE,
	LINK_INFO_ID,
	LINK_INFO_PROG_ID,
	LINK_INFO_ATTACH_TYPE,	/* enum bpf_attach_type, -1 if the type reports none */
	LINK_INFO_IFINDEX,
	LINK_INFO_CGROUP_ID,
	LINK_INFO_NETNS_INO,
	LINK_INFO_TARGET_OBJ_ID,
	LINK_INFO_TARGET_BTF_ID,
	LINK_INFO_MAP_ID,
	LINK_INFO_OFFSET,
	LINK_INFO_ADDRESS,
	LINK_INFO_COOKIE,
	LINK_INFO_PID,
	LINK_INFO_TID,
	LINK_INFO_ORDER,
	LINK_INFO_PERF_EVENT_TYPE,	/* enum bpf_perf_event_type */
	LINK_INFO_EVENT_TYPE,		/* perf event: perf_event_attr type */
	LINK_INFO_EVENT_CONFIG,
	LINK_INFO_COUNT,
	LINK_INFO_FLAGS,
	LINK_INFO_PRIORITY,
	LINK_INFO_PF,
	LINK_INFO_HOOKNUM,
	LINK_INFO_MISSED,
	LINK_INFO_NAME_SIZE,	/* bytes of the name: tracepoint, function, iterator target */
	LINK_INFO_PATH_SIZE,	/* bytes of the path: uprobe binary */
	LINK_INFO_LEN
};
#define LINK_INFO_NAME_BYTES 512
#define LINK_INFO_PATH_BYTES 4096

/* ids.c btf_info: the kernel's bpf_btf_info (the name goes to a byte[] of BTF_INFO_NAME_BYTES). */
enum bpf4j_btf_info {
	BTF_INFO_ID,
	BTF_INFO_SIZE,
	BTF_INFO_KERNEL,
	BTF_INFO_NAME_SIZE,
	BTF_INFO_LEN
};
#define BTF_INFO_NAME_BYTES 64

#endif /* BPF4J_LAYOUT_H */
