/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Mapping;
import io.github.bpf4j.internal.Native;
import java.nio.ByteBuffer;
import java.util.Set;

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
 *
 * <p>This class also holds the arena's lifecycle for {@link BpfMap}: mapping
 * a map's arena ({@link #mapFor}), an object's arena around its load
 * ({@link #prepare}, {@link #finish}) and where libbpf puts its
 * {@code __arena} globals ({@link #globalsBase}, probed once).
 */
public final class BpfArena {
    private final BpfMap map;
    private final long userVmStart;
    private final long size;
    private final int flags;
    private final ArenaRegion region;
    /** An object's __arena globals' initial values, from prepare() until finish() writes them. */
    private byte[] pendingGlobals;
    private static volatile int globalsAtEnd = -1;

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

    /**
     * Maps {@code map}'s arena ({@code fd}, live while the caller holds the
     * map's handle) and hands the mapping to the map's owner.
     */
    static BpfArena mapFor(BpfMap map, int fd) {
        if (map.kind() != MapType.ARENA) {
            throw new UnsupportedOperationException("arena: map '" + map.name() + "' is " + map.kind()
                    + ", not an ARENA");
        }
        BpfArena a;
        try {
            a = map(map, map.handle(), fd, map.extra(), map.entryCount(), map.flagBits());
        } catch (BpfException e) {
            throw mapFailed(map, e);
        }
        map.owner().adopt(a.mapping());
        return a;
    }

    /**
     * The kernel fixes an arena's user-space address at its first mmap (or at
     * creation, by map_extra) and refuses any other address (EINVAL) or size
     * (EBUSY) after that, and it does not say which address it was.
     */
    private static BpfException mapFailed(BpfMap map, BpfException e) {
        long mapExtra = map.extra();
        boolean addressTaken = e.errno() == Errors.EEXIST && mapExtra != 0;
        if (!addressTaken && e.errno() != Errors.EINVAL && e.errno() != Errors.EBUSY) {
            return e;
        }
        return Errors.of(Errors.Op.ARENA_MMAP, "mmap(arena '" + map.name() + "')", e.errno(),
                mapExtra == 0 ? "0" : "0x" + Long.toHexString(mapExtra));
    }

    /**
     * An object's arena, before load: bpf4j creates and maps it and libbpf
     * reuses it, so bpf4j owns the mapping (libbpf unmaps its own at close,
     * under any buffer still pointing into it) and the arena is mapped before
     * the programs are JITed. Called by load() with the map's handle held.
     */
    static BpfArena prepare(BpfMap map) {
        String name = map.name();
        int flags = map.flagBits();
        byte[] initial = Native.mapInitialValue(map.pointer());
        if ((flags & MapFlag.SEGV_ON_FAULT.bit()) != 0 && initial.length > 0) {
            // finish() could only fail (EFAULT), and only after the programs were loaded: refuse it now.
            // No errno exists for this: the kernel would only fail later (EFAULT), after the programs were loaded.
            throw new IllegalArgumentException("BpfObject.load(): the object has " + initial.length + " bytes of"
                    + " __arena globals in arena '" + name + "', which has BPF_F_SEGV_ON_FAULT: such globals need a"
                    + " page the program allocates, yet their initial values are written from user space before any"
                    + " program runs; nothing was loaded. Drop BPF_F_SEGV_ON_FAULT from the arena, move the variables"
                    + " to .bss/.data, or keep them in memory the program allocates with bpf_arena_alloc_pages");
        }
        int f = Native.mapCreate(MapType.ARENA.id(), name, 0, 0, map.entryCount(), flags, map.extra(), 0, 0, 0);
        if (f < 0) {
            throw Errors.mapException(Errors.Op.MAP_CREATE, "bpf_map_create(ARENA)", -f, MapType.ARENA,
                    map.describeMap());
        }
        try {
            BpfArena a = map(map, map.handle(), f, map.extra(), map.entryCount(), flags);
            map.owner().adopt(a.mapping());
            int err = Native.mapReuseFd(map.pointer(), f);
            if (err < 0) {
                throw Errors.of(Errors.Op.MAP_CREATE, "bpf_map__reuse_fd(map '" + name + "')", -err, null);
            }
            a.pendingGlobals = initial;
            return a;
        } finally {
            Native.close(f); // libbpf holds its own duplicate; the mapping holds the map
        }
    }

    /**
     * After load: the __arena globals' initial values go where libbpf
     * relocated the programs to find them: the arena's last pages on kernels
     * that allow such offsets, else its start (libbpf decides the same way).
     */
    void finish(BpfMap map) {
        byte[] data = pendingGlobals;
        pendingGlobals = null;
        if (data == null || data.length == 0) {
            return;
        }
        long at = globalsBase(map.entryCount(), data.length);
        if (segvOnFault()) {
            region.writeChecked(at, data, 0, data.length);
        } else {
            region.put(at, data);
        }
    }

    /** Where libbpf relocated an object's __arena globals ({@code bytes} of them) in an arena of {@code pages}. */
    static long globalsBase(int pages, long bytes) {
        int atEnd = globalsAtEnd;
        if (atEnd < 0) {
            atEnd = globalsAtEnd = Errors.check(Errors.Op.OTHER, "probe where libbpf places __arena globals",
                    Native.arenaGlobalsAtEnd());
        }
        long page = Native.pageSize();
        return atEnd == 1 ? (long) pages * page - (bytes + page - 1) / page * page : 0;
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

    /** The arena map's creation flags, e.g. {@link MapFlag#SEGV_ON_FAULT}, {@link MapFlag#NO_USER_CONV}. */
    public Set<MapFlag> flags() {
        region.ensureOpen();
        return MapFlag.toSet(flags);
    }

    /**
     * True if touching a page the program has not allocated faults: plain
     * access is then refused and only {@link ArenaRegion#readChecked}-style
     * access works.
     */
    public boolean segvOnFault() {
        return (flags & MapFlag.SEGV_ON_FAULT.bit()) != 0;
    }

    /** True if pointers stored in the arena are 32-bit offsets-with-base, not user addresses. */
    public boolean noUserConv() {
        return (flags & MapFlag.NO_USER_CONV.bit()) != 0;
    }

    /** Reads, writes, atomics and pointer conversion over the whole arena. */
    public ArenaRegion region() {
        region.ensureOpen();
        return region;
    }

    @Override
    public String toString() {
        return "BpfArena[" + map.name() + ", " + size + " bytes at 0x" + Long.toHexString(userVmStart)
                + ", flags " + MapFlag.toSet(flags) + "]";
    }
}
