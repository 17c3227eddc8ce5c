/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

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
        return null;
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
}
