/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * A uprobe or uretprobe on a function of a user-space binary or library
 * ({@code bpf_program__attach_uprobe_opts}), for a {@code SEC("uprobe")}/{@code SEC("uretprobe")}
 * program (type KPROBE). The binary is an absolute path, or a library name
 * libbpf resolves itself (a name with {@code .so} is searched in
 * {@code LD_LIBRARY_PATH} and the system library directories, e.g.
 * {@code "libc.so.6"}; other names in {@code PATH});
 * {@link #mappedLibrary} finds the exact file this JVM loaded. The probe fires in
 * every process that runs that code unless {@link #pid} restricts it.
 *
 * <pre>{@code
 * String libc = Uprobe.mappedLibrary("libc.so.6");       // e.g. /usr/lib/x86_64-linux-gnu/libc.so.6
 * BpfLink link = prog.attach(Uprobe.of(libc, "malloc").thisProcess());
 * }</pre>
 */
public final class Uprobe extends TracingPoint {
    private final String binary;
    private final String function; // null: offset is a file offset into binary
    private final long offset;
    private final int pid;
    private final boolean retprobe;
    private final long cookie;
    private final long refCtrOffset;
    private final ProbeMode mode;

    private Uprobe(String binary, String function, long offset, int pid, boolean retprobe, long cookie,
            long refCtrOffset, ProbeMode mode) {
        this.binary = binary;
        this.function = function;
        this.offset = offset;
        this.pid = pid;
        this.retprobe = retprobe;
        this.cookie = cookie;
        this.refCtrOffset = refCtrOffset;
        this.mode = mode;
    }

    /**
     * The entry of {@code function} in {@code binary}: a symbol of its dynamic or static symbol table, plain
     * ({@code "malloc"}) or versioned ({@code "malloc@GLIBC_2.2.5"}), resolved by libbpf at attach.
     */
    public static Uprobe of(String binary, String function) {
        return new Uprobe(requireName("binary", binary), requireName("function", function), 0, -1, false, 0, 0,
                ProbeMode.DEFAULT);
    }

    /** The instruction at file offset {@code offset} of {@code binary} (no symbol lookup). */
    public static Uprobe atOffset(String binary, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset " + offset + ": must be >= 0");
        }
        return new Uprobe(requireName("binary", binary), null, offset, -1, false, 0, 0, ProbeMode.DEFAULT);
    }

    /** A uretprobe on {@code function}: runs when it returns. */
    public static Uprobe returnOf(String binary, String function) {
        return of(binary, function).retprobe(true);
    }

    /**
     * The path of the library this process mapped whose file name is {@code name} or starts with
     * {@code name} followed by a dot or a dash ({@code "libc"}, {@code "libc.so.6"}, {@code "libjvm.so"}),
     * read from /proc/self/maps: the very file the JVM runs, wherever its distribution keeps it.
     *
     * @throws IllegalArgumentException if this process mapped no such library
     */
    public static String mappedLibrary(String name) {
        requireName("name", name);
        try (BufferedReader r = Files.newBufferedReader(Paths.get("/proc/self/maps"), StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null;) {
                int slash = line.indexOf('/');
                if (slash < 0 || line.endsWith(" (deleted)")) {
                    continue;
                }
                String path = line.substring(slash);
                String file = path.substring(path.lastIndexOf('/') + 1);
                if (file.equals(name) || (file.startsWith(name) && (file.charAt(name.length()) == '.'
                        || file.charAt(name.length()) == '-'))) {
                    return path;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("mappedLibrary(" + name + "): cannot read /proc/self/maps: " + e);
        }
        throw new IllegalArgumentException("mappedLibrary: this process has mapped no library named '" + name
                + "' (see /proc/self/maps); give the binary's path instead");
    }

    /** Within the function: probes {@code offset} bytes past its entry (for {@link #of}); for {@link #atOffset}, the file offset. */
    public Uprobe offset(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset " + offset + ": must be >= 0");
        }
        return new Uprobe(binary, function, offset, pid, retprobe, cookie, refCtrOffset, mode);
    }

    /** Only in process {@code pid} (-1, the default: every process running the code). */
    public Uprobe pid(int pid) {
        return new Uprobe(binary, function, offset, requirePid(pid), retprobe, cookie, refCtrOffset, mode);
    }

    /** Only in this process (this JVM). */
    public Uprobe thisProcess() {
        return pid(currentPid());
    }

    /** True: a uretprobe, run when the function returns (a {@code SEC("uretprobe")} program). */
    public Uprobe retprobe(boolean retprobe) {
        return new Uprobe(binary, function, offset, pid, retprobe, cookie, refCtrOffset, mode);
    }

    /** What {@code bpf_get_attach_cookie()} returns in the program (Linux 5.15+). */
    public Uprobe cookie(long cookie) {
        return new Uprobe(binary, function, offset, pid, retprobe, cookie, refCtrOffset, mode);
    }

    /**
     * The file offset of a USDT semaphore the kernel increments while the probe is attached (Linux 4.20+),
     * so the traced code can tell it is watched. 0: none.
     */
    public Uprobe refCtrOffset(long refCtrOffset) {
        if (refCtrOffset < 0) {
            throw new IllegalArgumentException("refCtrOffset " + refCtrOffset + ": must be >= 0");
        }
        return new Uprobe(binary, function, offset, pid, retprobe, cookie, refCtrOffset, mode);
    }

    /**
     * How the probe is made ({@code bpf_uprobe_opts.attach_mode}); {@link ProbeMode#DEFAULT}, the newest the
     * kernel has, unless set.
     */
    public Uprobe mode(ProbeMode mode) {
        if (mode == null) {
            throw new NullPointerException("mode is null");
        }
        return new Uprobe(binary, function, offset, pid, retprobe, cookie, refCtrOffset, mode);
    }

    /**
     * The binary or library set by {@link #of} or {@link #atOffset}, as given (libbpf resolves a bare name at
     * attach).
     */
    public String binary() {
        return binary;
    }

    /** The symbol, or null for a probe at a file offset. */
    public String function() {
        return function;
    }

    /** The offset set by {@link #offset(long)} or {@link #atOffset}: past the function's entry, or in the file. */
    public long offset() {
        return offset;
    }

    /** -1: every process. */
    public int pid() {
        return pid;
    }

    /** Whether this is a uretprobe ({@link #retprobe}). */
    public boolean isRetprobe() {
        return retprobe;
    }

    /** The cookie set by {@link #cookie(long)}; 0 unless set. */
    public long cookie() {
        return cookie;
    }

    /** The semaphore offset set by {@link #refCtrOffset(long)}; 0: none. */
    public long refCtrOffset() {
        return refCtrOffset;
    }

    /** The mode set by {@link #mode(ProbeMode)}. */
    public ProbeMode mode() {
        return mode;
    }

    /** {@code uprobe/<binary>:malloc}, {@code uretprobe/<binary>:malloc+0x4}, {@code uprobe/<binary>:0x1234}. */
    @Override
    public String target() {
        String at = function != null ? function + (offset != 0 ? "+0x" + Long.toHexString(offset) : "")
                : "0x" + Long.toHexString(offset);
        return (retprobe ? "uretprobe/" : "uprobe/") + binary + ":" + at;
    }

    @Override
    Object[] values() {
        return new Object[] {binary, function, offset, pid, retprobe, cookie, refCtrOffset, mode};
    }

    @Override
    public String toString() {
        return "Uprobe[" + target() + pidText(pid) + cookieText(cookie)
                + (refCtrOffset != 0 ? ", ref_ctr 0x" + Long.toHexString(refCtrOffset) : "")
                + (mode != ProbeMode.DEFAULT ? ", " + mode : "") + "]";
    }
}
