/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.Kernel;
import io.github.bpf4j.ArenaRegion;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.TestRun;
import io.github.bpf4j.ringbuf.RecordHandler;
import io.github.bpf4j.ringbuf.RingBuffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Zero-copy payloads (the shipped bpf/arena_events.bpf.c): the payload in an
 * arena slot, {seq, pointer, length, slot} in the ring; read in place
 * through ArenaRegion, the slot released by a compare-and-set.
 */
class ArenaPayloadTest {
    static final String OBJ = "io/github/bpf4j/bpf/arena_events.bpf.o";
    static final int SLOTS = 64;
    private BpfObject obj;
    private BpfProgram emit;
    private RingBuffer ring;
    private ArenaRegion arena;
    private long states;
    private long nextSeq;

    @BeforeEach
    void load() {
        Kernel.assumeArenas();
        obj = BpfObject.openResource(OBJ).load();
        assertEquals(0, obj.program("setup").testRun().retval(), "setup allocated the slots");
        emit = obj.program("emit");
        ring = obj.map("events").ringBuffer();
        arena = obj.map("payloads").arena().region();
        states = arena.offsetOf(obj.global("slot_states").getLong(0));
    }

    @AfterEach
    void close() {
        if (obj != null) { // null when the test was skipped before loading
            obj.close();
        }
    }

    /** Runs emit for {@code count} payloads; returns how many it submitted. */
    private int produce(int size, int count) {
        obj.global("payload_size").putInt(0, size);
        return emit.testRun(new TestRun().ctxIn(args(count))).retval();
    }

    private static byte[] args(int count) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, count).array();
    }

    /** Checks one event and its payload word for word, then releases the slot. */
    private final RecordHandler check = new RecordHandler() {
        @Override
        public void onRecord(ByteBuffer r) {
            int at = r.position();
            assertEquals(24, r.remaining());
            long seq = r.getLong(at);
            long payload = arena.offsetOf(r.getLong(at + 8));
            int length = r.getInt(at + 16);
            int slot = r.getInt(at + 20);
            assertEquals(nextSeq, seq, "in order");
            assertEquals(seq % SLOTS, slot);
            assertEquals(1, arena.getLong(states + 8L * slot), "the slot is the consumer's until released");
            for (int i = 0; i < length / 8; i++) {
                long word = arena.getLong(payload + 8L * i);
                if (word != ((seq << 16) | i)) {
                    throw new AssertionError("seq " + seq + " length " + length + " word " + i + ": "
                            + Long.toHexString(word));
                }
            }
            assertTrue(arena.compareAndSetLong(states + 8L * slot, 1, 0), "released once");
            nextSeq++;
        }
    };

    @Test
    void badArgumentsAreRefused() {
        assertEquals(-22, produce(100, 1), "not a multiple of 64");
        assertEquals(-22, produce(65536 + 64, 1), "larger than a slot");
    }

    @Test
    void payloadsOfEverySizeArriveByteExact() {
        for (int size : new int[] {64, 128, 256, 1024, 4032, 4096, 4160, 16384, 65472, 65536}) {
            assertEquals(10, produce(size, 10), "size " + size);
            assertEquals(10, ring.consume(check), "size " + size);
        }
        assertEquals(100, nextSeq);
        assertEquals(0, obj.global("slot_busy").getLong(0));
        assertEquals(0, RingBuffer.drops(obj.map("drops")));
    }

    @Test
    void aSlotIsReusedOnlyAfterItsRelease() {
        // Fill every slot with 64 KiB payloads (16 pages each) without consuming.
        assertEquals(SLOTS, produce(65536, SLOTS));
        assertEquals(0, produce(65536, 1), "slot 0 is still the consumer's: refused");
        assertEquals(1, obj.global("slot_busy").getLong(0));
        // The refused run took seq 64 (a gap); the unconsumed payloads are intact.
        assertEquals(SLOTS, ring.consume(check));
        nextSeq++; // seq 64 was refused
        // Every slot reused, many times, at sizes across the page boundary.
        int[] sizes = {65536, 4096, 8192, 64, 12288};
        for (int round = 0; round < 20; round++) {
            int size = sizes[round % sizes.length];
            assertEquals(SLOTS, produce(size, SLOTS), "round " + round);
            assertEquals(SLOTS, ring.consume(check), "round " + round);
        }
        assertEquals(1, obj.global("slot_busy").getLong(0));
        assertEquals(0, RingBuffer.drops(obj.map("drops")));
    }

    @Test
    void aConsumerOnAnotherThreadNeverReadsAPayloadBeingOverwritten() throws Exception {
        final int runs = 200_000;
        final AtomicReference<Throwable> failed = new AtomicReference<Throwable>();
        final AtomicLong got = new AtomicLong();
        final long[] last = {-1};
        final RecordHandler verify = r -> {
            int at = r.position();
            long seq = r.getLong(at);
            long payload = arena.offsetOf(r.getLong(at + 8));
            int length = r.getInt(at + 16);
            int slot = r.getInt(at + 20);
            assertTrue(seq > last[0], "in order (gaps are refused payloads)");
            last[0] = seq;
            for (int i = 0; i < length / 8; i++) {
                long word = arena.getLong(payload + 8L * i);
                if (word != ((seq << 16) | i)) {
                    throw new AssertionError("torn: seq " + seq + " word " + i + ": " + Long.toHexString(word));
                }
            }
            assertTrue(arena.compareAndSetLong(states + 8L * slot, 1, 0));
            got.incrementAndGet();
        };
        obj.global("payload_size").putInt(0, 4096 + 64);
        Thread consumer = new Thread(() -> {
            try {
                long idle = System.nanoTime();
                while (System.nanoTime() - idle < TimeUnit.SECONDS.toNanos(2)) {
                    if (ring.poll(100, TimeUnit.MILLISECONDS, verify) > 0) {
                        idle = System.nanoTime();
                    }
                }
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "payload-consumer");
        consumer.start();
        TestRun thousand = new TestRun().ctxIn(args(1000));
        for (int done = 0; done < runs; done += 1000) {
            emit.testRun(thousand);
        }
        consumer.join(60_000);
        if (failed.get() != null) {
            throw new AssertionError("consumer failed", failed.get());
        }
        long busy = obj.global("slot_busy").getLong(0);
        long drops = RingBuffer.drops(obj.map("drops"));
        assertEquals(runs, got.get() + busy + drops, "every run delivered or counted");
        assertTrue(got.get() > 0);
    }
}
