/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class CloseTest {
    @BeforeEach
    void needsBpf() {
        Kernel.requireBpf();
    }

    @Test
    void everyMethodOfAClosedObjectMapAndProgramThrowsIllegalState() {
        BpfObject obj = BpfObject.openResource(ObjectTest.CORE).load();
        BpfMap counts = obj.map("counts");
        BpfMap shared = obj.map("shared");
        BpfProgram prog = obj.program("bump_first_byte");
        obj.close();
        obj.close(); // idempotent

        List<Executable> calls = new ArrayList<Executable>();
        calls.add(obj::load);
        calls.add(obj::maps);
        calls.add(() -> obj.map("counts"));
        calls.add(obj::programs);
        calls.add(() -> obj.program("bump_first_byte"));
        calls.add(() -> obj.global("runs"));
        calls.add(() -> obj.setGlobal("bump", new byte[4]));
        calls.add(counts::type);
        calls.add(counts::typeId);
        calls.add(counts::keySize);
        calls.add(counts::valueSize);
        calls.add(counts::maxEntries);
        calls.add(counts::flags);
        calls.add(counts::mapExtra);
        calls.add(counts::fd);
        calls.add(counts::valueBufferSize);
        calls.add(() -> counts.lookup(new byte[4]));
        calls.add(() -> counts.lookup(new byte[4], new byte[8]));
        calls.add(() -> counts.lookup(ByteBuffer.allocateDirect(4), ByteBuffer.allocateDirect(8)));
        calls.add(() -> counts.update(new byte[4], new byte[8]));
        calls.add(() -> counts.update(ByteBuffer.allocateDirect(4), ByteBuffer.allocateDirect(8)));
        calls.add(() -> counts.delete(new byte[4]));
        calls.add(() -> counts.delete(ByteBuffer.allocateDirect(4)));
        calls.add(shared::mmap);
        calls.add(prog::type);
        calls.add(prog::fd);
        calls.add(prog::testRun);
        calls.add(() -> prog.testRun(new TestRun().dataIn(Kernel.packet())));
        for (Executable call : calls) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
        // Names are plain Java state and stay readable.
        assertEquals("counts", counts.name());
        assertEquals("bump_first_byte", prog.name());
    }

    /**
     * Run in a child JVM: Mapping.live() counts the whole process, and here the
     * Cleaner may free other tests' mappings at any moment.
     */
    @Test
    void mmappedBufferTouchedAfterCloseIsHarmless() throws Exception {
        ChildJvm.Result r = ChildJvm.run(StaleBuffer.class);
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.output.contains("stale buffer: ok"), r.toString());
    }

    /** The child of {@link #mmappedBufferTouchedAfterCloseIsHarmless}: throws (exit 1) on failure. */
    public static final class StaleBuffer {
        public static void main(String[] args) throws Exception {
            System.gc();
            int liveBefore = io.github.bpf4j.internal.Mapping.live();
            BpfObject obj = BpfObject.openResource(ObjectTest.CORE).load();
            ByteBuffer buf = obj.map("shared").mmap();
            check(io.github.bpf4j.internal.Mapping.live() == liveBefore + 1, "one more mapping");
            String start = Long.toHexString(io.github.bpf4j.internal.Native.bufferAddress(buf));
            buf.putLong(0, 77);
            check(mappingAt(start).endsWith("anon_inode:bpf-map"), mappingAt(start));
            obj.close();
            // The range now holds private memory: the kernel map is released, and there is no fault.
            String detached = mappingAt(start);
            check(!detached.isEmpty() && !detached.contains("bpf-map"), "after close: '" + detached + "'");
            for (int i = 0; i < buf.capacity(); i += 8) {
                buf.putLong(i, i);
            }
            check(buf.getLong(8) == 8, "stale buffer keeps what was written");
            check(obj.toString().indexOf("BpfObject[") == 0, "still printable");
            // Only once the buffer is unreachable is the range given back.
            buf = null;
            long deadline = System.currentTimeMillis() + 20_000;
            while (io.github.bpf4j.internal.Mapping.live() > liveBefore && System.currentTimeMillis() < deadline) {
                System.gc();
                Thread.sleep(20);
            }
            check(io.github.bpf4j.internal.Mapping.live() <= liveBefore, "unmapped after the buffer was collected");
            System.out.println("stale buffer: ok");
        }
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    /**
     * The /proc/self/maps line of the mapping that holds address {@code hexStart},
     * or "" (private anonymous memory may merge with a neighbour, so match ranges).
     */
    static String mappingAt(String hexStart) throws java.io.IOException {
        long address = Long.parseUnsignedLong(hexStart, 16);
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc/self/maps"))) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            long from = Long.parseUnsignedLong(line.substring(0, dash), 16);
            long to = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
            if (Long.compareUnsigned(address, from) >= 0 && Long.compareUnsigned(address, to) < 0) {
                return line;
            }
        }
        return "";
    }

    /**
     * Proof that close() waits: a test run of known length (calibrated, about
     * 400 ms) is in the kernel when close() is called 50 ms in; close() may
     * return only after the run did, so it takes most of the run's length,
     * and the run itself completes (it held the handle).
     */
    @Test
    void closeWaitsForAnInFlightCall() throws Exception {
        try (BpfObject probe = BpfObject.openResource(ObjectTest.CORE).load()) {
            BpfProgram p = probe.program("bump_first_byte");
            // The kernel's own average leaves out time the CPU was taken away, so a busy machine only lengthens the run.
            TestRun calibration = new TestRun().dataIn(Kernel.packet()).repeat(200_000);
            p.testRun(calibration);
            long perRun = Math.max(1, calibration.durationNanos());
            int repeat = (int) Math.min(Integer.MAX_VALUE, TimeUnit.MILLISECONDS.toNanos(400) / perRun);
            for (int attempt = 0; ; attempt++) {
                BpfObject obj = BpfObject.openResource(ObjectTest.CORE).load();
                BpfProgram prog = obj.program("bump_first_byte");
                TestRun run = new TestRun().dataIn(Kernel.packet()).repeat(repeat);
                AtomicReference<Throwable> failure = new AtomicReference<Throwable>();
                AtomicLong runStart = new AtomicLong();
                AtomicLong runEnd = new AtomicLong();
                CountDownLatch starting = new CountDownLatch(1);
                Thread worker = new Thread(() -> {
                    try {
                        runStart.set(System.nanoTime());
                        starting.countDown();
                        prog.testRun(run);
                        runEnd.set(System.nanoTime());
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
                worker.start();
                assertTrue(starting.await(10, TimeUnit.SECONDS));
                Thread.sleep(50);
                long closeStart = System.nanoTime();
                obj.close();
                long closeEnd = System.nanoTime();
                worker.join(60_000);
                if (failure.get() instanceof IllegalStateException && attempt < 5) {
                    continue; // the worker had not reached the call yet: not the case under test
                }
                if (failure.get() != null) {
                    throw new AssertionError("the in-flight run failed", failure.get());
                }
                long runNanos = runEnd.get() - runStart.get();
                if (runNanos <= TimeUnit.MILLISECONDS.toNanos(150) && attempt < 5) {
                    repeat = (int) Math.min(Integer.MAX_VALUE, repeat * 2L); // calibrated too short: a longer run
                    continue;
                }
                assertTrue(runNanos > TimeUnit.MILLISECONDS.toNanos(150), "the run was long: " + runNanos + " ns");
                // close() returned only after the run's last instruction: it lasted until (nearly) the run's end.
                assertTrue(closeEnd - runStart.get() >= runNanos * 9 / 10, "close returned "
                        + (closeEnd - runStart.get()) / 1_000_000 + " ms after the run started; the run took "
                        + runNanos / 1_000_000 + " ms");
                assertTrue(closeEnd - closeStart > TimeUnit.MILLISECONDS.toNanos(50),
                        "close() blocked: " + (closeEnd - closeStart) / 1_000_000 + " ms");
                assertThrows(IllegalStateException.class, prog::fd, "closed after the run");
                return;
            }
        }
    }

    @Test
    void closeWaitsForCallsInFlightAndLateCallsFailCleanly() throws Exception {
        for (int round = 0; round < 20; round++) {
            final BpfObject obj = BpfObject.openResource(ObjectTest.CORE).load();
            final BpfMap counts = obj.map("counts");
            final BpfProgram prog = obj.program("bump_first_byte");
            final AtomicReference<Throwable> unexpected = new AtomicReference<Throwable>();
            final AtomicLong calls = new AtomicLong();
            final CountDownLatch called = new CountDownLatch(2);
            final boolean[] countedFirst = new boolean[2]; // each written by its own worker only
            Thread[] workers = new Thread[2];
            for (int t = 0; t < workers.length; t++) {
                final int id = t;
                workers[t] = new Thread(() -> {
                    byte[] key = new byte[4];
                    byte[] value = new byte[8];
                    TestRun run = new TestRun().dataIn(Kernel.packet()).repeat(50);
                    try {
                        for (;;) {
                            if (id == 0) {
                                counts.update(key, value);
                                counts.lookup(key, value);
                            } else {
                                prog.testRun(run);
                            }
                            calls.incrementAndGet();
                            if (!countedFirst[id]) {
                                countedFirst[id] = true;
                                called.countDown();
                            }
                        }
                    } catch (IllegalStateException expected) {
                        // closed under us: the only acceptable way out
                    } catch (Throwable other) {
                        unexpected.set(other);
                    }
                });
                workers[t].start();
            }
            // Both workers are in their loops, each call done at least once (proof, not a sleep).
            if (!called.await(60, TimeUnit.SECONDS)) {
                fail("the workers made no call in 60 s: " + unexpected.get());
            }
            obj.close();
            for (Thread w : workers) {
                w.join(10_000);
                if (w.isAlive()) {
                    fail("a worker did not stop after close");
                }
            }
            if (unexpected.get() != null) {
                throw new AssertionError("a call racing close() failed with something other than"
                        + " IllegalStateException", unexpected.get());
            }
            assertTrue(calls.get() > 0);
        }
    }

    /**
     * Run in a child JVM: the fd count is the whole process's, and here the
     * Cleaner may close other tests' fds (or a test's thread open some) meanwhile.
     */
    @Test
    void forgottenObjectsAreFreedByTheGarbageCollector() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ForgottenObjects.class);
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.output.contains("forgotten objects: ok"), r.toString());
    }

    /** The child of {@link #forgottenObjectsAreFreedByTheGarbageCollector}. */
    public static final class ForgottenObjects {
        public static void main(String[] args) throws Exception {
            // Warm up so that class loading and the cleaner thread's fds don't count.
            BpfObject.openResource(ObjectTest.CORE).load().close();
            // Exact, by kernel object: every BPF fd open after the GC must have been open before, on the same object.
            BpfFds before = BpfFds.snapshot();
            List<BpfObject> forgotten = new ArrayList<BpfObject>();
            for (int i = 0; i < 20; i++) {
                forgotten.add(BpfObject.openResource(ObjectTest.CORE).load()); // never closed
            }
            int held = BpfFds.snapshot().addedSince(before).size();
            check(held >= 20 * 4, "each object holds map and program fds: " + held);
            forgotten.clear();
            long deadline = System.currentTimeMillis() + 20_000;
            while (!BpfFds.snapshot().addedSince(before).isEmpty() && System.currentTimeMillis() < deadline) {
                System.gc();
                Thread.sleep(50);
            }
            check(BpfFds.snapshot().addedSince(before).isEmpty(),
                    "BPF fds still open: " + BpfFds.snapshot().addedSince(before));
            System.out.println("forgotten objects: ok");
        }
    }
}
