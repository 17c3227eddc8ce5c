/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.bench;

import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.TestRun;
import io.github.bpf4j.ringbuf.PerfBuffer;
import io.github.bpf4j.ringbuf.PerfBufferOptions;
import io.github.bpf4j.ringbuf.OffsetRecordHandler;
import io.github.bpf4j.ringbuf.RecordHandler;
import io.github.bpf4j.ringbuf.RingBuffer;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Ring buffer consumption, bpf4j's {@link RingBuffer} against libbpf's
 * consumer (java/bench/c/ringbuf_baseline.c), in interleaved rounds of one
 * run. Both sides consume the records of test-bpf/ringbuf_bench.bpf.c
 * (8 B, 64 B, 1 KiB, a sequence number first) while a producer thread
 * pinned to CPU 0 runs the same XDP program by test-run with the same batch
 * and repeat (the records are written in the kernel; the producer thread
 * only makes one syscall per 16,384 records); the consumer runs on CPU 1.
 * The producer submits with flags 0 (the kernel's adaptive wake-up) for
 * {@code poll}, BPF_RB_NO_WAKEUP for {@code consume}.
 * The ring buffer is read with the in-place handler ({@link OffsetRecordHandler}), the
 * perf buffer with {@link RecordHandler}. Java's handler does what C's callback does: reads the sequence number and
 * checks it is the next one.
 *
 * <p>Modes: {@code poll} is {@link RingBuffer#poll} against
 * {@code ring_buffer__poll}, both with a 10 ms timeout, in a loop;
 * {@code consume} is {@link RingBuffer#consume} against
 * {@code ring_buffer__consume}, in a busy loop. {@code drain} takes the
 * producer out of the measurement: the producer thread fills three quarters
 * of the ring and stops, then one {@code consume} drains it, timed alone;
 * repeated until the round's records were read. {@code perf-poll} and
 * {@code perf-drain} are poll and drain through a perf event array instead:
 * {@link PerfBuffer} against libbpf's {@code perf_buffer__poll} /
 * {@code perf_buffer__consume}, 16 MiB per CPU, both with the default wake-up
 * per sample. Per round and side one line:
 *
 * <pre>ringbuf java|c mode size round events_s X cpu_ns_per_event Y wall_ns_per_event Z records N drops D [bytes_per_event B]</pre>
 *
 * <p>Arguments: the directory holding ringbuf_bench.bpf.o, the
 * bpf4j-bench-ringbuf binary, rounds per side, sizes (e.g. 8,64,1024), modes
 * (drain,poll,consume,perf-drain,perf-poll). -Dbpf4j.bench.ringbuf.records=N overrides the records per
 * round (default: 4 Mi for 8 B, 2 Mi for 64 B, 1 Mi for 1 KiB).
 */
public final class RingBufferThroughput {
    /** -Dbpf4j.bench.ringbuf.handler=view reads the ring with RecordHandler instead. */
    static final boolean VIEW = "view".equals(System.getProperty("bpf4j.bench.ringbuf.handler"));
    static final int BATCH = 256; // records per program run (bpf_loop), as in ringbuf_baseline.c
    static final int REPEAT = 64; // runs per test-run syscall
    static final int PRODUCER_CPU = 0;
    static final int CONSUMER_CPU = 1;
    static final int POLL_MS = 10;
    static final int WARMUP_ROUNDS = 3;
    static final int BPF_RB_NO_WAKEUP = 1;
    static final int RING_BYTES = 16 << 20; // bench_ring's max_entries

    private RingBufferThroughput() {}

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);
        String cBinary = args[1];
        int rounds = Integer.parseInt(args[2]);
        String[] sizes = args[3].split(",");
        String[] modes = args[4].split(",");
        Path objPath = dir.resolve("ringbuf_bench.bpf.o");
        if (!Files.isRegularFile(objPath)) {
            throw new IllegalArgumentException(objPath + " is missing");
        }
        pin(CONSUMER_CPU);
        try (BpfObject obj = BpfObject.open(objPath).load()) {
            Source ring = of(obj.map("bench_ring").ringBuffer());
            // 16 MiB per CPU (4 KiB pages), as the ring buffer; otherwise the defaults (a wake-up per sample).
            Source perf = of(obj.map("bench_perf").perfBuffer(new PerfBufferOptions().pagesPerCpu(RING_BYTES / 4096)));
            BpfMap drops = obj.map("bench_drops");
            Consumer consumer = new Consumer();
            for (String size : sizes) {
                for (String mode : modes) {
                    for (int w = 0; w < WARMUP_ROUNDS; w++) {
                        round(obj, perf(mode) ? perf : ring, drops, consumer, Integer.parseInt(size), mode, 0);
                    }
                }
            }
            for (int r = 1; r <= rounds; r++) {
                for (String size : sizes) {
                    for (String mode : modes) {
                        // Alternate who goes first, so neither side always follows the other's cache state.
                        if (r % 2 == 1) {
                            c(cBinary, objPath, size, mode, r);
                            round(obj, perf(mode) ? perf : ring, drops, consumer, Integer.parseInt(size), mode, r);
                        } else {
                            round(obj, perf(mode) ? perf : ring, drops, consumer, Integer.parseInt(size), mode, r);
                            c(cBinary, objPath, size, mode, r);
                        }
                    }
                }
            }
        }
    }

    /** The consumer under test: the ring buffer, or (perf-* modes) the perf buffer. */
    abstract static class Source {
        abstract int consume(Consumer c);

        abstract int poll(long timeout, TimeUnit unit, Consumer c);

        long lost() {
            return 0;
        }
    }

    static Source of(final RingBuffer ring) {
        return new Source() {
            // The in-place form: what a consumer after throughput uses (RingBuffer.consume(RecordHandler)
            // drained ~40% slower, the per-record view moves).
            @Override
            int consume(Consumer c) {
                return VIEW ? ring.consume((RecordHandler) c) : ring.consume((OffsetRecordHandler) c);
            }

            @Override
            int poll(long timeout, TimeUnit unit, Consumer c) {
                return VIEW ? ring.poll(timeout, unit, (RecordHandler) c) : ring.poll(timeout, unit, (OffsetRecordHandler) c);
            }
        };
    }

    static Source of(final PerfBuffer perf) {
        return new Source() {
            @Override
            int consume(Consumer c) {
                return perf.consume((RecordHandler) c);
            }

            @Override
            int poll(long timeout, TimeUnit unit, Consumer c) {
                return perf.poll(timeout, unit, (RecordHandler) c);
            }

            @Override
            long lost() {
                return perf.lostSamples();
            }
        };
    }

    static boolean perf(String mode) {
        return mode.startsWith("perf-");
    }

    /** Records per round for a mode: a perf buffer wakes its poller per sample, ~50× slower: perf-poll gets 1/64, perf-drain 1/8. */
    static long records(int size, String mode) {
        long n = records(size);
        if (System.getProperty("bpf4j.bench.ringbuf.records") == null) {
            long perCall = (long) BATCH * REPEAT;
            if ("perf-poll".equals(mode)) {
                n = Math.max(perCall, n / 64 / perCall * perCall);
            } else if ("perf-drain".equals(mode)) {
                // The fill is slow (the kernel queues a wake-up per sample); the drain is what is timed.
                n = Math.max(perCall, n / 8 / perCall * perCall);
            }
        }
        return n;
    }

    static String program(int size, String mode) {
        return (perf(mode) ? "perf_" : "produce_") + (size == 1024 ? "1k" : Integer.toString(size));
    }

    static long records(int size) {
        String forced = System.getProperty("bpf4j.bench.ringbuf.records");
        long n = forced != null ? Long.parseLong(forced) : size <= 8 ? 4L << 20 : size <= 64 ? 2L << 20 : 1L << 20;
        long perCall = (long) BATCH * REPEAT;
        return (n + perCall - 1) / perCall * perCall;
    }

    /** What ringbuf_baseline.c's on_record does. */
    static final class Consumer implements RecordHandler, OffsetRecordHandler {
        long expected;
        long consumed;
        long outOfOrder;

        @Override
        public void onRecord(ByteBuffer record) {
            check(record.getLong(record.position()));
        }

        @Override
        public void onRecord(ByteBuffer data, int offset, int length) {
            check(data.getLong(offset));
        }

        private void check(long seq) {
            if (seq != expected) {
                outOfOrder++;
            }
            expected = seq + 1;
            consumed++;
        }
    }

    static final class Producer extends Thread {
        private final BpfProgram program;
        private final BpfMap drops;
        private final long records;
        private final int flags;
        private volatile boolean ready;
        private volatile boolean go;
        volatile boolean done;
        volatile long target;
        volatile Throwable failure;

        Producer(BpfProgram program, BpfMap drops, long records, int flags) {
            super("ringbuf-producer");
            this.flags = flags;
            this.program = program;
            this.drops = drops;
            this.records = records;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                pin(PRODUCER_CPU);
                ByteBuffer packet = Fixtures.direct(64);
                packet.putInt(0, BATCH).putInt(4, flags);
                TestRun run = new TestRun().dataIn(packet).repeat(REPEAT);
                long dropsBefore = RingBuffer.drops(drops);
                ready = true;
                while (!go) {
                    // spin: the consumer starts its clock just before it sets go
                }
                long attempted = 0;
                for (; attempted < records; attempted += (long) BATCH * REPEAT) {
                    if (program.testRun(run).retval() != 2 /* XDP_PASS */) {
                        throw new IllegalStateException("producer: XDP action " + run.retval());
                    }
                }
                target = attempted - (RingBuffer.drops(drops) - dropsBefore);
            } catch (Throwable t) {
                failure = t;
                target = -1;
            } finally {
                ready = true;
                done = true;
            }
        }
    }

    /** For drain: fills three quarters of the ring on request, from CPU 0. */
    static final class Filler extends Thread {
        private final BpfProgram program;
        final int fill;
        volatile int asked;
        volatile int done;
        volatile boolean stop;
        volatile Throwable failure;

        Filler(BpfProgram program, int size, boolean perf) {
            super("ringbuf-filler");
            this.program = program;
            // Bytes per record: ring header 8 + data to 8; perf header 8 + size 4 + data, 4 + data to 8.
            int stride = perf ? 8 + ((4 + size + 7) & ~7) : (size + 8 + 7) & ~7;
            this.fill = (RING_BYTES / 4 * 3) / stride;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                pin(PRODUCER_CPU);
                ByteBuffer packet = Fixtures.direct(64);
                packet.putInt(0, fill).putInt(4, BPF_RB_NO_WAKEUP);
                TestRun run = new TestRun().dataIn(packet).repeat(1);
                int seen = 0;
                for (;;) {
                    while (asked == seen) {
                        if (stop) {
                            return;
                        }
                    }
                    seen++;
                    program.testRun(run);
                    done = seen;
                }
            } catch (Throwable t) {
                failure = t;
                done = -1;
            }
        }
    }

    static void drain(BpfObject obj, Source ring, BpfMap drops, Consumer c, int size, String mode, int round)
            throws Exception {
        BpfProgram program = obj.program(program(size, mode));
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().getId();
        long dropsBefore = RingBuffer.drops(drops);
        long records = records(size, mode);
        Filler f = new Filler(program, size, perf(mode));
        long lostBefore = ring.lost();
        f.start();
        long first = c.consumed;
        long spent = 0;
        long best = Long.MAX_VALUE;
        int asked = 0;
        long alloc0 = threads.getThreadAllocatedBytes(me);
        while (c.consumed - first < records) {
            f.asked = ++asked;
            while (f.done != asked) {
                if (f.done < 0) {
                    throw new IllegalStateException("filler failed", f.failure);
                }
            }
            long seen = c.consumed;
            long t0 = System.nanoTime();
            ring.consume(c);
            long t = System.nanoTime() - t0;
            spent += t;
            best = Math.min(best, t);
            if (c.consumed - seen != f.fill) {
                throw new IllegalStateException("drain: " + (c.consumed - seen) + " records of a fill of " + f.fill);
            }
        }
        long alloc = threads.getThreadAllocatedBytes(me);
        f.stop = true;
        f.join();
        if (RingBuffer.drops(drops) != dropsBefore || ring.lost() != lostBefore) {
            throw new IllegalStateException("drain: the fills dropped records");
        }
        if (c.outOfOrder != 0) {
            throw new IllegalStateException(c.outOfOrder + " records out of order or missing");
        }
        long n = c.consumed - first;
        if (round > 0) {
            System.out.println(String.format(Locale.ROOT,
                    "ringbuf java %s %d %d events_s %.0f cpu_ns_per_event %.2f wall_ns_per_event %.2f records %d"
                            + " drops 0 best_fill_ns_per_event %.2f bytes_per_event %.4f",
                    mode, size, round, n * 1e9 / spent, (double) spent / n, (double) spent / n, n,
                    (double) best / f.fill, (double) (alloc - alloc0) / n));
            System.out.flush();
        }
    }

    static void round(BpfObject obj, Source ring, BpfMap drops, Consumer c, int size, String mode, int round)
            throws Exception {
        if ("drain".equals(mode) || "perf-drain".equals(mode)) {
            drain(obj, ring, drops, c, size, mode, round);
            return;
        }
        boolean consume = "consume".equals(mode);
        if (!consume && !"poll".equals(mode) && !"perf-poll".equals(mode)) {
            throw new IllegalArgumentException("mode " + mode + " is none of poll, consume, drain, perf-poll,"
                    + " perf-drain");
        }
        BpfProgram program = obj.program(program(size, mode));
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().getId();
        long dropsBefore = RingBuffer.drops(drops);
        Producer p = new Producer(program, drops, records(size, mode), consume ? BPF_RB_NO_WAKEUP : 0);
        p.start();
        while (!p.ready) {
            Thread.yield();
        }
        long first = c.consumed;
        long alloc0 = threads.getThreadAllocatedBytes(me);
        long t0 = System.nanoTime();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long last = t0;
        p.go = true;
        for (;;) {
            long seen = c.consumed;
            if (consume) {
                ring.consume(c);
            } else {
                ring.poll(POLL_MS, TimeUnit.MILLISECONDS, c);
            }
            if (c.consumed != seen) {
                last = System.nanoTime();
            }
            if (p.done && c.consumed - first >= p.target) {
                break;
            }
        }
        long cpu = threads.getCurrentThreadCpuTime();
        long alloc = threads.getThreadAllocatedBytes(me);
        p.join();
        if (p.failure != null) {
            throw new IllegalStateException("producer failed", p.failure);
        }
        long n = c.consumed - first;
        if (n != p.target) {
            throw new IllegalStateException("consumed " + n + " records, " + p.target + " were produced");
        }
        if (c.outOfOrder != 0) {
            throw new IllegalStateException(c.outOfOrder + " records out of order or missing");
        }
        if (round > 0) {
            System.out.println(String.format(Locale.ROOT,
                    "ringbuf java %s %d %d events_s %.0f cpu_ns_per_event %.2f wall_ns_per_event %.2f records %d"
                            + " drops %d bytes_per_event %.4f",
                    mode, size, round, n * 1e9 / (last - t0), (double) (cpu - cpu0) / n, (double) (last - t0) / n,
                    n, RingBuffer.drops(drops) - dropsBefore, (double) (alloc - alloc0) / n));
            System.out.flush();
        }
    }

    static void c(String binary, Path obj, String size, String mode, int round) throws Exception {
        Process p = new ProcessBuilder(binary, obj.toString(), size, mode, Long.toString(records(Integer.parseInt(size), mode)),
                "1").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> lines = new ArrayList<String>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                lines.add(line);
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException(binary + " exited with " + p.exitValue());
        }
        for (String line : lines) {
            // The binary numbers its one measured round 1; this run's round number goes in instead.
            String[] f = line.split(" ");
            if (f.length > 4 && "ringbuf".equals(f[0])) {
                f[4] = Integer.toString(round);
                System.out.println(String.join(" ", f));
            }
        }
        System.out.flush();
    }

    /** Pins the calling thread (Java has no API for it): taskset on the thread's id from /proc/thread-self. */
    static void pin(int cpu) throws IOException, InterruptedException {
        String tid = new File("/proc/thread-self").getCanonicalFile().getName();
        Process p = new ProcessBuilder("taskset", "-p", "-c", Integer.toString(cpu), tid).redirectErrorStream(true)
                .start();
        byte[] out = readAll(p);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("taskset -p -c " + cpu + " " + tid + ": "
                    + new String(out, StandardCharsets.UTF_8));
        }
    }

    private static byte[] readAll(Process p) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        byte[] chunk = new byte[4096];
        for (int n; (n = p.getInputStream().read(chunk)) > 0;) {
            b.write(chunk, 0, n);
        }
        return b.toByteArray();
    }
}
