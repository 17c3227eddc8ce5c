/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true);

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

        String printed = new String(bytes.toByteArray(), StandardCharsets.US_ASCII);
        assertTrue(printed.startsWith("hello from bpf"), printed);
        assertTrue(printed.contains("bpf_trace_printk: buf: hello from"), printed);
    }
}
