/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.LibbpfLog;
import io.github.bpf4j.internal.Native;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.function.BiConsumer;
import java.util.logging.Level;

/** Library-wide facts and settings. */
public final class Bpf4j {
    private Bpf4j() {}

    /** This library's version. */
    public static String version() {
        Properties p = new Properties();
        try (InputStream in = Bpf4j.class.getResourceAsStream("bpf4j.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // fall through to "unknown"
        }
        return p.getProperty("version", "unknown");
    }

    /** The version of the libbpf linked into the native library, e.g. {@code v1.7}. */
    public static String libbpfVersion() {
        Native.ensureLoaded();
        return Native.libbpfVersion();
    }

    /**
     * Whether this kernel supports a map type, asked by creating a tiny map.
     *
     * @throws BpfPermissionException if this process may not create maps, so nobody can tell
     * @throws BpfException if libbpf cannot probe this type
     */
    public static boolean probe(MapType type) {
        Native.ensureLoaded();
        if (type == MapType.UNKNOWN || type == MapType.UNSPEC) {
            throw new IllegalArgumentException("cannot probe " + type);
        }
        return probeResult(Errors.Op.PROBE_MAP, "libbpf_probe_bpf_map_type(" + type + ")",
                Native.probeMapType(type.id()));
    }

    /**
     * Whether this kernel supports a program type, asked by loading a tiny program.
     *
     * @throws BpfPermissionException if this process may not load programs, so nobody can tell
     * @throws BpfException if libbpf cannot probe this type
     */
    public static boolean probe(ProgramType type) {
        Native.ensureLoaded();
        if (type == ProgramType.UNKNOWN || type == ProgramType.UNSPEC) {
            throw new IllegalArgumentException("cannot probe " + type);
        }
        return probeResult(Errors.Op.PROBE_PROG, "libbpf_probe_bpf_prog_type(" + type + ")",
                Native.probeProgramType(type.id()));
    }

    private static boolean probeResult(Errors.Op op, String operation, int ret) {
        if (ret < 0) {
            throw Errors.of(op, operation, -ret, null);
        }
        return ret == 1;
    }

    /**
     * Sends libbpf's messages to {@code handler} instead of java.util.logging's
     * {@code io.github.bpf4j.libbpf} logger (WARNING, INFO, and FINE for
     * libbpf's debug level). {@code null} restores the logger. The handler runs
     * on the thread that called into libbpf and must not call bpf4j.
     */
    public static void setLibbpfLogHandler(BiConsumer<Level, String> handler) {
        LibbpfLog.setHandler(handler);
    }
}
