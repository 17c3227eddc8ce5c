/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.bench;

import static io.github.bpf4j.bench.Fixtures.HASH_ENTRIES;
import static io.github.bpf4j.bench.Fixtures.KEY_MASK;

import io.github.bpf4j.BpfMap;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Element operations on a 64k-entry HASH map (u32 → u64), keys cycling over
 * all entries: baseline.c's hash_lookup_hit, hash_lookup_miss, hash_update,
 * hash_delete_miss and hash_delete_insert.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HashElemBench {
    private BpfMap map;
    private final ByteBuffer key = Fixtures.direct(4);
    private final ByteBuffer value = Fixtures.direct(8);
    private final byte[] keyBytes = new byte[4];
    private final byte[] valueBytes = new byte[8];
    private int i;

    @Setup
    public void setUp() {
        map = Fixtures.prefilledHash();
    }

    @TearDown
    public void tearDown() {
        map.close();
    }

    @Benchmark
    public long lookupHitBuffer() {
        key.putInt(0, i++ & KEY_MASK);
        if (!map.lookup(key, value)) {
            throw new AssertionError("miss");
        }
        return value.getLong(0);
    }

    @Benchmark
    public boolean lookupMissBuffer() {
        key.putInt(0, HASH_ENTRIES + (i++ & KEY_MASK));
        return map.lookup(key, value);
    }

    @Benchmark
    public void updateBuffer() {
        int k = i++;
        key.putInt(0, k & KEY_MASK);
        value.putLong(0, k);
        map.update(key, value);
    }

    @Benchmark
    public byte lookupHitArray() {
        Fixtures.putInt(keyBytes, i++ & KEY_MASK);
        if (!map.lookup(keyBytes, valueBytes)) {
            throw new AssertionError("miss");
        }
        return valueBytes[0];
    }

    @Benchmark
    public boolean lookupMissArray() {
        Fixtures.putInt(keyBytes, HASH_ENTRIES + (i++ & KEY_MASK));
        return map.lookup(keyBytes, valueBytes);
    }

    @Benchmark
    public void updateArray() {
        int k = i++;
        Fixtures.putInt(keyBytes, k & KEY_MASK);
        Fixtures.putLong(valueBytes, k);
        map.update(keyBytes, valueBytes);
    }

    @Benchmark
    public boolean deleteMissBuffer() {
        key.putInt(0, HASH_ENTRIES + (i++ & KEY_MASK));
        return map.delete(key);
    }

    @Benchmark
    public boolean deleteMissArray() {
        Fixtures.putInt(keyBytes, HASH_ENTRIES + (i++ & KEY_MASK));
        return map.delete(keyBytes);
    }

    /** Two system calls per invocation (as hash_delete_insert), reported per invocation; the map stays full. */
    @Benchmark
    public void deleteInsertBuffer() {
        int k = i++ & KEY_MASK;
        key.putInt(0, k);
        value.putLong(0, k);
        if (!map.delete(key)) {
            throw new AssertionError("key " + k + " was not there to delete");
        }
        map.update(key, value);
    }
}
