/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.bench;

import io.github.bpf4j.BpfMap;
import io.github.bpf4j.MapFlag;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.nio.file.Paths;

/** What the benchmarks share with java/bench/c/baseline.c: the same maps, keys and values. */
final class Fixtures {
    /** The hash map: u32 keys 0..65535 → u64, all present. */
    static final int HASH_ENTRIES = 65536;
    static final int KEY_MASK = HASH_ENTRIES - 1;
    /** The mmapable array: u32 → u64, one 4 KiB page. */
    static final int SLOTS = 512;
    /** The big mmapable array: u32 → u64, 8 MiB (baseline.c's BIG_SLOTS). */
    static final int BIG_SLOTS = 1 << 20;
    /** Elements per batch call (lookupBatch, updateBatch), as baseline.c's dump_batch and dump_update_batch. */
    static final int BATCH = 4096;
    static final int PACKET = 64;

    private Fixtures() {}

    static BpfMap prefilledHash() {
        BpfMap map = BpfMap.create(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(HASH_ENTRIES)
                .name("bench_hash"));
        ByteBuffer key = direct(4);
        ByteBuffer value = direct(8);
        for (int k = 0; k < HASH_ENTRIES; k++) {
            key.putInt(0, k);
            value.putLong(0, k);
            map.update(key, value);
        }
        return map;
    }

    static BpfMap mmapableArray() {
        return BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(SLOTS).flags(MapFlag.MMAPABLE)
                .name("bench_mmap"));
    }

    static BpfMap bigMmapableArray() {
        return BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(BIG_SLOTS).flags(MapFlag.MMAPABLE)
                .name("bench_mmap_8m"));
    }

    /** A test BPF object: target/test-classes/bpf/<name>.bpf.o, or under -Dbpf4j.bench.bpf=<dir>. */
    static Path bpfObject(String name) {
        return Paths.get(System.getProperty("bpf4j.bench.bpf", "target/test-classes/bpf"), name + ".bpf.o");
    }

    static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    /** Little-endian, as the kernel reads a u32 key on x86_64 and aarch64. */
    static void putInt(byte[] b, int v) {
        b[0] = (byte) v;
        b[1] = (byte) (v >>> 8);
        b[2] = (byte) (v >>> 16);
        b[3] = (byte) (v >>> 24);
    }

    static void putLong(byte[] b, long v) {
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
    }
}
