/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.MapFlag;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import io.github.bpf4j.TestRun;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Eight threads use one loaded object, one map made with {@link BpfMap#create}
 * and their mmapped buffers while two others keep closing and reopening them.
 * Right after each close the closers create canary maps of the very same
 * shapes: the numbers the kernel just freed go to the canaries, so an
 * operation that reached the kernel with a stale fd would land in a canary.
 * Every canary must keep exactly the contents it was given, and the only
 * failure an operation may have is {@link IllegalStateException} (closed).
 *
 * <p>Seconds: {@code -Dbpf4j.storm.seconds} (default 12).
 */
@Tag("once")
class CloseStormTest {
    private static final int WORKERS = 8;
    private static final long STORM_MARK = 0x5700_0000_0000_0000L; // what workers write; canaries never hold it
    private static final int SLOTS = 8;

    /** The stormed resources: replaced as a whole by the closers. */
    private final AtomicReference<BpfObject> object = new AtomicReference<BpfObject>();
    private final AtomicReference<ByteBuffer> objectMapped = new AtomicReference<ByteBuffer>();
    private final AtomicReference<BpfMap> standalone = new AtomicReference<BpfMap>();
    private final AtomicReference<ByteBuffer> standaloneMapped = new AtomicReference<ByteBuffer>();

    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong testRuns = new AtomicLong();
    private final AtomicLong mappedWrites = new AtomicLong();
    private final AtomicLong closes = new AtomicLong();
    private final AtomicLong closesDuringOps = new AtomicLong();
    private final ConcurrentLinkedQueue<Throwable> wrong = new ConcurrentLinkedQueue<Throwable>();
    private final ConcurrentLinkedQueue<Canary> canaries = new ConcurrentLinkedQueue<Canary>();
    private final AtomicInteger canaryCount = new AtomicInteger();
    private final AtomicLong canariesChecked = new AtomicLong();
    private final AtomicLong canariesOnFreedFds = new AtomicLong();

    /** A map of the stormed maps' shape with known contents: slot i holds its seed + i. */
    static final class Canary {
        final BpfMap map;
        final ByteBuffer mapped; // null for hash canaries
        final long seed;

        Canary(BpfMap map, ByteBuffer mapped, long seed) {
            this.map = map;
            this.mapped = mapped;
            this.seed = seed;
        }

        private boolean retired;

        /** Synchronized with {@link #retire}: a retired canary's detached buffer reads zeros, which is no failure. */
        synchronized void verify() {
            if (retired) {
                return;
            }
            for (int i = 0; i < SLOTS; i++) {
                byte[] v = map.lookup(key(map, i));
                String where = "canary " + map + " slot " + i;
                assertTrue(v != null, where + " is gone");
                assertEquals(seed + i, ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong(), where);
                if (mapped != null) {
                    assertEquals(seed + i, mapped.getLong(i * 8), where + " (mapped)");
                }
            }
        }

        synchronized void retire() {
            verify();
            retired = true;
            map.close();
        }
    }

    @Test
    void closesWhileOpsAreInFlightNeverLandAWriteInAnotherMap() throws Exception {
        Kernel.requireBpf();
        long seconds = Long.getLong("bpf4j.storm.seconds", 12);
        openObject();
        openStandalone();
        for (int i = 0; i < 8; i++) {
            addCanary(i % 2 == 0);
        }
        List<Thread> threads = new ArrayList<Thread>();
        for (int w = 0; w < WORKERS; w++) {
            final int id = w;
            threads.add(thread("storm-worker-" + w, () -> work(id)));
        }
        threads.add(thread("storm-object-closer", () -> {
            while (!stop.get()) {
                BpfObject old = object.get();
                sampleThenClose(old);
                openObject();
                pause();
            }
        }));
        threads.add(thread("storm-map-closer", () -> {
            while (!stop.get()) {
                BpfMap old = standalone.get();
                sampleThenClose(old);
                openStandalone();
                pause();
            }
        }));
        for (Thread t : threads) {
            t.start();
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end && wrong.isEmpty()) {
            Thread.sleep(200);
            checkSomeCanaries();
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertTrue(!t.isAlive(), t.getName() + " is stuck");
        }
        if (!wrong.isEmpty()) {
            AssertionError e = new AssertionError(wrong.size() + " operations failed other than by being closed;"
                    + " the first is the cause");
            e.initCause(wrong.peek());
            throw e;
        }
        for (Canary c : canaries) {
            c.verify();
            canariesChecked.incrementAndGet();
        }
        System.out.printf("close storm, %d s: %d ops succeeded (%d test runs, %d mapped writes), %d refused as closed,"
                + " %d closes (%d with ops in flight), %d canaries created (%d on an fd number just freed),"
                + " %d canary checks%n", seconds, succeeded.get(), testRuns.get(), mappedWrites.get(), refused.get(),
                closes.get(), closesDuringOps.get(), canaryCount.get(), canariesOnFreedFds.get(),
                canariesChecked.get());
        assertTrue(succeeded.get() > 0 && testRuns.get() > 0 && mappedWrites.get() > 0, "ops succeeded: "
                + succeeded + ", test runs " + testRuns + ", mapped writes " + mappedWrites);
        assertTrue(refused.get() > 0, "no op ever met a closed object: the storm did not overlap");
        assertTrue(closesDuringOps.get() > 0, "no close happened while an op was in flight");
        assertTrue(canariesOnFreedFds.get() > 0, "no canary got a freed fd number: they guarded nothing");
        object.get().close();
        standalone.get().close();
        for (Canary c : canaries) {
            c.retire();
        }
    }

    private void work(int id) {
        ByteBuffer key4 = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()); // t_storm's keys are u32
        ByteBuffer value8 = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        byte[] packet = Kernel.packet(id & 7);
        long n = 0;
        while (!stop.get()) {
            n++;
            int slot = (int) (n % SLOTS);
            long mark = STORM_MARK | ((long) id << 40) | (n & 0xffffffffffL);
            inFlight.incrementAndGet();
            try {
                switch ((int) ((n + id) % 6)) {
                    case 0: { // update through a kept reference that may be closed by now
                        BpfObject o = object.get();
                        o.map("counters").update(key(4, slot), longBytes(mark));
                        break;
                    }
                    case 1: {
                        BpfMap m = standalone.get();
                        key4.clear();
                        key4.putInt(0, slot);
                        value8.clear();
                        value8.putLong(0, mark);
                        m.update(key4, value8);
                        break;
                    }
                    case 2: {
                        BpfMap m = standalone.get();
                        key4.clear();
                        key4.putInt(0, slot);
                        value8.clear();
                        m.lookup(key4, value8);
                        break;
                    }
                    case 3: {
                        BpfObject o = object.get();
                        o.program("count_packet").testRun(new TestRun().dataIn(packet).repeat(4));
                        testRuns.incrementAndGet();
                        break;
                    }
                    case 4: { // mapped writes, to buffers that may be detached: must reach no other map
                        ByteBuffer b = (n & 1) == 0 ? objectMapped.get() : standaloneMapped.get();
                        b.putLong(slot * 8, mark);
                        b.getLong(slot * 8);
                        mappedWrites.incrementAndGet();
                        break;
                    }
                    default: {
                        BpfObject o = object.get();
                        o.map("table").update(longBytes(slot), longBytes(mark));
                        o.map("table").lookup(longBytes(slot));
                        o.global("runs").getLong(0);
                        break;
                    }
                }
                succeeded.incrementAndGet();
            } catch (IllegalStateException e) {
                if (e.getMessage() == null || !e.getMessage().contains("closed")) {
                    wrong.add(e);
                }
                refused.incrementAndGet();
            } catch (Throwable t) {
                wrong.add(t);
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    private void sampleThenClose(AutoCloseable old) throws Exception {
        Set<Integer> freed = new HashSet<Integer>();
        if (old instanceof BpfObject) {
            for (BpfMap m : ((BpfObject) old).maps()) {
                freed.add(m.fd());
            }
            freed.add(((BpfObject) old).program("count_packet").fd());
        } else {
            freed.add(((BpfMap) old).fd());
        }
        boolean busy = inFlight.get() > 0;
        old.close();
        closes.incrementAndGet();
        if (busy) {
            closesDuringOps.incrementAndGet();
        }
        // The fds just freed go to new canaries: the likeliest targets of a stale fd.
        for (Canary c : new Canary[] {addCanary(closes.get() % 2 == 0), addCanary(closes.get() % 2 != 0)}) {
            if (freed.contains(c.map.fd())) {
                canariesOnFreedFds.incrementAndGet();
            }
        }
    }

    private void openObject() {
        BpfObject o = BpfObject.openResource(UseAfterCloseTest.TRUST).load();
        objectMapped.set(o.map("mapped").mmap());
        object.set(o);
    }

    private void openStandalone() {
        BpfMap m = BpfMap.create(MapSpec.of(MapType.ARRAY).keySize(4).valueSize(8).maxEntries(SLOTS)
                .flags(MapFlag.MMAPABLE).name("t_storm"));
        standaloneMapped.set(m.mmap());
        standalone.set(m);
    }

    /** Alternately an mmapped ARRAY like "mapped"/"t_storm"/"counters" and a HASH 8/8 like "table". */
    private Canary addCanary(boolean array) {
        long seed = 0xCA0A_0000_0000_0000L | ((long) canaryCount.incrementAndGet() << 8);
        BpfMap m;
        ByteBuffer mapped = null;
        if (array) {
            m = BpfMap.create(MapSpec.of(MapType.ARRAY).keySize(4).valueSize(8).maxEntries(SLOTS)
                    .flags(MapFlag.MMAPABLE).name("t_canary"));
        } else {
            m = BpfMap.create(MapSpec.of(MapType.HASH).keySize(8).valueSize(8).maxEntries(64).name("t_canary"));
        }
        for (int i = 0; i < SLOTS; i++) {
            m.update(key(m, i), longBytes(seed + i));
        }
        if (array) {
            mapped = m.mmap();
        }
        Canary c = new Canary(m, mapped, seed);
        c.verify();
        canaries.add(c);
        // A rolling window keeps the fd table small; retired canaries are checked one last time.
        while (canaries.size() > 64) {
            Canary retired = canaries.poll();
            if (retired == null) {
                break;
            }
            retired.retire();
            canariesChecked.incrementAndGet();
        }
        return c;
    }

    private void checkSomeCanaries() {
        Deque<Canary> snapshot = new ArrayDeque<Canary>(canaries);
        for (Canary c : snapshot) {
            try {
                c.verify();
                canariesChecked.incrementAndGet();
            } catch (Throwable t) {
                wrong.add(t);
                return;
            }
        }
    }

    private static void pause() throws InterruptedException {
        Thread.sleep(2);
    }

    private Thread thread(String name, ThrowingRunnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                wrong.add(e);
            }
        }, name);
        t.setDaemon(true);
        return t;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    static byte[] key(BpfMap m, int slot) {
        return m.keySize() == 4 ? key(4, slot) : longBytes(slot);
    }

    static byte[] key(int size, int slot) {
        return size == 4 ? ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(slot).array()
                : longBytes(slot);
    }

    static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }
}
