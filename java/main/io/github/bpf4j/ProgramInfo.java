/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.NativeLayout;
import java.util.Arrays;

/**
 * What the kernel says about a program ({@code bpf_prog_info}) at the moment
 * {@link BpfProgram#info()} (or {@link Bpf4j#programs()}) asked: a value, not
 * a handle. Run count and run time grow only while run-time statistics are on
 * ({@link Bpf4j#enableStats()}, or {@code kernel.bpf_stats_enabled}).
 */
public final class ProgramInfo {
    private final ProgramType type;
    private final int typeId;
    private final int id;
    private final String name;
    private final String tag;
    private final long runCount;
    private final long runTimeNanos;
    private final int translatedSize;
    private final int jitedSize;
    private final int[] mapIds;
    private final int btfId;
    private final long loadTimeSinceBoot;
    private final long loadedAtMillis;
    private final int uid;
    private final int verifiedInstructions;
    private final long recursionMisses;
    private final boolean gplCompatible;
    private final int attachBtfObjectId;
    private final int attachBtfId;
    private final int ifindex;

    ProgramInfo(long[] f, String name, byte[] tag, int[] mapIds) {
        this.typeId = (int) f[NativeLayout.PROGRAM_INFO_TYPE];
        this.type = ProgramType.of(typeId);
        this.id = (int) f[NativeLayout.PROGRAM_INFO_ID];
        this.name = name;
        StringBuilder hex = new StringBuilder();
        for (byte b : tag) {
            hex.append(String.format("%02x", b & 0xff));
        }
        this.tag = hex.toString();
        this.runCount = f[NativeLayout.PROGRAM_INFO_RUN_CNT];
        this.runTimeNanos = f[NativeLayout.PROGRAM_INFO_RUN_TIME_NS];
        this.translatedSize = (int) f[NativeLayout.PROGRAM_INFO_XLATED_SIZE];
        this.jitedSize = (int) f[NativeLayout.PROGRAM_INFO_JITED_SIZE];
        this.mapIds = mapIds;
        this.btfId = (int) f[NativeLayout.PROGRAM_INFO_BTF_ID];
        this.loadTimeSinceBoot = f[NativeLayout.PROGRAM_INFO_LOAD_TIME];
        long agoNanos = f[NativeLayout.PROGRAM_INFO_BOOTTIME_NOW] - loadTimeSinceBoot;
        this.loadedAtMillis = System.currentTimeMillis() - agoNanos / 1_000_000L;
        this.uid = (int) f[NativeLayout.PROGRAM_INFO_UID];
        this.verifiedInstructions = (int) f[NativeLayout.PROGRAM_INFO_VERIFIED_INSNS];
        this.recursionMisses = f[NativeLayout.PROGRAM_INFO_RECURSION_MISSES];
        this.gplCompatible = f[NativeLayout.PROGRAM_INFO_GPL_COMPATIBLE] != 0;
        this.attachBtfObjectId = (int) f[NativeLayout.PROGRAM_INFO_ATTACH_BTF_OBJ_ID];
        this.attachBtfId = (int) f[NativeLayout.PROGRAM_INFO_ATTACH_BTF_ID];
        this.ifindex = (int) f[NativeLayout.PROGRAM_INFO_IFINDEX];
    }

    public ProgramType type() {
        return type;
    }

    /** The kernel's number of the type (for a type {@link ProgramType} does not know). */
    public int typeId() {
        return typeId;
    }

    /** The program's id: system-wide, never reused; {@link BpfProgram#fromId} opens it. */
    public int id() {
        return id;
    }

    /** The kernel's name (the first 15 bytes of the function name); empty if the loader gave none. */
    public String name() {
        return name;
    }

    /** The program's tag: a hash of its instructions, as 16 hex digits (what bpftool shows). */
    public String tag() {
        return tag;
    }

    /** Runs counted while run-time statistics were on. */
    public long runCount() {
        return runCount;
    }

    /** Nanoseconds spent in the program while run-time statistics were on. */
    public long runTimeNanos() {
        return runTimeNanos;
    }

    /** Bytes of the instructions after the verifier's rewrites; 0 if this process may not read them. */
    public int translatedSize() {
        return translatedSize;
    }

    /** Bytes of JITed machine code; 0 if not JITed or not readable by this process. */
    public int jitedSize() {
        return jitedSize;
    }

    /** Ids of the maps the program uses ({@link BpfMap#fromId} opens them); a copy. */
    public int[] mapIds() {
        return mapIds.clone();
    }

    /** The id of the program's BTF object, 0 if it has none. */
    public int btfId() {
        return btfId;
    }

    /** When it was loaded, in nanoseconds since boot (CLOCK_BOOTTIME, as the kernel records it). */
    public long loadTimeSinceBootNanos() {
        return loadTimeSinceBoot;
    }

    /** When it was loaded, in milliseconds since the epoch (from {@link #loadTimeSinceBootNanos()}). */
    public long loadedAtMillis() {
        return loadedAtMillis;
    }

    /** The user id of the process that loaded it. */
    public int uid() {
        return uid;
    }

    /** Instructions the verifier processed (Linux 5.16+; 0 before). */
    public int verifiedInstructions() {
        return verifiedInstructions;
    }

    /** Runs skipped because the program was already running on that CPU (Linux 5.12+). */
    public long recursionMisses() {
        return recursionMisses;
    }

    public boolean gplCompatible() {
        return gplCompatible;
    }

    /** For BTF-attached programs (fentry, LSM, struct_ops...): the id of the BTF object of the target; else 0. */
    public int attachBtfObjectId() {
        return attachBtfObjectId;
    }

    /** For BTF-attached programs: the target's type id in {@link #attachBtfObjectId()}; else 0. */
    public int attachBtfId() {
        return attachBtfId;
    }

    /** The device of an offloaded program, else 0. */
    public int ifindex() {
        return ifindex;
    }

    @Override
    public String toString() {
        return "ProgramInfo[id " + id + ", " + type + " '" + name + "', tag " + tag + ", maps "
                + Arrays.toString(mapIds) + ", run " + runCount + " times in " + runTimeNanos + " ns]";
    }
}
