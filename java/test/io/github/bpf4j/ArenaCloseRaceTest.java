/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * close() racing ArenaRegion access and BpfMap.mmap() from other threads:
 * the JVM survives, every call either does its work or throws
 * IllegalStateException (nothing else), close() returns with every call that
 * got in done, and afterwards every call is refused.
 */
class ArenaCloseRaceTest {
    private static final int ROUNDS = 60;

    @BeforeEach
    void needsArenas() {
        Kernel.requireBpf();
        Kernel.assumeArenas();
    }

    /** One kind of call a worker repeats until it is refused. */
    interface Call {
        void run(int i);
    }

    @Test
    void closeRacingRegionAccessAndMmap() throws Exception {
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicLong succeeded = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        long deadline = System.nanoTime() + 4_000_000_000L;
        int rounds = 0;
        for (; rounds < ROUNDS && System.nanoTime() < deadline; rounds++) {
            BpfMap arenaMap = BpfMap.create(MapSpec.of(MapType.ARENA).maxEntries(64).flags(MapFlag.MMAPABLE)
                    .name("t_race"));
            BpfMap array = BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(512)
                    .flags(MapFlag.MMAPABLE).name("t_race_mm"));
            ArenaRegion r = arenaMap.arena().region();
            byte[] chunk = new byte[70_000]; // more than one native chunk
            ByteBuffer direct = ByteBuffer.allocateDirect(4096);
            List<Call> calls = new ArrayList<>();
            calls.add(i -> r.putLong((i & 1023) * 8L, i));
            calls.add(i -> r.getAndAddLong(8, 1));
            calls.add(i -> r.put(4096, chunk));
            calls.add(i -> r.get(4096, chunk));
            calls.add(i -> r.readChecked(8192, direct));
            calls.add(i -> r.writeChecked(8192, direct));
            calls.add(i -> r.slice(0, 64).putLong(0, i));
            calls.add(i -> arenaMap.arena().region().getLong(16));
            calls.add(i -> array.mmap().putLong((i & 511) * 8, i));
            CountDownLatch started = new CountDownLatch(calls.size());
            List<Thread> threads = new ArrayList<>();
            for (Call call : calls) {
                Thread t = new Thread(() -> {
                    started.countDown();
                    for (int i = 0;; i++) {
                        try {
                            call.run(i);
                            succeeded.incrementAndGet();
                        } catch (IllegalStateException closed) {
                            refused.incrementAndGet();
                            return;
                        } catch (Throwable e) {
                            failures.add(e);
                            return;
                        }
                    }
                }, "race-" + threads.size());
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            started.await();
            Thread.sleep(0, (rounds * 7919) % 500_000); // a different moment every round
            Thread closerA = new Thread(arenaMap::close);
            closerA.start();
            array.close();
            closerA.join(5_000);
            // After close() has returned, every call is refused at once.
            for (Call call : calls) {
                assertThrows(IllegalStateException.class, () -> call.run(0), "a call after close()");
            }
            for (Thread t : threads) {
                t.join(5_000);
                assertTrue(!t.isAlive(), t.getName() + " still runs after close(): a call was neither done nor refused");
            }
            if (!failures.isEmpty()) {
                break;
            }
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("a call racing close() failed with something other than"
                    + " IllegalStateException (" + failures.size() + " failures, first attached)", failures.peek());
            throw e;
        }
        System.out.println("ArenaCloseRaceTest: " + rounds + " rounds, " + succeeded.get() + " calls done, "
                + refused.get() + " refused");
        assertEquals(rounds * 9L, refused.get(), "every worker ended with IllegalStateException");
        assertTrue(rounds >= 5, "only " + rounds + " rounds in 4 s");
    }
}
