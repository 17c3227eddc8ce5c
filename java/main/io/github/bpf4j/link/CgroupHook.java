/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import io.github.bpf4j.ProgramType;

/**
 * The cgroup hooks a program attaches to with {@link Cgroup}: the kernel's
 * {@code enum bpf_attach_type} values of the cgroup family. The name is
 * libbpf's section suffix ({@code CONNECT4} is {@code SEC("cgroup/connect4")},
 * {@code SOCK_OPS} is {@code SEC("sockops")}); {@link #section()} gives it whole.
 */
public enum CgroupHook {
    /** Packets a socket of the cgroup receives ({@code cgroup_skb/ingress}); Linux 4.10. */
    INGRESS(0, ProgramType.CGROUP_SKB, "cgroup_skb/ingress", "4.10"),
    /** Packets a socket of the cgroup sends ({@code cgroup_skb/egress}); Linux 4.10. */
    EGRESS(1, ProgramType.CGROUP_SKB, "cgroup_skb/egress", "4.10"),
    /** socket(2) creating an inet socket; returning 0 refuses it with EPERM ({@code cgroup/sock_create}); Linux 4.10. */
    SOCK_CREATE(2, ProgramType.CGROUP_SOCK, "cgroup/sock_create", "4.10"),
    /** The release of an inet socket ({@code cgroup/sock_release}); Linux 5.9. */
    SOCK_RELEASE(34, ProgramType.CGROUP_SOCK, "cgroup/sock_release", "5.9"),
    /** After an IPv4 bind(2) succeeded; may still refuse it ({@code cgroup/post_bind4}); Linux 4.17. */
    POST_BIND4(12, ProgramType.CGROUP_SOCK, "cgroup/post_bind4", "4.17"),
    /** After an IPv6 bind(2) succeeded ({@code cgroup/post_bind6}); Linux 4.17. */
    POST_BIND6(13, ProgramType.CGROUP_SOCK, "cgroup/post_bind6", "4.17"),
    /** TCP events of the cgroup's sockets: connections, retransmits, RTT ({@code sockops}); Linux 4.13. */
    SOCK_OPS(3, ProgramType.SOCK_OPS, "sockops", "4.13"),
    /** Opening or mknod of a device node ({@code cgroup/dev}); Linux 4.15. */
    DEVICE(6, ProgramType.CGROUP_DEVICE, "cgroup/dev", "4.15"),
    /** IPv4 bind(2): may rewrite the address or refuse ({@code cgroup/bind4}); Linux 4.17. */
    BIND4(8, ProgramType.CGROUP_SOCK_ADDR, "cgroup/bind4", "4.17"),
    /** IPv6 bind(2) ({@code cgroup/bind6}); Linux 4.17. */
    BIND6(9, ProgramType.CGROUP_SOCK_ADDR, "cgroup/bind6", "4.17"),
    /** IPv4 connect(2): may rewrite the destination or refuse ({@code cgroup/connect4}); Linux 4.17. */
    CONNECT4(10, ProgramType.CGROUP_SOCK_ADDR, "cgroup/connect4", "4.17"),
    /** IPv6 connect(2) ({@code cgroup/connect6}); Linux 4.17. */
    CONNECT6(11, ProgramType.CGROUP_SOCK_ADDR, "cgroup/connect6", "4.17"),
    /** connect(2) of a unix socket ({@code cgroup/connect_unix}); Linux 6.7. */
    CONNECT_UNIX(49, ProgramType.CGROUP_SOCK_ADDR, "cgroup/connect_unix", "6.7"),
    /** An unconnected UDP/IPv4 sendmsg(2): may rewrite the destination ({@code cgroup/sendmsg4}); Linux 4.18. */
    SENDMSG4(14, ProgramType.CGROUP_SOCK_ADDR, "cgroup/sendmsg4", "4.18"),
    /** UDP/IPv6 sendmsg(2) ({@code cgroup/sendmsg6}); Linux 4.18. */
    SENDMSG6(15, ProgramType.CGROUP_SOCK_ADDR, "cgroup/sendmsg6", "4.18"),
    /** Unix socket sendmsg(2) ({@code cgroup/sendmsg_unix}); Linux 6.7. */
    SENDMSG_UNIX(50, ProgramType.CGROUP_SOCK_ADDR, "cgroup/sendmsg_unix", "6.7"),
    /** UDP/IPv4 recvmsg(2): may rewrite the source address the caller sees ({@code cgroup/recvmsg4}); Linux 5.2. */
    RECVMSG4(19, ProgramType.CGROUP_SOCK_ADDR, "cgroup/recvmsg4", "5.2"),
    /** UDP/IPv6 recvmsg(2) ({@code cgroup/recvmsg6}); Linux 5.2. */
    RECVMSG6(20, ProgramType.CGROUP_SOCK_ADDR, "cgroup/recvmsg6", "5.2"),
    /** Unix socket recvmsg(2) ({@code cgroup/recvmsg_unix}); Linux 6.7. */
    RECVMSG_UNIX(51, ProgramType.CGROUP_SOCK_ADDR, "cgroup/recvmsg_unix", "6.7"),
    /** IPv4 getpeername(2) ({@code cgroup/getpeername4}); Linux 5.8. */
    GETPEERNAME4(29, ProgramType.CGROUP_SOCK_ADDR, "cgroup/getpeername4", "5.8"),
    /** IPv6 getpeername(2) ({@code cgroup/getpeername6}); Linux 5.8. */
    GETPEERNAME6(30, ProgramType.CGROUP_SOCK_ADDR, "cgroup/getpeername6", "5.8"),
    /** Unix socket getpeername(2) ({@code cgroup/getpeername_unix}); Linux 6.7. */
    GETPEERNAME_UNIX(52, ProgramType.CGROUP_SOCK_ADDR, "cgroup/getpeername_unix", "6.7"),
    /** IPv4 getsockname(2) ({@code cgroup/getsockname4}); Linux 5.8. */
    GETSOCKNAME4(31, ProgramType.CGROUP_SOCK_ADDR, "cgroup/getsockname4", "5.8"),
    /** IPv6 getsockname(2) ({@code cgroup/getsockname6}); Linux 5.8. */
    GETSOCKNAME6(32, ProgramType.CGROUP_SOCK_ADDR, "cgroup/getsockname6", "5.8"),
    /** Unix socket getsockname(2) ({@code cgroup/getsockname_unix}); Linux 6.7. */
    GETSOCKNAME_UNIX(53, ProgramType.CGROUP_SOCK_ADDR, "cgroup/getsockname_unix", "6.7"),
    /** getsockopt(2): may change the value or refuse ({@code cgroup/getsockopt}); Linux 5.3. */
    GETSOCKOPT(21, ProgramType.CGROUP_SOCKOPT, "cgroup/getsockopt", "5.3"),
    /** setsockopt(2): may change the value or refuse ({@code cgroup/setsockopt}); Linux 5.3. */
    SETSOCKOPT(22, ProgramType.CGROUP_SOCKOPT, "cgroup/setsockopt", "5.3"),
    /** Reads and writes of /proc/sys ({@code cgroup/sysctl}); Linux 5.2. */
    SYSCTL(18, ProgramType.CGROUP_SYSCTL, "cgroup/sysctl", "5.2");

    private static final CgroupHook[] BY_ATTACH_TYPE = new CgroupHook[64];

    static {
        for (CgroupHook h : values()) {
            BY_ATTACH_TYPE[h.attachType] = h;
        }
    }

    private final int attachType;
    private final ProgramType programType;
    private final String section;
    private final String minimumKernel;

    CgroupHook(int attachType, ProgramType programType, String section, String minimumKernel) {
        this.attachType = attachType;
        this.programType = programType;
        this.section = section;
        this.minimumKernel = minimumKernel;
    }

    /** The kernel's {@code enum bpf_attach_type} value, e.g. 10 for {@code BPF_CGROUP_INET4_CONNECT}. */
    public int attachType() {
        return attachType;
    }

    /** The program type that attaches here. */
    public ProgramType programType() {
        return programType;
    }

    /** libbpf's section for a program of this hook, e.g. {@code cgroup/connect4}. */
    public String section() {
        return section;
    }

    /** The first Linux release with this hook, e.g. {@code "4.17"}. */
    public String minimumKernel() {
        return minimumKernel;
    }

    /** The hook of a kernel attach type, or null if it is no cgroup hook. */
    public static CgroupHook ofAttachType(int attachType) {
        return attachType >= 0 && attachType < BY_ATTACH_TYPE.length ? BY_ATTACH_TYPE[attachType] : null;
    }
}
