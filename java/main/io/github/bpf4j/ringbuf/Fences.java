/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.ringbuf;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;

/**
 * Acquire and release fences around plain accesses of mapped ring memory, on
 * JDK 8 to 25 without a JDK 9 API at compile time: {@code VarHandle.acquireFence}
 * / {@code releaseFence} where they exist (JDK 9+, no warning on JDK 23+ where
 * sun.misc.Unsafe's memory methods warn), else {@code Unsafe.loadFence} /
 * {@code storeFence} (JDK 8). Both are intrinsics: {@code static final} method
 * handles fold into the caller when JIT-compiled.
 *
 * <p>Acquire after a load = LoadLoad|LoadStore; release before a store =
 * LoadStore|StoreStore: what the kernel's smp_load_acquire/smp_store_release
 * pair with. x86_64 (TSO) orders those already, so the fences only stop the
 * compiler; arm64 gets {@code dmb ishld} / {@code dmb ish}.
 */
final class Fences {
    private static final MethodHandle ACQUIRE;
    private static final MethodHandle RELEASE;

    static {
        MethodHandle acquire;
        MethodHandle release;
        MethodType noArgs = MethodType.methodType(void.class);
        try {
            Class<?> varHandle = Class.forName("java.lang.invoke.VarHandle");
            acquire = MethodHandles.publicLookup().findStatic(varHandle, "acquireFence", noArgs);
            release = MethodHandles.publicLookup().findStatic(varHandle, "releaseFence", noArgs);
        } catch (ReflectiveOperationException jdk8) {
            try {
                Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
                Field f = unsafeClass.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                Object unsafe = f.get(null);
                acquire = MethodHandles.lookup().findVirtual(unsafeClass, "loadFence", noArgs).bindTo(unsafe);
                release = MethodHandles.lookup().findVirtual(unsafeClass, "storeFence", noArgs).bindTo(unsafe);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
        ACQUIRE = acquire;
        RELEASE = release;
    }

    private Fences() {}

    static void acquire() {
        try {
            ACQUIRE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static void release() {
        try {
            RELEASE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
