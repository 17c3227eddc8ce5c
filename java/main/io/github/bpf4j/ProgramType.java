/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/** The kernel's program types ({@code enum bpf_prog_type}), in the kernel's order. */
public enum ProgramType {
    UNSPEC, SOCKET_FILTER, KPROBE, SCHED_CLS, SCHED_ACT, TRACEPOINT, XDP, PERF_EVENT, CGROUP_SKB, CGROUP_SOCK,
    LWT_IN, LWT_OUT, LWT_XMIT, SOCK_OPS, SK_SKB, CGROUP_DEVICE, SK_MSG, RAW_TRACEPOINT, CGROUP_SOCK_ADDR,
    LWT_SEG6LOCAL, LIRC_MODE2, SK_REUSEPORT, FLOW_DISSECTOR, CGROUP_SYSCTL, RAW_TRACEPOINT_WRITABLE,
    CGROUP_SOCKOPT, TRACING, STRUCT_OPS, EXT, LSM, SK_LOOKUP, SYSCALL, NETFILTER,
    /** A type newer than this bpf4j. */
    UNKNOWN;

    private static final ProgramType[] BY_ID = values();

    /** The kernel's number for this type; -1 for {@link #UNKNOWN}. */
    public int id() {
        return this == UNKNOWN ? -1 : ordinal();
    }

    public static ProgramType of(int id) {
        return id >= 0 && id < BY_ID.length - 1 ? BY_ID[id] : UNKNOWN;
    }
}
