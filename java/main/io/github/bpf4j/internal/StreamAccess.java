/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

/**
 * The bridge from {@code BpfMap} (package io.github.bpf4j, which holds the
 * map's handle, fd and owner) to the constructors of the event stream types
 * in {@code io.github.bpf4j.ringbuf}, which are not public: each type
 * installs its factory here when its class initialises (the JDK's
 * SharedSecrets pattern), so no public constructor takes internal types.
 * The getters initialise the class on first use.
 */
public final class StreamAccess {
    private static final String PACKAGE = "io.github.bpf4j.ringbuf.";

    /** {@code BpfMap.ringBuffer()}: the mappings BpfMap made (and its owner adopted), under its handle. */
    public interface RingFactory {
        Object open(String name, Handle mapHandle, int fd, int size, Mapping consumer, Mapping data);
    }

    /** {@code BpfMap.userRingBuffer()}: opens a producer; the caller holds the map's handle. */
    public interface UserRingFactory {
        Object open(Handle mapHandle, NativeOwner mapOwner, int fd, String name, int dataBytes);

        /** Whether a producer this factory made is still usable (not closed). */
        boolean isOpen(Object producer);
    }

    /** {@code BpfMap.perfBuffer()}: opens per-CPU perf rings; the caller holds the map's handle. */
    public interface PerfFactory {
        /** {@code map} is the public BpfMap (its fd entries are updated through it); {@code options} may be null. */
        Object open(Object map, Handle mapHandle, String name, int maxEntries, Object options);

        /** Whether a perf buffer this factory made is still open. */
        boolean isOpen(Object perfBuffer);

        /** Closes it (the map is closing). */
        void close(Object perfBuffer);
    }

    private static volatile RingFactory ring;
    private static volatile UserRingFactory userRing;
    private static volatile PerfFactory perf;

    private StreamAccess() {}

    /** Called once per type, by its static initialiser. */
    public static synchronized void install(Object factory) {
        if (!factory.getClass().getName().startsWith(PACKAGE)) {
            throw new IllegalStateException("StreamAccess.install: only bpf4j's ringbuf package installs factories");
        }
        if (factory instanceof RingFactory && ring == null) {
            ring = (RingFactory) factory;
        } else if (factory instanceof UserRingFactory && userRing == null) {
            userRing = (UserRingFactory) factory;
        } else if (factory instanceof PerfFactory && perf == null) {
            perf = (PerfFactory) factory;
        } else {
            throw new IllegalStateException("StreamAccess.install: " + factory.getClass().getName()
                    + " is installed already or of no known kind");
        }
    }

    public static RingFactory ring() {
        return ring != null ? ring : initialise("RingBuffer", () -> ring);
    }

    public static UserRingFactory userRing() {
        return userRing != null ? userRing : initialise("UserRingBuffer", () -> userRing);
    }

    public static PerfFactory perf() {
        return perf != null ? perf : initialise("PerfBuffer", () -> perf);
    }

    private interface Slot<T> {
        T get();
    }

    private static <T> T initialise(String type, Slot<T> slot) {
        try {
            Class.forName(PACKAGE + type, true, StreamAccess.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("bpf4j is incomplete: " + PACKAGE + type + " is missing", e);
        }
        return slot.get();
    }
}
