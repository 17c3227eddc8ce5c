/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Frees native resources whose owner was forgotten (never closed and no longer
 * reachable). JDK 8 has no java.lang.ref.Cleaner, so this is a small one: a
 * phantom reference per resource and one daemon thread.
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

    static {
        Thread thread = new Thread(new Runnable() {
            @Override
            public void run() {
                for (;;) {
                    try {
                        Reference<?> ref = QUEUE.remove();
                        ((Cleanable) ref).clean();
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

    /** Runs {@code action} once: at {@link Cleanable#clean()} or after {@code referent} becomes unreachable. */
    public static Cleanable register(Object referent, Runnable action) {
        Cleanable c = new Cleanable(referent, action);
        PENDING.add(c);
        return c;
    }

    public static final class Cleanable extends PhantomReference<Object> {
        private Runnable action;

        Cleanable(Object referent, Runnable action) {
            super(referent, QUEUE);
            this.action = action;
        }

        public void clean() {
            Runnable a;
            synchronized (this) {
                a = action;
                action = null;
            }
            if (a != null) {
                PENDING.remove(this);
                clear();
                a.run();
            }
        }
    }
}
