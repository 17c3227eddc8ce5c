/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.ringbuf;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;

/**
 * The memory fences of {@code sun.misc.Unsafe} (JDK 8+; jdk.unsupported on 9+,
 * not among the memory-access methods JDK 23 deprecated). The ring's
 * positions and headers are read and written through its mapped ByteBuffers
 * (bounds-checked, so a bug reads an exception, never a stray address);
 * aligned 4- and 8-byte accesses to a direct buffer compile to single loads
 * and stores, so they are never torn, and these fences order them:
 *
 * <ul>
 * <li>acquire = load, then {@link #acquire()} (LoadLoad|LoadStore): nothing
 *     read after the producer position or a record header is read before it;
 * <li>release = {@link #release()} (LoadStore|StoreStore), then store: every
 *     read of a record finishes before the consumer position gives its bytes
 *     back to the producer;
 * <li>{@link #full()} after that store (StoreLoad): the producer position is
 *     re-read only after the consumer position is visible, which the kernel's
 *     wake-up decision (a submit wakes only if consumer == its record) needs.
 * </ul>
 */
final class Fences {
    // Reached by reflection: javac --release 8 does not expose sun.misc. Static final method handles
    // are constants to the JIT, which inlines them down to the fence intrinsics.
    private static final MethodHandle LOAD;
    private static final MethodHandle STORE;
    private static final MethodHandle FULL;

    static {
        MethodHandle load = null;
        MethodHandle store = null;
        MethodHandle full = null;
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object u = f.get(null);
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            load = lookup.unreflect(c.getMethod("loadFence")).bindTo(u);
            store = lookup.unreflect(c.getMethod("storeFence")).bindTo(u);
            full = lookup.unreflect(c.getMethod("fullFence")).bindTo(u);
        } catch (ReflectiveOperationException | RuntimeException e) {
            load = null;
        }
        LOAD = load;
        STORE = store;
        FULL = full;
    }

    private Fences() {}

    static boolean available() {
        return LOAD != null;
    }

    static void acquire() {
        try {
            LOAD.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static void release() {
        try {
            STORE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static void full() {
        try {
            FULL.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
