/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The seed scenario: the JVM and the program share one page, both ways. */
class MmapRoundTripTest {
    static final String OBJECT = "io/github/bpf4j/bpf/mmap.bpf.o";

    @BeforeEach
    void needsBpf() {
        Kernel.requireBpf();
    }

    @Test
    void programWriteIsVisibleToJavaAndJavaWriteToProgram() {
        try (TracePipe pipe = Kernel.openTracePipe(); BpfObject obj = BpfObject.openResource(OBJECT).load()) {
            BpfMap map = obj.map("buf_map");
            ByteBuffer buf = map.mmap();
            assertEquals(ByteOrder.nativeOrder(), buf.order());
            assertEquals(16, buf.capacity(), "one 16-byte value");
            assertEquals("", text(buf), "fresh map is zeroed");

            BpfProgram prog = obj.program("test_prog");
            assertEquals(0, prog.testRun().retval());
            assertEquals("hello from bpf", text(buf), "the program's write shows in the JVM's buffer");

            // A text of this run alone (15 characters and a NUL): no other process's line can pass for it.
            String mine = "user " + Kernel.nonce(10);
            byte[] user = (mine + "\0").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < user.length; i++) {
                buf.put(i, user[i]);
            }
            // The program only writes into an empty buffer, so it must now print ours.
            prog.testRun();
            assertEquals(mine, text(buf));
            byte[] viaSyscall = map.lookup(new byte[4]);
            assertEquals(mine, new String(viaSyscall, 0, 15, StandardCharsets.US_ASCII));

            String line = Kernel.awaitTrace(pipe, Kernel.traceTid(), "buf: " + mine, 10, TimeUnit.SECONDS);
            assertNotNull(line, "the kernel printed the JVM's write ('buf: " + mine + "') within 10 s");
        }
    }

    @Test
    void twoMmapCallsAreViewsOfTheSameMemory() {
        try (BpfObject obj = BpfObject.openResource(OBJECT).load()) {
            BpfMap map = obj.map("buf_map");
            ByteBuffer a = map.mmap();
            ByteBuffer b = map.mmap();
            a.putLong(0, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, b.getLong(0));
            assertEquals(ByteOrder.nativeOrder(), b.order());
        }
    }

    @Test
    void syscallUpdateShowsInMapping() {
        try (BpfObject obj = BpfObject.openResource(OBJECT).load()) {
            BpfMap map = obj.map("buf_map");
            ByteBuffer buf = map.mmap();
            ByteBuffer value = ByteBuffer.allocateDirect(16);
            value.put("via update".getBytes(StandardCharsets.US_ASCII)).clear();
            map.update(ByteBuffer.allocateDirect(4), value);
            assertEquals("via update", text(buf));
        }
    }

    static String text(ByteBuffer buf) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16 && buf.get(i) != 0; i++) {
            sb.append((char) buf.get(i));
        }
        return sb.toString();
    }
}
