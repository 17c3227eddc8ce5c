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
    /** Replaced on add and remove, read by the polling thread. */
    private volatile Entry[] entries = new Entry[0];
    /** An entry's epoll data: never reused, so a stale ready event after a remove finds no entry. */
    private int nextToken;
    private int[] slots = new int[2];
    private final Waiter.BusyPause busyPause = new Waiter.BusyPause();

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
        return add(ring, handler, null);
    }

    /**
     * {@link #add(RingBuffer, RecordHandler)} with the ring's records handed
     * in place ({@link OffsetRecordHandler}, the faster form).
     */
    public RingBufferPoller add(RingBuffer ring, OffsetRecordHandler handler) {
        Objects.requireNonNull(ring, "add: ring");
        Objects.requireNonNull(handler, "add: handler");
        return add(ring, null, handler);
    }

    private RingBufferPoller add(RingBuffer ring, RecordHandler handler, OffsetRecordHandler inPlace) {
        handle.acquire();
        try {
            synchronized (this) {
                for (Entry e : entries) {
                    if (e.ring == ring) {
                        throw new IllegalArgumentException("add: " + ring + " is in this poller already");
                    }
                }
                int token = nextToken++;
                ring.enterShared("add");
                try {
                    waiter.add(ring.fd(), token, ring.toString());
                } finally {
                    ring.exitShared();
                }
                Entry[] next = Arrays.copyOf(entries, entries.length + 1);
                next[entries.length] = new Entry(ring, handler, inPlace, token);
                entries = next;
            }
            return this;
        } finally {
            handle.release();
        }
    }

    /**
     * Takes {@code ring} out of this poller. From another thread this
     * waits for a drain of the ring in progress (its handler included) to
     * finish: once it returns, the ring's handler is neither running nor
     * called again by this poller. A handler may remove its own ring (the
     * records of the drain it is in still reach it). The ring stays open,
     * to be consumed directly or added elsewhere.
     *
     * @return whether the ring was in this poller
     */
    public boolean remove(RingBuffer ring) {
        Objects.requireNonNull(ring, "remove: ring");
        handle.acquire();
        try {
            Entry removed = null;
            synchronized (this) {
                for (int i = 0; i < entries.length && removed == null; i++) {
                    if (entries[i].ring == ring) {
                        removed = entries[i];
                        Entry[] next = new Entry[entries.length - 1];
                        System.arraycopy(entries, 0, next, 0, i);
                        System.arraycopy(entries, i + 1, next, i, next.length - i);
                        entries = next;
                    }
                }
                if (removed == null) {
                    return false;
                }
                leaveEpollSet(ring);
            }
            // Outside the poller's lock: a handler that calls add or remove must not wait for us.
            removed.retire();
            return true;
        } finally {
            handle.release();
        }
    }

    private void leaveEpollSet(RingBuffer ring) {
        try {
            ring.enterShared("remove");
        } catch (IllegalStateException closed) {
            return; // its fd left the epoll set when it closed
        }
        try {
            waiter.remove(ring.fd(), ring.toString());
        } finally {
            ring.exitShared();
        }
    }

    /** How many rings are in this poller. */
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
            long deadline = timeout < 0 ? Long.MAX_VALUE : System.nanoTime() + unit.toNanos(timeout);
            busyPause.reset();
            for (;;) {
                Entry[] all = entries;
                if (slots.length < all.length + 1) {
                    slots = new int[all.length + 1];
                }
                long left = deadline == Long.MAX_VALUE ? -1 : Math.max(0, deadline - System.nanoTime());
                int ready = waiter.await(left, TimeUnit.NANOSECONDS, slots, handle, null);
                if (handle.isClosed() || Thread.currentThread().isInterrupted()) {
                    return 0;
                }
                Entry[] now = entries; // rings added or removed during the wait: found by token
                for (int i = 0; i < ready; i++) {
                    Entry e = find(now, slots[i]);
                    if (e != null) {
                        n += e.drain();
                    }
                }
                if (n > 0 || ready == 0 || left == 0) {
                    return n;
                }
                // Ready, but the next records are still busy (or were discarded): wait for the rest of the timeout.
                busyPause.pause();
            }
        } finally {
            exit();
        }
    }

    private static Entry find(Entry[] all, int token) {
        for (Entry e : all) {
            if (e.token == token) {
                return e;
            }
        }
        return null;
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
        /** One of handler and inPlace is set. */
        final RecordHandler handler;
        final OffsetRecordHandler inPlace;
        final int token;

        Entry(RingBuffer ring, RecordHandler handler, OffsetRecordHandler inPlace, int token) {
            this.ring = ring;
            this.handler = handler;
            this.inPlace = inPlace;
            this.token = token;
        }

        /** Set by {@link #retire} under this entry's lock, read under it. */
        private boolean retired;

        /** The lock makes {@link RingBufferPoller#remove} wait for a drain in progress. */
        synchronized int drain() {
            if (retired) {
                return 0;
            }
            ring.enter("poll");
            try {
                return ring.drain(handler, inPlace, Integer.MAX_VALUE);
            } finally {
                ring.exit();
            }
        }

        synchronized void retire() {
            retired = true;
        }
    }
}
