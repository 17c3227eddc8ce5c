/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MapTest {
    private BpfObject obj;

    @BeforeEach
    void load() {
        Kernel.requireBpf();
        obj = BpfObject.openResource(ObjectTest.CORE).load();
    }

    @AfterEach
    void close() {
        if (obj != null) {
            obj.close();
        }
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    @Test
    void byteArrayCrudAndMisses() {
        BpfMap counts = obj.map("counts");
        assertNull(counts.lookup(u32(7)), "a miss is null, not an exception");
        assertFalse(counts.lookup(u32(7), new byte[8]));
        assertFalse(counts.delete(u32(7)));

        counts.update(u32(7), u64(42));
        assertArrayEquals(u64(42), counts.lookup(u32(7)));
        assertTrue(counts.update(u32(7), u64(43), UpdateMode.EXIST), "EXIST on a present key writes");
        assertArrayEquals(u64(43), counts.lookup(u32(7)));

        assertFalse(counts.update(u32(7), u64(1), UpdateMode.NO_EXIST), "NO_EXIST on a present key is the answer false");
        assertArrayEquals(u64(43), counts.lookup(u32(7)), "and writes nothing");
        assertFalse(counts.update(u32(8), u64(1), UpdateMode.EXIST), "EXIST on an absent key is the answer false");
        assertNull(counts.lookup(u32(8)), "and creates nothing");
        assertTrue(counts.update(u32(8), u64(2), UpdateMode.NO_EXIST), "NO_EXIST on an absent key writes");
        assertArrayEquals(u64(2), counts.lookup(u32(8)));
        assertTrue(counts.delete(u32(8)));

        assertTrue(counts.delete(u32(7)));
        assertNull(counts.lookup(u32(7)));
    }

    @Test
    void byteBufferOpsOnDirectAndHeapBuffersKeepPositions() {
        BpfMap counts = obj.map("counts");
        ByteBuffer key = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        key.putInt(0, 0xdead).putInt(4, 3);
        key.position(4); // the key is the int at 4
        ByteBuffer value = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        value.putLong(8, 99).position(8);

        counts.update(key, value);
        assertEquals(4, key.position());
        assertEquals(8, value.position());

        ByteBuffer out = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        assertTrue(counts.lookup(key, out));
        assertEquals(99, out.getLong(0));
        ByteBuffer heapKey = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, 3);
        ByteBuffer heapOut = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        assertTrue(counts.lookup(heapKey, heapOut));
        assertEquals(99, heapOut.getLong(0));
        assertTrue(counts.delete(heapKey));
        assertFalse(counts.lookup(key, out));
    }

    @Test
    void wrongSizesAreCaughtBeforeTheSyscall() {
        BpfMap counts = obj.map("counts");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> counts.update(new byte[3], new byte[8]));
        assertTrue(e.getMessage().contains("has 3 bytes") && e.getMessage().contains("needs 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> counts.lookup(new byte[4], new byte[7]));
        assertThrows(IllegalArgumentException.class,
                () -> counts.lookup(ByteBuffer.allocate(4), ByteBuffer.allocate(8).asReadOnlyBuffer()));
        assertThrows(NullPointerException.class, () -> counts.lookup((byte[]) null));
    }

    @Test
    void keylessMapsTakeNoKey() {
        BpfMap fifo = obj.map("fifo");
        assertEquals(MapType.QUEUE, fifo.type());
        assertEquals(0, fifo.keySize());
        fifo.update((byte[]) null, u32(5));
        fifo.update(new byte[0], u32(6));
        byte[] head = new byte[4];
        assertTrue(fifo.lookup((byte[]) null, head), "peek");
        assertArrayEquals(u32(5), head);
    }

    /** Another thread moving a buffer's position must never send the kernel outside it. */
    @Test
    void racingPositionChangesNeverWriteOutsideTheBuffer() throws Exception {
        BpfMap counts = obj.map("counts");
        counts.update(u32(1), u64(0x1122334455667788L));
        ByteBuffer parent = ByteBuffer.allocateDirect(64);
        for (int i = 0; i < 64; i++) {
            parent.put(i, (byte) 0x41);
        }
        parent.limit(8);
        final ByteBuffer value = parent.slice(); // bytes 0..8 of parent
        parent.clear();
        final ByteBuffer key = ByteBuffer.wrap(u32(1));
        final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread mover = new Thread(() -> {
            while (!stop.get()) {
                value.position(8);
                value.position(0);
            }
        });
        mover.start();
        try {
            for (int i = 0; i < 200_000; i++) {
                try {
                    counts.lookup(key, value);
                } catch (IllegalArgumentException expected) {
                    // the position was 8 when read: no room, refused
                }
            }
        } finally {
            stop.set(true);
            mover.join();
        }
        for (int i = 8; i < 64; i++) {
            assertEquals(0x41, parent.get(i), "byte " + i + " outside the value buffer was written");
        }
    }

    @Test
    void mmapOfANonMmapableMapIsRefused() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> obj.map("counts").mmap());
        assertTrue(e.getMessage().contains("BPF_F_MMAPABLE"), e.getMessage());
    }

    @Test
    void mmapCapacityPadsValuesToEightBytes() {
        BpfMap shared = obj.map("shared");
        assertEquals(12, shared.valueSize());
        ByteBuffer buf = shared.mmap();
        assertEquals(4 * 16, buf.capacity());
        buf.put(0, (byte) 21);
        obj.program("bump_first_byte").testRun(new TestRun().dataIn(Kernel.packet(1, 2)));
        assertEquals(42, buf.get(16), "the program copied slot 0 into slot 1 (16 bytes on)");
    }

    @Test
    void globalDataIsSharedAndRodataIsReadOnly() {
        BpfMap bss = null;
        BpfMap rodata = null;
        for (BpfMap m : obj.maps()) {
            if (m.name().endsWith(".bss")) {
                bss = m;
            } else if (m.name().endsWith(".rodata")) {
                rodata = m;
            }
        }
        assertTrue(bss != null && rodata != null, obj.maps().toString());
        ByteBuffer runs = bss.mmap();
        assertEquals(0, runs.getLong(0));
        obj.program("bump_first_byte").testRun(new TestRun().dataIn(Kernel.packet(1, 2)).repeat(5));
        assertEquals(5, runs.getLong(0), "the program's counter in .bss");

        ByteBuffer ro = rodata.mmap();
        assertTrue(ro.isReadOnly(), "a frozen .rodata maps read-only");
        assertEquals(1, ro.getInt(0), "bump");
        assertThrows(ReadOnlyBufferException.class, () -> ro.putInt(0, 5));
    }

    @Test
    void perCpuValuesHaveOneSlotPerPossibleCpu() {
        BpfMap perCpu = obj.map("per_cpu");
        assertEquals(MapType.PERCPU_ARRAY, perCpu.type());
        int cpus = Runtime.getRuntime().availableProcessors();
        assertTrue(perCpu.valueBufferSize() >= 8 * cpus, "slots: " + perCpu.valueBufferSize());
        assertEquals(0, perCpu.valueBufferSize() % 8);
        obj.program("bump_first_byte").testRun(new TestRun().dataIn(Kernel.packet(1, 2)).repeat(3));
        ByteBuffer all = ByteBuffer.allocate(perCpu.valueBufferSize()).order(ByteOrder.nativeOrder());
        assertTrue(perCpu.lookup(ByteBuffer.allocate(4), all));
        long sum = 0;
        for (int i = 0; i < all.capacity(); i += 8) {
            sum += all.getLong(i);
        }
        assertEquals(3, sum, "three runs counted across the CPUs' slots");
    }
}
