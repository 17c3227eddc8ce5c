/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.List;

/** clang for tests that compile BPF C: clang-19 (or a clang 19+) from PATH, or the tests skip. */
public final class Clang {
    private static final String CLANG = find();

    private Clang() {}

    /** Skips the calling test when no clang 19+ is installed. */
    public static String require() {
        assumeTrue(CLANG != null, "no clang-19 (or clang >= 19) on PATH: needed to compile BPF C");
        return CLANG;
    }

    /** The outcome of one compiler run. */
    public static final class Result {
        public final int status;
        public final String output;

        Result(int status, String output) {
            this.status = status;
            this.output = output;
        }
    }

    /** clang -O2 -g -target bpf -D__TARGET_ARCH_x86 FLAGS -c src -o out. */
    public static Result compile(Path src, Path out, String... flags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<String>(Arrays.asList(require(), "-O2", "-g", "-target", "bpf", "-Wall",
                "-D__TARGET_ARCH_x86"));
        cmd.addAll(Arrays.asList(flags));
        cmd.addAll(Arrays.asList("-c", src.toString(), "-o", out.toString()));
        return run(cmd);
    }

    /**
     * The -idirafter flags for this machine's own system headers, as CMakeLists.txt finds them: with
     * {@code -target bpf} clang drops the multiarch directory ({@code /usr/include/x86_64-linux-gnu}), where
     * {@code <asm/types.h>} lives.
     */
    public static List<String> hostIncludeFlags() throws IOException, InterruptedException {
        Result r = run(Arrays.asList(require(), "-v", "-E", "-x", "c", "/dev/null", "-o", "/dev/null"));
        List<String> flags = new ArrayList<String>();
        boolean in = false;
        for (String line : r.output.split("\n")) {
            if (line.startsWith("#include <...> search starts here:")) {
                in = true;
            } else if (line.startsWith("End of search list.")) {
                in = false;
            } else if (in) {
                flags.add("-idirafter");
                flags.add(line.trim());
            }
        }
        return flags;
    }

    private static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0;) {
                out.write(buf, 0, n);
            }
        }
        return new Result(p.waitFor(), new String(out.toByteArray(), StandardCharsets.UTF_8));
    }

    private static String find() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            for (String name : new String[] {"clang-19", "clang-20", "clang-21", "clang"}) {
                Path p = Paths.get(dir, name);
                if (Files.isExecutable(p) && version(p.toString()) >= 19) {
                    return p.toString();
                }
            }
        }
        return null;
    }

    private static int version(String clang) {
        try {
            Result r = run(Arrays.asList(clang, "--version"));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("clang version (\\d+)").matcher(r.output);
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException | InterruptedException e) {
            return 0;
        }
    }
}
