/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Arenas made with BpfMap.create and read and written from Java alone (the kernel's side: ArenaUseCaseTest). */
class ArenaTest {
    private static final int PAGE = 4096;

    @BeforeEach
    void needsArenas() {
        Kernel.requireBpf();
        Kernel.assumeArenas();
    }

    private static BpfMap arena(int pages, MapFlag... flags) {
        return BpfMap.create(MapSpec.of(MapType.ARENA).maxEntries(pages).flags(withMmapable(flags)).name("t_arena"));
    }

    private static java.util.Set<MapFlag> withMmapable(MapFlag... flags) {
        java.util.Set<MapFlag> all = java.util.EnumSet.of(MapFlag.MMAPABLE);
        all.addAll(java.util.Arrays.asList(flags));
        return all;
    }

    @Test
    void mapsTheWholeArenaAndReportsIt() {
        try (BpfMap map = arena(16)) {
            BpfArena arena = map.arena();
            assertSame(arena, map.arena(), "one mapping, one arena object");
            assertEquals(16L * PAGE, arena.size());
            assertTrue(arena.userVmStart() != 0);
            assertEquals(0, arena.userVmStart() % PAGE);
            assertFalse(arena.segvOnFault());
            // The mapping never crosses a 4 GiB boundary: pointers keep their upper half.
            assertEquals(arena.userVmStart() >>> 32, (arena.userVmStart() + arena.size() - 1) >>> 32);
        }
    }

    @Test
    void plainAccessAllWidthsAndBulk() {
        try (BpfMap map = arena(4)) {
            ArenaRegion r = map.arena().region();
            r.putByte(1, (byte) 7);
            r.putShort(2, (short) -2);
            r.putInt(4, 0x12345678);
            r.putLong(8, Long.MIN_VALUE + 5);
            r.putFloat(16, 1.5f);
            r.putDouble(24, Math.PI);
            assertEquals(7, r.getByte(1));
            assertEquals(-2, r.getShort(2));
            assertEquals(0x12345678, r.getInt(4));
            assertEquals(Long.MIN_VALUE + 5, r.getLong(8));
            assertEquals(1.5f, r.getFloat(16));
            assertEquals(Math.PI, r.getDouble(24));
            // Native byte order, as programs see it.
            ByteBuffer raw = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
            r.get(4, raw);
            assertEquals(0x12345678, raw.getInt(0));

            byte[] page = new byte[PAGE + 100];
            for (int i = 0; i < page.length; i++) {
                page[i] = (byte) i;
            }
            r.put(PAGE - 50, page);
            byte[] back = new byte[page.length];
            r.get(PAGE - 50, back);
            assertArrayEquals(page, back);

            ByteBuffer slice = r.slice(PAGE, 64);
            assertEquals(ByteOrder.nativeOrder(), slice.order());
            slice.putLong(0, 42);
            assertEquals(42, r.getLong(PAGE));
            assertThrows(IndexOutOfBoundsException.class, () -> r.getLong(4 * PAGE - 4));
            assertThrows(IndexOutOfBoundsException.class, () -> r.getByte(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> r.slice(4 * PAGE - 8, 16));
        }
    }

    @Test
    void atomicsAndPointers() {
        try (BpfMap map = arena(4)) {
            ArenaRegion r = map.arena().region();
            assertEquals(0, r.getAndAddLong(64, 5));
            assertEquals(5, r.getAndAddLong(64, 1));
            assertTrue(r.compareAndSetInt(128, 0, 9));
            assertFalse(r.compareAndSetInt(128, 0, 10));
            assertEquals(9, r.getInt(128));
            assertThrows(IllegalArgumentException.class, () -> r.getAndAddLong(66, 1), "unaligned");

            long p = r.pointerAt(200);
            assertEquals(map.arena().userVmStart() + 200, p);
            assertEquals(200, r.offsetOf(p));
            assertEquals(200, r.offsetOf(p & 0xffffffffL), "the 32-bit form points to the same place");
            assertEquals(-1, r.offsetOf(0));
            r.writePointer(0, 200);
            assertEquals(200, r.readPointer(0));
            r.writePointer(0, -1);
            assertEquals(-1, r.readPointer(0));
            assertThrows(IllegalArgumentException.class, () -> r.offsetOf(map.arena().userVmStart() - 8));
        }
    }

    @Test
    void noUserConvArenasStore32BitPointers() {
        try (BpfMap map = arena(4, MapFlag.NO_USER_CONV)) {
            ArenaRegion r = map.arena().region();
            assertTrue(map.arena().noUserConv());
            long p = r.pointerAt(4000);
            assertEquals((map.arena().userVmStart() + 4000) & 0xffffffffL, p);
            r.writePointer(8, 4000);
            assertEquals(p, r.getLong(8));
            assertEquals(4000, r.readPointer(8));
        }
    }

    /** SEGV_ON_FAULT: Java never touches a page the program did not allocate; checked reads say EFAULT. */
    @Test
    void segvOnFaultArenasRefusePlainAccessAndCheckedReadsNeverCrash() {
        try (BpfMap map = arena(4, MapFlag.SEGV_ON_FAULT, MapFlag.NO_USER_CONV)) {
            ArenaRegion r = map.arena().region();
            assertTrue(map.arena().segvOnFault());
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> r.getLong(0));
            assertTrue(e.getMessage().contains("readChecked"), e.getMessage());
            assertThrows(UnsupportedOperationException.class, () -> r.putLong(0, 1));
            assertThrows(UnsupportedOperationException.class, () -> r.slice(0, 8));
            assertThrows(UnsupportedOperationException.class, () -> r.getAndAddLong(0, 1));
            BpfException fault = assertThrows(BpfException.class, () -> r.readLongChecked(PAGE));
            assertEquals("EFAULT", fault.errnoName());
            assertThrows(BpfException.class, () -> r.readChecked(0, new byte[16], 0, 16));
            assertThrows(BpfException.class, () -> r.writeChecked(0, new byte[16], 0, 16));
        }
    }

    /** Near 4 GiB: offsets above 2 GiB and at 3.9 GiB, on JDK 8 too. */
    @Test
    void fourGibArenaReachesItsHighOffsets() {
        try (BpfMap map = arena(1 << 20)) {
            ArenaRegion r = map.arena().region();
            assertEquals(4L << 30, r.size());
            long above2g = (2L << 30) + 12345L * 8;
            long at39 = (long) (3.9 * (1L << 30)) & ~7L;
            long last = r.size() - 8;
            r.putLong(above2g, 0xabcdefL);
            r.putLong(at39, 0x39L);
            r.putLong(last, -1L);
            assertEquals(0xabcdefL, r.getLong(above2g));
            assertEquals(0x39L, r.getLong(at39));
            assertEquals(-1L, r.getLong(last));
            // An 8-byte value across a 1 GiB window edge.
            long edge = (1L << 30) - 4;
            r.putLong(edge, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, r.getLong(edge));
            assertEquals(at39 + map.arena().userVmStart(), r.pointerAt(at39));
            assertEquals(at39, r.offsetOf(r.pointerAt(at39)));
        }
    }

    @Test
    void closedArenaThrowsAndItsSlicesStayHarmless() {
        BpfMap map = arena(4);
        ArenaRegion r = map.arena().region();
        ByteBuffer slice = r.slice(0, 64);
        r.putLong(0, 7);
        map.close();
        assertThrows(IllegalStateException.class, () -> r.getLong(0));
        assertThrows(IllegalStateException.class, () -> r.putLong(0, 1));
        assertThrows(IllegalStateException.class, () -> r.getAndAddLong(0, 1));
        assertThrows(IllegalStateException.class, () -> r.readLongChecked(0));
        assertThrows(IllegalStateException.class, map::arena);
        slice.putLong(8, 99); // detached: private memory, no fault
        assertEquals(99, slice.getLong(8));
    }

    @Test
    void onlyArenaMapsHaveArenas() {
        try (BpfMap array = BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(1))) {
            assertThrows(UnsupportedOperationException.class, array::arena);
        }
    }
}
