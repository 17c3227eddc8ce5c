/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.ringbuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.MapFlag;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import io.github.bpf4j.TestRun;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Native;
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

/** The ring buffer consumer against the real kernel; producers in test-bpf/ringbuf_stream.bpf.c. */
class RingBufferTest {
    private static final int REC = 8 + 16; // header + {seq, ~seq}
    private BpfObject obj;
    private BpfProgram produce;

    @BeforeEach
    void load() {
        obj = BpfObject.openResource("bpf/ringbuf_stream.bpf.o").load();
        produce = obj.program("produce");
    }

    @AfterEach
    void close() {
        obj.close();
    }

    /** Runs the producer {@code times} times with {mode, len, ring}; returns the last run's XDP action. */
    private int run(int mode, int len, int ring, int times) {
        ByteBuffer pkt = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
        pkt.putInt(0, mode).putInt(4, len).putInt(8, ring);
        return produce.testRun(new TestRun().dataIn(pkt.array()).repeat(times)).retval();
    }

    /** Checks {seq, ~seq} records, counting from {@code expected[0]} + step. */
    private static RecordHandler sequence(final long[] expected, final long step) {
        return record -> {
            assertEquals(16, record.remaining(), "record length");
            long s = record.getLong(record.position());
            assertEquals(expected[0] + step, s, "in order");
            assertEquals(~s, record.getLong(record.position() + 8), "content");
            expected[0] = s;
        };
    }

    @Test
    void aMillionRecordsArriveInOrderOnAnotherThread() throws Exception {
        final RingBuffer ring = obj.map("big").ringBuffer();
        final int total = 1_000_000;
        final long[] last = {0};
        final AtomicReference<Throwable> failed = new AtomicReference<Throwable>();
        final AtomicLong got = new AtomicLong();
        Thread consumer = new Thread(() -> {
            try {
                RecordHandler check = sequence(last, 1);
                while (got.get() < total) {
                    got.addAndGet(ring.poll(5, TimeUnit.SECONDS, check));
                }
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "ring-consumer");
        consumer.start();
        for (int done = 0; done < total; done += 100_000) {
            assertEquals(2, run(done % 200_000 == 0 ? 0 : 1, 0, 0, 100_000), "XDP_PASS: room for every record");
        }
        consumer.join(60_000);
        if (failed.get() != null) {
            throw new AssertionError("consumer failed", failed.get());
        }
        assertEquals(total, got.get());
        assertEquals(total, last[0]);
        assertEquals(0, RingBuffer.drops(obj.map("drops")));
        assertEquals(0, ring.available());
    }

    @Test
    void discardedRecordsAreSkipped() {
        RingBuffer ring = obj.map("small").ringBuffer();
        run(2, 0, 1, 200);
        long[] last = {0};
        assertEquals(100, ring.consume(sequence(last, 2)), "only even sequence numbers were submitted");
        assertEquals(200, last[0]);
        assertEquals(0, ring.consume(r -> { throw new AssertionError("nothing left"); }));
    }

    /** Fills the "payload" map (mode 3's source) with byte i = i * multiplier + add; returns those bytes. */
    private byte[] storePayload(int multiplier, int add) {
        byte[] pattern = new byte[8192];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * multiplier + add);
        }
        obj.map("payload").update(new byte[4], pattern);
        return pattern;
    }

    /** Byte i of mode 3's record number seq of len bytes: the sequence number's bytes first, then the payload. */
    private static void checkPayloadByte(byte got, byte[] pattern, long seq, int len, int i) {
        byte want = i < 8 ? (byte) (seq >>> (8 * i)) : pattern[i];
        if (got != want) {
            throw new AssertionError("len " + len + " seq " + seq + " byte " + i);
        }
    }

    @Test
    void recordsOfOneByteToTwoPagesWrapManyTimes() {
        byte[] pattern = storePayload(31, 7);
        RingBuffer ring = obj.map("small").ringBuffer();
        int[] lens = {1, 2, 7, 8, 9, 15, 100, 4095, 4096, 4097, 8192};
        long seq = 0;
        long bytes = 0;
        for (int round = 0; round < 40; round++) {
            for (int len : lens) {
                final int l = len;
                final long s0 = seq;
                int times = Math.max(1, Math.min(5, 16384 / (l + 16)));
                assertEquals(2, run(3, l, 1, times), "fits");
                final long[] n = {0};
                int got = ring.consume(r -> {
                    assertEquals(l, r.remaining());
                    long s = s0 + ++n[0];
                    byte[] b = new byte[l];
                    r.get(b);
                    for (int i = 0; i < l; i++) {
                        checkPayloadByte(b[i], pattern, s, l, i);
                    }
                });
                assertEquals(times, got);
                seq += times;
                bytes += times * (long) ((l + 8 + 7) & ~7);
            }
        }
        assertTrue(bytes > 20L * ring.capacity(), "wrapped " + bytes / ring.capacity() + " times");
    }

    @Test
    void aFullRingCountsDropsExactly() {
        RingBuffer ring = obj.map("small").ringBuffer();
        int fit = ring.capacity() / REC;
        assertEquals(1, run(0, 0, 1, 2000), "XDP_DROP: full");
        assertEquals(2000 - fit, RingBuffer.drops(obj.map("drops")));
        assertEquals((long) fit * REC, ring.available());
        long[] last = {0};
        assertEquals(fit, ring.consume(sequence(last, 1)));
        assertEquals(1, run(1, 0, 1, 2000), "output: full again");
        assertEquals(2 * (2000 - fit), RingBuffer.drops(obj.map("drops")));
        assertThrows(IllegalArgumentException.class, () -> RingBuffer.drops(obj.map("payload")));
    }

    @Test
    void nextCopiesOneRecord() {
        RingBuffer ring = obj.map("small").ringBuffer();
        assertNull(ring.next());
        run(0, 0, 1, 2);
        byte[] a = ring.next();
        assertNotNull(a);
        assertEquals(1L, ByteBuffer.wrap(a).order(ByteOrder.nativeOrder()).getLong(0));
        assertNotNull(ring.next());
        assertNull(ring.next());
    }

    @Test
    void consumingAllocatesNothingPerRecord() {
        final long[] sum = {0};
        RecordHandler h = r -> sum[0] += r.getLong(r.position());
        assertConsumingAllocatesNothing(ring -> ring.consume(h));
    }

    @Test
    void consumingInPlaceAllocatesNothingPerRecord() {
        final long[] sum = {0};
        OffsetRecordHandler h = (data, offset, length) -> sum[0] += data.getLong(offset);
        assertConsumingAllocatesNothing(ring -> ring.consume(h));
    }

    /** 100,000 records drained by {@code consume} after a JIT warm-up allocate (next to) nothing. */
    private void assertConsumingAllocatesNothing(java.util.function.ToIntFunction<RingBuffer> consume) {
        RingBuffer ring = obj.map("big").ringBuffer();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 5; i++) { // warm up the JIT
            run(0, 0, 0, 20_000);
            consume.applyAsInt(ring);
        }
        run(0, 0, 0, 100_000);
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        int n = consume.applyAsInt(ring);
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertEquals(100_000, n);
        assertTrue(allocated < 2_000, "100,000 records allocated " + allocated + " bytes");
    }

    /** {@link #sequence} for the in-place form. */
    private static OffsetRecordHandler sequenceInPlace(final long[] expected, final long step) {
        return (data, offset, length) -> {
            assertEquals(16, length, "record length");
            long s = data.getLong(offset);
            assertEquals(expected[0] + step, s, "in order");
            assertEquals(~s, data.getLong(offset + 8), "content");
            expected[0] = s;
        };
    }

    @Test
    void theInPlaceFormSeesTheSameRecordsThroughOneUnchangingReadOnlyView() {
        byte[] pattern = storePayload(13, 1);
        RingBuffer ring = obj.map("small").ringBuffer();
        final ByteBuffer[] seen = {null};
        long seq = 0;
        long bytes = 0;
        for (int round = 0; round < 30; round++) {
            for (int len : new int[] {1, 7, 8, 9, 100, 4095, 4096, 4097, 8192}) {
                final int l = len;
                final long s0 = seq;
                int times = Math.max(1, Math.min(5, 16384 / (l + 16)));
                assertEquals(2, run(3, l, 1, times), "fits");
                final long[] n = {0};
                int got = ring.consume((data, offset, length) -> {
                    if (seen[0] == null) {
                        seen[0] = data;
                        assertTrue(data.isReadOnly(), "the ring's pages are the producer's");
                        assertEquals(ByteOrder.nativeOrder(), data.order());
                    }
                    assertSame(seen[0], data, "one view for every record");
                    assertEquals(l, length);
                    assertEquals(0, data.position(), "the consumer moves nothing");
                    long s = s0 + ++n[0];
                    for (int i = 0; i < l; i++) {
                        checkPayloadByte(data.get(offset + i), pattern, s, l, i);
                    }
                });
                assertEquals(times, got);
                seq += times;
                bytes += times * (long) ((l + 8 + 7) & ~7);
            }
        }
        assertTrue(bytes > 10L * ring.capacity(), "wrapped " + bytes / ring.capacity() + " times");
        run(2, 0, 1, 20);
        long[] last = {seq - (seq & 1)}; // the program's counter goes on; mode 2 keeps the even numbers
        assertEquals(10, ring.consume(sequenceInPlace(last, 2)), "discarded records are skipped here too");
    }

    @Test
    void theInPlaceFormPollsAndEndsTheDrainAtAnException() {
        RingBuffer ring = obj.map("small").ringBuffer();
        long[] last = {0};
        assertEquals(0, ring.poll(10, TimeUnit.MILLISECONDS, sequenceInPlace(last, 1)));
        run(0, 0, 1, 5);
        assertEquals(5, ring.poll(1, TimeUnit.SECONDS, sequenceInPlace(last, 1)));
        run(0, 0, 1, 5);
        final int[] calls = {0};
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> ring.consume(
                (data, offset, length) -> {
                    if (++calls[0] == 2) {
                        throw new IllegalStateException("handler");
                    }
                }));
        assertEquals("handler", thrown.getMessage());
        last[0] = 7; // records 6 and 7 were consumed, the second by the call that threw
        assertEquals(3, ring.consume(sequenceInPlace(last, 1)), "the rest, after the one that threw");
        assertThrows(NullPointerException.class, () -> ring.consume((OffsetRecordHandler) null));
    }

    /** Both handler forms in one poller: the first ring read in place, the other through the moved view. */
    @Test
    void severalRingsInOnePoller() {
        try (RingBufferPoller poller = new RingBufferPoller()) {
            long[] a = {0};
            long[] b = {5}; // one sequence counter for all rings: the other ring's records are 6 to 8
            long[] other = {0};
            RecordHandler checkOther = sequence(b, 1);
            poller.add(obj.map("small").ringBuffer(), sequenceInPlace(a, 1))
                    .add(obj.map("other").ringBuffer(), r -> {
                        checkOther.onRecord(r);
                        other[0]++;
                    });
            assertEquals(2, poller.size());
            assertEquals(0, poller.poll(10, TimeUnit.MILLISECONDS));
            run(0, 0, 1, 5);
            run(0, 0, 2, 3);
            int n = 0;
            while (n < 8) {
                n += poller.poll(1, TimeUnit.SECONDS);
            }
            assertEquals(5, a[0]);
            assertEquals(3, other[0]);
            assertEquals(8, b[0]);
            assertThrows(NullPointerException.class,
                    () -> poller.add(obj.map("big").ringBuffer(), (OffsetRecordHandler) null));
        }
    }

    @Test
    void wakeupCloseAndInterruptEndABlockedPoll() throws Exception {
        RingBuffer ring = obj.map("small").ringBuffer();
        try (RingBufferPoller poller = new RingBufferPoller()) {
            poller.add(ring, r -> { });
            assertEnds(() -> poller.poll(-1, TimeUnit.SECONDS), poller::wakeup);
            Thread[] me = new Thread[1];
            assertEnds(() -> {
                me[0] = Thread.currentThread();
                poller.poll(-1, TimeUnit.SECONDS);
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept");
            }, () -> me[0].interrupt());
            assertEnds(() -> poller.poll(-1, TimeUnit.SECONDS), poller::close);
            assertThrows(IllegalStateException.class, () -> poller.poll(1, TimeUnit.MILLISECONDS));
        }
        assertEnds(() -> ring.poll(-1, TimeUnit.SECONDS, r -> { }), ring::close);
        assertThrows(IllegalStateException.class, () -> ring.consume(r -> { }));
        assertNotNull(obj.map("small").ringBuffer(), "a new consumer after close");
    }

    /** Runs {@code blocked} on a thread, then {@code ender}: the blocked call must end within a second. */
    static void assertEnds(Runnable blocked, Runnable ender) throws Exception {
        AtomicReference<Throwable> failed = new AtomicReference<Throwable>();
        CountDownLatch started = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            started.countDown();
            try {
                blocked.run();
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        t.start();
        started.await();
        Thread.sleep(100);
        long t0 = System.nanoTime();
        ender.run();
        t.join(2_000);
        assertTrue(!t.isAlive(), "the poll ended");
        assertTrue(System.nanoTime() - t0 < 1_000_000_000L);
        if (failed.get() != null && !(failed.get() instanceof IllegalStateException)) {
            throw new AssertionError(failed.get());
        }
    }

    @Test
    void closeWaitsForARunningCallbackAndOneConsumerAtATime() throws Exception {
        RingBuffer ring = obj.map("small").ringBuffer();
        assertSame(ring, obj.map("small").ringBuffer(), "the same consumer while open");
        run(0, 0, 1, 1);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong finished = new AtomicLong();
        Thread t = new Thread(() -> ring.consume(r -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long v = r.getLong(r.position()); // still mapped: close waits
            finished.set(v);
        }));
        t.start();
        inside.await();
        IllegalStateException second = assertThrows(IllegalStateException.class, () -> ring.consume(r -> { }));
        assertTrue(second.getMessage().contains("one consumer thread"), second.getMessage());
        Thread closer = new Thread(ring::close);
        closer.start();
        Thread.sleep(100);
        assertTrue(closer.isAlive(), "close waits for the callback");
        release.countDown();
        closer.join(2_000);
        t.join(2_000);
        assertEquals(1L, finished.get());
        assertTrue(ring.isClosed());
        assertThrows(IllegalStateException.class, ring::available);
    }

    @Test
    void closingTheMapEndsTheRing() {
        BpfMap made = BpfMap.create(MapSpec.of(MapType.RINGBUF).maxEntries(4096 * 4).name("rb_own"));
        RingBuffer ring = made.ringBuffer();
        assertEquals(0, ring.consume(r -> { }));
        made.close();
        assertThrows(IllegalStateException.class, () -> ring.consume(r -> { }));
        ring.close();
    }

    @Test
    void overwriteModeIsRefusedWithTheReason() {
        BpfMap m;
        try {
            m = BpfMap.create(MapSpec.of(MapType.RINGBUF).maxEntries(4096 * 4).flags(MapFlag.RB_OVERWRITE)
                    .name("rb_ow"));
        } catch (BpfException e) {
            // This kernel has no overwrite mode (6.18 has not): the refusal says so, not just "EINVAL".
            assertEquals("EINVAL", e.errnoName(), e.getMessage());
            assertTrue(e.getMessage().contains("without RB_OVERWRITE is accepted"), e.getMessage());
            return;
        }
        try {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, m::ringBuffer);
            assertTrue(e.getMessage().contains("RB_OVERWRITE"), e.getMessage());
        } finally {
            m.close();
        }
    }

    @Test
    void waitFailuresCarryTheRealErrno() {
        int err = Native.epollWait(-1, new int[2], 0);
        assertEquals(-Errors.EBADF, err);
        BpfException e = Errors.of(Errors.Op.RINGBUF_POLL, "epoll_wait(ring buffer 'x')", -err, null);
        assertEquals("EBADF", e.errnoName());
        assertTrue(e.getMessage().contains("epoll_wait(ring buffer 'x')"), e.getMessage());
    }

    @Test
    void aRingAddedDuringAWaitIsPolledToo() throws Exception {
        try (RingBufferPoller poller = new RingBufferPoller()) {
            poller.add(obj.map("small").ringBuffer(), r -> { });
            AtomicLong got = new AtomicLong();
            Thread t = new Thread(() -> got.addAndGet(poller.poll(5, TimeUnit.SECONDS)));
            t.start();
            Thread.sleep(100);
            poller.add(obj.map("other").ringBuffer(), r -> { });
            run(0, 0, 2, 3);
            t.join(6_000);
            // The waiting poll wakes at the first submit and may drain before the other two are written.
            assertTrue(got.get() >= 1, "the poll that was already waiting got the new ring's records");
            assertEquals(3, got.get() + poller.consume());
        }
    }

    @Test
    void aRemovedRingIsNoLongerPolledAndStaysUsable() {
        RingBuffer small = obj.map("small").ringBuffer();
        try (RingBufferPoller poller = new RingBufferPoller()) {
            long[] other = {0};
            poller.add(small, r -> fail("a removed ring's handler ran")).add(obj.map("other").ringBuffer(),
                    r -> other[0]++);
            assertTrue(poller.remove(small));
            assertFalse(poller.remove(small), "the second remove finds nothing");
            assertEquals(1, poller.size());
            run(0, 0, 1, 4);
            assertEquals(0, poller.poll(50, TimeUnit.MILLISECONDS), "the removed ring does not wake the poller");
            run(0, 0, 2, 2);
            assertEquals(2, poller.poll(1, TimeUnit.SECONDS) + poller.consume());
            long[] seq = {0};
            assertEquals(4, small.consume(sequence(seq, 1)), "the ring itself is untouched");
            poller.add(small, r -> { });
            assertEquals(2, poller.size(), "and may be added again");
        }
    }

    @Test
    void removeWaitsForARunningHandlerAndAHandlerMayRemoveItsOwnRing() throws Exception {
        RingBuffer small = obj.map("small").ringBuffer();
        RingBuffer other = obj.map("other").ringBuffer();
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (RingBufferPoller poller = new RingBufferPoller()) {
            poller.add(small, r -> {
                inHandler.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            run(0, 0, 1, 1);
            Thread polling = new Thread(() -> poller.poll(5, TimeUnit.SECONDS));
            polling.start();
            assertTrue(inHandler.await(5, TimeUnit.SECONDS));
            AtomicLong removedAt = new AtomicLong();
            Thread remover = new Thread(() -> {
                poller.remove(small);
                removedAt.set(System.nanoTime());
            });
            remover.start();
            remover.join(200);
            assertTrue(remover.isAlive(), "remove waits while the ring's handler runs");
            long released = System.nanoTime();
            release.countDown();
            remover.join(5_000);
            polling.join(5_000);
            assertTrue(removedAt.get() >= released, "remove returned after the handler");
            assertEquals(0, poller.size());

            int[] calls = {0};
            poller.add(other, r -> {
                if (++calls[0] == 1) {
                    assertTrue(poller.remove(other), "a handler removes its own ring");
                }
            });
            run(0, 0, 2, 3);
            assertEquals(3, poller.consume(), "the drain it was in still reaches it");
            run(0, 0, 2, 1);
            assertEquals(0, poller.consume());
            assertEquals(3, calls[0]);
        }
    }

    @Test
    void otherMapsAreRefused() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> obj.map("payload").ringBuffer());
        assertTrue(e.getMessage().contains("not a RINGBUF"), e.getMessage());
    }
}
