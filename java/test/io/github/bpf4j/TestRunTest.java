/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
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
        assertEquals(XDP_TX, prog.testRun(run).retval());
        assertEquals(XDP_TX, run.retval());
        assertEquals(64, run.dataSizeOut());
        assertEquals(11, out[0], "the program added bump (1) to the first byte");
        assertEquals(20, out[1]);
    }

    @Test
    void testRunReturnsTheRunItFilled() {
        TestRun run = new TestRun().dataIn(Kernel.packet(1));
        assertSame(run, prog.testRun(run));
        assertEquals(XDP_TX, run.retval());
    }

    /** byte[] operands take an (offset, length) window, in and out; the bytes around it stay untouched. */
    @Test
    void arrayWindowsInAndOut() {
        byte[] in = new byte[10 + 64];
        in[10] = 40;
        byte[] out = new byte[5 + 64 + 5];
        java.util.Arrays.fill(out, (byte) 0x77);
        TestRun run = prog.testRun(new TestRun().dataIn(in, 10, 64).dataOut(out, 5, 64));
        assertEquals(XDP_TX, run.retval());
        assertEquals(64, run.dataSizeOut());
        assertEquals(41, out[5], "bumped first byte at the window's start");
        assertEquals(0x77, out[4] & 0xff, "before the window");
        assertEquals(0x77, out[5 + 64] & 0xff, "after the window");
        assertThrows(IndexOutOfBoundsException.class, () -> new TestRun().dataOut(out, 70, 5));
    }

    /**
     * The kernel times the whole loop of repetitions and reports the
     * average. With 100,000 repetitions it cannot round to 0, and the total
     * cannot exceed the wall-clock time the call took.
     */
    @Test
    void durationIsTheKernelsAveragePerRepetition() {
        int repeat = 100_000;
        TestRun run = new TestRun().dataIn(Kernel.packet(3)).repeat(repeat);
        long start = System.nanoTime();
        prog.testRun(run);
        long wall = System.nanoTime() - start;
        assertEquals(XDP_TX, run.retval());
        assertTrue(run.durationNanos() > 0, "average of " + repeat + " runs: " + run.durationNanos() + " ns");
        assertTrue(run.durationNanos() * repeat <= wall, run.durationNanos() + " ns x " + repeat
                + " is more than the " + wall + " ns the call took");
    }

    /**
     * ctx out is the context as the program left it: a tc program's writes to
     * skb->mark and skb->priority come back in struct __sk_buff, from a mark
     * given in ctx in.
     */
    @Test
    void contextWrittenByTheProgramComesBackInCtxOut() {
        try (BpfObject tc = BpfObject.openResource("bpf/test_run.bpf.o").load()) {
            BpfProgram p = tc.program("mark_and_prioritize");
            ByteBuffer ctxIn = ByteBuffer.allocate(SKB_PRIORITY + 4).order(ByteOrder.nativeOrder());
            ctxIn.putInt(SKB_MARK, 41);
            byte[] ctxOut = new byte[256];
            TestRun run = p.testRun(new TestRun().dataIn(Kernel.packet(1, 2, 3)).ctxIn(ctxIn).ctxOut(ctxOut));
            assertEquals(64, run.retval(), "skb->len: the 64-byte packet");
            assertTrue(run.ctxSizeOut() > SKB_PRIORITY && run.ctxSizeOut() <= 256, "ctx out " + run.ctxSizeOut());
            ByteBuffer out = ByteBuffer.wrap(ctxOut).order(ByteOrder.nativeOrder());
            assertEquals(42, out.getInt(SKB_MARK), "mark + 1");
            assertEquals(7, out.getInt(SKB_PRIORITY));
            // A direct buffer at a position receives the same.
            ByteBuffer direct = ByteBuffer.allocateDirect(8 + 256).order(ByteOrder.nativeOrder());
            direct.position(8);
            p.testRun(new TestRun().dataIn(Kernel.packet()).ctxOut(direct));
            assertEquals(1, direct.getInt(8 + SKB_MARK), "mark 0 + 1");
            assertEquals(7, direct.getInt(8 + SKB_PRIORITY));
            assertEquals(8, direct.position());
            // Too small a ctx out: ENOSPC with the size the kernel needed.
            TestRun small = new TestRun().dataIn(Kernel.packet()).ctxOut(new byte[8]);
            BpfException e = assertThrows(BpfException.class, () -> p.testRun(small));
            assertEquals("ENOSPC", e.errnoName());
            assertEquals(run.ctxSizeOut(), small.ctxSizeOut());
            assertTrue(e.getMessage().contains("ctx out offered 8, needed " + run.ctxSizeOut()), e.getMessage());
        }
    }

    /** struct __sk_buff (uapi/linux/bpf.h): __u32 len, pkt_type, mark, ...; priority is the ninth __u32. */
    private static final int SKB_MARK = 8;
    private static final int SKB_PRIORITY = 32;

    /** Past the bytes prog.c stages on its stack, byte[] operands go through one heap block: same results. */
    @Test
    void largeArraysInAndOut() {
        byte[] in = new byte[1500];
        in[0] = 50;
        in[1499] = 9;
        byte[] out = new byte[1500];
        TestRun run = prog.testRun(new TestRun().dataIn(in).dataOut(out));
        assertEquals(XDP_TX, run.retval());
        assertEquals(1500, run.dataSizeOut());
        assertEquals(51, out[0]);
        assertEquals(9, out[1499]);
    }

    /** A reused run reads every direct buffer afresh: a new one replaces the old, and positions may move. */
    @Test
    void reusedRunFollowsReplacedAndMovedDirectBuffers() {
        ByteBuffer first = ByteBuffer.allocateDirect(64);
        first.put(0, (byte) 1);
        ByteBuffer second = ByteBuffer.allocateDirect(1 + 64);
        second.put(0, (byte) 40).put(1, (byte) 100).limit(64);
        ByteBuffer out = ByteBuffer.allocateDirect(64);
        TestRun run = new TestRun().dataIn(first).dataOut(out);
        prog.testRun(run);
        assertEquals(2, out.get(0));
        prog.testRun(run.dataIn(second));
        assertEquals(41, out.get(0), "the second buffer, from its position 0");
        second.limit(1 + 64).position(1);
        prog.testRun(run);
        assertEquals(101, out.get(0), "the second buffer from its new position");
        prog.testRun(run.dataIn(Kernel.packet(30)));
        assertEquals(31, out.get(0), "a byte[] in after direct runs");
    }

    @Test
    void dataInAndOutWithDirectBuffersAtTheirPositions() {
        ByteBuffer in = ByteBuffer.allocateDirect(2 + 64);
        in.put(new byte[] {0, 0, 5, 6, 7}).clear().position(2);
        ByteBuffer out = ByteBuffer.allocateDirect(4 + 64);
        out.position(4);
        TestRun run = new TestRun().dataIn(in).dataOut(out);
        assertEquals(XDP_TX, prog.testRun(run).retval());
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
        assertEquals(XDP_TX, prog.testRun(run).retval());
        big.clear();
        for (int i = 0; i < big.capacity(); i++) {
            assertEquals(0x55, big.get(i) & 0xff, "byte " + i + " was written");
        }
        run.dataOut(new byte[0]).ctxOut(new byte[0]);
        assertEquals(XDP_TX, prog.testRun(run).retval());
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

    /** Options are the kernel's to refuse per program type; the message names the option set. */
    @Test
    void anOptionTheProgramTypeDoesNotTakeIsTheKernelsEinval() {
        BpfException e = assertThrows(BpfInvalidArgumentException.class,
                () -> prog.testRun(new TestRun().dataIn(Kernel.packet()).skbChecksumComplete(true)));
        assertEquals("EINVAL", e.errnoName());
        assertTrue(e.operation().contains("bump_first_byte"), e.operation());
        assertTrue(e.getMessage().contains("XDP test runs take only xdpLiveFrames")
                && e.getMessage().contains("skbChecksumComplete(true)"), e.getMessage());
        e = assertThrows(BpfInvalidArgumentException.class,
                () -> prog.testRun(new TestRun().dataIn(Kernel.packet()).batchSize(8)));
        assertTrue(e.getMessage().contains("batchSize(8) is only for live-frame runs"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TestRun().runOnCpu(-2));
        assertThrows(IllegalArgumentException.class, () -> new TestRun().batchSize(-1));
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
