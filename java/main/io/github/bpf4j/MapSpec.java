/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import java.util.Arrays;
import java.util.Collection;
import java.util.Set;

/**
 * What {@link BpfMap#create(MapSpec)} makes: type, sizes, flags and the rest
 * of {@code BPF_MAP_CREATE}'s attributes. Checked in Java before the system
 * call, so a wrong field is named instead of a bare EINVAL.
 *
 * <pre>{@code
 * BpfMap counts = BpfMap.create(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(1024).name("counts"));
 * }</pre>
 */
public final class MapSpec {
    private static final int NAME_MAX = 15; // BPF_OBJ_NAME_LEN - 1

    private final MapType type;
    private int keySize = -1;
    private int valueSize = -1;
    private int maxEntries = -1;
    private int flags;
    private String name;
    private long mapExtra;
    private int numaNode = -1;
    private BpfMap innerMap;
    private int ifindex;

    private MapSpec(MapType type) {
        this.type = type;
    }

    /**
     * A spec with the sizes this type always has filled in (4-byte keys for
     * arrays, none for queues, rings and arenas...); the rest is yours to set.
     */
    public static MapSpec of(MapType type) {
        if (type == null || type == MapType.UNSPEC || type == MapType.UNKNOWN) {
            throw new IllegalArgumentException("type: a map type is required, not " + type);
        }
        MapSpec s = new MapSpec(type);
        switch (type) {
            case ARRAY: case PERCPU_ARRAY: case STACK_TRACE: case DEVMAP: case CPUMAP: case XSKMAP:
            case SOCKMAP: case REUSEPORT_SOCKARRAY:
                s.keySize = 4;
                break;
            case PROG_ARRAY: case PERF_EVENT_ARRAY: case CGROUP_ARRAY: case ARRAY_OF_MAPS:
                s.keySize = 4;
                s.valueSize = 4;
                break;
            case HASH_OF_MAPS:
                s.valueSize = 4;
                break;
            case QUEUE: case STACK: case BLOOM_FILTER:
                s.keySize = 0;
                break;
            case RINGBUF: case USER_RINGBUF: case ARENA:
                s.keySize = 0;
                s.valueSize = 0;
                break;
            default:
                break;
        }
        if (type == MapType.ARENA) {
            s.flags = MapFlag.MMAPABLE.bit();
        }
        if (type == MapType.LPM_TRIE) {
            s.flags = MapFlag.NO_PREALLOC.bit();
        }
        return s;
    }

    /** @throws IllegalArgumentException if negative */
    public MapSpec keySize(int bytes) {
        this.keySize = notNegative("keySize", bytes);
        return this;
    }

    /** @throws IllegalArgumentException if negative */
    public MapSpec valueSize(int bytes) {
        this.valueSize = notNegative("valueSize", bytes);
        return this;
    }

    /**
     * Elements; for ring buffers the size in bytes; for arenas the number of pages.
     *
     * @throws IllegalArgumentException if negative
     */
    public MapSpec maxEntries(int entries) {
        this.maxEntries = notNegative("maxEntries", entries);
        return this;
    }

    /**
     * The creation flags, replacing any set before (including the ones
     * {@link #of} presets: {@link MapFlag#MMAPABLE} for arenas,
     * {@link MapFlag#NO_PREALLOC} for LPM tries); an empty set clears them.
     * {@link MapFlag#NUMA_NODE} is not taken here: {@link #numaNode(int)} sets it.
     */
    public MapSpec flags(MapFlag... mapFlags) {
        return flags(Arrays.asList(mapFlags));
    }

    /** As {@link #flags(MapFlag...)}, from a set (or any collection). */
    public MapSpec flags(Collection<MapFlag> mapFlags) {
        int bits = MapFlag.bits(mapFlags);
        if ((bits & MapFlag.NUMA_NODE.bit()) != 0) {
            fail("flags", "NUMA_NODE is set by numaNode(node), which also says which node");
        }
        this.flags = bits;
        return this;
    }

    /** At most 15 characters of letters, digits, '_' and '.'. */
    public MapSpec name(String mapName) {
        this.name = mapName;
        return this;
    }

    /** Bloom filter: the number of hash functions (1 to 15, 0 means 5). Arena: the address to map at. */
    public MapSpec mapExtra(long extra) {
        this.mapExtra = extra;
        return this;
    }

    /** The NUMA node for the map's memory; sets {@link MapFlag#NUMA_NODE}. */
    public MapSpec numaNode(int node) {
        this.numaNode = node;
        return this;
    }

    /** For ARRAY_OF_MAPS / HASH_OF_MAPS: a map like the ones the outer map will hold. */
    public MapSpec innerMap(BpfMap template) {
        this.innerMap = template;
        return this;
    }

    /** Offload to this network device (ifindex), for devices that support it. */
    public MapSpec ifindex(int index) {
        this.ifindex = index;
        return this;
    }

    public MapType type() {
        return type;
    }

    public int keySize() {
        return keySize;
    }

    public int valueSize() {
        return valueSize;
    }

    public int maxEntries() {
        return maxEntries;
    }

    /** The creation flags, with {@link MapFlag#NUMA_NODE} when {@link #numaNode(int)} was set. */
    public Set<MapFlag> flags() {
        return MapFlag.toSet(flagBits());
    }

    /** {@code map_flags} as the kernel gets them. */
    int flagBits() {
        return flags | (numaNode >= 0 ? MapFlag.NUMA_NODE.bit() : 0);
    }

    public String name() {
        return name;
    }

    public long mapExtra() {
        return mapExtra;
    }

    public int numaNode() {
        return numaNode;
    }

    public BpfMap innerMap() {
        return innerMap;
    }

    public int ifindex() {
        return ifindex;
    }

    /** Throws IllegalArgumentException naming the first field that cannot work. */
    void validate() {
        if (name != null) {
            if (name.length() > NAME_MAX) {
                fail("name", "'" + name + "' is longer than " + NAME_MAX + " characters");
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (!(Character.isLetterOrDigit(c) && c < 128) && c != '_' && c != '.') {
                    fail("name", "'" + name + "' may only hold letters, digits, '_' and '.'");
                }
            }
        }
        if (keySize < 0) {
            fail("keySize", "is not set");
        }
        if (valueSize < 0) {
            fail("valueSize", "is not set");
        }
        if (maxEntries < 0) {
            fail("maxEntries", "is not set");
        }
        if ((flags & MapFlag.TOKEN_FD.bit()) != 0) {
            fail("flags", "TOKEN_FD needs a BPF token fd, which MapSpec does not take");
        }
        if ((flags & MapFlag.VTYPE_BTF_OBJ_FD.bit()) != 0) {
            fail("flags", "VTYPE_BTF_OBJ_FD needs a BTF object fd, which MapSpec does not take");
        }
        switch (type) {
            case HASH: case PERCPU_HASH: case LRU_HASH: case LRU_PERCPU_HASH:
                positive("keySize", keySize);
                positive("valueSize", valueSize);
                positive("maxEntries", maxEntries);
                break;
            case ARRAY: case PERCPU_ARRAY:
                exactly("keySize", keySize, 4, "array keys are u32 indexes");
                positive("valueSize", valueSize);
                positive("maxEntries", maxEntries);
                if ((flags & MapFlag.MMAPABLE.bit()) != 0 && type == MapType.PERCPU_ARRAY) {
                    fail("flags", "BPF_F_MMAPABLE is for ARRAY maps, not PERCPU_ARRAY");
                }
                break;
            case LPM_TRIE:
                if (keySize < 5) {
                    fail("keySize", keySize + ": an LPM trie key is a u32 prefix length plus at least one byte of data");
                }
                positive("valueSize", valueSize);
                positive("maxEntries", maxEntries);
                if ((flags & MapFlag.NO_PREALLOC.bit()) == 0) {
                    fail("flags", "LPM tries need BPF_F_NO_PREALLOC");
                }
                break;
            case QUEUE: case STACK: case BLOOM_FILTER:
                exactly("keySize", keySize, 0, type + " maps have no keys");
                positive("valueSize", valueSize);
                positive("maxEntries", maxEntries);
                if (type == MapType.BLOOM_FILTER && (mapExtra < 0 || mapExtra > 15)) {
                    fail("mapExtra", mapExtra + ": a bloom filter takes 0 (meaning 5) to 15 hash functions");
                }
                break;
            case RINGBUF: case USER_RINGBUF:
                exactly("keySize", keySize, 0, "ring buffers have no keys");
                exactly("valueSize", valueSize, 0, "ring buffers have no values");
                if (maxEntries <= 0 || Integer.bitCount(maxEntries) != 1 || maxEntries < 4096) {
                    fail("maxEntries", maxEntries + ": a ring buffer's size in bytes must be a power of 2 and at"
                            + " least a page");
                }
                break;
            case ARENA:
                exactly("keySize", keySize, 0, "arenas have no keys");
                exactly("valueSize", valueSize, 0, "arenas have no values");
                positive("maxEntries", maxEntries);
                if ((flags & MapFlag.MMAPABLE.bit()) == 0) {
                    fail("flags", "arenas need BPF_F_MMAPABLE");
                }
                break;
            case ARRAY_OF_MAPS: case HASH_OF_MAPS:
                positive("keySize", keySize);
                exactly("valueSize", valueSize, 4, "the values are map fds");
                positive("maxEntries", maxEntries);
                if (innerMap == null) {
                    fail("innerMap", "is required: a map like those the outer map will hold");
                }
                break;
            case PROG_ARRAY: case PERF_EVENT_ARRAY: case CGROUP_ARRAY:
                exactly("keySize", keySize, 4, "keys are u32 indexes");
                exactly("valueSize", valueSize, 4, "values are fds");
                positive("maxEntries", maxEntries);
                break;
            case SK_STORAGE: case INODE_STORAGE: case TASK_STORAGE: case CGRP_STORAGE: case STRUCT_OPS:
            case CGROUP_STORAGE: case PERCPU_CGROUP_STORAGE:
                fail("type", type + " maps need BTF type information; declare them in a BPF object's .maps section");
                break;
            case INSN_ARRAY:
                fail("type", "INSN_ARRAY maps hold a program's jump-table offsets and are made by libbpf while it loads"
                        + " that program; there is nothing to create one for");
                break;
            default:
                positive("valueSize", valueSize);
                positive("maxEntries", maxEntries);
                break;
        }
        if (innerMap != null && type != MapType.ARRAY_OF_MAPS && type != MapType.HASH_OF_MAPS) {
            fail("innerMap", "only ARRAY_OF_MAPS and HASH_OF_MAPS have inner maps");
        }
    }

    /** Refused when set, so validate()'s "is not set" can only mean unset. */
    private static int notNegative(String field, int v) {
        if (v < 0) {
            fail(field, v + ": must not be negative");
        }
        return v;
    }

    private static void positive(String field, int v) {
        if (v <= 0) {
            fail(field, v + ": must be greater than 0");
        }
    }

    private void exactly(String field, int v, int expected, String why) {
        if (v != expected) {
            fail(field, v + ": must be " + expected + " for " + type + " (" + why + ")");
        }
    }

    private static void fail(String field, String problem) {
        throw new IllegalArgumentException("MapSpec." + field + " " + problem);
    }

    /** For messages: the map as asked for. */
    String describe() {
        return type + (name != null ? " '" + name + "'" : "") + " (key " + keySize + ", value " + valueSize
                + ", max_entries " + maxEntries + ", flags " + flags()
                + (mapExtra != 0 ? ", map_extra " + mapExtra : "") + ")";
    }

    @Override
    public String toString() {
        return "MapSpec[" + describe() + "]";
    }
}
