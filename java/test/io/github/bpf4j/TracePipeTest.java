/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TracePipeTest {
    @Test
    void parsesTraceLines() {
        String line = "     mmap_loader-14933   [003] .....  8469.272544: bpf_trace_printk: buf: hello from bpf";
        assertEquals("buf: hello from bpf", TracePipe.message(line));
        assertEquals(14933, TracePipe.threadId(line));
        String dashedComm = "  C2 Compiler-Th-77 [001] d..1 1.0: bpf_trace_printk: x";
        assertEquals(77, TracePipe.threadId(dashedComm));
        assertNull(TracePipe.message("no marker here"));
        assertEquals(-1, TracePipe.threadId("garbage"));
    }

    @Test
    void onlyOneReaderAndAForgottenPipeIsFreed() throws Exception {
        Kernel.requireBpf();
        TracePipe first = TracePipe.open();
        BpfException busy = org.junit.jupiter.api.Assertions.assertThrows(BpfException.class, TracePipe::open);
        assertEquals("EBUSY", busy.errnoName());
        first = null; // forgotten, never closed
        long deadline = System.currentTimeMillis() + 20_000;
        for (;;) {
            System.gc();
            try {
                TracePipe.open().close();
                return;
            } catch (BpfException stillBusy) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("a forgotten TracePipe was never closed", stillBusy);
                }
                Thread.sleep(20);
            }
        }
    }

    @Test
    void readTimesOutWithNullAndClosedPipeThrows() {
        Kernel.requireBpf();
        TracePipe pipe = TracePipe.open();
        // Drain whatever earlier tests left, then expect silence to time out.
        while (pipe.readLine(50, TimeUnit.MILLISECONDS) != null) {
            // discard
        }
        long start = System.nanoTime();
        assertNull(pipe.readLine(200, TimeUnit.MILLISECONDS));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(true, waited >= 150, "waited " + waited + " ms");
        pipe.close();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> pipe.readLine(1, TimeUnit.MILLISECONDS));
    }
}
