/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.ringbuf;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Fences;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Mapping;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeOwner;
import io.github.bpf4j.internal.StreamAccess;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The consumer of a {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY} map
 * ({@link BpfMap#perfBuffer()}): one perf ring per CPU, which a program
 * fills with {@code bpf_perf_event_output(ctx, &map, BPF_F_CURRENT_CPU, data, size)}.
 * Records are read in place over each ring's mapped pages, as
 * {@link RingBuffer} reads a BPF ring buffer: no native call and no
 * allocation per record.
 *
 * <p><b>Records.</b> The handler gets each sample's raw bytes. Their length
 * is the kernel's: the program's {@code size} rounded up so that 4 + length
 * is a multiple of 8 (the padding bytes are unspecified), as libbpf's
 * perf buffer reports it. A sample that wraps the end of its ring is copied
 * into one reusable buffer; every other sample is a view of the ring itself.
 * Samples of one CPU arrive in the order they were written; CPUs are drained
 * one after the other.
 *
 * <p><b>Lost samples.</b> When a CPU's ring is full the kernel drops the
 * sample ({@code bpf_perf_event_output} returns {@code -ENOSPC}) and writes
 * a lost-samples record once room is back; {@link #lostSamples()} sums those
 * records read so far.
 *
 * <p><b>Threading:</b> one consumer thread at a time, as with
 * {@link RingBuffer}. {@link #wakeup()}, {@link #lostSamples()} and
 * {@link #close()} may be called from any thread.
 *
 * <p><b>Lifetime:</b> the perf buffer owns its per-CPU perf events, their
 * mappings and its epoll set. {@link #close()} (or closing the map or its
 * object) ends a blocked poll, waits for a drain in progress, removes its
 * events from the map while the map is open, and releases everything; later
 * calls throw {@link IllegalStateException}.
 */
public final class PerfBuffer implements AutoCloseable {
    static final int PERF_RECORD_LOST = 2;
    static final int PERF_RECORD_SAMPLE = 9;
    /** struct perf_event_mmap_page (include/uapi/linux/perf_event.h): data_head, data_tail, data_offset, data_size. */
    static final int DATA_HEAD = 1024;
    static final int DATA_TAIL = 1032;
    static final int DATA_OFFSET = 1040;
    static final int DATA_SIZE = 1048;
    /** perf_event_header (8) + the sample's u32 size. */
    static final int SAMPLE_HEADER = 12;
    private static final int MAX_SLOTS = 64;

    static {
        StreamAccess.install(new StreamAccess.PerfFactory() {
            @Override
            public Object open(Object map, Handle mapHandle, String name, int maxEntries, Object options) {
                return new PerfBuffer((BpfMap) map, mapHandle, name, maxEntries,
                        options == null ? new PerfBufferOptions() : (PerfBufferOptions) options);
            }

            @Override
            public boolean isOpen(Object perfBuffer) {
                return !((PerfBuffer) perfBuffer).isClosed();
            }

            @Override
            public void close(Object perfBuffer) {
                ((PerfBuffer) perfBuffer).close();
            }
        });
    }

    private final String name;
    private final Handle mapHandle;
    private final Handle handle;
    private final int[] cpus;
    private final int pages;
    private final int dataSize;
    private final long mask;
    private final int dataAt;
    private final long publishEvery;
    private final NativeOwner events;
    private final Waiter waiter;
    /** Writable roots over each CPU's whole mapping: metadata page, then the data pages. */
    private final ByteBuffer[] rings;
    /** The read-only view handed to handlers, one per CPU, moved from record to record. */
    private final ByteBuffer[] views;
    /** Per CPU, the source of wrapped samples' copies. */
    private final ByteBuffer[] copySources;
    private final AtomicLongArray lost;
    private final int[] slots;
    private final ConsumerClaim claim;
    /** Where samples that wrap the end of a ring are copied; grown only for a larger one. */
    private ByteBuffer wrapped;
    private ByteBuffer wrappedView;

    private PerfBuffer(BpfMap map, Handle mapHandle, String name, int maxEntries, PerfBufferOptions options) {
        if (!Fences.available()) {
            throw new UnsupportedOperationException("perfBuffer: this JVM has neither VarHandle nor sun.misc.Unsafe"
                    + " fences, which the in-place reader needs to order its reads against the kernel's writes");
        }
        int[] chosen = options.cpuList();
        this.cpus = chosen != null ? chosen : onlineCpus();
        int possible = BpfMap.possibleCpus();
        for (int cpu : cpus) {
            if (cpu >= possible) {
                throw new IllegalArgumentException("perfBuffer: CPU " + cpu + " does not exist: this machine has "
                        + possible + " possible CPUs (0.." + (possible - 1) + "); pass existing CPUs to"
                        + " PerfBufferOptions.cpus");
            }
            if (cpu >= maxEntries) {
                throw new IllegalArgumentException("perfBuffer: map '" + name + "' has max_entries " + maxEntries
                        + ", so it has no slot for CPU " + cpu + (chosen == null ? " (online)" : "") + "; declare the"
                        + " map with max_entries of at least the CPU count (libbpf sets a PERF_EVENT_ARRAY's 0"
                        + " max_entries to the possible CPUs), or pass PerfBufferOptions.cpus below " + maxEntries);
            }
        }
        int page = Native.pageSize();
        this.pages = options.pages();
        if ((long) page * (pages + 1) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("perfBuffer: " + pages + " pages per CPU are more than one ByteBuffer"
                    + " maps; choose at most " + Integer.highestOneBit(Integer.MAX_VALUE / page - 1) + " pages");
        }
        this.name = name;
        this.mapHandle = mapHandle;
        this.handle = new Handle("PerfBuffer '" + name + "'");
        this.claim = new ConsumerClaim("PerfBuffer '" + name + "'", "perf buffer", handle, mapHandle);
        this.dataSize = pages * page;
        this.mask = dataSize - 1L;
        this.dataAt = page;
        this.publishEvery = Math.max(8, dataSize / 4);
        int n = cpus.length;
        this.rings = new ByteBuffer[n];
        this.views = new ByteBuffer[n];
        this.copySources = new ByteBuffer[n];
        this.lost = new AtomicLongArray(n);
        this.slots = new int[Math.min(MAX_SLOTS, n + 1)];
        Events release = new Events(map, cpus);
        this.events = NativeOwner.of(this, "PerfBuffer '" + name + "' perf events (" + n + " CPUs)", release);
        Waiter w = null;
        try {
            w = new Waiter(this, "perf buffer '" + name + "'");
            for (int i = 0; i < n; i++) {
                openCpu(map, release, w, i, options);
            }
        } catch (RuntimeException | Error e) {
            if (w != null) {
                w.close();
            }
            events.close();
            throw e;
        }
        this.waiter = w;
    }

    /** CPU {@code cpus[i]}: its event, mapping, enable, epoll slot i, and its map entry, in libbpf's order. */
    private void openCpu(BpfMap map, Events release, Waiter w, int i, PerfBufferOptions options) {
        int cpu = cpus[i];
        String subject = "perf buffer '" + name + "', cpu " + cpu;
        int fd = Native.perfEventOpen(cpu, options.wakeupEventCount(), options.wakeupByteCount());
        if (fd < 0) {
            throw Errors.of(Errors.Op.PERF_BUFFER, "perf_event_open(" + subject + ")", -fd, null);
        }
        release.fds[i] = fd;
        long length = (long) dataAt + dataSize;
        Mapping m;
        try {
            m = Mapping.mapAt(fd, length, true, 0);
        } catch (BpfException e) {
            throw Errors.of(Errors.Op.PERF_BUFFER, "mmap(" + subject + ", " + (pages + 1) + " pages)", e.errno(), null);
        }
        events.adopt(m);
        ByteBuffer ring;
        try {
            ring = m.root(0, (int) length);
        } finally {
            m.release();
        }
        // Kernels since 4.1 say where the data area is; it is the pages after the metadata page.
        long offset = ring.getLong(DATA_OFFSET);
        long size = ring.getLong(DATA_SIZE);
        if ((offset != 0 && offset != dataAt) || (size != 0 && size != dataSize)) {
            throw new IllegalStateException("perfBuffer: the kernel put cpu " + cpu + "'s data area at " + offset
                    + " (" + size + " bytes), not after the metadata page (" + dataAt + ", " + dataSize + " bytes)");
        }
        rings[i] = ring;
        views[i] = ring.asReadOnlyBuffer().order(ByteOrder.nativeOrder());
        copySources[i] = ring.duplicate();
        int err = Native.perfEventEnable(fd);
        if (err < 0) {
            throw Errors.of(Errors.Op.PERF_BUFFER, "ioctl(" + subject + ", PERF_EVENT_IOC_ENABLE)", -err, null);
        }
        w.add(fd, i, "cpu " + cpu + "'s perf event");
        map.update(Events.key(cpu), Events.key(fd));
        release.stored[i] = true;
    }

    /** The map's name. */
    public String name() {
        handle.ensureOpen();
        return name;
    }

    /** The CPUs that have a ring, ascending (a copy). */
    public int[] cpus() {
        handle.ensureOpen();
        return cpus.clone();
    }

    /** Data pages of each CPU's ring. */
    public int pagesPerCpu() {
        handle.ensureOpen();
        return pages;
    }

    /** Samples the kernel dropped for a full ring, summed over the lost-samples records read so far. */
    public long lostSamples() {
        handle.ensureOpen();
        long total = 0;
        for (int i = 0; i < cpus.length; i++) {
            total += lost.get(i);
        }
        return total;
    }

    /**
     * {@link #lostSamples()} of one CPU.
     *
     * @throws IllegalArgumentException if {@code cpu} has no ring here
     */
    public long lostSamples(int cpu) {
        handle.ensureOpen();
        int i = Arrays.binarySearch(cpus, cpu);
        if (i < 0) {
            throw new IllegalArgumentException("lostSamples: CPU " + cpu + " has no ring in perf buffer '" + name
                    + "'; its CPUs are " + Arrays.toString(cpus));
        }
        return lost.get(i);
    }

    /**
     * Hands every sample waiting on any CPU to {@code handler}, CPU by CPU,
     * and counts lost-samples records. Frees ring space in batches.
     *
     * @return how many samples the handler received
     * @throws IllegalStateException if closed, or another thread is consuming this perf buffer
     */
    public int consume(RecordHandler handler) {
        Objects.requireNonNull(handler, "consume: handler");
        enter("consume");
        try {
            return drainAll(handler);
        } finally {
            exit();
        }
    }

    /**
     * Drains what is there; if nothing was, waits up to {@code timeout} for a
     * CPU's wake-up (epoll over all rings) and drains the CPUs that woke.
     * Returns 0 at the timeout, at {@link #wakeup()} or {@link #close()} from
     * another thread, or when the thread is interrupted (within 50 ms; the
     * interrupt status is kept).
     *
     * @param timeout negative: no timeout
     * @return how many samples the handler received
     */
    public int poll(long timeout, TimeUnit unit, RecordHandler handler) {
        Objects.requireNonNull(unit, "poll: unit");
        Objects.requireNonNull(handler, "poll: handler");
        enter("poll");
        try {
            int n = drainAll(handler);
            if (n > 0) {
                return n;
            }
            long deadline = timeout < 0 ? Long.MAX_VALUE : System.nanoTime() + unit.toNanos(timeout);
            for (;;) {
                long left = deadline == Long.MAX_VALUE ? -1 : Math.max(0, deadline - System.nanoTime());
                int ready = waiter.await(left, TimeUnit.NANOSECONDS, slots, handle, mapHandle);
                if (handle.isClosed() || mapHandle.isClosed() || Thread.currentThread().isInterrupted()) {
                    return 0;
                }
                for (int i = 0; i < ready; i++) {
                    n += drain(slots[i], handler);
                }
                if (n > 0 || ready == 0 || left == 0) {
                    return n;
                }
                // Woken by a lost-samples record only: wait for the rest of the timeout.
            }
        } finally {
            exit();
        }
    }

    /** Ends a blocked {@link #poll} (it returns 0) at once, or the next one; harmless after close. */
    public void wakeup() {
        waiter.wakeup();
    }

    /**
     * Ends a blocked {@link #poll}, waits for a drain in progress (handler
     * included), takes this buffer's events out of the map if the map is
     * still open (so programs stop writing to them), and closes the events,
     * their mappings and the epoll set. Idempotent; the map stays open.
     */
    @Override
    public void close() {
        waiter.wakeup();
        if (!handle.close()) {
            return;
        }
        waiter.close();
        events.close();
    }

    /** Whether {@link #close()} was called (closing the map does not count: its calls say so). */
    public boolean isClosed() {
        return handle.isClosed();
    }

    @Override
    public String toString() {
        return "PerfBuffer '" + name + "' (" + cpus.length + " CPUs x " + pages + " pages"
                + (handle.isClosed() ? ", closed)" : ")");
    }

    private void enter(String method) {
        claim.enter(method);
    }

    private void exit() {
        claim.exit();
    }

    private int drainAll(RecordHandler handler) {
        int n = 0;
        for (int i = 0; i < cpus.length; i++) {
            n += drain(i, handler);
        }
        return n;
    }

    /** Drains CPU slot {@code i}; the caller holds {@link #enter}. */
    int drain(int i, RecordHandler handler) {
        final ByteBuffer p = rings[i];
        final ByteBuffer v = views[i];
        long tail = p.getLong(DATA_TAIL); // only this thread writes it
        long published = tail;
        int count = 0;
        try {
            for (;;) {
                long head = p.getLong(DATA_HEAD);
                Fences.acquire();
                if (head - tail <= 0) {
                    return count;
                }
                while (head - tail > 0) {
                    int off = (int) (tail & mask);
                    int at = dataAt + off;
                    // Records are 8-aligned and the area a multiple of 8: a header never wraps.
                    int type = p.getInt(at);
                    int size = p.getShort(at + 6) & 0xffff;
                    if (size < 8 || size > head - tail) {
                        throw new IllegalStateException("PerfBuffer '" + name + "': cpu " + cpus[i] + "'s ring has"
                                + " a record of " + size + " bytes at " + tail + " with " + (head - tail)
                                + " bytes written; the ring is corrupt");
                    }
                    tail += size;
                    if (type == PERF_RECORD_SAMPLE) {
                        int raw = p.getInt(dataAt + (int) ((off + 8) & mask));
                        int start = (int) ((off + SAMPLE_HEADER) & mask);
                        if (raw < 0 || raw > size - SAMPLE_HEADER) {
                            throw new IllegalStateException("PerfBuffer '" + name + "': cpu " + cpus[i]
                                    + "'s sample at " + (tail - size) + " says " + raw + " raw bytes in a record of "
                                    + size + "; the ring is corrupt");
                        }
                        count++;
                        if (start + raw <= dataSize) {
                            v.limit(v.capacity());
                            v.position(dataAt + start);
                            v.limit(dataAt + start + raw);
                            handler.onRecord(v);
                        } else {
                            handler.onRecord(copyWrapped(i, start, raw));
                        }
                    } else if (type == PERF_RECORD_LOST) {
                        // {header; u64 id; u64 lost}
                        lost.addAndGet(i, p.getLong(dataAt + (int) ((off + 16) & mask)));
                    }
                    if (tail - published >= publishEvery) {
                        publish(p, tail);
                        published = tail;
                    }
                }
                if (tail != published) {
                    publish(p, tail);
                    published = tail;
                }
                // Look again: samples written meanwhile may have woken nobody (their wake-up came before).
            }
        } finally {
            if (tail != published) {
                publish(p, tail);
            }
        }
    }

    /** The sample's two pieces, end of the area then its start, in the one reusable buffer. */
    private ByteBuffer copyWrapped(int i, int start, int raw) {
        if (wrapped == null || wrapped.capacity() < raw) {
            int cap = Math.max(4096, Integer.highestOneBit(raw - 1) << 1);
            wrapped = ByteBuffer.allocate(cap).order(ByteOrder.nativeOrder());
            wrappedView = wrapped.asReadOnlyBuffer().order(ByteOrder.nativeOrder());
        }
        ByteBuffer src = copySources[i];
        int first = dataSize - start;
        wrapped.clear();
        src.limit(src.capacity());
        src.position(dataAt + start);
        src.limit(dataAt + dataSize);
        wrapped.put(src);
        src.limit(dataAt + raw - first);
        src.position(dataAt);
        wrapped.put(src);
        ByteBuffer view = wrappedView;
        view.limit(raw);
        view.position(0);
        return view;
    }

    /** data_tail with release semantics: every read of the records it frees is done before the kernel reuses them. */
    private static void publish(ByteBuffer ring, long tail) {
        Fences.release();
        ring.putLong(DATA_TAIL, tail);
    }

    /** /sys/devices/system/cpu/online, e.g. "0-3,6". */
    static int[] onlineCpus() {
        String line;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new FileInputStream("/sys/devices/system/cpu/online"), StandardCharsets.US_ASCII))) {
            line = r.readLine();
        } catch (IOException e) {
            throw new IllegalStateException("perfBuffer: cannot read /sys/devices/system/cpu/online (" + e.getMessage()
                    + "); pass the CPUs with PerfBufferOptions.cpus", e);
        }
        return parseCpuList(line == null ? "" : line.trim());
    }

    static int[] parseCpuList(String list) {
        int[] out = new int[16];
        int n = 0;
        for (String part : list.split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            int dash = part.indexOf('-');
            int from = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
            int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1));
            for (int c = from; c <= to; c++) {
                if (n == out.length) {
                    out = Arrays.copyOf(out, 2 * n);
                }
                out[n++] = c;
            }
        }
        if (n == 0) {
            throw new IllegalStateException("perfBuffer: no online CPU in '" + list + "'; pass the CPUs with"
                    + " PerfBufferOptions.cpus");
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * What the perf buffer's owner releases (and the Cleaner, if it is
     * forgotten): its map entries first, so programs stop writing to the
     * events (a map entry holds the event's file, so closing the fd alone
     * would keep the event alive while the map lives), then the fds. Holds the
     * map, never the perf buffer.
     */
    private static final class Events implements Runnable {
        private final BpfMap map;
        private final int[] cpus;
        final int[] fds;
        final boolean[] stored;

        Events(BpfMap map, int[] cpus) {
            this.map = map;
            this.cpus = cpus;
            this.fds = new int[cpus.length];
            this.stored = new boolean[cpus.length];
            Arrays.fill(fds, -1);
        }

        static byte[] key(int v) {
            return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, v).array();
        }

        @Override
        public void run() {
            for (int i = 0; i < cpus.length; i++) {
                if (stored[i]) {
                    try {
                        map.delete(key(cpus[i]));
                    } catch (IllegalStateException closed) {
                        // The map is closed: its file's release already dropped the entries.
                    } catch (BpfException e) {
                        // Keeping the entry only delays the event's release until the map's.
                    }
                }
                if (fds[i] >= 0) {
                    Native.close(fds[i]);
                }
            }
        }
    }
}
