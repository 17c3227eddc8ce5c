/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Buffers;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.FdKind;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Mapping;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeOwner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A BPF map: of a {@link BpfObject}, or on its own ({@link #create},
 * {@link Pins#openMap}, {@link #fromId}, {@link #fromFd}).
 *
 * <p>Element operations read keys and values from a buffer's position (which
 * they do not move) or from the start of a {@code byte[]}, allocate nothing on
 * the ByteBuffer path, and treat a missing key as a normal result, not an
 * error. Each key or value operand is exactly one key or value: a
 * {@code byte[]} of exactly {@link #keySize()} / {@link #valueBufferSize()}
 * bytes, or a ByteBuffer whose {@code remaining()} is exactly that (for inputs
 * and outputs alike). Anything else, shorter or longer, is refused with an
 * {@link IllegalArgumentException} naming the operand and both sizes, before
 * any system call: a longer operand is never cut to a prefix. Batch lookups
 * are the exception: their buffers are room to fill, and may be larger.
 *
 * <p>Ownership: a map of an object belongs to the object, and closing the
 * object closes it ({@link #close()} on such a map does nothing). A map on its
 * own owns its fd: {@link #close()} releases it, and a forgotten one is
 * released once unreachable. Either way, every call after the close throws
 * {@link IllegalStateException}.
 */
public final class BpfMap implements AutoCloseable {
    /** Update mode: create or replace. */
    public static final long UPDATE_ANY = 0;
    /** Update mode: create only; {@link BpfKeyExistsException} if the key is present. */
    public static final long UPDATE_NO_EXIST = 1;
    /** Update mode: replace only; ENOENT if the key is absent. For queues and stacks: overwrite when full. */
    public static final long UPDATE_EXIST = 2;
    /** Flag for lookup and update: use the value's {@code struct bpf_spin_lock}. */
    public static final long F_LOCK = 4;

    /** {@code BPF_F_NO_PREALLOC}: allocate elements on update (hash maps; required by LPM tries). */
    public static final int F_NO_PREALLOC = 1;
    /** {@code BPF_F_NO_COMMON_LRU}: per-CPU LRU lists. */
    public static final int F_NO_COMMON_LRU = 1 << 1;
    /** {@code BPF_F_NUMA_NODE}: {@link MapSpec#numaNode(int)} is set. */
    public static final int F_NUMA_NODE = 1 << 2;
    /** {@code BPF_F_RDONLY}: user space may only read. */
    public static final int F_RDONLY = 1 << 3;
    /** {@code BPF_F_WRONLY}: user space may only write. */
    public static final int F_WRONLY = 1 << 4;
    /** {@code BPF_F_ZERO_SEED}: hash maps with a fixed seed (testing only). */
    public static final int F_ZERO_SEED = 1 << 6;
    /** {@code BPF_F_RDONLY_PROG}: programs may only read the map. */
    public static final int F_RDONLY_PROG = 1 << 7;
    /** {@code BPF_F_WRONLY_PROG}: programs may only write the map. */
    public static final int F_WRONLY_PROG = 1 << 8;
    /** {@code BPF_F_MMAPABLE}: the map's memory can be mmapped. */
    public static final int F_MMAPABLE = 1 << 10;
    /** {@code BPF_F_INNER_MAP}: an inner map whose max_entries may differ from its template's. */
    public static final int F_INNER_MAP = 1 << 12;
    /** {@code BPF_F_SEGV_ON_FAULT}: arena pages the program did not allocate fault in user space. */
    public static final int F_SEGV_ON_FAULT = 1 << 17;
    /** {@code BPF_F_NO_USER_CONV}: arena pointers stay 32-bit offsets. */
    public static final int F_NO_USER_CONV = 1 << 18;
    /** {@code BPF_F_RB_OVERWRITE}: a full ring buffer overwrites its oldest records (newer kernels). */
    public static final int F_RB_OVERWRITE = 1 << 19;

    // Element and batch operation codes, as in jni/map.c.
    private static final int OP_LOOKUP = 0;
    private static final int OP_UPDATE = 1;
    private static final int OP_DELETE = 2;
    private static final int OP_LOOKUP_AND_DELETE = 3;
    private static final int OP_GET_NEXT_KEY = 4;
    private static final int BATCH_LOOKUP = 0;
    private static final int BATCH_LOOKUP_AND_DELETE = 1;
    private static final int BATCH_UPDATE = 2;
    private static final int BATCH_DELETE = 3;

    private static final int POSSIBLE_CPUS_UNKNOWN = -1;
    private static volatile int possibleCpus = POSSIBLE_CPUS_UNKNOWN;

    private final BpfObject object; // keeps the object reachable while the map is; null on its own
    private final NativeOwner owner;
    private final Handle handle;
    private final long pointer; // libbpf's bpf_map, 0 on its own
    private final String name;
    private final long[] info = new long[13];
    private volatile MapType type;
    private volatile int typeId;
    private volatile int keySize;
    private volatile int valueSize;
    private volatile int maxEntries;
    private volatile int flags;
    private volatile int fd = -1;
    private volatile long mapExtra;
    private volatile int btfValueTypeId;

    private ByteBuffer mappedRoot;
    private BpfArena arena;
    private byte[] arenaInitialData;

    /** A map of an object, described by libbpf. */
    BpfMap(BpfObject object, NativeOwner owner, long pointer) {
        this.object = object;
        this.owner = owner;
        this.handle = owner.handle();
        this.pointer = pointer;
        this.name = Native.mapName(pointer);
        describe();
    }

    /** A map on its own, owning {@code fd}, described by the kernel. */
    private BpfMap(int fd, MapInfo info) {
        this.object = null;
        this.pointer = 0;
        this.name = info.name();
        this.owner = NativeOwner.ofFd(this, "BpfMap '" + name + "'", fd);
        this.handle = owner.handle();
        this.fd = fd;
        this.typeId = info.typeId();
        this.type = info.type();
        this.keySize = info.keySize();
        this.valueSize = info.valueSize();
        this.maxEntries = info.maxEntries();
        this.flags = info.flags();
        this.mapExtra = info.mapExtra();
    }

    // ---- maps on their own

    /**
     * Creates a map with {@code BPF_MAP_CREATE}, without any object file.
     *
     * @throws IllegalArgumentException naming the field of {@code spec} that cannot work
     * @throws BpfPermissionException without CAP_BPF (or root)
     * @throws BpfOutOfMemoryException when the kernel cannot give the memory, or the size is beyond its limits
     * @throws BpfInvalidArgumentException when this kernel rejects the spec
     */
    public static BpfMap create(MapSpec spec) {
        spec.validate();
        Native.ensureLoaded();
        BpfMap inner = spec.innerMap();
        int fd;
        if (inner != null) {
            inner.handle.acquire();
            try {
                fd = Native.mapCreate(spec.type().id(), spec.name(), spec.keySize(), spec.valueSize(),
                        spec.maxEntries(), spec.flags(), spec.mapExtra(), Math.max(spec.numaNode(), 0),
                        inner.liveFd(), spec.ifindex());
            } finally {
                inner.handle.release();
            }
        } else {
            fd = Native.mapCreate(spec.type().id(), spec.name(), spec.keySize(), spec.valueSize(),
                    spec.maxEntries(), spec.flags(), spec.mapExtra(), Math.max(spec.numaNode(), 0), 0,
                    spec.ifindex());
        }
        if (fd < 0) {
            throw Errors.mapException("bpf_map_create(" + spec.type() + ")", -fd, Errors.MAP_CREATE, spec.type(),
                    spec.describe());
        }
        return adopt(fd, "bpf_map_create", "the new map");
    }

    /**
     * Opens a map by its kernel-wide id (see {@link #info()}, {@code bpftool map list}).
     *
     * @throws BpfPermissionException without CAP_SYS_ADMIN, which the kernel requires for any open by id
     * @throws BpfException with ENOENT if no map has that id (any more)
     */
    public static BpfMap fromId(int id) {
        Native.ensureLoaded();
        int fd = Native.mapFdById(id);
        if (fd < 0) {
            throw Errors.of(Errors.Op.BY_ID, "bpf_map_get_fd_by_id(" + id + ")", -fd, null);
        }
        return adopt(fd, "BpfMap.fromId(" + id + ")", "map id " + id);
    }

    /**
     * Opens the map behind an fd this process got elsewhere (a socket's
     * SCM_RIGHTS, another library, {@link #fd()} of another handle). bpf4j
     * {@code dup}s it and owns only its copy: the caller keeps {@code fd},
     * must still close it, and may close it right away; {@link #close()}
     * closes just the copy.
     *
     * <p>An fd is only a number. One that is not open, or is not a BPF map
     * (standard input/output/error, a pipe, a socket, a file, a BPF program
     * or link), is refused naming what it is. What cannot be caught: a number
     * kept after its map was closed, which the kernel has since given to
     * another map, opens that other map. So never keep {@link #fd()} past the
     * handle's {@code close()} (it is borrowed, and {@code fd()} itself then
     * throws); to keep a map, keep the {@code BpfMap}, or reopen it by
     * {@link MapInfo#id()} or a pin.
     *
     * @throws BpfInvalidArgumentException if {@code fd} is not open (dup's EBADF)
     * @throws IllegalArgumentException if {@code fd} is negative or not a BPF map, saying what it is
     */
    public static BpfMap fromFd(int fd) {
        Native.ensureLoaded();
        String method = "BpfMap.fromFd(" + fd + ")";
        if (fd < 0) {
            throw new IllegalArgumentException(method + ": " + fd + " is not a file descriptor; pass the fd of a BPF"
                    + " map this process holds");
        }
        int copy = Native.dup(fd);
        if (copy < 0) {
            throw Errors.of(Errors.Op.FD_DUP, "dup(" + fd + ")", -copy,
                    fd <= 2 ? FdKind.streamName(fd) + ", closed" : null);
        }
        return adopt(copy, method, "fd " + fd + (fd <= 2 ? " (" + FdKind.streamName(fd) + ")" : ""));
    }

    /**
     * Wraps a fresh fd we own; closes it if it is not a map.
     *
     * @param subject where the fd came from, for the message if it is no map: "fd 7", "the pin"
     */
    static BpfMap adopt(int fd, String operation, String subject) {
        MapInfo info;
        try {
            FdKind.require(fd, FdKind.MAP, operation, subject);
            info = readInfo(fd, operation);
        } catch (RuntimeException e) {
            Native.close(fd);
            throw e;
        }
        return new BpfMap(fd, info);
    }

    private static MapInfo readInfo(int fd, String operation) {
        long[] f = new long[13];
        byte[] nameBytes = new byte[16];
        int err = Native.mapInfo(fd, f, nameBytes);
        if (err < 0) {
            throw Errors.of(Errors.Op.INFO, "bpf_map_get_info_by_fd(" + operation + ")", -err, null);
        }
        return new MapInfo(f, new String(nameBytes, 0, (int) f[12], StandardCharsets.UTF_8));
    }

    /** What the kernel says about this map now, including its id and BTF ids. */
    public MapInfo info() {
        handle.acquire();
        try {
            return readInfo(liveFd(), "map '" + name + "'");
        } finally {
            handle.release();
        }
    }

    /**
     * Pins the map at {@code path} in a BPF filesystem, so it outlives this
     * process and others can {@link Pins#openMap} it. Mounts bpffs at
     * /sys/fs/bpf if the path is there and none is mounted.
     *
     * @throws BpfException with EEXIST if something is pinned there already (never replaced);
     *     {@link BpfInvalidArgumentException} with the kernel's EPERM if the path is outside any BPF filesystem
     */
    public void pin(Path path) {
        handle.acquire();
        try {
            Pins.pin(liveFd(), "map '" + name + "'", path);
        } finally {
            handle.release();
        }
    }

    /**
     * Releases the map's fd if this map owns it (made by {@link #create},
     * {@link Pins#openMap}, {@link #fromId}, {@link #fromFd}); waits for calls in
     * flight on other threads and detaches {@link #mmap()} buffers. For a map of
     * a {@link BpfObject} it does nothing: the object owns it. Idempotent.
     */
    @Override
    public void close() {
        if (object != null) {
            return;
        }
        owner.close();
        forgetMapping();
    }

    /** Re-reads what load may change (fd, flags, sizes libbpf adjusts). Objects' maps only. */
    void describe() {
        synchronized (info) {
            Native.mapDescribe(pointer, info);
            typeId = (int) info[0];
            type = MapType.of(typeId);
            keySize = (int) info[1];
            valueSize = (int) info[2];
            maxEntries = (int) info[3];
            flags = (int) info[4];
            mapExtra = info[6];
            btfValueTypeId = (int) info[8];
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

    /** For an object's global-data map: the BTF data section it holds (0 otherwise). */
    int btfValueTypeId() {
        return btfValueTypeId;
    }

    /** The kernel's number for the type, also for types newer than {@link MapType}. */
    public int typeId() {
        handle.ensureOpen();
        return typeId;
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
     * The map's fd, borrowed: owned by this map or its object, valid until it
     * is closed, never to be closed by the caller. Once closed, the kernel
     * reuses the number for whatever opens next, so a number kept past
     * {@code close()} may name another map: this method throws
     * {@link IllegalStateException} after close, and {@link #fromFd} takes a
     * copy of an fd that is live at the time of the call.
     */
    public int fd() {
        return liveFd();
    }

    /** The object this map belongs to, or null for a map on its own. */
    public BpfObject object() {
        return object;
    }

    // ---- per-CPU values

    /** Possible CPUs: the number of value slots of a per-CPU map. */
    public static int possibleCpus() {
        int cpus = possibleCpus;
        if (cpus == POSSIBLE_CPUS_UNKNOWN) {
            Native.ensureLoaded();
            cpus = possibleCpus = Errors.check("libbpf_num_possible_cpus", Native.numPossibleCpus());
        }
        return cpus;
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
        long size = perCpuStride() * (long) possibleCpus();
        if (size > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException("per-CPU map '" + name + "' needs " + size
                    + " bytes per value, more than a Java array holds");
        }
        return (int) size;
    }

    /** Where CPU {@code cpu}'s slot starts in a per-CPU value buffer: cpu × round_up(value size, 8). */
    public int cpuSlotOffset(int cpu) {
        handle.ensureOpen();
        if (cpu < 0 || cpu >= possibleCpus()) {
            throw new IndexOutOfBoundsException("cpu " + cpu + " of " + possibleCpus() + " possible CPUs");
        }
        return cpu * perCpuStride();
    }

    private int perCpuStride() {
        return (valueSize + 7) & ~7;
    }

    /** Every CPU's value for {@code key} (index = CPU), or null if the key is absent. Per-CPU maps only. */
    public byte[][] lookupPerCpu(byte[] key) {
        requirePerCpu();
        byte[] all = lookup(key);
        if (all == null) {
            return null;
        }
        byte[][] values = new byte[possibleCpus()][];
        for (int cpu = 0; cpu < values.length; cpu++) {
            values[cpu] = new byte[valueSize];
            System.arraycopy(all, cpuSlotOffset(cpu), values[cpu], 0, valueSize);
        }
        return values;
    }

    /** Sets each CPU's value (index = CPU; one per possible CPU). Per-CPU maps only. */
    public void updatePerCpu(byte[] key, byte[][] perCpuValues, long mode) {
        requirePerCpu();
        if (perCpuValues.length != possibleCpus()) {
            throw new IllegalArgumentException(perCpuValues.length + " values for " + possibleCpus() + " possible CPUs");
        }
        byte[] all = new byte[valueBufferSize()];
        for (int cpu = 0; cpu < perCpuValues.length; cpu++) {
            if (perCpuValues[cpu].length != valueSize) {
                throw new IllegalArgumentException("value for cpu " + cpu + " has " + perCpuValues[cpu].length
                        + " bytes, needs " + valueSize);
            }
            System.arraycopy(perCpuValues[cpu], 0, all, cpuSlotOffset(cpu), valueSize);
        }
        update(key, all, mode);
    }

    /** Sets the same value on every CPU. Per-CPU maps only. */
    public void updateAllCpus(byte[] key, byte[] value, long mode) {
        requirePerCpu();
        byte[][] same = new byte[possibleCpus()][];
        for (int cpu = 0; cpu < same.length; cpu++) {
            same[cpu] = value;
        }
        updatePerCpu(key, same, mode);
    }

    private void requirePerCpu() {
        if (!type().isPerCpu()) {
            throw new UnsupportedOperationException("map '" + name + "' is " + type + ", not a per-CPU map");
        }
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

    /**
     * @param mode {@link #UPDATE_ANY}, {@link #UPDATE_NO_EXIST} or {@link #UPDATE_EXIST}, optionally | {@link #F_LOCK}
     * @throws BpfKeyExistsException with UPDATE_NO_EXIST when the key is present
     * @throws BpfMapFullException when a hash map has no room left
     */
    public void update(ByteBuffer key, ByteBuffer value, long mode) {
        updated(elem(OP_UPDATE, key, value, mode), "bpf_map_update_elem");
    }

    public void update(byte[] key, byte[] value) {
        update(key, value, UPDATE_ANY);
    }

    public void update(byte[] key, byte[] value, long mode) {
        updated(elem(OP_UPDATE, key, value, mode), "bpf_map_update_elem");
    }

    /** @return false if the key was absent */
    public boolean delete(ByteBuffer key) {
        return found(elem(OP_DELETE, key, null, 0), "bpf_map_delete_elem");
    }

    /** @return false if the key was absent */
    public boolean delete(byte[] key) {
        return found(elem(OP_DELETE, key, null, 0), "bpf_map_delete_elem");
    }

    /** Looks up and removes in one step (hash maps, queues, stacks). @return false if absent */
    public boolean lookupAndDelete(ByteBuffer key, ByteBuffer value) {
        return found(elem(OP_LOOKUP_AND_DELETE, key, value, 0), "bpf_map_lookup_and_delete_elem");
    }

    /** @return the value, or null if the key was absent */
    public byte[] lookupAndDelete(byte[] key) {
        byte[] value = new byte[valueBufferSize()];
        return found(elem(OP_LOOKUP_AND_DELETE, key, value, 0), "bpf_map_lookup_and_delete_elem") ? value : null;
    }

    /**
     * The key after {@code key} in the kernel's order, or the first key when
     * {@code key} is null or no longer in the map (that is how the kernel
     * answers: iteration restarts).
     *
     * @return false when {@code key} was the last
     */
    public boolean nextKey(ByteBuffer key, ByteBuffer next) {
        requireKeys("bpf_map_get_next_key");
        return found(elem(OP_GET_NEXT_KEY, key, next, 0), "bpf_map_get_next_key");
    }

    /** @return the next key, or null after the last */
    public byte[] nextKey(byte[] key) {
        requireKeys("bpf_map_get_next_key");
        byte[] next = new byte[keySize()];
        return found(elem(OP_GET_NEXT_KEY, key, next, 0), "bpf_map_get_next_key") ? next : null;
    }

    // ---- queues, stacks, bloom filters

    /** Queue/stack: adds a value; with {@link #UPDATE_EXIST} a full one drops its oldest. Bloom filter: adds. */
    public void push(ByteBuffer value, long mode) {
        updated(elem(OP_UPDATE, null, value, mode), "push");
    }

    public void push(byte[] value) {
        updated(elem(OP_UPDATE, null, value, UPDATE_ANY), "push");
    }

    /** Queue/stack: removes the next value into {@code value}. @return false when empty */
    public boolean pop(ByteBuffer value) {
        return found(elem(OP_LOOKUP_AND_DELETE, null, value, 0), "pop");
    }

    /** @return the next value, or null when empty */
    public byte[] pop() {
        byte[] value = new byte[valueSize()];
        return found(elem(OP_LOOKUP_AND_DELETE, null, value, 0), "pop") ? value : null;
    }

    /** Queue/stack: reads the next value without removing it. @return false when empty */
    public boolean peek(ByteBuffer value) {
        return found(elem(OP_LOOKUP, null, value, 0), "peek");
    }

    /** @return the next value, or null when empty */
    public byte[] peek() {
        byte[] value = new byte[valueSize()];
        return found(elem(OP_LOOKUP, null, value, 0), "peek") ? value : null;
    }

    /** Bloom filter: false means certainly never pushed; true means probably pushed. */
    public boolean contains(ByteBuffer value) {
        return found(elem(OP_LOOKUP, null, value, 0), "contains");
    }

    public boolean contains(byte[] value) {
        return found(elem(OP_LOOKUP, null, value, 0), "contains");
    }

    /**
     * One element operation. Key and value are each a byte[] or a ByteBuffer;
     * a map without keys (queue, stack, bloom filter) ignores the key. Returns
     * the native result: 0 or -errno.
     */
    private int elem(int op, Object key, Object value, long opFlags) {
        handle.acquire();
        try {
            int f = liveFd();
            int keyLength = keySize;
            int valueLength;
            if (op == OP_DELETE) {
                valueLength = 0;
            } else if (op == OP_GET_NEXT_KEY) {
                valueLength = keyLength;
            } else {
                valueLength = valueBufferSize();
            }
            if (keyLength == 0 && key != null && operandLength(key) != 0) {
                throw new IllegalArgumentException("key of map '" + name + "' has " + operandLength(key)
                        + " bytes, but " + type + " maps have no keys: pass null (or use push/pop/peek)");
            }
            // get_next_key starts from the first key when given none.
            Object k = keyLength == 0 || (op == OP_GET_NEXT_KEY && key == null) ? null : key;
            Object v = valueLength == 0 ? null : value;
            int keyOffset = k == null ? 0 : Buffers.offset(op == OP_GET_NEXT_KEY ? "current key" : "key", name, k,
                    keyLength, false);
            if (k == null) {
                if (keyLength != 0 && op != OP_GET_NEXT_KEY) {
                    throw new NullPointerException("key of map '" + name + "' is null");
                }
                keyLength = 0;
            }
            // A bloom filter's lookup reads the value it is asked about.
            boolean written = (op == OP_LOOKUP && type != MapType.BLOOM_FILTER) || op == OP_LOOKUP_AND_DELETE
                    || op == OP_GET_NEXT_KEY;
            int valueOffset = valueLength == 0 ? 0 : Buffers.offset(op == OP_GET_NEXT_KEY ? "next key" : "value",
                    name, v, valueLength, written, op == OP_GET_NEXT_KEY ? null : valueSizeNote());
            return Native.mapElem(op, f, Buffers.array(k), Buffers.direct(k), keyOffset, keyLength,
                    Buffers.array(v), Buffers.direct(v), valueOffset, valueLength, opFlags);
        } finally {
            handle.release();
        }
    }

    private static int operandLength(Object operand) {
        return operand instanceof byte[] ? ((byte[]) operand).length : ((ByteBuffer) operand).remaining();
    }

    /** For a per-CPU map, how its value buffer size is made up; computed once, as messages are built on failure only. */
    private String valueSizeNote() {
        String note = perCpuSizeNote;
        if (note == null && type.isPerCpu()) {
            note = perCpuSizeNote = type + " values are round_up(" + valueSize + ", 8) x " + possibleCpus()
                    + " possible CPUs = valueBufferSize(); lookupPerCpu/updatePerCpu slice them for you";
        }
        return note;
    }

    private volatile String perCpuSizeNote;

    // ---- batches

    /** Where a sequence of batch lookups is; reuse it (after {@link #reset()}) for the next pass. */
    public static final class BatchCursor {
        /** The map whose walk this is: its tokens mean nothing to another map. */
        private final BpfMap map;
        private final ByteBuffer tokens;
        private final int tokenSize;
        private final int[] status = new int[1];
        private boolean started;
        private boolean done;

        BatchCursor(BpfMap map, int keySize) {
            this.map = map;
            // htab's token is a u32 bucket index, the generic one a key.
            this.tokenSize = Math.max(keySize, 8);
            this.tokens = ByteBuffer.allocateDirect(2 * tokenSize);
        }

        /** True once a batch reached the end of the map. */
        public boolean done() {
            return done;
        }

        /** Starts over from the first element. */
        public void reset() {
            started = false;
            done = false;
        }
    }

    /** A cursor for {@link #lookupBatch} and {@link #lookupAndDeleteBatch}. */
    public BatchCursor batchCursor() {
        return new BatchCursor(this, keySize());
    }

    /**
     * Reads up to as many elements as fit in {@code keys} and {@code values}
     * (from their positions: {@link #keySize()} and {@link #valueBufferSize()}
     * bytes each) in one system call, continuing where {@code cursor} left off.
     *
     * @return how many elements were written (0 at the end; then {@code cursor.done()})
     * @throws BpfException with ENOSPC if the buffers cannot hold one hash bucket: offer more room
     */
    public int lookupBatch(BatchCursor cursor, ByteBuffer keys, ByteBuffer values) {
        return readBatch(BATCH_LOOKUP, cursor, keys, values, "bpf_map_lookup_batch");
    }

    /** As {@link #lookupBatch}, removing what it returns. */
    public int lookupAndDeleteBatch(BatchCursor cursor, ByteBuffer keys, ByteBuffer values) {
        return readBatch(BATCH_LOOKUP_AND_DELETE, cursor, keys, values, "bpf_map_lookup_and_delete_batch");
    }

    private int readBatch(int op, BatchCursor cursor, ByteBuffer keys, ByteBuffer values, String call) {
        handle.acquire();
        try {
            int f = liveFd();
            requireKeys(call);
            if (cursor.map != this) {
                throw new IllegalArgumentException(call + ": this cursor walks map '" + cursor.map.name
                        + "', not map '" + name + "' (its position means nothing here); use " + name
                        + ".batchCursor()");
            }
            if (cursor.done) {
                return 0;
            }
            int count = Math.min(keys.remaining() / keySize, values.remaining() / valueBufferSize());
            if (count <= 0) {
                throw new IllegalArgumentException("batch buffers of map '" + name + "' hold no element: keys need "
                        + keySize + " bytes each, values " + valueBufferSize());
            }
            int status = batch(op, f, cursor, keys, values, count, 0);
            if (status == -Errors.ENOENT) {
                cursor.done = true;
            } else if (status < 0) {
                throw Errors.mapException(op(call), -status, Errors.MAP_OTHER, type, describeMap());
            }
            cursor.started = true; // only now is the out token the next call's start
            return cursor.status[0];
        } finally {
            handle.release();
        }
    }

    /**
     * Writes {@code keys.remaining() / keySize()} elements in one system call.
     * Batches create or replace: the only flag they take is {@link #F_LOCK}.
     * {@code keys.remaining()} must be a multiple of {@link #keySize()} and
     * {@code values.remaining()} exactly that many times {@link #valueBufferSize()}
     * ({@link IllegalArgumentException} naming both sizes otherwise).
     *
     * @param elemFlags 0 or {@link #F_LOCK}
     * @return how many were written (all of them, unless an exception says otherwise)
     */
    public int updateBatch(ByteBuffer keys, ByteBuffer values, long elemFlags) {
        if ((elemFlags & ~F_LOCK) != 0) {
            throw new IllegalArgumentException("batch updates take only F_LOCK, not 0x" + Long.toHexString(elemFlags)
                    + ": they always create or replace");
        }
        if (values == null) {
            throw new NullPointerException("batch values of map '" + name + "' are null");
        }
        handle.acquire();
        try {
            int f = liveFd();
            requireKeys("bpf_map_update_batch");
            int count = batchCount(keys, "bpf_map_update_batch");
            if (count == 0) {
                return 0;
            }
            int status = batch(BATCH_UPDATE, f, null, keys, values, count, elemFlags);
            if (status < 0) {
                int done = BATCH_STATUS.get()[0];
                throw Errors.mapException(op("bpf_map_update_batch") + (done > 0 ? " after " + done + " of " + count
                        : ""), -status, Errors.MAP_UPDATE, type, describeMap());
            }
            return count;
        } finally {
            handle.release();
        }
    }

    /**
     * Deletes {@code keys.remaining() / keySize()} keys in one system call;
     * {@code keys.remaining()} must be a multiple of {@link #keySize()}.
     *
     * @return how many were deleted; fewer than given when a key was absent (the batch stops there)
     */
    public int deleteBatch(ByteBuffer keys) {
        handle.acquire();
        try {
            int f = liveFd();
            requireKeys("bpf_map_delete_batch");
            int count = batchCount(keys, "bpf_map_delete_batch");
            if (count == 0) {
                return 0;
            }
            int status = batch(BATCH_DELETE, f, null, keys, null, count, 0);
            if (status < 0 && status != -Errors.ENOENT) {
                throw Errors.mapException(op("bpf_map_delete_batch"), -status, Errors.MAP_OTHER, type, describeMap());
            }
            return BATCH_STATUS.get()[0];
        } finally {
            handle.release();
        }
    }

    /** Whole keys only: a trailing partial key would otherwise be dropped without a word. */
    private int batchCount(ByteBuffer keys, String call) {
        if (keys == null) {
            throw new NullPointerException(call + ": batch keys of map '" + name + "' are null");
        }
        int remaining = keys.remaining();
        if (remaining % keySize != 0) {
            throw new IllegalArgumentException(call + ": batch keys of map '" + name + "' have " + remaining
                    + " bytes remaining, not a multiple of the key size " + keySize);
        }
        return remaining / keySize;
    }

    private void requireKeys(String call) {
        handle.ensureOpen(); // a closed map says it is closed, whatever its type
        if (keySize == 0) {
            String instead = type == MapType.QUEUE || type == MapType.STACK ? "use push/pop/peek"
                    : type == MapType.BLOOM_FILTER ? "use push/contains"
                    : type == MapType.ARENA ? "use arena()" : "it is not an element map";
            throw new UnsupportedOperationException(call + ": map '" + name + "' is " + type
                    + ", which has no keys to iterate or look up; " + instead);
        }
    }

    /** Processed counts of update/delete batches, per thread so a batch allocates nothing. */
    private static final ThreadLocal<int[]> BATCH_STATUS = new ThreadLocal<int[]>() {
        @Override
        protected int[] initialValue() {
            return new int[1];
        }
    };

    private int batch(int op, int f, BatchCursor cursor, ByteBuffer keys, ByteBuffer values, int count, long elemFlags) {
        long valuesNeeded = values == null ? 0 : (long) count * valueBufferSize();
        if (valuesNeeded > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a batch of " + count + " values of map '" + name + "' needs "
                    + valuesNeeded + " bytes, more than one buffer holds: use smaller batches");
        }
        int keysLength = count * keySize;
        int valuesLength = (int) valuesNeeded;
        boolean read = op <= BATCH_LOOKUP_AND_DELETE;
        // Lookups fill room (more is fine); updates and deletes read exactly count elements.
        int keysOffset = read ? Buffers.atLeast("batch keys", name, keys, keysLength, true)
                : Buffers.offset("batch keys", name, keys, keysLength, false);
        int valuesOffset = values == null ? 0 : read ? Buffers.atLeast("batch values", name, values, valuesLength, true)
                : Buffers.offset("batch values", name, values, valuesLength, false,
                        count + " keys x " + valueBufferSize() + " bytes per value"
                                + (type.isPerCpu() ? "; " + valueSizeNote() : ""));
        if (cursor != null) {
            return Native.mapBatch(op, f, cursor.tokens, cursor.tokenSize, !cursor.started, Buffers.array(keys),
                    Buffers.direct(keys), keysOffset, keysLength, Buffers.array(values), Buffers.direct(values),
                    valuesOffset, valuesLength, count, elemFlags, cursor.status);
        }
        return Native.mapBatch(op, f, null, 0, true, Buffers.array(keys), Buffers.direct(keys), keysOffset,
                keysLength, Buffers.array(values), Buffers.direct(values), valuesOffset, valuesLength, count,
                elemFlags, BATCH_STATUS.get());
    }

    // ---- whole-map reads

    /**
     * The keys, in the kernel's order. Keys deleted meanwhile may be skipped;
     * when the current key is deleted the kernel restarts from the first one,
     * and keys already returned are not returned again.
     *
     * @throws UnsupportedOperationException for maps without keys (queue, stack, bloom filter, ...)
     */
    public Iterable<byte[]> keys() {
        handle.ensureOpen();
        requireKeys("keys");
        return new Iterable<byte[]>() {
            @Override
            public Iterator<byte[]> iterator() {
                return new KeyIterator();
            }
        };
    }

    private final class KeyIterator implements Iterator<byte[]> {
        private final Set<ByteBuffer> seen = new HashSet<ByteBuffer>();
        private byte[] previous;
        private byte[] next;
        private boolean end;

        @Override
        public boolean hasNext() {
            while (next == null && !end) {
                byte[] candidate = nextKey(previous);
                if (candidate == null) {
                    end = true;
                } else {
                    previous = candidate;
                    if (seen.add(ByteBuffer.wrap(candidate))) {
                        next = candidate;
                    } else if (seen.size() > 2L * maxEntries + 16) {
                        end = true; // the map keeps changing under us; stop rather than loop
                    }
                }
            }
            return next != null;
        }

        @Override
        public byte[] next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            byte[] k = next;
            next = null;
            return k;
        }
    }

    /**
     * Every element, read in batches of up to {@code 256} where the map
     * supports batch operations and key by key where it does not.
     */
    public List<Map.Entry<byte[], byte[]>> entries() {
        requireKeys("entries");
        List<Map.Entry<byte[], byte[]>> out = new ArrayList<Map.Entry<byte[], byte[]>>();
        int perBatch = 256;
        ByteBuffer keys = ByteBuffer.allocateDirect(perBatch * keySize());
        ByteBuffer values = ByteBuffer.allocateDirect(perBatch * valueBufferSize());
        BatchCursor cursor = batchCursor();
        try {
            while (!cursor.done()) {
                int n = lookupBatch(cursor, keys, values);
                for (int i = 0; i < n; i++) {
                    byte[] k = new byte[keySize];
                    byte[] v = new byte[valueBufferSize()];
                    keys.position(i * keySize);
                    keys.get(k);
                    values.position(i * v.length);
                    values.get(v);
                    out.add(new AbstractMap.SimpleImmutableEntry<byte[], byte[]>(k, v));
                }
                keys.clear();
                values.clear();
            }
            return out;
        } catch (BpfInvalidArgumentException | BpfNotSupportedException e) {
            if (cursor.started && !out.isEmpty()) {
                throw e;
            }
        }
        for (byte[] k : keys()) {
            byte[] v = lookup(k);
            if (v != null) {
                out.add(new AbstractMap.SimpleImmutableEntry<byte[], byte[]>(k, v));
            }
        }
        return out;
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
     * <p>After the map (or its object) is closed, the buffer no longer reaches
     * the kernel: it reads and writes private memory, never crashes.
     *
     * @throws UnsupportedOperationException if the map was not created with {@link #F_MMAPABLE}
     */
    public ByteBuffer mmap() {
        handle.acquire();
        try {
            liveFd();
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
        // An object map with a dot in its name is one libbpf made for a data section (C names have no dots).
        if (type == MapType.ARRAY && (flags & F_MMAPABLE) == 0 && pointer != 0 && name.indexOf('.') >= 0) {
            // libbpf's map_is_mmapable(): a data section is mmapped only if a variable in it is not static.
            throw new UnsupportedOperationException("global-data map '" + name + "' is not shared with user space:"
                    + " every variable in its section is static, and libbpf mmaps a data section (and lets bpf4j"
                    + " reach its variables) only when at least one of them is a non-static global; drop 'static'"
                    + " from the variable you want (or from one variable in the same section)");
        }
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
            m = Mapping.map(0, fd, length, true);
        } catch (BpfPermissionException e) {
            // Frozen maps (.rodata after load) and BPF_F_RDONLY ones only allow read-only mappings.
            m = Mapping.map(0, fd, length, false);
        }
        owner.adopt(m);
        try {
            mappedRoot = m.root(0, (int) capacity);
        } finally {
            m.release();
        }
    }

    // ---- arenas

    /**
     * The arena this map is ({@link MapType#ARENA}), mapped into this process:
     * the same object on every call. An object's arena is mapped when the
     * object loads; a map made by {@link #create} is mapped on the first call
     * — before loading programs that use it, so their JIT knows where user
     * space sees it.
     */
    public BpfArena arena() {
        handle.acquire();
        try {
            int f = liveFd();
            if (type != MapType.ARENA) {
                throw new UnsupportedOperationException("map '" + name + "' is " + type + ", not an ARENA");
            }
            synchronized (this) {
                if (arena == null) {
                    BpfArena a;
                    try {
                        a = BpfArena.map(this, handle, f, mapExtra, maxEntries, flags);
                    } catch (BpfException e) {
                        throw arenaMapFailed(e);
                    }
                    owner.adopt(a.mapping());
                    arena = a;
                }
                return arena;
            }
        } finally {
            handle.release();
        }
    }

    /**
     * The kernel fixes an arena's user-space address at its first mmap (or at
     * creation, by map_extra) and refuses any other address (EINVAL) or size
     * (EBUSY) after that, and it does not say which address it was.
     */
    private BpfException arenaMapFailed(BpfException e) {
        if (e.errno() == Errors.EEXIST && mapExtra != 0) {
            return new BpfException("mmap(arena '" + name + "')", e.errno(), e.errnoName(), "arena '" + name
                    + "' lives at 0x" + Long.toHexString(mapExtra) + " (its map_extra), which is already mapped in"
                    + " this process, most likely by another handle of the same arena",
                    "use the BpfArena of the handle that mapped it; an arena can be mapped once per process");
        }
        if (e.errno() != Errors.EINVAL && e.errno() != Errors.EBUSY) {
            return e;
        }
        return new BpfInvalidArgumentException("mmap(arena '" + name + "')", e.errno(), e.errnoName(), "arena '"
                + name + "' is already mapped by whoever created or first mapped it (at an address this handle cannot"
                + " learn: map_extra is " + (mapExtra == 0 ? "0" : "0x" + Long.toHexString(mapExtra)) + "), and the"
                + " kernel maps an arena at that one address only",
                "use the BpfArena of the handle that mapped it (obj.map(\"" + name + "\").arena() in the loading"
                        + " process); to share an arena between processes, create it with MapSpec.mapExtra(address)"
                        + " so every process maps it at that address");
    }

    /**
     * An object's arena, before load: bpf4j creates and maps it and libbpf
     * reuses it, so bpf4j owns the mapping (libbpf unmaps its own at close,
     * under any buffer still pointing into it) and the arena is mapped before
     * the programs are JITed. Called by load() with the handle held.
     */
    synchronized void prepareArena() {
        arenaInitialData = Native.mapInitialValue(pointer);
        if ((flags & F_SEGV_ON_FAULT) != 0 && arenaInitialData.length > 0) {
            // finishArena could only fail (EFAULT), and only after the programs were loaded: refuse it now.
            int bytes = arenaInitialData.length;
            arenaInitialData = null;
            throw new BpfInvalidArgumentException("bpf_object__load(arena '" + name + "')", Errors.EINVAL, "EINVAL",
                    "the object has " + bytes + " bytes of __arena globals in arena '" + name + "', which has"
                            + " BPF_F_SEGV_ON_FAULT: such globals need a page the program allocates, yet their"
                            + " initial values are written from user space before any program runs; nothing was"
                            + " loaded",
                    "drop BPF_F_SEGV_ON_FAULT from the arena, or move the variables to .bss/.data, or keep them in"
                            + " memory the program allocates with bpf_arena_alloc_pages");
        }
        int f = Native.mapCreate(MapType.ARENA.id(), name, 0, 0, maxEntries, flags, mapExtra, 0, 0, 0);
        if (f < 0) {
            throw Errors.mapException("bpf_map_create(ARENA)", -f, Errors.MAP_CREATE, MapType.ARENA, describeMap());
        }
        try {
            BpfArena a = BpfArena.map(this, handle, f, mapExtra, maxEntries, flags);
            owner.adopt(a.mapping());
            int err = Native.mapReuseFd(pointer, f);
            if (err < 0) {
                throw Errors.exception("bpf_map__reuse_fd(map '" + name + "')", -err, null);
            }
            arena = a;
        } finally {
            Native.close(f); // libbpf holds its own duplicate; the mapping holds the map
        }
    }

    /**
     * After load: the __arena globals' initial values go where libbpf
     * relocated the programs to find them: the arena's last pages on kernels
     * that allow such offsets, else its start (libbpf decides the same way).
     */
    synchronized void finishArena() {
        byte[] data = arenaInitialData;
        arenaInitialData = null;
        if (arena == null || data == null || data.length == 0) {
            return;
        }
        long at = arenaGlobalsBase(data.length);
        if (arena.segvOnFault()) {
            arena.region().writeChecked(at, data, 0, data.length);
        } else {
            arena.region().put(at, data);
        }
    }

    /**
     * The map of {@code maps} (an object's) that libbpf made for data section
     * {@code section}; see {@link BpfObject#dataMap(String)}.
     */
    static BpfMap dataMap(String objectName, long objectPointer, Iterable<BpfMap> maps, String section) {
        if (section == null) {
            throw new NullPointerException("section is null");
        }
        if (!section.startsWith(".")) {
            throw new IllegalArgumentException("'" + section + "' is not a section name: data sections start with"
                    + " a dot (.bss, .data, .rodata, .data.<name>, .rodata.<name>, .kconfig)");
        }
        long found = Native.mapFindBySection(objectPointer, section);
        StringBuilder have = new StringBuilder();
        for (BpfMap m : maps) {
            if (found != 0 && m.pointer == found) {
                return m;
            }
            if (m.name.indexOf('.') >= 0) {
                have.append(have.length() == 0 ? "" : ", ").append(m.name);
            }
        }
        throw new java.util.NoSuchElementException("BpfObject '" + objectName + "' has no data section " + section
                + " (its global-data maps: " + (have.length() == 0 ? "none" : have) + "; a section exists only if"
                + " a variable is in it)");
    }

    /** Before load: {@code bytes} into this object map's initial value at {@code offset}. */
    void setInitialBytes(long offset, byte[] bytes) {
        Errors.check("bpf_map__initial_value(map '" + name + "')", Native.mapSetInitialBytes(pointer, offset, bytes));
    }

    /** Where libbpf relocated an object's __arena globals ({@code bytes} of them) in this arena. */
    long arenaGlobalsBase(long bytes) {
        int atEnd = arenaGlobalsAtEnd;
        if (atEnd < 0) {
            atEnd = arenaGlobalsAtEnd = Errors.check("probe where libbpf places __arena globals",
                    Native.arenaGlobalsAtEnd());
        }
        long page = Native.pageSize();
        return atEnd == 1 ? (long) maxEntries * page - (bytes + page - 1) / page * page : 0;
    }

    private static volatile int arenaGlobalsAtEnd = -1;

    /** After close: drop the cached root so the detached range is unmapped once no view is left. */
    synchronized void forgetMapping() {
        mappedRoot = null;
        arena = null;
    }

    // ----

    private void updated(int ret, String call) {
        if (ret < 0) {
            throw Errors.mapException(op(call), -ret, Errors.MAP_UPDATE, type, describeMap());
        }
    }

    private boolean found(int ret, String call) {
        if (ret == 0) {
            return true;
        }
        if (ret == -Errors.ENOENT) {
            return false;
        }
        throw Errors.mapException(op(call), -ret, Errors.MAP_OTHER, type, describeMap());
    }

    private String op(String call) {
        return call + "(map '" + name + "', " + type + ")";
    }

    private String describeMap() {
        return type + " '" + name + "' (key " + keySize + ", value " + valueSize + ", max_entries " + maxEntries + ")";
    }

    /** The fd, for a call holding the handle; throws if closed or not loaded yet. */
    private int liveFd() {
        handle.ensureOpen();
        int f = fd;
        if (f < 0) {
            throw new IllegalStateException("map '" + name + "' of " + object
                    + " is not in the kernel yet: call load() first");
        }
        return f;
    }

    @Override
    public String toString() {
        return "BpfMap[" + name + ", " + type + ", key " + keySize + ", value " + valueSize + ", max_entries "
                + maxEntries + ", flags 0x" + Integer.toHexString(flags) + "]";
    }
}
