/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/** The kernel's link types ({@code enum bpf_link_type}), in the kernel's order. */
public enum LinkType {
    UNSPEC, RAW_TRACEPOINT, TRACING, CGROUP, ITER, NETNS, XDP, PERF_EVENT, KPROBE_MULTI, STRUCT_OPS, NETFILTER,
    TCX, UPROBE_MULTI, NETKIT, SOCKMAP,
    /** A type this version of bpf4j does not know (a newer kernel's). */
    UNKNOWN;

    private static final LinkType[] BY_ID = values();

    /** The kernel's number for this type; -1 for {@link #UNKNOWN}. */
    public int id() {
        return this == UNKNOWN ? -1 : ordinal();
    }

    public static LinkType of(int id) {
        return id >= 0 && id < BY_ID.length - 1 ? BY_ID[id] : UNKNOWN;
    }
}
