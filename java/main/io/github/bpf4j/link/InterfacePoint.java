/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * An attach point on one network interface, named either by name or by index: the part {@link Tc},
 * {@link Tcx} and {@link Netkit} share. Package-private so the public API stays the concrete classes; its
 * public getters are documented and reached through them (not final: javac then gives each public subclass
 * a public bridge, so reflection and javadoc see them on the concrete class).
 */
abstract class InterfacePoint extends AttachPoint {
    private final String interfaceName;
    private final int ifindex;

    InterfacePoint(String interfaceName, int ifindex) {
        this.interfaceName = interfaceName;
        this.ifindex = ifindex;
    }

    /** The interface's name, or null if given by index. */
    public String interfaceName() {
        return interfaceName;
    }

    /** The interface's index, or 0 if given by name. */
    public int ifindex() {
        return ifindex;
    }

    /** {@code family/hook:interface}, the form every interface point's {@link #target()} takes. */
    final String target(String family, String hook) {
        return family + "/" + hook + ":" + Interfaces.describe(interfaceName, ifindex);
    }

    /** Whether {@code o} names the same interface the same way. */
    final boolean sameInterface(InterfacePoint o) {
        return eq(o.interfaceName, interfaceName) && o.ifindex == ifindex;
    }

    static boolean eq(Object a, Object b) {
        return a == null ? b == null : a.equals(b);
    }
}
