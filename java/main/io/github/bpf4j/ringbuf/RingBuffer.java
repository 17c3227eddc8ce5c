/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.ringbuf;

import io.github.bpf4j.BpfMap;
import io.github.bpf4j.MapType;
import io.github.bpf4j.internal.BulkCopy;
import io.github.bpf4j.internal.Fences;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Mapping;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.StreamAccess;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The consumer of a {@code BPF_MAP_TYPE_RINGBUF} map ({@link BpfMap#ringBuffer()}),
 * reading records in place over the ring's mapped pages: no native call and
 * no allocation per record, no copy unless asked for ({@link #next()}).
 *
 * <p><b>Threading:</b> one consumer thread at a time. {@code consume},
 * {@code poll} and {@code next} from a second thread while one runs (or
 * from inside a handler) throw {@link IllegalStateException}; calls from
 * different threads one after the other are fine. {@link #available()},
 * {@link #close()} and the poller's {@code wakeup()} may be called from any
 * thread.
 *
 * <p><b>Lifetime:</b> {@link #close()} (or closing the map or its object)
 * waits for a drain in progress, handler included, ends a blocked
 * {@link #poll} at once, and detaches the mappings; later calls throw
 * {@link IllegalStateException}.
 */
public final class RingBuffer implements AutoCloseable {
    static final int BUSY_BIT = 1 << 31;
    static final int DISCARD_BIT = 1 << 30;
    static final int HEADER = 8;
    /** How long poll looks again at once at a reserved-not-submitted record before it backs off. */

    static {
        StreamAccess.install(new Factory());
    }

    private final String name;
    private final Handle mapHandle;
    private final Handle handle;
    private final int fd;
    private final int size;
    private final long mask;
    private final int producerAt;
    private final int dataAt;
    private final long publishEvery;
    private final Mapping consumerMapping;
    private final Mapping dataMapping;
    /** Writable root over the consumer page; its long at 0 is consumer_pos. */
    private final ByteBuffer consumerPage;
    /** Read-only root from offset 0: consumer page, producer page (producer_pos at its 0), data twice. */
    private final ByteBuffer pages;
    /** The one view handed to {@link RecordHandler}s, moved from record to record. */
    private final ByteBuffer view;
    /** What {@link OffsetRecordHandler}s read: its own object, so a handler's change never reaches {@link #pages}. */
    private final ByteBuffer inPlace;
    private final ConsumerClaim claim;
    private final Object waiterLock = new Object();
    private Waiter waiter;
    /** epoll_wait's answer for {@link #poll}, reused: only the consumer thread touches it. */
    private final int[] pollSlots = new int[2];
    private final Waiter.BusyPause busyPause = new Waiter.BusyPause();
    private byte[] copied;
    private final OffsetRecordHandler copier = new OffsetRecordHandler() {
        @Override
        public void onRecord(ByteBuffer data, int offset, int length) {
            byte[] b = new byte[length];
            BulkCopy.copy(data, offset, ByteBuffer.wrap(b).order(data.order()), 0, length);
            copied = b;
        }
    };

    private RingBuffer(String name, Handle mapHandle, int fd, int size, Mapping consumerMapping, Mapping dataMapping) {
        if (!Fences.available()) {
            throw new UnsupportedOperationException("ringBuffer: this JVM has neither VarHandle nor sun.misc.Unsafe"
                    + " fences, which the in-place reader needs to order its reads against the kernel's writes");
        }
        this.name = name;
        this.mapHandle = mapHandle;
        this.handle = new Handle("RingBuffer '" + name + "'");
        this.claim = new ConsumerClaim("RingBuffer '" + name + "'", "ring", handle, mapHandle);
        this.fd = fd;
        this.size = size;
        this.mask = size - 1L;
        int page = Native.pageSize();
        this.producerAt = page;
        this.dataAt = 2 * page;
        // A publish is a store to a cache line the producer reads: once per drain pass, and every quarter ring
        // so a slow handler does not keep a full ring's worth of space from the producer.
        this.publishEvery = Math.max(HEADER, size / 4);
        this.consumerMapping = consumerMapping;
        this.dataMapping = dataMapping;
        this.consumerPage = consumerMapping.root(0, page);
        this.pages = dataMapping.root(0, (int) dataMapping.length());
        this.inPlace = pages.duplicate().order(ByteOrder.nativeOrder());
        this.view = pages.duplicate().order(ByteOrder.nativeOrder());
    }

    /** The map's name. */
    public String name() {
        handle.ensureOpen();
        return name;
    }

    /** Size of the data area in bytes (the map's max_entries, a power of 2). */
    public int capacity() {
        handle.ensureOpen();
        return size;
    }

    /**
     * Bytes produced and not yet consumed (record headers and padding
     * included; records being written count too), read from the positions.
     */
    public long available() {
        handle.acquire();
        try {
            mapHandle.acquire();
            try {
                long prod = pages.getLong(producerAt);
                Fences.acquire();
                long cons = consumerPage.getLong(0);
                return Math.max(0, prod - cons);
            } finally {
                mapHandle.release();
            }
        } finally {
            handle.release();
        }
    }

    /** {@link #available()} as a fraction of {@link #capacity()}, 0.0 to 1.0. */
    public double fillLevel() {
        return (double) available() / size;
    }

    /**
     * Hands every committed record to {@code handler}, in order, skipping
     * discarded ones, until none is left or the next one is still being
     * written. Publishes the consumer position in batches.
     *
     * @return how many records the handler received
     * @throws IllegalStateException if closed, or another thread is consuming this ring
     */
    public int consume(RecordHandler handler) {
        Objects.requireNonNull(handler, "consume: handler");
        enter("consume");
        try {
            return drain(handler, Integer.MAX_VALUE);
        } finally {
            exit();
        }
    }

    /**
     * {@link #consume(RecordHandler)} with each record handed in place, as an
     * offset and a length into one unchanging view: the faster form for
     * handlers that read a few fields ({@link OffsetRecordHandler}).
     */
    public int consume(OffsetRecordHandler handler) {
        Objects.requireNonNull(handler, "consume: handler");
        enter("consume");
        try {
            return drain(handler, Integer.MAX_VALUE);
        } finally {
            exit();
        }
    }

    /**
     * Drains what is there; if nothing was, waits up to {@code timeout} for
     * the kernel's notification (epoll) and drains then. Returns 0 at the
     * timeout, at {@link #close()} from another thread, or when the thread
     * is interrupted (within 50 ms; the interrupt status is kept).
     *
     * @param timeout negative: no timeout
     * @return how many records the handler received
     */
    public int poll(long timeout, TimeUnit unit, RecordHandler handler) {
        Objects.requireNonNull(unit, "poll: unit");
        Objects.requireNonNull(handler, "poll: handler");
        enter("poll");
        try {
            return pollEntered(timeout, unit, handler, null);
        } finally {
            exit();
        }
    }

    /** {@link #poll(long, TimeUnit, RecordHandler)} with each record handed in place ({@link OffsetRecordHandler}). */
    public int poll(long timeout, TimeUnit unit, OffsetRecordHandler handler) {
        Objects.requireNonNull(unit, "poll: unit");
        Objects.requireNonNull(handler, "poll: handler");
        enter("poll");
        try {
            return pollEntered(timeout, unit, null, handler);
        } finally {
            exit();
        }
    }

    /** Either handler is null. */
    private int pollEntered(long timeout, TimeUnit unit, RecordHandler viewHandler, OffsetRecordHandler inPlaceHandler) {
        int n = drain(viewHandler, inPlaceHandler, Integer.MAX_VALUE);
        if (n > 0) {
            return n;
        }
        Waiter w = waiter();
        long deadline = timeout < 0 ? Long.MAX_VALUE : System.nanoTime() + unit.toNanos(timeout);
        busyPause.reset();
        for (;;) {
            long left = deadline == Long.MAX_VALUE ? -1 : Math.max(0, deadline - System.nanoTime());
            int ready = w.await(left, TimeUnit.NANOSECONDS, pollSlots, handle, mapHandle);
            if (handle.isClosed() || mapHandle.isClosed() || Thread.currentThread().isInterrupted()) {
                return 0;
            }
            n = drain(viewHandler, inPlaceHandler, Integer.MAX_VALUE);
            if (n > 0 || ready == 0 || left == 0) {
                return n;
            }
            // Ready, but the next record is still busy (or was discarded): wait for the rest of the timeout.
            busyPause.pause();
        }
    }

    /**
     * The next committed record, copied (an allocating convenience for
     * records kept after the call), or {@code null} if none is ready.
     */
    public byte[] next() {
        enter("next");
        try {
            copied = null;
            drain(copier, 1);
            byte[] b = copied;
            copied = null;
            return b;
        } finally {
            exit();
        }
    }

    /**
     * Sum over CPUs of a drop counter declared with {@code BPF4J_RINGBUF_DROPS}
     * in {@code bpf4j/ringbuf.h} (a PERCPU_ARRAY of one {@code __u64}), which
     * {@code bpf4j_ringbuf_reserve}/{@code bpf4j_ringbuf_output} increment
     * when the ring has no room. The kernel itself counts no drops.
     *
     * @throws IllegalArgumentException if {@code counter} is not such a map
     */
    public static long drops(BpfMap counter) {
        Objects.requireNonNull(counter, "drops: counter");
        if (counter.type() != MapType.PERCPU_ARRAY || counter.valueSize() != 8 || counter.keySize() != 4) {
            throw new IllegalArgumentException("drops: map '" + counter.name() + "' is a " + counter.type()
                    + " with " + counter.keySize() + "-byte keys and " + counter.valueSize() + "-byte values; pass"
                    + " the counter declared with BPF4J_RINGBUF_DROPS (PERCPU_ARRAY, __u32 key, __u64 value)");
        }
        byte[] values = counter.lookup(new byte[4]);
        if (values == null) {
            return 0;
        }
        ByteBuffer b = ByteBuffer.wrap(values).order(ByteOrder.nativeOrder());
        long total = 0;
        for (int at = 0; at + 8 <= values.length; at += 8) {
            total += b.getLong(at);
        }
        return total;
    }

    /**
     * Ends a blocked {@link #poll} (promptly, through its eventfd), waits
     * for a drain in progress (handler included), and detaches the ring's
     * mappings. Idempotent; the map stays open.
     */
    @Override
    public void close() {
        Waiter w;
        synchronized (waiterLock) {
            w = waiter;
        }
        if (w != null) {
            w.wakeup();
        }
        if (!handle.close()) {
            return;
        }
        synchronized (waiterLock) {
            w = waiter; // a poll may have made it while close() waited
        }
        if (w != null) {
            w.close();
        }
        consumerMapping.detach();
        dataMapping.detach();
    }

    @Override
    public String toString() {
        return "RingBuffer '" + name + "' (" + size + " bytes" + (handle.isClosed() ? ", closed)" : ")");
    }

    /** Whether {@link #close()} was called (closing the map does not count: its calls say so). */
    public boolean isClosed() {
        return handle.isClosed();
    }

    // ---- for RingBufferPoller

    int fd() {
        return fd;
    }

    /** Claims the ring for this thread and holds both handles. */
    void enter(String method) {
        claim.enter(method);
    }

    /** Holds both handles without claiming the consumer role (for a poller's add). */
    void enterShared(String method) {
        claim.enterShared();
    }

    void exitShared() {
        claim.exitShared();
    }

    void exit() {
        claim.exit();
    }

    /**
     * The drain loop for a {@link RecordHandler}; the caller holds {@link #enter}. Its own loop, not an
     * adapter over the in-place one: the extra call and field reads slowed this form by a third.
     */
    int drain(RecordHandler handler, int max) {
        final ByteBuffer p = pages;
        final ByteBuffer v = view;
        long cons = consumerPage.getLong(0); // only this thread writes it
        long published = cons;
        int count = 0;
        try {
            for (;;) {
                long prod = p.getLong(producerAt);
                Fences.acquire();
                boolean progress = false;
                boolean busy = false;
                while (prod - cons > 0 && count < max) {
                    int at = dataAt + (int) (cons & mask);
                    int len = p.getInt(at);
                    Fences.acquire();
                    if ((len & BUSY_BIT) != 0) {
                        busy = true;
                        break;
                    }
                    int n = len & ~(BUSY_BIT | DISCARD_BIT);
                    cons += (n + HEADER + 7) & ~7L;
                    progress = true;
                    if ((len & DISCARD_BIT) == 0) {
                        count++;
                        // Three calls, each legal whatever the handler did to the view; a two-call order picked
                        // by a branch halved the drain rate on JDK 17 (java/bench RingBufferThroughput, drain).
                        v.limit(v.capacity());
                        v.position(at + HEADER);
                        v.limit(at + HEADER + n);
                        handler.onRecord(v);
                    }
                    if (cons - published >= publishEvery) {
                        publish(cons);
                        published = cons;
                    }
                }
                if (cons != published) {
                    publish(cons);
                    published = cons;
                }
                if (!progress || busy || count >= max) {
                    return count;
                }
                // Published: look again, as records submitted meanwhile may not have woken anyone.
            }
        } finally {
            if (cons != published) {
                publish(cons);
            }
        }
    }

    /** The drain loop for whichever of the two handlers is not null; the caller holds {@link #enter}. */
    int drain(RecordHandler viewHandler, OffsetRecordHandler inPlaceHandler, int max) {
        return viewHandler != null ? drain(viewHandler, max) : drain(inPlaceHandler, max);
    }

    /**
     * The in-place drain loop; the caller holds {@link #enter}. Headers are read through {@link #pages},
     * which no handler sees; handlers get {@link #inPlace}. Nothing here stores to a buffer per record: a
     * store to one buffer's position or limit makes the JIT load every buffer's fields again (they might
     * be the same object), which is most of what the {@link RecordHandler} loop costs more.
     */
    private int drain(OffsetRecordHandler handler, int max) {
        final ByteBuffer p = pages;
        final ByteBuffer data = inPlace;
        long cons = consumerPage.getLong(0); // only this thread writes it
        long published = cons;
        int count = 0;
        try {
            for (;;) {
                long prod = p.getLong(producerAt);
                Fences.acquire();
                boolean progress = false;
                boolean busy = false;
                while (prod - cons > 0 && count < max) {
                    int at = dataAt + (int) (cons & mask);
                    int len = p.getInt(at);
                    Fences.acquire();
                    if ((len & BUSY_BIT) != 0) {
                        busy = true;
                        break;
                    }
                    int n = len & ~(BUSY_BIT | DISCARD_BIT);
                    cons += (n + HEADER + 7) & ~7L;
                    progress = true;
                    if ((len & DISCARD_BIT) == 0) {
                        count++;
                        handler.onRecord(data, at + HEADER, n);
                    }
                    if (cons - published >= publishEvery) {
                        publish(cons);
                        published = cons;
                    }
                }
                if (cons != published) {
                    publish(cons);
                    published = cons;
                }
                if (!progress || busy || count >= max) {
                    return count;
                }
                // Published: look again, as records submitted meanwhile may not have woken anyone.
            }
        } finally {
            if (cons != published) {
                publish(cons);
            }
        }
    }

    private void publish(long cons) {
        Fences.release();
        consumerPage.putLong(0, cons);
        Fences.full();
    }

    private Waiter waiter() {
        synchronized (waiterLock) {
            if (waiter == null) {
                Waiter w = new Waiter(this, "ring buffer '" + name + "'");
                try {
                    w.add(fd, 0, "ring buffer '" + name + "'");
                } catch (RuntimeException e) {
                    w.close();
                    throw e;
                }
                waiter = w;
            }
            return waiter;
        }
    }

    private static final class Factory implements StreamAccess.RingFactory {
        @Override
        public Object open(String name, Handle mapHandle, int fd, int size, Mapping consumer, Mapping data) {
            return new RingBuffer(name, mapHandle, fd, size, consumer, data);
        }
    }
}
