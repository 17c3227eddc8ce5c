/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.ringbuf;

import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeOwner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An epoll set over ring buffer fds plus an eventfd (slot -1) that
 * {@link #wakeup()} writes, so another thread ends a wait at once. Waits run
 * in slices of at most {@link #SLICE_MS}: a thread blocked in epoll_wait does
 * not see {@link Thread#interrupt()}, so the interrupt status is checked
 * between slices.
 */
final class Waiter {
    static final int SLICE_MS = 50;
    static final int WAKE_SLOT = -1;

    private final String subject;
    private final NativeOwner epoll;
    private final NativeOwner event;
    private final int epfd;
    private final int efd;

    Waiter(Object referent, String subject) {
        this.subject = subject;
        int e = Native.epollCreate();
        if (e < 0) {
            throw Errors.of(Errors.Op.RINGBUF_POLL, "epoll_create1(" + subject + ")", -e, null);
        }
        epfd = e;
        epoll = NativeOwner.ofFd(referent, subject + " epoll fd", e);
        int v = Native.eventFd();
        if (v < 0) {
            epoll.close();
            throw Errors.of(Errors.Op.RINGBUF_POLL, "eventfd(" + subject + ")", -v, null);
        }
        efd = v;
        event = NativeOwner.ofFd(referent, subject + " eventfd", v);
        try {
            add(v, WAKE_SLOT, "its wake-up eventfd");
        } catch (RuntimeException ex) {
            close();
            throw ex;
        }
    }

    void add(int fd, int slot, String what) {
        epoll.handle().acquire();
        try {
            int err = Native.epollAdd(epfd, fd, slot);
            if (err < 0) {
                throw Errors.of(Errors.Op.RINGBUF_POLL, "epoll_ctl(" + subject + ", add " + what + ")", -err, null);
            }
        } finally {
            epoll.handle().release();
        }
    }

    void remove(int fd, String what) {
        epoll.handle().acquire();
        try {
            int err = Native.epollDel(epfd, fd);
            if (err < 0) {
                throw Errors.of(Errors.Op.RINGBUF_POLL, "epoll_ctl(" + subject + ", delete " + what + ")", -err, null);
            }
        } finally {
            epoll.handle().release();
        }
    }

    /**
     * The pause after a wake-up that found nothing to read: epoll reports a
     * ring readable while its next record is reserved but not yet submitted
     * (the kernel counts reserved bytes as data), so waiting again returns at
     * once. A program submits within nanoseconds of its reserve, so for the
     * first {@link #SPIN_NANOS} the poll looks again at once (as a
     * {@code ring_buffer__poll} loop does); only a longer gap (a preempted
     * producer) gets yields and then sleeps growing from 10 us to 1 ms, not a
     * spinning core. A consumer that keeps up with a fast producer lands here
     * on nearly every poll: backing off from the first miss cost it two thirds
     * of its throughput (java/bench RingBufferThroughput, poll). One per
     * consumer, touched by its polling thread only.
     */
    static final class BusyPause {
        static final long SPIN_NANOS = 50_000;
        private long since;
        private int attempt;

        /** A poll begins: no busy record seen yet. */
        void reset() {
            since = 0;
            attempt = 0;
        }

        void pause() {
            long now = System.nanoTime();
            if (since == 0) {
                since = now | 1;
            }
            if (now - since < SPIN_NANOS) {
                return;
            }
            if (attempt < 4) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(Math.min(1_000_000L, 10_000L << Math.min(attempt - 4, 7)));
            }
            attempt++;
        }
    }

    /**
     * Waits until a ring is ready, {@link #wakeup()}, an interrupt or the
     * timeout (negative: none), or until {@code watched} or {@code alsoWatched}
     * (may be null) is closing. Returns how many slots are in {@code slots}
     * (the wake-up slot left out), 0 if none. Two parameters, not varargs:
     * a poll's wait allocates nothing.
     */
    int await(long timeout, TimeUnit unit, int[] slots, Handle watched, Handle alsoWatched) {
        long deadline = timeout < 0 ? Long.MAX_VALUE : System.nanoTime() + unit.toNanos(timeout);
        epoll.handle().acquire();
        try {
            for (;;) {
                if (Thread.currentThread().isInterrupted()) {
                    return 0;
                }
                if (watched.isClosed() || (alsoWatched != null && alsoWatched.isClosed())) {
                    return 0;
                }
                long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
                int ms = left <= 0 ? 0 : left >= SLICE_MS * 1_000_000L ? SLICE_MS : (int) ((left + 999_999) / 1_000_000);
                int n = Native.epollWait(epfd, slots, ms);
                if (n == -Errors.EINTR) {
                    continue;
                }
                if (n < 0) {
                    throw Errors.of(Errors.Op.RINGBUF_POLL, "epoll_wait(" + subject + ")", -n, null);
                }
                int rings = 0;
                boolean woken = false;
                for (int i = 0; i < n; i++) {
                    if (slots[i] == WAKE_SLOT) {
                        woken = true;
                        Native.eventFdDrain(efd);
                    } else {
                        slots[rings++] = slots[i];
                    }
                }
                if (rings > 0 || woken || left <= 0) {
                    return rings;
                }
            }
        } finally {
            epoll.handle().release();
        }
    }

    /** Ends a wait in progress (or the next one) at once; harmless after close. */
    void wakeup() {
        try {
            event.handle().acquire();
        } catch (IllegalStateException closed) {
            return;
        }
        try {
            Native.eventFdSignal(efd);
        } finally {
            event.handle().release();
        }
    }

    /** Wakes a waiter, waits for it to leave, closes both fds. */
    void close() {
        wakeup();
        epoll.close();
        event.close();
    }
}
