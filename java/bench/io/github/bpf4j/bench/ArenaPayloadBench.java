/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.bench;

import io.github.bpf4j.ArenaRegion;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.TestRun;
import io.github.bpf4j.ringbuf.RecordHandler;
import io.github.bpf4j.ringbuf.RingBuffer;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Zero-copy payloads, per payload: a producer (a syscall program run once
 * per invocation, writing {@link #BATCH} payloads) writes {@code size} bytes each, the consumer reads
 * every one of them (summing longs) — either from the ring record itself
 * (test-bpf/payload_inline.bpf.c) or from an arena slot whose pointer the
 * 24-byte ring record carries, releasing the slot after
 * (bpf/arena_events.bpf.c): through {@link ArenaRegion#getLong} ({@code
 * arenaSlot}), or through one {@link ArenaRegion#slice} of the slot area
 * taken at setup ({@code arenaSlotSlice}). Both producers fill the payload
 * with the same loop, so the difference is where the bytes travel and how
 * Java reads them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(ArenaPayloadBench.BATCH)
public class ArenaPayloadBench {
    /** The arena example's slot count: a batch never waits for a slot. */
    static final int BATCH = 64;

    @Param({"64", "256", "1024", "4096", "16384", "65536"})
    public int size;

    private BpfObject inline;
    private BpfObject arenaEvents;
    private BpfProgram emitInline;
    private BpfProgram emitArena;
    private RingBuffer inlineRing;
    private RingBuffer arenaRing;
    private ArenaRegion region;
    private long states;
    private long slotData;
    private ByteBuffer slots; // the whole slot area, sliced once: ByteBuffer-speed reads, still in place
    private TestRun run;
    private long sum;

    private final RecordHandler fromRing = new RecordHandler() {
        @Override
        public void onRecord(ByteBuffer r) {
            long s = 0;
            for (int i = r.position(), end = r.limit(); i < end; i += 8) {
                s += r.getLong(i);
            }
            sum += s;
        }
    };

    private final RecordHandler fromArena = new RecordHandler() {
        @Override
        public void onRecord(ByteBuffer r) {
            int at = r.position();
            long off = region.offsetOf(r.getLong(at + 8));
            int length = r.getInt(at + 16);
            int slot = r.getInt(at + 20);
            long s = 0;
            for (long i = off, end = off + length; i < end; i += 8) {
                s += region.getLong(i);
            }
            sum += s;
            region.compareAndSetLong(states + 8L * slot, 1, 0); // release: the producer may reuse the slot
        }
    };

    private final RecordHandler fromArenaSlice = new RecordHandler() {
        @Override
        public void onRecord(ByteBuffer r) {
            int at = r.position();
            int off = (int) (region.offsetOf(r.getLong(at + 8)) - slotData);
            int length = r.getInt(at + 16);
            int slot = r.getInt(at + 20);
            long s = 0;
            for (int i = off, end = off + length; i < end; i += 8) {
                s += slots.getLong(i);
            }
            sum += s;
            region.compareAndSetLong(states + 8L * slot, 1, 0);
        }
    };

    @Setup
    public void setUp() {
        inline = BpfObject.open(Fixtures.bpfObject("payload_inline")).load();
        emitInline = inline.program("emit_inline");
        inlineRing = inline.map("events").ringBuffer();
        inline.global("payload_size").putInt(0, size);
        arenaEvents = BpfObject.openResource("io/github/bpf4j/bpf/arena_events.bpf.o").load();
        if (arenaEvents.program("setup").testRun().retval() != 0) {
            throw new IllegalStateException("arena_events setup failed");
        }
        emitArena = arenaEvents.program("emit");
        arenaRing = arenaEvents.map("events").ringBuffer();
        region = arenaEvents.map("payloads").arena().region();
        states = region.offsetOf(arenaEvents.global("slot_states").getLong(0));
        slotData = region.offsetOf(arenaEvents.global("slot_data").getLong(0));
        slots = region.slice(slotData, 64 * 65536);
        arenaEvents.global("payload_size").putInt(0, size);
        ByteBuffer args = Fixtures.direct(4);
        args.putInt(0, BATCH);
        run = new TestRun().ctxIn(args);
    }

    @TearDown
    public void tearDown() {
        inline.close();
        arenaEvents.close();
    }

    @Benchmark
    public long ringRecord() {
        check(emitInline.testRun(run).retval());
        check(inlineRing.consume(fromRing));
        return sum;
    }

    @Benchmark
    public long arenaSlot() {
        check(emitArena.testRun(run).retval());
        check(arenaRing.consume(fromArena));
        return sum;
    }

    @Benchmark
    public long arenaSlotSlice() {
        check(emitArena.testRun(run).retval());
        check(arenaRing.consume(fromArenaSlice));
        return sum;
    }

    /** A batch that lost payloads (a full ring, a busy slot) would measure less work. */
    private static void check(int payloads) {
        if (payloads != BATCH) {
            throw new IllegalStateException(payloads + " payloads of " + BATCH + " produced or consumed");
        }
    }
}
