/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.bench;

import static io.github.bpf4j.bench.Fixtures.BATCH;
import static io.github.bpf4j.bench.Fixtures.HASH_ENTRIES;

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
 * The whole 64k-entry HASH map, reported per element: dumped in batches of
 * {@link Fixtures#BATCH} into reused direct buffers vs nextKey + lookup per
 * element, and rewritten in batches (baseline.c's dump_batch, dump_next_key,
 * dump_update_batch).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(HASH_ENTRIES)
public class HashDumpBench {
    private BpfMap map;
    private BpfMap.BatchCursor cursor;
    private final ByteBuffer keys = Fixtures.direct(BATCH * 4);
    private final ByteBuffer values = Fixtures.direct(BATCH * 8);
    private final ByteBuffer keyA = Fixtures.direct(4);
    private final ByteBuffer keyB = Fixtures.direct(4);
    private final ByteBuffer value = Fixtures.direct(8);
    /** All keys and values once, for updateBatch; sliced into BATCH-element windows by position and limit. */
    private final ByteBuffer allKeys = Fixtures.direct(HASH_ENTRIES * 4);
    private final ByteBuffer allValues = Fixtures.direct(HASH_ENTRIES * 8);

    @Setup
    public void setUp() {
        map = Fixtures.prefilledHash();
        cursor = map.batchCursor();
        for (int k = 0; k < HASH_ENTRIES; k++) {
            allKeys.putInt(4 * k, k);
            allValues.putLong(8 * k, k);
        }
    }

    @TearDown
    public void tearDown() {
        map.close();
    }

    @Benchmark
    public int lookupBatch() {
        cursor.reset();
        int total = 0;
        while (!cursor.done()) {
            total += map.lookupBatch(cursor, keys, values);
        }
        return checked(total);
    }

    @Benchmark
    public int updateBatch() {
        int total = 0;
        for (int start = 0; start < HASH_ENTRIES; start += BATCH) {
            allKeys.limit(4 * (start + BATCH)).position(4 * start);
            allValues.limit(8 * (start + BATCH)).position(8 * start);
            total += map.updateBatch(allKeys, allValues);
        }
        return checked(total);
    }

    @Benchmark
    public int nextKeyLookup() {
        ByteBuffer previous = null;
        ByteBuffer next = keyA;
        int total = 0;
        while (map.nextKey(previous, next)) {
            if (!map.lookup(next, value)) {
                throw new AssertionError("lookup during dump missed");
            }
            total++;
            previous = next;
            next = next == keyA ? keyB : keyA;
        }
        return checked(total);
    }

    private static int checked(int total) {
        if (total != HASH_ENTRIES) {
            throw new AssertionError("dumped " + total + " of " + HASH_ENTRIES);
        }
        return total;
    }
}
