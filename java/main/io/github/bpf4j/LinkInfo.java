/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeLayout;

/**
 * What the kernel says about a link ({@code bpf_link_info}) at the moment
 * {@link BpfLink#info()} (or {@link Bpf4j#links()}) asked: a value, not a
 * handle. Which fields a link has depends on its {@link #type()}; the others
 * are 0 (numbers) or null (names). What each type reports:
 *
 * <ul>
 * <li>XDP, TCX, NETKIT: {@link #ifindex()} and {@link #attachType()};
 * <li>CGROUP: {@link #cgroupId()} and {@link #attachType()};
 * <li>NETNS: {@link #netnsInode()} and {@link #attachType()};
 * <li>TRACING (fentry, fexit, fmod_ret, LSM, ...): {@link #attachType()}, {@link #targetObjectId()} (a BTF
 *     object, or the target program for freplace), {@link #targetBtfId()}, and the function's {@link #name()};
 * <li>RAW_TRACEPOINT: the tracepoint's {@link #name()};
 * <li>PERF_EVENT: {@link #perfEventType()}, and for a tracepoint its {@link #name()} ({@code
 *     syscalls:sys_enter_write} style is the kernel's: just the event name), a kprobe its function
 *     {@link #name()}, {@link #offset()} and {@link #address()}, a uprobe its binary's {@link #path()} and
 *     {@link #offset()}, a perf event its {@link #eventType()} and {@link #eventConfig()}; {@link #cookie()};
 * <li>ITER: the target's {@link #name()} ({@code task}, {@code bpf_map_elem}, ...), {@link #mapId()},
 *     {@link #cgroupId()} and {@link #order()}, or {@link #tid()}/{@link #pid()};
 * <li>STRUCT_OPS, SOCKMAP: {@link #mapId()} (SOCKMAP also {@link #attachType()});
 * <li>NETFILTER: {@link #protocolFamily()}, {@link #hook()}, {@link #priority()}, {@link #flags()};
 * <li>KPROBE_MULTI, UPROBE_MULTI: {@link #count()}, {@link #flags()}, {@link #missed()}; uprobe_multi its
 *     {@link #path()} and {@link #pid()}.
 * </ul>
 */
public final class LinkInfo {
    private final long[] f;
    private final String name;
    private final String path;

    LinkInfo(long[] fields, String name, String path) {
        this.f = fields;
        this.name = name;
        this.path = path;
    }

    public LinkType type() {
        return LinkType.of((int) f[NativeLayout.LINK_INFO_TYPE]);
    }

    /** The kernel's number of the type. */
    public int typeId() {
        return (int) f[NativeLayout.LINK_INFO_TYPE];
    }

    /** The link's id: system-wide, never reused; {@link BpfLink#fromId} opens it. */
    public int id() {
        return (int) f[NativeLayout.LINK_INFO_ID];
    }

    /** The id of the program the link runs; 0 for struct_ops links (the map holds the programs). */
    public int programId() {
        return (int) f[NativeLayout.LINK_INFO_PROG_ID];
    }

    /** libbpf's name of the attach type ({@code xdp}, {@code tcx_ingress}, {@code cgroup_inet4_connect}, {@code trace_fentry}, ...), or null if the type reports none. */
    public String attachType() {
        int t = attachTypeId();
        if (t < 0) {
            return null;
        }
        Native.ensureLoaded();
        String s = Native.attachTypeName(t);
        return s != null ? s : "attach type " + t;
    }

    /** The kernel's number of the attach type ({@code enum bpf_attach_type}), -1 if the type reports none. */
    public int attachTypeId() {
        return (int) f[NativeLayout.LINK_INFO_ATTACH_TYPE];
    }

    public int ifindex() {
        return (int) f[NativeLayout.LINK_INFO_IFINDEX];
    }

    /** The cgroup's id (the inode number of its cgroup2 directory). */
    public long cgroupId() {
        return f[NativeLayout.LINK_INFO_CGROUP_ID];
    }

    /** The network namespace's inode number (as in {@code /proc/<pid>/ns/net}). */
    public long netnsInode() {
        return f[NativeLayout.LINK_INFO_NETNS_INO] & 0xffffffffL;
    }

    /** Tracing links: the BTF object holding the target (vmlinux, a module, a program's BTF), or the target program's id for freplace. */
    public int targetObjectId() {
        return (int) f[NativeLayout.LINK_INFO_TARGET_OBJ_ID];
    }

    /** Tracing links: the target's type id in {@link #targetObjectId()}. */
    public int targetBtfId() {
        return (int) f[NativeLayout.LINK_INFO_TARGET_BTF_ID];
    }

    public int mapId() {
        return (int) f[NativeLayout.LINK_INFO_MAP_ID];
    }

    /** A kprobe's offset in its function, a uprobe's in its binary. */
    public long offset() {
        return f[NativeLayout.LINK_INFO_OFFSET];
    }

    /** A kprobe's address (0 unless this process may see kernel addresses); a uprobe's reference counter offset. */
    public long address() {
        return f[NativeLayout.LINK_INFO_ADDRESS];
    }

    /** The BPF cookie the link was made with ({@code bpf_get_attach_cookie}). */
    public long cookie() {
        return f[NativeLayout.LINK_INFO_COOKIE];
    }

    public int pid() {
        return (int) f[NativeLayout.LINK_INFO_PID];
    }

    public int tid() {
        return (int) f[NativeLayout.LINK_INFO_TID];
    }

    /** A cgroup iterator's order ({@code enum bpf_cgroup_iter_order}: 1 self only, 2 descendants pre, ...). */
    public int order() {
        return (int) f[NativeLayout.LINK_INFO_ORDER];
    }

    /** Perf event links: {@code uprobe}, {@code uretprobe}, {@code kprobe}, {@code kretprobe}, {@code tracepoint} or {@code event}; else null. */
    public String perfEventType() {
        if (type() != LinkType.PERF_EVENT) {
            return null;
        }
        int t = (int) f[NativeLayout.LINK_INFO_PERF_EVENT_TYPE];
        String[] names = {"unspec", "uprobe", "uretprobe", "kprobe", "kretprobe", "tracepoint", "event"};
        return t >= 0 && t < names.length ? names[t] : "perf event type " + t;
    }

    /** A perf event's {@code perf_event_attr.type} (0 hardware, 1 software, ...). */
    public int eventType() {
        return (int) f[NativeLayout.LINK_INFO_EVENT_TYPE];
    }

    /** A perf event's {@code perf_event_attr.config}. */
    public long eventConfig() {
        return f[NativeLayout.LINK_INFO_EVENT_CONFIG];
    }

    /** Functions or offsets of a multi-probe link. */
    public int count() {
        return (int) f[NativeLayout.LINK_INFO_COUNT];
    }

    public int flags() {
        return (int) f[NativeLayout.LINK_INFO_FLAGS];
    }

    /** Netfilter links: the priority. */
    public int priority() {
        return (int) f[NativeLayout.LINK_INFO_PRIORITY];
    }

    /** Netfilter links: the protocol family (2 IPv4, 10 IPv6). */
    public int protocolFamily() {
        return (int) f[NativeLayout.LINK_INFO_PF];
    }

    /** Netfilter links: the hook number (0 pre-routing ... 4 post-routing). */
    public int hook() {
        return (int) f[NativeLayout.LINK_INFO_HOOKNUM];
    }

    /** Runs missed (kprobes that could not run the program). */
    public long missed() {
        return f[NativeLayout.LINK_INFO_MISSED];
    }

    /** The tracepoint, function or iterator target; null if the type has none. */
    public String name() {
        return name;
    }

    /** A uprobe's binary; null if the type has none. */
    public String path() {
        return path;
    }

    /** A short description of what the link is attached to, e.g. {@code xdp ifindex 3}, {@code tracepoint sys_enter_getppid}. */
    public String target() {
        LinkType t = type();
        switch (t) {
            case XDP: case TCX: case NETKIT:
                return attachType() + " ifindex " + ifindex();
            case CGROUP:
                return attachType() + " cgroup " + cgroupId();
            case NETNS:
                return attachType() + " netns " + netnsInode();
            case TRACING:
                return attachType() + (name != null ? " " + name : "") + " (btf " + targetObjectId() + " type "
                        + targetBtfId() + ")";
            case RAW_TRACEPOINT:
                return "raw_tracepoint " + name;
            case PERF_EVENT: {
                String p = perfEventType();
                if ("uprobe".equals(p) || "uretprobe".equals(p)) {
                    return p + " " + path + "+0x" + Long.toHexString(offset());
                }
                if ("event".equals(p)) {
                    return "perf event type " + eventType() + " config " + eventConfig();
                }
                return p + " " + name + (offset() != 0 ? "+0x" + Long.toHexString(offset()) : "");
            }
            case ITER:
                return "iter " + name + (mapId() != 0 ? " map " + mapId() : "") + (cgroupId() != 0 ? " cgroup "
                        + cgroupId() : "") + (pid() != 0 ? " pid " + pid() : "") + (tid() != 0 ? " tid " + tid() : "");
            case STRUCT_OPS:
                return "struct_ops map " + mapId();
            case SOCKMAP:
                return attachType() + " map " + mapId();
            case NETFILTER:
                return "netfilter pf " + protocolFamily() + " hook " + hook() + " priority " + priority();
            case KPROBE_MULTI:
                return "kprobe_multi " + count() + " functions";
            case UPROBE_MULTI:
                return "uprobe_multi " + path + " " + count() + " offsets" + (pid() != 0 ? " pid " + pid() : "");
            default:
                return t.toString().toLowerCase(java.util.Locale.ROOT);
        }
    }

    @Override
    public String toString() {
        return "LinkInfo[id " + id() + ", " + type() + ", program " + programId() + ", " + target() + "]";
    }
}
