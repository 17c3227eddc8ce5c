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
public final class Tcx extends MultiProgramPoint<Tcx> {
    private final boolean egress;

    private Tcx(boolean egress, String interfaceName, int ifindex, Anchor.Side side, Anchor anchor,
            long expectedRevision) {
        super(interfaceName, ifindex, side, anchor, expectedRevision);
        this.egress = egress;
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
        return placeBefore(anchor);
    }

    /** Runs the program right after {@code anchor}, which must be attached to the same hook. */
    public Tcx after(Anchor anchor) {
        return placeAfter(anchor);
    }

    /** Runs the program before every program on the hook (BPF_F_BEFORE without an anchor). */
    public Tcx first() {
        return placeFirst();
    }

    /** Runs the program after every program on the hook (BPF_F_AFTER without an anchor). */
    public Tcx last() {
        return placeLast();
    }

    /**
     * Attaches only if the hook's revision is still {@code revision} (it starts at 1 and grows by one with
     * every attach and detach on the hook), else fails with ESTALE; 0: any revision (the default).
     */
    public Tcx expectedRevision(long revision) {
        return requireRevision(revision);
    }

    @Override
    Tcx with(Anchor.Side side, Anchor anchor, long expectedRevision) {
        return new Tcx(egress, interfaceName(), ifindex(), side, anchor, expectedRevision);
    }

    /** Whether this is the egress hook ({@link #egress}) rather than ingress. */
    public boolean isEgress() {
        return egress;
    }

    @Override
    public String target() {
        return target("tcx", egress ? "egress" : "ingress");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tcx && ((Tcx) o).egress == egress && samePlacement((Tcx) o);
    }

    @Override
    public int hashCode() {
        return hash(egress);
    }

    @Override
    public String toString() {
        return describe("Tcx");
    }
}
