/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.trust;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/** Java 8 stand-ins for ProcessHandle and Redirect.DISCARD, and a bounded command runner. */
final class Procs {
    private Procs() {}

    static long pid() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Paths.get("/proc/self")).toString());
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("no /proc/self", e);
        }
    }

    /** Runs a command, output discarded; its exit code, or an AssertionError after 20 s. */
    static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(new File("/dev/null"))).start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + Arrays.toString(command));
        }
        return p.exitValue();
    }
}
