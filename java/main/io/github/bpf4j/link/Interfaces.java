/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/** The checks and names every interface-bound attach point shares. */
final class Interfaces {
    private Interfaces() {}

    static String name(String name) {
        if (name == null) {
            throw new NullPointerException("interface name is null");
        }
        // IFNAMSIZ is 16 with the NUL; '/' and whitespace are refused by the kernel in any name.
        if (name.isEmpty() || name.length() > 15 || name.contains("/") || name.matches(".*\\s.*")) {
            throw new IllegalArgumentException("'" + name + "' is no network interface name (1 to 15 characters,"
                    + " no '/' or white space)");
        }
        return name;
    }

    static int index(int ifindex) {
        if (ifindex <= 0) {
            throw new IllegalArgumentException("ifindex " + ifindex + " is not positive: interface indexes start at 1");
        }
        return ifindex;
    }

    /** "veth0" or "ifindex 7". */
    static String describe(String name, int ifindex) {
        return name != null ? name : "ifindex " + ifindex;
    }
}
