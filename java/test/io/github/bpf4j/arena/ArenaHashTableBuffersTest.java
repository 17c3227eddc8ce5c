/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.arena;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.ArenaRegion;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.MapFlag;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lookup fast path (one buffer over the table, a fence instead of a
 * native atomic, a Java copy of the value) against the byte[] path, over
 * every kind of buffer a caller may pass; and ArenaRegion's small-copy path
 * against its native one.
 */
class ArenaHashTableBuffersTest {
    // Odd sizes: a key of two words and 4 bytes, a value of two words and 5 bytes.
    static final int KEY = 20;
    static final int VALUE = 21;
    private BpfMap map;
    private ArenaRegion region;
    private ArenaHashTable table;

    @BeforeEach
    void fill() {
        Kernel.assumeArenas();
        map = BpfMap.create(MapSpec.of(MapType.ARENA).maxEntries(64).flags(MapFlag.MMAPABLE).name("t_htab_buf"));
        region = map.arena().region();
        table = ArenaHashTable.init(region, 4096, 512, KEY, VALUE);
        for (int i = 0; i < 300; i++) {
            assertTrue(table.put(key(i), value(i)));
        }
    }

    @AfterEach
    void close() {
        if (map != null) {
            map.close();
        }
    }

    static byte[] key(int i) {
        byte[] k = new byte[KEY];
        new Random(i).nextBytes(k);
        return k;
    }

    static byte[] value(int i) {
        byte[] v = new byte[VALUE];
        new Random(~i).nextBytes(v);
        return v;
    }

    /** A buffer of n bytes framed at position 3 of a larger one, in the given form. */
    static ByteBuffer framed(boolean direct, ByteOrder order, byte[] content, int n) {
        ByteBuffer whole = direct ? ByteBuffer.allocateDirect(n + 7) : ByteBuffer.allocate(n + 7);
        whole.order(order);
        for (int i = 0; i < whole.capacity(); i++) {
            whole.put(i, (byte) 0xee);
        }
        if (content != null) {
            for (int i = 0; i < n; i++) {
                whole.put(3 + i, content[i]);
            }
        }
        whole.position(3).limit(3 + n);
        return whole;
    }

    /** A byte of the whole buffer, outside the frame too. */
    static byte whole(ByteBuffer b, int index) {
        ByteBuffer d = b.duplicate();
        d.clear();
        return d.get(index);
    }

    static byte[] frame(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get(b.position() + i);
        }
        return out;
    }

    @Test
    void everyBufferFormFindsWhatTheArrayPathFinds() {
        ByteOrder[] orders = {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN};
        for (int i = 0; i < 300; i += 7) {
            byte[] expected = table.get(key(i));
            assertArrayEquals(value(i), expected);
            for (boolean directKey : new boolean[] {true, false}) {
                for (boolean directValue : new boolean[] {true, false}) {
                    for (ByteOrder keyOrder : orders) {
                        for (ByteOrder valueOrder : orders) {
                            ByteBuffer k = framed(directKey, keyOrder, key(i), KEY);
                            ByteBuffer v = framed(directValue, valueOrder, null, VALUE);
                            String form = "key " + (directKey ? "direct " : "heap ") + keyOrder + ", value "
                                    + (directValue ? "direct " : "heap ") + valueOrder + ", entry " + i;
                            assertTrue(table.get(k, v), form);
                            assertArrayEquals(expected, frame(v), form);
                            assertEquals(3, v.position(), form);
                            assertEquals(3 + VALUE, v.limit(), form);
                            // The bytes around the frame are untouched.
                            assertEquals((byte) 0xee, whole(v, 2), form);
                            assertEquals((byte) 0xee, whole(v, 3 + VALUE), form);
                            assertTrue(table.get(k.asReadOnlyBuffer(), v), "read-only key, " + form);
                        }
                    }
                }
            }
        }
    }

    @Test
    void missesLeaveTheValueAloneAndKeysDifferingInTheLastByteMiss() {
        ByteBuffer v = framed(true, ByteOrder.nativeOrder(), null, VALUE);
        for (int i = 0; i < 300; i += 11) {
            byte[] k = key(i);
            k[KEY - 1] ^= 1; // only the partial last word differs
            assertFalse(table.get(framed(true, ByteOrder.nativeOrder(), k, KEY), v), "entry " + i);
            assertEquals(null, table.get(k));
        }
        for (int j = 0; j < VALUE; j++) {
            assertEquals((byte) 0xee, v.get(3 + j));
        }
    }

    @Test
    void refusesAReadOnlyValueAndAClosedArena() {
        ByteBuffer k = framed(true, ByteOrder.nativeOrder(), key(1), KEY);
        IllegalArgumentException readOnly = assertThrows(IllegalArgumentException.class,
                () -> table.get(k, ByteBuffer.allocateDirect(VALUE).asReadOnlyBuffer()));
        assertTrue(readOnly.getMessage().contains("read-only"), readOnly.getMessage());
        map.close();
        assertThrows(IllegalStateException.class, () -> table.get(k, ByteBuffer.allocateDirect(VALUE)));
    }

    @Test
    void regionSmallAndLargeCopiesAgree() {
        byte[] page = new byte[4096];
        new Random(42).nextBytes(page);
        region.put(0, page);
        for (int n : new int[] {0, 1, 7, 8, 9, 63, 64, 511, 512, 513, 4000}) {
            for (boolean direct : new boolean[] {true, false}) {
                for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
                    ByteBuffer dst = framed(direct, order, null, n);
                    region.get(5, dst);
                    byte[] expected = new byte[n];
                    System.arraycopy(page, 5, expected, 0, n);
                    String form = n + " bytes into a " + (direct ? "direct " : "heap ") + order + " buffer";
                    assertArrayEquals(expected, frame(dst), form);
                    assertEquals((byte) 0xee, whole(dst, 2), form);
                    assertEquals((byte) 0xee, whole(dst, 3 + n), form);
                    assertEquals(3, dst.position(), form);
                }
            }
        }
        assertThrows(IndexOutOfBoundsException.class, () -> region.get(region.size() - 8, ByteBuffer.allocate(16)));
    }
}
