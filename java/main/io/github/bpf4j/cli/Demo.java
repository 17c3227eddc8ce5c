/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.TracePipe;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The BPF_F_MMAPABLE walk-through's loader, in Java: the same three buffer
 * lines on stdout, then the two bpf_printk lines this thread's runs left in
 * the trace pipe, which show that the kernel saw the JVM's write.
 */
final class Demo {
    static final String OBJECT = "io/github/bpf4j/bpf/mmap.bpf.o";
    private static final long TRACE_TIMEOUT_SECONDS = 5;

    private Demo() {}

    static int run(PrintStream out) {
        try (TracePipe pipe = TracePipe.open();
                BpfObject obj = BpfObject.openResource(OBJECT).load()) {
            BpfMap map = obj.map("buf_map");
            BpfProgram prog = obj.program("test_prog");
            ByteBuffer buf = map.mmap();
            dropLeftovers(pipe);

            printBuf(out, buf);
            prog.testRun();
            printBuf(out, buf);
            byte[] hello = "hello from user\0".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < hello.length; i++) {
                buf.put(i, hello[i]);
            }
            printBuf(out, buf);
            prog.testRun();

            return printTrace(out, pipe, TracePipe.currentThreadId()) ? 0 : 1;
        }
    }

    /** As the seed's print_buf: 16 bytes as hex, then as characters. */
    static void printBuf(PrintStream out, ByteBuffer buf) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            hex.append(String.format("%02x ", buf.get(i) & 0xff));
        }
        out.print(hex);
        for (int i = 0; i < 16; i++) {
            out.write(buf.get(i));
        }
        out.print('\n');
        out.flush();
    }

    /** Lines already in the pipe are earlier runs' (maybe this thread's, with the same text): not ours. */
    private static void dropLeftovers(TracePipe pipe) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (System.nanoTime() < deadline && pipe.readLine(1, TimeUnit.MILLISECONDS) != null) {
            // discard
        }
    }

    /** Prints this run's two lines, skipping other processes' (and, with tid -1, matching by text alone). */
    private static boolean printTrace(PrintStream out, TracePipe pipe, int tid) {
        String[] wanted = {"buf: hello from bpf", "buf: hello from user"};
        int found = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TRACE_TIMEOUT_SECONDS);
        while (found < wanted.length) {
            long left = deadline - System.nanoTime();
            String line = left > 0 ? pipe.readLine(left, TimeUnit.NANOSECONDS) : null;
            if (line == null) {
                System.err.println("bpf4j demo: no '" + wanted[found] + "' from this process in "
                        + pipe.path() + " within " + TRACE_TIMEOUT_SECONDS + " s");
                return false;
            }
            if ((tid == -1 || TracePipe.threadId(line) == tid) && wanted[found].equals(TracePipe.message(line))) {
                out.println(line);
                found++;
            }
        }
        return true;
    }
}
