/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * A USDT probe (a systemtap-style {@code stapsdt} note: provider and name) in a
 * binary or library, through libbpf's USDT support ({@code bpf_program__attach_usdt}),
 * for a {@code SEC("usdt")} program written with {@code #include <bpf/usdt.bpf.h>}:
 * {@code bpf_usdt_arg(ctx, i, &value)} reads the probe's arguments and
 * {@code bpf_usdt_cookie(ctx)} the cookie. List a binary's probes with
 * {@code readelf -n <binary>}.
 *
 * <pre>{@code
 * String jvm = Uprobe.mappedLibrary("libjvm.so");
 * prog.attach(Usdt.of(jvm, "hotspot", "gc__begin").thisProcess());
 * }</pre>
 */
public final class Usdt extends TracingPoint {
    private final String binary;
    private final String provider;
    private final String name;
    private final int pid;
    private final long cookie;

    private Usdt(String binary, String provider, String name, int pid, long cookie) {
        this.binary = binary;
        this.provider = provider;
        this.name = name;
        this.pid = pid;
        this.cookie = cookie;
    }

    /** Probe {@code provider:name} of {@code binary} (a path, or a library name libbpf resolves as for {@link Uprobe}). */
    public static Usdt of(String binary, String provider, String name) {
        return new Usdt(requireName("binary", binary), requireName("provider", provider), requireName("name", name),
                -1, 0);
    }

    /** Only in process {@code pid} (-1, the default: every process). */
    public Usdt pid(int pid) {
        return new Usdt(binary, provider, name, requirePid(pid), cookie);
    }

    /** Only in this process (this JVM). */
    public Usdt thisProcess() {
        return pid(currentPid());
    }

    /** What {@code bpf_usdt_cookie(ctx)} returns in the program. */
    public Usdt cookie(long cookie) {
        return new Usdt(binary, provider, name, pid, cookie);
    }

    /** The binary or library set by {@link #of}, as given (libbpf resolves a bare name at attach). */
    public String binary() {
        return binary;
    }

    /** The probe's provider set by {@link #of}, e.g. {@code hotspot}. */
    public String provider() {
        return provider;
    }

    /** The probe's name within its provider, set by {@link #of}, e.g. {@code gc__begin}. */
    public String name() {
        return name;
    }

    /** The process set by {@link #pid(int)}; -1: every process. */
    public int pid() {
        return pid;
    }

    /** The cookie set by {@link #cookie(long)}; 0 unless set. */
    public long cookie() {
        return cookie;
    }

    /** {@code usdt/<binary>:hotspot:gc__begin}. */
    @Override
    public String target() {
        return "usdt/" + binary + ":" + provider + ":" + name;
    }

    @Override
    Object[] values() {
        return new Object[] {binary, provider, name, pid, cookie};
    }

    @Override
    public String toString() {
        return "Usdt[" + target() + pidText(pid) + cookieText(cookie) + "]";
    }
}
