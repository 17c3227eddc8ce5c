/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static io.github.bpf4j.MapTypesTest.u32;
import static io.github.bpf4j.MapTypesTest.u64;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Batch operations ({@code BPF_MAP_*_BATCH}) on maps of a few thousand
 * elements, checked against element-by-element reads; whole-map reads
 * ({@link BpfMap#entries()}, {@link BpfMap#keys()}), also while another thread
 * changes the map.
 */
class BatchTest {
    private static final int N = 3000;

    private final Deque<AutoCloseable> toClose = new ArrayDeque<AutoCloseable>();

    @BeforeEach
    void requireBpf() {
        Kernel.requireBpf();
    }

    @AfterEach
    void closeAll() throws Exception {
        while (!toClose.isEmpty()) {
            toClose.pop().close();
        }
    }

    private BpfMap create(MapSpec spec) {
        BpfMap m = BpfMap.create(spec);
        toClose.push(m);
        return m;
    }

    private BpfMap hash(int maxEntries) {
        return create(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(maxEntries).name("batch_hash"));
    }

    private static ByteBuffer allocate(int bytes, boolean direct) {
        return (direct ? ByteBuffer.allocateDirect(bytes) : ByteBuffer.allocate(bytes)).order(ByteOrder.nativeOrder());
    }

    /** Spread-out distinct keys, so the hash buckets fill unevenly. */
    private static int key(int i) {
        return i * 0x9E3779B1 + 1;
    }

    private static long value(int key) {
        return key * 3L + 0x100000000L;
    }

    /** Writes keys key(0..n-1) with updateBatch, as n keys and n values starting at {@code offset}. */
    private static Map<Integer, Long> fill(BpfMap m, int n, boolean direct, int offset) {
        ByteBuffer keys = allocate(offset + 4 * n, direct);
        ByteBuffer values = allocate(offset + 8 * n, direct);
        Map<Integer, Long> expected = new HashMap<Integer, Long>();
        for (int i = 0; i < n; i++) {
            int k = m.type() == MapType.ARRAY ? i : key(i);
            keys.putInt(offset + 4 * i, k);
            values.putLong(offset + 8 * i, value(k));
            expected.put(k, value(k));
        }
        keys.position(offset);
        values.position(offset);
        assertEquals(n, m.updateBatch(keys, values));
        assertEquals(offset, keys.position(), "positions do not move");
        assertEquals(offset, values.position());
        return expected;
    }

    /** Reads everything with lookupBatch, {@code perBatch} at a time, over one cursor. */
    private static Map<Integer, Long> readAll(BpfMap m, BpfMap.BatchCursor cursor, int perBatch, boolean direct) {
        ByteBuffer keys = allocate(4 * perBatch, direct);
        ByteBuffer values = allocate(8 * perBatch, direct);
        Map<Integer, Long> out = new HashMap<Integer, Long>();
        int calls = 0;
        while (!cursor.done()) {
            int n = m.lookupBatch(cursor, keys, values);
            assertTrue(n >= 0 && n <= perBatch, "batch of " + n);
            for (int i = 0; i < n; i++) {
                Long old = out.put(keys.getInt(4 * i), values.getLong(8 * i));
                assertNull(old, "key " + keys.getInt(4 * i) + " returned twice");
            }
            assertTrue(++calls < 10 * N, "lookupBatch never reaches the end");
        }
        assertEquals(0, m.lookupBatch(cursor, keys, values), "a done cursor reads nothing more");
        assertTrue(cursor.done());
        return out;
    }

    private static Map<Integer, Long> perElement(BpfMap m) {
        Map<Integer, Long> out = new HashMap<Integer, Long>();
        for (byte[] k : m.keys()) {
            byte[] v = m.lookup(k);
            if (v != null) {
                out.put(MapTypesTest.u32(k), MapTypesTest.u64(v));
            }
        }
        return out;
    }

    // ---- update and lookup

    @Test
    void hashBatchesMatchElementLookupsWithDirectBuffers() {
        batchesMatchElementLookups(hash(4096), true);
    }

    @Test
    void hashBatchesMatchElementLookupsWithHeapBuffers() {
        batchesMatchElementLookups(hash(4096), false);
    }

    @Test
    void arrayBatchesMatchElementLookups() {
        BpfMap array = create(MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(N).name("batch_array"));
        batchesMatchElementLookups(array, true);
    }

    private static void batchesMatchElementLookups(BpfMap m, boolean direct) {
        Map<Integer, Long> expected = fill(m, N, direct, direct ? 0 : 12);
        assertEquals(expected, perElement(m));
        BpfMap.BatchCursor cursor = m.batchCursor();
        assertEquals(expected, readAll(m, cursor, 64, direct));
        cursor.reset();
        assertFalse(cursor.done());
        assertEquals(expected, readAll(m, cursor, 1000, !direct), "the same cursor, reset, reads it all again");
        cursor.reset();
        assertEquals(expected, readAll(m, cursor, 2 * N, direct), "all in one batch");
    }

    @Test
    void aCursorWalksOnlyTheMapThatMadeIt() {
        BpfMap first = hash(64);
        BpfMap second = hash(64);
        fill(first, 10, true, 0);
        fill(second, 10, true, 0);
        BpfMap.BatchCursor cursor = first.batchCursor();
        ByteBuffer keys = allocate(4 * 4, true);
        ByteBuffer values = allocate(4 * 8, true);
        assertTrue(first.lookupBatch(cursor, keys, values) > 0, "the cursor's own map");
        keys.clear();
        values.clear();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> second.lookupBatch(cursor, keys, values));
        assertTrue(e.getMessage().contains("this cursor walks map 'batch_hash'") && e.getMessage().contains(
                "batchCursor()"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> second.lookupAndDeleteBatch(cursor, keys, values));
        assertEquals(10, second.entries().size(), "nothing was deleted from the other map");
    }

    @Test
    void batchBuffersAreReadFromTheirPositions() {
        BpfMap m = hash(64);
        ByteBuffer keys = allocate(4 + 3 * 4, true);
        ByteBuffer values = allocate(8 + 3 * 8, false);
        for (int i = 0; i < 3; i++) {
            keys.putInt(4 + 4 * i, 100 + i);
            values.putLong(8 + 8 * i, 1000 + i);
        }
        keys.position(4);
        values.position(8);
        assertEquals(3, m.updateBatch(keys, values));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(u64(1000 + i), m.lookup(u32(100 + i)));
        }
        ByteBuffer outKeys = allocate(4 + 8 * 4, false);
        ByteBuffer outValues = allocate(8 + 8 * 8, true);
        outKeys.position(4);
        outValues.position(8);
        BpfMap.BatchCursor cursor = m.batchCursor();
        int n = m.lookupBatch(cursor, outKeys, outValues);
        assertEquals(3, n);
        assertTrue(cursor.done(), "3 elements and room for 8: one call reaches the end");
        assertEquals(4, outKeys.position());
        assertEquals(0, outKeys.getInt(0), "nothing before the position is written");
        Set<Integer> seen = new HashSet<Integer>();
        for (int i = 0; i < n; i++) {
            int k = outKeys.getInt(4 + 4 * i);
            assertTrue(seen.add(k));
            assertEquals(1000 + k - 100, outValues.getLong(8 + 8 * i));
        }
    }

    @Test
    void updateBatchReportsFullMapsWithHowFarItGot() {
        BpfMap m = hash(8);
        ByteBuffer keys = allocate(4 * 4, true);
        for (int i = 0; i < 4; i++) {
            keys.putInt(4 * i, i);
        }
        assertEquals(4, m.updateBatch(keys, allocate(8 * 4, true)));
        ByteBuffer more = allocate(4 * 10, true);
        for (int i = 0; i < 10; i++) {
            more.putInt(4 * i, 100 + i);
        }
        BpfMapFullException full = assertThrows(BpfMapFullException.class,
                () -> m.updateBatch(more, allocate(8 * 10, true)));
        assertEquals("E2BIG", full.errnoName());
        assertTrue(full.getMessage().contains("after 4 of 10"), full.getMessage());
        assertEquals(8, perElement(m).size(), "the first four went in");
    }

    /**
     * The kernel's batch update takes only BPF_F_LOCK as elem_flags (generic_map_update_batch), which
     * the types now enforce; LOCK on a value without a bpf_spin_lock is EINVAL before anything is
     * written, and the message must not claim otherwise.
     */
    @Test
    void updateBatchWithLockOnAMapWithoutASpinLockWritesNothingAndSaysSo() {
        BpfMap m = hash(8);
        ByteBuffer keys = allocate(4 * 3, true);
        for (int i = 0; i < 3; i++) {
            keys.putInt(4 * i, i);
        }
        BpfInvalidArgumentException e = assertThrows(BpfInvalidArgumentException.class,
                () -> m.updateBatch(keys, allocate(8 * 3, true), ElementFlags.LOCK));
        assertEquals("EINVAL", e.errnoName());
        assertTrue(perElement(m).isEmpty(), "nothing was written");
        assertFalse(e.getMessage().contains("after 3 of 3"), "claims 3 were written: " + e.getMessage());
        assertEquals(0, keys.position(), "the keys' position stays");
    }

    // ---- lookup-and-delete, delete

    @Test
    void lookupAndDeleteBatchEmptiesAHashMap() {
        BpfMap m = hash(4096);
        Map<Integer, Long> expected = fill(m, N, true, 0);
        BpfMap.BatchCursor cursor = m.batchCursor();
        ByteBuffer keys = allocate(4 * 100, true);
        ByteBuffer values = allocate(8 * 100, true);
        Map<Integer, Long> taken = new HashMap<Integer, Long>();
        while (!cursor.done()) {
            int n = m.lookupAndDeleteBatch(cursor, keys, values);
            for (int i = 0; i < n; i++) {
                assertNull(taken.put(keys.getInt(4 * i), values.getLong(8 * i)));
            }
        }
        assertEquals(expected, taken);
        assertNull(m.nextKey(null), "empty");
        assertTrue(perElement(m).isEmpty());
        assertEquals(N, fill(m, N, true, 0).size(), "room for all of them again");
    }

    @Test
    void lookupAndDeleteBatchIsNotForArrays() {
        BpfMap array = create(MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(16).name("batch_array"));
        BpfException e = assertThrows(BpfException.class,
                () -> array.lookupAndDeleteBatch(array.batchCursor(), allocate(64, true), allocate(128, true)));
        assertTrue(e instanceof BpfNotSupportedException, e.toString());
    }

    @Test
    void deleteBatchCountsAndStopsAtAnAbsentKey() {
        BpfMap m = hash(128);
        for (int i = 0; i < 100; i++) {
            m.update(u32(i), u64(i));
        }
        ByteBuffer keys = allocate(4 * 10, false);
        for (int i = 0; i < 10; i++) {
            keys.putInt(4 * i, i);
        }
        assertEquals(10, m.deleteBatch(keys));
        assertEquals(90, perElement(m).size());

        ByteBuffer withGap = allocate(4 * 4, true);
        withGap.putInt(0, 10).putInt(4, 11).putInt(8, 999).putInt(12, 12);
        assertEquals(2, m.deleteBatch(withGap), "10 and 11 deleted, then 999 is absent: stop");
        assertNull(m.lookup(u32(10)));
        assertNull(m.lookup(u32(11)));
        assertArrayEquals(u64(12), m.lookup(u32(12)), "after the absent key nothing was deleted");
        assertThrows(IllegalArgumentException.class, () -> m.deleteBatch(allocate(3, true)),
                "a partial key is refused, not silently dropped");
    }

    @Test
    void deleteBatchIsNotForArrays() {
        BpfMap array = create(MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(16).name("batch_array"));
        BpfException e = assertThrows(BpfException.class, () -> array.deleteBatch(allocate(8, true)));
        assertTrue(e instanceof BpfNotSupportedException || e instanceof BpfInvalidArgumentException, e.toString());
    }

    // ---- per-CPU values in batches

    @Test
    void perCpuHashBatchesCarryEveryCpusSlot() {
        BpfMap m = create(MapSpec.of(MapType.PERCPU_HASH).keySize(4).valueSize(4).maxEntries(256)
                .name("batch_pcpu"));
        int cpus = BpfMap.possibleCpus();
        int stride = m.valueBufferSize();
        assertEquals(8 * cpus, stride);
        int n = 200;
        ByteBuffer keys = allocate(4 * n, true);
        ByteBuffer values = allocate(stride * n, true);
        for (int i = 0; i < n; i++) {
            keys.putInt(4 * i, i);
            for (int c = 0; c < cpus; c++) {
                values.putInt(stride * i + m.cpuSlotOffset(c), i * 100 + c);
            }
        }
        assertEquals(n, m.updateBatch(keys, values));
        byte[][] one = m.lookupPerCpu(u32(7));
        for (int c = 0; c < cpus; c++) {
            assertArrayEquals(u32(700 + c), one[c]);
        }
        BpfMap.BatchCursor cursor = m.batchCursor();
        ByteBuffer outKeys = allocate(4 * 32, false);
        ByteBuffer outValues = allocate(stride * 32, false);
        Set<Integer> seen = new HashSet<Integer>();
        while (!cursor.done()) {
            int got = m.lookupBatch(cursor, outKeys, outValues);
            for (int i = 0; i < got; i++) {
                int k = outKeys.getInt(4 * i);
                assertTrue(seen.add(k));
                for (int c = 0; c < cpus; c++) {
                    assertEquals(k * 100 + c, outValues.getInt(stride * i + m.cpuSlotOffset(c)), "key " + k + " cpu " + c);
                }
            }
        }
        assertEquals(n, seen.size());
        // Room for one value per CPU is needed: a value-size buffer holds no element of a per-CPU map.
        assertThrows(IllegalArgumentException.class,
                () -> m.lookupBatch(m.batchCursor(), allocate(4 * 8, true), allocate(stride - 1, true)));
        assertEquals(0, m.updateBatch(allocate(0, true), allocate(stride - 1, true)));
    }

    // ---- errors

    /** Buffers that cannot hold one hash bucket get ENOSPC with a hint, and the cursor stays put. */
    @Test
    void tooSmallForABucketIsEnospcAndTheCursorCanContinue() {
        BpfMap m = hash(4096);
        Map<Integer, Long> expected = fill(m, N, true, 0);
        BpfMap.BatchCursor cursor = m.batchCursor();
        ByteBuffer oneKey = allocate(4, true);
        ByteBuffer oneValue = allocate(8, true);
        Map<Integer, Long> got = new HashMap<Integer, Long>();
        BpfException enospc = null;
        while (!cursor.done() && enospc == null) {
            try {
                int n = m.lookupBatch(cursor, oneKey, oneValue);
                if (n == 1) {
                    assertNull(got.put(oneKey.getInt(0), oneValue.getLong(0)));
                }
            } catch (BpfException e) {
                enospc = e;
            }
        }
        // 3000 keys in 4096 buckets: some bucket holds two.
        assertTrue(enospc != null, "never ENOSPC with room for one element");
        assertEquals("ENOSPC", enospc.errnoName(), enospc.toString());
        assertEquals(28, enospc.errno());
        assertTrue(enospc.hint() != null && !enospc.hint().isEmpty(), enospc.toString());
        assertTrue(enospc.operation().contains("batch_hash"), enospc.operation());
        assertFalse(cursor.done());
        got.putAll(readAll(m, cursor, 256, true));
        assertEquals(expected, got, "continuing with more room misses and repeats nothing");
    }

    @Test
    void wrongBatchBufferSizesAreRefusedInJava() {
        BpfMap m = hash(64);
        m.update(u32(1), u64(1));
        BpfMap.BatchCursor cursor = m.batchCursor();
        IllegalArgumentException noRoom = assertThrows(IllegalArgumentException.class,
                () -> m.lookupBatch(cursor, allocate(3, true), allocate(80, true)));
        assertTrue(noRoom.getMessage().contains("hold no element"), noRoom.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.lookupBatch(cursor, allocate(40, true), allocate(7, true)));
        assertThrows(IllegalArgumentException.class,
                () -> m.lookupAndDeleteBatch(cursor, allocate(0, false), allocate(80, false)));
        assertFalse(cursor.done());

        ByteBuffer keys = allocate(4 * 10, true);
        for (int i = 0; i < 10; i++) {
            keys.putInt(4 * i, i + 10);
        }
        IllegalArgumentException fewValues = assertThrows(IllegalArgumentException.class,
                () -> m.updateBatch(keys, allocate(8 * 5, true)));
        assertTrue(fewValues.getMessage().contains("batch values") && fewValues.getMessage().contains("needs 80"),
                fewValues.getMessage());
        assertNull(m.lookup(u32(10)), "nothing written");
        IllegalArgumentException readOnly = assertThrows(IllegalArgumentException.class,
                () -> m.lookupBatch(m.batchCursor(), allocate(40, true).asReadOnlyBuffer(), allocate(80, true)));
        assertTrue(readOnly.getMessage().contains("read-only"), readOnly.getMessage());
        NullPointerException noValues = assertThrows(NullPointerException.class,
                () -> m.updateBatch(keys, null), "null values must not reach the kernel");
        assertTrue(noValues.getMessage() != null && noValues.getMessage().contains("batch_hash"),
                "the message names the map: " + noValues.getMessage());
        assertEquals(0, m.updateBatch(allocate(0, true), allocate(0, true)));
    }

    // ---- entries() and keys()

    @Test
    void entriesMatchElementLookups() {
        BpfMap m = hash(4096);
        Map<Integer, Long> expected = fill(m, N, true, 0);
        assertEquals(expected, asMap(m.entries()));
        BpfMap array = create(MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(300).name("batch_array"));
        Map<Integer, Long> arrayExpected = fill(array, 300, false, 0);
        assertEquals(arrayExpected, asMap(array.entries()));
        assertTrue(create(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(4)).entries().isEmpty());
    }

    /** LPM tries have the generic batch operations: entries() reads them in batches. */
    @Test
    void entriesOfAnLpmTrie() {
        BpfMap lpm = create(MapSpec.of(MapType.LPM_TRIE).keySize(8).valueSize(8).maxEntries(600).name("batch_lpm"));
        Map<String, Long> expected = new HashMap<String, Long>();
        for (int i = 0; i < 500; i++) {
            byte[] k = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(32).putInt(i).array();
            lpm.update(k, u64(i));
            expected.put(Arrays.toString(k), (long) i);
        }
        Map<String, Long> got = new HashMap<String, Long>();
        for (Map.Entry<byte[], byte[]> e : lpm.entries()) {
            assertNull(got.put(Arrays.toString(e.getKey()), MapTypesTest.u64(e.getValue())));
        }
        assertEquals(expected, got);
    }

    /** DEVMAP_HASH has no batch operations: entries() falls back to key-by-key reads. */
    @Test
    void entriesFallBackForMapsWithoutBatches() {
        BpfMap devs = create(MapSpec.of(MapType.DEVMAP_HASH).keySize(4).valueSize(4).maxEntries(64)
                .name("batch_devhash"));
        Map<Integer, Integer> expected = new HashMap<Integer, Integer>();
        for (int i = 0; i < 50; i++) {
            devs.update(u32(i * 11), u32(1)); // ifindex 1: lo
            expected.put(i * 11, 1);
        }
        BpfException noBatch = assertThrows(BpfException.class,
                () -> devs.lookupBatch(devs.batchCursor(), allocate(80, true), allocate(80, true)));
        assertTrue(noBatch instanceof BpfNotSupportedException, noBatch.toString());
        Map<Integer, Integer> got = new HashMap<Integer, Integer>();
        for (Map.Entry<byte[], byte[]> e : devs.entries()) {
            assertNull(got.put(MapTypesTest.u32(e.getKey()), MapTypesTest.u32(e.getValue())));
        }
        assertEquals(expected, got);
    }

    @Test
    void entriesOfAPerCpuMapHoldEverySlot() {
        BpfMap m = create(MapSpec.of(MapType.PERCPU_ARRAY).valueSize(8).maxEntries(3).name("batch_pcpu_arr"));
        m.updateAllCpus(u32(2), u64(5), UpdateMode.ANY);
        List<Map.Entry<byte[], byte[]>> entries = m.entries();
        assertEquals(3, entries.size());
        for (Map.Entry<byte[], byte[]> e : entries) {
            assertEquals(m.valueBufferSize(), e.getValue().length);
            long expected = MapTypesTest.u32(e.getKey()) == 2 ? 5 : 0;
            ByteBuffer v = ByteBuffer.wrap(e.getValue()).order(ByteOrder.nativeOrder());
            for (int c = 0; c < BpfMap.possibleCpus(); c++) {
                assertEquals(expected, v.getLong(m.cpuSlotOffset(c)));
            }
        }
    }

    /**
     * Queues, stacks and bloom filters have no keys to list: whole-map reads
     * must say so clearly (not divide by their key size of 0).
     */
    @Test
    void wholeMapReadsOfKeylessMapsFailClearly() {
        BpfMap q = create(MapSpec.of(MapType.QUEUE).valueSize(4).maxEntries(4).name("batch_queue"));
        q.push(u32(1));
        assertAll(
            () -> assertKeylessRefusal("entries()", () -> q.entries()),
            () -> assertKeylessRefusal("lookupBatch",
                    () -> q.lookupBatch(q.batchCursor(), allocate(16, true), allocate(16, true))),
            () -> assertKeylessRefusal("lookupAndDeleteBatch",
                    () -> q.lookupAndDeleteBatch(q.batchCursor(), allocate(16, true), allocate(16, true))),
            () -> assertKeylessRefusal("updateBatch",
                    () -> q.updateBatch(allocate(0, true), allocate(16, true))),
            () -> assertKeylessRefusal("deleteBatch", () -> q.deleteBatch(allocate(16, true))),
            () -> assertKeylessRefusal("keys()", () -> q.keys().iterator().hasNext()));
        assertEquals(1, MapTypesTest.u32(q.pop()), "the queue is untouched");
    }

    private static void assertKeylessRefusal(String what, Executable call) {
        Throwable t = assertThrows(Throwable.class, call, what);
        assertTrue(t instanceof UnsupportedOperationException || t instanceof BpfException
                || t instanceof IllegalArgumentException, what + ": expected a clear refusal, got " + t);
    }

    private static Map<Integer, Long> asMap(List<Map.Entry<byte[], byte[]>> entries) {
        Map<Integer, Long> out = new HashMap<Integer, Long>();
        for (Map.Entry<byte[], byte[]> e : entries) {
            assertNull(out.put(MapTypesTest.u32(e.getKey()), MapTypesTest.u64(e.getValue())), "a key twice");
        }
        return out;
    }

    /** keys() while another thread deletes: ends, never repeats a key, and finds every key nobody deleted. */
    @Test
    void keysWhileAnotherThreadDeletes() throws Exception {
        final BpfMap m = hash(4096);
        fill(m, N, true, 0);
        for (int round = 0; round < 5; round++) {
            if (round > 0) {
                fill(m, N, true, 0);
            }
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicReference<Throwable> failure = new AtomicReference<Throwable>();
            final CountDownLatch started = new CountDownLatch(1);
            Thread deleter = new Thread(() -> {
                try {
                    started.await(); // start once the iteration is under way
                    for (int i = 0; i < N && !stop.get(); i += 2) {
                        m.delete(u32(key(i))); // the even ones
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            final Set<Integer> seen = new HashSet<Integer>();
            deleter.start();
            try {
                assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                    for (byte[] k : m.keys()) {
                        assertTrue(seen.add(MapTypesTest.u32(k)), "key returned twice");
                        if (seen.size() == 100) {
                            started.countDown();
                        }
                    }
                });
            } finally {
                started.countDown();
                stop.set(true);
                deleter.join();
            }
            assertNull(failure.get());
            for (int i = 1; i < N; i += 2) {
                assertTrue(seen.contains(key(i)), "key " + i + " was never deleted but not returned");
            }
            for (int k : seen) {
                int i = indexOf(k);
                assertTrue(i >= 0 && i < N && key(i) == k, "a key that was never in the map: " + k);
            }
        }
    }

    /**
     * Deleting the key the iteration stands on makes the kernel start over from
     * the first key; keys() skips what it returned already, so every key still
     * comes exactly once.
     */
    @Test
    void keysWhenTheCurrentKeyIsDeletedRestartWithoutRepeats() {
        BpfMap m = hash(2048);
        int n = 1200; // each restart walks the keys seen so far again: quadratic, keep it small
        Map<Integer, Long> all = fill(m, n, true, 0);
        Set<Integer> seen = new HashSet<Integer>();
        int deleted = 0;
        for (byte[] k : m.keys()) {
            int key = MapTypesTest.u32(k);
            assertTrue(seen.add(key), "key returned twice");
            if (seen.size() % 3 == 0) {
                assertTrue(m.delete(k)); // the iterator's current key: the next step starts over
                deleted++;
            }
        }
        assertEquals(all.keySet(), seen, "every key exactly once");
        assertEquals(n / 3, deleted);
        assertEquals(n - deleted, perElement(m).size());
    }

    /** keys() while another thread keeps deleting and re-inserting: it must still end. */
    @Test
    void keysWhileAnotherThreadChurnsEnds() throws Exception {
        final BpfMap m = hash(1024);
        final int n = 1000;
        fill(m, n, true, 0);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger churned = new AtomicInteger();
        final AtomicReference<Throwable> churnFailed = new AtomicReference<Throwable>();
        Thread churn = new Thread(() -> {
            int i = 0;
            try {
                while (!stop.get()) {
                    churned.incrementAndGet();
                    int k = key(i++ % n);
                    m.delete(u32(k));
                    m.update(u32(k), u64(value(k)));
                }
            } catch (Throwable e) {
                churnFailed.set(e);
            }
        });
        churn.setDaemon(true);
        churn.start();
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                for (int pass = 0; pass < 20; pass++) {
                    int before = churned.get();
                    while (churned.get() < before + 100) {
                        if (!churn.isAlive()) { // it would never get there: say why, now
                            throw new AssertionError("the churn thread died", churnFailed.get());
                        }
                        Thread.yield(); // the churn is running
                    }
                    Set<Integer> seen = new HashSet<Integer>();
                    for (byte[] k : m.keys()) {
                        assertTrue(seen.add(MapTypesTest.u32(k)), "key returned twice");
                    }
                    assertTrue(seen.size() <= n);
                }
            }, "keys() kept going while the map churned");
        } finally {
            stop.set(true);
            churn.join(10_000);
        }
        if (churnFailed.get() != null) {
            throw new AssertionError("the churn thread failed", churnFailed.get());
        }
    }

    private static int indexOf(int k) {
        // key(i) = i * 0x9E3779B1 + 1 is a bijection on ints: invert with the modular inverse.
        return (k - 1) * 0x0E8B2F51;
    }
}
