/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link BpfMap} seen through {@link Codec}s: Java keys and values instead
 * of byte buffers, with the sizes checked once, when the view is made,
 * rather than on every call.
 *
 * <pre>{@code
 * TypedMap<String, Long> bytesByComm = TypedMap.of(obj.map("bytes_by_comm"), Codec.string(16), Codec.int64());
 * Long sent = bytesByComm.get("nginx");          // null if absent
 * }</pre>
 *
 * <p>A view holds no state of its own: it may be shared by threads, and
 * there may be any number of views of one map. Each call encodes into
 * direct buffers kept per thread, so it allocates only what the codecs
 * allocate (the decoded value; for boxed types, the box). For counters and
 * other int/long maps, {@link #primitive(BpfMap)} allocates nothing at all.
 *
 * <p>Keys and values must not be null: null is what {@link #get} returns
 * for an absent key. A view lives as long as its map: once the map's object
 * is closed, every call throws {@link IllegalStateException}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class TypedMap<K, V> {
    private final BpfMap map;
    private final Codec<K> keyCodec;
    private final Codec<V> valueCodec;
    private final int keySize;
    private final int valueSize;

    private TypedMap(BpfMap map, Codec<K> keyCodec, Codec<V> valueCodec) {
        this.map = map;
        this.keyCodec = keyCodec;
        this.valueCodec = valueCodec;
        this.keySize = keyCodec.size();
        this.valueSize = valueCodec.size();
    }

    /**
     * A view of a loaded map whose keys are {@code key.size()} bytes and whose
     * values are {@code value.size()} bytes ({@link BpfMap#valueBufferSize()}
     * for per-CPU maps, whose values {@link #perCpu} splits per CPU).
     *
     * @throws IllegalArgumentException naming both sizes if a codec does not fit the map
     * @throws IllegalStateException if the map is not loaded, or closed
     */
    public static <K, V> TypedMap<K, V> of(BpfMap map, Codec<K> key, Codec<V> value) {
        requireKeyed(map);
        if (key == null || value == null) {
            throw new NullPointerException("TypedMap.of needs a key codec and a value codec");
        }
        if (key.size() != map.keySize()) {
            throw new IllegalArgumentException("key codec " + key + " takes " + key.size() + " bytes, but " + describe(map)
                    + " has " + map.keySize() + "-byte keys");
        }
        int needed = map.valueBufferSize();
        if (value.size() != needed) {
            if (map.type().isPerCpu()) {
                throw new IllegalArgumentException(describe(map) + " is per-CPU: a value is " + needed + " bytes, one "
                        + stride(map) + "-byte slot for each of " + needed / stride(map) + " possible CPUs, but value codec "
                        + value + " takes " + value.size() + "; use TypedMap.perCpu(map, key, value) for a List with"
                        + " one element per CPU");
            }
            throw new IllegalArgumentException("value codec " + value + " takes " + value.size() + " bytes, but "
                    + describe(map) + " has " + needed + "-byte values");
        }
        return new TypedMap<K, V>(map, key, value);
    }

    /**
     * A view of a loaded per-CPU map (such as {@code PERCPU_ARRAY} or
     * {@code PERCPU_HASH}) whose values are lists with one element per
     * possible CPU, indexed by CPU number: the kernel reads and writes all
     * CPUs' slots at once, and their sum is usually what a program counted.
     * {@code put} takes a list of exactly that many elements.
     *
     * @param slot the codec of one CPU's value: {@code slot.size()} is the map's value size
     * @throws IllegalArgumentException if the map is not per-CPU or a codec does not fit it
     * @throws IllegalStateException if the map is not loaded, or closed
     */
    public static <K, V> TypedMap<K, List<V>> perCpu(BpfMap map, Codec<K> key, Codec<V> slot) {
        requireKeyed(map);
        if (slot == null) {
            throw new NullPointerException("TypedMap.perCpu needs a slot codec");
        }
        if (!map.type().isPerCpu()) {
            throw new IllegalArgumentException(describe(map) + " is not per-CPU; use TypedMap.of(map, key, value)");
        }
        if (slot.size() != map.valueSize()) {
            throw new IllegalArgumentException("slot codec " + slot + " takes " + slot.size() + " bytes, but "
                    + describe(map) + " has " + map.valueSize() + "-byte values per CPU");
        }
        int stride = stride(map);
        return of(map, key, new PerCpuCodec<V>(slot, stride, map.valueBufferSize() / stride));
    }

    /**
     * A view for maps with {@code int}/{@code long} keys and values that
     * allocates nothing per call, for hot paths such as polling counters.
     *
     * @throws IllegalArgumentException if the keys or values are not 4 or 8 bytes, or the map is per-CPU
     * @throws IllegalStateException if the map is not loaded, or closed
     */
    public static Primitive primitive(BpfMap map) {
        return new Primitive(map);
    }

    /** The map behind this view, for what the view does not offer. */
    public BpfMap map() {
        return map;
    }

    /** @return the value for {@code key}, or null if the map does not hold it */
    public V get(K key) {
        Scratch s = Scratch.acquire();
        try {
            ByteBuffer v = s.value(valueSize);
            if (!map.lookup(encodeKey(s, key), v)) {
                return null;
            }
            return valueCodec.decode(v);
        } finally {
            s.release();
        }
    }

    /**
     * Whether the map holds {@code key}. Array maps hold every index below
     * their {@code max_entries}, so for them this is a bounds check.
     */
    public boolean containsKey(K key) {
        Scratch s = Scratch.acquire();
        try {
            return map.lookup(encodeKey(s, key), s.value(valueSize));
        } finally {
            s.release();
        }
    }

    /**
     * Sets {@code key} to {@code value}, creating it if need be.
     *
     * @throws BpfException e.g. {@code E2BIG} when a hash map is full or an
     *     array index is out of range
     */
    public void put(K key, V value) {
        update(key, value, UpdateMode.ANY);
    }

    /**
     * Creates {@code key} only if the map does not hold it yet, atomically
     * against programs and other threads. Unlike
     * {@link java.util.Map#putIfAbsent}, it does not return the value
     * present, which could be stale by the time it was read. Array maps hold
     * every index, so on them this always returns false.
     *
     * @return true if the value was stored, false if the key was present
     */
    public boolean putIfAbsent(K key, V value) {
        return update(key, value, UpdateMode.NO_EXIST);
    }

    /**
     * Sets {@code key} to {@code value} only if the map holds the key,
     * atomically against programs and other threads.
     *
     * @return true if the value was replaced, false if the key was absent
     */
    public boolean replace(K key, V value) {
        return update(key, value, UpdateMode.EXIST);
    }

    /**
     * Deletes {@code key}.
     *
     * @return false if the map did not hold it
     * @throws BpfException {@code EINVAL} for array maps, whose elements cannot be deleted
     */
    public boolean remove(K key) {
        Scratch s = Scratch.acquire();
        try {
            return map.delete(encodeKey(s, key));
        } finally {
            s.release();
        }
    }

    private boolean update(K key, V value, UpdateMode mode) {
        if (value == null) {
            throw new NullPointerException("value is null; remove(key) deletes a key");
        }
        Scratch s = Scratch.acquire();
        try {
            ByteBuffer k = encodeKey(s, key);
            ByteBuffer v = s.value(valueSize);
            valueCodec.encode(value, v);
            encoded(valueCodec, v, valueSize);
            return map.update(k, v, mode);
        } finally {
            s.release();
        }
    }

    private ByteBuffer encodeKey(Scratch s, K key) {
        if (key == null) {
            throw new NullPointerException("key is null");
        }
        ByteBuffer k = s.key(keySize);
        keyCodec.encode(key, k);
        encoded(keyCodec, k, keySize);
        return k;
    }

    /** Checks a codec wrote its whole size, and rewinds the buffer for the map call. */
    private static void encoded(Codec<?> codec, ByteBuffer b, int size) {
        if (b.position() != size) {
            throw new IllegalStateException("codec " + codec + " wrote " + b.position() + " bytes, but its size() is "
                    + size);
        }
        b.flip();
    }

    private static void requireKeyed(BpfMap map) {
        map.fd(); // live: the sizes we check are the kernel's, not a spec's that load may still change
        if (map.keySize() == 0) {
            throw new IllegalArgumentException(describe(map) + " has no keys; a typed view needs a keyed map");
        }
    }

    private static String describe(BpfMap map) {
        return "map '" + map.name() + "' (" + map.type() + ")";
    }

    /** One CPU's slot in a per-CPU value. */
    private static int stride(BpfMap map) {
        return PerCpuLayout.stride(map.valueSize());
    }

    @Override
    public String toString() {
        return "TypedMap[" + map.name() + ", " + keyCodec + " -> " + valueCodec + "]";
    }

    /**
     * A view of a map with 4- or 8-byte keys and values as {@code int}s and
     * {@code long}s, allocating nothing per call: for a loop polling
     * counters, or a request path that must not create garbage.
     *
     * <p>The method names say the value type and the parameter the key type:
     * {@code getLong(int, long)} is for {@code __u32} keys and {@code __u64}
     * values, {@code getInt(long, int)} for {@code __u64} keys and
     * {@code __u32} values. A method that does not match the map's sizes
     * throws IllegalArgumentException naming the one that does. Values are
     * the raw bits: read a {@code __u32} with {@link Integer#toUnsignedLong}.
     *
     * <p>Like {@link TypedMap}, a view holds no state of its own and may be
     * shared by threads. There is deliberately no increment: a read and a
     * write from user space are two system calls, and a program may update
     * the element between them; count in the program instead.
     */
    public static final class Primitive {
        private final BpfMap map;
        private final int keySize;
        private final int valueSize;

        Primitive(BpfMap map) {
            requireKeyed(map);
            this.map = map;
            if (map.type().isPerCpu()) {
                throw new IllegalArgumentException(describe(map) + " is per-CPU: a value has one slot per possible CPU;"
                        + " use TypedMap.perCpu(map, key, slot codec)");
            }
            this.keySize = map.keySize();
            this.valueSize = map.valueBufferSize();
            if ((keySize != 4 && keySize != 8) || (valueSize != 4 && valueSize != 8)) {
                throw new IllegalArgumentException("a primitive view needs 4- or 8-byte keys and values, but "
                        + describe(map) + " has " + keySize + "-byte keys and " + valueSize
                        + "-byte values; use TypedMap.of(map, key codec, value codec)");
            }
        }

        /** The map behind this view. */
        public BpfMap map() {
            return map;
        }

        /** For {@code __u32} keys and {@code __u64} values: the value, or {@code absent} if the key is absent. */
        public long getLong(int key, long absent) {
            check(4, 8, "getLong(int, long)");
            Scratch s = Scratch.acquire();
            try {
                ByteBuffer v = s.value(8);
                return map.lookup(s.intKey(key), v) ? v.getLong(0) : absent;
            } finally {
                s.release();
            }
        }

        /** For {@code __u64} keys and {@code __u64} values: the value, or {@code absent} if the key is absent. */
        public long getLong(long key, long absent) {
            check(8, 8, "getLong(long, long)");
            Scratch s = Scratch.acquire();
            try {
                ByteBuffer v = s.value(8);
                return map.lookup(s.longKey(key), v) ? v.getLong(0) : absent;
            } finally {
                s.release();
            }
        }

        /** For {@code __u32} keys and {@code __u32} values: the value, or {@code absent} if the key is absent. */
        public int getInt(int key, int absent) {
            check(4, 4, "getInt(int, int)");
            Scratch s = Scratch.acquire();
            try {
                ByteBuffer v = s.value(4);
                return map.lookup(s.intKey(key), v) ? v.getInt(0) : absent;
            } finally {
                s.release();
            }
        }

        /** For {@code __u64} keys and {@code __u32} values: the value, or {@code absent} if the key is absent. */
        public int getInt(long key, int absent) {
            check(8, 4, "getInt(long, int)");
            Scratch s = Scratch.acquire();
            try {
                ByteBuffer v = s.value(4);
                return map.lookup(s.longKey(key), v) ? v.getInt(0) : absent;
            } finally {
                s.release();
            }
        }

        /** For {@code __u32} keys and {@code __u64} values: sets the key, creating it if need be. */
        public void putLong(int key, long value) {
            check(4, 8, "putLong(int, long)");
            Scratch s = Scratch.acquire();
            try {
                map.update(s.intKey(key), s.longValue(value));
            } finally {
                s.release();
            }
        }

        /** For {@code __u64} keys and {@code __u64} values: sets the key, creating it if need be. */
        public void putLong(long key, long value) {
            check(8, 8, "putLong(long, long)");
            Scratch s = Scratch.acquire();
            try {
                map.update(s.longKey(key), s.longValue(value));
            } finally {
                s.release();
            }
        }

        /** For {@code __u32} keys and {@code __u32} values: sets the key, creating it if need be. */
        public void putInt(int key, int value) {
            check(4, 4, "putInt(int, int)");
            Scratch s = Scratch.acquire();
            try {
                map.update(s.intKey(key), s.intValue(value));
            } finally {
                s.release();
            }
        }

        /** For {@code __u64} keys and {@code __u32} values: sets the key, creating it if need be. */
        public void putInt(long key, int value) {
            check(8, 4, "putInt(long, int)");
            Scratch s = Scratch.acquire();
            try {
                map.update(s.longKey(key), s.intValue(value));
            } finally {
                s.release();
            }
        }

        /**
         * For 4-byte keys: deletes the key.
         *
         * @return false if the map did not hold it
         * @throws BpfException {@code EINVAL} for array maps, whose elements cannot be deleted
         */
        public boolean remove(int key) {
            checkKey(4, "remove(int)");
            Scratch s = Scratch.acquire();
            try {
                return map.delete(s.intKey(key));
            } finally {
                s.release();
            }
        }

        /**
         * For 8-byte keys: deletes the key.
         *
         * @return false if the map did not hold it
         * @throws BpfException {@code EINVAL} for array maps, whose elements cannot be deleted
         */
        public boolean remove(long key) {
            checkKey(8, "remove(long)");
            Scratch s = Scratch.acquire();
            try {
                return map.delete(s.longKey(key));
            } finally {
                s.release();
            }
        }

        private void check(int keyBytes, int valueBytes, String method) {
            if (keySize != keyBytes || valueSize != valueBytes) {
                throw mismatch(keyBytes, valueBytes, method);
            }
        }

        private void checkKey(int keyBytes, String method) {
            if (keySize != keyBytes) {
                throw new IllegalArgumentException(method + " is for " + keyBytes + "-byte keys, but " + describe(map)
                        + " has " + keySize + "-byte keys; use remove(" + (keySize == 4 ? "int" : "long") + ")");
            }
        }

        private IllegalArgumentException mismatch(int keyBytes, int valueBytes, String method) {
            String key = keySize == 4 ? "int" : "long";
            String value = valueSize == 4 ? "int" : "long";
            String fits = method.substring(0, 3) + (valueSize == 4 ? "Int(" : "Long(") + key + ", " + value + ")";
            return new IllegalArgumentException(method + " is for " + keyBytes + "-byte keys and " + valueBytes
                    + "-byte values, but " + describe(map) + " has " + keySize + "-byte keys and " + valueSize
                    + "-byte values; use " + fits);
        }

        @Override
        public String toString() {
            return "TypedMap.Primitive[" + map.name() + ", key " + keySize + ", value " + valueSize + "]";
        }
    }

    /**
     * The key and value buffers of one thread's map call: direct (the kernel
     * copies from and to them without pinning a Java array), in native byte
     * order, and only ever grown, so a warmed-up thread allocates nothing. A
     * codec that calls into a map while its own call holds the thread's
     * buffers gets fresh ones instead of overwriting them.
     */
    private static final class Scratch {
        private static final int MIN_CAPACITY = 64;
        private static final ThreadLocal<Scratch> CURRENT = new ThreadLocal<Scratch>() {
            @Override
            protected Scratch initialValue() {
                return new Scratch();
            }
        };

        private ByteBuffer key = allocate(MIN_CAPACITY);
        private ByteBuffer value = allocate(MIN_CAPACITY);
        private boolean busy;

        static Scratch acquire() {
            Scratch s = CURRENT.get();
            if (s.busy) {
                return new Scratch();
            }
            s.busy = true;
            return s;
        }

        void release() {
            busy = false;
        }

        /** The key buffer: position 0, limit {@code size}. */
        ByteBuffer key(int size) {
            if (key.capacity() < size) {
                key = allocate(size);
            }
            return ready(key, size);
        }

        /** The value buffer: position 0, limit {@code size}. */
        ByteBuffer value(int size) {
            if (value.capacity() < size) {
                value = allocate(size);
            }
            return ready(value, size);
        }

        ByteBuffer intKey(int k) {
            return key(4).putInt(0, k);
        }

        ByteBuffer longKey(long k) {
            return key(8).putLong(0, k);
        }

        ByteBuffer intValue(int v) {
            return value(4).putInt(0, v);
        }

        ByteBuffer longValue(long v) {
            return value(8).putLong(0, v);
        }

        private static ByteBuffer ready(ByteBuffer b, int size) {
            b.clear();
            b.limit(size);
            return b;
        }

        private static ByteBuffer allocate(int size) {
            return ByteBuffer.allocateDirect(Math.max(MIN_CAPACITY, size)).order(ByteOrder.nativeOrder());
        }
    }

    /** A per-CPU value as a list: one slot codec per CPU, each slot padded to 8 bytes. */
    private static final class PerCpuCodec<V> implements Codec<List<V>> {
        private final Codec<V> slot;
        private final int stride;
        private final int cpus;

        PerCpuCodec(Codec<V> slot, int stride, int cpus) {
            this.slot = slot;
            this.stride = stride;
            this.cpus = cpus;
        }

        @Override
        public int size() {
            return stride * cpus;
        }

        @Override
        public void encode(List<V> value, ByteBuffer dst) {
            if (value.size() != cpus) {
                throw new IllegalArgumentException("a per-CPU value is a list of one element per possible CPU ("
                        + cpus + "), not " + value.size());
            }
            int start = dst.position();
            if (dst.remaining() < size()) {
                throw new BufferOverflowException();
            }
            for (int cpu = 0; cpu < cpus; cpu++) {
                V v = value.get(cpu);
                if (v == null) {
                    throw new NullPointerException("the per-CPU value for CPU " + cpu + " is null");
                }
                int at = start + cpu * stride;
                dst.position(at);
                slot.encode(v, dst);
                for (int i = dst.position(); i < at + stride; i++) {
                    dst.put(i, (byte) 0);
                }
            }
            dst.position(start + size());
        }

        @Override
        public List<V> decode(ByteBuffer src) {
            int start = src.position();
            if (src.remaining() < size()) {
                throw new BufferUnderflowException();
            }
            List<V> value = new ArrayList<V>(cpus);
            for (int cpu = 0; cpu < cpus; cpu++) {
                src.position(start + cpu * stride);
                value.add(slot.decode(src));
            }
            src.position(start + size());
            return value;
        }

        @Override
        public String toString() {
            return "per-CPU " + slot + " x " + cpus;
        }
    }
}
