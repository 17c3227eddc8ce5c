/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Buffers;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Mapping;
import io.github.bpf4j.internal.Native;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A map of a {@link BpfObject}. Its metadata is readable after open; its
 * element operations, fd and {@link #mmap()} need the object loaded.
 *
 * <p>Element operations read keys and values from a buffer's position
 * (which they do not move) or from the start of a {@code byte[]}, allocate
 * nothing on the ByteBuffer path, and treat a missing key as a normal
 * result, not an error. The map belongs to its object: closing the object
 * closes it.
 */
public final class BpfMap {
    /** Update mode: create or replace. */
    public static final long UPDATE_ANY = 0;
    /** Update mode: create only; EEXIST if the key is present. */
    public static final long UPDATE_NO_EXIST = 1;
    /** Update mode: replace only; ENOENT if the key is absent. */
    public static final long UPDATE_EXIST = 2;
    /** Flag: update a value holding a {@code struct bpf_spin_lock} under that lock. */
    public static final long F_LOCK = 4;

    /** {@code BPF_F_MMAPABLE}: the map's memory can be mmapped. */
    public static final int F_MMAPABLE = 1 << 10;
    /** {@code BPF_F_RDONLY_PROG}: programs may only read the map. */
    public static final int F_RDONLY_PROG = 1 << 7;

    // The element operations' codes, as in jni/map.c.
    private static final int OP_LOOKUP = 0;
    private static final int OP_UPDATE = 1;
    private static final int OP_DELETE = 2;

    private static final int POSSIBLE_CPUS_UNKNOWN = -1;
    private static volatile int possibleCpus = POSSIBLE_CPUS_UNKNOWN;

    private final BpfObject owner; // keeps the object reachable while the map is
    private final Handle handle;
    private final long pointer;
    private final String name;
    private final long[] info = new long[8];
    private volatile MapType type;
    private volatile int keySize;
    private volatile int valueSize;
    private volatile int maxEntries;
    private volatile int flags;
    private volatile int fd = -1;
    private volatile long mapExtra;

    private ByteBuffer mappedRoot;

    BpfMap(BpfObject owner, Handle handle, long pointer) {
        this.owner = owner;
        this.handle = handle;
        this.pointer = pointer;
        this.name = Native.mapName(pointer);
        describe();
    }

    /** Re-reads what load may change (fd, flags, sizes libbpf adjusts). Called with the handle valid. */
    void describe() {
        synchronized (info) {
            Native.mapDescribe(pointer, info);
            type = MapType.of((int) info[0]);
            keySize = (int) info[1];
            valueSize = (int) info[2];
            maxEntries = (int) info[3];
            flags = (int) info[4];
            mapExtra = info[6];
            fd = (int) info[5];
        }
    }

    public String name() {
        return name;
    }

    public MapType type() {
        handle.ensureOpen();
        return type;
    }

    /** The kernel's number for the type, also for types newer than {@link MapType}. */
    public int typeId() {
        handle.ensureOpen();
        return (int) info[0];
    }

    public int keySize() {
        handle.ensureOpen();
        return keySize;
    }

    public int valueSize() {
        handle.ensureOpen();
        return valueSize;
    }

    public int maxEntries() {
        handle.ensureOpen();
        return maxEntries;
    }

    /** {@code map_flags}, e.g. {@link #F_MMAPABLE}. */
    public int flags() {
        handle.ensureOpen();
        return flags;
    }

    /** {@code map_extra} (bloom filter hashes, arena address). */
    public long mapExtra() {
        handle.ensureOpen();
        return mapExtra;
    }

    /**
     * The map's fd, owned by the object: valid until the object is closed,
     * and never to be closed by the caller.
     */
    public int fd() {
        return liveFd();
    }

    public BpfObject object() {
        return owner;
    }

    /**
     * Bytes a value buffer needs: the value size, or for per-CPU maps one
     * 8-byte-aligned slot per possible CPU.
     */
    public int valueBufferSize() {
        handle.ensureOpen();
        if (!type.isPerCpu()) {
            return valueSize;
        }
        int cpus = possibleCpus;
        if (cpus == POSSIBLE_CPUS_UNKNOWN) {
            cpus = possibleCpus = Errors.check("libbpf_num_possible_cpus", Native.numPossibleCpus());
        }
        long size = (((long) valueSize + 7) & ~7L) * cpus;
        if (size > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException("per-CPU map '" + name + "' needs " + size
                    + " bytes per value (" + cpus + " CPUs), more than a Java array holds");
        }
        return (int) size;
    }

    // ---- element operations

    /**
     * Copies the value for {@code key} into {@code value} (from their
     * positions, which do not move).
     *
     * @return false if the key is absent (value untouched)
     */
    public boolean lookup(ByteBuffer key, ByteBuffer value) {
        return found(elem(OP_LOOKUP, key, value, 0), "bpf_map_lookup_elem");
    }

    /** As {@link #lookup(ByteBuffer, ByteBuffer)} with lookup flags such as {@link #F_LOCK}. */
    public boolean lookup(ByteBuffer key, ByteBuffer value, long lookupFlags) {
        return found(elem(OP_LOOKUP, key, value, lookupFlags), "bpf_map_lookup_elem");
    }

    /** @return false if the key is absent */
    public boolean lookup(byte[] key, byte[] value) {
        return found(elem(OP_LOOKUP, key, value, 0), "bpf_map_lookup_elem");
    }

    /** @return the value, or null if the key is absent */
    public byte[] lookup(byte[] key) {
        byte[] value = new byte[valueBufferSize()];
        return lookup(key, value) ? value : null;
    }

    public void update(ByteBuffer key, ByteBuffer value) {
        update(key, value, UPDATE_ANY);
    }

    /** @param mode {@link #UPDATE_ANY}, {@link #UPDATE_NO_EXIST} or {@link #UPDATE_EXIST}, optionally | {@link #F_LOCK} */
    public void update(ByteBuffer key, ByteBuffer value, long mode) {
        succeeded(elem(OP_UPDATE, key, value, mode), "bpf_map_update_elem");
    }

    public void update(byte[] key, byte[] value) {
        update(key, value, UPDATE_ANY);
    }

    public void update(byte[] key, byte[] value, long mode) {
        succeeded(elem(OP_UPDATE, key, value, mode), "bpf_map_update_elem");
    }

    /** @return false if the key was absent */
    public boolean delete(ByteBuffer key) {
        return found(elem(OP_DELETE, key, null, 0), "bpf_map_delete_elem");
    }

    /** @return false if the key was absent */
    public boolean delete(byte[] key) {
        return found(elem(OP_DELETE, key, null, 0), "bpf_map_delete_elem");
    }

    /**
     * One element operation. Key and value are each a byte[] or a ByteBuffer;
     * a map without keys (queue, stack, bloom filter) ignores the key. Returns
     * the native result: 0 or -errno.
     */
    private int elem(int op, Object key, Object value, long flags) {
        handle.acquire();
        try {
            checkLive();
            int keyLength = keySize;
            int valueLength = op == OP_DELETE ? 0 : valueBufferSize();
            Object k = keyLength == 0 ? null : key;
            Object v = valueLength == 0 ? null : value;
            int keyOffset = keyLength == 0 ? 0 : Buffers.offset("key", name, k, keyLength, false);
            int valueOffset = valueLength == 0 ? 0 : Buffers.offset("value", name, v, valueLength, op == OP_LOOKUP);
            return Native.mapElem(op, fd, Buffers.array(k), Buffers.direct(k), keyOffset, keyLength,
                    Buffers.array(v), Buffers.direct(v), valueOffset, valueLength, flags);
        } finally {
            handle.release();
        }
    }

    // ---- mmap

    /**
     * A direct buffer, in native byte order, over the map's memory itself:
     * what the JVM writes, BPF programs see at once, and the reverse. Its
     * capacity is the whole value area ({@code max_entries} × value size
     * rounded up to 8). Every call returns a new view of the same mapping.
     * A map the kernel only lets user space read (a frozen {@code .rodata})
     * gives a read-only buffer.
     *
     * <p>After the object is closed, the buffer no longer reaches the
     * kernel: it reads and writes private memory, never crashes.
     *
     * @throws UnsupportedOperationException if the map was not created with {@link #F_MMAPABLE}
     */
    public ByteBuffer mmap() {
        handle.acquire();
        try {
            checkLive();
            synchronized (this) {
                if (mappedRoot == null) {
                    mapMemory();
                }
                ByteBuffer view = mappedRoot.duplicate();
                return view.order(ByteOrder.nativeOrder());
            }
        } finally {
            handle.release();
        }
    }

    private void mapMemory() {
        if (type != MapType.ARRAY || (flags & F_MMAPABLE) == 0) {
            throw new UnsupportedOperationException("map '" + name + "' (" + type + ", flags 0x"
                    + Integer.toHexString(flags) + ") cannot be mmapped: only ARRAY maps created with"
                    + " BPF_F_MMAPABLE can; declare it with __uint(map_flags, BPF_F_MMAPABLE)");
        }
        long capacity = (long) maxEntries * (((long) valueSize + 7) & ~7L);
        if (capacity > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException("map '" + name + "' has " + capacity
                    + " bytes of values; a ByteBuffer holds at most 2 GiB");
        }
        long page = Native.pageSize();
        long length = (capacity + page - 1) / page * page;
        Mapping m;
        try {
            m = Mapping.map(fd, length, capacity, true);
        } catch (BpfPermissionException e) {
            // Frozen maps (.rodata after load) and BPF_F_RDONLY ones only allow read-only mappings.
            m = Mapping.map(fd, length, capacity, false);
        }
        owner.adopt(m);
        mappedRoot = m.takeRoot();
    }

    /** After close: drop the cached root so the detached range is unmapped once no view is left. */
    synchronized void forgetMapping() {
        mappedRoot = null;
    }

    // ----

    private void checkLive() {
        if (fd < 0) {
            throw new IllegalStateException("map '" + name + "' of " + owner + " is not in the kernel yet: call load() first");
        }
    }

    private void succeeded(int ret, String call) {
        if (ret < 0) {
            throw Errors.exception(op(call), -ret, null);
        }
    }

    private boolean found(int ret, String call) {
        if (ret == 0) {
            return true;
        }
        if (ret == -Errors.ENOENT) {
            return false;
        }
        throw Errors.exception(op(call), -ret, null);
    }

    private String op(String call) {
        return call + "(map '" + name + "', " + type + ")";
    }

    private int liveFd() {
        handle.ensureOpen();
        checkLive();
        return fd;
    }

    @Override
    public String toString() {
        return "BpfMap[" + name + ", " + type + ", key " + keySize + ", value " + valueSize + ", max_entries "
                + maxEntries + ", flags 0x" + Integer.toHexString(flags) + "]";
    }
}
