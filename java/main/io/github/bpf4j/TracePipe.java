/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Cleaner;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Native;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads {@code bpf_printk} output from the kernel's trace pipe, line by line
 * with a timeout. tracefs is mounted at {@code /sys/kernel/tracing} if it is
 * not there and the process may mount it.
 *
 * <p>The trace pipe is one system-wide stream and reading consumes it; the
 * kernel lets only one reader open it at a time (EBUSY for the next). Lines look like
 * {@code java-1234 [001] ..... 12.34: bpf_trace_printk: buf: hello};
 * {@link #message(String)} extracts the part after {@code bpf_trace_printk: }.
 *
 * <p><b>Threads.</b> Any number of threads may call {@link #readLine} on one
 * pipe; they take turns (in arrival order), and each line goes to exactly one
 * of them, whole. A read blocks for at most its timeout and returns
 * {@code null} early, with nothing lost, when
 * <ul>
 * <li>its thread is interrupted before or while it waits: the interrupt
 *     status stays set, so the caller's loop (or a later {@code sleep},
 *     {@code wait}, ...) sees it;</li>
 * <li>another thread calls {@link #close()}: the read returns, then the fd is
 *     closed. A read that <i>starts</i> after {@code close()} throws
 *     {@link IllegalStateException}.</li>
 * </ul>
 * Either is noticed within 25 ms (reads wait in
 * slices of that length); {@code close()} returns as soon as the reads in
 * flight have.
 */
public final class TracePipe implements AutoCloseable {
    static final String TRACEFS = "/sys/kernel/tracing";
    static final String DEBUGFS_TRACING = "/sys/kernel/debug/tracing";
    private static final String MARKER = "bpf_trace_printk: ";
    /**
     * A read waits in slices of this length, so that an interrupt or a close()
     * on another thread ends it promptly (JDK 8 has no portable way to wake a
     * thread blocked in a native poll).
     */
    static final long POLL_SLICE_MILLIS = 25;
    private static final long POLL_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(POLL_SLICE_MILLIS);

    private final Handle handle;
    private final int fd;
    private final String path;
    /** Serialises readers; guards chunk, pending and pendingLength. Fair: readers take turns. */
    private final ReentrantLock readLock = new ReentrantLock(true);
    private final byte[] chunk = new byte[8192];
    private byte[] pending = new byte[8192];
    private int pendingLength;

    private final Cleaner.Cleanable cleanable;

    private TracePipe(int fd, String path) {
        this.fd = fd;
        this.path = path;
        this.handle = new Handle("TracePipe " + path);
        this.cleanable = Cleaner.registerResource(this, "TracePipe " + path, new Release(handle, fd));
    }

    /** Closes the fd once; holds the handle and fd, never the pipe (or it would never be collected). */
    private static final class Release implements Runnable {
        private final Handle handle;
        private final int fd;

        Release(Handle handle, int fd) {
            this.handle = handle;
            this.fd = fd;
        }

        @Override
        public void run() {
            if (handle.close()) {
                Native.close(fd);
            }
        }
    }

    /**
     * Opens the trace pipe, mounting tracefs first if it is mounted nowhere.
     *
     * @throws BpfException with EBUSY if another reader (any process) has it open
     * @throws BpfPermissionException if this user may not open it: tracefs is root's (mode 0700) and no BPF
     *     capability (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN) overrides a file mode; or if tracefs must be mounted
     *     and this process may not mount it
     */
    public static TracePipe open() {
        Native.ensureLoaded();
        String path = locate();
        int fd = Native.openNonBlocking(path);
        if (fd < 0) {
            throw Errors.of(Errors.Op.TRACE_PIPE, "open(" + path + ")", -fd, null);
        }
        return new TracePipe(fd, path);
    }

    /**
     * Where trace_pipe is: a mounted tracefs is used as it is (opening it
     * then gives the real errno, EACCES for a user tracefs is closed to);
     * only when none is mounted does this mount one.
     */
    private static String locate() {
        if (new File(TRACEFS, "trace_pipe").exists() || isTracefs(TRACEFS)) {
            return TRACEFS + "/trace_pipe";
        }
        if (new File(DEBUGFS_TRACING, "trace_pipe").exists() || isTracefs(DEBUGFS_TRACING)) {
            return DEBUGFS_TRACING + "/trace_pipe";
        }
        int err = Native.mount("nodev", TRACEFS, "tracefs");
        if (err < 0) {
            throw Errors.of(Errors.Op.TRACEFS_MOUNT, "mount(tracefs, " + TRACEFS + ")", -err, null);
        }
        return TRACEFS + "/trace_pipe";
    }

    /**
     * Mounts tracefs at /sys/kernel/tracing unless one is mounted where
     * libbpf looks for tracepoint ids (there, or debugfs's tracing/).
     */
    static void ensureTracefs() {
        Native.ensureLoaded();
        if (isTracefs(TRACEFS) || new File(TRACEFS, "events").exists() || new File(DEBUGFS_TRACING, "events").exists()
                || isTracefs(DEBUGFS_TRACING)) {
            return;
        }
        int err = Native.mount("nodev", TRACEFS, "tracefs");
        if (err < 0) {
            throw Errors.of(Errors.Op.TRACEFS_MOUNT, "mount(tracefs, " + TRACEFS + ")", -err, null);
        }
    }

    /** True if the kernel has kprobes (CONFIG_KPROBES): the kprobe PMU, or kprobe_events in tracefs. */
    static boolean kprobesAvailable() {
        return new File("/sys/bus/event_source/devices/kprobe").exists()
                || new File(TRACEFS, "kprobe_events").exists() || new File(DEBUGFS_TRACING, "kprobe_events").exists();
    }

    /** statfs answers even for a directory this user may not search. */
    private static boolean isTracefs(String dir) {
        long type = Native.statfsType(dir);
        return type == TRACEFS_MAGIC;
    }

    private static final long TRACEFS_MAGIC = 0x74726163L;

    /** Where the pipe was found. */
    public String path() {
        return path;
    }

    /**
     * The next line, without its newline, or null if none arrived within
     * {@code timeout}, the calling thread is (or gets) interrupted, or another
     * thread closed the pipe meanwhile. A line already read in full is
     * returned even to an interrupted thread; a partial line stays buffered
     * for the next call.
     *
     * @throws IllegalStateException if the pipe was closed before the call
     */
    public String readLine(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + Math.max(0, unit.toNanos(timeout));
        handle.acquire();
        try {
            if (!lockReader(deadline)) {
                return null;
            }
            try {
                return readLocked(deadline);
            } finally {
                readLock.unlock();
            }
        } finally {
            handle.release();
        }
    }

    /** Waits for this reader's turn; false on timeout, interrupt or close. */
    private boolean lockReader(long deadline) {
        for (;;) {
            if (Thread.currentThread().isInterrupted() || handle.isClosed()) {
                return false;
            }
            long left = deadline - System.nanoTime();
            try {
                if (readLock.tryLock(Math.max(0, Math.min(left, POLL_SLICE_NANOS)), TimeUnit.NANOSECONDS)) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the caller's to see
                return false;
            }
            if (left <= 0) {
                return false;
            }
        }
    }

    private String readLocked(long deadline) {
        for (;;) {
            String line = takeLine();
            if (line != null) {
                return line;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || handle.isClosed() || Thread.currentThread().isInterrupted()) {
                return null;
            }
            // Rounded up, so a short rest of the timeout is waited for, not spun.
            long sliceMillis = left >= POLL_SLICE_NANOS ? POLL_SLICE_MILLIS : (left + 999_999) / 1_000_000;
            int n = Native.pollRead(fd, chunk, 0, chunk.length, (int) sliceMillis);
            if (n < 0) {
                throw Errors.of(Errors.Op.TRACE_PIPE, "read(" + path + ")", -n, null);
            }
            append(n);
        }
    }

    /** The text after {@code bpf_trace_printk: }, or null if the line has none. */
    public static String message(String line) {
        int i = line.indexOf(MARKER);
        return i < 0 ? null : line.substring(i + MARKER.length());
    }

    /** The thread id in a trace line ({@code comm-TID [cpu] ...}), or -1. */
    public static int threadId(String line) {
        int bracket = line.indexOf(" [");
        if (bracket < 0) {
            return -1;
        }
        int dash = line.lastIndexOf('-', bracket);
        try {
            return dash < 0 ? -1 : Integer.parseInt(line.substring(dash + 1, bracket).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The calling thread's id as trace lines show it ({@link #threadId(String)} of the lines its programs
     * print), or -1 if this process cannot learn it. The kernel writes a thread's id in the initial pid
     * namespace into every line, and inside a container (its own pid namespace) that is not what
     * {@code gettid()} says; nor does {@code /proc/self/status} know it there, whose {@code NSpid} starts at the
     * namespace the container's {@code /proc} was mounted in. So outside the initial namespace this test-runs a
     * two-instruction raw_tp program in this thread, which asks the kernel ({@code bpf_get_current_pid_tgid}):
     * that needs CAP_BPF and CAP_PERFMON, as loading a program that calls {@code bpf_printk} does anyway.
     * -1 where the load or test run is refused or unsupported (Linux before 5.10); then tell this process's
     * lines by their text, e.g. a per-run nonce.
     */
    public static int currentThreadId() {
        Native.ensureLoaded();
        if (INITIAL_PID_NAMESPACE.equals(pidNamespace())) {
            return Native.gettid();
        }
        try (BpfObject obj = BpfObject.openResource(TID_OBJECT).load()) {
            return obj.program("trace_tid").testRun().retval();
        } catch (BpfException e) {
            return -1;
        }
    }

    /** The initial pid namespace (PROC_PID_INIT_INO), as /proc/self/ns/pid names it. */
    static final String INITIAL_PID_NAMESPACE = "pid:[4026531836]";
    private static final String TID_OBJECT = "io/github/bpf4j/bpf/trace_tid.bpf.o";

    /** This process's pid namespace ("pid:[inode]"), or null if /proc does not say. */
    static String pidNamespace() {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Paths.get("/proc/self/ns/pid")).toString();
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    private void append(int n) {
        if (pendingLength + n > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + n));
        }
        System.arraycopy(chunk, 0, pending, pendingLength, n);
        pendingLength += n;
    }

    private String takeLine() {
        for (int i = 0; i < pendingLength; i++) {
            if (pending[i] == '\n') {
                String line = new String(pending, 0, i, StandardCharsets.UTF_8);
                System.arraycopy(pending, i + 1, pending, 0, pendingLength - i - 1);
                pendingLength -= i + 1;
                return line;
            }
        }
        return null;
    }

    /**
     * Closes the fd. Reads blocked in other threads return null first (within
     * 25 ms); idempotent.
     */
    @Override
    public void close() {
        cleanable.clean();
    }
}
