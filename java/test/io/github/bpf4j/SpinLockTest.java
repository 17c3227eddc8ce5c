/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static io.github.bpf4j.MapTypesTest.u32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * BPF_F_LOCK element operations on maps whose value holds a
 * {@code struct bpf_spin_lock} ({@code test-bpf/spin_lock.bpf.c}): the kernel
 * copies such a value under its lock, never copies the lock word itself, and
 * refuses the flag on a map without a lock. The concurrency test races an XDP
 * program taking the same lock against F_LOCK reads and writes from Java.
 */
class SpinLockTest {
    static final String OBJECT = "bpf/spin_lock.bpf.o";
    /** struct locked_val: the 4-byte lock, 4 bytes of padding, then LOCKED_WORDS u64s that are always equal. */
    private static final int WORDS = 16;
    private static final int VALUE_SIZE = 8 + 8 * WORDS;

    private BpfObject obj;
    private BpfMap hash;
    private BpfMap array;
    private BpfMap unlocked;

    @BeforeEach
    void load() {
        Kernel.requireBpf();
        obj = BpfObject.openResource(OBJECT).load();
        hash = obj.map("locked_hash");
        array = obj.map("locked_array");
        unlocked = obj.map("unlocked_hash");
    }

    @AfterEach
    void close() {
        if (obj != null) {
            obj.close();
        }
    }

    /** A value whose every word is {@code n} and whose lock bytes are {@code lockBytes} (the kernel must ignore them). */
    private static ByteBuffer value(long n, byte lockBytes) {
        ByteBuffer v = ByteBuffer.allocateDirect(VALUE_SIZE).order(ByteOrder.nativeOrder());
        for (int i = 0; i < 4; i++) {
            v.put(i, lockBytes);
        }
        for (int i = 0; i < WORDS; i++) {
            v.putLong(8 + 8 * i, n);
        }
        return v;
    }

    private static ByteBuffer value(long n) {
        return value(n, (byte) 0);
    }

    private static ByteBuffer key(int k) {
        return ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putInt(0, k);
    }

    private static ByteBuffer out() {
        return ByteBuffer.allocateDirect(VALUE_SIZE).order(ByteOrder.nativeOrder());
    }

    /** The common word of a value, failing on a torn one (words differ). */
    private static long word(ByteBuffer v) {
        long first = v.getLong(8);
        for (int i = 1; i < WORDS; i++) {
            if (v.getLong(8 + 8 * i) != first) {
                fail("torn value: word 0 is " + first + ", word " + i + " is " + v.getLong(8 + 8 * i));
            }
        }
        return first;
    }

    private static boolean torn(ByteBuffer v) {
        long first = v.getLong(8);
        for (int i = 1; i < WORDS; i++) {
            if (v.getLong(8 + 8 * i) != first) {
                return true;
            }
        }
        return false;
    }

    private static long lockedWord(BpfMap m, int k) {
        ByteBuffer v = out();
        assertTrue(m.lookup(key(k), v, ElementFlags.LOCK), m.name() + "[" + k + "] is present");
        assertEquals(0, v.getInt(0), "the lock word is never copied to user space");
        return word(v);
    }

    @Test
    void theObjectDeclaresTheLockedValues() {
        for (BpfMap m : new BpfMap[] {hash, array, unlocked}) {
            assertEquals(VALUE_SIZE, m.valueSize(), m.name());
            assertTrue(m.info().btfValueTypeId() > 0, m.name() + ": the lock is known to the kernel through BTF");
        }
    }

    @Test
    void lockedUpdateAndLookupOnAHash() {
        // Lock bytes in the value given are not written to the map's lock: the kernel skips that field.
        hash.update(key(1), value(7, (byte) 0xff), UpdateMode.ANY, ElementFlags.LOCK);
        assertEquals(7, lockedWord(hash, 1));
        ByteBuffer plain = out();
        assertTrue(hash.lookup(key(1), plain));
        assertEquals(0, plain.getInt(0), "a plain lookup zeroes the lock word too");
        assertEquals(7, word(plain));

        hash.update(key(1), value(8), UpdateMode.EXIST, ElementFlags.LOCK);
        assertEquals(8, lockedWord(hash, 1), "EXIST|F_LOCK replaces in place");
        assertFalse(hash.update(key(1), value(9), UpdateMode.NO_EXIST, ElementFlags.LOCK),
                "NO_EXIST|F_LOCK on a present key is a refusal, not a write");
        assertEquals(8, lockedWord(hash, 1), "a refused update leaves the value");

        assertFalse(hash.update(key(2), value(1), UpdateMode.EXIST, ElementFlags.LOCK),
                "EXIST|F_LOCK on a missing key is answered false");
        assertFalse(hash.lookup(key(2), out()), "EXIST|F_LOCK on a missing key creates nothing");

        hash.update(key(3), value(3), UpdateMode.NO_EXIST, ElementFlags.LOCK);
        assertEquals(3, lockedWord(hash, 3));
        assertTrue(hash.delete(key(3)));
        assertFalse(hash.lookup(key(3), out(), ElementFlags.LOCK), "a locked lookup of a missing key is a miss");

        hash.update(key(4), value(44));
        ByteBuffer taken = out();
        assertTrue(hash.lookupAndDelete(key(4), taken, ElementFlags.LOCK), "a locked lookup-and-delete");
        assertEquals(44, word(taken));
        assertFalse(hash.lookup(key(4), out()), "and the element is gone");
        assertFalse(hash.lookupAndDelete(key(4), out(), ElementFlags.LOCK), "a second one is a miss");
    }

    @Test
    void lockedUpdateAndLookupOnAnArray() {
        assertEquals(0, lockedWord(array, 2), "array elements exist, zeroed");
        array.update(key(2), value(42, (byte) 0x5a), UpdateMode.ANY, ElementFlags.LOCK);
        assertEquals(42, lockedWord(array, 2));
        array.update(key(2), value(43), UpdateMode.EXIST, ElementFlags.LOCK);
        assertEquals(43, lockedWord(array, 2));
        assertFalse(array.update(key(2), value(44), UpdateMode.NO_EXIST, ElementFlags.LOCK),
                "every array element exists, so NO_EXIST is refused");
        BpfException beyond = assertThrows(BpfInvalidArgumentException.class,
                () -> array.update(key(4), value(1), UpdateMode.ANY, ElementFlags.LOCK));
        assertEquals("E2BIG", beyond.errnoName());
        assertFalse(array.lookup(key(4), out(), ElementFlags.LOCK), "beyond max_entries is a miss");
        assertEquals(43, lockedWord(array, 2));
    }

    /** Batch updates and lookups take F_LOCK (the kernel's generic batch passes it to each element). */
    @Test
    void lockedBatchUpdates() {
        for (BpfMap m : new BpfMap[] {hash, array}) {
            int n = 3;
            ByteBuffer keys = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
            ByteBuffer values = ByteBuffer.allocateDirect(VALUE_SIZE * n).order(ByteOrder.nativeOrder());
            for (int i = 0; i < n; i++) {
                keys.putInt(4 * i, i + 1);
                ByteBuffer v = value(100 + i, (byte) 0xee);
                for (int b = 0; b < VALUE_SIZE; b++) {
                    values.put(VALUE_SIZE * i + b, v.get(b));
                }
            }
            assertEquals(n, m.updateBatch(keys, values, ElementFlags.LOCK), m.name());
            for (int i = 0; i < n; i++) {
                assertEquals(100 + i, lockedWord(m, i + 1), m.name() + "[" + (i + 1) + "]");
            }
            // Batch lookups copy each value under its lock too; the lock word itself stays hidden.
            ByteBuffer outKeys = ByteBuffer.allocateDirect(4 * m.maxEntries()).order(ByteOrder.nativeOrder());
            ByteBuffer outValues = ByteBuffer.allocateDirect(VALUE_SIZE * m.maxEntries()).order(ByteOrder.nativeOrder());
            BpfMap.BatchCursor cursor = m.batchCursor();
            int seen = 0;
            while (!cursor.done()) {
                int got = m.lookupBatch(cursor, outKeys, outValues, ElementFlags.LOCK);
                for (int i = 0; i < got; i++) {
                    int k = outKeys.getInt(4 * i);
                    ByteBuffer v = outValues.duplicate().order(ByteOrder.nativeOrder());
                    v.position(VALUE_SIZE * i).limit(VALUE_SIZE * (i + 1));
                    ByteBuffer one = v.slice().order(ByteOrder.nativeOrder());
                    assertEquals(0, one.getInt(0), m.name() + "[" + k + "]: the lock word is not copied out");
                    if (k >= 1 && k <= n) {
                        assertEquals(99 + k, word(one), m.name() + "[" + k + "] read under the lock");
                        seen++;
                    }
                }
            }
            assertEquals(n, seen, m.name() + ": every key written by the batch was read back by one");
        }
        BpfMap.BatchCursor plain = unlocked.batchCursor();
        ByteBuffer k = ByteBuffer.allocateDirect(4 * 4).order(ByteOrder.nativeOrder());
        ByteBuffer v = ByteBuffer.allocateDirect(VALUE_SIZE * 4).order(ByteOrder.nativeOrder());
        assertEinval("bpf_map_lookup_batch", () -> unlocked.lookupBatch(plain, k, v, ElementFlags.LOCK));
    }

    private static void assertEinval(String call, Executable op) {
        BpfInvalidArgumentException e = assertThrows(BpfInvalidArgumentException.class, op, call);
        assertEquals("EINVAL", e.errnoName(), call);
        assertEquals(22, e.errno(), call);
        assertTrue(e.operation().startsWith(call + "(map '"), e.operation());
    }

    /** The kernel refuses BPF_F_LOCK with EINVAL when the map's value (BTF) has no bpf_spin_lock. */
    @Test
    void lockFlagOnAMapWithoutALockIsEinval() {
        unlocked.update(key(1), value(1));
        assertEinval("bpf_map_lookup_elem", () -> unlocked.lookup(key(1), out(), ElementFlags.LOCK));
        assertEinval("bpf_map_lookup_and_delete_elem", () -> unlocked.lookupAndDelete(key(1), out(), ElementFlags.LOCK));
        assertEinval("bpf_map_update_elem", () -> unlocked.update(key(1), value(2), UpdateMode.ANY, ElementFlags.LOCK));
        assertEinval("bpf_map_update_elem",
                () -> unlocked.update(key(1), value(2), UpdateMode.EXIST, ElementFlags.LOCK));
        ByteBuffer keys = key(1);
        assertEinval("bpf_map_update_batch", () -> unlocked.updateBatch(keys, value(3), ElementFlags.LOCK));
        assertEquals(1, word(lookupPlain(unlocked, 1)), "nothing was written");

        // A map made without BTF has no idea of a lock either.
        try (BpfMap bare = BpfMap.create(MapSpec.of(MapType.HASH).keySize(4).valueSize(VALUE_SIZE).maxEntries(2)
                .name("sl_bare"))) {
            bare.update(key(0), value(5));
            assertEinval("bpf_map_lookup_elem", () -> bare.lookup(key(0), out(), ElementFlags.LOCK));
            assertEinval("bpf_map_update_elem", () -> bare.update(key(0), value(6), UpdateMode.ANY, ElementFlags.LOCK));
            assertEquals(5, word(lookupPlain(bare, 0)));
        }
    }

    private static ByteBuffer lookupPlain(BpfMap m, int k) {
        ByteBuffer v = out();
        assertTrue(m.lookup(key(k), v));
        return v;
    }

    /**
     * An XDP program adds 1 to every word of array[0] and hash[0] under their
     * locks, {@code REPEAT} times per test run, while this thread reads and
     * writes them with F_LOCK. Phase 1 (Java only reads): every read is whole
     * and the final count is exactly the runs'. Phase 2 (Java also writes a
     * new base): every read is whole and no increment is lost after the last
     * write. Plain reads (no F_LOCK) meanwhile may see torn values; they are
     * counted, to show the race is real, not asserted.
     */
    @Test
    void lockedReadsAndWritesRaceTheProgramWithoutTearing() throws Exception {
        BpfProgram bump = obj.program("bump");
        for (BpfMap m : new BpfMap[] {hash, array}) {
            m.update(key(0), value(0), UpdateMode.ANY, ElementFlags.LOCK);
        }
        final int repeat = 20_000;
        final int runs = 20;

        // Phase 1: the program writes, Java only reads.
        long[] torn = new long[1];
        long reads = race(bump, repeat, runs, () -> {
            for (BpfMap m : new BpfMap[] {hash, array}) {
                lockedWord(m, 0);
                if (torn(lookupPlain(m, 0))) {
                    torn[0]++;
                }
            }
        });
        for (BpfMap m : new BpfMap[] {hash, array}) {
            assertEquals((long) repeat * runs, lockedWord(m, 0), m.name() + ": every locked increment counted");
        }
        System.out.println("SpinLockTest: " + reads + " locked reads whole; " + torn[0]
                + " plain reads during the race were torn");

        // Phase 2: Java also writes a new base with F_LOCK (EXIST on the hash, ANY on the array).
        final AtomicLong base = new AtomicLong();
        race(bump, repeat, runs, () -> {
            long b = base.addAndGet(1_000_000_000L);
            hash.update(key(0), value(b), UpdateMode.EXIST, ElementFlags.LOCK);
            array.update(key(0), value(b), UpdateMode.ANY, ElementFlags.LOCK);
            lockedWord(hash, 0);
            lockedWord(array, 0);
        });
        for (BpfMap m : new BpfMap[] {hash, array}) {
            long w = lockedWord(m, 0);
            assertTrue(w >= base.get() && w <= base.get() + (long) repeat * runs,
                    m.name() + ": " + w + " is the last base " + base.get() + " plus at most every run's increments");
        }
    }

    /** Runs the program {@code runs} times ({@code repeat} each) on another thread while {@code op} loops here. */
    private static long race(BpfProgram prog, int repeat, int runs, Runnable op) throws Exception {
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicReference<Throwable> failed = new AtomicReference<Throwable>();
        Thread runner = new Thread(() -> {
            try {
                for (int i = 0; i < runs; i++) {
                    TestRun run = new TestRun().dataIn(Kernel.packet()).repeat(repeat);
                    assertEquals(2, prog.testRun(run).retval(), "XDP_PASS: array[0] was there");
                }
            } catch (Throwable t) {
                failed.set(t);
            } finally {
                done.set(true);
            }
        }, "spin-lock-bump");
        runner.start();
        long loops = 0;
        try {
            while (!done.get()) {
                op.run();
                loops++;
            }
        } finally {
            runner.join(60_000);
        }
        if (failed.get() != null) {
            throw new AssertionError("the program's test runs failed", failed.get());
        }
        assertTrue(loops > 0, "Java ran concurrently with the program at least once");
        return loops;
    }
}
