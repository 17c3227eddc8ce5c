/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Mapping;
import io.github.bpf4j.internal.Native;
import java.nio.ByteBuffer;

/**
 * A BPF arena ({@code BPF_MAP_TYPE_ARENA}) mapped into this process: a
 * sparse heap of up to 4 GiB that BPF programs and the JVM share, page for
 * page. Get it with {@link BpfMap#arena()}; read and write it through
 * {@link #region()}.
 *
 * <p>bpf4j maps the arena itself, once: for an object's arena before the
 * programs load (so the JIT knows where user space sees it), for a map made
 * with {@link BpfMap#create} on the first {@code arena()} call. The mapping
 * belongs to the map's owner; after close, every access throws
 * {@link IllegalStateException} and buffers from {@link ArenaRegion#slice}
 * read harmless private memory.
 */
public final class BpfArena {
    private final BpfMap map;
    private final long userVmStart;
    private final long size;
    private final int flags;
    private final ArenaRegion region;

    private BpfArena(BpfMap map, Handle handle, Mapping mapping, int flags, ByteBuffer[] windows) {
        this.map = map;
        this.userVmStart = mapping.address();
        this.size = mapping.length();
        this.flags = flags;
        this.region = new ArenaRegion(this, handle, mapping, windows);
    }

    /**
     * Maps the arena behind {@code fd} ({@code pages} pages at {@code address},
     * or where the kernel chooses when 0). The caller holds the map's handle
     * and hands the mapping to its owner.
     */
    static BpfArena map(BpfMap map, Handle handle, int fd, long address, int pages, int flags) {
        long size = (long) pages * Native.pageSize();
        Mapping mapping = Mapping.map(address, fd, size, true);
        try {
            ByteBuffer[] windows = ArenaRegion.windows(mapping, size);
            return new BpfArena(map, handle, mapping, flags, windows);
        } finally {
            mapping.release();
        }
    }

    Mapping mapping() {
        return region.mapping();
    }

    public BpfMap map() {
        return map;
    }

    /** Where the arena starts in this process: the base of every user-space arena pointer. */
    public long userVmStart() {
        region.ensureOpen();
        return userVmStart;
    }

    /** The whole arena: max_entries pages × the page size (not just the part in use). */
    public long size() {
        region.ensureOpen();
        return size;
    }

    /** The arena map's flags, e.g. {@link BpfMap#F_SEGV_ON_FAULT} | {@link BpfMap#F_NO_USER_CONV}. */
    public int flags() {
        region.ensureOpen();
        return flags;
    }

    /**
     * True if touching a page the program has not allocated faults: plain
     * access is then refused and only {@link ArenaRegion#readChecked}-style
     * access works.
     */
    public boolean segvOnFault() {
        return (flags & BpfMap.F_SEGV_ON_FAULT) != 0;
    }

    /** True if pointers stored in the arena are 32-bit offsets-with-base, not user addresses. */
    public boolean noUserConv() {
        return (flags & BpfMap.F_NO_USER_CONV) != 0;
    }

    /** Reads, writes, atomics and pointer conversion over the whole arena. */
    public ArenaRegion region() {
        region.ensureOpen();
        return region;
    }

    @Override
    public String toString() {
        return "BpfArena[" + map.name() + ", " + size + " bytes at 0x" + Long.toHexString(userVmStart)
                + ", flags 0x" + Integer.toHexString(flags) + "]";
    }
}
