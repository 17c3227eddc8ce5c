/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import io.github.bpf4j.BpfMap;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Shared by the link tests: test-bpf/sys_link.bpf.c's counter, write(2) calls of this thread, shell commands. */
final class LinkTestSupport {
    static final String SYS_LINK = "bpf/sys_link.bpf.o";

    private LinkTestSupport() {}

    static void requireWriteTracepoint() {
        Assumptions.assumeTrue(new File("/sys/kernel/tracing/events/syscalls/sys_enter_write").isDirectory()
                        || new File("/sys/kernel/debug/tracing/events/syscalls/sys_enter_write").isDirectory()
                        || !new File("/sys/kernel/tracing/events").isDirectory(),
                "this kernel has no syscalls/sys_enter_write tracepoint (CONFIG_FTRACE_SYSCALLS)");
    }

    /** Makes count_writes count this thread's writes. */
    static void countThisThread(BpfMap config) {
        // The id bpf_get_current_pid_tgid() gives: not gettid() inside a container.
        config.update(key0(), u64(io.github.bpf4j.Kernel.hostTid()));
    }

    static long count(BpfMap counts) {
        byte[] v = counts.lookup(key0());
        return ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong();
    }

    /** {@code n} write(2) calls of this thread. */
    static void writes(File file, int n) throws IOException {
        try (FileOutputStream out = new FileOutputStream(file)) {
            for (int i = 0; i < n; i++) {
                out.write(i);
            }
        }
    }

    static byte[] key0() {
        return new byte[4];
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    /** Runs a command; its output (stdout and stderr). */
    static String sh(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            byte[] b = new byte[4096];
            for (int n; (n = in.read(b)) > 0;) {
                out.write(b, 0, n);
            }
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    static int exit(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(new File("/dev/null"))).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        return p.exitValue();
    }

    /** Waits until {@code condition} holds (a kernel object released by a work queue), at most 10 s. */
    static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }
}
