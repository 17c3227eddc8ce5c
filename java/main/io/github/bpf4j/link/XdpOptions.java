/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * How {@link io.github.bpf4j.BpfProgram#attachXdp(String, XdpOptions)}
 * attaches: immutable, so one instance can be shared; each setter returns a
 * new one.
 *
 * <pre>{@code
 * try (BpfLink link = prog.attachXdp("eth0", XdpOptions.defaults().mode(XdpMode.SKB))) { ... }
 * }</pre>
 */
public final class XdpOptions {
    private static final XdpOptions DEFAULTS = new XdpOptions(XdpMode.DEFAULT);

    private final XdpMode mode;

    private XdpOptions(XdpMode mode) {
        this.mode = mode;
    }

    /** Mode {@link XdpMode#DEFAULT}. */
    public static XdpOptions defaults() {
        return DEFAULTS;
    }

    /** These options with {@code mode}. */
    public XdpOptions mode(XdpMode mode) {
        if (mode == null) {
            throw new NullPointerException("mode is null");
        }
        return mode == this.mode ? this : new XdpOptions(mode);
    }

    public XdpMode mode() {
        return mode;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XdpOptions && ((XdpOptions) o).mode == mode;
    }

    @Override
    public int hashCode() {
        return mode.hashCode();
    }

    @Override
    public String toString() {
        return "XdpOptions[mode " + mode + "]";
    }
}
