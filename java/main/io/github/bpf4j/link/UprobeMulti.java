/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import java.util.Arrays;

/**
 * Many uprobes of one binary in one link ({@code bpf_program__attach_uprobe_multi},
 * Linux 6.6+), for a {@code SEC("uprobe.multi")}, {@code SEC("uretprobe.multi")}
 * or {@code SEC("uprobe.session")} program: the functions a glob matches, a
 * list of symbols, or a list of file offsets; optionally a cookie and a
 * reference counter offset per probe.
 *
 * <pre>{@code
 * prog.attach(UprobeMulti.pattern(Uprobe.mappedLibrary("libc.so.6"), "getpid*").thisProcess());
 * }</pre>
 */
public final class UprobeMulti extends TracingPoint {
    private final String binary;
    private final String pattern;
    private final String[] symbols;
    private final long[] offsets;
    private final long[] refCtrOffsets;
    private final long[] cookies;
    private final int pid;
    private final boolean retprobe;
    private final boolean session;

    private UprobeMulti(String binary, String pattern, String[] symbols, long[] offsets, long[] refCtrOffsets,
            long[] cookies, int pid, boolean retprobe, boolean session) {
        this.binary = binary;
        this.pattern = pattern;
        this.symbols = symbols;
        this.offsets = offsets;
        this.refCtrOffsets = refCtrOffsets;
        this.cookies = cookies;
        this.pid = pid;
        this.retprobe = retprobe;
        this.session = session;
    }

    /** Every function of {@code binary} whose name the glob ({@code *}, {@code ?}) matches. */
    public static UprobeMulti pattern(String binary, String glob) {
        return new UprobeMulti(requireName("binary", binary), requireName("pattern", glob), null, null, null, null,
                -1, false, false);
    }

    /** Exactly these functions of {@code binary}. */
    public static UprobeMulti symbols(String binary, String... symbols) {
        return new UprobeMulti(requireName("binary", binary), null, copyNames("symbols", symbols), null, null, null,
                -1, false, false);
    }

    /** The instructions at these file offsets of {@code binary}. */
    public static UprobeMulti offsets(String binary, long... offsets) {
        if (offsets == null) {
            throw new NullPointerException("offsets is null");
        }
        if (offsets.length == 0) {
            throw new IllegalArgumentException("offsets: give at least one");
        }
        return new UprobeMulti(requireName("binary", binary), null, null, offsets.clone(), null, null, -1, false,
                false);
    }

    private int count() {
        if (pattern != null) {
            throw new IllegalStateException("cookies: a pattern's matches are not known in advance; give symbols(...) or"
                    + " offsets(...) to give each probe its own value");
        }
        return symbols != null ? symbols.length : offsets.length;
    }

    /** One cookie per probe, in order ({@code bpf_get_attach_cookie()}); symbol or offset lists only. */
    public UprobeMulti cookies(long... cookies) {
        return new UprobeMulti(binary, pattern, symbols, offsets, refCtrOffsets, copyLongs("cookies", cookies,
                count()), pid, retprobe, session);
    }

    /** One USDT semaphore offset per probe (0: none); symbol or offset lists only. */
    public UprobeMulti refCtrOffsets(long... refCtrOffsets) {
        return new UprobeMulti(binary, pattern, symbols, offsets, copyLongs("refCtrOffsets", refCtrOffsets, count()),
                cookies, pid, retprobe, session);
    }

    /** Only in process {@code pid} (-1, the default: every process). */
    public UprobeMulti pid(int pid) {
        return new UprobeMulti(binary, pattern, symbols, offsets, refCtrOffsets, cookies, requirePid(pid), retprobe,
                session);
    }

    /** Only in this process (this JVM). */
    public UprobeMulti thisProcess() {
        return pid(currentPid());
    }

    /**
     * Return probes: each runs when its function returns (a {@code SEC("uretprobe.multi")} program); libbpf
     * refuses it together with {@link #session} (EINVAL at attach).
     */
    public UprobeMulti retprobe(boolean retprobe) {
        return new UprobeMulti(binary, pattern, symbols, offsets, refCtrOffsets, cookies, pid, retprobe, session);
    }

    /** Entry and return in one program (a {@code SEC("uprobe.session")} program, Linux 6.13+). */
    public UprobeMulti session(boolean session) {
        return new UprobeMulti(binary, pattern, symbols, offsets, refCtrOffsets, cookies, pid, retprobe, session);
    }

    /** The binary or library set by {@link #pattern}, {@link #symbols} or {@link #offsets}. */
    public String binary() {
        return binary;
    }

    /** The glob, or null for a symbol or offset list. */
    public String pattern() {
        return pattern;
    }

    /** The symbols (a copy), or null for a pattern or an offset list. */
    public String[] symbols() {
        return symbols == null ? null : symbols.clone();
    }

    /** The file offsets (a copy), or null for a pattern or a symbol list. */
    public long[] offsets() {
        return offsets == null ? null : offsets.clone();
    }

    /** The semaphore offsets set by {@link #refCtrOffsets(long...)} (a copy), or null: none. */
    public long[] refCtrOffsets() {
        return refCtrOffsets == null ? null : refCtrOffsets.clone();
    }

    /** The cookies set by {@link #cookies(long...)} (a copy), or null: every cookie 0. */
    public long[] cookies() {
        return cookies == null ? null : cookies.clone();
    }

    /** The process set by {@link #pid(int)}; -1: every process. */
    public int pid() {
        return pid;
    }

    /** Whether these are return probes ({@link #retprobe}). */
    public boolean isRetprobe() {
        return retprobe;
    }

    /** Whether these are session probes ({@link #session}). */
    public boolean isSession() {
        return session;
    }

    /** {@code uprobe.multi/<binary>:getpid*}, {@code uretprobe.multi/<binary>:[a, b]}. */
    @Override
    public String target() {
        String what = pattern != null ? pattern : symbols != null ? Arrays.toString(symbols) : hex(offsets);
        return (session ? "uprobe.session/" : retprobe ? "uretprobe.multi/" : "uprobe.multi/") + binary + ":" + what;
    }

    private static String hex(long[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(v[i]));
        }
        return sb.append(']').toString();
    }

    @Override
    Object[] values() {
        return new Object[] {binary, pattern, symbols, offsets, refCtrOffsets, cookies, pid, retprobe, session};
    }

    @Override
    public String toString() {
        return "UprobeMulti[" + target() + pidText(pid) + (cookies != null ? ", cookies " + Arrays.toString(cookies)
                : "") + "]";
    }
}
