/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TestRunTest {
    private static final int XDP_TX = 3;
    private BpfObject obj;
    private BpfProgram prog;

    @BeforeEach
    void load() {
        Kernel.requireBpf();
        obj = BpfObject.openResource(ObjectTest.CORE).load();
        prog = obj.program("bump_first_byte");
    }

    @AfterEach
    void close() {
        if (obj != null) {
            obj.close();
        }
    }

    @Test
    void dataInAndOutWithArrays() {
        byte[] out = new byte[64];
        TestRun run = new TestRun().dataIn(Kernel.packet(10, 20, 30)).dataOut(out);
        assertEquals(XDP_TX, prog.testRun(run));
        assertEquals(XDP_TX, run.retval());
        assertEquals(64, run.dataSizeOut());
        assertEquals(11, out[0], "the program added bump (1) to the first byte");
        assertEquals(20, out[1]);
        assertTrue(run.durationNanos() >= 0);
    }

    @Test
    void dataInAndOutWithDirectBuffersAtTheirPositions() {
        ByteBuffer in = ByteBuffer.allocateDirect(2 + 64);
        in.put(new byte[] {0, 0, 5, 6, 7}).clear().position(2);
        ByteBuffer out = ByteBuffer.allocateDirect(4 + 64);
        out.position(4);
        TestRun run = new TestRun().dataIn(in).dataOut(out);
        assertEquals(XDP_TX, prog.testRun(run));
        assertEquals(64, run.dataSizeOut());
        assertEquals(6, out.get(4));
        assertEquals(7, out.get(6));
        assertEquals(4, out.position(), "positions are left alone");
        assertEquals(2, in.position());
    }

    @Test
    void packetShorterThanAnEthernetHeaderIsEinval() {
        BpfException e = assertThrows(BpfException.class, () -> prog.testRun(new TestRun().dataIn(new byte[2])));
        assertEquals("EINVAL", e.errnoName());
    }

    @Test
    void tooSmallOutputIsEnospcWithTheSizes() {
        TestRun run = new TestRun().dataIn(new byte[100]).dataOut(new byte[10]);
        BpfException e = assertThrows(BpfException.class, () -> prog.testRun(run));
        assertEquals("ENOSPC", e.errnoName());
        assertEquals(100, run.dataSizeOut());
        assertTrue(e.getMessage().contains("offered 10") && e.getMessage().contains("produced 100"), e.getMessage());
    }

    /** With an output of size 0 the kernel would copy without limit: an empty output must mean none. */
    @Test
    void emptyOutputBuffersReceiveNothing() {
        ByteBuffer big = ByteBuffer.allocateDirect(4096);
        for (int i = 0; i < big.capacity(); i++) {
            big.put(i, (byte) 0x55);
        }
        big.position(16).limit(16);
        TestRun run = new TestRun().dataIn(new byte[1000]).dataOut(big);
        assertEquals(XDP_TX, prog.testRun(run));
        big.clear();
        for (int i = 0; i < big.capacity(); i++) {
            assertEquals(0x55, big.get(i) & 0xff, "byte " + i + " was written");
        }
        run.dataOut(new byte[0]).ctxOut(new byte[0]);
        assertEquals(XDP_TX, prog.testRun(run));
        assertEquals(1000, run.dataSizeOut(), "the size is reported all the same");
    }

    @Test
    void repeatRunsInTheKernel() {
        ByteBuffer runs = null;
        for (BpfMap m : obj.maps()) {
            if (m.name().endsWith(".bss")) {
                runs = m.mmap();
            }
        }
        prog.testRun(new TestRun().dataIn(Kernel.packet(9, 9)).repeat(1000));
        assertEquals(1000, runs.getLong(0), "the .bss counter saw every repetition");
        // Repetitions share one packet, so its first byte walks 9, 10, ... and wraps every 256 runs:
        // key 9 is seen in runs 0, 256, 512 and 768.
        byte[] key = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(9).array();
        assertEquals(4, ByteBuffer.wrap(obj.map("counts").lookup(key)).order(ByteOrder.nativeOrder()).getLong());
    }

    @Test
    void invalidFlagsAreAKernelError() {
        BpfException e = assertThrows(BpfException.class,
                () -> prog.testRun(new TestRun().dataIn(Kernel.packet()).flags(0x40000000)));
        assertEquals("EINVAL", e.errnoName());
        assertTrue(e.operation().contains("bump_first_byte"), e.operation());
    }

    @Test
    void reusedRunWithDirectBuffersAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ByteBuffer in = ByteBuffer.allocateDirect(64);
        ByteBuffer out = ByteBuffer.allocateDirect(64);
        ByteBuffer key = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
        ByteBuffer value = ByteBuffer.allocateDirect(8);
        TestRun run = new TestRun().dataIn(in).dataOut(out);
        BpfMap counts = obj.map("counts");
        for (int i = 0; i < 20_000; i++) { // warm up: JIT and escape analysis
            prog.testRun(run);
            counts.lookup(key, value);
        }
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 10_000; i++) {
            prog.testRun(run);
            counts.lookup(key, value);
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < 10_000, "10,000 test runs + lookups allocated " + allocated + " bytes");
    }
}
