/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * A BTF-based tracing program at the target it was loaded for:
 * {@code fentry}/{@code fexit}/{@code fmod_ret} (a kernel function through a BPF
 * trampoline, or a BPF program's function), {@code lsm} (an LSM hook; needs
 * {@code bpf} among the active LSMs), {@code tp_btf} (a BTF tracepoint) and
 * {@code freplace} (an EXT program replacing a BPF program's global function). The target is fixed before load, by the section
 * ({@code SEC("fentry/do_unlinkat")}) or by {@code BpfProgram.setAttachTarget};
 * this point only adds the cookie ({@code bpf_program__attach_trace_opts}).
 *
 * <pre>{@code
 * prog.attach(BtfTracing.loadTarget().cookie(3));
 * }</pre>
 */
public final class BtfTracing extends TracingPoint {
    private static final BtfTracing LOAD_TARGET = new BtfTracing(0);
    private final long cookie;

    private BtfTracing(long cookie) {
        this.cookie = cookie;
    }

    /** The target the program was loaded for. */
    public static BtfTracing loadTarget() {
        return LOAD_TARGET;
    }

    /** What {@code bpf_get_attach_cookie()} returns in the program (Linux 5.19+ for fentry/fexit/lsm, 6.10+ for tp_btf). */
    public BtfTracing cookie(long cookie) {
        return new BtfTracing(cookie);
    }

    /** The cookie set by {@link #cookie(long)}; 0 unless set. */
    public long cookie() {
        return cookie;
    }

    /** {@code btf-tracing}: the link's own target is the program's section (e.g. {@code fentry/do_unlinkat}). */
    @Override
    public String target() {
        return "btf-tracing";
    }

    @Override
    Object[] values() {
        return new Object[] {cookie};
    }

    @Override
    public String toString() {
        return "BtfTracing[load target" + cookieText(cookie) + "]";
    }
}
