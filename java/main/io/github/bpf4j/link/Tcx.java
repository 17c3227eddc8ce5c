/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * A tc program (SEC("tc"), SEC("tcx/ingress"), SEC("tcx/egress"): type SCHED_CLS) on an interface's
 * ingress or egress through tcx, as a BPF link (Linux 6.6+, CONFIG_NET_XGRESS; CAP_NET_ADMIN). tcx runs
 * several programs in order on each hook; the link places this one before or after another
 * ({@link #before(Anchor)}, {@link #first()}), at the end by default, and can insist the hook has not changed
 * since it looked ({@link #expectedRevision(long)}). The direction is this point's, whatever the section says.
 *
 * <pre>{@code
 * try (BpfLink link = prog.attach(Tcx.egress("eth0").before(Anchor.program(other)))) { ... }
 * }</pre>
 *
 * <p>The interface is looked up by name in the calling thread's network namespace when the attach is made.
 */
public final class Tcx extends AttachPoint {
    private final boolean egress;
    private final String interfaceName;
    private final int ifindex;
    private final Anchor.Side side;
    private final Anchor anchor;
    private final long expectedRevision;

    private Tcx(boolean egress, String interfaceName, int ifindex, Anchor.Side side, Anchor anchor,
            long expectedRevision) {
        this.egress = egress;
        this.interfaceName = interfaceName;
        this.ifindex = ifindex;
        this.side = side;
        this.anchor = anchor;
        this.expectedRevision = expectedRevision;
    }

    /** The ingress hook of the interface named {@code interfaceName} (BPF_TCX_INGRESS). */
    public static Tcx ingress(String interfaceName) {
        return new Tcx(false, Interfaces.name(interfaceName), 0, null, null, 0);
    }

    /** The ingress hook of the interface with index {@code ifindex}. */
    public static Tcx ingress(int ifindex) {
        return new Tcx(false, null, Interfaces.index(ifindex), null, null, 0);
    }

    /** The egress hook of the interface named {@code interfaceName} (BPF_TCX_EGRESS). */
    public static Tcx egress(String interfaceName) {
        return new Tcx(true, Interfaces.name(interfaceName), 0, null, null, 0);
    }

    /** The egress hook of the interface with index {@code ifindex}. */
    public static Tcx egress(int ifindex) {
        return new Tcx(true, null, Interfaces.index(ifindex), null, null, 0);
    }

    /** Runs the program right before {@code anchor}, which must be attached to the same hook. */
    public Tcx before(Anchor anchor) {
        return place(Anchor.Side.BEFORE, nonNull(anchor));
    }

    /** Runs the program right after {@code anchor}, which must be attached to the same hook. */
    public Tcx after(Anchor anchor) {
        return place(Anchor.Side.AFTER, nonNull(anchor));
    }

    /** Runs the program before every program on the hook (BPF_F_BEFORE without an anchor). */
    public Tcx first() {
        return place(Anchor.Side.BEFORE, null);
    }

    /** Runs the program after every program on the hook (BPF_F_AFTER without an anchor). */
    public Tcx last() {
        return place(Anchor.Side.AFTER, null);
    }

    /**
     * Attaches only if the hook's revision is still {@code revision} (it starts at 1 and grows by one with
     * every attach and detach on the hook), else fails with ESTALE; 0: any revision (the default).
     */
    public Tcx expectedRevision(long revision) {
        if (revision < 0) {
            throw new IllegalArgumentException("revision " + revision + " is negative");
        }
        return new Tcx(egress, interfaceName, ifindex, side, anchor, revision);
    }

    private Tcx place(Anchor.Side side, Anchor anchor) {
        return new Tcx(egress, interfaceName, ifindex, side, anchor, expectedRevision);
    }

    static Anchor nonNull(Anchor anchor) {
        if (anchor == null) {
            throw new NullPointerException("anchor is null");
        }
        return anchor;
    }

    /** Whether this is the egress hook ({@link #egress}) rather than ingress. */
    public boolean isEgress() {
        return egress;
    }

    /** The interface's name, or null if given by index. */
    public String interfaceName() {
        return interfaceName;
    }

    /** The interface's index, or 0 if given by name. */
    public int ifindex() {
        return ifindex;
    }

    /** Where the program goes relative to {@link #anchor()}; null: at the end (the kernel's default). */
    public Anchor.Side side() {
        return side;
    }

    /** The program or link the program is placed next to; null: first or last of all. */
    public Anchor anchor() {
        return anchor;
    }

    /** The revision the hook must have, 0 for any. */
    public long expectedRevision() {
        return expectedRevision;
    }

    @Override
    public String target() {
        return "tcx/" + (egress ? "egress" : "ingress") + ":" + Interfaces.describe(interfaceName, ifindex);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Tcx)) {
            return false;
        }
        Tcx t = (Tcx) o;
        return t.egress == egress && eq(t.interfaceName, interfaceName) && t.ifindex == ifindex && t.side == side
                && eq(t.anchor, anchor) && t.expectedRevision == expectedRevision;
    }

    static boolean eq(Object a, Object b) {
        return a == null ? b == null : a.equals(b);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(new Object[] {egress, interfaceName, ifindex, side, anchor, expectedRevision});
    }

    @Override
    public String toString() {
        return "Tcx[" + target() + (side == null ? "" : ", " + side.name().toLowerCase(java.util.Locale.ROOT)
                + (anchor == null ? " all" : " " + anchor)) + (expectedRevision == 0 ? "" : ", revision "
                + expectedRevision) + "]";
    }
}
