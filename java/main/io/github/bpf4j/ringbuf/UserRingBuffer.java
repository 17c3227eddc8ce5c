/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.ringbuf;

import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Fences;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Mapping;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeOwner;
import io.github.bpf4j.internal.StreamAccess;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The Java producer of a {@code BPF_MAP_TYPE_USER_RINGBUF} map
 * ({@link io.github.bpf4j.BpfMap#userRingBuffer()}): user space reserves a
 * record in the mapped ring, fills it in place and submits it; a program
 * reads it with {@code bpf_user_ringbuf_drain}. No native call per record.
 *
 * <pre>{@code
 * ByteBuffer r = ring.reserve(16);        // null: the ring is full
 * if (r != null) {
 *     r.putLong(0, 42).putLong(8, 7);     // exactly 16 bytes, position 0, native order
 *     ring.submit();                      // or ring.discard()
 * }
 * }</pre>
 *
 * <p><b>One producer.</b> At most one reservation is outstanding: a
 * {@code reserve} while one is (from any thread) throws
 * {@link IllegalStateException}. Threads may take turns (reserve then
 * submit/discard on the same thread), which the ring's state orders; it does
 * not serialise them.
 *
 * <p><b>The record buffer</b> is reused: it is valid until {@code submit} or
 * {@code discard}, and writing it afterwards corrupts later records (never
 * the JVM). Reserve and submit allocate nothing once every record offset was
 * seen once.
 *
 * <p><b>Close.</b> {@link #close()} discards an outstanding reservation,
 * waits for a reserve or submit running on another thread, and detaches the
 * mapping; every later call throws {@link IllegalStateException}, and a
 * stale record buffer writes private memory. Closing the map closes this too.
 */
public final class UserRingBuffer implements AutoCloseable {
    static final int HDR_SZ = 8;
    static final int BUSY_BIT = 1 << 31;
    static final int DISCARD_BIT = 1 << 30;
    /** The kernel's bound on a record: a dynptr's size ({@code DYNPTR_MAX_SIZE}). */
    static final int MAX_RECORD = (1 << 24) - 1;
    private static final long WAIT_SLICE_MILLIS = 50;

    private static final int IDLE = 0;
    private static final int RESERVED = 1;
    private static final int CLOSED = 2;
    /** A reserve or submit is writing the ring; close() waits for it. */
    private static final int WRITING = 3;
    private static final AtomicIntegerFieldUpdater<UserRingBuffer> STATE =
            AtomicIntegerFieldUpdater.newUpdater(UserRingBuffer.class, "state");

    static {
        StreamAccess.install(new StreamAccess.UserRingFactory() {
            @Override
            public Object open(Handle mapHandle, NativeOwner mapOwner, int fd, String name, int dataBytes) {
                return UserRingBuffer.open(mapHandle, mapOwner, fd, name, dataBytes);
            }

            @Override
            public boolean isOpen(Object producer) {
                return ((UserRingBuffer) producer).state != CLOSED;
            }
        });
    }

    private final Handle mapHandle;
    private final String name;
    private final int fd;
    private final Mapping consumerMapping;
    private final Mapping producerMapping;
    /** The consumer page (read-only): consumer_pos at 0. */
    private final ByteBuffer consumerPage;
    /** The producer page, then the data area twice: producer_pos at 0. */
    private final ByteBuffer producerArea;
    private final int dataOffset;
    private final int size;
    private final long mask;
    /** Record views by 8-byte slot of the data area, made once each (see {@link #view}). */
    private final ByteBuffer[] views;
    private volatile int state;
    /** Offset in producerArea of the outstanding reservation's header; written in state WRITING only. */
    private int reservedHeader;
    private int reservedLength;

    private UserRingBuffer(Handle mapHandle, String name, int fd, Mapping consumerMapping, Mapping producerMapping,
            int pageSize, int size) {
        this.mapHandle = mapHandle;
        this.name = name;
        this.fd = fd;
        this.consumerMapping = consumerMapping;
        this.producerMapping = producerMapping;
        this.consumerPage = consumerMapping.root(0, 8);
        this.producerArea = producerMapping.root(0, pageSize + 2 * size);
        this.dataOffset = pageSize;
        this.size = size;
        this.mask = size - 1;
        this.views = new ByteBuffer[size / HDR_SZ];
    }

    /** The caller holds the map's handle: the fd is live. */
    static UserRingBuffer open(Handle mapHandle, NativeOwner mapOwner, int fd, String name, int dataBytes) {
        if (!Fences.available()) {
            throw new UnsupportedOperationException("userRingBuffer: this JVM has neither VarHandle nor"
                    + " sun.misc.Unsafe fences, which the in-place producer needs to order its writes for the kernel");
        }
        int page = Native.pageSize();
        // The kernel made max_entries a power-of-2 multiple of the page size; 2 copies must fit a ByteBuffer.
        if (dataBytes <= 0 || (dataBytes & (dataBytes - 1)) != 0 || dataBytes > (Integer.MAX_VALUE - page) / 2) {
            throw new UnsupportedOperationException("userRingBuffer: map '" + name + "' has " + dataBytes
                    + " data bytes; a producer maps 2 copies in one ByteBuffer, so at most 512 MiB");
        }
        // The kernel refuses a writable mapping of the consumer page (EPERM); the rest must be writable.
        Mapping consumer = Mapping.mapAt(fd, page, false, 0);
        Mapping producer;
        try {
            mapOwner.adopt(consumer);
            producer = Mapping.mapAt(fd, page + 2L * dataBytes, true, page);
        } catch (RuntimeException e) {
            consumer.release();
            throw e;
        }
        try {
            mapOwner.adopt(producer);
            return new UserRingBuffer(mapHandle, name, fd, consumer, producer, page, dataBytes);
        } finally {
            consumer.release();
            producer.release();
        }
    }

    /** The ring's data size in bytes (the map's max_entries). */
    public int size() {
        ensureOpen("size");
        return size;
    }

    /** The largest {@code n} {@link #reserve(int)} accepts: the ring less one header, or the kernel's bound. */
    public int maxRecordSize() {
        ensureOpen("maxRecordSize");
        return Math.min(MAX_RECORD, size - HDR_SZ);
    }

    /** Bytes free for records now (headers and padding included), from the positions. */
    public long available() {
        ensureOpen("available");
        return size - (producerArea.getLong(0) - consumerPos());
    }

    /**
     * Reserves a record of {@code n} bytes, or answers {@code null} when the
     * ring has no room for it now (never waits).
     *
     * @return a buffer of exactly {@code n} bytes (position 0, limit n, native order) over the record, valid
     *     until {@link #submit()} or {@link #discard()}
     * @throws IllegalArgumentException if {@code n} is negative or above {@link #maxRecordSize()}
     * @throws IllegalStateException if a reservation is outstanding, or this producer is closed
     */
    public ByteBuffer reserve(int n) {
        checkSize(n);
        enter("reserve");
        try {
            return reserveLocked(n);
        } finally {
            if (state == WRITING) {
                state = IDLE;
            }
        }
    }

    /**
     * Reserves a record of {@code n} bytes, waiting up to {@code timeout} for
     * the program to drain room: the kernel signals the map fd writable after
     * a drain. Answers {@code null} if the time passed.
     *
     * @throws InterruptedException if the thread is interrupted while waiting
     * @throws IllegalStateException if a reservation is outstanding, or this producer (or its map) is closed,
     *     also while waiting
     */
    public ByteBuffer reserve(int n, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        boolean wokenWithoutRoom = false;
        while (true) {
            ByteBuffer r = reserve(n);
            if (r != null) {
                return r;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException("UserRingBuffer '" + name + "'.reserve: interrupted while waiting");
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            long sliceMillis = Math.max(1, Math.min(WAIT_SLICE_MILLIS, TimeUnit.NANOSECONDS.toMillis(left)));
            if (wokenWithoutRoom) {
                // EPOLLOUT means "not full", not "room for n": back off instead of spinning on it.
                Thread.sleep(1);
                wokenWithoutRoom = false;
                continue;
            }
            int revents = waitWritable((int) sliceMillis);
            wokenWithoutRoom = revents != 0;
        }
    }

    /** Publishes the outstanding record to the program. */
    public void submit() {
        commit("submit", 0);
    }

    /** Gives the outstanding record up: the program never sees it (the kernel skips it). */
    public void discard() {
        commit("discard", DISCARD_BIT);
    }

    /** Discards an outstanding reservation and detaches the mapping; idempotent. */
    @Override
    public void close() {
        while (true) {
            int s = state;
            if (s == CLOSED) {
                return;
            }
            if (s == WRITING) {
                Thread.yield(); // a reserve/submit without a blocking step: wait for it
                continue;
            }
            if (STATE.compareAndSet(this, s, CLOSED)) {
                if (s == RESERVED && !mapHandle.isClosed()) {
                    Fences.release();
                    producerArea.putInt(reservedHeader, reservedLength | DISCARD_BIT);
                }
                producerMapping.detach();
                consumerMapping.detach();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "UserRingBuffer '" + name + "' (" + size + " bytes" + (state == CLOSED ? ", closed" : "") + ")";
    }

    private ByteBuffer reserveLocked(int n) {
        long total = ((long) n + HDR_SZ + 7) & ~7L;
        long cons = consumerPos();
        long prod = producerArea.getLong(0);
        if (size - (prod - cons) < total) {
            return null;
        }
        int hdr = dataOffset + (int) (prod & mask);
        producerArea.putInt(hdr, n | BUSY_BIT);
        producerArea.putInt(hdr + 4, 0);
        // The header (BUSY) is visible before the position that covers it: the kernel stops at a busy record.
        Fences.release();
        producerArea.putLong(0, prod + total);
        reservedHeader = hdr;
        reservedLength = n;
        ByteBuffer v = view((int) ((prod + HDR_SZ) & mask));
        v.limit(n);
        state = RESERVED;
        return v;
    }

    private void commit(String method, int bits) {
        if (mapHandle.isClosed()) {
            close();
            throw new IllegalStateException(closedMessage(method));
        }
        if (!STATE.compareAndSet(this, RESERVED, WRITING)) {
            int s = state;
            throw new IllegalStateException(s == CLOSED ? closedMessage(method)
                    : "UserRingBuffer '" + name + "'." + method + ": no reservation is outstanding; reserve first");
        }
        // Release: the record's bytes are visible before the header that drops BUSY
        // (the kernel reads the header with smp_load_acquire).
        Fences.release();
        producerArea.putInt(reservedHeader, reservedLength | bits);
        state = IDLE;
    }

    /** The reusable view of the record at {@code dataIndex}: position 0, capacity up to the second copy's end. */
    private ByteBuffer view(int dataIndex) {
        int slot = dataIndex / HDR_SZ;
        ByteBuffer v = views[slot];
        if (v == null) {
            ByteBuffer d = producerArea.duplicate();
            d.position(dataOffset + dataIndex);
            v = d.slice().order(ByteOrder.nativeOrder());
            views[slot] = v;
        }
        v.clear();
        return v;
    }

    /** Acquire: what the kernel consumed (and released) is read before this producer reuses the space. */
    private long consumerPos() {
        long c = consumerPage.getLong(0);
        Fences.acquire();
        return c;
    }

    private int waitWritable(int millis) {
        mapHandle.acquire();
        try {
            ensureOpen("reserve");
            int r = Native.userRingbufWait(fd, millis);
            if (r < 0) {
                throw Errors.of(Errors.Op.OTHER, "poll(user ring buffer '" + name + "')", -r, null);
            }
            return r;
        } finally {
            mapHandle.release();
        }
    }

    private void enter(String method) {
        if (!STATE.compareAndSet(this, IDLE, WRITING)) {
            int s = state;
            if (s == CLOSED || mapHandle.isClosed()) {
                throw new IllegalStateException(closedMessage(method));
            }
            throw new IllegalStateException("UserRingBuffer '" + name + "'." + method + ": a reservation is "
                    + "outstanding (or another thread is reserving); a ring has one producer: submit or discard"
                    + " the record first, and do not reserve from two threads at once");
        }
        if (mapHandle.isClosed()) {
            state = IDLE;
            close();
            throw new IllegalStateException(closedMessage(method));
        }
    }

    private void ensureOpen(String method) {
        if (state == CLOSED || mapHandle.isClosed()) {
            throw new IllegalStateException(closedMessage(method));
        }
    }

    private String closedMessage(String method) {
        return "UserRingBuffer '" + name + "'." + method + ": the producer (or its map) is closed;"
                + " get a new one with BpfMap.userRingBuffer()";
    }

    private void checkSize(int n) {
        if (n < 0 || n > Math.min(MAX_RECORD, size - HDR_SZ)) {
            throw new IllegalArgumentException("UserRingBuffer '" + name + "'.reserve: " + n + " bytes; a record"
                    + " holds 0 to " + Math.min(MAX_RECORD, size - HDR_SZ) + " bytes (the ring is " + size
                    + " bytes with an 8-byte header per record); use a larger USER_RINGBUF map");
        }
    }
}
