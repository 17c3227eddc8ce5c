/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.fuzz;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link FuzzChild} in child JVMs and survives their deaths: a child that
 * crashes (or stops making progress) is killed, the input it was running is
 * read back from the progress file and reported, and a new child carries on
 * with the next input.
 */
final class FuzzRunner {
    /** An input that killed or hung its child JVM. */
    static final class Death {
        final int index;
        final String why;

        Death(int index, String why) {
            this.index = index;
            this.why = why;
        }
    }

    /** A child without progress for this long is hung (a verifier run is bounded far below it). */
    private static final long STALL_MILLIS = 60_000;

    final Path workDir;
    final List<Death> deaths = new ArrayList<Death>();
    final List<String> results = new ArrayList<String>();
    int children;

    FuzzRunner(Path workDir) throws IOException {
        this.workDir = Files.createDirectories(workDir);
        // a previous run's child logs and hs_err files would be mistaken for this run's
        try (java.util.stream.Stream<Path> old = Files.list(workDir)) {
            for (Path p : (Iterable<Path>) old::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Runs inputs [from, to) of a child command; {@code argsFor(next)} gives the
     * child's arguments after the progress and results files, starting at
     * input {@code next}.
     */
    void run(int from, int to, java.util.function.IntFunction<List<String>> argsFor) throws Exception {
        int next = from;
        while (next < to) {
            Path progress = workDir.resolve("progress");
            Path out = workDir.resolve("results");
            Path log = workDir.resolve("child-" + children + ".log");
            Files.deleteIfExists(out);
            try (RandomAccessFile f = new RandomAccessFile(progress.toFile(), "rw")) {
                f.setLength(0);
                f.writeLong(next);
            }
            List<String> command = new ArrayList<String>(Arrays.asList(
                    Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:+IgnoreUnrecognizedVMOptions", "--enable-native-access=ALL-UNNAMED",
                    "-XX:TieredStopAtLevel=1", "-Xmx256m", "-XX:-CreateCoredumpOnCrash",
                    "-XX:ErrorFile=" + workDir.resolve("hs_err_pid%p.log")));
            // The parent's bpf4j.* properties: in the sanitized run, bpf4j.library.path names the
            // instrumented library (the sanitizer runtimes come with the inherited environment).
            command.addAll(io.github.bpf4j.ChildJvm.bpf4jProperties());
            command.addAll(Arrays.asList("-cp", System.getProperty("java.class.path"), FuzzChild.class.getName()));
            command.add(argsFor.apply(next).get(0));
            command.add(progress.toString());
            command.add(out.toString());
            List<String> rest = argsFor.apply(next);
            command.addAll(rest.subList(1, rest.size()));
            children++;
            // Output to a file: a chatty child can never block on a full pipe.
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long lastIndex = -2;
            long lastChange = System.nanoTime();
            while (!p.waitFor(200, TimeUnit.MILLISECONDS)) {
                long index = readProgress(progress);
                if (index != lastIndex) {
                    lastIndex = index;
                    lastChange = System.nanoTime();
                } else if (System.nanoTime() - lastChange > TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS)) {
                    p.destroyForcibly().waitFor();
                    break;
                }
            }
            if (Files.exists(out)) {
                results.addAll(Files.readAllLines(out, StandardCharsets.UTF_8));
            }
            long index = readProgress(progress);
            int exit = p.exitValue();
            if (exit == 0 && index == -1) {
                return;
            }
            int culprit = (int) index;
            String tail = tail(log, 12);
            deaths.add(new Death(culprit, (exit == 0 ? "stopped" : p.isAlive() ? "hung" : "exit " + exit
                    + (exit > 128 ? " (signal " + (exit - 128) + ")" : "")) + "; child log " + log + ":\n" + tail));
            next = culprit + 1;
        }
    }

    private static long readProgress(Path progress) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(progress.toFile(), "r")) {
            return f.length() >= 8 ? f.readLong() : -2;
        }
    }

    private static String tail(Path log, int lines) throws IOException {
        List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** The project's own BPF objects: the tests' and the shipped ones. */
    static List<Path> seedObjects() throws Exception {
        List<Path> seeds = new ArrayList<Path>();
        for (String dir : new String[] { "/bpf/arena_build.bpf.o", "/io/github/bpf4j/bpf/mmap.bpf.o" }) {
            java.net.URL url = FuzzRunner.class.getResource(dir);
            if (url == null) {
                throw new IllegalStateException("BPF objects not built: no class-path resource " + dir);
            }
            File[] files = new File(url.toURI()).getParentFile().listFiles((d, n) -> n.endsWith(".bpf.o"));
            Arrays.sort(files);
            for (File f : files) {
                seeds.add(f.toPath());
            }
        }
        return seeds;
    }
}
