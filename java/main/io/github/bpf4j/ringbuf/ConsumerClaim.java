/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.ringbuf;

import io.github.bpf4j.internal.Handle;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one-consumer-thread rule of a {@link RingBuffer} or {@link PerfBuffer}:
 * a drain holds the consumer's own handle and its map's (so either close
 * waits for a running handler), and claims the consumer role with a CAS on
 * the thread, which also makes the reads of the consumer position plain.
 */
final class ConsumerClaim {
    private final String subject;
    private final String kind;
    private final Handle own;
    private final Handle map;
    private final AtomicReference<Thread> consumer = new AtomicReference<Thread>();

    /** @param subject e.g. "RingBuffer 'events'"; @param kind e.g. "ring", for the message */
    ConsumerClaim(String subject, String kind, Handle own, Handle map) {
        this.subject = subject;
        this.kind = kind;
        this.own = own;
        this.map = map;
    }

    /** Holds both handles without claiming the consumer role. */
    void enterShared() {
        own.acquire();
        try {
            map.acquire();
        } catch (RuntimeException e) {
            own.release();
            throw e;
        }
    }

    void exitShared() {
        map.release();
        own.release();
    }

    /** Holds both handles and claims the consumer role for this thread, or throws (nothing held). */
    void enter(String method) {
        enterShared();
        Thread me = Thread.currentThread();
        if (!consumer.compareAndSet(null, me)) {
            Thread other = consumer.get();
            exitShared();
            throw new IllegalStateException(subject + "." + method + "(): "
                    + (other == me ? "called from inside this " + kind + "'s own handler"
                    : "thread '" + (other == null ? "?" : other.getName()) + "' is consuming it")
                    + "; a " + kind + " has one consumer thread at a time");
        }
    }

    void exit() {
        consumer.set(null);
        exitShared();
    }
}
