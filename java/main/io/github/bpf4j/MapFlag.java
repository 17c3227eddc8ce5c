/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * A map creation flag ({@code BPF_F_*} in {@code map_flags}): what
 * {@link MapSpec#flags(MapFlag...)} takes and {@link BpfMap#flags()} and
 * {@link MapInfo#flags()} return. Element operations take their own types,
 * {@link UpdateMode} and {@link ElementFlags}, so a creation flag cannot be
 * passed where an element flag is meant.
 */
public enum MapFlag {
    /** {@code BPF_F_NO_PREALLOC}: allocate elements on update (hash maps; required by LPM tries). */
    NO_PREALLOC(1),
    /** {@code BPF_F_NO_COMMON_LRU}: per-CPU LRU lists. */
    NO_COMMON_LRU(1 << 1),
    /** {@code BPF_F_NUMA_NODE}: the map's memory is on one NUMA node; set by {@link MapSpec#numaNode(int)}. */
    NUMA_NODE(1 << 2),
    /** {@code BPF_F_RDONLY}: user space may only read (the map's fd is read-only). */
    RDONLY(1 << 3),
    /** {@code BPF_F_WRONLY}: user space may only write (the map's fd is write-only). */
    WRONLY(1 << 4),
    /** {@code BPF_F_STACK_BUILD_ID}: a STACK_TRACE map stores build ids and offsets. */
    STACK_BUILD_ID(1 << 5),
    /** {@code BPF_F_ZERO_SEED}: hash maps with a fixed seed (testing only). */
    ZERO_SEED(1 << 6),
    /** {@code BPF_F_RDONLY_PROG}: programs may only read the map (so {@link BpfMap#mmap()} is read-only). */
    RDONLY_PROG(1 << 7),
    /** {@code BPF_F_WRONLY_PROG}: programs may only write the map. */
    WRONLY_PROG(1 << 8),
    /** {@code BPF_F_CLONE}: socket-local storage is cloned to a child socket. */
    CLONE(1 << 9),
    /** {@code BPF_F_MMAPABLE}: the map's memory can be mmapped ({@link BpfMap#mmap()}; required by arenas). */
    MMAPABLE(1 << 10),
    /** {@code BPF_F_PRESERVE_ELEMS}: a PERF_EVENT_ARRAY keeps its events when its fd is closed. */
    PRESERVE_ELEMS(1 << 11),
    /** {@code BPF_F_INNER_MAP}: an inner map whose max_entries may differ from its template's. */
    INNER_MAP(1 << 12),
    /** {@code BPF_F_LINK}: a STRUCT_OPS map attached through a link. */
    LINK(1 << 13),
    /** {@code BPF_F_VTYPE_BTF_OBJ_FD}: a STRUCT_OPS map's value type is in a module's BTF. */
    VTYPE_BTF_OBJ_FD(1 << 15),
    /** {@code BPF_F_TOKEN_FD}: the map was created through a BPF token. */
    TOKEN_FD(1 << 16),
    /** {@code BPF_F_SEGV_ON_FAULT}: arena pages the program did not allocate fault in user space. */
    SEGV_ON_FAULT(1 << 17),
    /** {@code BPF_F_NO_USER_CONV}: arena pointers stay 32-bit offsets. */
    NO_USER_CONV(1 << 18),
    /** {@code BPF_F_RB_OVERWRITE}: a full ring buffer overwrites its oldest records (newer kernels). */
    RB_OVERWRITE(1 << 19);

    private static final MapFlag[] ALL = values();

    private final int bit;

    MapFlag(int bit) {
        this.bit = bit;
    }

    /** The flag's bit in {@code map_flags}, e.g. 1 &lt;&lt; 10 for {@link #MMAPABLE}. */
    public int bit() {
        return bit;
    }

    /** The known flags among {@code bits} (unmodifiable); bits no constant stands for are left out. */
    static Set<MapFlag> toSet(int bits) {
        EnumSet<MapFlag> set = EnumSet.noneOf(MapFlag.class);
        for (MapFlag f : ALL) {
            if ((bits & f.bit) != 0) {
                set.add(f);
            }
        }
        return Collections.unmodifiableSet(set);
    }

    static int bits(Collection<MapFlag> flags) {
        int bits = 0;
        for (MapFlag f : flags) {
            if (f == null) {
                throw new NullPointerException("a map flag is null");
            }
            bits |= f.bit;
        }
        return bits;
    }
}
