/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;

/**
 * Memory fences around plain accesses of memory shared with the kernel (ring
 * buffers, arenas), on JDK 8 to
 * 25 without a JDK 9 API at compile time: {@code VarHandle.acquireFence} /
 * {@code releaseFence} / {@code fullFence} where they exist (JDK 9+, no
 * warning on JDK 23+, where sun.misc.Unsafe's memory methods warn), else
 * {@code Unsafe.loadFence} / {@code storeFence} / {@code fullFence} (JDK 8).
 * All are intrinsics; {@code static final} method handles are constants to
 * the JIT, which inlines them down to the fence.
 *
 * <p>The positions and headers are read and written through the mapped
 * ByteBuffers (bounds-checked, so a bug reads an exception, never a stray
 * address); aligned 4- and 8-byte accesses to a direct buffer compile to
 * single loads and stores, so they are never torn, and these fences order
 * them, pairing with the kernel's smp_load_acquire / smp_store_release:
 *
 * <ul>
 * <li>acquire = load, then {@link #acquire()} (LoadLoad|LoadStore): nothing
 *     read after a position or a record header is read before it;
 * <li>release = {@link #release()} (LoadStore|StoreStore), then store: every
 *     access of a record finishes before the position that hands it over;
 * <li>{@link #full()} after a consumer-position store (StoreLoad): the
 *     producer position is re-read only after the consumer position is
 *     visible, which the kernel's wake-up decision needs.
 * </ul>
 *
 * <p>x86_64 (TSO) orders all but StoreLoad by itself, so acquire and release
 * only stop the compiler there; arm64 gets {@code dmb ishld} / {@code dmb ish}.
 */
public final class Fences {
    private static final MethodHandle ACQUIRE;
    private static final MethodHandle RELEASE;
    private static final MethodHandle FULL;

    static {
        MethodHandle acquire = null;
        MethodHandle release = null;
        MethodHandle full = null;
        MethodType noArgs = MethodType.methodType(void.class);
        try {
            Class<?> varHandle = Class.forName("java.lang.invoke.VarHandle");
            acquire = MethodHandles.publicLookup().findStatic(varHandle, "acquireFence", noArgs);
            release = MethodHandles.publicLookup().findStatic(varHandle, "releaseFence", noArgs);
            full = MethodHandles.publicLookup().findStatic(varHandle, "fullFence", noArgs);
        } catch (ReflectiveOperationException jdk8) {
            try {
                Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
                Field f = unsafeClass.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                Object unsafe = f.get(null);
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                acquire = lookup.findVirtual(unsafeClass, "loadFence", noArgs).bindTo(unsafe);
                release = lookup.findVirtual(unsafeClass, "storeFence", noArgs).bindTo(unsafe);
                full = lookup.findVirtual(unsafeClass, "fullFence", noArgs).bindTo(unsafe);
            } catch (ReflectiveOperationException | RuntimeException e) {
                acquire = release = full = null; // available() says so; the ring types refuse to open
            }
        }
        ACQUIRE = acquire;
        RELEASE = release;
        FULL = full;
    }

    private Fences() {}

    public static boolean available() {
        return ACQUIRE != null;
    }

    public static void acquire() {
        try {
            ACQUIRE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void release() {
        try {
            RELEASE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void full() {
        try {
            FULL.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
