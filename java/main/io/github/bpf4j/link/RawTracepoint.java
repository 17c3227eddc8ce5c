/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * A raw tracepoint by name, without its category ({@code sys_enter},
 * {@code sched_switch}): {@code bpf_program__attach_raw_tracepoint_opts}, for a
 * {@code SEC("raw_tp")}/{@code SEC("raw_tracepoint")} program (also writable ones).
 * The program sees the tracepoint's raw arguments ({@code struct bpf_raw_tracepoint_args}).
 */
public final class RawTracepoint extends TracingPoint {
    private final String name;
    private final long cookie;

    private RawTracepoint(String name, long cookie) {
        this.name = name;
        this.cookie = cookie;
    }

    /**
     * The raw tracepoint {@code name}, e.g. {@code "sched_switch"} (no category; the kernel answers ENOENT for an
     * unknown one).
     */
    public static RawTracepoint of(String name) {
        return new RawTracepoint(requireName("name", name), 0);
    }

    /** What {@code bpf_get_attach_cookie()} returns in the program (Linux 6.10+). */
    public RawTracepoint cookie(long cookie) {
        return new RawTracepoint(name, cookie);
    }

    /** The tracepoint's name set by {@link #of}. */
    public String name() {
        return name;
    }

    /** The cookie set by {@link #cookie(long)}; 0 unless set. */
    public long cookie() {
        return cookie;
    }

    /** {@code raw_tp/sys_enter}. */
    @Override
    public String target() {
        return "raw_tp/" + name;
    }

    @Override
    Object[] values() {
        return new Object[] {name, cookie};
    }

    @Override
    public String toString() {
        return "RawTracepoint[" + target() + cookieText(cookie) + "]";
    }
}
