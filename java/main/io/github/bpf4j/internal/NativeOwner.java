/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The one owner of a native resource (a libbpf object, or a map's own fd)
 * and of the mappings made of it: its {@link Handle}, its release on
 * {@link #close()}, and its release by the {@link Cleaner} when the public
 * object that holds this owner is forgotten (logged as a leak by
 * {@link LeakReport}, and prompted early by {@link ResourcePressure} when fds
 * or memory run out).
 *
 * <p>{@code close()} detaches mmapped buffers (they stay harmless, no longer
 * shared); the cleaner leaves them shared, since a buffer still in use keeps
 * its kernel map alive until the buffer itself is collected.
 */
public final class NativeOwner {
    private final Handle handle;
    private final List<Mapping> mappings = Collections.synchronizedList(new ArrayList<Mapping>());
    private final Release release;
    private final Cleaner.Cleanable cleanable;

    /**
     * @param referent the public object whose reachability decides; {@code free} must not refer to it
     * @param free releases the resource, once, after calls in flight have drained
     */
    private NativeOwner(Object referent, String description, Runnable free) {
        this.handle = new Handle(description);
        this.release = new Release(handle, mappings, free);
        // A resource its user should have closed: if the cleaner frees it, that is reported as a leak.
        this.cleanable = Cleaner.registerResource(referent, description, release);
    }

    /** Owns a libbpf object (and everything in it). */
    public static NativeOwner ofObject(Object referent, String description, final long object) {
        return new NativeOwner(referent, description, new Runnable() {
            @Override
            public void run() {
                Native.objectClose(object);
            }
        });
    }

    /** Owns an fd (a map or program opened on its own). */
    public static NativeOwner ofFd(Object referent, String description, final int fd) {
        return new NativeOwner(referent, description, new Runnable() {
            @Override
            public void run() {
                Native.close(fd);
            }
        });
    }

    /**
     * Owns what {@code free} releases (several fds of one handle type, e.g. a
     * perf buffer's per-CPU events); {@code free} must not refer to {@code referent}.
     */
    public static NativeOwner of(Object referent, String description, Runnable free) {
        return new NativeOwner(referent, description, free);
    }

    /** Owns a libbpf struct bpf_link (its fd and whatever else the attach made). */
    public static NativeOwner ofLink(Object referent, String description, final long link) {
        return new NativeOwner(referent, description, new Runnable() {
            @Override
            public void run() {
                Native.linkDestroy(link);
            }
        });
    }

    public Handle handle() {
        return handle;
    }

    /** Takes a mapping made while the caller held the handle, so close() cannot miss it. */
    public void adopt(Mapping mapping) {
        mappings.add(mapping);
    }

    /** Waits for calls in flight, detaches mappings, frees the resource. Idempotent. */
    public void close() {
        release.free(true);
        cleanable.clean();
    }

    private static final class Release implements Runnable {
        private final Handle handle;
        private final List<Mapping> mappings;
        private final Runnable free;

        Release(Handle handle, List<Mapping> mappings, Runnable free) {
            this.handle = handle;
            this.mappings = mappings;
            this.free = free;
        }

        @Override
        public void run() {
            free(false);
        }

        void free(boolean detach) {
            if (!handle.close()) {
                return;
            }
            if (detach) {
                synchronized (mappings) {
                    for (Mapping m : mappings) {
                        m.detach();
                    }
                }
            }
            free.run();
        }
    }
}
