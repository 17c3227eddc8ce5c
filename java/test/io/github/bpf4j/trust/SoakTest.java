/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.ArenaRegion;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import io.github.bpf4j.TestRun;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A long mixed run, only in profile {@code soak} ({@code mvn -Psoak test},
 * which sets {@code -Dbpf4j.soak=true}; seconds from
 * {@code -Dbpf4j.soak.seconds}, default 600; skipped elsewhere): two BPF programs count
 * in test runs with {@code repeat} while four JVM threads add atomically to
 * the same arena counter, look up and update the programs' maps, write
 * mmapped slots and churn a hash map. At the end every counter is exact.
 */
@Tag("soak")
class SoakTest {
    private static final int REPEAT = 1000;
    private static final long PAGE = 4096;
    private static final int HASH_KEYS = 64;

    private final AtomicBoolean stop = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<Throwable>();

    @Test
    void everyCounterIsExactAfterALongMixedRun() throws Exception {
        assumeTrue(Boolean.getBoolean("bpf4j.soak"), "the soak runs in its own profile: mvn -Psoak test"
                + " (-Dbpf4j.soak.seconds=N, default 600)");
        Kernel.requireBpf();
        long seconds = Long.getLong("bpf4j.soak.seconds", 600);
        try (BpfObject counter = BpfObject.openResource("bpf/arena_counter.bpf.o").load();
                BpfObject trust = BpfObject.openResource(UseAfterCloseTest.TRUST).load();
                BpfMap churn = BpfMap.create(MapSpec.of(MapType.HASH).keySize(8).valueSize(8)
                        .maxEntries(HASH_KEYS).name("t_soak"))) {
            ArenaRegion arena = counter.map("counter_arena").arena().region();
            long at = 2 * PAGE + 64;
            arena.putLong(at, 0); // the JVM touches the page first: program adds never meet a missing page
            counter.global("counter_ptr").putLong(0, arena.pointerAt(at));
            BpfProgram inc = counter.program("counter_inc");
            BpfProgram count = trust.program("count_packet");
            BpfMap counters = trust.map("counters");
            ByteBuffer mapped = trust.map("mapped").mmap();
            ByteBuffer runs = trust.global("runs");

            AtomicLong arenaRuns = new AtomicLong();
            AtomicLong countRuns = new AtomicLong();
            AtomicLong javaArenaAdds = new AtomicLong();
            AtomicLong lookups = new AtomicLong();
            AtomicLong slot1Writes = new AtomicLong();
            AtomicLong mappedWrites = new AtomicLong();
            long[] churnExpected = new long[HASH_KEYS];
            AtomicLong churnOps = new AtomicLong();

            List<Thread> threads = new ArrayList<Thread>();
            threads.add(thread("soak-bpf-arena", () -> {
                TestRun run = new TestRun().dataIn(Kernel.packet()).repeat(REPEAT);
                while (!stop.get()) {
                    assertEquals(2 /* XDP_PASS */, inc.testRun(run).retval());
                    arenaRuns.incrementAndGet();
                }
            }));
            threads.add(thread("soak-bpf-maps", () -> {
                TestRun run = new TestRun().dataIn(Kernel.packet(0)).repeat(REPEAT);
                while (!stop.get()) {
                    assertEquals(2, count.testRun(run).retval());
                    countRuns.incrementAndGet();
                }
            }));
            // 1: atomic adds on the counter the arena program adds to.
            threads.add(thread("soak-java-arena", () -> {
                while (!stop.get()) {
                    for (int i = 0; i < 1000; i++) {
                        arena.getAndAddLong(at, 1);
                    }
                    javaArenaAdds.addAndGet(1000);
                }
            }));
            // 2: lookups of the program's counter (never going back) and updates of a slot only it writes.
            threads.add(thread("soak-java-maps", () -> {
                long last = 0;
                byte[] slot0 = CloseStormTest.key(4, 0);
                byte[] slot1 = CloseStormTest.key(4, 1);
                while (!stop.get()) {
                    long now = ByteBuffer.wrap(counters.lookup(slot0)).order(ByteOrder.nativeOrder()).getLong();
                    assertTrue(now >= last, "counters[0] went back from " + last + " to " + now);
                    last = now;
                    lookups.incrementAndGet();
                    counters.update(slot1, CloseStormTest.longBytes(slot1Writes.incrementAndGet()));
                }
            }));
            // 3: mmapped writes to slots 2..7 (each a running count) next to the program's slot 0.
            threads.add(thread("soak-java-mmap", () -> {
                long n = 0;
                long last = 0;
                while (!stop.get()) {
                    n++;
                    int slot = 2 + (int) (n % 6);
                    mapped.putLong(slot * 8, mapped.getLong(slot * 8) + 1);
                    mappedWrites.incrementAndGet();
                    long now = mapped.getLong(0);
                    assertTrue(now >= last, "mapped[0] went back from " + last + " to " + now);
                    last = now;
                }
            }));
            // 4: read-modify-write of a hash map with deletes and re-inserts.
            threads.add(thread("soak-java-hash", () -> {
                ByteBuffer key = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
                ByteBuffer value = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
                long n = 0;
                while (!stop.get()) {
                    n++;
                    int k = (int) (n * 7 % HASH_KEYS);
                    key.clear();
                    key.putLong(0, k);
                    value.clear();
                    long have = churn.lookup(key, value) ? value.getLong(0) : 0;
                    assertEquals(churnExpected[k], have, "t_soak[" + k + "]");
                    if (n % 97 == 0) {
                        churn.delete(key);
                        churnExpected[k] = 0;
                    } else {
                        value.clear();
                        value.putLong(0, have + 1);
                        churn.update(key, value);
                        churnExpected[k] = have + 1;
                    }
                    churnOps.incrementAndGet();
                }
            }));
            long start = System.nanoTime();
            for (Thread t : threads) {
                t.start();
            }
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < end && failures.isEmpty()) {
                Thread.sleep(100);
                if (System.nanoTime() > nextReport) {
                    nextReport += TimeUnit.SECONDS.toNanos(60);
                    System.out.printf("soak: %d s, %d program runs%n", TimeUnit.NANOSECONDS.toSeconds(
                            System.nanoTime() - start), (arenaRuns.get() + countRuns.get()) * REPEAT);
                }
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(60));
                assertTrue(!t.isAlive(), t.getName() + " is stuck");
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (!failures.isEmpty()) {
                AssertionError e = new AssertionError(failures.size() + " threads failed; the first is the cause");
                e.initCause(failures.peek());
                throw e;
            }
            long arenaExpected = javaArenaAdds.get() + arenaRuns.get() * REPEAT;
            long countExpected = countRuns.get() * REPEAT;
            long arenaCounter = arena.getLong(at);
            long counter0 = ByteBuffer.wrap(counters.lookup(CloseStormTest.key(4, 0))).order(ByteOrder.nativeOrder())
                    .getLong();
            long counter1 = ByteBuffer.wrap(counters.lookup(CloseStormTest.key(4, 1))).order(ByteOrder.nativeOrder())
                    .getLong();
            long mappedSlots = 0;
            for (int s = 2; s < 8; s++) {
                mappedSlots += mapped.getLong(s * 8);
            }
            long javaOps = javaArenaAdds.get() + 2 * lookups.get() + mappedWrites.get() + churnOps.get();
            long programAdds = (arenaRuns.get() + countRuns.get()) * REPEAT;
            System.out.printf("soak, %.0f s: program runs %d (%.0f/s), JVM ops %d (%.0f/s): arena counter %d"
                    + " (%d from the JVM, %d from the program), counters[0] %d, mapped[0] %d, runs %d,"
                    + " counters[1] %d updates, %d mapped writes, %d hash ops%n", elapsed, programAdds,
                    programAdds / elapsed, javaOps, javaOps / elapsed, arenaCounter, javaArenaAdds.get(),
                    arenaRuns.get() * REPEAT, counter0, mapped.getLong(0), runs.getLong(0), slot1Writes.get(),
                    mappedWrites.get(), churnOps.get());
            assertEquals(arenaExpected, arenaCounter, "arena counter (JVM and program adds)");
            assertEquals(countExpected, counter0, "counters[0]");
            assertEquals(countExpected, mapped.getLong(0), "mapped[0]");
            assertEquals(countExpected, runs.getLong(0), "runs");
            assertEquals(slot1Writes.get(), counter1, "counters[1]");
            assertEquals(mappedWrites.get(), mappedSlots, "mapped[2..7]");
            for (int k = 0; k < HASH_KEYS; k++) {
                byte[] v = churn.lookup(CloseStormTest.longBytes(k));
                assertEquals(churnExpected[k], v == null ? 0 : ByteBuffer.wrap(v).order(ByteOrder.nativeOrder())
                        .getLong(), "t_soak[" + k + "]");
            }
            assertTrue(arenaRuns.get() > 0 && countRuns.get() > 0 && javaArenaAdds.get() > 0 && lookups.get() > 0
                    && mappedWrites.get() > 0 && churnOps.get() > 0, "every thread made progress");
        }
    }

    private Thread thread(String name, CloseStormTest.ThrowingRunnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failures.add(e);
                stop.set(true);
            }
        }, name);
        t.setDaemon(true);
        return t;
    }
}
