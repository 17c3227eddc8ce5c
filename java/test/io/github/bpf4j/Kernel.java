/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.internal.Native;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the machine under test allows; tests skip, saying why, where it falls short. */
public final class Kernel {
    private static final String REASON = requirement();

    private Kernel() {}

    /** Skips the calling test unless this process may use bpf() and the kernel has BPF. */
    public static void requireBpf() {
        assumeTrue(REASON == null, REASON);
    }

    private static String requirement() {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return "BPF tests need Linux; this is " + System.getProperty("os.name");
        }
        if (!Files.exists(Paths.get("/sys/fs/bpf")) && !Files.exists(Paths.get("/proc/sys/kernel/bpf_stats_enabled"))) {
            return "this kernel has no BPF support (no /proc/sys/kernel/bpf_stats_enabled)";
        }
        long caps = effectiveCaps();
        boolean sysAdmin = (caps & (1L << 21)) != 0;
        boolean bpf = (caps & (1L << 39)) != 0 && (caps & (1L << 38)) != 0;
        if (!sysAdmin && !bpf) {
            return "BPF tests need root or CAP_BPF+CAP_PERFMON (effective caps 0x" + Long.toHexString(caps) + ")";
        }
        if (bpfSyscallMissing()) {
            return "bpf(2) answers ENOSYS: no BPF system call here (qemu-user, which runs the arm64 tests, has none)";
        }
        return null;
    }

    /** ENOSYS from bpf(BPF_MAP_GET_NEXT_ID): the call does not exist (EPERM or ENOENT means it does). */
    private static boolean bpfSyscallMissing() {
        try {
            Native.ensureLoaded();
            return Native.mapNextId(0) == -38;
        } catch (RuntimeException | LinkageError e) {
            return false; // the test's own use of the library reports what is wrong
        }
    }

    static long effectiveCaps() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    /** An Ethernet-sized test packet (XDP test runs need at least 14 bytes) starting with {@code head}. */
    public static byte[] packet(int... head) {
        byte[] p = new byte[64];
        for (int i = 0; i < head.length; i++) {
            p[i] = (byte) head[i];
        }
        return p;
    }

    /** Open file descriptors of this process. */
    public static int openFds() {
        String[] fds = new java.io.File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    /**
     * Skips the calling test unless kernel.unprivileged_bpf_disabled is set
     * (1 or 2): tests that expect an unprivileged process to be refused.
     */
    public static void requireUnprivilegedBpfDisabled() {
        String value;
        try {
            value = new String(Files.readAllBytes(Paths.get("/proc/sys/kernel/unprivileged_bpf_disabled")),
                    StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            value = "unreadable (" + e + ")";
        }
        assumeTrue(value.equals("1") || value.equals("2"), "kernel.unprivileged_bpf_disabled is " + value
                + ": unprivileged processes may use bpf() here, so there is no refusal to test");
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * A fresh run-unique token of {@code length} characters [0-9a-z]: what a
     * test writes into a trace line or a name so that no other run's line or
     * object can pass for its own.
     */
    private static volatile String arenasRefusal;

    /**
     * Why this process cannot create BPF arenas here, or null if it can: the kernel has none (before
     * Linux 6.9), or refuses them. Some machines' kernels answer every ARENA map_create with EPERM
     * although the process holds CAP_BPF and CAP_SYS_ADMIN; Bpf4j.probe then throws, as documented.
     */
    public static String arenasRefusal() {
        String r = arenasRefusal;
        if (r == null) {
            try {
                r = Bpf4j.probe(MapType.ARENA) ? "" : "this kernel has no BPF arenas (Linux 6.9+)";
            } catch (BpfPermissionException e) {
                r = "this machine refuses BPF arena maps: " + e.getMessage().split("\n")[0];
            }
            arenasRefusal = r;
        }
        return r.isEmpty() ? null : r;
    }

    /** Skips the test, saying why, unless this process can create BPF arenas here ({@link #arenasRefusal}). */
    public static void assumeArenas() {
        String why = arenasRefusal();
        assumeTrue(why == null, why);
    }

    public static String nonce(int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(Character.forDigit(RANDOM.nextInt(36), 36));
        }
        return s.toString();
    }

    /** The calling thread's id as trace lines show it, or -1 where that is unknown: {@link TracePipe#currentThreadId}. */
    public static int traceTid() {
        return TracePipe.currentThreadId();
    }

    /**
     * The calling thread's id as BPF programs see it ({@code (u32)bpf_get_current_pid_tgid()}: the initial pid
     * namespace's, not gettid() inside a container); skips the test where it cannot be learnt.
     */
    public static int hostTid() {
        int tid = TracePipe.currentThreadId();
        assumeTrue(tid > 0, "cannot learn this thread's id in the initial pid namespace (a raw_tp test run)");
        return tid;
    }

    /** This process's id as BPF programs see it ({@code bpf_get_current_pid_tgid() >> 32}); as {@link #hostTid}. */
    public static int hostPid() {
        if (TracePipe.INITIAL_PID_NAMESPACE.equals(TracePipe.pidNamespace())) {
            try {
                return Integer.parseInt(Files.readSymbolicLink(Paths.get("/proc/self")).toString());
            } catch (IOException e) {
                throw new IllegalStateException("cannot read /proc/self: " + e, e);
            }
        }
        try (BpfObject obj = BpfObject.openResource("io/github/bpf4j/bpf/trace_tid.bpf.o").load()) {
            return obj.program("trace_tgid").testRun().retval();
        } catch (BpfException e) {
            assumeTrue(false, "cannot learn this process's id in the initial pid namespace: " + e.getMessage());
            return -1;
        }
    }

    /** Whether this process has CAP_SYS_ADMIN, which every access by id (fromId, Bpf4j.programs()...) needs. */
    public static boolean hasSysAdmin() {
        return (effectiveCaps() & (1L << 21)) != 0;
    }

    /** Skips the calling test unless the process has CAP_SYS_ADMIN, saying what needs it. */
    public static void requireSysAdmin(String what) {
        assumeTrue(hasSysAdmin(), what + " needs CAP_SYS_ADMIN, which a container granted only the BPF capabilities"
                + " lacks");
    }

    /**
     * Opens the trace pipe, or skips the test if another process (another test
     * run on this kernel, a {@code cat trace_pipe}) holds it: it is one
     * system-wide stream with one reader at a time.
     */
    public static TracePipe openTracePipe() {
        requireBpf();
        try {
            return TracePipe.open();
        } catch (BpfException e) {
            assumeTrue(!"EBUSY".equals(e.errnoName()),
                    "another process reads the trace pipe (one system-wide reader at a time): " + e.getMessage());
            throw e;
        }
    }

    /**
     * Reads until a line whose message is {@code message} (and whose tid is
     * {@code tid}, unless -1) or the deadline; other processes' lines and
     * leftovers are skipped. Returns the line, or null with nothing matching.
     */
    public static String awaitTrace(TracePipe pipe, int tid, String message, long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (long left; (left = deadline - System.nanoTime()) > 0;) {
            String line = pipe.readLine(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                return null;
            }
            if (message.equals(TracePipe.message(line)) && (tid == -1 || TracePipe.threadId(line) == tid)) {
                return line;
            }
        }
        return null;
    }

    /** fds of this process that are open on {@code path} (their numbers), from /proc/self/fd. */
    public static List<Integer> fdsOpenOn(String path) {
        return new ArrayList<Integer>(new java.util.TreeSet<Integer>(fdsWhere(path::equals)));
    }

    /**
     * fds of this process whose /proc/self/fd link matches, e.g. {@code anon_inode:bpf-map}: counting
     * only these, a test is not misled by the files the JVM's own threads open and close meanwhile.
     */
    public static java.util.Set<Integer> fdsWhere(java.util.function.Predicate<String> link) {
        java.util.Set<Integer> found = new java.util.HashSet<Integer>();
        String[] fds = new File("/proc/self/fd").list();
        if (fds != null) {
            for (String fd : fds) {
                try {
                    if (link.test(Files.readSymbolicLink(Paths.get("/proc/self/fd", fd)).toString())) {
                        found.add(Integer.valueOf(fd));
                    }
                } catch (IOException gone) {
                    // closed meanwhile (or the listing's own fd)
                }
            }
        }
        return found;
    }

    /**
     * A bpffs of this test alone, mounted on a fresh temporary directory:
     * pins in it cannot collide with another run's, and whatever a killed run
     * left there goes away with the mount. Skips where mounting is not allowed.
     */
    public static PrivateBpfFs privateBpfFs() throws IOException {
        requireBpf();
        Native.ensureLoaded(); // the test may come before any bpf4j call loaded the library
        Path dir = Files.createTempDirectory("bpf4j-bpffs-");
        int err = Native.mount("bpf", dir.toString(), "bpf");
        if (err != 0) {
            Files.delete(dir);
            assumeTrue(false, "cannot mount a private bpffs on a temporary directory (errno " + -err + (-err == 1
                    ? ": mounting needs CAP_SYS_ADMIN, which a container granted only the BPF capabilities lacks)"
                    : ")"));
        }
        return new PrivateBpfFs(dir);
    }

    /** A private bpffs mount; close() unmounts it (lazily, so open pins never block it) and removes the dir. */
    public static final class PrivateBpfFs implements AutoCloseable {
        private final Path dir;

        PrivateBpfFs(Path dir) {
            this.dir = dir;
        }

        public Path path() {
            return dir;
        }

        public Path resolve(String name) {
            return dir.resolve(name);
        }

        @Override
        public void close() throws Exception {
            Process p = new ProcessBuilder("umount", "-l", dir.toString()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = ChildJvm.drain(p, 30, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                throw new AssertionError("umount " + dir + ": exit " + p.exitValue() + ": " + out);
            }
            Files.delete(dir);
        }
    }
}
