/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.nio.ByteBuffer;

/**
 * Turns a ByteBuffer into the (array, direct buffer, offset) triple the JNI
 * calls take, without allocating: a direct buffer is passed as itself, a
 * heap buffer as its backing array. Bounds are checked here, before native
 * code ever sees an offset.
 */
public final class Buffers {
    private Buffers() {}

    public static byte[] array(ByteBuffer b) {
        return b == null || b.isDirect() ? null : b.array();
    }

    public static ByteBuffer direct(ByteBuffer b) {
        return b != null && b.isDirect() ? b : null;
    }

    public static int offset(ByteBuffer b) {
        return b == null ? 0 : b.isDirect() ? b.position() : b.arrayOffset() + b.position();
    }

    /**
     * Checks that {@code b} has {@code needed} bytes from its position and can
     * be passed to native code. Messages are built only on failure: this runs
     * on every map operation.
     *
     * @param what e.g. "key buffer"
     * @param mapName the map it is for, or null
     */
    public static void check(String what, String mapName, ByteBuffer b, long needed, boolean written) {
        if (b == null) {
            throw new NullPointerException(describe(what, mapName) + " is null");
        }
        if (b.remaining() < needed) {
            throw new IllegalArgumentException(describe(what, mapName) + " has " + b.remaining()
                    + " bytes remaining, needs " + needed);
        }
        if (written && b.isReadOnly()) {
            throw new IllegalArgumentException(describe(what, mapName) + " is read-only but the call writes into it");
        }
        if (!b.isDirect() && !b.hasArray()) {
            throw new IllegalArgumentException(describe(what, mapName) + " is a read-only heap buffer, which native"
                    + " code cannot reach; use a direct ByteBuffer or a byte[]");
        }
    }

    public static void check(String what, String mapName, byte[] a, long needed) {
        if (a == null) {
            throw new NullPointerException(describe(what, mapName) + " is null");
        }
        if (a.length < needed) {
            throw new IllegalArgumentException(describe(what, mapName) + " has " + a.length + " bytes, needs " + needed);
        }
    }

    private static String describe(String what, String mapName) {
        return mapName == null ? what : what + " of map '" + mapName + "'";
    }
}
