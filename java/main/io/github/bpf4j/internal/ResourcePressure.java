/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The safety net for forgotten resources, after java.nio's direct memory
 * ({@code java.nio.Bits.reserveMemory}): a forgotten map or object holds its
 * fds and mappings until the garbage collector finds it, and a program that
 * allocates little Java heap may never prompt a collection. So when a call
 * that creates an fd or a mapping fails for want of one (EMFILE, ENFILE,
 * ENOMEM), the failing thread prompts a GC, waits (bounded) until the
 * {@link Cleaner} has freed what it found, and the call is retried once.
 *
 * <p>The wrappers in {@link Native} do this for each fd- or mapping-creating
 * call; a native added later that creates one must get such a wrapper too.
 * Reliefs are serialized: threads failing together share one GC. With
 * {@code -XX:+DisableExplicitGC} the GC cannot be prompted and the net only
 * costs the wait, as for direct memory.
 */
public final class ResourcePressure {
    private static final Logger LOG = Logger.getLogger("io.github.bpf4j");
    /** As long as Bits.reserveMemory may wait (about 0.5 s) and then some: the cleaner also closes fds. */
    private static final long MAX_WAIT_MILLIS = 1000;
    /** Room a load may need on top of one fd per program and map: BTF, libbpf's probes, module BTFs. */
    private static final int LOAD_SLACK_FDS = 8;

    private static final int ENFILE = 23;
    private static final int EMFILE = 24;

    private static final Object LOCK = new Object();
    /** Reliefs started; a thread that failed before one started can retry on its work. */
    private static volatile long started;
    private static final AtomicLong RELIEFS = new AtomicLong();

    private ResourcePressure() {}

    /**
     * Loads what a relief needs while fds are still free: reading a class file
     * takes one, so the first relief must not be the first use of these classes.
     */
    static void prepare() {
        Cleaner.pending();
    }

    /** errno values that may mean "forgotten resources hold what this call needs". */
    public static boolean isPressure(int errno) {
        return errno == EMFILE || errno == ENFILE || errno == Errors.ENOMEM;
    }

    /** Only the fd table: for calls where ENOMEM usually means bad input, not pressure. */
    public static boolean isFdPressure(int errno) {
        return errno == EMFILE || errno == ENFILE;
    }

    /**
     * For the wrappers in {@link Native}: after {@code operation} failed with
     * {@code errno}, relieves pressure if the errno is one (see
     * {@link #isPressure}) and says whether the caller should retry once.
     */
    static boolean relieved(String operation, int errno) {
        if (!isPressure(errno)) {
            return false;
        }
        relieve(operation, errno);
        return true;
    }

    /** How many reliefs this JVM has run (for tests and diagnostics). */
    public static long reliefs() {
        return RELIEFS.get();
    }

    /**
     * After {@code operation} failed with {@code errno}: frees what forgotten
     * resources hold, so that the caller's one retry can succeed. Returns at
     * once if another thread's relief started since the failure.
     */
    public static void relieve(String operation, int errno) {
        long seen = started;
        synchronized (LOCK) {
            if (started != seen) {
                return; // a relief began after our failure and, since we hold the lock, has ended
            }
            started = seen + 1;
            long t0 = System.nanoTime();
            long freed = Cleaner.collectAndWait(MAX_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            RELIEFS.incrementAndGet();
            if (LOG.isLoggable(Level.FINE)) {
                LOG.log(Level.FINE, "bpf4j: {0} failed with {1}: collected garbage, the cleaner freed {2} forgotten"
                        + " resources and buffers in {3} ms; retrying once", new Object[] {operation,
                            Errors.errnoName(errno), String.valueOf(freed),
                            String.valueOf(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))});
            }
        }
    }

    /**
     * Before a load, which cannot be retried (libbpf refuses to load an
     * object twice, even after a failure): makes sure the fds it needs are
     * free, relieving pressure if they are not. Never throws; the load itself
     * reports what goes wrong.
     */
    public static void reserveForLoad(int programs, int maps, String operation) {
        int needed = programs + maps + LOAD_SLACK_FDS;
        // Counting is two system calls; the probe opens and closes `needed` fds (22 us of a 200 us load).
        // Twice the need leaves room for other threads opening meanwhile.
        int room = Native.fdRoom();
        if (room >= 2 * needed) {
            return;
        }
        int errno = tryReserve(needed);
        if (errno != 0) {
            relieve("reserving " + needed + " fds for " + operation, errno);
        }
    }

    /** Opens and closes {@code count} fds; 0, or the errno if the fd table is full. */
    private static int tryReserve(int count) {
        int[] fds = new int[count];
        int n = 0;
        int errno = 0;
        try {
            while (n < count) {
                int fd = n == 0 ? Native.openNonBlocking0("/dev/null") : Native.dup0(fds[0]);
                if (fd < 0) {
                    errno = isFdPressure(-fd) ? -fd : 0; // anything else (no /dev/null): nothing to say
                    break;
                }
                fds[n++] = fd;
            }
        } finally {
            for (int i = 0; i < n; i++) {
                Native.close(fds[i]);
            }
        }
        return errno;
    }
}
