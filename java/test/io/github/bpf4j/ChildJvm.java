/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs a main class of the tests in a second JVM: as root, or dropped to nobody without capabilities. */
public final class ChildJvm {
    /** What the child printed (stdout and stderr together) and how it exited. */
    public static final class Result {
        public final int exitCode;
        public final String output;

        Result(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + ":\n" + output;
        }
    }

    private ChildJvm() {}

    /** A second JVM with this one's class path and privileges. */
    public static Result run(Class<?> main, String... args) throws Exception {
        return start(javaHome() + "/bin/java", System.getProperty("java.class.path"), null, main, args);
    }

    /**
     * A second JVM as user nobody with every capability dropped (setpriv). The
     * class path is copied where nobody can read it: root's Maven repository
     * and a private checkout are out of its reach.
     */
    public static Result runAsNobody(Path workDir, Class<?> main, String... args) throws Exception {
        Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String classPath = copyClassPath(workDir);
        List<String> command = Arrays.asList("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all");
        return start(javaNobodyCanRun(), classPath, command, main, args);
    }

    /** A second JVM as root with this one's class path, started through {@code prefix} (e.g. unshare ...). */
    public static Result runUnder(List<String> prefix, Class<?> main, String... args) throws Exception {
        return start(javaHome() + "/bin/java", System.getProperty("java.class.path"), prefix, main, args);
    }

    // Capability bits (linux/capability.h).
    private static final int CAP_SETGID = 6;
    private static final int CAP_SETUID = 7;
    private static final int CAP_SETPCAP = 8;
    private static final int CAP_SYS_ADMIN = 21;

    /** Why a test that drops privileges with setpriv is skipped where {@link #canDropToNobody} is false. */
    public static final String DROP_REASON = "needs setpriv (util-linux) and CAP_SETUID, CAP_SETGID and CAP_SETPCAP"
            + " to drop privileges (a container granted only the BPF capabilities has none of them)";
    /** Why a test that makes namespaces with unshare is skipped where {@link #canUnshare} is false. */
    public static final String UNSHARE_REASON = "needs unshare (util-linux) and CAP_SYS_ADMIN for new namespaces"
            + " (a container granted only the BPF capabilities lacks it)";

    /**
     * Whether {@link #runAsNobody} and the tests' other setpriv steps can work here: setpriv changes uid and
     * gid and shrinks the bounding set, which CAP_SETUID, CAP_SETGID and CAP_SETPCAP allow.
     */
    public static boolean canDropToNobody() {
        long caps = Kernel.effectiveCaps();
        return new File("/usr/bin/setpriv").canExecute() && has(caps, CAP_SETUID) && has(caps, CAP_SETGID)
                && has(caps, CAP_SETPCAP);
    }

    /** Whether unshare can make mount, pid and network namespaces here (CAP_SYS_ADMIN; the net one also NET_ADMIN). */
    public static boolean canUnshare() {
        return new File("/usr/bin/unshare").canExecute() && has(Kernel.effectiveCaps(), CAP_SYS_ADMIN);
    }

    private static boolean has(long caps, int cap) {
        return (caps & (1L << cap)) != 0;
    }

    private static Result start(String java, String classPath, List<String> prefix, Class<?> main, String... args)
            throws Exception {
        List<String> command = new ArrayList<String>();
        if (prefix != null) {
            command.addAll(prefix);
        }
        command.addAll(Arrays.asList(java, "-XX:+IgnoreUnrecognizedVMOptions", "--enable-native-access=ALL-UNNAMED"));
        command.addAll(bpf4jProperties());
        command.addAll(Arrays.asList("-cp", classPath, main.getName()));
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = drainBytes(p, CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS, String.join(" ", command));
        return new Result(p.exitValue(), new String(out, StandardCharsets.ISO_8859_1));
    }

    /** A child that takes longer is hung (or starved beyond use): it is killed and the test fails. */
    static final long CHILD_TIMEOUT_SECONDS = 120;

    /**
     * Waits for {@code p} while a second thread reads its stdout (so that a
     * chatty child never blocks on a full pipe), at most {@code timeout}; a
     * child still running then is killed and the test fails with what it
     * printed so far. Returns the output, the child having exited.
     */
    public static byte[] drainBytes(Process p, long timeout, TimeUnit unit, String what) throws InterruptedException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final InputStream in = p.getInputStream();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0;) {
                    synchronized (out) {
                        out.write(buf, 0, n);
                    }
                }
            } catch (IOException closed) {
                // the stream was closed under us: the child is gone
            }
        }, "child-output");
        reader.setDaemon(true);
        reader.start();
        if (!p.waitFor(timeout, unit)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            reader.join(5_000);
            String partial;
            synchronized (out) {
                partial = new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
            }
            throw new AssertionError("child did not exit within " + unit.toSeconds(timeout) + " s, killed: " + what
                    + "\noutput so far:\n" + partial);
        }
        // A grandchild may still hold the pipe: its output after the child's exit is not waited for.
        reader.join(10_000);
        synchronized (out) {
            return out.toByteArray();
        }
    }

    /** {@link #drainBytes} as text (ISO-8859-1: every byte survives). */
    public static String drain(Process p, long timeout, TimeUnit unit) throws InterruptedException {
        return new String(drainBytes(p, timeout, unit, p.toString()), StandardCharsets.ISO_8859_1);
    }

    /**
     * This JVM's {@code bpf4j.*} system properties as {@code -D} options, so a
     * child loads the same native library (the sanitized run sets
     * {@code bpf4j.library.path}; the sanitizer runtimes reach the child
     * through the inherited environment).
     */
    public static List<String> bpf4jProperties() {
        List<String> options = new ArrayList<String>();
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("bpf4j.")) {
                options.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        return options;
    }

    private static String javaHome() {
        return System.getProperty("java.home");
    }

    /**
     * This JVM's class path copied into {@code dir}, readable by anyone: root's
     * Maven repository and a private checkout are out of nobody's reach.
     */
    public static String copyClassPath(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> classPath = new ArrayList<String>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path source = Paths.get(entry);
            if (!Files.exists(source) || entry.contains("surefire")) {
                continue;
            }
            Path target = dir.resolve("cp" + n++ + (Files.isDirectory(source) ? "" : ".jar"));
            if (Files.isDirectory(source)) {
                copyTree(source, target);
            } else {
                Files.copy(source, target);
            }
            classPath.add(target.toString());
        }
        return String.join(File.pathSeparator, classPath);
    }

    /**
     * This JVM if nobody can start it; else the system's. Reachable directories
     * are not enough: a JDK patched to run on a newer glibc (.ci/jdks.sh) loads
     * its interpreter and libraries from absolute paths in the checkout's
     * {@code .cache}, which a private ({@code mktemp -d}, mode 0700) checkout
     * hides from nobody. So the answer is a real {@code java -version} as
     * nobody, asked once per test JVM.
     */
    public static synchronized String javaNobodyCanRun() throws IOException, InterruptedException {
        if (nobodyJava == null) {
            String own = Paths.get(javaHome()).toRealPath().resolve("bin/java").toString();
            nobodyJava = startsAsNobody(own) ? own : "/usr/bin/java";
        }
        return nobodyJava;
    }

    private static String nobodyJava;

    private static boolean startsAsNobody(String java) throws IOException, InterruptedException {
        List<String> command = new ArrayList<String>(Arrays.asList("/usr/bin/setpriv", "--reuid=65534",
                "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", java, "-version"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        drainBytes(p, CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS, String.join(" ", command));
        return p.exitValue() == 0;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
