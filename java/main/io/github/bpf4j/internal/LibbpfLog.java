/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Receives libbpf's messages from the C shim (log.c) and hands them to the
 * installed handler: by default java.util.logging's {@code io.github.bpf4j.libbpf}.
 *
 * <p>log.c drops the messages nobody wants before calling into Java (a load
 * prints dozens of DEBUG lines). The rule: a handler installed with
 * {@link #setHandler} gets every level; java.util.logging gets the levels its
 * logger's effective level lets through, as read when the handler is set,
 * when the library loads, and at every {@code BpfObject} open and load (the
 * calls that print nearly all of libbpf's lines). So a level changed through
 * java.util.logging alone takes effect from the next open or load.
 */
public final class LibbpfLog {
    public static final Logger LOGGER = Logger.getLogger("io.github.bpf4j.libbpf");

    private static final int LIBBPF_NONE = -1;
    private static final int LIBBPF_WARN = 0;
    private static final int LIBBPF_INFO = 1;
    private static final int LIBBPF_DEBUG = 2;

    private static final BiConsumer<Level, String> JUL = new BiConsumer<Level, String>() {
        @Override
        public void accept(Level level, String message) {
            if (LOGGER.isLoggable(level)) {
                LOGGER.log(level, message);
            }
        }
    };

    private static volatile BiConsumer<Level, String> handler = JUL;
    /** Messages that reached Java, by libbpf level: what the native gate let through (tests). */
    static final AtomicLongArray FORWARDED = new AtomicLongArray(3);
    /** The level last given to log.c, to skip the JNI call when nothing changed. */
    private static volatile int nativeLevel = Integer.MIN_VALUE;

    private LibbpfLog() {}

    /** null restores java.util.logging. */
    public static void setHandler(BiConsumer<Level, String> h) {
        handler = h == null ? JUL : h;
        refresh();
    }

    /**
     * Tells log.c the most verbose level anyone wants now. Cheap (a few
     * isLoggable checks); does nothing before the native library is loaded,
     * which calls it itself.
     */
    public static synchronized void refresh() {
        if (!NativeLibrary.isLoaded()) {
            return;
        }
        int level = wantedLevel();
        if (level != nativeLevel) {
            nativeLevel = level;
            Native.logSetLevel(level);
        }
    }

    /** The most verbose libbpf level the installed handler takes. */
    static int wantedLevel() {
        if (handler != JUL) {
            return LIBBPF_DEBUG;
        }
        // The verifier log arrives as a WARN and is logged at FINE (verifierLog): WARN covers it.
        return LOGGER.isLoggable(level(LIBBPF_DEBUG)) ? LIBBPF_DEBUG
                : LOGGER.isLoggable(level(LIBBPF_INFO)) ? LIBBPF_INFO
                : LOGGER.isLoggable(level(LIBBPF_WARN)) || LOGGER.isLoggable(Level.FINE) ? LIBBPF_WARN
                : LIBBPF_NONE;
    }

    /** libbpf's levels: LIBBPF_WARN 0, LIBBPF_INFO 1, LIBBPF_DEBUG 2. */
    static Level level(int libbpfLevel) {
        switch (libbpfLevel) {
            case LIBBPF_WARN: return Level.WARNING;
            case LIBBPF_INFO: return Level.INFO;
            default: return Level.FINE;
        }
    }

    /** Called from log.c on the thread that called libbpf. */
    static void log(int libbpfLevel, String message) {
        FORWARDED.incrementAndGet(Math.max(0, Math.min(2, libbpfLevel)));
        String text = message.endsWith("\n") ? message.substring(0, message.length() - 1) : message;
        handler.accept(verifierLog(text) || misleading(text) ? Level.FINE : level(libbpfLevel), text);
    }

    /**
     * libbpf's memlock advice ("Couldn't load trivial BPF program ... RLIMIT_MEMLOCK", "Failed to bump
     * RLIMIT_MEMLOCK", "try raising 'ulimit -l'") blames the kernel's config and a memlock limit, which
     * Linux 5.11+ no longer charges BPF memory to, for what in a container is a missing capability or a
     * seccomp filter: the BpfPermissionException that follows says which, so the warnings would only
     * mislead a service's WARNING log.
     */
    static boolean misleading(String text) {
        return text.contains(Errors.TRIVIAL_PROGRAM) || text.contains("Failed to bump RLIMIT_MEMLOCK")
                || text.contains("try raising 'ulimit -l'");
    }

    /**
     * libbpf prints a rejected program's whole verifier log as one warning.
     * It travels in the BpfVerifierException already, so it goes out at FINE
     * instead of flooding a service's WARNING log; the one-line reasons
     * libbpf prints around it stay warnings.
     */
    static boolean verifierLog(String text) {
        return text.contains("-- BEGIN PROG LOAD LOG --");
    }
}
