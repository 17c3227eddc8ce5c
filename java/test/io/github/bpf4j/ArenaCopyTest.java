/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.arena.ArenaHashTable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ArenaRegion's and ArenaHashTable's bulk calls: every overload moves exactly
 * the bytes it says (a ByteBuffer's remaining(), a byte[]'s range), leaves a
 * buffer's position and limit alone, and copies large ranges whole (the
 * native side copies a byte[] in bounded chunks).
 */
class ArenaCopyTest {
    private static final int PAGE = 4096;
    /** What the kernel reports for a missing page (asm-generic errno 14). */
    private static final int EFAULT = 14;

    @BeforeEach
    void needsArenas() {
        Kernel.requireBpf();
        Kernel.assumeArenas();
    }

    private static BpfMap arena(int pages) {
        return BpfMap.create(MapSpec.of(MapType.ARENA).maxEntries(pages).flags(MapFlag.MMAPABLE).name("t_copy"));
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A buffer of 3 + n + 5 bytes framing the n in the middle: position 3, limit 3 + n. */
    private static ByteBuffer framed(boolean direct, byte[] content) {
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(content.length + 8) : ByteBuffer.allocate(content.length + 8);
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) 0x5a);
        }
        for (int i = 0; i < content.length; i++) {
            b.put(3 + i, content[i]);
        }
        b.position(3).limit(3 + content.length);
        return b;
    }

    private static byte[] framedBytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get(b.position() + i);
        }
        return out;
    }

    private static void assertFrame(ByteBuffer b, int n, String what) {
        assertEquals(3, b.position(), what + ": position moved");
        assertEquals(3 + n, b.limit(), what + ": limit moved");
        ByteBuffer whole = b.duplicate();
        whole.clear();
        assertEquals(0x5a, whole.get(2), what + ": a byte before the position was written");
        assertEquals(0x5a, whole.get(3 + n), what + ": a byte at the limit was written");
    }

    @Test
    void byteBufferCopiesUseRemainingAndLeavePositionAndLimit() {
        try (BpfMap map = arena(4)) {
            ArenaRegion r = map.arena().region();
            for (boolean direct : new boolean[] {true, false}) {
                String kind = direct ? "direct" : "heap";
                byte[] data = random(100, direct ? 1 : 2);

                ByteBuffer src = framed(direct, data);
                r.put(1000, src);
                assertFrame(src, 100, kind + " put");
                byte[] back = new byte[100];
                r.get(1000, back);
                assertArrayEquals(data, back, kind + " put wrote the remaining bytes");
                assertEquals(0, r.getByte(999), kind + " put wrote before its offset");
                assertEquals(0, r.getByte(1100), kind + " put wrote more than remaining()");

                ByteBuffer dst = framed(direct, new byte[100]);
                r.get(1000, dst);
                assertFrame(dst, 100, kind + " get");
                assertArrayEquals(data, framedBytes(dst), kind + " get filled the remaining bytes");

                byte[] other = random(100, direct ? 3 : 4);
                ByteBuffer csrc = framed(direct, other);
                r.writeChecked(2000, csrc);
                assertFrame(csrc, 100, kind + " writeChecked");
                byte[] cback = new byte[100];
                r.readChecked(2000, cback);
                assertArrayEquals(other, cback, kind + " writeChecked wrote the remaining bytes");
                assertEquals(0, r.getByte(2100), kind + " writeChecked wrote more than remaining()");

                ByteBuffer cdst = framed(direct, new byte[100]);
                r.readChecked(2000, cdst);
                assertFrame(cdst, 100, kind + " readChecked");
                assertArrayEquals(other, framedBytes(cdst), kind + " readChecked filled the remaining bytes");

                // An empty buffer copies nothing and moves nothing.
                ByteBuffer empty = framed(direct, new byte[0]);
                r.get(0, empty);
                r.readChecked(0, empty);
                assertFrame(empty, 0, kind + " empty");
            }
            ByteBuffer readOnly = ByteBuffer.allocateDirect(8).asReadOnlyBuffer();
            assertThrows(IllegalArgumentException.class, () -> r.get(0, readOnly), "get into a read-only buffer");
            assertThrows(IllegalArgumentException.class, () -> r.readChecked(0, readOnly));
            r.put(0, readOnly); // read-only is fine as a source
            assertEquals(0, readOnly.position());
        }
    }

    @Test
    void byteArrayOverloadsAreSymmetric() {
        try (BpfMap map = arena(4)) {
            ArenaRegion r = map.arena().region();
            byte[] data = random(64, 5);
            r.writeChecked(512, data);
            byte[] whole = new byte[64];
            r.readChecked(512, whole);
            assertArrayEquals(data, whole);
            byte[] part = new byte[80];
            r.readChecked(520, part, 10, 16);
            for (int i = 0; i < 16; i++) {
                assertEquals(data[8 + i], part[10 + i]);
            }
            assertEquals(0, part[9]);
            assertEquals(0, part[26]);
            r.put(600, data, 4, 8);
            byte[] got = new byte[8];
            r.get(600, got);
            for (int i = 0; i < 8; i++) {
                assertEquals(data[4 + i], got[i]);
            }
            assertThrows(IndexOutOfBoundsException.class, () -> r.readChecked(0, new byte[8], 4, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> r.writeChecked(4 * PAGE - 4, new byte[8]));
            assertThrows(IndexOutOfBoundsException.class, () -> r.get(4 * PAGE - 4, new byte[8]));
        }
    }

    /** Ranges much larger than the native chunk (64 KiB plain, 1 MiB checked), at odd offsets and lengths. */
    @Test
    void largeCopiesAreWhole() {
        try (BpfMap map = arena(1024)) { // 4 MiB
            ArenaRegion r = map.arena().region();
            int n = 3 * 1024 * 1024 + 17;
            byte[] data = random(n, 6);
            r.put(13, data, 1, n - 1);
            byte[] back = new byte[n - 1];
            r.readChecked(13, back);
            for (int i = 0; i < n - 1; i += 4093) {
                assertEquals(data[1 + i], back[i], "byte " + i);
            }
            assertEquals(data[n - 1], back[n - 2], "the last byte");

            byte[] other = random(n, 7);
            r.writeChecked(7, other);
            byte[] plain = new byte[n + 2];
            r.get(7, plain, 1, n);
            byte[] expect = new byte[n + 2];
            System.arraycopy(other, 0, expect, 1, n);
            assertArrayEquals(expect, plain);

            ByteBuffer heap = ByteBuffer.allocate(n);
            r.get(7, heap);
            assertEquals(0, heap.position());
            assertArrayEquals(other, heap.array());
        }
    }

    @Test
    void hashTableBufferFormsLeavePositionAndLimitAndMatchTheArrayForms() {
        try (BpfMap map = arena(16)) {
            ArenaRegion r = map.arena().region();
            ArenaHashTable t = ArenaHashTable.init(r, PAGE, 64, 5, 12);
            for (boolean direct : new boolean[] {true, false}) {
                String kind = direct ? "direct" : "heap";
                byte[] k = ArenaHashTable.ascii(direct ? "kd" : "kh", 5);
                byte[] v = random(12, direct ? 8 : 9);
                ByteBuffer key = framed(direct, k);
                ByteBuffer value = framed(direct, v);
                assertTrue(t.put(key, value), kind + ": the key was new");
                assertFrame(key, 5, kind + " put key");
                assertFrame(value, 12, kind + " put value");
                assertArrayEquals(v, t.get(k), kind + ": the array form sees the buffer form's entry");
                assertTrue(t.containsKey(key));
                assertFrame(key, 5, kind + " containsKey");
                long vo = t.valueOffset(key);
                assertEquals(t.valueOffset(k), vo);
                assertFrame(key, 5, kind + " valueOffset");

                ByteBuffer out = framed(direct, new byte[12]);
                assertTrue(t.get(key, out));
                assertFrame(out, 12, kind + " get value");
                assertArrayEquals(v, framedBytes(out));

                byte[] v2 = random(12, direct ? 10 : 11);
                assertFalse(t.put(key, framed(direct, v2)), kind + ": an update of an existing key");
                assertArrayEquals(v2, t.get(k));

                assertTrue(t.remove(key));
                assertFrame(key, 5, kind + " remove");
                assertNull(t.get(k));
                assertFalse(t.remove(key));
                assertFalse(t.get(key, out));
            }
            // Padding: a 5-byte key and a 12-byte value are zero padded to 8 and 16, as C writes them.
            ByteBuffer key = framed(true, ArenaHashTable.ascii("pad", 5));
            t.put(key, framed(true, random(12, 12)));
            long vo = t.valueOffset(key);
            for (int i = 12; i < 16; i++) {
                assertEquals(0, r.getByte(vo + i), "value padding byte " + i);
            }
            for (int i = 5; i < 8; i++) {
                assertEquals(0, r.getByte(vo - 8 + i), "key padding byte " + i);
            }
            // Sizes the table fixes must match remaining() exactly: a longer buffer is not cut to a prefix.
            ByteBuffer longKey = ByteBuffer.allocate(6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.containsKey(longKey));
            assertTrue(e.getMessage().contains("6 bytes remaining, needs exactly 5"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> t.get(ByteBuffer.allocate(5), ByteBuffer.allocate(13)));
            assertThrows(IllegalArgumentException.class,
                    () -> t.put(ByteBuffer.allocate(5), ByteBuffer.allocate(11)));
        }
    }

    @Test
    void segvOnFaultRefusalNamesTheMethodAndTheWayIn() {
        try (BpfMap map = BpfMap.create(MapSpec.of(MapType.ARENA).maxEntries(4)
                .flags(MapFlag.MMAPABLE, MapFlag.SEGV_ON_FAULT).name("t_segv"))) {
            ArenaRegion r = map.arena().region();
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> r.get(0, ByteBuffer.allocateDirect(8)));
            assertTrue(e.getMessage().startsWith("get: arena 't_segv' has BPF_F_SEGV_ON_FAULT"), e.getMessage());
            assertTrue(e.getMessage().contains("use readChecked/writeChecked"), e.getMessage());
            e = assertThrows(UnsupportedOperationException.class, () -> r.compareAndSetLong(0, 0, 1));
            assertTrue(e.getMessage().startsWith("compareAndSetLong: "), e.getMessage());

            ByteBuffer dst = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
            BpfException fault = assertThrows(BpfException.class, () -> r.readChecked(PAGE, dst));
            assertEquals("EFAULT", fault.errnoName());
            assertEquals(EFAULT, fault.errno());
            assertTrue(fault.operation().startsWith("process_vm_readv(arena 't_segv', 16 bytes at offset 4096"),
                    fault.operation());
            BpfException wfault = assertThrows(BpfException.class, () -> r.writeChecked(0, new byte[8]));
            assertTrue(wfault.operation().startsWith("process_vm_writev(arena 't_segv', 8 bytes at offset 0"),
                    wfault.operation());
            assertEquals(0, dst.position());
        }
    }
}
