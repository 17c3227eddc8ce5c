/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

/**
 * The bridge from {@code BpfMap.ringBuffer()} (package io.github.bpf4j, which
 * holds the map's handle, fd and owner) to the constructor of
 * {@code ringbuf.RingBuffer}, which is not public: the ringbuf package
 * installs its factory when its class initialises (after the JDK's
 * SharedSecrets), so no public constructor takes internal types.
 */
public final class RingAccess {
    private static final String RING_CLASS = "io.github.bpf4j.ringbuf.RingBuffer";

    /** What BpfMap hands over: the mappings it made (and its owner adopted), under its handle. */
    public interface Factory {
        Object open(String name, Handle mapHandle, int fd, int size, Mapping consumer, Mapping data);
    }

    private static volatile Factory factory;

    private RingAccess() {}

    /** Called once, by RingBuffer's static initialiser. */
    public static synchronized void install(Factory f) {
        if (factory != null || !f.getClass().getName().startsWith("io.github.bpf4j.ringbuf.")) {
            throw new IllegalStateException("RingAccess.install: only bpf4j's ringbuf package installs the factory");
        }
        factory = f;
    }

    /** A new RingBuffer over the mappings (returned as Object; the caller casts). */
    public static Object open(String name, Handle mapHandle, int fd, int size, Mapping consumer, Mapping data) {
        Factory f = factory;
        if (f == null) {
            try {
                Class.forName(RING_CLASS, true, RingAccess.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("bpf4j is incomplete: " + RING_CLASS + " is missing", e);
            }
            f = factory;
        }
        return f.open(name, mapHandle, fd, size, consumer, data);
    }
}
