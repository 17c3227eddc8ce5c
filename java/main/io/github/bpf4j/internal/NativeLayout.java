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

    private NativeLayout() {}
}
