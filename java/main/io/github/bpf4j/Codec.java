/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * How a Java value is laid out in a map's key or value: a fixed number of
 * bytes, because BPF maps have fixed key and value sizes. {@link TypedMap}
 * checks {@link #size()} against the map once, when the view is made.
 *
 * <p>Codecs work <em>relatively</em>, like ByteBuffer's relative get and
 * put: {@link #encode} writes exactly {@code size()} bytes at the buffer's
 * position and {@link #decode} reads them there, and both advance the
 * position by {@code size()}. So a struct codec can be built from field
 * codecs called one after the other. Buffers handed over by
 * {@link TypedMap} are in {@linkplain ByteOrder#nativeOrder() native byte
 * order}, as BPF programs read and write map memory in the host's order.
 *
 * <p>A codec is shared by every thread that uses its map: it must be
 * stateless (the built-in ones are). {@link TypedMap} never hands it null.
 *
 * <p>A C struct becomes a codec with {@link #of}; its lambdas see the
 * struct's bytes and nothing else, and padding they skip stays zero:
 *
 * <pre>{@code
 * // struct rec { __u32 a; __u16 b; __u8 c[6]; __u64 d; };  (4 bytes of padding before d: 24 bytes)
 * Codec<Rec> REC = Codec.of(24,
 *         (r, b) -> {
 *             b.putInt(r.a).putShort(r.b).put(r.c);       // offsets 0, 4, 6
 *             b.position(b.position() + 4);               // padding, left zero
 *             b.putLong(r.d);                             // offset 16
 *         },
 *         b -> {
 *             int a = b.getInt();
 *             short s = b.getShort();
 *             byte[] c = new byte[6];
 *             b.get(c);
 *             b.position(b.position() + 4);
 *             return new Rec(a, s, c, b.getLong());
 *         });
 * }</pre>
 *
 * @param <T> the Java type
 */
public interface Codec<T> {
    /** The bytes every encoded value takes: the map's key or value size. */
    int size();

    /**
     * Writes {@code value} as exactly {@link #size()} bytes at
     * {@code dst}'s position, which it advances by that much.
     *
     * @throws IllegalArgumentException if the value cannot be laid out in
     *     {@code size()} bytes (a string too long, an array of another length)
     * @throws BufferOverflowException if fewer than {@code size()} bytes remain
     */
    void encode(T value, ByteBuffer dst);

    /**
     * Reads a value from the {@link #size()} bytes at {@code src}'s position,
     * which it advances by that much.
     *
     * @throws BufferUnderflowException if fewer than {@code size()} bytes remain
     */
    T decode(ByteBuffer src);

    /** A {@code __s32} (or any 4 bytes, as their two's-complement bit pattern). */
    static Codec<Integer> int32() {
        return new Codec<Integer>() {
            @Override
            public int size() {
                return 4;
            }

            @Override
            public void encode(Integer value, ByteBuffer dst) {
                dst.putInt(value);
            }

            @Override
            public Integer decode(ByteBuffer src) {
                return src.getInt();
            }

            @Override
            public String toString() {
                return "Codec.int32()";
            }
        };
    }

    /**
     * A {@code __u32}, as a {@code Long} in [0, 2<sup>32</sup>) so that values
     * above {@code Integer.MAX_VALUE} read as the kernel means them. Use
     * {@link #int32()} to keep the raw bits in an {@code int}.
     *
     * <p>{@code encode} throws IllegalArgumentException for a value outside
     * that range rather than silently keeping its low 32 bits.
     */
    static Codec<Long> uint32() {
        return new Codec<Long>() {
            @Override
            public int size() {
                return 4;
            }

            @Override
            public void encode(Long value, ByteBuffer dst) {
                long v = value;
                if (v >>> 32 != 0) {
                    throw new IllegalArgumentException("Codec.uint32() holds 0 to 4294967295, not " + v);
                }
                dst.putInt((int) v);
            }

            @Override
            public Long decode(ByteBuffer src) {
                return src.getInt() & 0xffffffffL;
            }

            @Override
            public String toString() {
                return "Codec.uint32()";
            }
        };
    }

    /**
     * A {@code __s64}, or a {@code __u64} read as its bit pattern (use
     * {@link Long#toUnsignedString(long)} and friends for the unsigned view).
     */
    static Codec<Long> int64() {
        return new Codec<Long>() {
            @Override
            public int size() {
                return 8;
            }

            @Override
            public void encode(Long value, ByteBuffer dst) {
                dst.putLong(value);
            }

            @Override
            public Long decode(ByteBuffer src) {
                return src.getLong();
            }

            @Override
            public String toString() {
                return "Codec.int64()";
            }
        };
    }

    /**
     * An IEEE 754 {@code double}. BPF programs cannot compute with it, but can
     * store and copy what user space writes.
     */
    static Codec<Double> float64() {
        return new Codec<Double>() {
            @Override
            public int size() {
                return 8;
            }

            @Override
            public void encode(Double value, ByteBuffer dst) {
                dst.putDouble(value);
            }

            @Override
            public Double decode(ByteBuffer src) {
                return src.getDouble();
            }

            @Override
            public String toString() {
                return "Codec.float64()";
            }
        };
    }

    /**
     * Raw bytes, e.g. a {@code __u8[16]} address or a value bpf4j should not
     * interpret. {@code encode} takes arrays of exactly {@code size} bytes
     * only (a shorter array would leave part of the key undefined), and
     * {@code decode} returns a new array each time.
     */
    static Codec<byte[]> bytes(final int size) {
        if (size < 0) {
            throw new IllegalArgumentException("Codec.bytes(" + size + "): size must not be negative");
        }
        return new Codec<byte[]>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public void encode(byte[] value, ByteBuffer dst) {
                if (value.length != size) {
                    throw new IllegalArgumentException(this + " encodes exactly " + size + " bytes, got an array of "
                            + value.length);
                }
                dst.put(value);
            }

            @Override
            public byte[] decode(ByteBuffer src) {
                byte[] value = new byte[size];
                src.get(value);
                return value;
            }

            @Override
            public String toString() {
                return "Codec.bytes(" + size + ")";
            }
        };
    }

    /**
     * A C string in a {@code char[size]}: UTF-8 (so ASCII as itself), then NUL
     * bytes up to {@code size}, as {@code bpf_probe_read_str} and
     * {@code strncpy} leave it. A key must encode the same way every time,
     * so {@code encode} refuses, with IllegalArgumentException, a string that
     * would need truncating (its UTF-8 plus the NUL terminator exceed
     * {@code size}), that holds a NUL (it would end the string early) or an
     * unpaired surrogate (not UTF-8). {@code decode} stops at the first NUL,
     * or takes all {@code size} bytes if there is none, and replaces
     * malformed UTF-8 with U+FFFD.
     */
    static Codec<String> string(final int size) {
        if (size < 1) {
            throw new IllegalArgumentException("Codec.string(" + size + "): size must leave room for the NUL terminator");
        }
        return new Codec<String>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public void encode(String value, ByteBuffer dst) {
                int length = utf8Length(value);
                if (length >= size) {
                    String shown = value.length() <= 40 ? value : value.substring(0, 40) + "...";
                    throw new IllegalArgumentException("\"" + shown + "\" takes " + length + " bytes in UTF-8 plus"
                            + " a NUL terminator; " + this + " holds at most " + (size - 1));
                }
                if (dst.remaining() < size) {
                    throw new BufferOverflowException();
                }
                for (int i = 0; i < value.length(); i++) {
                    int c = value.charAt(i);
                    if (c < 0x80) {
                        dst.put((byte) c);
                    } else if (c < 0x800) {
                        dst.put((byte) (0xc0 | c >> 6));
                        dst.put((byte) (0x80 | c & 0x3f));
                    } else if (Character.isHighSurrogate((char) c)) {
                        c = Character.toCodePoint((char) c, value.charAt(++i));
                        dst.put((byte) (0xf0 | c >> 18));
                        dst.put((byte) (0x80 | c >> 12 & 0x3f));
                        dst.put((byte) (0x80 | c >> 6 & 0x3f));
                        dst.put((byte) (0x80 | c & 0x3f));
                    } else {
                        dst.put((byte) (0xe0 | c >> 12));
                        dst.put((byte) (0x80 | c >> 6 & 0x3f));
                        dst.put((byte) (0x80 | c & 0x3f));
                    }
                }
                for (int i = length; i < size; i++) {
                    dst.put((byte) 0);
                }
            }

            /** The UTF-8 length of a string we accept; throws for one we don't. */
            private int utf8Length(String value) {
                int length = 0;
                for (int i = 0; i < value.length(); i++) {
                    char c = value.charAt(i);
                    if (c == 0) {
                        throw new IllegalArgumentException("string for " + this + " holds a NUL at index " + i
                                + ", which would end it there");
                    } else if (c < 0x80) {
                        length += 1;
                    } else if (c < 0x800) {
                        length += 2;
                    } else if (Character.isHighSurrogate(c) && i + 1 < value.length()
                            && Character.isLowSurrogate(value.charAt(i + 1))) {
                        length += 4;
                        i++;
                    } else if (Character.isSurrogate(c)) {
                        throw new IllegalArgumentException("string for " + this + " has an unpaired surrogate at"
                                + " index " + i + ", which UTF-8 cannot encode");
                    } else {
                        length += 3;
                    }
                }
                return length;
            }

            @Override
            public String decode(ByteBuffer src) {
                if (src.remaining() < size) {
                    throw new BufferUnderflowException();
                }
                int start = src.position();
                int length = 0;
                while (length < size && src.get(start + length) != 0) {
                    length++;
                }
                String value;
                if (src.hasArray()) {
                    value = new String(src.array(), src.arrayOffset() + start, length, StandardCharsets.UTF_8);
                } else {
                    byte[] bytes = new byte[length];
                    src.get(bytes);
                    value = new String(bytes, StandardCharsets.UTF_8);
                }
                src.position(start + size);
                return value;
            }

            @Override
            public String toString() {
                return "Codec.string(" + size + ")";
            }
        };
    }

    /**
     * A codec for a struct (or anything else of a fixed size) from two
     * lambdas, as in the example above. What makes it safer than a hand-made
     * Codec: the encoder starts from {@code size} zero bytes, so padding and
     * fields it skips are zero (a hash map compares keys byte by byte,
     * padding included); each lambda sees a buffer whose limit is the end of
     * this value, so it cannot run into the next field; and afterwards the
     * position is just past the value and the byte order is restored, whatever
     * the lambda left. It allocates nothing beyond what the lambdas do.
     *
     * @param size the C type's {@code sizeof}, padding included
     * @param encoder writes the value's fields from the buffer's position
     * @param decoder reads them from the buffer's position
     */
    static <T> Codec<T> of(final int size, final BiConsumer<? super T, ByteBuffer> encoder,
            final Function<ByteBuffer, ? extends T> decoder) {
        if (size < 0) {
            throw new IllegalArgumentException("Codec.of(" + size + ", ...): size must not be negative");
        }
        if (encoder == null || decoder == null) {
            throw new NullPointerException("Codec.of needs an encoder and a decoder");
        }
        return new Codec<T>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public void encode(T value, ByteBuffer dst) {
                int start = dst.position();
                if (dst.remaining() < size) {
                    throw new BufferOverflowException();
                }
                int end = start + size;
                int i = start;
                for (; i + 8 <= end; i += 8) {
                    dst.putLong(i, 0);
                }
                for (; i < end; i++) {
                    dst.put(i, (byte) 0);
                }
                int limit = dst.limit();
                ByteOrder order = dst.order();
                dst.limit(end);
                try {
                    encoder.accept(value, dst);
                } finally {
                    dst.limit(limit);
                    dst.order(order);
                }
                dst.position(end);
            }

            @Override
            public T decode(ByteBuffer src) {
                int start = src.position();
                if (src.remaining() < size) {
                    throw new BufferUnderflowException();
                }
                int end = start + size;
                int limit = src.limit();
                ByteOrder order = src.order();
                src.limit(end);
                T value;
                try {
                    value = decoder.apply(src);
                } finally {
                    src.limit(limit);
                    src.order(order);
                }
                src.position(end);
                return value;
            }

            @Override
            public String toString() {
                return "Codec.of(" + size + ", ...)";
            }
        };
    }
}
