/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An element call reads and writes only the bytes its operand's position and
 * limit frame, on the direct-buffer fast path (native code reads only the
 * address there, trusting Java's one reading of position and limit) and on
 * the heap path (native code no longer re-reads the array length): every
 * frame sits between guard bytes in a larger buffer, which must come out
 * untouched, also while another thread moves the frame.
 */
class MapOperandFrameTest {
    private static final byte GUARD = (byte) 0xA5;
    private static final long VALUE = 0x1122334455667788L;
    private static final int KEY = 7;

    private BpfMap map;

    @BeforeEach
    void create() {
        Kernel.requireBpf();
        map = BpfMap.create(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(4).name("frames"));
        ByteBuffer key = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putInt(0, KEY);
        ByteBuffer value = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, VALUE);
        map.update(key, value);
    }

    @AfterEach
    void close() {
        if (map != null) {
            map.close();
        }
    }

    private static ByteBuffer guarded(boolean direct) {
        ByteBuffer b = (direct ? ByteBuffer.allocateDirect(64) : ByteBuffer.allocate(64)).order(ByteOrder.nativeOrder());
        for (int i = 0; i < 64; i++) {
            b.put(i, GUARD);
        }
        return b;
    }

    private static ByteBuffer frame(ByteBuffer area, int position, int limit) {
        ByteBuffer d = area.duplicate().order(ByteOrder.nativeOrder());
        d.limit(limit).position(position);
        return d;
    }

    /** Bytes outside [from, to) are all guard bytes; returns how many bytes inside are not. */
    private static int assertGuardsOutside(ByteBuffer area, int from, int to) {
        int written = 0;
        for (int i = 0; i < area.capacity(); i++) {
            if (i >= from && i < to) {
                written += area.get(i) != GUARD ? 1 : 0;
            } else {
                assertEquals(GUARD, area.get(i), "guard byte " + i + " outside the frame [" + from + ", " + to + ")");
            }
        }
        return written;
    }

    private ByteBuffer key(boolean direct) {
        ByteBuffer area = guarded(direct);
        area.putInt(8, KEY);
        return frame(area, 8, 12);
    }

    @Test
    void aFramedValueIsWrittenInPlaceAndNowhereElse() {
        for (boolean direct : new boolean[] {true, false}) {
            ByteBuffer area = guarded(direct);
            assertTrue(map.lookup(key(direct), frame(area, 24, 32)));
            assertEquals(VALUE, area.getLong(24), direct ? "direct" : "heap");
            assertEquals(8, assertGuardsOutside(area, 24, 32));
        }
    }

    @Test
    void aWrongRemainingSizeIsRefusedAndTouchesNothing() {
        for (boolean direct : new boolean[] {true, false}) {
            ByteBuffer area = guarded(direct);
            assertThrows(IllegalArgumentException.class, () -> map.lookup(key(direct), frame(area, 24, 33)));
            assertThrows(IllegalArgumentException.class, () -> map.lookup(key(direct), frame(area, 24, 31)));
            assertThrows(IllegalArgumentException.class, () -> map.lookup(frame(key(direct), 8, 13), frame(area, 24, 32)));
            assertThrows(IllegalArgumentException.class, () -> map.delete(frame(guarded(direct), 0, 3)));
            assertEquals(0, assertGuardsOutside(area, 0, 0));
        }
    }

    @Test
    void aReadOnlyBufferIsRefusedAsOutputAndReadAsInput() {
        ByteBuffer area = guarded(true);
        ByteBuffer readOnly = frame(area, 24, 32).asReadOnlyBuffer();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> map.lookup(key(true), readOnly));
        assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        assertEquals(0, assertGuardsOutside(area, 0, 0));

        ByteBuffer input = guarded(true);
        input.putLong(40, VALUE + 1);
        map.update(key(true).asReadOnlyBuffer(), frame(input, 40, 48).asReadOnlyBuffer());
        ByteBuffer out = guarded(true);
        assertTrue(map.lookup(key(true), frame(out, 24, 32)));
        assertEquals(VALUE + 1, out.getLong(24));
        assertEquals(8, assertGuardsOutside(out, 24, 32));
    }

    @Test
    void slicesAndDuplicatesWithANonZeroPositionWriteTheirOwnFrame() {
        for (boolean direct : new boolean[] {true, false}) {
            ByteBuffer area = guarded(direct);
            // A slice starting at 16 whose frame [8, 16) is area's [24, 32).
            ByteBuffer slice = frame(area, 16, 48).slice();
            slice.limit(16).position(8);
            ByteBuffer keySlice = frame(key(direct), 4, 16).slice(); // key at the slice's 4..8
            keySlice.limit(8).position(4);
            assertTrue(map.lookup(keySlice, slice));
            assertEquals(VALUE, area.order(ByteOrder.nativeOrder()).getLong(24), direct ? "direct" : "heap");
            assertEquals(8, assertGuardsOutside(area, 24, 32));
            assertEquals(8, slice.position(), "the call leaves the position alone");
            assertEquals(16, slice.limit());
        }
    }

    /**
     * Another thread flips the value buffer between two frames ([24, 32) and
     * [40, 48)) as fast as it can; a torn reading of position and limit must
     * be refused, and every lookup that runs writes one whole frame.
     */
    @Test
    void aPositionMovedByAnotherThreadNeverSendsTheKernelOutsideAFrame() throws InterruptedException {
        for (boolean direct : new boolean[] {true, false}) {
            ByteBuffer area = guarded(direct);
            ByteBuffer value = frame(area, 24, 32);
            ByteBuffer key = key(direct);
            AtomicBoolean stop = new AtomicBoolean();
            Thread mover = new Thread(() -> {
                while (!stop.get()) {
                    value.limit(48).position(40);
                    value.position(24).limit(32);
                }
            }, "frame-mover");
            mover.setDaemon(true);
            mover.start();
            int found = 0;
            int refused = 0;
            try {
                for (int i = 0; i < 200_000; i++) {
                    try {
                        if (map.lookup(key, value)) {
                            found++;
                        }
                    } catch (IllegalArgumentException torn) {
                        refused++;
                    }
                }
            } finally {
                stop.set(true);
                mover.join();
            }
            String form = direct ? "direct" : "heap";
            assertEquals(200_000, found + refused, form);
            assertTrue(found > 0, form + ": no lookup ran (" + refused + " refused)");
            for (int i = 0; i < 64; i++) {
                boolean inFrame = (i >= 24 && i < 32) || (i >= 40 && i < 48);
                if (!inFrame) {
                    assertEquals(GUARD, area.get(i), form + ": guard byte " + i);
                }
            }
            for (int start : new int[] {24, 40}) {
                long v = area.order(ByteOrder.nativeOrder()).getLong(start);
                assertTrue(v == VALUE || v == 0xA5A5A5A5A5A5A5A5L,
                        form + ": frame at " + start + " holds " + Long.toHexString(v) + ", neither guard nor value");
            }
        }
    }
}
