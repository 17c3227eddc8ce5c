/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import io.github.bpf4j.BpfProgram;

/**
 * An XDP program (SEC("xdp")) on a network interface (CAP_NET_ADMIN). By default as a BPF link
 * (Linux 5.9+), which one program holds until closed: another attach in the same mode fails with EBUSY;
 * swap the program of a link atomically with the link's update instead. {@link #netlink()} attaches the
 * old way, over netlink (any kernel with XDP), refusing an interface that has a program already
 * (XDP_FLAGS_UPDATE_IF_NOEXIST); {@link #replacing(BpfProgram)} swaps a netlink-attached program
 * atomically, only if it is still the one expected (XDP_FLAGS_REPLACE). A netlink attachment is no BPF
 * link: {@link io.github.bpf4j.BpfLink#fd()} is -1, and closing it detaches the program only while it is
 * still this one.
 *
 * <pre>{@code
 * try (BpfLink link = prog.attach(Xdp.on("eth0").mode(XdpMode.SKB))) { ... }
 * }</pre>
 */
public final class Xdp extends AttachPoint {
    private final String interfaceName;
    private final int ifindex;
    private final XdpMode mode;
    private final boolean netlink;
    private final BpfProgram replaced;

    private Xdp(String interfaceName, int ifindex, XdpMode mode, boolean netlink, BpfProgram replaced) {
        this.interfaceName = interfaceName;
        this.ifindex = ifindex;
        this.mode = mode;
        this.netlink = netlink;
        this.replaced = replaced;
    }

    /** The interface named {@code interfaceName}, in {@link XdpMode#DEFAULT} mode, as a BPF link. */
    public static Xdp on(String interfaceName) {
        return new Xdp(Interfaces.name(interfaceName), 0, XdpMode.DEFAULT, false, null);
    }

    /** The interface with index {@code ifindex}. */
    public static Xdp on(int ifindex) {
        return new Xdp(null, Interfaces.index(ifindex), XdpMode.DEFAULT, false, null);
    }

    /** The mode (XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE, or neither). */
    public Xdp mode(XdpMode mode) {
        if (mode == null) {
            throw new NullPointerException("mode is null");
        }
        return new Xdp(interfaceName, ifindex, mode, netlink, replaced);
    }

    /**
     * Attaches over netlink, not as a BPF link: if the interface has no XDP program in this mode, or, after
     * {@link #replacing}, in place of that program.
     */
    public Xdp netlink() {
        return new Xdp(interfaceName, ifindex, mode, true, replaced);
    }

    /**
     * Attaches over netlink in place of {@code old}, atomically, only if {@code old} is the program attached
     * there now (XDP_FLAGS_REPLACE), else fails with EEXIST. The attachment that held {@code old} is then
     * empty: closing it does nothing.
     */
    public Xdp replacing(BpfProgram old) {
        if (old == null) {
            throw new NullPointerException("old is null");
        }
        old.fd(); // closed or not loaded: IllegalStateException now
        return new Xdp(interfaceName, ifindex, mode, true, old);
    }

    /** The interface's name, or null if given by index. */
    public String interfaceName() {
        return interfaceName;
    }

    /** The interface's index, or 0 if given by name. */
    public int ifindex() {
        return ifindex;
    }

    public XdpMode mode() {
        return mode;
    }

    /** True for a netlink attachment, false for a BPF link. */
    public boolean isNetlink() {
        return netlink;
    }

    /** The program expected there and replaced, or null. */
    public BpfProgram replaced() {
        return replaced;
    }

    @Override
    public String target() {
        return "xdp:" + Interfaces.describe(interfaceName, ifindex);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Xdp)) {
            return false;
        }
        Xdp x = (Xdp) o;
        return InterfacePoint.eq(x.interfaceName, interfaceName) && x.ifindex == ifindex && x.mode == mode
                && x.netlink == netlink && x.replaced == replaced;
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(new Object[] {interfaceName, ifindex, mode, netlink,
            System.identityHashCode(replaced)});
    }

    @Override
    public String toString() {
        return "Xdp[" + target() + ", mode " + mode + (netlink ? ", netlink" : "")
                + (replaced == null ? "" : ", replacing '" + replaced.name() + "'") + "]";
    }
}
