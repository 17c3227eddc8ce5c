/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;

/**
 * Copies bytes between two buffers at absolute indexes, moving neither's
 * position, and allocating nothing: {@code ByteBuffer.put(int, ByteBuffer,
 * int, int)} where it exists (JDK 16+; a memcpy), found at run time so that
 * the library stays JDK 8 bytecode, else a loop of long moves. A JNI call
 * costs more than either for the small copies this is for (an arena table's
 * value, a mapped record), and duplicate() to use the relative bulk put
 * would allocate.
 */
public final class BulkCopy {
    private static final MethodHandle ABSOLUTE_PUT = absolutePut();

    private BulkCopy() {}

    private static MethodHandle absolutePut() {
        try {
            return MethodHandles.publicLookup().findVirtual(ByteBuffer.class, "put",
                    MethodType.methodType(ByteBuffer.class, int.class, ByteBuffer.class, int.class, int.class));
        } catch (ReflectiveOperationException | RuntimeException beforeJdk16) {
            return null;
        }
    }

    /**
     * {@code dst[to, to + n) = src[from, from + n)}; both buffers check the
     * range (IndexOutOfBoundsException), a read-only dst refuses
     * (ReadOnlyBufferException).
     */
    public static void copy(ByteBuffer src, int from, ByteBuffer dst, int to, int n) {
        if (ABSOLUTE_PUT != null) {
            try {
                ByteBuffer unused = (ByteBuffer) ABSOLUTE_PUT.invokeExact(dst, to, src, from, n);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            return;
        }
        boolean sameOrder = dst.order() == src.order();
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long word = src.getLong(from + i);
            dst.putLong(to + i, sameOrder ? word : Long.reverseBytes(word));
        }
        for (; i < n; i++) {
            dst.put(to + i, src.get(from + i));
        }
    }
}
