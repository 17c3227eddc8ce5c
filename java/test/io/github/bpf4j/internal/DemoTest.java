/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.Kernel;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.nativelib.DefaultJniExtractor;

class DemoTest {
    /** The seed loader's stdout, byte for byte: hex, then the 16 raw bytes (NULs included). */
    static final String SEED_STDOUT =
            "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 \0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\n"
            + "68 65 6c 6c 6f 20 66 72 6f 6d 20 62 70 66 00 00 hello from bpf\0\0\n"
            + "68 65 6c 6c 6f 20 66 72 6f 6d 20 75 73 65 72 00 hello from user\0\n";

    @Test
    void demoPrintsTheSeedsLinesAndBothTraceLines() {
        Kernel.requireBpf();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = Demo.run(new PrintStream(bytes, true));
        String out = new String(bytes.toByteArray(), StandardCharsets.ISO_8859_1);
        assertEquals(0, status, out);
        assertTrue(out.startsWith(SEED_STDOUT), out);
        String[] trace = out.substring(SEED_STDOUT.length()).split("\n");
        assertEquals(2, trace.length, out);
        assertTrue(trace[0].endsWith("bpf_trace_printk: buf: hello from bpf"), trace[0]);
        assertTrue(trace[1].endsWith("bpf_trace_printk: buf: hello from user"), trace[1]);
    }

    /** Without privileges the demo says so in one sentence and exits non-zero: no stack trace. */
    @Test
    void demoWithoutPrivilegesExitsWithOneSentence(@TempDir Path dir) throws Exception {
        Kernel.requireBpf(); // root is needed to drop to nobody
        assumeTrue(new File("/usr/bin/setpriv").canExecute(), "needs setpriv (util-linux) to drop privileges");
        // nobody cannot read root's Maven repository or a private checkout: copy the class path.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> classPath = new ArrayList<String>();
        classPath.add(copyTree(Paths.get(Demo.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
                dir.resolve("classes")).toString());
        for (Class<?> c : Arrays.asList(DefaultJniExtractor.class, org.slf4j.Logger.class,
                org.slf4j.impl.StaticLoggerBinder.class)) {
            Path jar = Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI());
            classPath.add(Files.copy(jar, dir.resolve(jar.getFileName())).toString());
        }
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
                javaNobodyCanRun(), "-XX:+IgnoreUnrecognizedVMOptions",
                "--enable-native-access=ALL-UNNAMED", "-cp", String.join(":", classPath),
                "io.github.bpf4j.internal.Main", "demo");
        pb.redirectErrorStream(true);
        pb.directory(dir.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "demo did not exit");
        String out = new String(readAll(p), StandardCharsets.UTF_8).trim();
        assertEquals(1, p.exitValue(), out);
        assertEquals(1, out.split("\n").length, "one line, no stack trace:\n" + out);
        assertTrue(out.startsWith("bpf4j demo needs root"), out);
    }

    /** Where tracefs is not mounted, the demo mounts it: run it in a mount namespace without one. */
    @Test
    void demoMountsTracefsWhenItIsMissing() throws Exception {
        Kernel.requireBpf();
        assumeTrue(new File("/usr/bin/unshare").canExecute(), "needs unshare (util-linux) for a mount namespace");
        String java = System.getProperty("java.home") + "/bin/java";
        String script = "umount -l /sys/kernel/tracing 2>/dev/null; umount -l /sys/kernel/debug 2>/dev/null;"
                + " if [ -e /sys/kernel/tracing/trace_pipe ]; then echo still mounted; exit 99; fi;"
                + " exec \"$0\" -XX:+IgnoreUnrecognizedVMOptions --enable-native-access=ALL-UNNAMED"
                + " -cp \"$1\" io.github.bpf4j.internal.Main demo";
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/unshare", "--mount", "--propagation", "private",
                "/bin/sh", "-c", script, java, System.getProperty("java.class.path"));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "demo did not exit");
        String out = new String(readAll(p), StandardCharsets.ISO_8859_1);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains(SEED_STDOUT), out);
        assertTrue(out.contains("bpf_trace_printk: buf: hello from user"), out);
    }

    /**
     * This JVM if every directory above it lets others in; else the system's
     * (a JDK unpacked into a private checkout is out of nobody's reach).
     */
    private static String javaNobodyCanRun() throws IOException {
        Path home = Paths.get(System.getProperty("java.home")).toRealPath();
        for (Path p = home; p != null; p = p.getParent()) {
            if (!Files.getPosixFilePermissions(p).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                return "/usr/bin/java";
            }
        }
        return home.resolve("bin/java").toString();
    }

    private static byte[] readAll(Process p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (int n; (n = p.getInputStream().read(buf)) > 0;) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static Path copyTree(Path from, Path to) throws IOException {
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
        return to;
    }
}
