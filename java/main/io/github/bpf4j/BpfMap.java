/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.FdKind;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeLayout;
import io.github.bpf4j.internal.NativeOwner;
import io.github.bpf4j.internal.StreamAccess;
import io.github.bpf4j.ringbuf.UserRingBuffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A BPF map: of a {@link BpfObject}, or on its own ({@link #create},
 * {@link Pins#openMap}, {@link #fromId}, {@link #fromFd}).
 *
 * <p>Element operations take keys and values as a {@code ByteBuffer}
 * (allocation-free) or a {@code byte[]}, with every option overload in both
 * forms. A buffer operand is its {@code remaining()} bytes from its
 * position; no call moves its position or limit. Each key or value operand
 * is exactly one key or value: a {@code byte[]} of exactly
 * {@link #keySize()} / {@link #valueBufferSize()} bytes, or a buffer whose
 * {@code remaining()} is exactly that, for inputs and outputs alike.
 * Anything else is refused with an {@link IllegalArgumentException} naming
 * the operand and both sizes, before any system call. Batch lookups are the
 * exception: their buffers are room to fill, and may be larger.
 *
 * <p>A miss is an answer, not an exception: lookups, deletes, pops and peeks
 * return {@code false} or {@code null}, and an update with an
 * {@link UpdateMode} returns {@code false} when the mode's precondition
 * fails. Flags come by kind: {@link MapFlag} at creation,
 * {@link UpdateMode} and {@link ElementFlags} per element operation.
 *
 * <p>The implementations live in package-private helpers, one per concern:
 * {@code MapElements} (element, queue, stack and bloom filter operations),
 * {@code MapBatches}, {@code PerCpuLayout}, {@code MapIteration},
 * {@code MapMmap}, and {@link BpfArena} for arenas.
 *
 * <p>Ownership: a map of an object belongs to the object, and closing the
 * object closes it ({@link #close()} on such a map does nothing). A map on its
 * own owns its fd: {@link #close()} releases it, and a forgotten one is
 * released once unreachable. Either way, every call after the close throws
 * {@link IllegalStateException}.
 */
public final class BpfMap implements AutoCloseable {
    private final BpfObject object; // keeps the object reachable while the map is; null on its own
    private final NativeOwner owner;
    private final Handle handle;
    private final long pointer; // libbpf's bpf_map, 0 on its own
    private final String name;
    private final long[] info = new long[NativeLayout.MAP_DESCRIBE_LEN];
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
    private Object userRing;
    private io.github.bpf4j.ringbuf.RingBuffer ringBuffer;
    /** Weak: a forgotten perf buffer's Cleaner action holds this map, so a strong link back would keep it. */
    private java.lang.ref.WeakReference<Object> perfBuffer;

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
        this.flags = info.flagBits();
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
                        spec.maxEntries(), spec.flagBits(), spec.mapExtra(), Math.max(spec.numaNode(), 0),
                        inner.liveFd(), spec.ifindex());
            } finally {
                inner.handle.release();
            }
        } else {
            fd = Native.mapCreate(spec.type().id(), spec.name(), spec.keySize(), spec.valueSize(),
                    spec.maxEntries(), spec.flagBits(), spec.mapExtra(), Math.max(spec.numaNode(), 0), 0,
                    spec.ifindex());
        }
        if (fd < 0) {
            throw Errors.mapException(Errors.Op.MAP_CREATE, "bpf_map_create(" + spec.type() + ")", -fd, spec.type(),
                    spec.describe() + (spec.type() == MapType.RINGBUF ? MapRings.whyRejected(spec, -fd) : ""));
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

    static MapInfo readInfo(int fd, String operation) {
        long[] f = new long[NativeLayout.MAP_INFO_LEN];
        byte[] nameBytes = new byte[NativeLayout.MAP_INFO_NAME_BYTES];
        int err = Native.mapInfo(fd, f, nameBytes);
        if (err < 0) {
            throw Errors.of(Errors.Op.INFO, "bpf_map_get_info_by_fd(" + operation + ")", -err, null);
        }
        return new MapInfo(f, new String(nameBytes, 0, (int) f[NativeLayout.MAP_INFO_NAME_LEN], StandardCharsets.UTF_8));
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
            typeId = (int) info[NativeLayout.MAP_DESCRIBE_TYPE];
            type = MapType.of(typeId);
            keySize = (int) info[NativeLayout.MAP_DESCRIBE_KEY_SIZE];
            valueSize = (int) info[NativeLayout.MAP_DESCRIBE_VALUE_SIZE];
            maxEntries = (int) info[NativeLayout.MAP_DESCRIBE_MAX_ENTRIES];
            flags = (int) info[NativeLayout.MAP_DESCRIBE_FLAGS];
            mapExtra = info[NativeLayout.MAP_DESCRIBE_MAP_EXTRA];
            btfValueTypeId = (int) info[NativeLayout.MAP_DESCRIBE_BTF_VALUE_TYPE_ID];
            fd = (int) info[NativeLayout.MAP_DESCRIBE_FD];
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

    /**
     * The creation flags ({@code map_flags}) bpf4j knows; {@link #info()}'s
     * {@link MapInfo#flagBits()} also has bits newer than {@link MapFlag}.
     */
    public Set<MapFlag> flags() {
        handle.ensureOpen();
        return MapFlag.toSet(flags);
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

    // ---- struct_ops (SystemAttach)

    /**
     * Registers this {@code SEC(".struct_ops.link")} map with the kernel (bpf_map__attach_struct_ops): e.g.
     * a {@code tcp_congestion_ops} becomes a congestion control while the returned link is open. Close the
     * link to unregister; a forgotten link is closed once unreachable, and the registration ends with this
     * process unless the link is pinned. The link's {@link BpfLink#program()} is null (the map holds the
     * programs). A map declared in {@code SEC(".struct_ops")} (no {@code .link}) is registered at load by
     * libbpf and stays until the object is closed; this call refuses it.
     *
     * @throws UnsupportedOperationException if this is not a {@code SEC(".struct_ops.link")} map of a loaded
     *     object
     * @throws BpfException with EEXIST if a struct_ops of the same name is registered already
     */
    public BpfLink attachStructOps() {
        handle.acquire();
        try {
            return SystemAttach.structOps(this);
        } finally {
            handle.release();
        }
    }

    // ---- per-CPU values (PerCpuLayout)

    /** Possible CPUs: the number of value slots of a per-CPU map. */
    public static int possibleCpus() {
        return PerCpuLayout.possibleCpus();
    }

    /**
     * Bytes a value buffer needs: the value size, or for per-CPU maps one
     * slot of round_up(value size, 8) bytes per possible CPU.
     */
    public int valueBufferSize() {
        handle.ensureOpen();
        return PerCpuLayout.valueBufferSize(this);
    }

    /** Where CPU {@code cpu}'s slot starts in a per-CPU value buffer: cpu × round_up(value size, 8). */
    public int cpuSlotOffset(int cpu) {
        handle.ensureOpen();
        return PerCpuLayout.slotOffset(valueSize, cpu);
    }

    /** Every CPU's value for {@code key} (index = CPU), or null if the key is absent. Per-CPU maps only. */
    public byte[][] lookupPerCpu(byte[] key) {
        PerCpuLayout.require(this);
        byte[] all = lookup(key);
        return all == null ? null : PerCpuLayout.split(all, valueSize);
    }

    /** Sets each CPU's value (index = CPU; one per possible CPU), creating or replacing. Per-CPU maps only. */
    public void updatePerCpu(byte[] key, byte[][] perCpuValues) {
        updatePerCpu(key, perCpuValues, UpdateMode.ANY);
    }

    /**
     * Sets each CPU's value (index = CPU; one per possible CPU). Per-CPU maps only.
     *
     * @return false if {@code mode}'s precondition failed (nothing written), as {@link #update(byte[], byte[], UpdateMode)}
     */
    public boolean updatePerCpu(byte[] key, byte[][] perCpuValues, UpdateMode mode) {
        PerCpuLayout.require(this);
        return update(key, PerCpuLayout.join(perCpuValues, valueSize), mode);
    }

    /** Sets the same value on every CPU, creating or replacing. Per-CPU maps only. */
    public void updateAllCpus(byte[] key, byte[] value) {
        updateAllCpus(key, value, UpdateMode.ANY);
    }

    /** Sets the same value on every CPU. Per-CPU maps only. @return as {@link #updatePerCpu(byte[], byte[][], UpdateMode)} */
    public boolean updateAllCpus(byte[] key, byte[] value, UpdateMode mode) {
        PerCpuLayout.require(this);
        return update(key, PerCpuLayout.join(PerCpuLayout.same(value), valueSize), mode);
    }

    // ---- element operations (MapElements)

    /**
     * Copies the value for {@code key} into {@code value}.
     *
     * @return false if the key is absent (value untouched)
     */
    public boolean lookup(ByteBuffer key, ByteBuffer value) {
        return MapElements.lookup(this, key, value, ElementFlags.NONE);
    }

    /** As {@link #lookup(ByteBuffer, ByteBuffer)}, with {@link ElementFlags#LOCK} for a spin-locked value. */
    public boolean lookup(ByteBuffer key, ByteBuffer value, ElementFlags flags) {
        return MapElements.lookup(this, key, value, flags);
    }

    /** @return false if the key is absent (value untouched) */
    public boolean lookup(byte[] key, byte[] value) {
        return MapElements.lookup(this, key, value, ElementFlags.NONE);
    }

    /** As {@link #lookup(byte[], byte[])}, with {@link ElementFlags#LOCK} for a spin-locked value. */
    public boolean lookup(byte[] key, byte[] value, ElementFlags flags) {
        return MapElements.lookup(this, key, value, flags);
    }

    /** @return the value, or null if the key is absent */
    public byte[] lookup(byte[] key) {
        return MapElements.lookup(this, key, ElementFlags.NONE);
    }

    /** As {@link #lookup(byte[])}, with element flags. */
    public byte[] lookup(byte[] key, ElementFlags flags) {
        return MapElements.lookup(this, key, flags);
    }

    /**
     * Creates or replaces ({@link UpdateMode#ANY}).
     *
     * @throws BpfMapFullException when a hash map has no room left
     * @throws BpfInvalidArgumentException (E2BIG) when an array index is not below max_entries
     */
    public void update(ByteBuffer key, ByteBuffer value) {
        MapElements.update(this, key, value, UpdateMode.ANY, ElementFlags.NONE);
    }

    /**
     * Writes the value if {@code mode} allows.
     *
     * @return true if written; false, writing nothing, when the mode's precondition failed:
     *     {@link UpdateMode#NO_EXIST} and the key is present (always so for arrays), or
     *     {@link UpdateMode#EXIST} and the key is absent. Every other failure is an exception.
     * @throws BpfMapFullException when a hash map has no room left
     */
    public boolean update(ByteBuffer key, ByteBuffer value, UpdateMode mode) {
        return MapElements.update(this, key, value, mode, ElementFlags.NONE);
    }

    /** As {@link #update(ByteBuffer, ByteBuffer, UpdateMode)}, with {@link ElementFlags#LOCK} for a spin-locked value. */
    public boolean update(ByteBuffer key, ByteBuffer value, UpdateMode mode, ElementFlags flags) {
        return MapElements.update(this, key, value, mode, flags);
    }

    /** As {@link #update(ByteBuffer, ByteBuffer)}. */
    public void update(byte[] key, byte[] value) {
        MapElements.update(this, key, value, UpdateMode.ANY, ElementFlags.NONE);
    }

    /** As {@link #update(ByteBuffer, ByteBuffer, UpdateMode)}. */
    public boolean update(byte[] key, byte[] value, UpdateMode mode) {
        return MapElements.update(this, key, value, mode, ElementFlags.NONE);
    }

    /** As {@link #update(ByteBuffer, ByteBuffer, UpdateMode, ElementFlags)}. */
    public boolean update(byte[] key, byte[] value, UpdateMode mode, ElementFlags flags) {
        return MapElements.update(this, key, value, mode, flags);
    }

    /** @return false if the key was absent */
    public boolean delete(ByteBuffer key) {
        return MapElements.delete(this, key);
    }

    /** @return false if the key was absent */
    public boolean delete(byte[] key) {
        return MapElements.delete(this, key);
    }

    /** Looks up and removes in one step (hash maps). @return false if absent (value untouched) */
    public boolean lookupAndDelete(ByteBuffer key, ByteBuffer value) {
        return MapElements.lookupAndDelete(this, key, value, ElementFlags.NONE);
    }

    /**
     * As {@link #lookupAndDelete(ByteBuffer, ByteBuffer)}; {@link ElementFlags#LOCK} copies the value under its
     * {@code bpf_spin_lock} (hash maps whose value holds one).
     */
    public boolean lookupAndDelete(ByteBuffer key, ByteBuffer value, ElementFlags flags) {
        return MapElements.lookupAndDelete(this, key, value, flags);
    }

    /** As {@link #lookupAndDelete(ByteBuffer, ByteBuffer)}. */
    public boolean lookupAndDelete(byte[] key, byte[] value) {
        return MapElements.lookupAndDelete(this, key, value, ElementFlags.NONE);
    }

    /** As {@link #lookupAndDelete(ByteBuffer, ByteBuffer, ElementFlags)}. */
    public boolean lookupAndDelete(byte[] key, byte[] value, ElementFlags flags) {
        return MapElements.lookupAndDelete(this, key, value, flags);
    }

    /** @return the value, or null if the key was absent */
    public byte[] lookupAndDelete(byte[] key) {
        return MapElements.lookupAndDelete(this, key, ElementFlags.NONE);
    }

    /** As {@link #lookupAndDelete(byte[])}, with {@link ElementFlags#LOCK}. */
    public byte[] lookupAndDelete(byte[] key, ElementFlags flags) {
        return MapElements.lookupAndDelete(this, key, flags);
    }

    /**
     * The key after {@code key} in the kernel's order, or the first key when
     * {@code key} is null or no longer in the map (that is how the kernel
     * answers: iteration restarts).
     *
     * @return false when {@code key} was the last
     */
    public boolean nextKey(ByteBuffer key, ByteBuffer next) {
        return MapElements.nextKey(this, key, next);
    }

    /** As {@link #nextKey(ByteBuffer, ByteBuffer)}. */
    public boolean nextKey(byte[] key, byte[] next) {
        return MapElements.nextKey(this, key, next);
    }

    /** @return the next key, or null after the last */
    public byte[] nextKey(byte[] key) {
        return MapElements.nextKey(this, key);
    }

    // ---- queues, stacks, bloom filters (MapElements)

    /**
     * Queue/stack: adds a value. Bloom filter: adds it to the set.
     *
     * @throws BpfMapFullException when a queue or stack is full (push with {@link UpdateMode#EXIST} to drop the oldest)
     */
    public void push(ByteBuffer value) {
        MapElements.push(this, value, UpdateMode.ANY);
    }

    /**
     * As {@link #push(ByteBuffer)}; a queue or stack takes {@link UpdateMode#ANY}
     * or {@link UpdateMode#EXIST} (when full, drop the oldest value to make
     * room), a bloom filter only {@link UpdateMode#ANY}.
     */
    public void push(ByteBuffer value, UpdateMode mode) {
        MapElements.push(this, value, mode);
    }

    /** As {@link #push(ByteBuffer)}. */
    public void push(byte[] value) {
        MapElements.push(this, value, UpdateMode.ANY);
    }

    /** As {@link #push(ByteBuffer, UpdateMode)}. */
    public void push(byte[] value, UpdateMode mode) {
        MapElements.push(this, value, mode);
    }

    /** Queue/stack: removes the next value into {@code value}. @return false when empty */
    public boolean pop(ByteBuffer value) {
        return MapElements.pop(this, value);
    }

    /** As {@link #pop(ByteBuffer)}. */
    public boolean pop(byte[] value) {
        return MapElements.pop(this, value);
    }

    /** @return the next value, or null when empty */
    public byte[] pop() {
        return MapElements.pop(this);
    }

    /** Queue/stack: reads the next value without removing it. @return false when empty */
    public boolean peek(ByteBuffer value) {
        return MapElements.peek(this, value);
    }

    /** As {@link #peek(ByteBuffer)}. */
    public boolean peek(byte[] value) {
        return MapElements.peek(this, value);
    }

    /** @return the next value, or null when empty */
    public byte[] peek() {
        return MapElements.peek(this);
    }

    /** Bloom filter: false means certainly never pushed; true means probably pushed. */
    public boolean contains(ByteBuffer value) {
        return MapElements.contains(this, value);
    }

    /** As {@link #contains(ByteBuffer)}. */
    public boolean contains(byte[] value) {
        return MapElements.contains(this, value);
    }

    // ---- batches (MapBatches)

    /**
     * Where a walk of batch lookups is: made by {@link #batchCursor()}, good
     * for that map only (another map refuses it), reusable after
     * {@link #reset()}.
     */
    public static final class BatchCursor {
        /** The map whose walk this is: its tokens mean nothing to another map. */
        final BpfMap map;
        final ByteBuffer tokens;
        final int tokenSize;
        final int[] status = new int[1];
        boolean started;
        boolean done;

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

    /** A cursor for {@link #lookupBatch} and {@link #lookupAndDeleteBatch} on this map. */
    public BatchCursor batchCursor() {
        return new BatchCursor(this, keySize());
    }

    /**
     * Reads up to as many elements as fit in {@code keys} and {@code values}
     * ({@link #keySize()} and {@link #valueBufferSize()} bytes each, from the
     * buffers' positions, which stay where they are) in one system call,
     * continuing where {@code cursor} left off.
     *
     * @return how many elements were written, from the start of the room. Fewer than fit does not mean the
     *     end (a hash map's batch ends at a bucket boundary); {@code cursor.done()} does, and 0 is
     *     returned only then
     * @throws BpfException with ENOSPC if the buffers cannot hold one hash bucket: offer more room
     */
    public int lookupBatch(BatchCursor cursor, ByteBuffer keys, ByteBuffer values) {
        return MapBatches.read(this, MapBatches.LOOKUP, cursor, keys, values, ElementFlags.NONE);
    }

    /** As {@link #lookupBatch(BatchCursor, ByteBuffer, ByteBuffer)}, with {@link ElementFlags#LOCK}. */
    public int lookupBatch(BatchCursor cursor, ByteBuffer keys, ByteBuffer values, ElementFlags flags) {
        return MapBatches.read(this, MapBatches.LOOKUP, cursor, keys, values, flags);
    }

    /** As {@link #lookupBatch(BatchCursor, ByteBuffer, ByteBuffer)}, into arrays (from index 0). */
    public int lookupBatch(BatchCursor cursor, byte[] keys, byte[] values) {
        return MapBatches.read(this, MapBatches.LOOKUP, cursor, keys, values, ElementFlags.NONE);
    }

    /** As {@link #lookupBatch(BatchCursor, byte[], byte[])}, with {@link ElementFlags#LOCK}. */
    public int lookupBatch(BatchCursor cursor, byte[] keys, byte[] values, ElementFlags flags) {
        return MapBatches.read(this, MapBatches.LOOKUP, cursor, keys, values, flags);
    }

    /** As {@link #lookupBatch(BatchCursor, ByteBuffer, ByteBuffer)}, removing what it returns. */
    public int lookupAndDeleteBatch(BatchCursor cursor, ByteBuffer keys, ByteBuffer values) {
        return MapBatches.read(this, MapBatches.LOOKUP_AND_DELETE, cursor, keys, values, ElementFlags.NONE);
    }

    /** As {@link #lookupAndDeleteBatch(BatchCursor, ByteBuffer, ByteBuffer)}, with {@link ElementFlags#LOCK}. */
    public int lookupAndDeleteBatch(BatchCursor cursor, ByteBuffer keys, ByteBuffer values, ElementFlags flags) {
        return MapBatches.read(this, MapBatches.LOOKUP_AND_DELETE, cursor, keys, values, flags);
    }

    /** As {@link #lookupAndDeleteBatch(BatchCursor, ByteBuffer, ByteBuffer)}, into arrays (from index 0). */
    public int lookupAndDeleteBatch(BatchCursor cursor, byte[] keys, byte[] values) {
        return MapBatches.read(this, MapBatches.LOOKUP_AND_DELETE, cursor, keys, values, ElementFlags.NONE);
    }

    /** As {@link #lookupAndDeleteBatch(BatchCursor, byte[], byte[])}, with {@link ElementFlags#LOCK}. */
    public int lookupAndDeleteBatch(BatchCursor cursor, byte[] keys, byte[] values, ElementFlags flags) {
        return MapBatches.read(this, MapBatches.LOOKUP_AND_DELETE, cursor, keys, values, flags);
    }

    /**
     * Creates or replaces {@code keys.remaining() / keySize()} elements in one
     * system call (the kernel's batch update has no update modes).
     * {@code keys.remaining()} must be a multiple of {@link #keySize()} and
     * {@code values.remaining()} exactly that many times
     * {@link #valueBufferSize()}.
     *
     * @return how many were written: always all of them. The kernel stops at the first element it cannot
     *     write; the exception then says how many leading elements were written before it
     */
    public int updateBatch(ByteBuffer keys, ByteBuffer values) {
        return MapBatches.update(this, keys, values, ElementFlags.NONE);
    }

    /** As {@link #updateBatch(ByteBuffer, ByteBuffer)}, with {@link ElementFlags#LOCK}. */
    public int updateBatch(ByteBuffer keys, ByteBuffer values, ElementFlags flags) {
        return MapBatches.update(this, keys, values, flags);
    }

    /** As {@link #updateBatch(ByteBuffer, ByteBuffer)}, from whole arrays. */
    public int updateBatch(byte[] keys, byte[] values) {
        return MapBatches.update(this, keys, values, ElementFlags.NONE);
    }

    /** As {@link #updateBatch(byte[], byte[])}, with {@link ElementFlags#LOCK}. */
    public int updateBatch(byte[] keys, byte[] values, ElementFlags flags) {
        return MapBatches.update(this, keys, values, flags);
    }

    /**
     * Deletes {@code keys.remaining() / keySize()} keys in one system call;
     * {@code keys.remaining()} must be a multiple of {@link #keySize()}.
     *
     * @return how many leading keys were deleted. The kernel stops at the first absent key: a count {@code n}
     *     below the number given means key {@code n} was absent and keys after it were not looked at (call
     *     again with those to go on)
     */
    public int deleteBatch(ByteBuffer keys) {
        return MapBatches.delete(this, keys);
    }

    /** As {@link #deleteBatch(ByteBuffer)}, from a whole array. */
    public int deleteBatch(byte[] keys) {
        return MapBatches.delete(this, keys);
    }

    // ---- whole-map reads (MapIteration)

    /**
     * The keys, in the kernel's order. Keys deleted meanwhile may be skipped;
     * when the current key is deleted the kernel restarts from the first one,
     * and keys already returned are not returned again.
     *
     * @throws UnsupportedOperationException for maps without keys (queue, stack, bloom filter, ...)
     */
    public Iterable<byte[]> keys() {
        return MapIteration.keys(this);
    }

    /**
     * Every element, read in batches of up to {@code 256} where the map
     * supports batch operations and key by key where it does not.
     */
    public List<Map.Entry<byte[], byte[]>> entries() {
        return MapIteration.entries(this);
    }

    /**
     * Freezes the map ({@code BPF_MAP_FREEZE}): from now on user space can
     * no longer change it, through any handle (updates and deletes fail with
     * EPERM, {@link #mmap()} is read-only); programs still can, unless the
     * map has {@link MapFlag#RDONLY_PROG}. It cannot be undone.
     *
     * @throws BpfException with EBUSY if the map has a writable mapping ({@link #mmap()} of it)
     */
    public void freeze() {
        handle.acquire();
        try {
            int err = Native.mapFreeze(liveFd());
            if (err < 0) {
                throw Errors.mapException(Errors.Op.MAP_ELEM, op("bpf_map_freeze"), -err, type, describeMap());
            }
        } finally {
            handle.release();
        }
    }

    // ---- mmap (MapMmap)

    /**
     * A direct buffer, in native byte order, over the map's memory itself:
     * what the JVM writes, BPF programs see at once, and the reverse. Its
     * capacity is the whole value area ({@code max_entries} × value size
     * rounded up to 8). Every call returns a new view of the same mapping.
     *
     * <p>The buffer is read-only when the kernel lets user space only read
     * the map's memory: it has {@link MapFlag#RDONLY_PROG}, or it is frozen
     * ({@link #freeze()}; libbpf freezes a loaded object's {@code .rodata}).
     * bpf4j reads that from the map's state; a mapping the kernel then
     * refuses is an exception.
     *
     * <p>After the map (or its object) is closed, the buffer no longer reaches
     * the kernel: it reads and writes private memory, never crashes.
     *
     * @throws UnsupportedOperationException if the map is not an ARRAY with {@link MapFlag#MMAPABLE},
     *     or this handle's fd is not read-write (an {@link MapFlag#RDONLY} or {@link MapFlag#WRONLY} map),
     *     which the kernel never maps
     * @throws BpfPermissionException if the kernel refuses the mapping all the same (a seccomp or LSM policy)
     */
    public ByteBuffer mmap() {
        handle.acquire();
        try {
            int f = liveFd();
            synchronized (this) {
                if (mappedRoot == null) {
                    mappedRoot = MapMmap.map(this, f);
                }
                return mappedRoot.duplicate().order(ByteOrder.nativeOrder());
            }
        } finally {
            handle.release();
        }
    }

    /**
     * The Java producer of this {@link MapType#USER_RINGBUF} map: records
     * reserved, filled and submitted in the mapped ring, which a program reads
     * with {@code bpf_user_ringbuf_drain}. The same object on every call until
     * it is closed (one producer per ring); then a new one continues where the
     * ring stands.
     *
     * @throws UnsupportedOperationException if the map is not a USER_RINGBUF, or this handle's fd is not
     *     read-write
     */
    public UserRingBuffer userRingBuffer() {
        handle.acquire();
        try {
            int f = liveFd();
            if (type != MapType.USER_RINGBUF) {
                throw new UnsupportedOperationException("userRingBuffer: map '" + name + "' is a " + type
                        + "; only USER_RINGBUF maps have a user-space producer (a RINGBUF is read with ringBuffer())");
            }
            if (MapMmap.FdState.of(f).accessMode != 2) {
                throw new UnsupportedOperationException("userRingBuffer: this handle of map '" + name
                        + "' has no read-write fd, and the producer maps the ring shared and writable;"
                        + " open the map (or its pin) read-write");
            }
            synchronized (this) {
                StreamAccess.UserRingFactory opener = StreamAccess.userRing();
                if (userRing == null || !opener.isOpen(userRing)) {
                    userRing = opener.open(handle, owner, f, name, maxEntries);
                }
                return (UserRingBuffer) userRing;
            }
        } finally {
            handle.release();
        }
    }

    // ---- ring buffers (MapRings, io.github.bpf4j.ringbuf)

    /**
     * The consumer of this {@link MapType#RINGBUF} map: records read in place
     * over its mapped pages (see {@link io.github.bpf4j.ringbuf.RingBuffer}).
     * Returns the same object until it is closed, then a new one. Closing the
     * map (or its object) waits for a drain in progress and closes the ring
     * (mappings detached, its later calls throw {@link IllegalStateException}).
     *
     * @throws UnsupportedOperationException if the map is not a RINGBUF, has {@link MapFlag#RB_OVERWRITE},
     *     or this handle's fd is not read-write
     */
    public io.github.bpf4j.ringbuf.RingBuffer ringBuffer() {
        handle.acquire();
        try {
            int f = liveFd();
            synchronized (this) {
                if (ringBuffer == null || ringBuffer.isClosed()) {
                    ringBuffer = MapRings.open(this, f);
                }
                return ringBuffer;
            }
        } finally {
            handle.release();
        }
    }

    // ---- perf buffers (io.github.bpf4j.ringbuf.PerfBuffer)

    /**
     * A consumer of this {@link MapType#PERF_EVENT_ARRAY} map with the default
     * options: a ring of {@link io.github.bpf4j.ringbuf.PerfBufferOptions#DEFAULT_PAGES} pages on every
     * online CPU, stored in the map at key = CPU (see {@link io.github.bpf4j.ringbuf.PerfBuffer}).
     *
     * @throws UnsupportedOperationException if the map is not a PERF_EVENT_ARRAY
     * @throws IllegalStateException if a perf buffer of this map is open
     * @throws IllegalArgumentException if the map has no slot for an online CPU
     */
    public io.github.bpf4j.ringbuf.PerfBuffer perfBuffer() {
        return perfBuffer(new io.github.bpf4j.ringbuf.PerfBufferOptions());
    }

    /**
     * A consumer of this {@link MapType#PERF_EVENT_ARRAY} map: one perf ring
     * per CPU of {@code options}, stored in the map at key = CPU. One perf
     * buffer per map at a time (a second would replace the first one's
     * entries); closing the map (or its object) closes it.
     *
     * @throws UnsupportedOperationException if the map is not a PERF_EVENT_ARRAY
     * @throws IllegalStateException if a perf buffer of this map is open
     * @throws IllegalArgumentException if the map has no slot for one of the CPUs
     * @throws BpfException if the kernel refuses a perf event, its mapping or a map update
     */
    public io.github.bpf4j.ringbuf.PerfBuffer perfBuffer(io.github.bpf4j.ringbuf.PerfBufferOptions options) {
        if (options == null) {
            throw new NullPointerException("perfBuffer: options is null");
        }
        handle.acquire();
        try {
            liveFd();
            if (type != MapType.PERF_EVENT_ARRAY) {
                throw new UnsupportedOperationException("perfBuffer: map '" + name + "' is a " + type
                        + ", not a PERF_EVENT_ARRAY; a RINGBUF is read with ringBuffer(), other maps with lookup");
            }
            synchronized (this) {
                StreamAccess.PerfFactory opener = StreamAccess.perf();
                Object open = perfBuffer == null ? null : perfBuffer.get();
                if (open != null && opener.isOpen(open)) {
                    throw new IllegalStateException("perfBuffer: map '" + name + "' already has an open perf buffer,"
                            + " whose events are its entries; close it before opening another");
                }
                Object made = opener.open(this, handle, name, maxEntries, options);
                perfBuffer = new java.lang.ref.WeakReference<Object>(made);
                return (io.github.bpf4j.ringbuf.PerfBuffer) made;
            }
        } finally {
            handle.release();
        }
    }

    // ---- arenas (BpfArena)

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
            synchronized (this) {
                if (arena == null) {
                    arena = BpfArena.mapFor(this, f);
                }
                return arena;
            }
        } finally {
            handle.release();
        }
    }

    /** An object's arena, before load (see {@link BpfArena#prepare}). Called by load() with the handle held. */
    synchronized void prepareArena() {
        arena = BpfArena.prepare(this);
    }

    /** After load: the __arena globals' initial values into the arena (see {@link BpfArena#finish}). */
    synchronized void finishArena() {
        if (arena != null) {
            arena.finish(this);
        }
    }

    /** Where libbpf relocated an object's __arena globals ({@code bytes} of them) in this arena. */
    long arenaGlobalsBase(long bytes) {
        return BpfArena.globalsBase(maxEntries, bytes);
    }

    /** After close: drop the cached root so the detached range is unmapped once no view is left. */
    synchronized void forgetMapping() {
        mappedRoot = null;
        arena = null;
        if (ringBuffer != null) {
            ringBuffer.close(); // its epoll fd and eventfd: the map's close releases everything made from it
            ringBuffer = null;
        }
        Object perf = perfBuffer == null ? null : perfBuffer.get();
        if (perf != null) {
            StreamAccess.perf().close(perf); // its events, mappings and epoll set go with the map
            perfBuffer = null;
        }
    }

    // ---- object maps

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
        Errors.check(Errors.Op.OTHER, "bpf_map__initial_value(map '" + name + "')",
                Native.mapSetInitialBytes(pointer, offset, bytes));
    }

    // ---- for the helpers: state read while the caller holds the handle (no open check of their own)

    Handle handle() {
        return handle;
    }

    NativeOwner owner() {
        return owner;
    }

    /** libbpf's bpf_map, 0 for a map on its own. */
    long pointer() {
        return pointer;
    }

    MapType kind() {
        return type;
    }

    int keyBytes() {
        return keySize;
    }

    int valueBytes() {
        return valueSize;
    }

    int entryCount() {
        return maxEntries;
    }

    int flagBits() {
        return flags;
    }

    long extra() {
        return mapExtra;
    }

    /** For a per-CPU map, how its value buffer size is made up; cached, as every element call passes it. */
    String valueSizeNote() {
        String note = perCpuSizeNote;
        if (note == null && type.isPerCpu()) {
            note = perCpuSizeNote = PerCpuLayout.sizeNote(type, valueSize);
        }
        return note;
    }

    private volatile String perCpuSizeNote;

    /** {@code call(map 'name', TYPE)}, the operation of an exception. */
    String op(String call) {
        return call + "(map '" + name + "', " + type + ")";
    }

    String describeMap() {
        return type + " '" + name + "' (key " + keySize + ", value " + valueSize + ", max_entries " + maxEntries + ")";
    }

    /** Refuses maps without keys for calls that need them, saying what to use instead. */
    void requireKeys(String call) {
        handle.ensureOpen(); // a closed map says it is closed, whatever its type
        if (keySize == 0) {
            String instead = type == MapType.QUEUE || type == MapType.STACK ? "use push/pop/peek"
                    : type == MapType.BLOOM_FILTER ? "use push/contains"
                    : type == MapType.ARENA ? "use arena()" : "it is not an element map";
            throw new UnsupportedOperationException(call + ": map '" + name + "' is " + type
                    + ", which has no keys to iterate or look up; " + instead);
        }
    }

    /** As {@link #liveFd()} for a call whose acquire() has just checked the handle: no second open check. */
    int heldFd() {
        int f = fd;
        if (f < 0) {
            throw notLoaded();
        }
        return f;
    }

    private IllegalStateException notLoaded() {
        return new IllegalStateException("map '" + name + "' of " + object
                + " is not in the kernel yet: call load() first");
    }

    /** The fd, for a call holding the handle; throws if closed or not loaded yet. */
    int liveFd() {
        handle.ensureOpen();
        return heldFd();
    }

    @Override
    public String toString() {
        return "BpfMap[" + name + ", " + type + ", key " + keySize + ", value " + valueSize + ", max_entries "
                + maxEntries + ", flags " + MapFlag.toSet(flags) + "]";
    }
}
