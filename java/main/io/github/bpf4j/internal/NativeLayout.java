/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

/**
 * Slots of the {@code long[]} answers native code fills, named as in
 * {@code jni/layout.h} and with the same values. NativeLayoutTest compares
 * every constant here with the library's own table
 * ({@link Native#layoutConstants()}), so the two sides cannot drift apart
 * unnoticed. Callers size arrays with the {@code *_LEN} constants and read
 * slots by name, never by number.
 */
public final class NativeLayout {
    // Native.mapDescribe: libbpf's view of an object's map.
    public static final int MAP_DESCRIBE_TYPE = 0;
    public static final int MAP_DESCRIBE_KEY_SIZE = 1;
    public static final int MAP_DESCRIBE_VALUE_SIZE = 2;
    public static final int MAP_DESCRIBE_MAX_ENTRIES = 3;
    public static final int MAP_DESCRIBE_FLAGS = 4;
    public static final int MAP_DESCRIBE_FD = 5;
    public static final int MAP_DESCRIBE_MAP_EXTRA = 6;
    public static final int MAP_DESCRIBE_IS_INTERNAL = 7;
    public static final int MAP_DESCRIBE_BTF_VALUE_TYPE_ID = 8;
    public static final int MAP_DESCRIBE_LEN = 9;

    // Native.objectFindGlobal: where a global variable lives.
    /** BTF id of the DATASEC that holds the variable. */
    public static final int GLOBAL_SECTION_TYPE_ID = 0;
    public static final int GLOBAL_OFFSET = 1;
    public static final int GLOBAL_SIZE = 2;
    /** 1 if the section is the arena's ({@code .addr_space.1}). */
    public static final int GLOBAL_IN_ARENA = 3;
    public static final int GLOBAL_SECTION_SIZE = 4;
    public static final int GLOBAL_LEN = 5;

    // Native.mapInfo: the kernel's bpf_map_info (the name goes to a byte[] of MAP_INFO_NAME_BYTES).
    public static final int MAP_INFO_TYPE = 0;
    public static final int MAP_INFO_ID = 1;
    public static final int MAP_INFO_KEY_SIZE = 2;
    public static final int MAP_INFO_VALUE_SIZE = 3;
    public static final int MAP_INFO_MAX_ENTRIES = 4;
    public static final int MAP_INFO_FLAGS = 5;
    public static final int MAP_INFO_MAP_EXTRA = 6;
    public static final int MAP_INFO_IFINDEX = 7;
    public static final int MAP_INFO_BTF_ID = 8;
    public static final int MAP_INFO_BTF_KEY_TYPE_ID = 9;
    public static final int MAP_INFO_BTF_VALUE_TYPE_ID = 10;
    public static final int MAP_INFO_BTF_VMLINUX_VALUE_TYPE_ID = 11;
    /** Bytes of the name written to the name array. */
    public static final int MAP_INFO_NAME_LEN = 12;
    public static final int MAP_INFO_LEN = 13;
    /** BPF_OBJ_NAME_LEN: the size of the name array. */
    public static final int MAP_INFO_NAME_BYTES = 16;

    // Native.progTestRun: the results of one BPF_PROG_TEST_RUN.
    public static final int TEST_RUN_RETVAL = 0;
    public static final int TEST_RUN_DURATION = 1;
    public static final int TEST_RUN_DATA_SIZE_OUT = 2;
    public static final int TEST_RUN_CTX_SIZE_OUT = 3;
    public static final int TEST_RUN_LEN = 4;

    // Native.progTestRun: the operands; offsetsLengths holds [2 * i] offset and [2 * i + 1] length of operand i.
    public static final int TEST_RUN_OPERAND_DATA_IN = 0;
    public static final int TEST_RUN_OPERAND_DATA_OUT = 1;
    public static final int TEST_RUN_OPERAND_CTX_IN = 2;
    public static final int TEST_RUN_OPERAND_CTX_OUT = 3;
    public static final int TEST_RUN_OPERAND_LEN = 4;

    // Native.progInfo: the kernel's bpf_prog_info (the name goes to a byte[]).
    public static final int PROG_INFO_TYPE = 0;
    public static final int PROG_INFO_ID = 1;
    public static final int PROG_INFO_LEN = 2;

    // Native.mapElem: which element call.
    public static final int MAP_OP_LOOKUP = 0;
    public static final int MAP_OP_UPDATE = 1;
    public static final int MAP_OP_DELETE = 2;
    public static final int MAP_OP_LOOKUP_AND_DELETE = 3;
    public static final int MAP_OP_GET_NEXT_KEY = 4;
    public static final int MAP_OP_LEN = 5;

    // Native.mapBatch: which batch call.
    public static final int MAP_BATCH_LOOKUP = 0;
    public static final int MAP_BATCH_LOOKUP_AND_DELETE = 1;
    public static final int MAP_BATCH_UPDATE = 2;
    public static final int MAP_BATCH_DELETE = 3;
    public static final int MAP_BATCH_LEN = 4;

    // Native.programInfo: the kernel's bpf_prog_info (name and tag go to byte[]s).
    public static final int PROGRAM_INFO_TYPE = 0;
    public static final int PROGRAM_INFO_ID = 1;
    public static final int PROGRAM_INFO_RUN_CNT = 2;
    public static final int PROGRAM_INFO_RUN_TIME_NS = 3;
    public static final int PROGRAM_INFO_XLATED_SIZE = 4;
    public static final int PROGRAM_INFO_JITED_SIZE = 5;
    public static final int PROGRAM_INFO_NR_MAP_IDS = 6;
    public static final int PROGRAM_INFO_BTF_ID = 7;
    public static final int PROGRAM_INFO_LOAD_TIME = 8;
    public static final int PROGRAM_INFO_UID = 9;
    public static final int PROGRAM_INFO_VERIFIED_INSNS = 10;
    public static final int PROGRAM_INFO_RECURSION_MISSES = 11;
    public static final int PROGRAM_INFO_GPL_COMPATIBLE = 12;
    public static final int PROGRAM_INFO_ATTACH_BTF_OBJ_ID = 13;
    public static final int PROGRAM_INFO_ATTACH_BTF_ID = 14;
    public static final int PROGRAM_INFO_IFINDEX = 15;
    public static final int PROGRAM_INFO_NAME_SIZE = 16;
    public static final int PROGRAM_INFO_BOOTTIME_NOW = 17;
    public static final int PROGRAM_INFO_LEN = 18;
    public static final int PROGRAM_INFO_TAG_BYTES = 8;

    // Native.linkInfo: the kernel's bpf_link_info, flattened (name and path go to byte[]s).
    public static final int LINK_INFO_TYPE = 0;
    public static final int LINK_INFO_ID = 1;
    public static final int LINK_INFO_PROG_ID = 2;
    public static final int LINK_INFO_ATTACH_TYPE = 3;
    public static final int LINK_INFO_IFINDEX = 4;
    public static final int LINK_INFO_CGROUP_ID = 5;
    public static final int LINK_INFO_NETNS_INO = 6;
    public static final int LINK_INFO_TARGET_OBJ_ID = 7;
    public static final int LINK_INFO_TARGET_BTF_ID = 8;
    public static final int LINK_INFO_MAP_ID = 9;
    public static final int LINK_INFO_OFFSET = 10;
    public static final int LINK_INFO_ADDRESS = 11;
    public static final int LINK_INFO_COOKIE = 12;
    public static final int LINK_INFO_PID = 13;
    public static final int LINK_INFO_TID = 14;
    public static final int LINK_INFO_ORDER = 15;
    public static final int LINK_INFO_PERF_EVENT_TYPE = 16;
    public static final int LINK_INFO_EVENT_TYPE = 17;
    public static final int LINK_INFO_EVENT_CONFIG = 18;
    public static final int LINK_INFO_COUNT = 19;
    public static final int LINK_INFO_FLAGS = 20;
    public static final int LINK_INFO_PRIORITY = 21;
    public static final int LINK_INFO_PF = 22;
    public static final int LINK_INFO_HOOKNUM = 23;
    public static final int LINK_INFO_MISSED = 24;
    public static final int LINK_INFO_NAME_SIZE = 25;
    public static final int LINK_INFO_PATH_SIZE = 26;
    public static final int LINK_INFO_LEN = 27;
    public static final int LINK_INFO_NAME_BYTES = 512;
    public static final int LINK_INFO_PATH_BYTES = 4096;

    // Native.btfInfo: the kernel's bpf_btf_info (the name goes to a byte[]).
    public static final int BTF_INFO_ID = 0;
    public static final int BTF_INFO_SIZE = 1;
    public static final int BTF_INFO_KERNEL = 2;
    public static final int BTF_INFO_NAME_SIZE = 3;
    public static final int BTF_INFO_LEN = 4;
    public static final int BTF_INFO_NAME_BYTES = 64;

    private NativeLayout() {}
}
