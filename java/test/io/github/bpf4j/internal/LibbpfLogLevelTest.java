/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfObject;
import io.github.bpf4j.Kernel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** log.c drops what the logger would drop: no call into Java for a DEBUG line nobody logs. */
class LibbpfLogLevelTest {
    private static final String CORE = "bpf/core_test.bpf.o";
    private final Level old = LibbpfLog.LOGGER.getLevel();

    @AfterEach
    void restore() {
        LibbpfLog.LOGGER.setLevel(old);
        LibbpfLog.setHandler(null);
    }

    @Test
    void debugLinesStayNativeUnlessTheLoggerWantsThem() {
        Kernel.requireBpf();
        LibbpfLog.setHandler(null);
        // Changed through java.util.logging alone: the next open reads it.
        LibbpfLog.LOGGER.setLevel(Level.INFO);
        long debugBefore = LibbpfLog.FORWARDED.get(2);
        BpfObject.openResource(CORE).load().close();
        assertEquals(debugBefore, LibbpfLog.FORWARDED.get(2), "at INFO no DEBUG line reached Java");
        assertEquals(1, LibbpfLog.wantedLevel());

        LibbpfLog.LOGGER.setLevel(Level.FINE);
        BpfObject.openResource(CORE).load().close();
        assertTrue(LibbpfLog.FORWARDED.get(2) > debugBefore + 5, "at FINE libbpf's DEBUG lines reach Java");

        LibbpfLog.LOGGER.setLevel(Level.OFF);
        assertEquals(-1, LibbpfLog.wantedLevel());
        long all = LibbpfLog.FORWARDED.get(0) + LibbpfLog.FORWARDED.get(1) + LibbpfLog.FORWARDED.get(2);
        BpfObject.openResource(CORE).load().close();
        assertEquals(all, LibbpfLog.FORWARDED.get(0) + LibbpfLog.FORWARDED.get(1) + LibbpfLog.FORWARDED.get(2),
                "OFF: nothing reaches Java");
    }

    /** A handler of the user's gets every level, whatever java.util.logging's level. */
    @Test
    void aCustomHandlerGetsDebugLinesEvenWithTheLoggerOff() {
        Kernel.requireBpf();
        LibbpfLog.LOGGER.setLevel(Level.OFF);
        AtomicInteger fine = new AtomicInteger();
        LibbpfLog.setHandler((level, message) -> {
            if (level == Level.FINE) {
                fine.incrementAndGet();
            }
        });
        BpfObject.openResource(CORE).load().close();
        assertTrue(fine.get() > 5, "debug lines: " + fine.get());
    }

    /** libbpf's memlock advice for a refused trivial program goes out at FINE: the exception says what is wrong. */
    @Test
    void theMisleadingMemlockWarningIsNotAWarning() {
        java.util.List<Level> levels = new java.util.ArrayList<Level>();
        LibbpfLog.setHandler((level, message) -> levels.add(level));
        try {
            LibbpfLog.log(0, "libbpf: Error in bpf_object__probe_loading(): -EPERM. Couldn't load trivial BPF program."
                    + " Make sure your kernel supports BPF (CONFIG_BPF_SYSCALL=y) and/or that RLIMIT_MEMLOCK is set to"
                    + " big enough value.\n");
            LibbpfLog.log(0, "libbpf: Failed to bump RLIMIT_MEMLOCK (err = -EPERM), you might need to do it"
                    + " explicitly!\n");
            LibbpfLog.log(0, "libbpf: permission error while running as root; try raising 'ulimit -l'? current"
                    + " value: 8.0 MiB\n");
            LibbpfLog.log(0, "libbpf: map 'x': failed to create: -EPERM\n");
        } finally {
            LibbpfLog.setHandler(null);
        }
        assertEquals(java.util.Arrays.asList(Level.FINE, Level.FINE, Level.FINE, Level.WARNING), levels);
    }
}
