/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Frees native resources whose owner was forgotten (never closed and no longer
 * reachable). JDK 8 has no java.lang.ref.Cleaner, so this is a small one: a
 * phantom reference per resource and one daemon thread.
 *
 * <p>Two kinds of registration: a {@link #registerResource resource} (an fd,
 * a libbpf object) is meant to be closed, so freeing it here is a leak and is
 * reported by {@link LeakReport}; a {@link #register plain} registration
 * (a mapping's root buffer) is meant to be collected and is freed silently.
 *
 * <p>The thread counts what it frees, so {@link ResourcePressure} can wait
 * until a GC's findings have been freed before it retries a call.
 *
 * <p>An action must not refer to its referent, or the referent never becomes
 * unreachable.
 */
public final class Cleaner {
    private static final Logger LOG = Logger.getLogger("io.github.bpf4j");
    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<Object>();
    /** Keeps the references themselves reachable until they are cleaned. */
    private static final Set<Cleanable> PENDING =
            Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<Cleanable, Boolean>()));
    /** References the thread has taken from the queue and run: its progress, for waiters. */
    private static final AtomicLong PROCESSED = new AtomicLong();
    /** True while the thread blocks on an empty queue. */
    private static volatile boolean idle;

    static {
        // Loaded now, not at the first leak or relief: that may come when no fd is left to read a class file with.
        LeakReport.class.getName();
        Sentinel.class.getName();
        Thread thread = new Thread(new Runnable() {
            @Override
            public void run() {
                for (;;) {
                    try {
                        Reference<?> ref = QUEUE.poll();
                        if (ref == null) {
                            idle = true;
                            try {
                                ref = QUEUE.remove();
                            } finally {
                                idle = false;
                            }
                        }
                        try {
                            ((Cleanable) ref).collected();
                        } finally {
                            PROCESSED.incrementAndGet();
                        }
                    } catch (InterruptedException e) {
                        // a daemon thread; nothing stops it but the JVM
                    } catch (Throwable t) {
                        LOG.log(Level.WARNING, "bpf4j: freeing an unreachable native resource failed", t);
                    }
                }
            }
        }, "bpf4j-cleaner");
        thread.setDaemon(true);
        thread.start();
    }

    private Cleaner() {}

    /**
     * Runs {@code action} once: at {@link Cleanable#clean()} or, silently, after
     * {@code referent} becomes unreachable. For things whose collection is normal.
     */
    public static Cleanable register(Object referent, Runnable action) {
        Cleanable c = new Cleanable(referent, action, null, null);
        PENDING.add(c);
        return c;
    }

    /**
     * Like {@link #register}, for a resource its user should close: if it is
     * freed because it became unreachable, a warning names it ({@code what},
     * e.g. {@code BpfObject 'mmap'}) and, with {@code -Dbpf4j.leakDetection=true},
     * where it was created.
     */
    public static Cleanable registerResource(Object referent, String what, Runnable action) {
        Cleanable c = new Cleanable(referent, action, what, LeakReport.site());
        PENDING.add(c);
        return c;
    }

    /** Resources and buffers registered and not freed yet. */
    public static int pending() {
        return PENDING.size();
    }

    /**
     * Prompts a GC and waits, at most {@code timeout}, until what it found
     * unreachable has been freed: first until a sentinel registered now has
     * been through the queue (so this GC's references are enqueued), then
     * until the thread has drained the queue. Never frees anything on the
     * calling thread, which may hold a handle a forgotten resource's release
     * would wait for.
     *
     * @return how many registrations the thread freed meanwhile (resources and buffers)
     */
    public static long collectAndWait(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        long before = PROCESSED.get();
        Sentinel seen = new Sentinel();
        register(new Object(), seen);
        System.gc();
        long sleep = 1;
        while (!seen.ran && System.nanoTime() < deadline) {
            if (!sleep(sleep, deadline)) {
                return PROCESSED.get() - before;
            }
            sleep = Math.min(sleep * 2, 64);
        }
        // The queue is LIFO and the JVM may still be enqueueing: drained means idle with no progress over a sleep.
        while (System.nanoTime() < deadline) {
            long progress = PROCESSED.get();
            if (!sleep(1, deadline) || idle && PROCESSED.get() == progress) {
                break;
            }
        }
        return PROCESSED.get() - before;
    }

    /** False if interrupted: the caller stops waiting, and the interrupt status stays set. */
    private static boolean sleep(long millis, long deadline) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        try {
            Thread.sleep(Math.max(0, Math.min(millis, left)));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static final class Sentinel implements Runnable {
        volatile boolean ran;

        @Override
        public void run() {
            ran = true;
        }
    }

    public static final class Cleanable extends PhantomReference<Object> {
        private Runnable action;
        /** For a resource: what it is, for the leak warning; null for a plain registration. */
        private final String what;
        /** Where it was created, when leak detection asks for sites; else null. */
        private final Throwable site;

        Cleanable(Object referent, Runnable action, String what, Throwable site) {
            super(referent, QUEUE);
            this.action = action;
            this.what = what;
            this.site = site;
        }

        /** Runs the action now, if it has not run: the owner's close(). */
        public void clean() {
            run(false);
        }

        /** The thread's call: the referent was forgotten. */
        void collected() {
            run(true);
        }

        private void run(boolean collected) {
            Runnable a;
            synchronized (this) {
                a = action;
                action = null;
            }
            if (a != null) {
                PENDING.remove(this);
                clear();
                try {
                    a.run();
                } finally {
                    if (collected && what != null) {
                        LeakReport.leaked(what, site);
                    }
                }
            }
        }
    }
}
