/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Warns about resources the garbage collector freed because nobody closed
 * them: once per creation site. The site (a stack trace taken when the
 * resource is created) costs a few microseconds per resource, so it is
 * captured only with {@code -Dbpf4j.leakDetection=true}; without it, "site"
 * means what leaked (e.g. {@code BpfObject 'mmap'}), which is free.
 */
public final class LeakReport {
    /** The system property that turns on capturing creation sites. */
    public static final String PROPERTY = "bpf4j.leakDetection";

    private static final Logger LOG = Logger.getLogger("io.github.bpf4j");
    private static final boolean CAPTURE_SITES = Boolean.getBoolean(PROPERTY);
    /** Bounds the log (and the memory kept to deduplicate it); past it, leaks are only counted. */
    private static final int MAX_REPORTS = 64;
    private static final Set<String> REPORTED = new HashSet<String>();
    private static final AtomicLong LEAKED = new AtomicLong();
    private static final String INTERNAL = LeakReport.class.getPackage().getName() + ".";

    private LeakReport() {}

    /** Where a resource is being created, if sites are captured; else null. */
    static Throwable site() {
        return CAPTURE_SITES ? new Throwable("created here") : null;
    }

    /** How many resources the garbage collector has freed in this JVM because they were not closed. */
    public static long leaked() {
        return LEAKED.get();
    }

    /** Called after the cleaner freed {@code what}; logs the first time for its site. */
    static void leaked(String what, Throwable site) {
        LEAKED.incrementAndGet();
        if (!LOG.isLoggable(Level.WARNING)) {
            return;
        }
        if (site != null) {
            trimInternalFrames(site);
        }
        String key = site == null ? what : what + siteKey(site);
        synchronized (REPORTED) {
            if (REPORTED.size() > MAX_REPORTS || REPORTED.contains(key)) {
                return;
            }
            REPORTED.add(key);
            if (REPORTED.size() > MAX_REPORTS) {
                LOG.log(Level.WARNING, "bpf4j: " + MAX_REPORTS + " unclosed-resource sites were reported; further"
                        + " ones are freed by the garbage collector without a warning");
                return;
            }
        }
        if (site == null) {
            LOG.log(Level.WARNING, "bpf4j: {0} was never closed; freed by the garbage collector. Close it"
                    + " (try-with-resources) to release its fds and memory at once; run with -D" + PROPERTY
                    + "=true to log where it was created", what);
        } else {
            LOG.log(Level.WARNING, "bpf4j: " + what + " was never closed; freed by the garbage collector. Close it"
                    + " (try-with-resources) to release its fds and memory at once. It was created here:", site);
        }
    }

    /** The trace starts at the public call (BpfObject.open, BpfMap.create, ...), not in bpf4j's plumbing. */
    private static void trimInternalFrames(Throwable site) {
        StackTraceElement[] frames = site.getStackTrace();
        int first = 0;
        while (first < frames.length - 1 && frames[first].getClassName().startsWith(INTERNAL)) {
            first++;
        }
        if (first > 0) {
            List<StackTraceElement> kept = new ArrayList<StackTraceElement>();
            for (int i = first; i < frames.length; i++) {
                kept.add(frames[i]);
            }
            site.setStackTrace(kept.toArray(new StackTraceElement[0]));
        }
    }

    private static String siteKey(Throwable site) {
        StringBuilder key = new StringBuilder();
        for (StackTraceElement frame : site.getStackTrace()) {
            key.append('\n').append(frame);
        }
        return key.toString();
    }
}
