/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static io.github.bpf4j.MapTypesTest.u32;
import static io.github.bpf4j.MapTypesTest.u64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The map API's conventions (issue 9): typed flags, update answers, batch
 * short counts, both overload forms, untouched buffer positions, mmap's
 * read-only decision, and a forgotten map being freed.
 */
class MapApiTest {
    private final List<BpfMap> maps = new ArrayList<BpfMap>();

    @BeforeEach
    void needsBpf() {
        Kernel.requireBpf();
    }

    @AfterEach
    void closeMaps() {
        for (BpfMap m : maps) {
            m.close();
        }
    }

    private BpfMap create(MapSpec spec) {
        BpfMap m = BpfMap.create(spec);
        maps.add(m);
        return m;
    }

    private BpfMap hash(int entries) {
        return create(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(entries).name("t_api_hash"));
    }

    private BpfMap mmapable(MapFlag... more) {
        EnumSet<MapFlag> flags = EnumSet.of(MapFlag.MMAPABLE);
        for (MapFlag f : more) {
            flags.add(f);
        }
        return create(MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(4).flags(flags).name("t_api_mm"));
    }

    private static ByteBuffer direct(int capacity) {
        return ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
    }

    /** A buffer framing {@code bytes} at position 3 of a larger one, so a moved position or limit shows. */
    private static ByteBuffer framed(byte[] bytes, boolean isDirect) {
        ByteBuffer b = isDirect ? direct(bytes.length + 7) : ByteBuffer.allocate(bytes.length + 7);
        b.order(ByteOrder.nativeOrder());
        b.position(3);
        b.put(bytes);
        b.position(3).limit(3 + bytes.length);
        return b;
    }

    private static void unmoved(ByteBuffer b, int length, String call) {
        assertEquals(3, b.position(), call + " moved the position");
        assertEquals(3 + length, b.limit(), call + " moved the limit");
    }

    // ---- flags

    @Test
    void creationFlagsReadBackAsSetsAndRawBitsStayAvailable() {
        BpfMap m = create(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(4)
                .flags(MapFlag.NO_PREALLOC).name("t_api_flags"));
        assertEquals(EnumSet.of(MapFlag.NO_PREALLOC), m.flags());
        assertEquals(EnumSet.of(MapFlag.NO_PREALLOC), m.info().flags());
        assertEquals(MapFlag.NO_PREALLOC.bit(), m.info().flagBits());
        assertThrows(UnsupportedOperationException.class, () -> m.flags().add(MapFlag.MMAPABLE), "a snapshot");
        IllegalArgumentException numa = assertThrows(IllegalArgumentException.class,
                () -> MapSpec.of(MapType.HASH).flags(MapFlag.NUMA_NODE));
        assertTrue(numa.getMessage().contains("numaNode"), numa.getMessage());
        assertEquals(1 << 10, MapFlag.MMAPABLE.bit());
        assertEquals(1 << 19, MapFlag.RB_OVERWRITE.bit());
    }

    // ---- update answers

    @Test
    void arrayUpdatesAnswerFalseForNoExistAndThrowBeyondMaxEntries() {
        BpfMap a = create(MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(4).name("t_api_arr"));
        assertFalse(a.update(u32(1), u64(5), UpdateMode.NO_EXIST), "an array holds every index");
        assertArrayEquals(u64(0), a.lookup(u32(1)), "a false answer writes nothing");
        assertTrue(a.update(u32(1), u64(5), UpdateMode.EXIST));
        assertArrayEquals(u64(5), a.lookup(u32(1)));
        assertTrue(a.update(direct(4).putInt(0, 2), direct(8).putLong(0, 6), UpdateMode.ANY));
        // Beyond max_entries is not a precondition of the mode: an exception, never false.
        BpfException e = assertThrows(BpfInvalidArgumentException.class, () -> a.update(u32(4), u64(1), UpdateMode.EXIST));
        assertEquals("E2BIG", e.errnoName());
        assertThrows(BpfInvalidArgumentException.class, () -> a.update(u32(4), u64(1), UpdateMode.NO_EXIST));
    }

    @Test
    void hashUpdatesAnswerInBothForms() {
        BpfMap h = hash(2);
        ByteBuffer key = direct(4).putInt(0, 1);
        ByteBuffer value = direct(8).putLong(0, 10);
        assertFalse(h.update(key, value, UpdateMode.EXIST), "absent: EXIST is false");
        assertNull(h.lookup(u32(1)));
        assertTrue(h.update(key, value, UpdateMode.NO_EXIST));
        assertFalse(h.update(u32(1), u64(11), UpdateMode.NO_EXIST), "present: NO_EXIST is false");
        assertArrayEquals(u64(10), h.lookup(u32(1)));
        assertTrue(h.update(u32(1), u64(12), UpdateMode.EXIST, ElementFlags.NONE));
        assertArrayEquals(u64(12), h.lookup(u32(1)));
        h.update(u32(2), u64(2));
        // A full map is the map's exception, whatever the mode.
        assertThrows(BpfMapFullException.class, () -> h.update(u32(3), u64(3), UpdateMode.NO_EXIST));
        assertThrows(NullPointerException.class, () -> h.update(u32(1), u64(1), null));
    }

    @Test
    void lockReachesTheKernelWhichRefusesItWithoutASpinLock() {
        BpfMap h = hash(4);
        h.update(u32(1), u64(1));
        BpfException lookup = assertThrows(BpfInvalidArgumentException.class,
                () -> h.lookup(u32(1), new byte[8], ElementFlags.LOCK));
        assertEquals("EINVAL", lookup.errnoName());
        assertThrows(BpfInvalidArgumentException.class, () -> h.update(u32(1), u64(2), UpdateMode.ANY, ElementFlags.LOCK));
        assertArrayEquals(u64(1), h.lookup(u32(1), ElementFlags.NONE));
        assertTrue(ElementFlags.LOCK.lock());
        assertFalse(ElementFlags.NONE.lock());
    }

    // ---- batches

    /** generic_map_delete_batch stops at the first key it cannot delete and reports how many went before. */
    @Test
    void deleteBatchCountsTheLeadingKeysAndStopsAtTheFirstAbsentOne() {
        BpfMap h = hash(8);
        for (int k : new int[] {0, 1, 3}) {
            h.update(u32(k), u64(k));
        }
        ByteBuffer keys = direct(16);
        for (int i = 0; i < 4; i++) {
            keys.putInt(4 * i, i);
        }
        assertEquals(2, h.deleteBatch(keys), "keys 0 and 1 deleted, then key 2 is absent");
        assertNull(h.lookup(u32(0)));
        assertNull(h.lookup(u32(1)));
        assertArrayEquals(u64(3), h.lookup(u32(3)), "the key after the absent one was not looked at");
        byte[] rest = new byte[4];
        System.arraycopy(u32(3), 0, rest, 0, 4);
        assertEquals(1, h.deleteBatch(rest), "the byte[] form");
        assertNull(h.lookup(u32(3)));
        assertEquals(0, h.deleteBatch(u32(9)), "an absent first key deletes nothing");
    }

    @Test
    void byteArrayBatchesRoundTrip() {
        BpfMap h = hash(8);
        byte[] keys = new byte[12];
        byte[] values = new byte[24];
        ByteBuffer k = ByteBuffer.wrap(keys).order(ByteOrder.nativeOrder());
        ByteBuffer v = ByteBuffer.wrap(values).order(ByteOrder.nativeOrder());
        for (int i = 0; i < 3; i++) {
            k.putInt(4 * i, 20 + i);
            v.putLong(8 * i, 200 + i);
        }
        assertEquals(3, h.updateBatch(keys, values));
        byte[] outKeys = new byte[4 * 8];
        byte[] outValues = new byte[8 * 8];
        BpfMap.BatchCursor cursor = h.batchCursor();
        int total = 0;
        long sum = 0;
        while (!cursor.done()) {
            int n = h.lookupBatch(cursor, outKeys, outValues);
            ByteBuffer ok = ByteBuffer.wrap(outKeys).order(ByteOrder.nativeOrder());
            ByteBuffer ov = ByteBuffer.wrap(outValues).order(ByteOrder.nativeOrder());
            for (int i = 0; i < n; i++) {
                assertEquals(ok.getInt(4 * i) + 180, ov.getLong(8 * i), "key and value of one element");
                sum += ov.getLong(8 * i);
            }
            total += n;
        }
        assertEquals(3, total);
        assertEquals(200 + 201 + 202, sum);
        assertEquals(3, h.deleteBatch(keys));
        assertNull(h.lookup(u32(20)));
    }

    /** Beyond map.c's 1 KiB stack scratch, byte[] batches go through malloc'ed memory, both ways. */
    @Test
    void largeByteArrayBatchesCopyInAndOutWhole() {
        int n = 1000;
        BpfMap h = hash(n);
        byte[] keys = new byte[4 * n];
        byte[] values = new byte[8 * n];
        ByteBuffer k = ByteBuffer.wrap(keys).order(ByteOrder.nativeOrder());
        ByteBuffer v = ByteBuffer.wrap(values).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            k.putInt(4 * i, i);
            v.putLong(8 * i, 1_000_000L + i);
        }
        assertEquals(n, h.updateBatch(keys, values));
        assertArrayEquals(u64(1_000_000L + 999), h.lookup(u32(999)));
        byte[] outKeys = new byte[4 * (n + 24)];
        byte[] outValues = new byte[8 * (n + 24)];
        BpfMap.BatchCursor cursor = h.batchCursor();
        boolean[] seen = new boolean[n];
        int total = 0;
        while (!cursor.done()) {
            int got = h.lookupBatch(cursor, outKeys, outValues);
            ByteBuffer ok = ByteBuffer.wrap(outKeys).order(ByteOrder.nativeOrder());
            ByteBuffer ov = ByteBuffer.wrap(outValues).order(ByteOrder.nativeOrder());
            for (int i = 0; i < got; i++) {
                int key = ok.getInt(4 * i);
                assertEquals(1_000_000L + key, ov.getLong(8 * i));
                assertFalse(seen[key], "key " + key + " twice");
                seen[key] = true;
            }
            total += got;
        }
        assertEquals(n, total);
        assertEquals(n, h.deleteBatch(keys));
        assertNull(h.lookup(u32(0)));
    }

    // ---- overloads and positions

    @Test
    void everyByteBufferCallLeavesPositionAndLimitAlone() {
        for (boolean isDirect : new boolean[] {true, false}) {
            BpfMap h = hash(8);
            ByteBuffer key = framed(u32(7), isDirect);
            ByteBuffer value = framed(u64(70), isDirect);
            ByteBuffer out = framed(new byte[8], isDirect);
            ByteBuffer next = framed(new byte[4], isDirect);
            h.update(key, value);
            unmoved(key, 4, "update");
            unmoved(value, 8, "update");
            assertTrue(h.update(key, value, UpdateMode.EXIST));
            assertTrue(h.update(key, value, UpdateMode.EXIST, ElementFlags.NONE));
            unmoved(key, 4, "update(mode, flags)");
            assertTrue(h.lookup(key, out));
            unmoved(out, 8, "lookup");
            assertEquals(70, out.getLong(3));
            assertTrue(h.lookup(key, out, ElementFlags.NONE));
            unmoved(out, 8, "lookup(flags)");
            assertTrue(h.nextKey(null, next));
            unmoved(next, 4, "nextKey");
            assertEquals(7, next.getInt(3));
            assertFalse(h.nextKey(key, next));
            unmoved(key, 4, "nextKey");

            ByteBuffer keys = framed(u32(7), isDirect);
            ByteBuffer values = framed(new byte[8], isDirect);
            BpfMap.BatchCursor cursor = h.batchCursor();
            assertEquals(1, h.lookupBatch(cursor, keys, values));
            unmoved(keys, 4, "lookupBatch");
            unmoved(values, 8, "lookupBatch");
            assertEquals(70, values.getLong(3));
            assertEquals(1, h.updateBatch(keys, value));
            unmoved(keys, 4, "updateBatch");
            unmoved(value, 8, "updateBatch");
            assertEquals(1, h.deleteBatch(keys));
            unmoved(keys, 4, "deleteBatch");

            h.update(key, value);
            assertTrue(h.lookupAndDelete(key, out));
            unmoved(key, 4, "lookupAndDelete");
            unmoved(out, 8, "lookupAndDelete");
            h.update(key, value);
            assertTrue(h.delete(key));
            unmoved(key, 4, "delete");

            BpfMap q = create(MapSpec.of(MapType.QUEUE).valueSize(8).maxEntries(2).name("t_api_q"));
            q.push(value);
            unmoved(value, 8, "push");
            q.push(value, UpdateMode.ANY);
            assertTrue(q.peek(out));
            unmoved(out, 8, "peek");
            assertTrue(q.pop(out));
            unmoved(out, 8, "pop");

            BpfMap bloom = create(MapSpec.of(MapType.BLOOM_FILTER).valueSize(8).maxEntries(16).name("t_api_bf"));
            bloom.push(value);
            assertTrue(bloom.contains(value));
            unmoved(value, 8, "contains");
        }
    }

    @Test
    void byteArrayFormsOfEveryOption() {
        BpfMap h = hash(8);
        h.update(u32(1), u64(11));
        byte[] out = new byte[8];
        assertTrue(h.lookup(u32(1), out, ElementFlags.NONE));
        assertArrayEquals(u64(11), out);
        assertFalse(h.lookup(u32(2), out, ElementFlags.NONE));
        assertNull(h.lookup(u32(2), ElementFlags.NONE));
        byte[] next = new byte[4];
        assertTrue(h.nextKey(null, next));
        assertArrayEquals(u32(1), next);
        assertFalse(h.nextKey(u32(1), next), "the only key is the last");
        byte[] taken = new byte[8];
        assertTrue(h.lookupAndDelete(u32(1), taken));
        assertArrayEquals(u64(11), taken);
        assertFalse(h.lookupAndDelete(u32(1), taken), "gone");
    }

    @Test
    void queuePushTakesAnyOrExistWhichOverwritesTheOldestWhenFull() {
        BpfMap q = create(MapSpec.of(MapType.QUEUE).valueSize(8).maxEntries(2).name("t_api_q2"));
        q.push(u64(1));
        q.push(direct(8).putLong(0, 2));
        assertThrows(BpfMapFullException.class, () -> q.push(u64(3)), "full: ANY refuses");
        q.push(u64(3), UpdateMode.EXIST);
        byte[] v = new byte[8];
        assertTrue(q.peek(v));
        assertArrayEquals(u64(2), v, "1 was dropped to make room");
        assertTrue(q.pop(v));
        assertArrayEquals(u64(2), v);
        assertArrayEquals(u64(3), q.pop());
        assertFalse(q.pop(v), "empty");
        assertThrows(IllegalArgumentException.class, () -> q.push(u64(4), UpdateMode.NO_EXIST));
        BpfMap bloom = create(MapSpec.of(MapType.BLOOM_FILTER).valueSize(8).maxEntries(16).name("t_api_bf2"));
        assertThrows(IllegalArgumentException.class, () -> bloom.push(u64(4), UpdateMode.EXIST));
        UnsupportedOperationException keyed = assertThrows(UnsupportedOperationException.class,
                () -> hash(2).push(u64(1)));
        assertTrue(keyed.getMessage().contains("QUEUE"), keyed.getMessage());
    }

    // ---- mmap's read-only decision

    @Test
    void aPlainMmapableArrayMapsWritable() {
        BpfMap m = mmapable();
        ByteBuffer b = m.mmap();
        assertFalse(b.isReadOnly());
        b.putLong(8, 42);
        assertArrayEquals(u64(42), m.lookup(u32(1)));
    }

    @Test
    void anRdonlyProgArrayMapsReadOnly() {
        BpfMap m = mmapable(MapFlag.RDONLY_PROG);
        m.update(u32(2), u64(7));
        ByteBuffer b = m.mmap();
        assertTrue(b.isReadOnly(), "the kernel refuses writable mappings of BPF_F_RDONLY_PROG maps");
        assertEquals(7, b.getLong(16));
    }

    @Test
    void aFrozenArrayMapsReadOnly() {
        BpfMap m = mmapable();
        m.update(u32(3), u64(9));
        m.freeze();
        BpfException refused = assertThrows(BpfException.class, () -> m.update(u32(3), u64(1)));
        assertEquals("EPERM", refused.errnoName(), "frozen: user space can no longer write");
        ByteBuffer b = m.mmap();
        assertTrue(b.isReadOnly());
        assertEquals(9, b.getLong(24));
    }

    /** The mm core drops VM_SHARED for a file without write access; bpf_map_mmap then says EINVAL. */
    @Test
    void aReadOnlyFdIsRefusedBeforeTheKernelSaysEinval() {
        BpfMap m = mmapable(MapFlag.RDONLY);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, m::mmap);
        assertTrue(e.getMessage().contains("read-only fd"), e.getMessage());
        BpfMap w = mmapable(MapFlag.WRONLY);
        e = assertThrows(UnsupportedOperationException.class, w::mmap);
        assertTrue(e.getMessage().contains("write-only fd"), e.getMessage());
    }

    @Test
    void freezingAMapWithAWritableMappingIsRefused() {
        BpfMap m = mmapable();
        assertFalse(m.mmap().isReadOnly());
        BpfException busy = assertThrows(BpfException.class, m::freeze);
        assertEquals("EBUSY", busy.errnoName());
    }

    // ---- forgotten maps

    /** The map's kernel id disappears with its last fd, so it shows the Cleaner closed the forgotten handle. */
    @Test
    void aForgottenCreatedMapIsFreedByTheCleaner() throws InterruptedException {
        int id = forget();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            System.gc();
            Thread.sleep(20);
            try (BpfMap again = BpfMap.fromId(id)) {
                assertEquals("t_api_forgot", again.name(), "id " + id + " is still our map");
            } catch (BpfPermissionException e) {
                assumeTrue(false, "opening a map by id needs CAP_SYS_ADMIN: " + e.getMessage());
            } catch (BpfException e) {
                assertEquals("ENOENT", e.errnoName(), e.toString());
                return;
            }
            assertTrue(System.nanoTime() < deadline, "map id " + id + " still alive 20 s after its handle was dropped");
        }
    }

    private static int forget() {
        BpfMap m = BpfMap.create(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(4).name("t_api_forgot"));
        m.update(u32(1), u64(1));
        return m.info().id();
    }
}
