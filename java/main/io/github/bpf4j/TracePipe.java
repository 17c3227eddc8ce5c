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

/**
 * Reads {@code bpf_printk} output from the kernel's trace pipe, line by line
 * with a timeout. tracefs is mounted at {@code /sys/kernel/tracing} if it is
 * not there and the process may mount it.
 *
 * <p>The trace pipe is one system-wide stream and reading consumes it; the
 * kernel lets only one reader open it at a time (EBUSY for the next). Lines look like
 * {@code java-1234 [001] ..... 12.34: bpf_trace_printk: buf: hello};
 * {@link #message(String)} extracts the part after {@code bpf_trace_printk: }.
 */
public final class TracePipe implements AutoCloseable {
    static final String TRACEFS = "/sys/kernel/tracing";
    static final String DEBUGFS_TRACING = "/sys/kernel/debug/tracing";
    private static final String MARKER = "bpf_trace_printk: ";
    /** Short polls let close() on another thread end a read promptly. */
    private static final long POLL_SLICE_MILLIS = 100;

    private final Handle handle;
    private final int fd;
    private final String path;
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

    /** Opens the trace pipe, mounting tracefs first if needed. */
    public static TracePipe open() {
        Native.ensureLoaded();
        String path = locate();
        int fd = Native.openNonBlocking(path);
        if (fd == -Errors.EBUSY) {
            throw new BpfException("open(" + path + ")", Errors.EBUSY, "EBUSY", "the trace pipe has a reader already",
                    "the kernel allows one reader at a time: close the other TracePipe, or stop the other"
                            + " process reading " + path);
        }
        if (fd < 0) {
            throw Errors.exception("open(" + path + ")", -fd, null);
        }
        return new TracePipe(fd, path);
    }

    private static String locate() {
        if (new File(TRACEFS, "trace_pipe").exists()) {
            return TRACEFS + "/trace_pipe";
        }
        if (new File(DEBUGFS_TRACING, "trace_pipe").exists()) {
            return DEBUGFS_TRACING + "/trace_pipe";
        }
        int err = Native.mount("nodev", TRACEFS, "tracefs");
        if (err == 0 && new File(TRACEFS, "trace_pipe").exists()) {
            return TRACEFS + "/trace_pipe";
        }
        if (err == 0) {
            err = -Errors.ENOENT; // mounted, yet no trace_pipe: a kernel without tracing
        }
        String op = "mount(tracefs, " + TRACEFS + ")";
        String hint = "mount it yourself: mount -t tracefs nodev " + TRACEFS + " (needs CAP_SYS_ADMIN)";
        if (err == -Errors.EPERM || err == -Errors.EACCES) {
            boolean hidden = new File(TRACEFS).isDirectory() && !new File(TRACEFS).canExecute();
            throw new BpfPermissionException(op, -err, Errors.errnoName(-err), hidden
                    ? TRACEFS + " is not accessible to this user, and it may not mount tracefs"
                    : "tracefs is not mounted and this process may not mount it", hidden
                    ? "run as root (tracefs is root-only by default)" : hint);
        }
        throw new BpfException(op, -err, Errors.errnoName(-err), "tracefs is not mounted and mounting it failed",
                hint);
    }

    /** Where the pipe was found. */
    public String path() {
        return path;
    }

    /**
     * The next line, without its newline, or null if none arrived within
     * {@code timeout}.
     */
    public String readLine(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        handle.acquire();
        try {
            for (;;) {
                String line = takeLine();
                if (line != null) {
                    return line;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || handle.isClosed()) {
                    return null;
                }
                int n = Native.pollRead(fd, chunk, 0, chunk.length, (int) Math.min(left, POLL_SLICE_MILLIS));
                if (n < 0) {
                    throw Errors.exception("read(" + path + ")", -n, null);
                }
                append(n);
            }
        } finally {
            handle.release();
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

    @Override
    public void close() {
        cleanable.clean();
    }
}
