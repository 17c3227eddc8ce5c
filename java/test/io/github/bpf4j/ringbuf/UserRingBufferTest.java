/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.ringbuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import io.github.bpf4j.TestRun;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Java produces into a USER_RINGBUF, the syscall program {@code drain}
 * (test-bpf/user_ringbuf.bpf.c) consumes with bpf_user_ringbuf_drain and
 * copies each record's length and content to {@code out[i]}; the test
 * compares them byte for byte.
 */
class UserRingBufferTest {
    private static final int RING = 16384;
    private static final int MAX_COPY = 8192;
    private static final int RECORD = 8 + MAX_COPY;

    private BpfObject obj;
    private BpfMap map;
    private BpfProgram drain;

    @BeforeEach
    void open() {
        Kernel.requireBpf();
        obj = BpfObject.openResource("bpf/user_ringbuf.bpf.o").load();
        map = obj.map("user_ring");
        drain = obj.program("drain");
    }

    @AfterEach
    void close() {
        if (obj != null) {
            obj.close();
        }
    }

    private int runDrain() {
        return drain.testRun(new TestRun()).retval();
    }

    private byte[] drained(int i) {
        byte[] v = map("out").lookup(le(i));
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
        int len = b.getInt(0);
        byte[] data = new byte[Math.min(len, MAX_COPY)];
        System.arraycopy(v, 8, data, 0, data.length);
        assertEquals(RECORD, v.length);
        return len > MAX_COPY ? null : data;
    }

    private BpfMap map(String n) {
        return obj.map(n);
    }

    private static byte[] le(int i) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, i).array();
    }

    private static byte[] content(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static void produce(UserRingBuffer ring, byte[] data) {
        ByteBuffer r = ring.reserve(data.length);
        assertNotNull(r, "room for " + data.length + " bytes");
        assertEquals(0, r.position());
        assertEquals(data.length, r.remaining());
        assertEquals(ByteOrder.nativeOrder(), r.order());
        for (int i = 0; i < data.length; i++) {
            r.put(i, data[i]);
        }
        ring.submit();
    }

    @Test
    void recordsOfEverySizeArriveInOrderAcrossManyWraps() {
        UserRingBuffer ring = map.userRingBuffer();
        assertSame(ring, map.userRingBuffer(), "one producer per map handle");
        assertEquals(RING, ring.size());
        assertEquals(RING - 8, ring.maxRecordSize());
        Random rnd = new Random(42);
        int[] sizes = {1, 2, 7, 8, 9, 15, 16, 100, 4095, 4096, 4097, 5000, MAX_COPY};
        long bytes = 0;
        int batches = 0;
        while (bytes < 40L * RING) { // the ring wraps ~40 times
            List<byte[]> sent = new ArrayList<byte[]>();
            int room = RING;
            while (sent.size() < 64) {
                int n = sizes[rnd.nextInt(sizes.length)];
                int total = (n + 8 + 7) & ~7;
                if (total > room) {
                    break;
                }
                byte[] d = content(rnd, n);
                produce(ring, d);
                sent.add(d);
                room -= total;
                bytes += total;
            }
            assertEquals(sent.size(), runDrain(), "records drained in batch " + batches);
            for (int i = 0; i < sent.size(); i++) {
                assertArrayEqualsAt(sent.get(i), drained(i), batches, i);
            }
            assertEquals(RING, ring.available(), "all consumed");
            batches++;
        }
        assertTrue(batches > 20);
    }

    private static void assertArrayEqualsAt(byte[] want, byte[] got, int batch, int i) {
        assertNotNull(got);
        assertEquals(want.length, got.length, "length of record " + i + " of batch " + batch);
        for (int k = 0; k < want.length; k++) {
            if (want[k] != got[k]) {
                throw new AssertionError("record " + i + " of batch " + batch + " differs at byte " + k);
            }
        }
    }

    @Test
    void discardedRecordsAreNotSeen() {
        UserRingBuffer ring = map.userRingBuffer();
        produce(ring, new byte[] {1, 2, 3});
        ring.reserve(50).put(0, (byte) 9);
        ring.discard();
        produce(ring, new byte[] {4});
        assertEquals(2, runDrain());
        assertArrayEqualsAt(new byte[] {1, 2, 3}, drained(0), 0, 0);
        assertArrayEqualsAt(new byte[] {4}, drained(1), 0, 1);
        assertEquals(0, runDrain(), "nothing left");
    }

    @Test
    void aFullRingAnswersNullAndABlockingReserveReturnsOnceTheProgramDrained() throws Exception {
        UserRingBuffer ring = map.userRingBuffer();
        int n = 0;
        while (ring.reserve(1000) != null) {
            ring.submit();
            n++;
        }
        assertEquals(RING / 1008, n, "records of 1008 bytes with their headers");
        assertThrows(IllegalArgumentException.class, () -> ring.reserve(RING));
        long t0 = System.nanoTime();
        assertNull(ring.reserve(1000, 60, TimeUnit.MILLISECONDS), "still full");
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(55), "waited the timeout");
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            CountDownLatch waiting = new CountDownLatch(1);
            Future<Boolean> got = ex.submit(() -> {
                waiting.countDown();
                ByteBuffer r = ring.reserve(1000, 20, TimeUnit.SECONDS);
                if (r != null) {
                    ring.submit();
                }
                return r != null;
            });
            waiting.await();
            Thread.sleep(100);
            // The drain wakes the blocked reserve as it frees room, and on a busy machine that record may be
            // submitted while the same drain is still running, which then reads it too.
            int first = runDrain();
            assertTrue(first == n || first == n + 1, "the program drained the full ring: " + first + " of " + n);
            assertTrue(got.get(20, TimeUnit.SECONDS), "the blocked reserve got room");
            assertEquals(n + 1, first + runDrain(), "every record, the one the woken reserve wrote included");
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void aBlockedReserveEndsOnInterruptAndOnClose() throws Exception {
        UserRingBuffer ring = map.userRingBuffer();
        while (ring.reserve(2000) != null) {
            ring.submit();
        }
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            CountDownLatch waiting = new CountDownLatch(1);
            Thread[] waiter = new Thread[1];
            Future<Throwable> interrupted = ex.submit(() -> {
                waiter[0] = Thread.currentThread();
                waiting.countDown();
                try {
                    return ring.reserve(2000, 30, TimeUnit.SECONDS) == null ? null : new AssertionError("room?");
                } catch (Throwable t) {
                    return t;
                }
            });
            waiting.await();
            Thread.sleep(100);
            waiter[0].interrupt();
            assertTrue(interrupted.get(10, TimeUnit.SECONDS) instanceof InterruptedException);

            CountDownLatch again = new CountDownLatch(1);
            Future<Throwable> closed = ex.submit(() -> {
                again.countDown();
                try {
                    return ring.reserve(2000, 30, TimeUnit.SECONDS) == null ? null : new AssertionError("room?");
                } catch (Throwable t) {
                    return t;
                }
            });
            again.await();
            Thread.sleep(100);
            long t0 = System.nanoTime();
            ring.close();
            Throwable t = closed.get(10, TimeUnit.SECONDS);
            assertTrue(t instanceof IllegalStateException && t.getMessage().contains("closed"), String.valueOf(t));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "ended promptly");
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void aSecondReservationIsRefusedFromAnyThread() throws Exception {
        UserRingBuffer ring = map.userRingBuffer();
        assertNotNull(ring.reserve(8));
        IllegalStateException same = assertThrows(IllegalStateException.class, () -> ring.reserve(8));
        assertTrue(same.getMessage().contains("one producer"), same.getMessage());
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            Future<Throwable> other = ex.submit(() -> {
                try {
                    ring.reserve(8);
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            assertTrue(other.get(10, TimeUnit.SECONDS) instanceof IllegalStateException);
            ring.submit();
            assertThrows(IllegalStateException.class, ring::submit, "nothing outstanding");
            // Taking turns is allowed: another thread reserves and submits now.
            assertEquals(null, ex.submit(() -> {
                ring.reserve(4).putInt(0, 77);
                ring.submit();
                return null;
            }).get(10, TimeUnit.SECONDS));
        } finally {
            ex.shutdownNow();
        }
        assertEquals(2, runDrain());
    }

    @Test
    void closeWithAnOutstandingReservationDiscardsItAndANewProducerContinues() {
        UserRingBuffer ring = map.userRingBuffer();
        produce(ring, new byte[] {5});
        ByteBuffer stale = ring.reserve(16);
        ring.close();
        ring.close();
        stale.putLong(0, 1); // private memory now: harmless
        assertThrows(IllegalStateException.class, ring::submit);
        assertThrows(IllegalStateException.class, () -> ring.reserve(1));
        UserRingBuffer next = map.userRingBuffer();
        assertTrue(next != ring, "a closed producer is replaced");
        produce(next, new byte[] {6, 7});
        assertEquals(2, runDrain(), "the discarded reservation is skipped");
        assertArrayEqualsAt(new byte[] {5}, drained(0), 0, 0);
        assertArrayEqualsAt(new byte[] {6, 7}, drained(1), 0, 1);
        obj.close();
        assertThrows(IllegalStateException.class, () -> next.reserve(1), "closing the map closes the producer");
    }

    @Test
    void otherMapTypesAreRefused() {
        try (BpfMap hash = BpfMap.create(MapSpec.of(MapType.HASH).keySize(4).valueSize(4).maxEntries(1)
                .name("t_urb_hash"))) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    hash::userRingBuffer);
            assertTrue(e.getMessage().contains("USER_RINGBUF"), e.getMessage());
        }
    }

    @Test
    void reserveAndSubmitAllocateNothing() {
        UserRingBuffer ring = map.userRingBuffer();
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long allocated = -1;
        for (int attempt = 0; attempt < 5 && allocated != 0; attempt++) {
            allocated = 0;
            // 8 records of 56 + 8 bytes per cycle: 32 cycles visit every record offset of the 16 KiB ring,
            // so the first attempt's early cycles make the views; only the cycles themselves are counted.
            for (int cycle = 0; cycle < 100; cycle++) {
                long before = threads.getThreadAllocatedBytes(tid);
                for (int i = 0; i < 8; i++) {
                    ByteBuffer r = ring.reserve(56);
                    r.putLong(0, i);
                    ring.submit();
                }
                allocated += threads.getThreadAllocatedBytes(tid) - before;
                assertEquals(8, runDrain());
            }
        }
        assertEquals(0, allocated, "bytes allocated by 100 × 8 reserve/submit");
    }
}
