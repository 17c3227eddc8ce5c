/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * A tc program (SEC("tc"), type SCHED_CLS) as a classic tc filter: cls_bpf in direct-action mode on the
 * ingress or egress hook of the interface's clsact qdisc (any kernel with BPF; CAP_NET_ADMIN). For kernels
 * before 6.6, and for coexisting with tools that manage tc filters; on 6.6+ prefer {@link Tcx}.
 *
 * <p>The clsact qdisc is created if the interface has none, and then removed again when the last filter on
 * it goes, if bpf4j created it; a clsact qdisc that was there before is left as found. The attachment is no
 * BPF link: {@link io.github.bpf4j.BpfLink#fd()}, pin, update and info throw
 * {@link UnsupportedOperationException}. Closing it removes the filter, and only while the filter still runs
 * this program (a filter replaced by someone else is theirs).
 *
 * <pre>{@code
 * try (BpfLink link = prog.attach(Tc.ingress("eth0").priority(1))) { ... }
 * }</pre>
 */
public final class Tc extends InterfacePoint {
    private final boolean egress;
    private final int priority;
    private final int handle;
    private final boolean replace;

    private Tc(boolean egress, String interfaceName, int ifindex, int priority, int handle, boolean replace) {
        super(interfaceName, ifindex);
        this.egress = egress;
        this.priority = priority;
        this.handle = handle;
        this.replace = replace;
    }

    /** The clsact ingress hook of the interface named {@code interfaceName}. */
    public static Tc ingress(String interfaceName) {
        return new Tc(false, Interfaces.name(interfaceName), 0, 0, 0, false);
    }

    /** The clsact ingress hook of the interface with index {@code ifindex} (from 1, else IllegalArgumentException). */
    public static Tc ingress(int ifindex) {
        return new Tc(false, null, Interfaces.index(ifindex), 0, 0, false);
    }

    /** The clsact egress hook of the interface named {@code interfaceName}. */
    public static Tc egress(String interfaceName) {
        return new Tc(true, Interfaces.name(interfaceName), 0, 0, 0, false);
    }

    /** The clsact egress hook of the interface with index {@code ifindex} (from 1, else IllegalArgumentException). */
    public static Tc egress(int ifindex) {
        return new Tc(true, null, Interfaces.index(ifindex), 0, 0, false);
    }

    /** The filter's priority, 1 (runs first) to 65535; 0: the kernel picks one (the default). */
    public Tc priority(int priority) {
        if (priority < 0 || priority > 0xffff) {
            throw new IllegalArgumentException("priority " + priority + " is not in 0..65535");
        }
        return new Tc(egress, interfaceName(), ifindex(), priority, handle, replace);
    }

    /** The filter's handle, unique within its priority; 0: the kernel picks one (the default). */
    public Tc handle(int handle) {
        return new Tc(egress, interfaceName(), ifindex(), priority, handle, replace);
    }

    /**
     * Replaces the filter at this priority and handle if there is one (BPF_TC_F_REPLACE; both must be set),
     * instead of failing with EEXIST.
     */
    public Tc replace(boolean replace) {
        return new Tc(egress, interfaceName(), ifindex(), priority, handle, replace);
    }

    /** Whether this is the egress hook ({@link #egress}) rather than ingress. */
    public boolean isEgress() {
        return egress;
    }

    /** The priority set by {@link #priority(int)}; 0: the kernel picks one. */
    public int priority() {
        return priority;
    }

    /** The handle set by {@link #handle(int)}; 0: the kernel picks one. */
    public int handle() {
        return handle;
    }

    /** Whether an existing filter is replaced ({@link #replace}). */
    public boolean isReplace() {
        return replace;
    }

    @Override
    public String target() {
        return target("tc", egress ? "egress" : "ingress");
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Tc)) {
            return false;
        }
        Tc t = (Tc) o;
        return t.egress == egress && sameInterface(t) && t.priority == priority && t.handle == handle
                && t.replace == replace;
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(new Object[] {egress, interfaceName(), ifindex(), priority, handle, replace});
    }

    @Override
    public String toString() {
        return "Tc[" + target() + (priority == 0 ? "" : ", priority " + priority)
                + (handle == 0 ? "" : ", handle 0x" + Integer.toHexString(handle)) + (replace ? ", replace" : "") + "]";
    }
}
