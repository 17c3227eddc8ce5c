/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.NativeLayout;
import java.util.Set;

/** What the kernel says about a map ({@code bpf_map_get_info_by_fd}): a snapshot. */
public final class MapInfo {
    private final int id;
    private final String name;
    private final int typeId;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final int flags;
    private final long mapExtra;
    private final int ifindex;
    private final int btfId;
    private final int btfKeyTypeId;
    private final int btfValueTypeId;
    private final int btfVmlinuxValueTypeId;

    MapInfo(long[] f, String name) {
        this.typeId = (int) f[NativeLayout.MAP_INFO_TYPE];
        this.id = (int) f[NativeLayout.MAP_INFO_ID];
        this.keySize = (int) f[NativeLayout.MAP_INFO_KEY_SIZE];
        this.valueSize = (int) f[NativeLayout.MAP_INFO_VALUE_SIZE];
        this.maxEntries = (int) f[NativeLayout.MAP_INFO_MAX_ENTRIES];
        this.flags = (int) f[NativeLayout.MAP_INFO_FLAGS];
        this.mapExtra = f[NativeLayout.MAP_INFO_MAP_EXTRA];
        this.ifindex = (int) f[NativeLayout.MAP_INFO_IFINDEX];
        this.btfId = (int) f[NativeLayout.MAP_INFO_BTF_ID];
        this.btfKeyTypeId = (int) f[NativeLayout.MAP_INFO_BTF_KEY_TYPE_ID];
        this.btfValueTypeId = (int) f[NativeLayout.MAP_INFO_BTF_VALUE_TYPE_ID];
        this.btfVmlinuxValueTypeId = (int) f[NativeLayout.MAP_INFO_BTF_VMLINUX_VALUE_TYPE_ID];
        this.name = name;
    }

    /** The kernel-wide id; {@link BpfMap#fromId(int)} opens it again. */
    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    public MapType type() {
        return MapType.of(typeId);
    }

    /** The kernel's number for the type, also for types newer than {@link MapType}. */
    public int typeId() {
        return typeId;
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

    /** The creation flags bpf4j knows; {@link #flagBits()} also has any newer ones. */
    public Set<MapFlag> flags() {
        return MapFlag.toSet(flags);
    }

    /**
     * {@code map_flags} as the kernel reports them, including bits newer than
     * {@link MapFlag} (which {@link #flags()} leaves out): for printing them
     * the way bpftool does.
     */
    public int flagBits() {
        return flags;
    }

    public long mapExtra() {
        return mapExtra;
    }

    /** The device the map is offloaded to, or 0. */
    public int ifindex() {
        return ifindex;
    }

    /** The BTF object describing key and value, or 0 for maps made without BTF. */
    public int btfId() {
        return btfId;
    }

    public int btfKeyTypeId() {
        return btfKeyTypeId;
    }

    public int btfValueTypeId() {
        return btfValueTypeId;
    }

    public int btfVmlinuxValueTypeId() {
        return btfVmlinuxValueTypeId;
    }

    @Override
    public String toString() {
        return "MapInfo[id " + id + ", '" + name + "', " + type() + ", key " + keySize + ", value " + valueSize
                + ", max_entries " + maxEntries + ", flags 0x" + Integer.toHexString(flags)
                + (mapExtra != 0 ? ", map_extra 0x" + Long.toHexString(mapExtra) : "")
                + (btfId != 0 ? ", btf " + btfId + " (key " + btfKeyTypeId + ", value " + btfValueTypeId + ")" : "")
                + "]";
    }
}
