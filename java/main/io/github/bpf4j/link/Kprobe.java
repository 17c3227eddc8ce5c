/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * A kprobe or kretprobe on a kernel function ({@code bpf_program__attach_kprobe_opts}),
 * for a {@code SEC("kprobe")}/{@code SEC("kretprobe")} program (type KPROBE).
 * Needs a kernel with CONFIG_KPROBES; without it, attaching throws
 * {@link io.github.bpf4j.BpfNotSupportedException} naming the option (fentry/fexit
 * reach kernel functions without kprobes).
 *
 * <pre>{@code
 * BpfLink link = prog.attach(Kprobe.of("do_unlinkat").cookie(42));
 * }</pre>
 */
public final class Kprobe extends TracingPoint {
    private final String function;
    private final long offset;
    private final boolean retprobe;
    private final long cookie;
    private final ProbeMode mode;

    private Kprobe(String function, long offset, boolean retprobe, long cookie, ProbeMode mode) {
        this.function = function;
        this.offset = offset;
        this.retprobe = retprobe;
        this.cookie = cookie;
        this.mode = mode;
    }

    /** A kprobe at the entry of {@code function} (a name from /sys/kernel/tracing/available_filter_functions). */
    public static Kprobe of(String function) {
        return new Kprobe(requireName("function", function), 0, false, 0, ProbeMode.DEFAULT);
    }

    /** A kretprobe: runs when {@code function} returns. */
    public static Kprobe returnOf(String function) {
        return of(function).retprobe(true);
    }

    /** Probes {@code offset} bytes into the function (an instruction boundary; entry probes only). */
    public Kprobe offset(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset " + offset + ": must be >= 0");
        }
        return new Kprobe(function, offset, retprobe, cookie, mode);
    }

    /** True: a kretprobe, run at the function's return. */
    public Kprobe retprobe(boolean retprobe) {
        return new Kprobe(function, offset, retprobe, cookie, mode);
    }

    /** What {@code bpf_get_attach_cookie()} returns in the program (Linux 5.15+). */
    public Kprobe cookie(long cookie) {
        return new Kprobe(function, offset, retprobe, cookie, mode);
    }

    /**
     * How the probe is made ({@code bpf_kprobe_opts.attach_mode}); {@link ProbeMode#DEFAULT}, the newest the
     * kernel has, unless set.
     */
    public Kprobe mode(ProbeMode mode) {
        if (mode == null) {
            throw new NullPointerException("mode is null");
        }
        return new Kprobe(function, offset, retprobe, cookie, mode);
    }

    /** The kernel function set by {@link #of} or {@link #returnOf}. */
    public String function() {
        return function;
    }

    /** The offset into the function set by {@link #offset(long)}; 0: its entry. */
    public long offset() {
        return offset;
    }

    /** Whether this is a kretprobe ({@link #retprobe}). */
    public boolean isRetprobe() {
        return retprobe;
    }

    /** The cookie set by {@link #cookie(long)}; 0 unless set. */
    public long cookie() {
        return cookie;
    }

    /** The mode set by {@link #mode(ProbeMode)}. */
    public ProbeMode mode() {
        return mode;
    }

    /** {@code kprobe/do_unlinkat}, {@code kprobe/do_unlinkat+0x8}, {@code kretprobe/do_unlinkat}. */
    @Override
    public String target() {
        return (retprobe ? "kretprobe/" : "kprobe/") + function + (offset != 0 ? "+0x" + Long.toHexString(offset) : "");
    }

    @Override
    Object[] values() {
        return new Object[] {function, offset, retprobe, cookie, mode};
    }

    @Override
    public String toString() {
        return "Kprobe[" + target() + cookieText(cookie) + (mode != ProbeMode.DEFAULT ? ", " + mode : "") + "]";
    }
}
