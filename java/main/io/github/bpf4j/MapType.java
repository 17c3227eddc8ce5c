/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/** The kernel's map types ({@code enum bpf_map_type}), in the kernel's order. */
public enum MapType {
    UNSPEC, HASH, ARRAY, PROG_ARRAY, PERF_EVENT_ARRAY, PERCPU_HASH, PERCPU_ARRAY, STACK_TRACE, CGROUP_ARRAY,
    LRU_HASH, LRU_PERCPU_HASH, LPM_TRIE, ARRAY_OF_MAPS, HASH_OF_MAPS, DEVMAP, SOCKMAP, CPUMAP, XSKMAP, SOCKHASH,
    CGROUP_STORAGE, REUSEPORT_SOCKARRAY, PERCPU_CGROUP_STORAGE, QUEUE, STACK, SK_STORAGE, DEVMAP_HASH,
    STRUCT_OPS, RINGBUF, INODE_STORAGE, TASK_STORAGE, BLOOM_FILTER, USER_RINGBUF, CGRP_STORAGE, ARENA,
    INSN_ARRAY,
    /** A type newer than this bpf4j; {@link BpfMap#typeId()} has the kernel's number. */
    UNKNOWN;

    private static final MapType[] BY_ID = values();

    /** The kernel's number for this type; -1 for {@link #UNKNOWN}. */
    public int id() {
        return this == UNKNOWN ? -1 : ordinal();
    }

    public static MapType of(int id) {
        return id >= 0 && id < BY_ID.length - 1 ? BY_ID[id] : UNKNOWN;
    }

    /** Per-CPU maps hold one value slot per possible CPU, each rounded up to 8 bytes. */
    public boolean isPerCpu() {
        return this == PERCPU_HASH || this == PERCPU_ARRAY || this == LRU_PERCPU_HASH
                || this == PERCPU_CGROUP_STORAGE;
    }
}
