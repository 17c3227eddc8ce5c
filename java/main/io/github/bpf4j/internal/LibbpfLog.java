/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Receives libbpf's messages from the C shim (log.c) and hands them to the
 * installed handler: by default java.util.logging's {@code io.github.bpf4j.libbpf}.
 */
public final class LibbpfLog {
    public static final Logger LOGGER = Logger.getLogger("io.github.bpf4j.libbpf");

    private static final BiConsumer<Level, String> JUL = new BiConsumer<Level, String>() {
        @Override
        public void accept(Level level, String message) {
            if (LOGGER.isLoggable(level)) {
                LOGGER.log(level, message);
            }
        }
    };

    private static volatile BiConsumer<Level, String> handler = JUL;

    private LibbpfLog() {}

    /** null restores java.util.logging. */
    public static void setHandler(BiConsumer<Level, String> h) {
        handler = h == null ? JUL : h;
    }

    /** libbpf's levels: LIBBPF_WARN 0, LIBBPF_INFO 1, LIBBPF_DEBUG 2. */
    static Level level(int libbpfLevel) {
        switch (libbpfLevel) {
            case 0: return Level.WARNING;
            case 1: return Level.INFO;
            default: return Level.FINE;
        }
    }

    /** Called from log.c on the thread that called libbpf. */
    static void log(int libbpfLevel, String message) {
        String text = message.endsWith("\n") ? message.substring(0, message.length() - 1) : message;
        handler.accept(verifierLog(text) ? Level.FINE : level(libbpfLevel), text);
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
