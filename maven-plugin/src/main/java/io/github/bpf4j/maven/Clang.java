package io.github.bpf4j.maven;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One clang executable whose version has been checked. Found the way CMake
 * finds it for the library's own objects (clang-19 first, then clang), plus
 * any other versioned clang on PATH, so a machine with only clang-20 works.
 */
public final class Clang {
    /** The version bpf4j's own objects are built and tested with. */
    public static final int TESTED_MAJOR = 19;

    // "Debian clang version 19.1.7 (3~deb12u1)", "clang version 20.0.0git",
    // "Apple clang version 15.0.0", "Ubuntu clang version 18.1.3 (1ubuntu1)"
    private static final Pattern VERSION = Pattern.compile("clang version (\\d+)\\.(\\d+)(?:\\.(\\d+))?");
    private static final Pattern VERSIONED_NAME = Pattern.compile("clang-(\\d+)");

    private final Path executable;
    private final int major;
    private final int minor;
    private final String versionLine;
    private List<String> systemIncludes;

    private Clang(Path executable, int major, int minor, String versionLine) {
        this.executable = executable;
        this.major = major;
        this.minor = minor;
        this.versionLine = versionLine;
    }

    public Path executable() {
        return executable;
    }

    public int major() {
        return major;
    }

    public String version() {
        return versionLine;
    }

    @Override
    public String toString() {
        return executable + " (" + versionLine + ")";
    }

    /**
     * The clang to use: {@code configured} (a path, or a command name looked up
     * on PATH) if given, else the first of clang-19, clang, clang-NN (highest
     * first) on PATH that is at least {@code minimumMajor}.
     */
    public static Clang locate(String configured, int minimumMajor) throws BpfBuildException {
        String path = System.getenv("PATH");
        if (configured != null && !configured.trim().isEmpty()) {
            String name = configured.trim();
            Path exe = name.indexOf('/') >= 0 ? Paths.get(name) : onPath(name, path);
            if (exe == null || !Files.isExecutable(exe)) {
                throw new BpfBuildException("bpf4j: clang '" + name + "' (the <clang> setting) is not "
                        + (name.indexOf('/') >= 0 ? "an executable file" : "on PATH (" + path + ")")
                        + "; install clang " + TESTED_MAJOR + " (Debian: apt-get install clang-" + TESTED_MAJOR
                        + ") or point <clang> / -Dbpf4j.clang at it");
            }
            Clang clang = probe(exe);
            requireAtLeast(clang, minimumMajor);
            return clang;
        }
        List<Path> candidates = candidates(path);
        if (candidates.isEmpty()) {
            throw new BpfBuildException("bpf4j: no clang on PATH (looked for clang-" + TESTED_MAJOR
                    + ", clang and clang-<N> in " + path + "); install clang " + TESTED_MAJOR
                    + " (Debian: apt-get install clang-" + TESTED_MAJOR
                    + ") or set <clang> / -Dbpf4j.clang to its path");
        }
        List<String> tooOld = new ArrayList<>();
        for (Path exe : candidates) {
            Clang clang = probe(exe);
            if (clang.major >= minimumMajor) {
                return clang;
            }
            tooOld.add(clang.toString());
        }
        throw new BpfBuildException("bpf4j: every clang on PATH is older than clang " + minimumMajor + ": "
                + String.join(", ", tooOld) + "; install clang " + TESTED_MAJOR + " (Debian: apt-get install clang-"
                + TESTED_MAJOR + ") or set <clang> / -Dbpf4j.clang to a newer one");
    }

    /** Reads {@code exe --version}; fails when it is not clang. */
    public static Clang probe(Path exe) throws BpfBuildException {
        Result r;
        try {
            r = run(Collections.singletonList(exe.toString()), Collections.singletonList("--version"), null);
        } catch (IOException e) {
            throw new BpfBuildException("bpf4j: cannot run " + exe + " --version: " + e.getMessage()
                    + "; check that it is an executable clang", e);
        }
        Matcher m = VERSION.matcher(r.output);
        if (r.exitCode != 0 || !m.find()) {
            String first = r.output.trim().isEmpty() ? "(nothing)" : r.output.trim().split("\n", 2)[0];
            throw new BpfBuildException("bpf4j: " + exe + " --version printed no clang version (exit " + r.exitCode
                    + ", first line: " + first + "); point <clang> at a clang executable");
        }
        String line = r.output.substring(lineStart(r.output, m.start()), lineEnd(r.output, m.end())).trim();
        return new Clang(exe, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), line);
    }

    private static void requireAtLeast(Clang clang, int minimumMajor) throws BpfBuildException {
        if (clang.major < minimumMajor) {
            throw new BpfBuildException("bpf4j: " + clang.executable + " is clang " + clang.major + "." + clang.minor
                    + ", but clang " + minimumMajor + " or newer is needed (bpf4j is tested with clang "
                    + TESTED_MAJOR + "); install clang-" + TESTED_MAJOR + " and set <clang> / -Dbpf4j.clang to it"
                    + " (or lower <minimumClangVersion> at your own risk)");
        }
    }

    /**
     * The host's system include directories, appended with -idirafter: with
     * -target bpf clang drops the multiarch directory where Debian keeps
     * {@code <asm/types.h>}, which {@code <linux/bpf.h>} needs (as CMakeLists.txt does).
     */
    public synchronized List<String> systemIncludes() throws BpfBuildException {
        if (systemIncludes == null) {
            Result r;
            try {
                r = run(Collections.singletonList(executable.toString()), Arrays.asList("-v", "-E", "-x", "c", "-"), null);
            } catch (IOException e) {
                throw new BpfBuildException("bpf4j: cannot run " + executable + " -v -E: " + e.getMessage(), e);
            }
            List<String> dirs = new ArrayList<>();
            boolean in = false;
            for (String line : r.output.split("\n")) {
                if (line.startsWith("#include <...> search starts here:")) {
                    in = true;
                } else if (line.startsWith("End of search list.")) {
                    in = false;
                } else if (in && !line.trim().isEmpty()) {
                    dirs.add(line.trim());
                }
            }
            systemIncludes = Collections.unmodifiableList(dirs);
        }
        return systemIncludes;
    }

    /** Runs clang with these arguments; the output is stdout and stderr together. */
    public Result run(List<String> args, Path workDir) throws IOException {
        return run(Collections.singletonList(executable.toString()), args, workDir);
    }

    private static Result run(List<String> command, List<String> args, Path workDir) throws IOException {
        List<String> cmd = new ArrayList<>(command);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(new File("/dev/null"));
        // clang's diagnostics in English whatever the build machine's locale, so
        // messages can be searched for and tests can match them
        pb.environment().put("LC_ALL", "C");
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (InputStream in = p.getInputStream()) {
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
        }
        int exit;
        try {
            exit = p.waitFor();
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + cmd.get(0), e);
        }
        return new Result(exit, new String(out.toByteArray(), StandardCharsets.UTF_8));
    }

    /** What one clang run printed and how it ended. */
    public static final class Result {
        public final int exitCode;
        public final String output;

        Result(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    private static Path onPath(String name, String path) {
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Paths.get(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** clang-19, clang, then clang-NN highest first; each name once (first PATH entry wins). */
    static List<Path> candidates(String path) {
        List<Path> out = new ArrayList<>();
        Path preferred = onPath("clang-" + TESTED_MAJOR, path);
        if (preferred != null) {
            out.add(preferred);
        }
        Path plain = onPath("clang", path);
        if (plain != null) {
            out.add(plain);
        }
        TreeMap<Integer, Path> versioned = new TreeMap<>(Collections.reverseOrder());
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                String[] names = dir.isEmpty() ? null : new File(dir).list();
                if (names == null) {
                    continue;
                }
                for (String n : names) {
                    Matcher m = VERSIONED_NAME.matcher(n);
                    if (m.matches() && !n.equals("clang-" + TESTED_MAJOR)) {
                        Path p = Paths.get(dir, n);
                        if (Files.isExecutable(p)) {
                            versioned.putIfAbsent(Integer.parseInt(m.group(1)), p);
                        }
                    }
                }
            }
        }
        out.addAll(versioned.values());
        return out;
    }

    private static int lineStart(String s, int i) {
        int n = s.lastIndexOf('\n', i);
        return n < 0 ? 0 : n + 1;
    }

    private static int lineEnd(String s, int i) {
        int n = s.indexOf('\n', i);
        return n < 0 ? s.length() : n;
    }
}
