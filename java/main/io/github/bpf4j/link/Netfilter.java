/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * A netfilter program (SEC("netfilter")) at a netfilter hook of the calling thread's network namespace, as
 * a BPF link (Linux 6.4+, CONFIG_NETFILTER_BPF_LINK; CAP_NET_ADMIN). It returns NF_ACCEPT or NF_DROP.
 *
 * <pre>{@code
 * try (BpfLink link = prog.attach(Netfilter.ipv4(Netfilter.Hook.LOCAL_OUT).priority(-128))) { ... }
 * }</pre>
 */
public final class Netfilter extends AttachPoint {
    /** The hooks (NF_INET_*), in the order a forwarded packet meets them. */
    public enum Hook {
        /** NF_INET_PRE_ROUTING: every incoming packet, before the routing decision. */
        PRE_ROUTING,
        /** NF_INET_LOCAL_IN: incoming packets routed to this host. */
        LOCAL_IN,
        /** NF_INET_FORWARD: packets routed through this host to another. */
        FORWARD,
        /** NF_INET_LOCAL_OUT: packets this host's sockets send, before routing. */
        LOCAL_OUT,
        /** NF_INET_POST_ROUTING: every outgoing packet, forwarded or local, after routing. */
        POST_ROUTING
    }

    /** NFPROTO_IPV4, NFPROTO_IPV6. */
    private static final int IPV4 = 2;
    private static final int IPV6 = 10;

    private final int family;
    private final Hook hook;
    private final int priority;
    private final boolean defrag;

    private Netfilter(int family, Hook hook, int priority, boolean defrag) {
        this.family = family;
        this.hook = hook;
        this.priority = priority;
        this.defrag = defrag;
    }

    /** {@code hook} for IPv4 packets, at priority 0. */
    public static Netfilter ipv4(Hook hook) {
        return new Netfilter(IPV4, nonNull(hook), 0, false);
    }

    /** {@code hook} for IPv6 packets, at priority 0. */
    public static Netfilter ipv6(Hook hook) {
        return new Netfilter(IPV6, nonNull(hook), 0, false);
    }

    private static Hook nonNull(Hook hook) {
        if (hook == null) {
            throw new NullPointerException("hook is null");
        }
        return hook;
    }

    /**
     * Where among the hook's functions the program runs: lower first (iptables' filter table is 0,
     * conntrack -200); Integer.MIN_VALUE and MAX_VALUE are reserved by the kernel.
     */
    public Netfilter priority(int priority) {
        if (priority == Integer.MIN_VALUE || priority == Integer.MAX_VALUE) {
            throw new IllegalArgumentException("priority " + priority + " is reserved (NF_IP_PRI_FIRST/LAST)");
        }
        return new Netfilter(family, hook, priority, defrag);
    }

    /**
     * Reassembles fragments before the program sees them (BPF_F_NETFILTER_IP_DEFRAG, Linux 6.6+; the
     * priority must then be above -400, NF_IP_PRI_CONNTRACK_DEFRAG).
     */
    public Netfilter defrag(boolean defrag) {
        return new Netfilter(family, hook, priority, defrag);
    }

    /** The protocol family: 2 (NFPROTO_IPV4) or 10 (NFPROTO_IPV6). */
    public int family() {
        return family;
    }

    /** The hook set by {@link #ipv4} or {@link #ipv6}. */
    public Hook hook() {
        return hook;
    }

    /** The priority set by {@link #priority(int)}; 0 unless set. */
    public int priority() {
        return priority;
    }

    /** Whether fragments are reassembled first ({@link #defrag}). */
    public boolean isDefrag() {
        return defrag;
    }

    @Override
    public String target() {
        return "netfilter/" + (family == IPV4 ? "ipv4" : "ipv6") + "/" + hook.name().toLowerCase(java.util.Locale.ROOT)
                + ":" + priority;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Netfilter)) {
            return false;
        }
        Netfilter n = (Netfilter) o;
        return n.family == family && n.hook == hook && n.priority == priority && n.defrag == defrag;
    }

    @Override
    public int hashCode() {
        return ((family * 31 + hook.hashCode()) * 31 + priority) * 2 + (defrag ? 1 : 0);
    }

    @Override
    public String toString() {
        return "Netfilter[" + target() + (defrag ? ", defrag" : "") + "]";
    }
}
