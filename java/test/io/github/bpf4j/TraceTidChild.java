/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Native;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * TracePipeTest's child, run in a pid namespace of its own: prints its pid
 * namespace, gettid(), {@link TracePipe#currentThreadId()} and the thread id
 * of the trace line its own bpf_printk left (found by a nonce), all for the
 * main thread.
 */
public final class TraceTidChild {
    private TraceTidChild() {}

    public static void main(String[] args) {
        TracePipe pipe;
        try {
            pipe = TracePipe.open();
        } catch (BpfException e) {
            System.out.println("EBUSY".equals(e.errnoName()) ? "busy" : "failed: " + e.getMessage());
            return;
        }
        try (TracePipe p = pipe; BpfObject obj = BpfObject.openResource(MmapRoundTripTest.OBJECT).load()) {
            ByteBuffer buf = obj.map("buf_map").mmap();
            String mine = "ns " + Kernel.nonce(12);
            byte[] text = (mine + "\0").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < text.length; i++) {
                buf.put(i, text[i]);
            }
            obj.program("test_prog").testRun();
            String line = Kernel.awaitTrace(p, -1, "buf: " + mine, 10, TimeUnit.SECONDS);
            System.out.println("ns=" + TracePipe.pidNamespace() + " gettid=" + Native.gettid()
                    + " current=" + TracePipe.currentThreadId() + " line=" + (line == null ? "none" : TracePipe.threadId(line)));
        }
    }
}
