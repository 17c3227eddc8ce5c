/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TypedMapTest {
    private static final String TYPED = "bpf/typed_test.bpf.o";

    /** test-bpf/typed_test.bpf.c's {@code struct rec}: a at 0, b at 4, c at 6..12, padding, d at 16; 24 bytes. */
    static final class Rec {
        final int a;
        final short b;
        final byte[] c;
        final long d;

        Rec(int a, short b, byte[] c, long d) {
            this.a = a;
            this.b = b;
            this.c = c;
            this.d = d;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Rec)) {
                return false;
            }
            Rec r = (Rec) o;
            return a == r.a && b == r.b && Arrays.equals(c, r.c) && d == r.d;
        }

        @Override
        public int hashCode() {
            return a;
        }

        @Override
        public String toString() {
            return "Rec[" + a + ", " + b + ", " + Arrays.toString(c) + ", " + d + "]";
        }
    }

    static final Codec<Rec> REC = Codec.of(24,
            (r, b) -> {
                b.putInt(r.a).putShort(r.b).put(r.c);
                b.position(b.position() + 4); // padding
                b.putLong(r.d);
            },
            b -> {
                int a = b.getInt();
                short s = b.getShort();
                byte[] c = new byte[6];
                b.get(c);
                b.position(b.position() + 4);
                return new Rec(a, s, c, b.getLong());
            });

    private static BpfObject load() {
        Kernel.requireBpf();
        return BpfObject.openResource(TYPED).load();
    }

    private static void run(BpfObject obj) {
        obj.program("typed_prog").testRun(new TestRun().dataIn(new byte[64]));
    }

    private static ByteBuffer nativeBuffer(int size, boolean direct) {
        return (direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size)).order(ByteOrder.nativeOrder());
    }

    /** Encodes at offset 3 of a direct and a heap buffer; checks the position moved by size() and the value comes back. */
    private static <T> byte[] roundTrip(Codec<T> codec, T value) {
        byte[] bytes = null;
        for (boolean direct : new boolean[] {true, false}) {
            ByteBuffer b = nativeBuffer(codec.size() + 8, direct);
            b.position(3);
            codec.encode(value, b);
            assertEquals(3 + codec.size(), b.position(), codec + " encode advances by size()");
            b.position(3);
            T back = codec.decode(b);
            assertEquals(3 + codec.size(), b.position(), codec + " decode advances by size()");
            if (value instanceof byte[]) {
                assertArrayEquals((byte[]) value, (byte[]) back);
            } else {
                assertEquals(value, back, codec.toString());
            }
            bytes = new byte[codec.size()];
            b.position(3);
            b.get(bytes);
        }
        return bytes;
    }

    // ---- codecs alone: no kernel needed

    @Test
    void everyBuiltInCodecRoundTripsInNativeOrder() {
        assertArrayEquals(nativeBuffer(4, false).putInt(0, -2).array(), roundTrip(Codec.int32(), -2));
        assertEquals(Integer.MIN_VALUE, (int) roundTripValue(Codec.int32(), Integer.MIN_VALUE));
        assertArrayEquals(nativeBuffer(8, false).putLong(0, 0x0102030405060708L).array(),
                roundTrip(Codec.int64(), 0x0102030405060708L));
        roundTrip(Codec.int64(), Long.MIN_VALUE);
        assertArrayEquals(nativeBuffer(8, false).putDouble(0, Math.PI).array(), roundTrip(Codec.float64(), Math.PI));
        roundTrip(Codec.float64(), Double.NaN);
        roundTrip(Codec.float64(), -0.0);
        roundTrip(Codec.uint32(), 0L);
        roundTrip(Codec.uint32(), 0xffffffffL);
        roundTrip(Codec.bytes(5), new byte[] {1, 2, 3, 4, 5});
        roundTrip(Codec.bytes(0), new byte[0]);
        roundTrip(Codec.string(16), "");
        roundTrip(Codec.string(16), "fifteen chars!!");
        roundTrip(Codec.string(16), "gr\u00fc\u00dfe, \u4e16\u754c");
        roundTrip(Codec.string(5), "\uD83D\uDE00"); // one code point, four bytes of UTF-8
        roundTrip(REC, new Rec(1, (short) -1, new byte[] {9, 8, 7, 6, 5, 4}, -3));
    }

    private static <T> T roundTripValue(Codec<T> codec, T value) {
        ByteBuffer b = nativeBuffer(codec.size(), true);
        codec.encode(value, b);
        b.flip();
        return codec.decode(b);
    }

    @Test
    void uint32IsUnsignedAndRefusesValuesOutsideItsRange() {
        ByteBuffer b = nativeBuffer(4, false);
        b.putInt(0, -1);
        assertEquals(4294967295L, (long) Codec.uint32().decode(b));
        for (long bad : new long[] {-1L, 1L << 32}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Codec.uint32().encode(bad, nativeBuffer(4, false)));
            assertTrue(e.getMessage().contains(Long.toString(bad)) && e.getMessage().contains("4294967295"),
                    e.getMessage());
        }
    }

    @Test
    void bytesRefusesArraysOfAnotherLength() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Codec.bytes(16).encode(new byte[5], nativeBuffer(16, false)));
        assertTrue(e.getMessage().contains("exactly 16") && e.getMessage().contains("of 5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Codec.bytes(16).encode(new byte[17], nativeBuffer(32, false)));
    }

    @Test
    void stringsAreNulPaddedAndThoseThatDoNotFitAreRefused() {
        byte[] encoded = roundTrip(Codec.string(8), "abc");
        assertArrayEquals(new byte[] {'a', 'b', 'c', 0, 0, 0, 0, 0}, encoded);

        IllegalArgumentException full = assertThrows(IllegalArgumentException.class,
                () -> Codec.string(16).encode("0123456789abcdef", nativeBuffer(16, false)));
        assertTrue(full.getMessage().contains("16 bytes") && full.getMessage().contains("at most 15"), full.getMessage());
        // 8 x u-umlaut is 16 bytes of UTF-8: no room for the NUL; 7 fit.
        assertThrows(IllegalArgumentException.class, () -> Codec.string(16).encode("\u00fc\u00fc\u00fc\u00fc\u00fc\u00fc\u00fc\u00fc", nativeBuffer(16, false)));
        roundTrip(Codec.string(16), "\u00fc\u00fc\u00fc\u00fc\u00fc\u00fc\u00fc");
        IllegalArgumentException nul = assertThrows(IllegalArgumentException.class,
                () -> Codec.string(16).encode("a\0b", nativeBuffer(16, false)));
        assertTrue(nul.getMessage().contains("NUL at index 1"), nul.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Codec.string(16).encode("\uD800x", nativeBuffer(16, false)));
        assertThrows(IllegalArgumentException.class, () -> Codec.string(0));
    }

    @Test
    void stringDecodingStopsAtTheFirstNulOrTakesEverything() {
        for (boolean direct : new boolean[] {true, false}) {
            ByteBuffer b = nativeBuffer(8, direct);
            b.put("ab\0cd\0\0\0".getBytes(StandardCharsets.US_ASCII)).flip();
            assertEquals("ab", Codec.string(8).decode(b));
            assertEquals(8, b.position());
            b.clear();
            b.put("12345678".getBytes(StandardCharsets.US_ASCII)).flip();
            assertEquals("12345678", Codec.string(8).decode(b), "no NUL: all eight bytes");
            b.clear();
            b.put(new byte[] {'x', (byte) 0xff, 0, 0, 0, 0, 0, 0}).flip();
            assertEquals("x\uFFFD", Codec.string(8).decode(b), "malformed UTF-8 is replaced");
        }
    }

    @Test
    void structCodecsZeroTheirPaddingAndStayInsideTheirBytes() {
        ByteBuffer b = nativeBuffer(40, false);
        for (int i = 0; i < 40; i++) {
            b.put(i, (byte) 0x41);
        }
        b.position(8);
        REC.encode(new Rec(-1, (short) -1, new byte[] {-1, -1, -1, -1, -1, -1}, -1), b);
        assertEquals(32, b.position());
        for (int i = 0; i < 40; i++) {
            byte expected = i < 8 || i >= 32 ? 0x41 : i >= 8 + 12 && i < 8 + 16 ? 0 : (byte) 0xff;
            assertEquals(expected, b.get(i), "byte " + i);
        }

        Codec<Long> greedy = Codec.of(4, (v, buf) -> buf.putLong(v), buf -> buf.getLong());
        assertThrows(BufferOverflowException.class, () -> greedy.encode(1L, nativeBuffer(16, false)),
                "an encoder cannot write past its size");
        ByteBuffer wide = nativeBuffer(16, false);
        assertThrows(java.nio.BufferUnderflowException.class, () -> greedy.decode(wide),
                "nor a decoder read past it");
        assertEquals(16, wide.limit(), "the limit is restored");

        Codec<Integer> bigEndian = Codec.of(8, (v, buf) -> buf.order(ByteOrder.BIG_ENDIAN).putInt(v),
                buf -> buf.order(ByteOrder.BIG_ENDIAN).getInt());
        ByteBuffer out = nativeBuffer(8, false);
        bigEndian.encode(0x01020304, out);
        assertEquals(ByteOrder.nativeOrder(), out.order(), "the byte order is restored");
        assertEquals(8, out.position(), "the position ends after size() whatever the lambda did");
        assertArrayEquals(new byte[] {1, 2, 3, 4, 0, 0, 0, 0}, out.array());
        out.flip();
        assertEquals(0x01020304, (int) bigEndian.decode(out));
        assertEquals(ByteOrder.nativeOrder(), out.order());
    }

    // ---- views over the kernel's maps

    @Test
    void javaAndTheProgramReadEachOthersNumbers() {
        try (BpfObject obj = load()) {
            TypedMap<Integer, Long> m = TypedMap.of(obj.map("u32_u64"), Codec.int32(), Codec.int64());
            assertSame(obj.map("u32_u64"), m.map());
            assertNull(m.get(1));
            assertFalse(m.containsKey(1));
            m.put(1, 41L);
            assertTrue(m.containsKey(1));
            run(obj);
            assertEquals(42L, (long) m.get(2), "the program read Java's 41 and wrote 41 + 1");
            assertEquals(0x1122334455667788L, (long) m.get(7), "the program's marker");
            assertTrue(m.remove(7));
            assertFalse(m.remove(7));
            assertNull(m.get(7));
        }
    }

    @Test
    void structValuesUnderStringKeysCrossTheKernelBoundary() {
        try (BpfObject obj = load()) {
            TypedMap<String, Rec> byName = TypedMap.of(obj.map("by_name"), Codec.string(16), REC);
            Rec sent = new Rec(41, (short) 0xfffe, new byte[] {0, 1, 2, 3, 4, (byte) 0xff}, 1L << 40);
            byName.put("from java", sent);
            assertEquals(sent, byName.get("from java"));
            run(obj);
            Rec back = byName.get("from bpf");
            assertEquals(new Rec(42, (short) 0xffff, new byte[] {-1, -2, -3, -4, -5, 0}, 1L << 41), back,
                    "the program read every field at its C offset and wrote its answer likewise");

            // The same bytes, uninterpreted: the key is NUL-padded and the padding is zero.
            TypedMap<byte[], byte[]> raw = TypedMap.of(obj.map("by_name"), Codec.bytes(16), Codec.bytes(24));
            byte[] key = Arrays.copyOf("from java".getBytes(StandardCharsets.US_ASCII), 16);
            byte[] value = raw.get(key);
            ByteBuffer v = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
            assertEquals(41, v.getInt(0));
            assertEquals((short) 0xfffe, v.getShort(4));
            assertEquals(0, v.getInt(12), "padding");
            assertEquals(1L << 40, v.getLong(16));
        }
    }

    @Test
    void unsignedArrayValuesAndArraySemantics() {
        try (BpfObject obj = load()) {
            TypedMap<Integer, Long> small = TypedMap.of(obj.map("small"), Codec.int32(), Codec.uint32());
            assertEquals(0L, (long) small.get(3), "array elements always exist, zeroed");
            run(obj);
            assertEquals(4000000000L, (long) small.get(3), "above Integer.MAX_VALUE, read as the kernel means it");
            small.put(4, 0xffffffffL);
            assertEquals(0xffffffffL, (long) small.get(4));
            assertTrue(small.containsKey(7));
            assertFalse(small.containsKey(8), "past max_entries");
            assertFalse(small.putIfAbsent(5, 1L), "every index of an array is present");
            assertTrue(small.replace(5, 1L));
            BpfException noDelete = assertThrows(BpfException.class, () -> small.remove(0));
            assertEquals("EINVAL", noDelete.errnoName());
            BpfException outOfRange = assertThrows(BpfException.class, () -> small.put(8, 1L));
            assertEquals("E2BIG", outOfRange.errnoName());
        }
    }

    @Test
    void doublesAndRawBytesRoundTripThroughTheKernel() {
        try (BpfObject obj = load()) {
            TypedMap<Long, Double> doubles = TypedMap.of(obj.map("u64_u64"), Codec.int64(), Codec.float64());
            doubles.put(-1L, Math.E);
            doubles.put(Long.MAX_VALUE, Double.NEGATIVE_INFINITY);
            assertEquals(Math.E, doubles.get(-1L), 0.0);
            assertEquals(Double.NEGATIVE_INFINITY, doubles.get(Long.MAX_VALUE), 0.0);
            TypedMap<byte[], byte[]> raw = TypedMap.of(obj.map("u64_u64"), Codec.bytes(8), Codec.bytes(8));
            byte[] key = nativeBuffer(8, false).putLong(0, -1L).array();
            assertArrayEquals(nativeBuffer(8, false).putDouble(0, Math.E).array(), raw.get(key));
            raw.put(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, new byte[] {8, 7, 6, 5, 4, 3, 2, 1});
            assertArrayEquals(new byte[] {8, 7, 6, 5, 4, 3, 2, 1}, raw.get(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
            assertThrows(IllegalArgumentException.class, () -> raw.get(new byte[7]));
        }
    }

    @Test
    void putIfAbsentAndReplaceTellWhetherTheyWrote() {
        try (BpfObject obj = load()) {
            TypedMap<Integer, Long> m = TypedMap.of(obj.map("u32_u64"), Codec.int32(), Codec.int64());
            assertFalse(m.replace(3, 1L), "absent: nothing replaced");
            assertNull(m.get(3));
            assertTrue(m.putIfAbsent(3, 1L));
            assertFalse(m.putIfAbsent(3, 2L), "present: left alone");
            assertEquals(1L, (long) m.get(3));
            assertTrue(m.replace(3, 3L));
            assertEquals(3L, (long) m.get(3));
            m.put(3, 4L);
            assertEquals(4L, (long) m.get(3));
        }
    }

    @Test
    void codecsThatDoNotFitTheMapAreRefusedNamingBothSizes() {
        try (BpfObject obj = load()) {
            BpfMap m = obj.map("u32_u64");
            IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                    () -> TypedMap.of(m, Codec.int64(), Codec.int64()));
            assertTrue(key.getMessage().contains("Codec.int64() takes 8 bytes")
                    && key.getMessage().contains("'u32_u64' (HASH) has 4-byte keys"), key.getMessage());
            IllegalArgumentException value = assertThrows(IllegalArgumentException.class,
                    () -> TypedMap.of(m, Codec.int32(), Codec.int32()));
            assertTrue(value.getMessage().contains("takes 4 bytes") && value.getMessage().contains("8-byte values"),
                    value.getMessage());
            assertThrows(IllegalArgumentException.class, () -> TypedMap.of(obj.map("by_name"), Codec.string(15), REC));
            assertThrows(IllegalArgumentException.class,
                    () -> TypedMap.of(obj.map("by_name"), Codec.string(16), Codec.bytes(20)));
            assertThrows(IllegalArgumentException.class, () -> TypedMap.perCpu(m, Codec.int32(), Codec.int64()),
                    "perCpu of a map that is not per-CPU");
        }
    }

    @Test
    void perCpuMapsAreRefusedByOfAndSplitByPerCpu() {
        try (BpfObject obj = load()) {
            BpfMap perCpu = obj.map("per_cpu");
            int cpus = perCpu.valueBufferSize() / 8;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TypedMap.of(perCpu, Codec.int32(), Codec.int64()));
            assertTrue(e.getMessage().contains("per-CPU") && e.getMessage().contains(perCpu.valueBufferSize() + " bytes")
                    && e.getMessage().contains(cpus + " possible CPUs") && e.getMessage().contains("TypedMap.perCpu"),
                    e.getMessage());
            IllegalArgumentException primitive = assertThrows(IllegalArgumentException.class,
                    () -> TypedMap.primitive(perCpu));
            assertTrue(primitive.getMessage().contains("per-CPU"), primitive.getMessage());

            TypedMap<Integer, List<Long>> counts = TypedMap.perCpu(perCpu, Codec.int32(), Codec.int64());
            List<Long> zeros = counts.get(0);
            assertEquals(cpus, zeros.size());
            List<Long> values = new ArrayList<Long>();
            for (int cpu = 0; cpu < cpus; cpu++) {
                values.add(1000L * cpu);
            }
            counts.put(1, values);
            assertEquals(values, counts.get(1));

            obj.program("typed_prog").testRun(new TestRun().dataIn(new byte[64]).repeat(5));
            long sum = 0;
            for (long v : counts.get(0)) {
                sum += v;
            }
            assertEquals(5, sum, "five runs counted across the CPUs' slots");

            IllegalArgumentException wrongLength = assertThrows(IllegalArgumentException.class,
                    () -> counts.put(0, Collections.nCopies(cpus + 1, 1L)));
            assertTrue(wrongLength.getMessage().contains("(" + cpus + "), not " + (cpus + 1)), wrongLength.getMessage());
            // A codec for the whole buffer is fine too: the raw per-CPU bytes.
            TypedMap<Integer, byte[]> raw = TypedMap.of(perCpu, Codec.int32(), Codec.bytes(perCpu.valueBufferSize()));
            assertEquals(perCpu.valueBufferSize(), raw.get(1).length);
        }
    }

    @Test
    void nullKeysAndValuesAreRefused() {
        try (BpfObject obj = load()) {
            TypedMap<Integer, Long> m = TypedMap.of(obj.map("u32_u64"), Codec.int32(), Codec.int64());
            assertThrows(NullPointerException.class, () -> m.get(null));
            assertThrows(NullPointerException.class, () -> m.put(1, null));
            assertThrows(NullPointerException.class, () -> m.put(null, 1L));
            assertThrows(NullPointerException.class, () -> TypedMap.of(obj.map("u32_u64"), null, Codec.int64()));
        }
    }

    @Test
    void viewsNeedALiveMap() {
        Kernel.requireBpf();
        try (BpfObject opened = BpfObject.openResource(TYPED)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> TypedMap.of(opened.map("u32_u64"), Codec.int32(), Codec.int64()));
            assertTrue(e.getMessage().contains("load()"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> TypedMap.primitive(opened.map("u32_u64")));
        }
        BpfObject obj = load();
        TypedMap<Integer, Long> m = TypedMap.of(obj.map("u32_u64"), Codec.int32(), Codec.int64());
        TypedMap.Primitive p = TypedMap.primitive(obj.map("u32_u64"));
        obj.close();
        assertThrows(IllegalStateException.class, () -> m.get(1));
        assertThrows(IllegalStateException.class, () -> p.getLong(1, 0));
        assertThrows(IllegalStateException.class, () -> TypedMap.of(obj.map("u32_u64"), Codec.int32(), Codec.int64()));
    }

    @Test
    void aCodecThatCallsIntoAMapDoesNotClobberTheCallInProgress() {
        try (BpfObject obj = load()) {
            TypedMap<Long, Long> plain = TypedMap.of(obj.map("u64_u64"), Codec.int64(), Codec.int64());
            plain.put(1L, 2L);
            plain.put(2L, 777L);
            // Decodes a value v as v * 1000 + map[v], reading v again after the nested lookup.
            Codec<Long> indirect = Codec.of(8, (v, b) -> b.putLong(v), b -> {
                Long other = plain.get(b.getLong(b.position()));
                return b.getLong() * 1000 + other;
            });
            TypedMap<Long, Long> chained = TypedMap.of(obj.map("u64_u64"), Codec.int64(), indirect);
            assertEquals(2777L, (long) chained.get(1L));
        }
    }

    @Test
    void threadsDoNotSeeEachOthersScratchBuffers() throws Exception {
        try (BpfObject obj = load()) {
            TypedMap<Integer, Long> m = TypedMap.of(obj.map("u32_u64"), Codec.int32(), Codec.int64());
            AtomicReference<Throwable> failure = new AtomicReference<Throwable>();
            List<Thread> threads = new ArrayList<Thread>();
            for (int t = 0; t < 4; t++) {
                final int base = t * 16;
                Thread thread = new Thread(() -> {
                    try {
                        for (int i = 0; i < 5_000; i++) {
                            int key = base + (i & 15);
                            long value = ((long) base << 32) | i;
                            m.put(key, value);
                            Long got = m.get(key);
                            if (got == null || got != value) {
                                throw new AssertionError("key " + key + ": put " + value + ", got " + got);
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                threads.add(thread);
                thread.start();
            }
            for (Thread thread : threads) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
        }
    }

    // ---- primitive views

    @Test
    void primitiveViewsAgreeWithTypedViews() {
        try (BpfObject obj = load()) {
            TypedMap.Primitive intLong = TypedMap.primitive(obj.map("u32_u64"));
            TypedMap<Integer, Long> intLongTyped = TypedMap.of(obj.map("u32_u64"), Codec.int32(), Codec.int64());
            assertEquals(-1L, intLong.getLong(5, -1L));
            intLong.putLong(5, Long.MIN_VALUE);
            assertEquals(Long.MIN_VALUE, (long) intLongTyped.get(5));
            assertEquals(Long.MIN_VALUE, intLong.getLong(5, -1L));
            intLong.putLong(1, 99L);
            run(obj);
            assertEquals(100L, intLong.getLong(2, -1L), "the program's answer");
            assertTrue(intLong.remove(5));
            assertFalse(intLong.remove(5));

            TypedMap.Primitive longLong = TypedMap.primitive(obj.map("u64_u64"));
            longLong.putLong(-7L, 7L);
            assertEquals(7L, longLong.getLong(-7L, 0L));
            assertEquals(0L, longLong.getLong(7L, 0L));
            assertTrue(longLong.remove(-7L));

            TypedMap.Primitive longInt = TypedMap.primitive(obj.map("u64_u32"));
            longInt.putInt(1L << 40, -5);
            assertEquals(-5, longInt.getInt(1L << 40, 0));
            assertEquals(42, longInt.getInt(1L, 42));

            TypedMap.Primitive intInt = TypedMap.primitive(obj.map("small"));
            run(obj);
            assertEquals(4000000000L, Integer.toUnsignedLong(intInt.getInt(3, 0)));
            intInt.putInt(6, 6);
            assertEquals(6, intInt.getInt(6, 0));
            assertEquals(-1, intInt.getInt(100, -1), "past max_entries: absent");
            assertSame(obj.map("small"), intInt.map());
        }
    }

    @Test
    void primitiveViewsRefuseShapesTheMapDoesNotHave() {
        try (BpfObject obj = load()) {
            IllegalArgumentException struct = assertThrows(IllegalArgumentException.class,
                    () -> TypedMap.primitive(obj.map("by_name")));
            assertTrue(struct.getMessage().contains("16-byte keys and 24-byte values"), struct.getMessage());

            TypedMap.Primitive intLong = TypedMap.primitive(obj.map("u32_u64"));
            IllegalArgumentException getInt = assertThrows(IllegalArgumentException.class, () -> intLong.getInt(1, 0));
            assertTrue(getInt.getMessage().contains("getInt(int, int) is for 4-byte keys and 4-byte values")
                    && getInt.getMessage().contains("4-byte keys and 8-byte values")
                    && getInt.getMessage().contains("use getLong(int, long)"), getInt.getMessage());
            IllegalArgumentException longKey = assertThrows(IllegalArgumentException.class,
                    () -> intLong.putLong(1L, 0L));
            assertTrue(longKey.getMessage().contains("use putLong(int, long)"), longKey.getMessage());
            IllegalArgumentException remove = assertThrows(IllegalArgumentException.class, () -> intLong.remove(1L));
            assertTrue(remove.getMessage().contains("use remove(int)"), remove.getMessage());
            assertThrows(IllegalArgumentException.class, () -> TypedMap.primitive(obj.map("small")).putLong(1, 1L));
        }
    }

    @Test
    void primitiveFastPathsAllocateNothing() {
        try (BpfObject obj = load()) {
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            TypedMap.Primitive intLong = TypedMap.primitive(obj.map("u32_u64"));
            TypedMap.Primitive longLong = TypedMap.primitive(obj.map("u64_u64"));
            TypedMap.Primitive longInt = TypedMap.primitive(obj.map("u64_u32"));
            TypedMap.Primitive intInt = TypedMap.primitive(obj.map("small"));
            long sink = 0;
            for (int i = 0; i < 20_000; i++) { // warm up: JIT and escape analysis
                sink += exercise(intLong, longLong, longInt, intInt, i);
            }
            long tid = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 10_000; i++) {
                sink += exercise(intLong, longLong, longInt, intInt, i);
            }
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            assertTrue(allocated < 10_000, "10,000 rounds of primitive gets, puts and removes allocated "
                    + allocated + " bytes");
            assertTrue(sink != 0);
        }
    }

    /** Small Integer/Long boxes are cached, so int32/int64 codecs allocate nothing: neither does the view then. */
    @Test
    void typedViewsAllocateOnlyWhatTheirCodecsDo() {
        try (BpfObject obj = load()) {
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            TypedMap<Integer, Long> m = TypedMap.of(obj.map("u32_u64"), Codec.int32(), Codec.int64());
            long sink = 0;
            for (int i = 0; i < 20_000; i++) {
                sink += typedRound(m, i);
            }
            long tid = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 10_000; i++) {
                sink += typedRound(m, i);
            }
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            assertTrue(allocated < 10_000, "10,000 typed puts, gets and removes allocated " + allocated + " bytes");
            assertTrue(sink != 0);
        }
    }

    private static long typedRound(TypedMap<Integer, Long> m, int i) {
        Integer key = i & 31;
        m.put(key, (long) (i & 127));
        long v = m.get(key);
        if ((i & 1) == 0) {
            m.remove(key);
        }
        return v + 1;
    }

    private static long exercise(TypedMap.Primitive intLong, TypedMap.Primitive longLong, TypedMap.Primitive longInt,
            TypedMap.Primitive intInt, int i) {
        int k = i & 31;
        intLong.putLong(k, i);
        long sum = intLong.getLong(k, -1L);
        longLong.putLong((long) k << 33, i);
        sum += longLong.getLong((long) k << 33, -1L);
        longInt.putInt((long) k, i);
        sum += longInt.getInt((long) k, -1);
        intInt.putInt(i & 7, i);
        sum += intInt.getInt(i & 7, -1);
        if ((i & 1) == 0) {
            intLong.remove(k);
            longLong.remove((long) k << 33);
        }
        return sum;
    }
}
