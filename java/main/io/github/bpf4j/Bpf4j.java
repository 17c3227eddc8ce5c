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

    // ---- what the kernel has (h3: issue 11)

    /**
     * Turns on run-time statistics ({@code BPF_ENABLE_STATS(BPF_STATS_RUN_TIME)}) for as long as the
     * returned handle is open: {@link ProgramInfo#runCount()} and {@link ProgramInfo#runTimeNanos()}
     * of every program grow while it is. System-wide, counted: they stay on while any holder remains.
     *
     * @throws BpfPermissionException without CAP_SYS_ADMIN
     */
    public static BpfStats enableStats() {
        Native.ensureLoaded();
        int fd = Native.enableStats();
        if (fd < 0) {
            throw Errors.of(Errors.Op.ENABLE_STATS, "bpf_enable_stats(BPF_STATS_RUN_TIME)", -fd, null);
        }
        return new BpfStats(fd);
    }

    /**
     * Every program in the kernel now, by id (loaded by any process): values, not handles; open one with
     * {@link BpfProgram#fromId}. A program that goes while the list is made is left out.
     *
     * @throws BpfPermissionException without CAP_SYS_ADMIN (walking ids needs it)
     */
    public static java.util.List<ProgramInfo> programs() {
        return walk(Native.IDS_PROG, "bpf_prog", new Reader<ProgramInfo>() {
            @Override
            public ProgramInfo read(int fd, int id) {
                return BpfProgram.readInfo(fd, "program id " + id);
            }
        });
    }

    /** Every map in the kernel now ({@link BpfMap#fromId} opens one); as {@link #programs()}. */
    public static java.util.List<MapInfo> maps() {
        return walk(Native.IDS_MAP, "bpf_map", new Reader<MapInfo>() {
            @Override
            public MapInfo read(int fd, int id) {
                return BpfMap.readInfo(fd, "map id " + id);
            }
        });
    }

    /** Every link in the kernel now ({@link BpfLink#fromId} opens one); as {@link #programs()}. */
    public static java.util.List<LinkInfo> links() {
        return walk(Native.IDS_LINK, "bpf_link", new Reader<LinkInfo>() {
            @Override
            public LinkInfo read(int fd, int id) {
                return BpfLink.readInfo(fd, "link id " + id);
            }
        });
    }

    /** Every BTF object in the kernel now (vmlinux, modules', programs'); as {@link #programs()}. */
    public static java.util.List<BtfInfo> btfs() {
        return walk(Native.IDS_BTF, "bpf_btf", new Reader<BtfInfo>() {
            @Override
            public BtfInfo read(int fd, int id) {
                long[] f = new long[io.github.bpf4j.internal.NativeLayout.BTF_INFO_LEN];
                byte[] name = new byte[io.github.bpf4j.internal.NativeLayout.BTF_INFO_NAME_BYTES];
                int err = Native.btfInfo(fd, f, name);
                if (err < 0) {
                    throw Errors.of(Errors.Op.INFO, "bpf_btf_get_info_by_fd(btf id " + id + ")", -err, null);
                }
                return new BtfInfo(f, new String(name, 0,
                        (int) f[io.github.bpf4j.internal.NativeLayout.BTF_INFO_NAME_SIZE],
                        java.nio.charset.StandardCharsets.UTF_8));
            }
        });
    }

    private interface Reader<T> {
        T read(int fd, int id);
    }

    /** bpf_*_get_next_id, get_fd_by_id, info, close; ENOENT on the fd means the object went meanwhile. */
    private static <T> java.util.List<T> walk(int kind, String prefix, Reader<T> reader) {
        Native.ensureLoaded();
        java.util.List<T> out = new java.util.ArrayList<T>();
        int id = 0;
        while (true) {
            int next = Native.nextId(kind, id);
            if (next == -Errors.ENOENT) { // past the last
                return out;
            }
            if (next < 0) {
                throw Errors.of(Errors.Op.BY_ID, prefix + "_get_next_id(" + id + ")", -next, null);
            }
            id = next;
            int fd = Native.fdById(kind, id);
            if (fd == -Errors.ENOENT) {
                continue; // freed between the two calls
            }
            if (fd < 0) {
                throw Errors.of(Errors.Op.BY_ID, prefix + "_get_fd_by_id(" + id + ")", -fd, null);
            }
            try {
                out.add(reader.read(fd, id));
            } finally {
                Native.close(fd);
            }
        }
    }
}
