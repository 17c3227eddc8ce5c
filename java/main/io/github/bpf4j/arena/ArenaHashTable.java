/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.arena;

import io.github.bpf4j.ArenaRegion;
import io.github.bpf4j.internal.BulkCopy;
import io.github.bpf4j.internal.Fences;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The Java twin of a BHT1 hash table ({@code bpf4j/arena_htab.h}): fixed-size
 * keys and values in open addressing over a BPF arena, read and written in
 * place, so that a table the JVM fills is searched by a BPF program (the
 * XDP key/value accelerator {@code arena_kv.bpf.c}, arena use case 1) and a
 * table a program built is read by the JVM (use case 2).
 *
 * <pre>
 * header (32 bytes)                         slot i at 32 + i * slot_size
 *   0  u32 magic      'B' 'H' 'T' '1'          0                     u32 state  0 empty, 1 used, 2 deleted
 *   4  u32 capacity   power of two, 2..2^20    4                     u32 hash   FNV-1a of the key
 *   8  u32 key_size                            8                     key, zero padded to round8(key_size)
 *  12  u32 value_size                          8 + round8(key_size)  value, zero padded to round8(value_size)
 *  16  u32 count      used slots
 *  20  u32 slot_size  8 + round8(key_size) + round8(value_size)
 *  24  u64 reserved
 * </pre>
 *
 * <p>All in native byte order. A key's home slot is {@code fnv1a(key) & (capacity - 1)}; it lives in one of
 * the {@code min(64, capacity)} slots from there on (linear probing); a
 * lookup stops at the first empty slot and skips deleted ones. An insert
 * writes key, value and hash before it sets the slot's state, so a reader
 * (this class or a program) never sees a half-written entry; the table
 * holds at most {@code capacity - 1} entries.
 *
 * <pre>{@code
 * ArenaRegion r = obj.map("kv_arena").arena().region();
 * ArenaHashTable t = ArenaHashTable.init(r, 4096, 1024, 16, 64);
 * t.put("alpha", "one");                           // ASCII, NUL padded to 16 and 64 bytes
 * bss.putLong(tablePtrOffset, r.pointerAt(4096));  // tell the program where it is
 * }</pre>
 *
 * <p>Concurrency, as in C: one writer at a time (a program or the JVM);
 * readers may run concurrently with it. Updating an existing value in place
 * is not atomic: a concurrent reader may see part old, part new bytes. The
 * state of a slot is published with an atomic operation (a full barrier)
 * and read back with one before its key is trusted. Instances cache only the
 * header's fixed fields and may be shared between threads.
 *
 * <p>In an arena with {@code BPF_F_SEGV_ON_FAULT} every access goes through
 * the kernel ({@link ArenaRegion#readChecked}, {@link ArenaRegion#writeChecked}):
 * slower (a system call per access), but a page the program has not
 * allocated is a {@link io.github.bpf4j.BpfException} (EFAULT), never a crash.
 */
public final class ArenaHashTable implements Iterable<Map.Entry<byte[], byte[]>> {
    /** Bytes before the first slot. */
    public static final int HEADER_SIZE = 32;
    /** A key lives within this many slots of its home slot (or capacity, if smaller): part of the format. */
    public static final int MAX_PROBE = 64;
    /** The largest capacity. */
    public static final int MAX_CAPACITY = 1 << 20;
    /** {@code "BHT1"} as a native-order {@code u32}. */
    public static final int MAGIC = ByteBuffer.wrap("BHT1".getBytes(StandardCharsets.US_ASCII))
            .order(ByteOrder.nativeOrder()).getInt(0);

    static final int EMPTY = 0;
    static final int USED = 1;
    static final int DELETED = 2;
    private static final int FNV_OFFSET = 0x811c9dc5; // 2166136261
    private static final int FNV_PRIME = 16777619;
    private static final boolean LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private static final int H_MAGIC = 0;
    private static final int H_CAPACITY = 4;
    private static final int H_KEY_SIZE = 8;
    private static final int H_VALUE_SIZE = 12;
    private static final int H_COUNT = 16;
    private static final int H_SLOT_SIZE = 20;
    private static final int H_RESERVED = 24;

    /**
     * Thrown by {@link #put} when the key is new and there is no room for it:
     * no empty or deleted slot within the probe bound of its home slot, or the
     * table already holds {@code capacity - 1} entries. Rebuild the table with
     * a larger capacity.
     */
    public static final class TableFullException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        TableFullException(String message) {
            super(message);
        }
    }

    private final ArenaRegion region;
    private final long offset;
    private final int capacity;
    private final int keySize;
    private final int valueSize;
    private final int slotSize;
    private final int keyWords;
    private final int maxProbe;
    private final boolean checked;
    /** The table's bytes as one native-order buffer, or null (checked arena, no fences, or past 2 GiB). */
    private final ByteBuffer view;

    private ArenaHashTable(ArenaRegion region, long offset, int capacity, int keySize, int valueSize) {
        this.region = region;
        this.offset = offset;
        this.capacity = capacity;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.slotSize = slotSize(keySize, valueSize);
        this.keyWords = round8(keySize) / 8;
        this.maxProbe = Math.min(MAX_PROBE, capacity);
        this.checked = region.arena().segvOnFault();
        long bytes = bytesNeeded(capacity, keySize, valueSize);
        // One buffer over the whole table for the lookup fast path: plain access only, and int offsets.
        this.view = checked || !Fences.available() || bytes > Integer.MAX_VALUE ? null
                : region.slice(offset, (int) bytes);
    }

    /**
     * The bytes a table takes: {@code 32 + capacity * (8 + round8(keySize) + round8(valueSize))}.
     *
     * @throws IllegalArgumentException if capacity is not a power of two in 2 .. 2^20 or a size is below 1
     */
    public static long bytesNeeded(int capacity, int keySize, int valueSize) {
        checkFormat(capacity, keySize, valueSize);
        return HEADER_SIZE + (long) capacity * slotSize(keySize, valueSize);
    }

    /**
     * Writes an empty table at {@code offset}: clears the magic (so nobody
     * uses a table that was there), zeroes every slot, writes the header and
     * sets the magic last.
     *
     * @param offset 8-byte aligned; the table's {@link #bytesNeeded} bytes must fit in the arena
     * @throws IllegalArgumentException for a bad capacity (a power of two, 2 .. 2^20), size or place
     */
    public static ArenaHashTable init(ArenaRegion region, long offset, int capacity, int keySize, int valueSize) {
        long bytes = bytesNeeded(capacity, keySize, valueSize);
        checkPlace(region, offset, bytes);
        ArenaHashTable t = new ArenaHashTable(region, offset, capacity, keySize, valueSize);
        t.storeInt(offset + H_MAGIC, 0);
        byte[] zeros = new byte[(int) Math.min(bytes, 64 * 1024)];
        for (long done = 0; done < bytes;) {
            int n = (int) Math.min(zeros.length, bytes - done);
            t.write(offset + done, zeros, 0, n);
            done += n;
        }
        byte[] header = new byte[HEADER_SIZE];
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.nativeOrder());
        h.putInt(H_CAPACITY, capacity).putInt(H_KEY_SIZE, keySize).putInt(H_VALUE_SIZE, valueSize)
                .putInt(H_COUNT, 0).putInt(H_SLOT_SIZE, t.slotSize).putLong(H_RESERVED, 0);
        t.write(offset, header, 0, HEADER_SIZE);
        t.publishInt(offset + H_MAGIC, 0, MAGIC);
        return t;
    }

    /**
     * The table at {@code offset}, after checking its header: the magic, a
     * power-of-two capacity in 2 .. 2^20, sizes of at least 1, the slot size
     * they imply, and that it fits in the arena.
     *
     * @throws IllegalArgumentException naming what does not match
     */
    public static ArenaHashTable at(ArenaRegion region, long offset) {
        checkPlace(region, offset, HEADER_SIZE);
        byte[] header = new byte[HEADER_SIZE];
        if (region.arena().segvOnFault()) {
            region.readChecked(offset, header, 0, HEADER_SIZE);
        } else {
            region.get(offset, header);
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.nativeOrder());
        int magic = h.getInt(H_MAGIC);
        int capacity = h.getInt(H_CAPACITY);
        int keySize = h.getInt(H_KEY_SIZE);
        int valueSize = h.getInt(H_VALUE_SIZE);
        int slot = h.getInt(H_SLOT_SIZE);
        String where = "BHT1 table at offset " + offset + " of '" + region.arena().map().name() + "'";
        if (magic != MAGIC) {
            throw new IllegalArgumentException(where + ": bad magic 0x" + Integer.toHexString(magic) + " (want 0x"
                    + Integer.toHexString(MAGIC) + ", \"BHT1\"): not a table, or not initialised");
        }
        try {
            checkFormat(capacity, keySize, valueSize);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        if (slot != slotSize(keySize, valueSize)) {
            throw new IllegalArgumentException(where + ": slot_size " + slot + " does not match key_size " + keySize
                    + " and value_size " + valueSize + " (want " + slotSize(keySize, valueSize) + ")");
        }
        try {
            checkPlace(region, offset, HEADER_SIZE + (long) capacity * slot);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        return new ArenaHashTable(region, offset, capacity, keySize, valueSize);
    }

    /**
     * Like {@link #at(ArenaRegion, long)}, and checks the sizes too.
     *
     * @throws IllegalArgumentException if the table's key or value size differs
     */
    public static ArenaHashTable at(ArenaRegion region, long offset, int keySize, int valueSize) {
        ArenaHashTable t = at(region, offset);
        if (t.keySize != keySize || t.valueSize != valueSize) {
            throw new IllegalArgumentException("BHT1 table at offset " + offset + " has " + t.keySize + "-byte keys and "
                    + t.valueSize + "-byte values, not " + keySize + " and " + valueSize);
        }
        return t;
    }

    // ---- the header

    /** The region the table lives in. */
    public ArenaRegion region() {
        return region;
    }

    /** Where the header is. */
    public long offset() {
        return offset;
    }

    /** Bytes the table takes, header included. */
    public long bytes() {
        return HEADER_SIZE + (long) capacity * slotSize;
    }

    /** Slots in the table. */
    public int capacity() {
        return capacity;
    }

    public int keySize() {
        return keySize;
    }

    public int valueSize() {
        return valueSize;
    }

    /** Bytes per slot: {@code 8 + round8(keySize) + round8(valueSize)}. */
    public int slotSize() {
        return slotSize;
    }

    /** Entries in the table: the header's {@code count}, read now. */
    public int count() {
        return loadInt(offset + H_COUNT);
    }

    // ---- lookups

    /** The value stored for {@code key} (exactly {@link #keySize()} bytes), or null. */
    public byte[] get(byte[] key) {
        checkKey(key);
        long slot = find(key, null, 0, fnv1a(key, null, 0, keySize));
        if (slot < 0) {
            return null;
        }
        byte[] value = new byte[valueSize];
        read(slot + valueAt(), value, 0, valueSize);
        return value;
    }

    /**
     * Looks {@code key} up without allocating: the key is the buffer's
     * {@code remaining()} bytes (exactly {@link #keySize()}), the value
     * fills {@code value}'s {@code remaining()} bytes (exactly
     * {@link #valueSize()}); neither buffer's position or limit moves.
     *
     * @return false if the key is absent ({@code value} untouched)
     */
    public boolean get(ByteBuffer key, ByteBuffer value) {
        int k = checkBuffer(key, keySize, "key buffer");
        int v = checkBuffer(value, valueSize, "value buffer");
        if (value.isReadOnly()) {
            throw new IllegalArgumentException("get: value buffer is read-only; pass a writable one");
        }
        if (view != null) {
            return getInView(key, k, value, v);
        }
        long slot = find(null, key, k, fnv1a(null, key, k, keySize));
        if (slot < 0) {
            return false;
        }
        if (checked) {
            region.readChecked(slot + valueAt(), value);
        } else {
            region.get(slot + valueAt(), value);
        }
        return true;
    }

    /** Whether {@code key} is in the table. */
    public boolean containsKey(byte[] key) {
        checkKey(key);
        return find(key, null, 0, fnv1a(key, null, 0, keySize)) >= 0;
    }

    /** Whether the key in {@code key}'s {@code remaining()} bytes is in the table; the buffer does not move. */
    public boolean containsKey(ByteBuffer key) {
        int k = checkBuffer(key, keySize, "key buffer");
        return find(null, key, k, fnv1a(null, key, k, keySize)) >= 0;
    }

    /**
     * The arena offset of {@code key}'s value ({@link #valueSize()} bytes), or
     * -1 if absent: for reading or changing it in place (e.g. with
     * {@link ArenaRegion#getAndAddLong} on a counter in the value).
     */
    public long valueOffset(byte[] key) {
        checkKey(key);
        long slot = find(key, null, 0, fnv1a(key, null, 0, keySize));
        return slot < 0 ? -1 : slot + valueAt();
    }

    /** {@link #valueOffset(byte[])} for the key in {@code key}'s {@code remaining()} bytes; the buffer does not move. */
    public long valueOffset(ByteBuffer key) {
        int k = checkBuffer(key, keySize, "key buffer");
        long slot = find(null, key, k, fnv1a(null, key, k, keySize));
        return slot < 0 ? -1 : slot + valueAt();
    }

    // ---- changes

    /**
     * Inserts or updates ({@code BPF_ANY}): an existing key gets the new value
     * in place; a new one takes the first empty or deleted slot within the
     * probe bound, key, value and hash written before its state.
     *
     * @param key exactly {@link #keySize()} bytes
     * @param value exactly {@link #valueSize()} bytes
     * @return true if the key was new
     * @throws TableFullException if the key is new and has no room (see there)
     */
    public boolean put(byte[] key, byte[] value) {
        checkKey(key);
        if (value == null) {
            throw new NullPointerException("value is null");
        }
        if (value.length != valueSize) {
            throw new IllegalArgumentException("put: value has " + value.length + " bytes; this table's values have "
                    + valueSize + " (use put(String, String) to NUL-pad text)");
        }
        return insert(key, null, 0, value, null);
    }

    /**
     * {@link #put(byte[], byte[])} from buffers, without allocating: the key
     * is {@code key}'s {@code remaining()} bytes (exactly {@link #keySize()}),
     * the value {@code value}'s (exactly {@link #valueSize()}); neither
     * buffer's position or limit moves.
     *
     * @return true if the key was new
     * @throws TableFullException if the key is new and has no room
     */
    public boolean put(ByteBuffer key, ByteBuffer value) {
        int k = checkBuffer(key, keySize, "key buffer");
        checkBuffer(value, valueSize, "value buffer");
        return insert(null, key, k, null, value);
    }

    /** The key from key[] or keyBuffer at k, the value from value[] or valueBuffer (its remaining bytes). */
    private boolean insert(byte[] key, ByteBuffer keyBuffer, int k, byte[] value, ByteBuffer valueBuffer) {
        int h = fnv1a(key, keyBuffer, k, keySize);
        int mask = capacity - 1;
        int free = -1;
        int freeState = EMPTY;
        for (int i = 0; i < maxProbe; i++) {
            int idx = (h + i) & mask;
            long slot = slot(idx);
            long sh = loadLong(slot);
            int state = state(sh);
            if (state == EMPTY) {
                if (free < 0) {
                    free = idx;
                    freeState = EMPTY;
                }
                break;
            }
            if (state != USED) {
                if (free < 0) {
                    free = idx;
                    freeState = state;
                }
                continue;
            }
            if (hash(sh) == h && keyEquals(slot, key, keyBuffer, k)) {
                writeValue(slot + valueAt(), value, valueBuffer);
                return false;
            }
        }
        if (free < 0) {
            throw new TableFullException(describe() + ": no empty or deleted slot within " + maxProbe
                    + " slots of the home slot " + (h & mask) + " of key " + show(key, keyBuffer, k) + " (" + count()
                    + " of " + capacity + " slots used); rebuild it with a larger capacity");
        }
        int n = count();
        if (n >= capacity - 1) {
            throw new TableFullException(describe() + " is full: it holds " + n + " entries, at most capacity - 1 = "
                    + (capacity - 1) + "; rebuild it with a larger capacity");
        }
        long slot = slot(free);
        if (key != null && value != null) {
            byte[] rest = new byte[slotSize - 4]; // hash, padded key, padded value: one copy
            ByteBuffer b = ByteBuffer.wrap(rest).order(ByteOrder.nativeOrder());
            b.putInt(0, h);
            System.arraycopy(key, 0, rest, 4, keySize);
            System.arraycopy(value, 0, rest, 4 + round8(keySize), valueSize);
            write(slot + 4, rest, 0, rest.length);
        } else {
            // Field by field, allocation-free; the padding is zeroed so the slot reads as C writes it.
            storeInt(slot + 4, h);
            writeBuffer(slot + 8, keyBuffer);
            zero(slot + 8 + keySize, round8(keySize) - keySize);
            writeBuffer(slot + valueAt(), valueBuffer);
            zero(slot + valueAt() + valueSize, round8(valueSize) - valueSize);
        }
        publishInt(slot, freeState, USED);
        addCount(1);
        return true;
    }

    /**
     * Removes {@code key}: its slot becomes a tombstone (state deleted; key,
     * hash and value stay, as in C).
     *
     * @return false if it was absent
     */
    public boolean remove(byte[] key) {
        checkKey(key);
        return removeSlot(find(key, null, 0, fnv1a(key, null, 0, keySize)));
    }

    /** {@link #remove(byte[])} of the key in {@code key}'s {@code remaining()} bytes; the buffer does not move. */
    public boolean remove(ByteBuffer key) {
        int k = checkBuffer(key, keySize, "key buffer");
        return removeSlot(find(null, key, k, fnv1a(null, key, k, keySize)));
    }

    private boolean removeSlot(long slot) {
        if (slot < 0) {
            return false;
        }
        publishInt(slot, USED, DELETED);
        addCount(-1);
        return true;
    }

    // ---- text keys and values

    /** {@link #put(byte[], byte[])} with ASCII text, NUL padded to the table's sizes. */
    public boolean put(String key, String value) {
        return put(ascii(key, keySize, "key"), ascii(value, valueSize, "value"));
    }

    /** The value of an ASCII key (NUL padded), as text up to its first NUL; null if absent. */
    public String getString(String key) {
        byte[] v = get(ascii(key, keySize, "key"));
        return v == null ? null : text(v);
    }

    /** {@link #remove(byte[])} with an ASCII key, NUL padded. */
    public boolean remove(String key) {
        return remove(ascii(key, keySize, "key"));
    }

    /**
     * {@code text} as ASCII bytes, NUL padded to {@code size}.
     *
     * @throws IllegalArgumentException if it is longer, or not ASCII
     */
    public static byte[] ascii(String text, int size) {
        return ascii(text, size, "text");
    }

    /** ASCII bytes up to the first NUL (or all of them), as a String. */
    public static String text(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.US_ASCII);
    }

    /** 32-bit FNV-1a over {@code data}: the hash the table stores. */
    public static int fnv1a(byte[] data) {
        return fnv1a(data, null, 0, data.length);
    }

    // ---- iteration

    /**
     * The entries in slot order, read as the iterator goes (each a copy:
     * key and value arrays of the table's sizes). Concurrent changes may or
     * may not be seen; the iterator never fails because of them.
     */
    @Override
    public Iterator<Map.Entry<byte[], byte[]>> iterator() {
        return new Iterator<Map.Entry<byte[], byte[]>>() {
            private int next = advance(0);

            private int advance(int from) {
                for (int i = from; i < capacity; i++) {
                    if (state(loadLong(slot(i))) == USED) {
                        return i;
                    }
                }
                return capacity;
            }

            @Override
            public boolean hasNext() {
                return next < capacity;
            }

            @Override
            public Map.Entry<byte[], byte[]> next() {
                if (next >= capacity) {
                    throw new NoSuchElementException();
                }
                long slot = slot(next);
                acquireState(slot);
                byte[] key = new byte[keySize];
                byte[] value = new byte[valueSize];
                read(slot + 8, key, 0, keySize);
                read(slot + valueAt(), value, 0, valueSize);
                next = advance(next + 1);
                return new AbstractMap.SimpleImmutableEntry<byte[], byte[]>(key, value);
            }
        };
    }

    /** Every entry now in the table (copies), in slot order. */
    public List<Map.Entry<byte[], byte[]>> entries() {
        List<Map.Entry<byte[], byte[]>> out = new ArrayList<Map.Entry<byte[], byte[]>>();
        for (Map.Entry<byte[], byte[]> e : this) {
            out.add(e);
        }
        return out;
    }

    // ---- the probe

    /**
     * get(ByteBuffer, ByteBuffer) through {@link #view}: the probe, the key
     * compare and the value copy as int-indexed reads of one buffer, so the
     * JIT keeps only the buffer's own bounds checks (a bug still reads an
     * exception, never a stray address), and no native call.
     */
    private boolean getInView(ByteBuffer key, int k, ByteBuffer value, int v) {
        region.getInt(offset); // the region's plain read refuses a closed arena; the view would not
        ByteBuffer t = view;
        int h = fnv1a(null, key, k, keySize);
        int mask = capacity - 1;
        for (int i = 0; i < maxProbe; i++) {
            int slot = HEADER_SIZE + ((h + i) & mask) * slotSize;
            long sh = t.getLong(slot);
            int state = state(sh);
            if (state == EMPTY) {
                return false;
            }
            if (state != USED || hash(sh) != h) {
                continue;
            }
            Fences.acquire(); // the USED just read is trusted before the key is (acquired() says why)
            if (keyEqualsInView(t, slot, key, k)) {
                BulkCopy.copy(t, slot + valueAt(), value, v, valueSize);
                return true;
            }
        }
        return false;
    }

    private boolean keyEqualsInView(ByteBuffer t, int slot, ByteBuffer key, int k) {
        for (int w = 0; w < keyWords; w++) {
            int from = w * 8;
            int n = Math.min(8, keySize - from);
            long mine = word(null, key, k + from, n);
            long theirs = t.getLong(slot + 8 + from);
            if (n < 8) {
                long mask = mask(n);
                mine &= mask;
                theirs &= mask;
            }
            if (mine != theirs) {
                return false;
            }
        }
        return true;
    }


    /** The slot offset holding the key (from key[] or the buffer at k), or -1. */
    private long find(byte[] key, ByteBuffer buffer, int k, int h) {
        int mask = capacity - 1;
        for (int i = 0; i < maxProbe; i++) {
            long slot = slot((h + i) & mask);
            long sh = loadLong(slot);
            int state = state(sh);
            if (state == EMPTY) {
                return -1;
            }
            if (state != USED || hash(sh) != h) {
                continue;
            }
            if (acquired(slot) && keyEquals(slot, key, buffer, k)) {
                return slot;
            }
        }
        return -1;
    }

    /** Compares key_size bytes, 8 at a time; the bytes past key_size in the last word do not count. */
    private boolean keyEquals(long slot, byte[] key, ByteBuffer buffer, int k) {
        for (int w = 0; w < keyWords; w++) {
            int from = w * 8;
            int n = Math.min(8, keySize - from);
            long mine = word(key, buffer, k + from, n);
            long theirs = loadLong(slot + 8 + from);
            if (n < 8) {
                long mask = mask(n);
                mine &= mask;
                theirs &= mask;
            }
            if (mine != theirs) {
                return false;
            }
        }
        return true;
    }

    /** n (1..8) bytes as a native-order long, the rest zero; from key[at..] or buffer[at..]. */
    private static long word(byte[] key, ByteBuffer buffer, int at, int n) {
        if (n == 8) {
            if (buffer != null) {
                return buffer.order() == ByteOrder.nativeOrder() ? buffer.getLong(at)
                        : Long.reverseBytes(buffer.getLong(at));
            }
        }
        long v = 0;
        for (int j = 0; j < n; j++) {
            long b = (buffer != null ? buffer.get(at + j) : key[at + j]) & 0xffL;
            v |= b << shift(j);
        }
        return v;
    }

    /** Where byte j of a native-order long sits. */
    private static int shift(int j) {
        return LITTLE ? 8 * j : 56 - 8 * j;
    }

    private static long mask(int n) {
        long m = 0;
        for (int j = 0; j < n; j++) {
            m |= 0xffL << shift(j);
        }
        return m;
    }

    private static int fnv1a(byte[] key, ByteBuffer buffer, int at, int n) {
        int h = FNV_OFFSET;
        int i = 0;
        if (buffer != null) {
            // A word per bounds check, its bytes taken in memory order.
            boolean little = buffer.order() == ByteOrder.LITTLE_ENDIAN;
            for (; i + 8 <= n; i += 8) {
                long word = buffer.getLong(at + i);
                for (int j = 0; j < 8; j++) {
                    h ^= (int) (word >>> (little ? 8 * j : 56 - 8 * j)) & 0xff;
                    h *= FNV_PRIME;
                }
            }
        }
        for (; i < n; i++) {
            h ^= (buffer != null ? buffer.get(at + i) : key[at + i]) & 0xff;
            h *= FNV_PRIME;
        }
        return h;
    }

    private static int state(long stateAndHash) {
        return LITTLE ? (int) stateAndHash : (int) (stateAndHash >>> 32);
    }

    private static int hash(long stateAndHash) {
        return LITTLE ? (int) (stateAndHash >>> 32) : (int) stateAndHash;
    }

    private long slot(int idx) {
        return offset + HEADER_SIZE + (long) idx * slotSize;
    }

    private int valueAt() {
        return 8 + keyWords * 8;
    }

    // ---- memory: plain, or through the kernel in SEGV_ON_FAULT arenas

    private long loadLong(long at) {
        return checked ? region.readLongChecked(at) : region.getLong(at);
    }

    private int loadInt(long at) {
        if (!checked) {
            return region.getInt(at);
        }
        long aligned = at & ~7L;
        long v = region.readLongChecked(aligned);
        boolean low = (at == aligned) == LITTLE;
        return low ? (int) v : (int) (v >>> 32);
    }

    /**
     * Whether the USED state just read may be trusted before the key is read:
     * an acquire fence after that load orders every later read after it (the
     * pair of the writer's barrier before it sets the state). Without fences
     * (a JDK with neither VarHandle nor Unsafe) the state is read again with
     * an atomic add of 0, a native call; in checked mode every read is a
     * system call, which orders them already.
     */
    private boolean acquired(long slot) {
        if (!checked && Fences.available()) {
            Fences.acquire();
            return true;
        }
        return acquireState(slot) == USED;
    }

    /** A slot's state, read with a full barrier (an atomic add of 0; a system call in checked mode). */
    private int acquireState(long slot) {
        return checked ? loadInt(slot) : region.getAndAddInt(slot, 0);
    }

    private void read(long at, byte[] dst, int from, int n) {
        if (checked) {
            region.readChecked(at, dst, from, n);
        } else {
            region.get(at, dst, from, n);
        }
    }

    private void write(long at, byte[] src, int from, int n) {
        if (checked) {
            region.writeChecked(at, src, from, n);
        } else {
            region.put(at, src, from, n);
        }
    }

    private void writeValue(long at, byte[] value, ByteBuffer valueBuffer) {
        if (value != null) {
            write(at, value, 0, valueSize);
        } else {
            writeBuffer(at, valueBuffer);
        }
    }

    /** The buffer's remaining bytes; its position and limit do not move. */
    private void writeBuffer(long at, ByteBuffer b) {
        if (checked) {
            region.writeChecked(at, b);
        } else {
            region.put(at, b);
        }
    }

    /** Zeroes n (0..7) padding bytes. */
    private void zero(long at, int n) {
        if (n > 0) {
            write(at, ZEROS, 0, n);
        }
    }

    private static final byte[] ZEROS = new byte[8];

    private void storeInt(long at, int v) {
        if (checked) {
            byte[] b = new byte[4];
            ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(0, v);
            region.writeChecked(at, b, 0, 4);
        } else {
            region.putInt(at, v);
        }
    }

    /**
     * Stores {@code v} after everything written before (release): a
     * compare-and-set from {@code expect} on plain arenas (a full barrier; a
     * failure means another writer), a system call on checked ones.
     */
    private void publishInt(long at, int expect, int v) {
        if (checked) {
            storeInt(at, v);
        } else if (!region.compareAndSetInt(at, expect, v)) {
            throw new ConcurrentModificationException(describe() + ": another writer changed the word at offset "
                    + at + " (one writer at a time)");
        }
    }

    private void addCount(int delta) {
        if (checked) {
            storeInt(offset + H_COUNT, loadInt(offset + H_COUNT) + delta);
        } else {
            region.getAndAddInt(offset + H_COUNT, delta);
        }
    }

    // ---- checks

    private static int round8(int n) {
        return (n + 7) & ~7;
    }

    private static int slotSize(int keySize, int valueSize) {
        return 8 + round8(keySize) + round8(valueSize);
    }

    private static void checkFormat(int capacity, int keySize, int valueSize) {
        if (capacity < 2 || capacity > MAX_CAPACITY || (capacity & (capacity - 1)) != 0) {
            throw new IllegalArgumentException("capacity " + capacity + " must be a power of two in 2 .. "
                    + MAX_CAPACITY);
        }
        if (keySize < 1 || valueSize < 1 || keySize > (1 << 24) || valueSize > (1 << 24)) {
            throw new IllegalArgumentException("key_size " + keySize + " and value_size " + valueSize
                    + " must be at least 1 (and at most 16 MiB)");
        }
    }

    private static void checkPlace(ArenaRegion region, long offset, long bytes) {
        if (region == null) {
            throw new NullPointerException("region is null");
        }
        if (offset < 0 || (offset & 7) != 0 || offset > region.size() - bytes) {
            throw new IllegalArgumentException("a table of " + bytes + " bytes at offset " + offset
                    + " must be 8-byte aligned and inside the arena of " + region.size() + " bytes");
        }
    }

    private void checkKey(byte[] key) {
        if (key == null) {
            throw new NullPointerException("key is null");
        }
        if (key.length != keySize) {
            throw new IllegalArgumentException("key has " + key.length + " bytes; this table's keys have " + keySize
                    + " (use the String overloads to NUL-pad text)");
        }
    }

    private static int checkBuffer(ByteBuffer b, int needed, String what) {
        if (b == null) {
            throw new NullPointerException(what + " is null");
        }
        int position = b.position();
        int remaining = b.limit() - position;
        if (remaining != needed) {
            // Exact, not "at least": a longer buffer would be silently cut to a prefix.
            throw new IllegalArgumentException(what + " has " + remaining + " bytes remaining, needs exactly "
                    + needed + "; set its position and limit around the " + what.replace(" buffer", ""));
        }
        return position;
    }

    private static byte[] ascii(String text, int size, String what) {
        if (text == null) {
            throw new NullPointerException(what + " is null");
        }
        if (text.length() > size) {
            throw new IllegalArgumentException(what + " \"" + text + "\" has " + text.length()
                    + " characters; at most " + size + " fit");
        }
        byte[] b = new byte[size];
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0 || c > 0x7f) {
                throw new IllegalArgumentException(what + " \"" + text + "\" has a character that is not ASCII"
                        + " or is NUL at index " + i);
            }
            b[i] = (byte) c;
        }
        return b;
    }

    private String show(byte[] key, ByteBuffer buffer, int at) {
        if (key == null) {
            key = new byte[keySize];
            for (int i = 0; i < keySize; i++) {
                key[i] = buffer.get(at + i);
            }
        }
        StringBuilder s = new StringBuilder("\"");
        for (byte b : key) {
            if (b == 0) {
                continue;
            }
            s.append(b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff));
        }
        return s.append('"').toString();
    }

    private String describe() {
        return "BHT1 table at offset " + offset + " of '" + region.arena().map().name() + "'";
    }

    @Override
    public String toString() {
        return "ArenaHashTable[" + describe() + ", capacity " + capacity + ", key " + keySize + ", value "
                + valueSize + "]";
    }
}
