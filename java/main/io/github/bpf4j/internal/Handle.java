/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.LockSupport;

/**
 * The life of one native resource and the calls in flight on it.
 *
 * <p>Every call that uses the resource's fd or pointer runs between
 * {@link #acquire()} and {@link #release()}. {@link #close()} first refuses
 * new calls, then waits for the ones in flight; only then may the owner free
 * the resource. So a call never reaches a closed fd, and never an fd number
 * that the kernel has since handed to someone else's map.
 *
 * <p>One int holds both: the sign bit means closed, the rest counts calls in
 * flight. Acquire and release are one CAS each and allocate nothing.
 */
public final class Handle {
    private static final AtomicIntegerFieldUpdater<Handle> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Handle.class, "state");
    private static final int CLOSED = Integer.MIN_VALUE;

    private final String description;
    private volatile int state;

    /** @param description names the resource in "is closed" messages, e.g. "BpfObject 'mmap'" */
    public Handle(String description) {
        this.description = description;
    }

    public void acquire() {
        for (;;) {
            int s = state;
            if (s < 0) {
                throw new IllegalStateException(description + " is closed");
            }
            if (s == Integer.MAX_VALUE) {
                throw new IllegalStateException(description + ": too many calls in flight");
            }
            if (STATE.compareAndSet(this, s, s + 1)) {
                return;
            }
        }
    }

    public void release() {
        STATE.decrementAndGet(this);
    }

    /** Throws {@link IllegalStateException} if closed; for calls that touch no native state. */
    public void ensureOpen() {
        if (state < 0) {
            throw new IllegalStateException(description + " is closed");
        }
    }

    public boolean isClosed() {
        return state < 0;
    }

    /**
     * Refuses new calls and waits until the calls in flight have returned.
     *
     * @return true for the one caller that closed it, who must free the resource
     */
    public boolean close() {
        for (;;) {
            int s = state;
            if (s < 0) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s | CLOSED)) {
                break;
            }
        }
        for (int spins = 0; (state & ~CLOSED) != 0; spins++) {
            if (spins < 64) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(50_000L);
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return description;
    }
}
