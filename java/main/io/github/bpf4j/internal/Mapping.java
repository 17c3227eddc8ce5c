/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One shared mapping of a map's memory, and the only owner of its address
 * range.
 *
 * <p>Closing the map {@link #detach() detaches} the mapping: the shared pages
 * are replaced in place by private anonymous memory, which releases the
 * kernel map while any ByteBuffer still pointing into the range reads and
 * writes harmless memory instead of faulting. The range itself is unmapped
 * only after its root buffer (and so every view of it) is unreachable.
 */
public final class Mapping {
    private static final Logger LOG = Logger.getLogger("io.github.bpf4j");
    private static final int MAPPED = 0;
    private static final int DETACHED = 1;
    private static final int UNMAPPED = 2;

    /** Mappings whose range is still mapped (shared or detached); for tests and diagnostics. */
    private static final AtomicInteger LIVE = new AtomicInteger();

    private final long address;
    private final long length;
    private final boolean writable;
    private int state;
    private ByteBuffer root;

    private Mapping(long address, long length, boolean writable) {
        this.address = address;
        this.length = length;
        this.writable = writable;
    }

    /**
     * Maps {@code length} bytes of {@code fd} (the caller holds its handle)
     * and makes the root buffer of {@code capacity} bytes over them; take it
     * with {@link #takeRoot()}. Throws BpfException.
     */
    public static Mapping map(int fd, long length, long capacity, boolean writable) {
        if (capacity > Integer.MAX_VALUE || capacity > length) {
            throw new IllegalArgumentException("buffer capacity " + capacity + " exceeds the mapping or 2 GiB");
        }
        Mapping m = new Mapping(Native.mmap(fd, length, writable), length, writable);
        LIVE.incrementAndGet();
        try {
            m.root = m.newRootBuffer(capacity);
        } catch (RuntimeException | Error e) {
            m.unmap();
            throw e;
        }
        return m;
    }

    /**
     * The root buffer, handed over once. It must stay the only root: views are
     * its duplicates and slices, which keep it reachable, and the range is
     * unmapped when it is collected — so the mapping itself must not keep it.
     */
    public ByteBuffer takeRoot() {
        ByteBuffer r = root;
        root = null;
        return r;
    }

    private ByteBuffer newRootBuffer(long capacity) {
        ByteBuffer buffer = Native.newDirectBuffer(address, capacity);
        if (buffer == null) {
            throw new OutOfMemoryError("NewDirectByteBuffer failed for a mapping of " + capacity + " bytes");
        }
        Cleaner.register(buffer, new Unmap(this));
        return writable ? buffer : buffer.asReadOnlyBuffer();
    }

    /** How many mappings are still mapped in this process. */
    public static int live() {
        return LIVE.get();
    }

    public boolean writable() {
        return writable;
    }

    public long address() {
        return address;
    }

    /** Releases the kernel object behind the range; stale views stay harmless. */
    public synchronized void detach() {
        if (state != MAPPED) {
            return;
        }
        int err = Native.mmapDetach(address, length, writable);
        if (err < 0) {
            // Keeping the shared pages is safe, only wasteful: the kernel map lives until unmap.
            LOG.log(Level.WARNING, "bpf4j: could not detach a closed map's mapping ({0}); "
                    + "its memory is freed when the buffer is collected", Errors.errnoName(-err));
            return;
        }
        state = DETACHED;
    }

    /** The cleaner's action: holds the mapping, never the buffer. */
    private static final class Unmap implements Runnable {
        private final Mapping mapping;

        Unmap(Mapping mapping) {
            this.mapping = mapping;
        }

        @Override
        public void run() {
            mapping.unmap();
        }
    }

    synchronized void unmap() {
        if (state == UNMAPPED) {
            return;
        }
        int err = Native.munmap(address, length);
        if (err < 0) {
            LOG.log(Level.WARNING, "bpf4j: munmap of a mapping failed ({0})", Errors.errnoName(-err));
        }
        state = UNMAPPED;
        LIVE.decrementAndGet();
    }
}
