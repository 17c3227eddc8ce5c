/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * A kernel tracepoint, {@code <category>/<name>} as under
 * {@code /sys/kernel/tracing/events} ({@code bpf_program__attach_tracepoint_opts}),
 * for a {@code SEC("tp")}/{@code SEC("tracepoint")} program (type TRACEPOINT).
 * tracefs is mounted at /sys/kernel/tracing if it is mounted nowhere (libbpf reads
 * the tracepoint's id there).
 *
 * <pre>{@code
 * prog.attach(Tracepoint.of("syscalls", "sys_enter_getpid").cookie(7));
 * }</pre>
 */
public final class Tracepoint extends TracingPoint {
    private final String category;
    private final String name;
    private final long cookie;

    private Tracepoint(String category, String name, long cookie) {
        this.category = category;
        this.name = name;
        this.cookie = cookie;
    }

    /**
     * Tracepoint {@code category/name}, e.g. {@code of("syscalls", "sys_enter_getpid")}: a directory under
     * /sys/kernel/tracing/events (libbpf answers ENOENT for one that is not there).
     */
    public static Tracepoint of(String category, String name) {
        return new Tracepoint(requireName("category", category), requireName("name", name), 0);
    }

    /** What {@code bpf_get_attach_cookie()} returns in the program (Linux 5.15+). */
    public Tracepoint cookie(long cookie) {
        return new Tracepoint(category, name, cookie);
    }

    /** The category set by {@link #of}, e.g. {@code syscalls}. */
    public String category() {
        return category;
    }

    /** The tracepoint's name within its category, set by {@link #of}. */
    public String name() {
        return name;
    }

    /** The cookie set by {@link #cookie(long)}; 0 unless set. */
    public long cookie() {
        return cookie;
    }

    /** {@code tp/syscalls/sys_enter_getpid}. */
    @Override
    public String target() {
        return "tp/" + category + "/" + name;
    }

    @Override
    Object[] values() {
        return new Object[] {category, name, cookie};
    }

    @Override
    public String toString() {
        return "Tracepoint[" + target() + cookieText(cookie) + "]";
    }
}
