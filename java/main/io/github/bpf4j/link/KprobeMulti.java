/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import java.util.Arrays;

/**
 * Many kprobes in one link ({@code bpf_program__attach_kprobe_multi_opts}, Linux 5.18+,
 * fprobe-based: CONFIG_FPROBE), for a {@code SEC("kprobe.multi")},
 * {@code SEC("kretprobe.multi")} or {@code SEC("kprobe.session")} program: the
 * functions a glob pattern matches, or a list of symbols (each with its own
 * cookie if given).
 *
 * <pre>{@code
 * prog.attach(KprobeMulti.pattern("vfs_*"));
 * prog.attach(KprobeMulti.symbols("vfs_read", "vfs_write").cookies(1, 2));
 * }</pre>
 */
public final class KprobeMulti extends TracingPoint {
    private final String pattern;
    private final String[] symbols;
    private final long[] cookies;
    private final boolean retprobe;
    private final boolean session;
    private final boolean uniqueMatch;

    private KprobeMulti(String pattern, String[] symbols, long[] cookies, boolean retprobe, boolean session,
            boolean uniqueMatch) {
        this.pattern = pattern;
        this.symbols = symbols;
        this.cookies = cookies;
        this.retprobe = retprobe;
        this.session = session;
        this.uniqueMatch = uniqueMatch;
    }

    /** Every function a glob ({@code *}, {@code ?}) matches in available_filter_functions. */
    public static KprobeMulti pattern(String glob) {
        return new KprobeMulti(requireName("pattern", glob), null, null, false, false, false);
    }

    /** Exactly these functions. */
    public static KprobeMulti symbols(String... symbols) {
        return new KprobeMulti(null, copyNames("symbols", symbols), null, false, false, false);
    }

    /** One cookie per symbol, in order ({@code bpf_get_attach_cookie()}); symbol lists only. */
    public KprobeMulti cookies(long... cookies) {
        if (symbols == null) {
            throw new IllegalStateException("cookies: a pattern's matches are not known in advance; give symbols(...)"
                    + " to give each its cookie");
        }
        return new KprobeMulti(pattern, symbols, copyLongs("cookies", cookies, symbols.length), retprobe, session,
                uniqueMatch);
    }

    /** Return probes (a {@code SEC("kretprobe.multi")} program). */
    public KprobeMulti retprobe(boolean retprobe) {
        return new KprobeMulti(pattern, symbols, cookies, retprobe, session, uniqueMatch);
    }

    /** Session probes: entry and return in one program (a {@code SEC("kprobe.session")} program, Linux 6.10+). */
    public KprobeMulti session(boolean session) {
        return new KprobeMulti(pattern, symbols, cookies, retprobe, session, uniqueMatch);
    }

    /** Fail unless the pattern matches exactly one function (libbpf 1.5+). */
    public KprobeMulti uniqueMatch(boolean uniqueMatch) {
        return new KprobeMulti(pattern, symbols, cookies, retprobe, session, uniqueMatch);
    }

    /** The glob, or null for a symbol list. */
    public String pattern() {
        return pattern;
    }

    /** The symbols (a copy), or null for a pattern. */
    public String[] symbols() {
        return symbols == null ? null : symbols.clone();
    }

    /** The cookies (a copy), or null. */
    public long[] cookies() {
        return cookies == null ? null : cookies.clone();
    }

    /** Whether these are return probes ({@link #retprobe}). */
    public boolean isRetprobe() {
        return retprobe;
    }

    /** Whether these are session probes ({@link #session}). */
    public boolean isSession() {
        return session;
    }

    /** Whether a pattern must match exactly one function ({@link #uniqueMatch}). */
    public boolean isUniqueMatch() {
        return uniqueMatch;
    }

    /** {@code kprobe.multi/vfs_*}, {@code kretprobe.multi/[vfs_read, vfs_write]}, {@code kprobe.session/...}. */
    @Override
    public String target() {
        return (session ? "kprobe.session/" : retprobe ? "kretprobe.multi/" : "kprobe.multi/")
                + (pattern != null ? pattern : Arrays.toString(symbols));
    }

    @Override
    Object[] values() {
        return new Object[] {pattern, symbols, cookies, retprobe, session, uniqueMatch};
    }

    @Override
    public String toString() {
        return "KprobeMulti[" + target() + (cookies != null ? ", cookies " + Arrays.toString(cookies) : "")
                + (uniqueMatch ? ", unique match" : "") + "]";
    }
}
