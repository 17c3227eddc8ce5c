/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.nio.ByteBuffer;

/**
 * Turns a {@code byte[]} or a ByteBuffer into the (array, direct buffer,
 * offset) triple the JNI calls take, without allocating: a direct buffer is
 * passed as itself, a heap buffer as its backing array.
 *
 * <p>{@link #offset} reads the buffer's position and limit once and derives
 * the offset from that same reading, so another thread moving the position
 * cannot make a checked operand point elsewhere. (Native code checks the
 * bounds again against the real array or buffer size.)
 */
public final class Buffers {
    private Buffers() {}

    /** The array to pass: a byte[] itself, or a heap buffer's backing array; null for a direct buffer. */
    public static byte[] array(Object operand) {
        if (operand instanceof byte[]) {
            return (byte[]) operand;
        }
        ByteBuffer b = (ByteBuffer) operand;
        // A read-only heap buffer has no accessible array; start() refuses it with a message.
        return b == null || b.isDirect() || !b.hasArray() ? null : b.array();
    }

    /** The direct buffer to pass, or null. */
    public static ByteBuffer direct(Object operand) {
        if (operand instanceof ByteBuffer && ((ByteBuffer) operand).isDirect()) {
            return (ByteBuffer) operand;
        }
        return null;
    }

    /**
     * Checks that {@code operand} (a byte[] or ByteBuffer) is exactly
     * {@code needed} bytes (a byte[]'s length, a buffer's remaining bytes) and
     * returns where they start in what {@link #array} or {@link #direct}
     * return. Exact, not "at least": a longer operand would be silently cut to
     * a prefix. Messages are built only on failure: this runs on every map
     * operation.
     *
     * @param what e.g. "key"
     * @param mapName the map it is for, or null
     * @param written whether the call writes into the operand
     */
    public static int offset(String what, String mapName, Object operand, int needed, boolean written) {
        return offset(what, mapName, operand, needed, written, null);
    }

    /**
     * As {@link #offset(String, String, Object, int, boolean)}; {@code why}
     * (e.g. how a per-CPU size is made up) is appended to a size mismatch.
     */
    public static int offset(String what, String mapName, Object operand, int needed, boolean written, String why) {
        if (operand instanceof byte[]) {
            int length = ((byte[]) operand).length;
            if (length != needed) {
                throw new IllegalArgumentException(describe(what, mapName) + " has " + length + " bytes, needs "
                        + needed + (why == null ? "" : " (" + why + ")") + "; a byte[] must be exactly that size");
            }
            return 0;
        }
        if (operand == null) {
            throw new NullPointerException(describe(what, mapName) + " is null");
        }
        ByteBuffer b = (ByteBuffer) operand;
        int position = b.position();
        int limit = b.limit();
        if (position < 0 || limit - position != needed) {
            throw new IllegalArgumentException(describe(what, mapName) + " has " + (limit - position)
                    + " bytes remaining, needs " + needed + (why == null ? "" : " (" + why + ")")
                    + "; a buffer's position and limit must frame exactly that many bytes");
        }
        return start(what, mapName, b, position, written);
    }

    /** For output areas that may be larger than what is written (batch lookups): at least {@code needed} bytes. */
    public static int atLeast(String what, String mapName, ByteBuffer b, int needed, boolean written) {
        if (b == null) {
            throw new NullPointerException(describe(what, mapName) + " is null");
        }
        int position = b.position();
        int limit = b.limit();
        if (position < 0 || limit - position < needed) {
            throw new IllegalArgumentException(describe(what, mapName) + " has " + (limit - position)
                    + " bytes remaining, needs " + needed);
        }
        return start(what, mapName, b, position, written);
    }

    /** Where a buffer's byte at {@code position} is in what {@link #array} or {@link #direct} return. */
    public static int start(String what, String mapName, ByteBuffer b, int position, boolean written) {
        if (b.isDirect()) {
            if (written && b.isReadOnly()) {
                throw new IllegalArgumentException(describe(what, mapName) + " is read-only but the call writes into it");
            }
            return position;
        }
        if (b.isReadOnly() || !b.hasArray()) {
            throw new IllegalArgumentException(describe(what, mapName) + " is a read-only heap buffer, whose bytes"
                    + " native code cannot reach; pass a direct ByteBuffer (read-only is fine for input) or a byte[]");
        }
        return b.arrayOffset() + position;
    }

    private static String describe(String what, String mapName) {
        return mapName == null ? what : what + " of map '" + mapName + "'";
    }
}
