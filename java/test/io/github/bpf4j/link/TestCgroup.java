/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.ChildJvm;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.internal.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A cgroup v2 of one test: cgroup2 mounted on a fresh temporary directory
 * (this machine's /sys/fs/cgroup is a v1 hybrid without a cgroup2 mount;
 * every mount of cgroup2 shows the one v2 hierarchy, so the child cgroup's
 * name carries the pid and a nonce against concurrent runs), a child cgroup
 * in it, and child processes started in that cgroup. close() removes the
 * cgroups and unmounts. Skips where mounting is not allowed.
 */
public final class TestCgroup implements AutoCloseable {
    /** Debian's python3 (not a shim on PATH that could start other processes first). */
    public static final String PYTHON = "/usr/bin/python3";

    private final Path mount;
    private final Path dir;
    private final List<Path> subs = new ArrayList<Path>();

    private TestCgroup(Path mount, Path dir) {
        this.mount = mount;
        this.dir = dir;
    }

    public static TestCgroup create() throws IOException {
        Kernel.requireBpf();
        Native.ensureLoaded();
        Path mount = Files.createTempDirectory("bpf4j-cgroup2-");
        int err = Native.mount("none", mount.toString(), "cgroup2");
        if (err != 0) {
            Files.delete(mount);
            assumeTrue(false, "cannot mount cgroup2 on a temporary directory (errno " + -err
                    + (-err == 1 ? ", EPERM: mounting needs CAP_SYS_ADMIN in the initial user namespace, which a"
                            + " container with the README's capabilities lacks" : "") + ")");
        }
        Path dir = mount.resolve("bpf4j-" + ProcessHandleCompat.pid() + "-" + Kernel.nonce(8));
        try {
            Files.createDirectory(dir);
        } catch (IOException e) {
            umount(mount);
            throw e;
        }
        return new TestCgroup(mount, dir);
    }

    /** The child cgroup's directory. */
    public Path path() {
        return dir;
    }

    /** A sub-cgroup of it, removed on close. */
    public Path sub(String name) throws IOException {
        Path p = Files.createDirectory(dir.resolve(name));
        subs.add(p);
        return p;
    }

    /** Runs {@code command} in this cgroup; waits for it (30 s at most). */
    public Result run(String... command) throws Exception {
        return runIn(dir, command);
    }

    /** Runs python3 -c {@code script} {@code args} in this cgroup. */
    public Result python(String script, String... args) throws Exception {
        List<String> argv = new ArrayList<String>(Arrays.asList(PYTHON, "-c", script));
        argv.addAll(Arrays.asList(args));
        return run(argv.toArray(new String[0]));
    }

    /** Runs python3 -c {@code script} in {@code cgroup}. */
    public Result pythonIn(Path cgroup, String script) throws Exception {
        return runIn(cgroup, PYTHON, "-c", script);
    }

    /**
     * Runs {@code command} in {@code cgroup}: a shell moves itself there (so everything the command does
     * happens inside), then execs the command.
     */
    public Result runIn(Path cgroup, String... command) throws Exception {
        List<String> argv = new ArrayList<String>(Arrays.asList("/bin/sh", "-c",
                "echo $$ > \"$0\"/cgroup.procs && exec \"$@\"", cgroup.toString()));
        argv.addAll(Arrays.asList(command));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = ChildJvm.drain(p, 30, TimeUnit.SECONDS);
        return new Result(p.exitValue(), out.trim(), argv.toString());
    }

    /** A child's exit status and output (stdout and stderr). */
    public static final class Result {
        public final int exit;
        public final String output;
        private final String command;

        Result(int exit, String output, String command) {
            this.exit = exit;
            this.output = output;
            this.command = command;
        }

        /** The output, asserting the child succeeded. */
        public String ok() {
            if (exit != 0) {
                throw new AssertionError(command + " exited " + exit + ": " + output);
            }
            return output;
        }

        @Override
        public String toString() {
            return "exit " + exit + ": " + output;
        }
    }

    @Override
    public void close() throws Exception {
        try {
            for (int i = subs.size() - 1; i >= 0; i--) {
                rmdir(subs.get(i));
            }
            rmdir(dir);
        } finally {
            umount(mount);
        }
    }

    /** The cgroup of a child that was just reaped may take a moment to empty (EBUSY until then). */
    private static void rmdir(Path p) throws Exception {
        for (int i = 0; ; i++) {
            try {
                Files.deleteIfExists(p);
                return;
            } catch (IOException e) {
                if (i == 100) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    private static void umount(Path mount) throws IOException {
        try {
            Process p = new ProcessBuilder("umount", "-l", mount.toString()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = ChildJvm.drain(p, 30, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                throw new IOException("umount " + mount + ": exit " + p.exitValue() + ": " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        Files.delete(mount);
    }

    /** This process's pid on Java 8 (no ProcessHandle). */
    static final class ProcessHandleCompat {
        static String pid() throws IOException {
            return Files.readSymbolicLink(java.nio.file.Paths.get("/proc/self")).toString();
        }
    }

    /** Little-endian (host order) u32 key. */
    public static byte[] u32(int v) {
        return java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(0, v).array();
    }

    /** A u16 global in host order. */
    public static byte[] u16(int v) {
        return java.nio.ByteBuffer.allocate(2).order(java.nio.ByteOrder.nativeOrder()).putShort(0, (short) v).array();
    }

    /** counts[index] of a u64 array map. */
    public static long counter(io.github.bpf4j.BpfMap counts, int index) {
        byte[] v = counts.lookup(u32(index));
        return java.nio.ByteBuffer.wrap(v).order(java.nio.ByteOrder.nativeOrder()).getLong(0);
    }
}
