/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.bench;

import static io.github.bpf4j.bench.Fixtures.BIG_SLOTS;
import static io.github.bpf4j.bench.Fixtures.SLOTS;

import io.github.bpf4j.BpfMap;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A BPF_F_MMAPABLE ARRAY (u32 → u64, 512 slots = one page): a long read or
 * written through the buffer from {@link BpfMap#mmap()} (one op = one slot;
 * an invocation walks the page, as baseline.c's mmap_get/mmap_put do through
 * a volatile pointer) vs the same through lookup/update system calls
 * (array_lookup, array_update). The 8 MiB rows (write8M, sum8M) are
 * baseline.c's mmap_write_8m and mmap_sum_8m: the plain absolute
 * putLong/getLong loop a user writes over a native-order mmap() buffer,
 * one op per long, against gcc -O3's vectorised loop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MmapBench {
    private BpfMap map;
    private ByteBuffer memory;
    private final ByteBuffer key = Fixtures.direct(4);
    private final ByteBuffer value = Fixtures.direct(8);
    private BpfMap big;
    private ByteBuffer bigMemory;
    private long stamp;
    private int i;

    @Setup
    public void setUp() {
        map = Fixtures.mmapableArray();
        memory = map.mmap();
        big = Fixtures.bigMmapableArray();
        bigMemory = big.mmap();
    }

    @TearDown
    public void tearDown() {
        map.close();
        big.close();
    }

    /** One stamp into every u64 of 8 MiB, as baseline.c's mmap_write_8m; one op = one long. */
    @Benchmark
    @OperationsPerInvocation(BIG_SLOTS)
    public void write8M() {
        ByteBuffer m = bigMemory;
        long v = stamp++;
        for (int s = 0; s < BIG_SLOTS; s++) {
            m.putLong(s << 3, v);
        }
    }

    /** The sum of every u64 of 8 MiB, as baseline.c's mmap_sum_8m. */
    @Benchmark
    @OperationsPerInvocation(BIG_SLOTS)
    public long sum8M() {
        ByteBuffer m = bigMemory;
        long sum = 0;
        for (int s = 0; s < BIG_SLOTS; s++) {
            sum += m.getLong(s << 3);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(SLOTS)
    public long mmapGetLong() {
        ByteBuffer m = memory;
        long sum = 0;
        for (int s = 0; s < SLOTS; s++) {
            sum += m.getLong(s << 3);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(SLOTS)
    public void mmapPutLong() {
        ByteBuffer m = memory;
        long v = stamp++;
        for (int s = 0; s < SLOTS; s++) {
            m.putLong(s << 3, v + s);
        }
    }

    /**
     * sum8M with four running sums: one sum is a chain of dependent adds (one
     * a cycle); four let the loads go as fast as the core issues them, which
     * gcc's vectorised loop gets from its vector lanes.
     */
    @Benchmark
    @OperationsPerInvocation(BIG_SLOTS)
    public long sum8MFourSums() {
        ByteBuffer m = bigMemory;
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        for (int at = 0; at < BIG_SLOTS << 3; at += 32) {
            s0 += m.getLong(at);
            s1 += m.getLong(at + 8);
            s2 += m.getLong(at + 16);
            s3 += m.getLong(at + 24);
        }
        return s0 + s1 + s2 + s3;
    }

    @Benchmark
    public long lookup() {
        key.putInt(0, i++ & (SLOTS - 1));
        if (!map.lookup(key, value)) {
            throw new AssertionError("array lookup missed");
        }
        return value.getLong(0);
    }

    @Benchmark
    public void update() {
        int k = i++;
        key.putInt(0, k & (SLOTS - 1));
        value.putLong(0, k);
        map.update(key, value);
    }
}
