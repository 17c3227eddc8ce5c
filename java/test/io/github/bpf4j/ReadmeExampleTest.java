/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The README's API tour, verbatim but for System.out, so the documentation cannot rot. */
class ReadmeExampleTest {
    @Test
    void apiTourRuns() {
        Kernel.requireBpf();
        // The tour prints the next trace line, whoever wrote it: first drop what earlier runs left.
        try (TracePipe leftovers = Kernel.openTracePipe()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < deadline && leftovers.readLine(50, TimeUnit.MILLISECONDS) != null) {
                // discard
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true);
        try {
            tour(out);
        } catch (BpfException e) {
            assumeTrue(!"EBUSY".equals(e.errnoName()), "another process took the trace pipe: " + e.getMessage());
            throw e;
        }

        String printed = new String(bytes.toByteArray(), StandardCharsets.US_ASCII);
        String[] lines = printed.split("\n");
        assertEquals(2, lines.length, printed);
        assertTrue(lines[0].startsWith("hello from bpf"), printed);
        String message = TracePipe.message(lines[1]);
        assertTrue(message != null, "not a trace line: " + printed);
        int tid = Kernel.traceTid();
        // A process printing between the drain and the tour's read is not the tour's fault.
        assumeTrue((tid == -1 || TracePipe.threadId(lines[1]) == tid) && message.startsWith("buf: hello from"),
                "another process printed to the trace pipe during the tour: " + lines[1]);
    }

    private static void tour(PrintStream out) {
        try (TracePipe trace = TracePipe.open();
             BpfObject obj = BpfObject.openResource("io/github/bpf4j/bpf/mmap.bpf.o").load()) {
            ByteBuffer buf = obj.map("buf_map").mmap();      // the map's memory, native byte order
            BpfProgram prog = obj.program("test_prog");

            prog.testRun();                                  // program writes "hello from bpf"
            out.println(StandardCharsets.US_ASCII.decode(buf.duplicate()));

            byte[] hello = "hello from user\0".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < hello.length; i++) {
                buf.put(i, hello[i]);                        // straight into the kernel's page
            }
            prog.testRun();                                  // program prints what we wrote
            out.println(trace.readLine(5, TimeUnit.SECONDS));
        }
    }
}
