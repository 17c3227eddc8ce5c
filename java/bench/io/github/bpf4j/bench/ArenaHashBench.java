/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.bench;

import io.github.bpf4j.ArenaRegion;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.MapFlag;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import io.github.bpf4j.arena.ArenaHashTable;
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
 * {@link ArenaHashTable#get(ByteBuffer, ByteBuffer)}: 16-byte keys, 64-byte
 * values, 4096 entries in a table of 8192 slots in an arena, every lookup a
 * hit, cycling through the keys. baseline.c's arena_htab_get reads the same
 * layout with the same keys from C. Independent lookups overlap in the CPU
 * (throughput); the dependent ones cannot (latency).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ArenaHashBench {
    static final int ENTRIES = 4096;
    static final int CAPACITY = 8192;
    static final int KEY_SIZE = 16;
    static final int VALUE_SIZE = 64;

    private BpfMap arena;
    private ArenaHashTable table;
    private final ByteBuffer key = Fixtures.direct(KEY_SIZE);
    private final ByteBuffer value = Fixtures.direct(VALUE_SIZE);
    private int next;
    private long last;

    @Setup
    public void setUp() {
        arena = BpfMap.create(MapSpec.of(MapType.ARENA).maxEntries(256).flags(MapFlag.MMAPABLE).name("bench_arena"));
        ArenaRegion region = arena.arena().region();
        table = ArenaHashTable.init(region, 0, CAPACITY, KEY_SIZE, VALUE_SIZE);
        ByteBuffer v = Fixtures.direct(VALUE_SIZE);
        for (int i = 0; i < ENTRIES; i++) {
            key(key, i);
            for (int b = 0; b < VALUE_SIZE; b++) {
                v.put(b, (byte) i);
            }
            if (!table.put(key, v)) {
                throw new IllegalStateException("key " + i + " was already in the table");
            }
        }
    }

    /** Key i: the u32 i (little-endian), then twelve 0x5a bytes; baseline.c makes the same. */
    static void key(ByteBuffer key, int i) {
        key.put(0, (byte) i).put(1, (byte) (i >>> 8)).put(2, (byte) (i >>> 16)).put(3, (byte) (i >>> 24));
        for (int b = 4; b < KEY_SIZE; b++) {
            key.put(b, (byte) 0x5a);
        }
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public long getBuffer() {
        int i = next++ & (ENTRIES - 1);
        key.putInt(0, i);
        if (!table.get(key, value)) {
            throw new IllegalStateException("key " + i + " is missing");
        }
        return value.getLong(56);
    }

    /** Each key depends on the value read before (baseline.c's arena_htab_get_dep): a lookup's latency. */
    @Benchmark
    public long getBufferDependent() {
        int i = (next++ + (int) (last & 1)) & (ENTRIES - 1);
        key.putInt(0, i);
        if (!table.get(key, value)) {
            throw new IllegalStateException("key " + i + " is missing");
        }
        last = value.getLong(56);
        return last;
    }
}
