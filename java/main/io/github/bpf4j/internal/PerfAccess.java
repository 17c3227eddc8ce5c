/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

/**
 * How {@code BpfMap.perfBuffer()} reaches the package-private opener of
 * {@code io.github.bpf4j.ringbuf.PerfBuffer} (the JDK's SharedSecrets
 * pattern, as {@link RingAccess}): the perf buffer class registers its
 * opener when it is initialised, and {@link #opener()} initialises it.
 */
public final class PerfAccess {
    /** Opens a perf buffer over a PERF_EVENT_ARRAY map; the caller holds the map's handle. */
    public interface Opener {
        /** {@code map} is the public BpfMap (its fd entries are updated through it); {@code options} may be null. */
        Object open(Object map, Handle mapHandle, String name, int maxEntries, Object options);

        /** Whether a perf buffer this opener made is still open. */
        boolean isOpen(Object perfBuffer);

        /** Closes it (the map is closing). */
        void close(Object perfBuffer);
    }

    private static volatile Opener opener;

    private PerfAccess() {}

    /** Called once, by PerfBuffer's static initialiser. */
    public static synchronized void register(Opener o) {
        if (opener != null || !o.getClass().getName().startsWith("io.github.bpf4j.ringbuf.")) {
            throw new IllegalStateException("PerfAccess.register: only bpf4j's ringbuf package registers the opener");
        }
        opener = o;
    }

    public static Opener opener() {
        Opener o = opener;
        if (o == null) {
            try {
                Class.forName("io.github.bpf4j.ringbuf.PerfBuffer", true, PerfAccess.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("bpf4j is incomplete: io.github.bpf4j.ringbuf.PerfBuffer is missing", e);
            }
            o = opener;
        }
        return o;
    }
}
