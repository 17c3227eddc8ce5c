/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.ChildJvm;
import io.github.bpf4j.Kernel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        int status;
        try {
            status = Demo.run(new PrintStream(bytes, true));
        } catch (BpfException e) {
            assumeTrue(!"EBUSY".equals(e.errnoName()), "another process reads the trace pipe: " + e.getMessage());
            throw e;
        }
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
        Kernel.requireUnprivilegedBpfDisabled();
        assumeTrue(ChildJvm.canDropToNobody(), ChildJvm.DROP_REASON);
        ChildJvm.Result r = ChildJvm.runAsNobody(dir, Main.class, "demo");
        String out = r.output.trim();
        assertEquals(1, r.exitCode, out);
        assertEquals(1, out.split("\n").length, "one line, no stack trace:\n" + out);
        // tracefs is root's (0700): only root, CAP_DAC_READ_SEARCH or wider modes help, not CAP_SYS_ADMIN
        assertTrue(out.startsWith("bpf4j demo cannot read the trace pipe: "), out);
        assertTrue(out.contains(Main.TRACEFS_ADVICE), out);
        assertTrue(!out.contains("needs root (or CAP_BPF"), out);
    }

    /** Where tracefs is not mounted, the demo mounts it: run it in a mount namespace without one. */
    @Test
    void demoMountsTracefsWhenItIsMissing() throws Exception {
        Kernel.requireBpf();
        assumeTrue(ChildJvm.canUnshare(), ChildJvm.UNSHARE_REASON);
        String java = System.getProperty("java.home") + "/bin/java";
        String script = "umount -l /sys/kernel/tracing 2>/dev/null; umount -l /sys/kernel/debug 2>/dev/null;"
                + " if [ -e /sys/kernel/tracing/trace_pipe ]; then echo still mounted; exit 99; fi;"
                + " exec \"$0\" -XX:+IgnoreUnrecognizedVMOptions --enable-native-access=ALL-UNNAMED"
                + " -cp \"$1\" io.github.bpf4j.cli.Main demo";
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/unshare", "--mount", "--propagation", "private",
                "/bin/sh", "-c", script, java, System.getProperty("java.class.path"));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = ChildJvm.drain(p, 120, TimeUnit.SECONDS);
        assumeTrue(p.exitValue() == 0 || !out.contains("EBUSY"), "another process reads the trace pipe: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains(SEED_STDOUT), out);
        assertTrue(out.contains("bpf_trace_printk: buf: hello from user"), out);
    }

}
