/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.ringbuf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfPermissionException;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.MapFlag;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import io.github.bpf4j.TestRun;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Mapping;
import io.github.bpf4j.internal.Native;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The perf buffer consumer against the real kernel; producers in test-bpf/perf_output.bpf.c. */
class PerfBufferTest {
    private static final int MAGIC = 0x70657266;
    /** struct rec {u64 seq; u32 cpu; u32 magic} is 16 bytes; the kernel pads the raw size to 4 + size = 8n. */
    private static final int REC_RAW = 20;
    /** perf_event_header + u32 size + 20 raw bytes. */
    private static final int REC_RECORD = 32;
    private BpfObject obj;
    private BpfProgram emit;
    private BpfMap events;
    private int[] online;

    @BeforeEach
    void load() {
        obj = BpfObject.openResource("bpf/perf_output.bpf.o").load();
        emit = obj.program("emit");
        events = obj.map("events");
        online = PerfBuffer.onlineCpus();
    }

    @AfterEach
    void close() {
        obj.close();
    }

    private static int rawSize(int len) {
        return ((len + 4 + 7) & ~7) - 4;
    }

    /** {@code n} (≤ 512) samples on {@code cpu}: mode 0 struct rec, mode 1 {@code len} payload bytes. */
    private void emitOn(int cpu, int n, int mode, int len) {
        ByteBuffer ctx = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder());
        ctx.putLong(0, n).putLong(8, mode).putLong(16, len);
        assertEquals(cpu, emit.testRun(new TestRun().ctxIn(ctx.array()).runOnCpu(cpu)).retval(), "ran on cpu " + cpu);
    }

    /** counts[key] on {@code cpu}: 0 samples numbered, 1 samples the kernel refused, 2 the last refusal's errno. */
    private long count(int key, int cpu) {
        byte[] v = obj.map("counts").lookup(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, key).array());
        return ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong(8 * cpu);
    }

    /** Checks struct rec samples: per CPU, consecutive sequence numbers from {@code last[cpu]} + 1. */
    private static RecordHandler sequences(final long[] last, final long[] got) {
        return r -> {
            assertEquals(REC_RAW, r.remaining(), "raw size");
            assertTrue(r.isReadOnly(), "read-only view");
            assertEquals(ByteOrder.nativeOrder(), r.order());
            int at = r.position();
            long seq = r.getLong(at);
            int cpu = r.getInt(at + 8);
            assertEquals(MAGIC, r.getInt(at + 12), "magic");
            assertEquals(last[cpu] + 1, seq, "cpu " + cpu + " in order");
            last[cpu] = seq;
            got[cpu]++;
        };
    }

    @Test
    void roundTripOnEveryCpuInOrder() {
        try (PerfBuffer pb = events.perfBuffer()) {
            assertArrayEquals(online, pb.cpus());
            assertEquals(PerfBufferOptions.DEFAULT_PAGES, pb.pagesPerCpu());
            int max = online[online.length - 1] + 1;
            long[] last = new long[max];
            long[] got = new long[max];
            RecordHandler check = sequences(last, got);
            for (int round = 0; round < 10; round++) {
                for (int cpu : online) {
                    emitOn(cpu, 300, 0, 0);
                }
                assertEquals(300 * online.length, pb.consume(check));
            }
            for (int cpu : online) {
                assertEquals(3000, got[cpu], "cpu " + cpu);
                assertEquals(0, count(1, cpu), "nothing refused");
                assertEquals(0, pb.lostSamples(cpu));
            }
            assertEquals(0, pb.consume(r -> { throw new AssertionError("nothing left"); }));
            assertEquals(0, pb.lostSamples());
        }
    }

    @Test
    void samplesOfOneByteToTwoPagesWrapManyTimes() {
        byte[] pattern = new byte[8192];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 31 + 7);
        }
        obj.map("payload").updateAllCpus(new byte[4], pattern);
        int cpu = online[0];
        int[] lens = {1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 100, 4091, 4095, 4096, 4097, 8000, 8192};
        try (PerfBuffer pb = events.perfBuffer(new PerfBufferOptions().pagesPerCpu(4).cpus(cpu))) {
            int area = 4 * 4096;
            long seq = 0;
            long bytes = 0;
            final int[] kinds = new int[2]; // views over the ring, copies of wrapped samples
            for (int round = 0; round < 30; round++) {
                for (int len : lens) {
                    final int l = len;
                    final long s0 = seq;
                    int record = 12 + rawSize(len);
                    int times = Math.max(1, Math.min(20, (area - 64) / record));
                    emitOn(cpu, times, 1, len);
                    final long[] n = {0};
                    int got = pb.consume(r -> {
                        assertEquals(rawSize(l), r.remaining(), "raw size of " + l);
                        assertTrue(r.isReadOnly());
                        kinds[r.isDirect() ? 0 : 1]++;
                        long s = s0 + ++n[0];
                        int at = r.position();
                        for (int i = 0; i < l; i++) {
                            byte want = i < 8 ? (byte) (s >>> (8 * i)) : pattern[i];
                            if (r.get(at + i) != want) {
                                throw new AssertionError("len " + l + " seq " + s + " byte " + i);
                            }
                        }
                    });
                    assertEquals(times, got, "len " + len);
                    seq += times;
                    bytes += (long) times * record;
                }
            }
            assertEquals(0, count(1, cpu), "nothing refused");
            assertTrue(bytes > 50L * area, "wrapped " + bytes / area + " times");
            assertTrue(kinds[0] > 0 && kinds[1] > 0, "in place " + kinds[0] + ", copied " + kinds[1]);
        }
    }

    @Test
    void aFullRingCountsLostSamplesExactly() {
        int cpu = online[online.length - 1];
        try (PerfBuffer pb = events.perfBuffer(new PerfBufferOptions().pagesPerCpu(1).cpus(cpu))) {
            emitOn(cpu, 512, 0, 0);
            long refused = count(1, cpu);
            assertTrue(refused > 0, "512 x 32 bytes do not fit in one page");
            assertEquals(Errors.ENOSPC, count(2, cpu), "refused for a full ring");
            long[] got = new long[cpu + 1];
            int delivered = pb.consume(r -> got[cpu]++);
            assertEquals(0, pb.lostSamples(), "the kernel writes the lost record once room is back");
            emitOn(cpu, 1, 0, 0);
            delivered += pb.consume(r -> got[cpu]++);
            assertEquals(refused, pb.lostSamples(), "lost records sum to the refused samples");
            assertEquals(refused, pb.lostSamples(cpu));
            assertEquals(513, delivered + pb.lostSamples(), "delivered + lost = produced");
            assertEquals(513, count(0, cpu));
            assertEquals(delivered, got[cpu]);
        }
    }

    @Test
    void pollWakesOnData() throws Exception {
        int cpu = online[online.length - 1];
        try (PerfBuffer pb = events.perfBuffer()) {
            assertEquals(0, pb.poll(20, TimeUnit.MILLISECONDS, r -> { }), "timeout: nothing");
            AtomicLong got = new AtomicLong();
            AtomicReference<Throwable> failed = new AtomicReference<Throwable>();
            CountDownLatch waiting = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                try {
                    waiting.countDown();
                    long t0 = System.nanoTime();
                    while (got.get() < 5 && System.nanoTime() - t0 < 5_000_000_000L) {
                        got.addAndGet(pb.poll(5, TimeUnit.SECONDS, r -> { }));
                    }
                } catch (Throwable e) {
                    failed.set(e);
                }
            });
            t.start();
            waiting.await();
            Thread.sleep(100);
            long t0 = System.nanoTime();
            emitOn(cpu, 5, 0, 0);
            t.join(6_000);
            if (failed.get() != null) {
                throw new AssertionError(failed.get());
            }
            assertEquals(5, got.get());
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "woken, not timed out");
        }
    }

    @Test
    void wakeupCloseAndInterruptEndABlockedPoll() throws Exception {
        PerfBuffer pb = events.perfBuffer();
        RingBufferTest.assertEnds(() -> assertEquals(0, pb.poll(-1, TimeUnit.SECONDS, r -> { })), pb::wakeup);
        Thread[] me = new Thread[1];
        RingBufferTest.assertEnds(() -> {
            me[0] = Thread.currentThread();
            pb.poll(-1, TimeUnit.SECONDS, r -> { });
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept");
        }, () -> me[0].interrupt());
        RingBufferTest.assertEnds(() -> pb.poll(-1, TimeUnit.SECONDS, r -> { }), pb::close);
        assertThrows(IllegalStateException.class, () -> pb.consume(r -> { }));
        pb.close();
        pb.wakeup(); // harmless after close
        events.perfBuffer().close(); // a new one after close
    }

    @Test
    void closeWaitsForARunningCallbackAndOneConsumerAtATime() throws Exception {
        int cpu = online[0];
        PerfBuffer pb = events.perfBuffer();
        IllegalStateException twice = assertThrows(IllegalStateException.class, events::perfBuffer);
        assertTrue(twice.getMessage().contains("already has an open perf buffer"), twice.getMessage());
        emitOn(cpu, 1, 0, 0);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong finished = new AtomicLong();
        AtomicReference<Throwable> nested = new AtomicReference<Throwable>();
        Thread t = new Thread(() -> pb.consume(r -> {
            try {
                pb.consume(x -> { });
            } catch (IllegalStateException e) {
                nested.set(e);
            }
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finished.set(r.getLong(r.position())); // still mapped: close waits
        }));
        t.start();
        inside.await();
        assertTrue(nested.get().getMessage().contains("inside this perf buffer's own handler"), nested.get().getMessage());
        IllegalStateException second = assertThrows(IllegalStateException.class, () -> pb.consume(r -> { }));
        assertTrue(second.getMessage().contains("one consumer thread"), second.getMessage());
        Thread closer = new Thread(pb::close);
        closer.start();
        Thread.sleep(100);
        assertTrue(closer.isAlive(), "close waits for the callback");
        release.countDown();
        closer.join(2_000);
        t.join(2_000);
        assertEquals(1L, finished.get());
        assertTrue(pb.isClosed());
        assertThrows(IllegalStateException.class, pb::lostSamples);
        // Closed: its events left the map, so a program on that CPU finds no entry (ENOENT, not a full ring).
        emitOn(cpu, 1, 0, 0);
        assertEquals(1, count(1, cpu), "refused");
        assertEquals(Errors.ENOENT, count(2, cpu), "the map entry is gone");
    }

    @Test
    void consumingAllocatesNothingPerRecord() {
        BpfProgram xdp = obj.program("emit_xdp");
        try (PerfBuffer pb = events.perfBuffer(new PerfBufferOptions().pagesPerCpu(1024))) {
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            final long[] sum = {0};
            RecordHandler h = r -> sum[0] += r.getLong(r.position());
            byte[] pkt = new byte[64];
            for (int i = 0; i < 5; i++) { // warm up the JIT
                xdp.testRun(new TestRun().dataIn(pkt).repeat(20_000));
                pb.consume(h);
            }
            xdp.testRun(new TestRun().dataIn(pkt).repeat(100_000));
            long tid = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(tid);
            int n = pb.consume(h);
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            assertEquals(0, pb.lostSamples(), "4 MiB rings hold 100,000 x 32 B");
            assertEquals(100_000, n);
            assertTrue(allocated < 2_000, "100,000 records allocated " + allocated + " bytes");
        }
    }

    @Test
    void aMillionSamplesThroughPollOnAnotherThread() throws Exception {
        BpfProgram xdp = obj.program("emit_xdp");
        final PerfBuffer pb = events.perfBuffer(new PerfBufferOptions().pagesPerCpu(256).wakeupBytes(64 * 1024));
        final int total = 1_000_000;
        final long[] last = new long[online[online.length - 1] + 1];
        final long[] got = new long[last.length];
        final AtomicReference<Throwable> failed = new AtomicReference<Throwable>();
        final AtomicLong seen = new AtomicLong();
        final AtomicLong lost = new AtomicLong();
        final AtomicLong target = new AtomicLong(Long.MAX_VALUE);
        Thread consumer = new Thread(() -> {
            try {
                RecordHandler check = r -> {
                    int at = r.position();
                    int c = r.getInt(at + 8);
                    long s = r.getLong(at);
                    if (s <= last[c]) {
                        throw new AssertionError("cpu " + c + " out of order: " + s + " after " + last[c]);
                    }
                    last[c] = s;
                    got[c]++;
                };
                while (seen.get() + pb.lostSamples() < target.get()) {
                    seen.addAndGet(pb.poll(100, TimeUnit.MILLISECONDS, check));
                }
                lost.set(pb.lostSamples());
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "perf-consumer");
        consumer.start();
        byte[] pkt = new byte[64];
        for (int done = 0; done < total; done += 100_000) {
            xdp.testRun(new TestRun().dataIn(pkt).repeat(100_000));
        }
        // The kernel writes a lost record only before a later sample: once the rings are drained, one more
        // sample per CPU flushes them.
        for (long s = -1; s != seen.get();) {
            s = seen.get();
            Thread.sleep(300);
        }
        for (int cpu : online) {
            emitOn(cpu, 1, 0, 0);
        }
        target.set(total + online.length);
        long refused = 0;
        for (int cpu : online) {
            refused += count(1, cpu);
        }
        consumer.join(60_000);
        pb.close();
        if (failed.get() != null) {
            throw new AssertionError("consumer failed", failed.get());
        }
        assertEquals(total + online.length, seen.get() + lost.get(), "delivered + lost = produced");
        assertEquals(refused, lost.get(), "lost = refused by the kernel");
    }

    @Test
    void badInputsAreRefusedWithTheReason() {
        UnsupportedOperationException type = assertThrows(UnsupportedOperationException.class,
                () -> obj.map("counts").perfBuffer());
        assertTrue(type.getMessage().contains("not a PERF_EVENT_ARRAY"), type.getMessage());
        IllegalArgumentException pages = assertThrows(IllegalArgumentException.class,
                () -> new PerfBufferOptions().pagesPerCpu(3));
        assertTrue(pages.getMessage().contains("power of 2"), pages.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PerfBufferOptions().pagesPerCpu(0));
        assertThrows(IllegalArgumentException.class, () -> new PerfBufferOptions().cpus(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new PerfBufferOptions().cpus(-1));
        assertThrows(IllegalArgumentException.class, () -> new PerfBufferOptions().wakeupEvents(0));
        assertThrows(NullPointerException.class, () -> events.perfBuffer(null));
        if (online.length > 1) {
            IllegalArgumentException noSlot = assertThrows(IllegalArgumentException.class,
                    () -> obj.map("one_slot").perfBuffer(new PerfBufferOptions().cpus(online[1])));
            assertTrue(noSlot.getMessage().contains("max_entries 1"), noSlot.getMessage());
            IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
                    () -> obj.map("one_slot").perfBuffer());
            assertTrue(few.getMessage().contains("max_entries 1") && few.getMessage().contains("CPU " + online[1]),
                    few.getMessage());
        }
        try (PerfBuffer one = obj.map("one_slot").perfBuffer(new PerfBufferOptions().cpus(0))) {
            assertArrayEquals(new int[] {0}, one.cpus());
            assertThrows(IllegalArgumentException.class, () -> one.lostSamples(1));
        }
    }

    /** A map update refused after CPU 0's event and mapping were made: both are released. */
    @Test
    void aFailureHalfWayReleasesWhatWasOpened() {
        BpfMap ro;
        try {
            ro = BpfMap.create(MapSpec.of(MapType.PERF_EVENT_ARRAY).keySize(4).valueSize(4)
                    .maxEntries(online.length + 8).flags(MapFlag.RDONLY).name("pb_rdonly"));
        } catch (BpfException e) {
            Assumptions.assumeTrue(false, "no BPF_F_RDONLY PERF_EVENT_ARRAY here: " + e.getMessage());
            return;
        }
        try {
            int mappings = liveMappingsAfterGc(0); // other tests' collectable ranges go first
            int fds = openFds();
            BpfException e = assertThrows(BpfException.class, ro::perfBuffer);
            assertTrue(e.getMessage().contains("bpf_map_update_elem"), e.getMessage());
            assertEquals(mappings, liveMappingsAfterGc(mappings), "mapping released");
            assertEquals(fds, openFds(), "perf and epoll fds closed");
        } finally {
            ro.close();
        }
    }

    /** A detached range is unmapped once its buffers are collected: GC until the count is back (or 5 s). */
    private static int liveMappingsAfterGc(int expected) {
        long t0 = System.nanoTime();
        while (Mapping.live() > expected && System.nanoTime() - t0 < 5_000_000_000L) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return Mapping.live();
    }

    private static int openFds() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    @Test
    void closingTheObjectEndsABlockedPoll() throws Exception {
        PerfBuffer pb = events.perfBuffer();
        RingBufferTest.assertEnds(() -> assertEquals(0, pb.poll(-1, TimeUnit.SECONDS, r -> { })), obj::close);
        assertTrue(pb.isClosed());
    }

    @Test
    void closingTheObjectClosesThePerfBuffer() {
        PerfBuffer pb = events.perfBuffer();
        assertEquals(0, pb.consume(r -> { }));
        obj.close();
        assertTrue(pb.isClosed());
        assertThrows(IllegalStateException.class, () -> pb.consume(r -> { }));
        pb.close();
    }

    @Test
    void perfEventFailuresNameTheCapabilityAndTheSysctls() {
        BpfMap big = BpfMap.create(MapSpec.of(MapType.PERF_EVENT_ARRAY).keySize(4).valueSize(4).maxEntries(4096)
                .name("pb_big"));
        try {
            int possible = BpfMap.possibleCpus();
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                    () -> big.perfBuffer(new PerfBufferOptions().cpus(possible)));
            assertTrue(none.getMessage().contains("CPU " + possible + " does not exist"), none.getMessage());
        } finally {
            big.close();
        }
        BpfException open = Errors.of(Errors.Op.PERF_BUFFER, "perf_event_open(perf buffer 'x', cpu 0)", Errors.EACCES,
                null);
        assertTrue(open instanceof BpfPermissionException, open.getClass().getName());
        assertTrue(open.getMessage().contains("CAP_PERFMON") && open.getMessage().contains("perf_event_paranoid"),
                open.getMessage());
        BpfException mmap = Errors.of(Errors.Op.PERF_BUFFER, "mmap(perf buffer 'x', cpu 0, 65 pages)", Errors.EPERM,
                null);
        assertTrue(mmap.getMessage().contains("perf_event_mlock_kb") && mmap.getMessage().contains("pagesPerCpu"),
                mmap.getMessage());
        BpfException offline = Errors.of(Errors.Op.PERF_BUFFER, "perf_event_open(perf buffer 'x', cpu 1)",
                Errors.ENODEV, null);
        assertTrue(offline.getMessage().contains("offline"), offline.getMessage());
        int bad = Native.perfEventOpen(-2, 1, 0);
        assertEquals(-Errors.EINVAL, bad, "the real errno comes back for a CPU below -1");
    }

    @Test
    void cpuListsParse() {
        assertArrayEquals(new int[] {0, 1, 2, 3, 6, 8, 9}, PerfBuffer.parseCpuList("0-3,6,8-9"));
        assertArrayEquals(new int[] {0}, PerfBuffer.parseCpuList("0"));
    }
}
