/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Buffers;
import io.github.bpf4j.internal.BulkCopy;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Mapping;
import io.github.bpf4j.internal.Native;
import java.nio.ByteBuffer;

/**
 * The bytes of a {@link BpfArena}, addressed by {@code long} offsets from its
 * start, across the whole arena (up to 4 GiB, also on JDK 8). Values are in
 * native byte order, as BPF programs see them.
 *
 * <p><b>Pages.</b> Without {@link MapFlag#SEGV_ON_FAULT}, a page nobody has
 * allocated is allocated by the first touch from Java, and the program sees
 * what Java wrote. With it, touching such a page would crash the JVM, so
 * plain access (get/put, bulk copies, {@link #slice}, atomics) is refused and
 * the {@code *Checked} methods — which let the kernel do the copy and turn a
 * missing page into a {@link BpfException} with EFAULT — are the way in.
 *
 * <p><b>Bulk copies.</b> {@code get}/{@code put} (plain) and
 * {@code readChecked}/{@code writeChecked} (through the kernel) each take a
 * {@code byte[]} whole, a {@code byte[]} with {@code (offset, length)}, or a
 * {@code ByteBuffer}. A buffer supplies or receives exactly its
 * {@code remaining()} bytes from its position, and its position and limit
 * are left as they were, as with every bulk call in bpf4j. Direct buffers
 * are copied in place; arrays and heap buffers are copied in 64 KiB chunks
 * without pinning, so even a 2 GiB copy holds off the garbage collector for
 * one chunk at a time at most.
 *
 * <p><b>Pointers.</b> Programs store arena pointers as 8-byte values: user
 * addresses (after {@code cast_user}), or in arenas with
 * {@link MapFlag#NO_USER_CONV} just their low 32 bits. {@link #readPointer},
 * {@link #offsetOf}, {@link #pointerAt} and {@link #writePointer} convert
 * both forms to and from offsets, so Java walks structures the program built
 * and builds structures the program walks.
 *
 * <p>Plain accesses are as cheap as ByteBuffer's (a closed check is one
 * volatile read) and allocate nothing; they are not atomic with respect to
 * BPF programs, except the {@code getAndAdd}/{@code compareAndSet} methods,
 * which are atomic read-modify-writes that interoperate with
 * {@code __sync_fetch_and_add} and friends in BPF.
 */
public final class ArenaRegion {
    // JDK 8 ByteBuffers stop at 2 GiB: the arena is seen through 1 GiB windows
    // that overlap by 8 bytes, so every access up to 8 bytes fits in the
    // window its first byte is in.
    private static final int WINDOW_SHIFT = 30;
    private static final long WINDOW = 1L << WINDOW_SHIFT;
    private static final int OVERLAP = 8;
    /** Up to this many bytes, get(long, ByteBuffer) copies in Java; beyond, one native memcpy is faster. */
    private static final int SMALL_COPY = 512;

    private final BpfArena arena;
    private final Handle handle;
    private final Mapping mapping;
    private final ByteBuffer[] windows;
    private final long base;
    private final long size;
    private final boolean plainAllowed;
    private final boolean noUserConv;

    ArenaRegion(BpfArena arena, Handle handle, Mapping mapping, ByteBuffer[] windows) {
        this.arena = arena;
        this.handle = handle;
        this.mapping = mapping;
        this.windows = windows;
        this.base = mapping.address();
        this.size = mapping.length();
        this.plainAllowed = !arena.segvOnFault();
        this.noUserConv = arena.noUserConv();
    }

    /**
     * The roots the region reads through; they keep the mapping alive. Calls
     * that take an address pass windows[0] along too: a JNI argument stays
     * reachable for the whole call (JDK 8 has no reachability fence), so the
     * range cannot be unmapped under it.
     */
    static ByteBuffer[] windows(Mapping mapping, long size) {
        int n = (int) ((size + WINDOW - 1) >>> WINDOW_SHIFT);
        ByteBuffer[] w = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            long start = i * WINDOW;
            w[i] = mapping.root(start, (int) Math.min(WINDOW + OVERLAP, size - start));
        }
        return w;
    }

    Mapping mapping() {
        return mapping;
    }

    void ensureOpen() {
        handle.ensureOpen();
    }

    /** The arena this region covers. */
    public BpfArena arena() {
        return arena;
    }

    /** The whole arena's size in bytes. */
    public long size() {
        return size;
    }

    // ---- plain access

    public byte getByte(long offset) {
        return window(offset, 1, "getByte").get(local(offset));
    }

    public void putByte(long offset, byte value) {
        window(offset, 1, "putByte").put(local(offset), value);
    }

    public short getShort(long offset) {
        return window(offset, 2, "getShort").getShort(local(offset));
    }

    public void putShort(long offset, short value) {
        window(offset, 2, "putShort").putShort(local(offset), value);
    }

    public int getInt(long offset) {
        return window(offset, 4, "getInt").getInt(local(offset));
    }

    public void putInt(long offset, int value) {
        window(offset, 4, "putInt").putInt(local(offset), value);
    }

    public long getLong(long offset) {
        return window(offset, 8, "getLong").getLong(local(offset));
    }

    public void putLong(long offset, long value) {
        window(offset, 8, "putLong").putLong(local(offset), value);
    }

    public float getFloat(long offset) {
        return window(offset, 4, "getFloat").getFloat(local(offset));
    }

    public void putFloat(long offset, float value) {
        window(offset, 4, "putFloat").putFloat(local(offset), value);
    }

    public double getDouble(long offset) {
        return window(offset, 8, "getDouble").getDouble(local(offset));
    }

    public void putDouble(long offset, double value) {
        window(offset, 8, "putDouble").putDouble(local(offset), value);
    }

    // ---- bulk copies
    //
    // One rule for every bulk call: a byte[] is given with (offset, length)
    // or whole; a ByteBuffer supplies or receives exactly its remaining()
    // bytes from its position, and its position and limit are left as they
    // were (like the absolute bulk ByteBuffer.get(int, byte[]) of JDK 13+).
    // The byte[] and heap-buffer copies never pin the array (the native side
    // copies it in bounded chunks); a direct buffer is copied in place.

    /**
     * Copies {@code length} bytes at {@code offset} into {@code dst[dstOffset..]}.
     *
     * @throws IndexOutOfBoundsException if the range is outside the arena or the array
     * @throws UnsupportedOperationException in a {@code BPF_F_SEGV_ON_FAULT} arena (use {@link #readChecked})
     */
    public void get(long offset, byte[] dst, int dstOffset, int length) {
        checkArray(dst, dstOffset, length);
        copy(offset, dst, null, dstOffset, length, false);
    }

    /** Fills all of {@code dst} from {@code offset}. */
    public void get(long offset, byte[] dst) {
        get(offset, dst, 0, dst.length);
    }

    /**
     * Fills {@code dst}'s {@code remaining()} bytes, from its position, with
     * the bytes at {@code offset}; its position and limit do not move.
     */
    public void get(long offset, ByteBuffer dst) {
        int position = dst.position();
        int n = dst.limit() - position;
        int at = Buffers.start("destination buffer", null, dst, position, true);
        if (n <= SMALL_COPY && plainAllowed && local(offset) + n <= WINDOW + OVERLAP) {
            check(offset, n);
            // A JNI call and its operand checks cost more than a small copy in Java.
            BulkCopy.copy(windows[(int) (offset >>> WINDOW_SHIFT)], local(offset), dst, position, n);
            return;
        }
        copy(offset, Buffers.array(dst), Buffers.direct(dst), at, n, false);
    }


    /**
     * Copies {@code src[srcOffset..srcOffset+length)} to {@code offset}.
     *
     * @throws IndexOutOfBoundsException if the range is outside the arena or the array
     * @throws UnsupportedOperationException in a {@code BPF_F_SEGV_ON_FAULT} arena (use {@link #writeChecked})
     */
    public void put(long offset, byte[] src, int srcOffset, int length) {
        checkArray(src, srcOffset, length);
        copy(offset, src, null, srcOffset, length, true);
    }

    /** Copies all of {@code src} to {@code offset}. */
    public void put(long offset, byte[] src) {
        put(offset, src, 0, src.length);
    }

    /**
     * Copies {@code src}'s {@code remaining()} bytes, from its position, to
     * {@code offset}; its position and limit do not move.
     */
    public void put(long offset, ByteBuffer src) {
        int position = src.position();
        int n = src.limit() - position;
        int at = Buffers.start("source buffer", null, src, position, false);
        copy(offset, Buffers.array(src), Buffers.direct(src), at, n, true);
    }

    /**
     * A direct buffer (native byte order) over {@code length} bytes at
     * {@code offset}: shared with the kernel like the arena itself, and
     * harmless after the arena is closed.
     */
    public ByteBuffer slice(long offset, int length) {
        plain(offset, length, "slice");
        return mapping.root(offset, length);
    }

    // ---- atomics

    /** Atomically adds and returns the previous value; interoperates with {@code __sync_fetch_and_add}. */
    public int getAndAddInt(long offset, int delta) {
        return Native.getAndAddInt(windows[0], atomic(offset, 4, "getAndAddInt"), delta);
    }

    public long getAndAddLong(long offset, long delta) {
        return Native.getAndAddLong(windows[0], atomic(offset, 8, "getAndAddLong"), delta);
    }

    public boolean compareAndSetInt(long offset, int expect, int update) {
        return Native.compareAndSetInt(windows[0], atomic(offset, 4, "compareAndSetInt"), expect, update);
    }

    public boolean compareAndSetLong(long offset, long expect, long update) {
        return Native.compareAndSetLong(windows[0], atomic(offset, 8, "compareAndSetLong"), expect, update);
    }

    // ---- checked access (never faults)
    //
    // The same overloads as get/put, and the same buffer rule. The kernel
    // copies (process_vm_readv/writev on this process): a page that is not
    // there is a BpfException with EFAULT, never SIGSEGV. On EFAULT a prefix
    // of the range may have been copied.

    /**
     * Copies like {@link #get(long, byte[], int, int)}, but through the kernel:
     * a page that is not allocated gives a {@link BpfException} (EFAULT)
     * instead of a crash. Works on every arena.
     */
    public void readChecked(long offset, byte[] dst, int dstOffset, int length) {
        checkArray(dst, dstOffset, length);
        checked(offset, dst, null, dstOffset, length, false);
    }

    /** {@link #readChecked(long, byte[], int, int)} into all of {@code dst}. */
    public void readChecked(long offset, byte[] dst) {
        readChecked(offset, dst, 0, dst.length);
    }

    /**
     * Fills {@code dst}'s {@code remaining()} bytes from {@code offset} through
     * the kernel (EFAULT where a page is missing); its position and limit do not move.
     */
    public void readChecked(long offset, ByteBuffer dst) {
        int position = dst.position();
        int n = dst.limit() - position;
        int at = Buffers.start("destination buffer", null, dst, position, true);
        checked(offset, Buffers.array(dst), Buffers.direct(dst), at, n, false);
    }

    /** Writes through the kernel: EFAULT instead of a crash where a page is missing. */
    public void writeChecked(long offset, byte[] src, int srcOffset, int length) {
        checkArray(src, srcOffset, length);
        checked(offset, src, null, srcOffset, length, true);
    }

    /** {@link #writeChecked(long, byte[], int, int)} of all of {@code src}. */
    public void writeChecked(long offset, byte[] src) {
        writeChecked(offset, src, 0, src.length);
    }

    /**
     * Writes {@code src}'s {@code remaining()} bytes to {@code offset} through
     * the kernel (EFAULT where a page is missing); its position and limit do not move.
     */
    public void writeChecked(long offset, ByteBuffer src) {
        int position = src.position();
        int n = src.limit() - position;
        int at = Buffers.start("source buffer", null, src, position, false);
        checked(offset, Buffers.array(src), Buffers.direct(src), at, n, true);
    }

    /** The long at {@code offset}, read through the kernel; EFAULT where the page is missing. */
    public long readLongChecked(long offset) {
        ByteBuffer scratch = SCRATCH.get();
        checked(offset, null, scratch, 0, 8, false);
        return scratch.getLong(0);
    }

    /** Stores a long through the kernel: EFAULT instead of a crash where the page is missing. */
    public void writeLongChecked(long offset, long value) {
        ByteBuffer scratch = SCRATCH.get();
        scratch.putLong(0, value);
        checked(offset, null, scratch, 0, 8, true);
    }

    /** Per thread, so a checked access of one value allocates nothing. */
    private static final ThreadLocal<ByteBuffer> SCRATCH = new ThreadLocal<ByteBuffer>() {
        @Override
        protected ByteBuffer initialValue() {
            return ByteBuffer.allocateDirect(8).order(java.nio.ByteOrder.nativeOrder());
        }
    };

    // ---- pointers

    /**
     * The offset an arena pointer points to, in either stored form (a user
     * address, or its low 32 bits); -1 for NULL.
     *
     * @throws IllegalArgumentException if it points outside this arena
     */
    public long offsetOf(long pointer) {
        if (pointer == 0) {
            return -1;
        }
        long offset = (pointer & 0xffffffffL) - (base & 0xffffffffL);
        if (offset < 0 || offset >= size) {
            throw new IllegalArgumentException("0x" + Long.toHexString(pointer) + " does not point into "
                    + arena.map().name() + " (" + size + " bytes at 0x" + Long.toHexString(base) + ")");
        }
        return offset;
    }

    /** The pointer to {@code offset} in the form this arena's programs store: a user address, or its low 32 bits. */
    public long pointerAt(long offset) {
        check(offset, 1);
        long address = base + offset;
        return noUserConv ? address & 0xffffffffL : address;
    }

    /** The 8-byte pointer stored at {@code offset}, as an offset; -1 for NULL. */
    public long readPointer(long offset) {
        return offsetOf(plainAllowed ? getLong(offset) : readLongChecked(offset));
    }

    /** Stores at {@code offset} a pointer to {@code target} (an offset; -1 stores NULL). */
    public void writePointer(long offset, long target) {
        long pointer = target < 0 ? 0 : pointerAt(target);
        if (plainAllowed) {
            putLong(offset, pointer);
        } else {
            writeLongChecked(offset, pointer);
        }
    }

    // ----

    private ByteBuffer window(long offset, int length, String method) {
        plain(offset, length, method);
        return windows[(int) (offset >>> WINDOW_SHIFT)];
    }

    private static int local(long offset) {
        return (int) (offset & (WINDOW - 1));
    }

    /** {@code method} is a constant: the check allocates nothing unless it fails. */
    private void plain(long offset, int length, String method) {
        if (!plainAllowed) {
            throw new UnsupportedOperationException(method + ": arena '" + arena.map().name() + "' has"
                    + " BPF_F_SEGV_ON_FAULT, where touching a page the program has not allocated would crash the"
                    + " JVM, so plain access is refused; use readChecked/writeChecked (readLongChecked/"
                    + "writeLongChecked for one value), which let the kernel copy and report a missing page as EFAULT");
        }
        check(offset, length);
    }

    private long atomic(long offset, int length, String method) {
        plain(offset, length, method);
        if ((offset & (length - 1)) != 0) {
            throw new IllegalArgumentException("atomic access at " + offset + " is not " + length + "-byte aligned");
        }
        return base + offset;
    }

    private void check(long offset, long length) {
        handle.ensureOpen();
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IndexOutOfBoundsException(length + " bytes at offset " + offset + " are outside arena '"
                    + arena.map().name() + "' of " + size + " bytes");
        }
    }

    private static void checkArray(byte[] a, int offset, int length) {
        if (offset < 0 || length < 0 || offset > a.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + " outside an array of "
                    + a.length);
        }
    }

    private void copy(long offset, byte[] array, ByteBuffer buffer, int at, int length, boolean toArena) {
        plain(offset, length, toArena ? "put" : "get");
        // Fails only with an IllegalArgumentException already pending (an operand another thread shrank).
        Native.copyMemory(windows[0], base + offset, array, buffer, at, length, toArena);
    }

    private void checked(long offset, byte[] array, ByteBuffer buffer, int at, int length, boolean toArena) {
        check(offset, length);
        int n = Native.copyChecked(windows[0], base + offset, array, buffer, at, length, toArena);
        if (n < 0) {
            // EFAULT: a page in the range is not allocated (SEGV_ON_FAULT, or freed); Errors picks class and hint.
            throw Errors.of(Errors.Op.ARENA_COPY, (toArena ? "process_vm_writev" : "process_vm_readv") + "(arena '"
                    + arena.map().name() + "', " + length + " bytes at offset " + offset + ")", -n,
                    "a page in the " + length + " bytes at offset " + offset);
        }
    }
}
