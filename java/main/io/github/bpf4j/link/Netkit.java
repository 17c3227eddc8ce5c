/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * A tc program (SEC("netkit/primary"), SEC("netkit/peer"), SEC("tc"): type SCHED_CLS) on a netkit
 * device, as a BPF link (Linux 6.7+, CONFIG_NETKIT; CAP_NET_ADMIN). A netkit pair is a veth made for BPF:
 * the program runs on transmit of the primary device (in the host) or of its peer (in the container), in
 * order with the others, placed as for {@link Tcx}. Only a netkit device takes it: a kernel without
 * CONFIG_NETKIT (bpf4j names it) cannot create one.
 *
 * <pre>{@code
 * try (BpfLink link = prog.attach(Netkit.primary("nk0"))) { ... }
 * }</pre>
 *
 * <p>The interface is looked up by name in the calling thread's network namespace when the attach is made.
 */
public final class Netkit extends MultiProgramPoint<Netkit> {
    private final boolean peer;

    private Netkit(boolean peer, String interfaceName, int ifindex, Anchor.Side side, Anchor anchor,
            long expectedRevision) {
        super(interfaceName, ifindex, side, anchor, expectedRevision);
        this.peer = peer;
    }

    /** The primary device {@code interfaceName} of a netkit pair (BPF_NETKIT_PRIMARY). */
    public static Netkit primary(String interfaceName) {
        return new Netkit(false, Interfaces.name(interfaceName), 0, null, null, 0);
    }

    /** The primary device with index {@code ifindex} of a netkit pair. */
    public static Netkit primary(int ifindex) {
        return new Netkit(false, null, Interfaces.index(ifindex), null, null, 0);
    }

    /**
     * The peer of the netkit pair whose primary device is {@code interfaceName} (BPF_NETKIT_PEER): the
     * program is attached through the primary, and runs on what the peer sends.
     */
    public static Netkit peer(String interfaceName) {
        return new Netkit(true, Interfaces.name(interfaceName), 0, null, null, 0);
    }

    /** The peer of the netkit pair whose primary device has index {@code ifindex}. */
    public static Netkit peer(int ifindex) {
        return new Netkit(true, null, Interfaces.index(ifindex), null, null, 0);
    }

    /** Runs the program right before {@code anchor}, which must be attached to the same hook. */
    public Netkit before(Anchor anchor) {
        return placeBefore(anchor);
    }

    /** Runs the program right after {@code anchor}, which must be attached to the same hook. */
    public Netkit after(Anchor anchor) {
        return placeAfter(anchor);
    }

    /** Runs the program before every program on the hook (BPF_F_BEFORE without an anchor). */
    public Netkit first() {
        return placeFirst();
    }

    /** Runs the program after every program on the hook (BPF_F_AFTER without an anchor). */
    public Netkit last() {
        return placeLast();
    }

    /**
     * Attaches only if the hook's revision is still {@code revision} (it starts at 1 and grows by one with
     * every attach and detach on the hook), else fails with ESTALE; 0: any revision (the default).
     */
    public Netkit expectedRevision(long revision) {
        return requireRevision(revision);
    }

    @Override
    Netkit with(Anchor.Side side, Anchor anchor, long expectedRevision) {
        return new Netkit(peer, interfaceName(), ifindex(), side, anchor, expectedRevision);
    }

    /** True for the peer, false for the primary. */
    public boolean isPeer() {
        return peer;
    }

    @Override
    public String target() {
        return target("netkit", peer ? "peer" : "primary");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Netkit && ((Netkit) o).peer == peer && samePlacement((Netkit) o);
    }

    @Override
    public int hashCode() {
        return hash(peer);
    }

    @Override
    public String toString() {
        return describe("Netkit");
    }
}
