/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import io.github.bpf4j.BpfMap;

/**
 * An sk_msg or sk_skb program on a SOCKMAP or SOCKHASH, as a BPF link (Linux 6.10+; CAP_NET_ADMIN): it
 * runs for the sockets in the map. Which hook comes from the program's section: SEC("sk_msg") (sendmsg
 * verdict), SEC("sk_skb/stream_parser"), SEC("sk_skb/stream_verdict"), SEC("sk_skb/verdict").
 *
 * <pre>{@code
 * try (BpfLink link = verdict.attach(Sockmap.of(obj.map("socks")))) { ... }
 * }</pre>
 */
public final class Sockmap extends AttachPoint {
    private final BpfMap map;

    private Sockmap(BpfMap map) {
        this.map = map;
    }

    /**
     * The SOCKMAP or SOCKHASH {@code map}, which must be open when the attach is made.
     *
     * @throws IllegalStateException if the map is closed
     */
    public static Sockmap of(BpfMap map) {
        if (map == null) {
            throw new NullPointerException("map is null");
        }
        map.fd(); // a closed map: IllegalStateException now, not at attach
        return new Sockmap(map);
    }

    /** The SOCKMAP or SOCKHASH set by {@link #of}. */
    public BpfMap map() {
        return map;
    }

    @Override
    public String target() {
        return "sockmap:" + map.name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sockmap && ((Sockmap) o).map == map;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(map);
    }
}
