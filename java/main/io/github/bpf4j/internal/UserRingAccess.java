/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

/**
 * How {@code BpfMap.userRingBuffer()} reaches the package-private opener of
 * {@code io.github.bpf4j.ringbuf.UserRingBuffer} without a public constructor
 * (the JDK's SharedSecrets pattern): the ring buffer class registers its
 * opener when it is initialised, and {@link #opener()} initialises it.
 */
public final class UserRingAccess {
    /** Opens a producer over a USER_RINGBUF map; the caller holds the map's handle. */
    public interface Opener {
        Object open(Handle mapHandle, NativeOwner mapOwner, int fd, String name, int dataBytes);

        /** Whether a producer this opener made is still usable (not closed). */
        boolean isOpen(Object producer);
    }

    private static volatile Opener opener;

    private UserRingAccess() {}

    public static void register(Opener o) {
        opener = o;
    }

    public static Opener opener() {
        Opener o = opener;
        if (o == null) {
            try {
                Class.forName("io.github.bpf4j.ringbuf.UserRingBuffer", true, UserRingAccess.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new AssertionError("bpf4j: io.github.bpf4j.ringbuf.UserRingBuffer is missing", e);
            }
            o = opener;
        }
        return o;
    }
}
