/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * A hook that runs several programs in order (tcx, netkit: the kernel's bpf_mprog): where the program
 * goes relative to the others, and the hook revision it insists on. The public withers stay in each
 * subclass so that they return its own type; they call the package-private ones here.
 *
 * @param <T> the concrete point type, which every wither returns
 */
abstract class MultiProgramPoint<T extends MultiProgramPoint<T>> extends InterfacePoint {
    private final Anchor.Side side;
    private final Anchor anchor;
    private final long expectedRevision;

    MultiProgramPoint(String interfaceName, int ifindex, Anchor.Side side, Anchor anchor, long expectedRevision) {
        super(interfaceName, ifindex);
        this.side = side;
        this.anchor = anchor;
        this.expectedRevision = expectedRevision;
    }

    /** A copy of this point on the same hook, with this placement. */
    abstract T with(Anchor.Side side, Anchor anchor, long expectedRevision);

    final T placeBefore(Anchor anchor) {
        return with(Anchor.Side.BEFORE, nonNull(anchor), expectedRevision);
    }

    final T placeAfter(Anchor anchor) {
        return with(Anchor.Side.AFTER, nonNull(anchor), expectedRevision);
    }

    final T placeFirst() {
        return with(Anchor.Side.BEFORE, null, expectedRevision);
    }

    final T placeLast() {
        return with(Anchor.Side.AFTER, null, expectedRevision);
    }

    final T requireRevision(long revision) {
        if (revision < 0) {
            throw new IllegalArgumentException("revision " + revision + " is negative");
        }
        return with(side, anchor, revision);
    }

    static Anchor nonNull(Anchor anchor) {
        if (anchor == null) {
            throw new NullPointerException("anchor is null");
        }
        return anchor;
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

    /** Whether {@code o} is on the same interface with the same placement (the subclass compares the hook). */
    final boolean samePlacement(MultiProgramPoint<?> o) {
        return sameInterface(o) && o.side == side && eq(o.anchor, anchor) && o.expectedRevision == expectedRevision;
    }

    /** The hash of the hook flag, the interface and the placement, as the subclasses had it. */
    final int hash(boolean hook) {
        return java.util.Arrays.hashCode(new Object[] {hook, interfaceName(), ifindex(), side, anchor,
            expectedRevision});
    }

    /** {@code Name[target, before|after anchor|all, revision n]}, the parts not set left out. */
    final String describe(String name) {
        return name + "[" + target() + (side == null ? "" : ", " + side.name().toLowerCase(java.util.Locale.ROOT)
                + (anchor == null ? " all" : " " + anchor)) + (expectedRevision == 0 ? "" : ", revision "
                + expectedRevision) + "]";
    }
}
