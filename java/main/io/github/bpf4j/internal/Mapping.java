/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One shared mapping of a map's memory (an mmapable array, an arena), and the
 * only owner of its address range.
 *
 * <p>Closing the map {@link #detach() detaches} the mapping: the shared pages
 * are replaced in place by private anonymous memory, which releases the
 * kernel map while any ByteBuffer still pointing into the range reads and
 * writes harmless memory instead of faulting. The range itself is unmapped
 * only once every root buffer made by {@link #root} (and so every view of
 * them: duplicates and slices keep their root reachable) is unreachable.
 *
 * <p>The creator holds one reference until {@link #release()}, so a mapping
 * whose roots are not made yet, or failed, is unmapped too.
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
    private int references = 1;

    private Mapping(long address, long length, boolean writable) {
        this.address = address;
        this.length = length;
        this.writable = writable;
    }

    /**
     * Maps {@code length} bytes of {@code fd} at {@code address} (0: the
     * kernel chooses). The caller holds the fd's handle, makes its roots, then
     * calls {@link #release()}. Throws BpfException.
     */
    public static Mapping map(long address, int fd, long length, boolean writable) {
        Mapping m = new Mapping(Native.mmap(address, fd, length, writable), length, writable);
        LIVE.incrementAndGet();
        return m;
    }

    /**
     * Maps {@code length} bytes of {@code fd} from file offset {@code fileOffset}
     * (a page multiple) wherever the kernel chooses; otherwise as {@link #map}.
     */
    public static Mapping mapAt(int fd, long length, boolean writable, long fileOffset) {
        Mapping m = new Mapping(Native.mmapAt(fd, length, writable, fileOffset), length, writable);
        LIVE.incrementAndGet();
        return m;
    }

    /**
     * A root buffer over {@code capacity} bytes at {@code offset}, in native
     * byte order (read-only if the mapping is). The range is unmapped when all
     * roots are collected, so the mapping itself never keeps one.
     */
    public synchronized ByteBuffer root(long offset, int capacity) {
        if (state == UNMAPPED) {
            throw new IllegalStateException("the mapping is gone");
        }
        if (offset < 0 || capacity < 0 || offset > length - capacity) {
            throw new IndexOutOfBoundsException("root of " + capacity + " bytes at " + offset + " in a mapping of "
                    + length);
        }
        ByteBuffer buffer = Native.newDirectBuffer(address + offset, capacity);
        if (buffer == null) {
            throw new OutOfMemoryError("NewDirectByteBuffer failed for " + capacity + " bytes");
        }
        references++;
        Cleaner.register(buffer, new Release(this));
        ByteBuffer root = writable ? buffer : buffer.asReadOnlyBuffer();
        return root.order(ByteOrder.nativeOrder());
    }

    /** Gives up one reference: the creator's, or (from the cleaner) a collected root's. */
    public synchronized void release() {
        if (--references == 0) {
            unmap();
        }
    }

    /** How many mappings are still mapped in this process. */
    public static int live() {
        return LIVE.get();
    }

    public long address() {
        return address;
    }

    public long length() {
        return length;
    }

    public boolean writable() {
        return writable;
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
    private static final class Release implements Runnable {
        private final Mapping mapping;

        Release(Mapping mapping) {
            this.mapping = mapping;
        }

        @Override
        public void run() {
            mapping.release();
        }
    }

    private void unmap() {
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
