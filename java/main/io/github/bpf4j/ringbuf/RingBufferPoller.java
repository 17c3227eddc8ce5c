/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.ringbuf;

import io.github.bpf4j.internal.Handle;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Waits on several ring buffers in one thread (libbpf's {@code ring_buffer}
 * with {@code ring_buffer__add}): one epoll set, one {@link RecordHandler}
 * per ring.
 *
 * <p><b>Threading:</b> one polling thread at a time ({@code poll} and
 * {@code consume} from a second thread while one runs throw
 * {@link IllegalStateException}); each ring keeps its own one-consumer rule,
 * so a ring in a poller is not consumed elsewhere at the same time.
 * {@link #wakeup()} and {@link #close()} may be called from any thread and
 * end a blocked {@link #poll} at once (an eventfd in the epoll set); an
 * interrupt ends it within 50 ms, the interrupt status kept.
 *
 * <p>Closing the poller closes its epoll set, not the rings.
 */
public final class RingBufferPoller implements AutoCloseable {
    private final Handle handle = new Handle("RingBufferPoller");
    private final Waiter waiter;
    private final AtomicReference<Thread> poller = new AtomicReference<Thread>();
    /** Replaced on add, read by the polling thread. */
    private volatile Entry[] entries = new Entry[0];
    private int[] slots = new int[2];

    public RingBufferPoller() {
        waiter = new Waiter(this, "RingBufferPoller");
    }

    /**
     * Adds {@code ring}, whose records go to {@code handler}. May be called
     * while another thread polls.
     *
     * @return this poller
     * @throws IllegalArgumentException if the ring is in this poller already
     */
    public RingBufferPoller add(RingBuffer ring, RecordHandler handler) {
        Objects.requireNonNull(ring, "add: ring");
        Objects.requireNonNull(handler, "add: handler");
        handle.acquire();
        try {
            synchronized (this) {
                for (Entry e : entries) {
                    if (e.ring == ring) {
                        throw new IllegalArgumentException("add: " + ring + " is in this poller already");
                    }
                }
                ring.enterShared("add");
                try {
                    waiter.add(ring.fd(), entries.length, ring.toString());
                } finally {
                    ring.exitShared();
                }
                Entry[] next = Arrays.copyOf(entries, entries.length + 1);
                next[entries.length] = new Entry(ring, handler);
                entries = next;
            }
            return this;
        } finally {
            handle.release();
        }
    }

    /** How many rings were added. */
    public int size() {
        handle.ensureOpen();
        return entries.length;
    }

    /**
     * Drains every ring that has records; if none had, waits up to
     * {@code timeout} (negative: no timeout) and drains the rings that
     * became ready. Returns 0 at the timeout, on {@link #wakeup()},
     * {@link #close()} or an interrupt.
     *
     * @return records handed to the handlers, over all rings
     */
    public int poll(long timeout, TimeUnit unit) {
        Objects.requireNonNull(unit, "poll: unit");
        enter("poll");
        try {
            int n = drainAll();
            if (n > 0) {
                return n;
            }
            Entry[] all = entries;
            if (slots.length < all.length + 1) {
                slots = new int[all.length + 1];
            }
            int ready = waiter.await(timeout, unit, slots, handle);
            if (handle.isClosed()) {
                return 0;
            }
            Entry[] now = entries; // a ring added during the wait has a slot past the old array
            for (int i = 0; i < ready; i++) {
                n += now[slots[i]].drain();
            }
            return n;
        } finally {
            exit();
        }
    }

    /** Drains every ring without waiting; returns the records handled. */
    public int consume() {
        enter("consume");
        try {
            return drainAll();
        } finally {
            exit();
        }
    }

    /** Ends a blocked (or the next) {@link #poll} at once. Any thread; harmless after close. */
    public void wakeup() {
        if (!handle.isClosed()) {
            waiter.wakeup();
        }
    }

    /** Ends a blocked poll, waits for it to return, closes the epoll set. The rings stay open. */
    @Override
    public void close() {
        waiter.wakeup();
        if (handle.close()) {
            waiter.close();
        }
    }

    private int drainAll() {
        int n = 0;
        for (Entry e : entries) {
            n += e.drain();
        }
        return n;
    }

    private void enter(String method) {
        handle.acquire();
        Thread me = Thread.currentThread();
        if (!poller.compareAndSet(null, me)) {
            Thread other = poller.get();
            handle.release();
            throw new IllegalStateException("RingBufferPoller." + method + "(): "
                    + (other == me ? "called from inside one of its handlers"
                    : "thread '" + (other == null ? "?" : other.getName()) + "' is polling it")
                    + "; a poller has one polling thread at a time");
        }
    }

    private void exit() {
        poller.set(null);
        handle.release();
    }

    private static final class Entry {
        final RingBuffer ring;
        final RecordHandler handler;

        Entry(RingBuffer ring, RecordHandler handler) {
            this.ring = ring;
            this.handler = handler;
        }

        int drain() {
            ring.enter("poll");
            try {
                return ring.drain(handler, Integer.MAX_VALUE);
            } finally {
                ring.exit();
            }
        }
    }
}
