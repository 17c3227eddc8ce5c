/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import static io.github.bpf4j.internal.Errors.*;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfInvalidArgumentException;
import io.github.bpf4j.BpfNotSupportedException;
import io.github.bpf4j.BpfPermissionException;
import io.github.bpf4j.internal.Errors.Op;

/**
 * The exceptions of attaching programs: libbpf's automatic attach from the
 * section name, and the explicit hooks of each family (tracing, networking,
 * cgroups). Each message names what is missing and each hint the call or
 * kernel option that fits this hook; the errno classification (which
 * exception type) stays {@link Errors}'.
 */
public final class AttachErrors {
    private AttachErrors() {}

    /**
     * Called from Errors' static initializer. Runs one switch over {@link Op}
     * so that its synthetic switch-map class is loaded now too: the first
     * attach failure may come when fds ran out, and loading a class needs one.
     */
    static void preload() {
        switch (Op.OPEN) {
            case OPEN:
                break;
            default:
                throw new AssertionError();
        }
    }

    /**
     * The exception for {@code BpfProgram.attach()}: libbpf's automatic
     * attach ({@code call}, read {@code bpf_program__attach(program 'x', section)})
     * of a program of {@code section} failed with {@code errno}. The message
     * says what the section lacks or what is missing, the hint which call or
     * section fits instead.
     *
     * @param noKprobes the section is a kprobe's and this kernel has no kprobes (no CONFIG_KPROBES)
     */
    public static BpfException ofAttach(String call, int errno, String section, boolean noKprobes) {
        String name = errnoName(errno);
        int slash = section.indexOf('/');
        String kind = slash < 0 ? section : section.substring(0, slash);
        String target = slash < 0 ? "" : section.substring(slash + 1);
        String example = attachExample(kind);
        if (noKprobes) {
            return new BpfNotSupportedException(call, errno, name, "this kernel has no kprobes: it was built without"
                    + " CONFIG_KPROBES (no kprobe PMU in /sys/bus/event_source/devices, no kprobe_events in tracefs)",
                    "use a kernel with CONFIG_KPROBES=y and CONFIG_KPROBE_EVENTS=y, or reach the function another"
                            + " way: SEC(\"fentry/<function>\") (BTF, no kprobes needed) or a tracepoint,"
                            + " SEC(\"tp/<category>/<name>\")");
        }
        if (errno == EOPNOTSUPP || errno == ENOTSUPP) {
            String message;
            String hint;
            if (kind.startsWith("xdp")) {
                message = "an XDP program attaches to a network interface, which its section cannot name";
                hint = "call attachXdp(interfaceName) (or attachXdp(interfaceName, XdpOptions))";
            } else if (kind.equals("syscall")) {
                message = "a SEC(\"syscall\") program attaches to nothing";
                hint = "run it with testRun()";
            } else if (example != null) {
                message = "the section names no target";
                hint = "name the target in the section: " + example;
            } else {
                message = "this kind of program attaches to something its section cannot name (an interface, a"
                        + " cgroup, a socket, a map)";
                hint = "attach it with attach(AttachPoint), the point for its hook from io.github.bpf4j.link"
                        + " (the README's attach table lists them)";
            }
            return new BpfNotSupportedException(call, errno, name, "libbpf cannot attach section '" + section
                    + "' automatically: " + message, hint);
        }
        if (errno == ENOENT) {
            String message;
            String hint;
            if (kind.equals("tp") || kind.equals("tracepoint")) {
                message = "this kernel has no tracepoint " + target;
                hint = "the tracepoints are the directories under /sys/kernel/tracing/events/<category>/ (tracefs,"
                        + " mounted with mount -t tracefs nodev /sys/kernel/tracing); syscall tracepoints need"
                        + " CONFIG_FTRACE_SYSCALLS";
            } else if (kind.startsWith("raw_tp") || kind.startsWith("raw_tracepoint")) {
                message = "this kernel has no raw tracepoint " + target;
                hint = "raw tracepoints are named without their category: sys_enter, sched_switch (see"
                        + " /sys/kernel/tracing/available_events)";
            } else if (kind.startsWith("uprobe") || kind.startsWith("uretprobe") || kind.startsWith("usdt")) {
                message = "the binary or the symbol of '" + target + "' was not found";
                hint = "give the binary's absolute path (or a library libbpf finds, e.g. libc.so.6) and a symbol"
                        + " it has: " + example;
            } else {
                message = "the attach target of section '" + section + "' does not exist";
                hint = example != null ? "check the target's name: " + example : "check the target's name";
            }
            return new BpfException(call, errno, name, message, hint);
        }
        return classify(Op.PROG_ATTACH, call, errno, name, describe(errno), hint(Op.PROG_ATTACH, errno), null);
    }

    /**
     * The exception for an explicit tracing attach ({@code TracingAttach}): {@code call} reads
     * {@code bpf_program__attach_x(program 'p', target)}, {@code target} is what was asked for.
     *
     * @param kernelLacks the kernel option this hook needs and this kernel lacks (CONFIG_KPROBES for kprobes,
     *     CONFIG_FPROBE for kprobe.multi), read after the failure; null if it has it (or it is not known)
     */
    public static BpfException ofTracingAttach(Op op, String call, int errno, String target, String kernelLacks) {
        String name = errnoName(errno);
        if (kernelLacks != null) {
            boolean multi = op == Op.KPROBE_MULTI_ATTACH;
            return new BpfNotSupportedException(call, errno, name, "this kernel cannot attach " + target + ": it was"
                    + " built without " + kernelLacks + (multi ? " (kprobe.multi and kprobe.session links are"
                    + " fprobes)" : " (no kprobe PMU in /sys/bus/event_source/devices, no kprobe_events in tracefs)"),
                    "use a kernel with " + kernelLacks + "=y" + (multi ? "" : " and CONFIG_KPROBE_EVENTS=y")
                            + ", or reach the function another way: an fentry/fexit program (SEC(\"fentry/<function>\"),"
                            + " BTF trampolines, no kprobes needed) or a tracepoint");
        }
        String message = null;
        String hint = null;
        if (errno == ENOENT) {
            switch (op) {
                case KPROBE_ATTACH:
                    message = "this kernel has no function " + target + " to probe";
                    hint = "probe-able functions are listed in /sys/kernel/tracing/available_filter_functions (an"
                            + " inlined or static-and-renamed function, e.g. foo.isra.0, is not there by its plain name)";
                    break;
                case KPROBE_MULTI_ATTACH:
                    message = "no kernel function matches " + target;
                    hint = "patterns are globs over /sys/kernel/tracing/available_filter_functions (* and ?); symbols"
                            + " must each be there";
                    break;
                case UPROBE_ATTACH:
                    message = "the binary or the symbol of " + target + " was not found";
                    hint = "give the binary's absolute path or a library name libbpf finds (e.g. libc.so.6, searched"
                            + " in LD_LIBRARY_PATH and the system library directories; /proc/self/maps lists what this"
                            + " process loaded), and a symbol in its dynamic or static symbol table (nm -D)";
                    break;
                case USDT_ATTACH:
                    message = "the binary of " + target + " was not found, or has no such USDT probe";
                    hint = "list the binary's probes with readelf -n <binary> (stapsdt notes: provider and name); a"
                            + " JDK's libjvm.so has HotSpot's probes only if it was built with systemtap sdt support";
                    break;
                case TRACEPOINT_ATTACH:
                    message = "this kernel has no tracepoint " + target;
                    hint = "the tracepoints are the directories under /sys/kernel/tracing/events/<category>/;"
                            + " syscall tracepoints need CONFIG_FTRACE_SYSCALLS";
                    break;
                case RAW_TP_ATTACH:
                    message = "this kernel has no raw tracepoint " + target;
                    hint = "raw tracepoints are named without their category: sys_enter, sched_switch (see"
                            + " /sys/kernel/tracing/available_events)";
                    break;
                case PERF_EVENT_ATTACH:
                    message = "this machine has no perf event " + target;
                    hint = "hardware events need a PMU the kernel drives (often absent in VMs): use a software event"
                            + " such as PerfEvent.software(PerfSoftwareEvent.CPU_CLOCK)";
                    break;
                default:
                    message = "the attach target " + target + " does not exist";
                    hint = "an fentry/fexit/fmod_ret/lsm/tp_btf target is fixed at load by the section or by"
                            + " setAttachTarget: check that name";
                    break;
            }
            return new BpfException(call, errno, name, message, hint);
        }
        if (op == Op.PERF_EVENT_ATTACH && (errno == ENODEV || errno == EOPNOTSUPP || errno == ENXIO)) {
            return new BpfNotSupportedException(call, errno, name, "this machine cannot count or sample " + target
                    + " (no PMU for it, or that CPU is offline)",
                    "hardware events need a PMU the kernel drives (often absent in VMs): use a software event such as"
                            + " PerfEvent.software(PerfSoftwareEvent.CPU_CLOCK), and online CPUs");
        }
        if (errno == EACCES && (op == Op.USDT_ATTACH
                || op == Op.UPROBE_ATTACH && call.startsWith("bpf_program__attach_uprobe_opts"))) {
            // Linux 6.12 (and the stable kernels it was backported to) takes back CAP_PERFMON's access to the
            // uprobe PMU: perf_uprobe_event_init answers EACCES without CAP_SYS_ADMIN. A uprobe.multi link
            // is made by bpf(2), not perf_event_open, and needs no more than loading the program did.
            long caps = effectiveCapabilities();
            if (caps >= 0 && !has(caps, CAP_SYS_ADMIN)) {
                return new BpfPermissionException(call, errno, name, "the kernel refused to create " + target
                        + ": a uprobe made through perf_event_open needs CAP_SYS_ADMIN (Linux 6.12 and later, and"
                        + " stable kernels since), and this process lacks CAP_SYS_ADMIN",
                        (op == Op.USDT_ATTACH ? "this libbpf fell back to perf uprobes because the kernel has no"
                                + " uprobe.multi links (Linux 6.6+): use a newer kernel" : "attach a"
                                + " SEC(\"uprobe.multi\") program with UprobeMulti.symbols(binary, symbol) instead (a"
                                + " BPF link, Linux 6.6+, needing no capability beyond the program's load)")
                                + ", or grant CAP_SYS_ADMIN");
            }
        }
        if (errno == ESRCH && (op == Op.UPROBE_ATTACH || op == Op.USDT_ATTACH || op == Op.PERF_EVENT_ATTACH)) {
            return new BpfException(call, errno, name, "no process with the pid of " + target,
                    "pass the pid of a running process, or -1 for every process");
        }
        if (errno == EBUSY && op == Op.BTF_TRACE_ATTACH) {
            message = "the target already has this program attached (or, for fmod_ret/freplace, another one)";
            hint = "close the BpfLink that holds it first";
        }
        if (errno == EINVAL) {
            switch (op) {
                case KPROBE_MULTI_ATTACH:
                    hint = "the program must be SEC(\"kprobe.multi\")/SEC(\"kretprobe.multi\")/SEC(\"kprobe.session\")"
                            + " (libbpf sets the expected attach type from it), and cookies must match the symbols";
                    break;
                case UPROBE_ATTACH:
                    hint = "check the offset (a file offset into the binary) or the symbol, and for uprobe.multi that the"
                            + " program is SEC(\"uprobe.multi\") and the arrays have one entry per probe";
                    break;
                case BTF_TRACE_ATTACH:
                    hint = "the program's target was fixed at load (section or setAttachTarget); fmod_ret only attaches"
                            + " to functions marked for error injection or modify-return";
                    break;
                case PERF_EVENT_ATTACH:
                    hint = "check the event's type/config and the frequency (at most kernel.perf_event_max_sample_rate="
                            + readFirstLine("/proc/sys/kernel/perf_event_max_sample_rate") + ")";
                    break;
                default:
                    hint = "the kernel refused the attach: check that the program's type and section fit this hook"
                            + " (see the libbpf log on logger io.github.bpf4j.libbpf)";
                    break;
            }
        }
        return classify(op, call, errno, name, message != null ? message : describe(errno),
                hint != null ? hint : hint(op, errno), null);
    }

    /** CGROUP2_SUPER_MAGIC and CGROUP_SUPER_MAGIC (uapi/linux/magic.h). */
    private static final long CGROUP2_MAGIC = 0x63677270L;
    private static final long CGROUP1_MAGIC = 0x27e0ebL;
    private static final String MOUNT_CGROUP2 = "attach to a directory of a cgroup v2 mount (on a unified host"
            + " /sys/fs/cgroup, on a hybrid one often /sys/fs/cgroup/unified; none: mount -t cgroup2 none <dir>,"
            + " then mkdir <dir>/<name> and move processes in through its cgroup.procs)";

    /**
     * The exception for a cgroup attach ({@link Op#CGROUP_OPEN} of the directory, {@link Op#CGROUP_ATTACH})
     * that failed with {@code errno}: the message says what the cgroup, the hook or the flags are to the
     * kernel, the hint how to fix it.
     *
     * @param fsType the directory's filesystem type (fstatfs), or -errno if unknown
     * @param legacy BPF_PROG_ATTACH rather than a BPF link
     * @param replacing the attach replaces a program (BPF_F_REPLACE)
     * @param relative the attach is placed before or after another program or link
     */
    public static BpfException ofCgroup(Op op, String call, int errno, String dir, long fsType, String hook,
            boolean legacy, boolean replacing, boolean relative) {
        String name = errnoName(errno);
        String fs = fsType == CGROUP1_MAGIC ? dir + " is a cgroup v1 directory, and BPF programs attach to cgroup v2"
                + " only" : fsType >= 0 && fsType != CGROUP2_MAGIC ? dir + " is not a cgroup v2 directory (filesystem"
                + " type 0x" + Long.toHexString(fsType) + ")" : null;
        if (op == Op.CGROUP_OPEN) {
            if (errno == ENOENT) {
                return new BpfException(call, errno, name, "no directory " + dir, MOUNT_CGROUP2);
            }
            if (errno == ENOTDIR) {
                return new BpfInvalidArgumentException(call, errno, name, dir + " is not a directory", MOUNT_CGROUP2);
            }
            if (errno == EACCES || errno == EPERM) {
                return new BpfPermissionException(call, errno, name, "this process may not open " + dir,
                        "a cgroup directory needs read and search permission to be opened; check its mode");
            }
            return classify(op, call, errno, name, describe(errno), MOUNT_CGROUP2, null);
        }
        switch (errno) {
            case EBADF:
                return new BpfInvalidArgumentException(call, errno, name, (fs != null ? fs : dir
                        + " is not a cgroup v2 directory") + ": the kernel found no cgroup v2 behind the fd", MOUNT_CGROUP2);
            case EPERM:
            case EACCES: {
                long caps = effectiveCapabilities();
                if (has(caps, CAP_NET_ADMIN) || has(caps, CAP_SYS_ADMIN)) {
                    return new BpfPermissionException(call, errno, name, "what is attached at " + hook + " of " + dir
                            + " or of a parent cgroup does not allow this attach",
                            "a program attached without flags (legacy, exclusive) forbids any other at that hook in"
                                    + " the cgroup and below; one attached with ALLOW_OVERRIDE allows only an override"
                                    + " below, never a second one in the same cgroup; the programs of one cgroup and"
                                    + " hook must all use the same flags (a BPF link counts as ALLOW_MULTI): detach"
                                    + " what is there (bpftool cgroup show " + dir + ") or attach with its flags");
                }
                return new BpfPermissionException(call, errno, name, describe(errno), needs(caps,
                        "attaching to a cgroup", CAP_NET_ADMIN, -1, "run as root, or grant CAP_NET_ADMIN"
                                + " (CAP_SYS_ADMIN on kernels before 5.8), in the cgroup's user namespace",
                        "a BPF LSM refuses it"));
            }
            case EINVAL: {
                long caps = effectiveCapabilities();
                if (caps >= 0 && !has(caps, CAP_NET_ADMIN) && !has(caps, CAP_SYS_ADMIN)) {
                    // Seen on 6.18: BPF_PROG_ATTACH without CAP_NET_ADMIN answers EINVAL where BPF_LINK_CREATE says EPERM.
                    return new BpfInvalidArgumentException(call, errno, name, "the kernel refused to attach the"
                            + " program at " + hook, "this process lacks CAP_NET_ADMIN, which attaching to a cgroup"
                            + " needs (the legacy attach answers EINVAL rather than EPERM without it): run as root,"
                            + " or grant CAP_NET_ADMIN; if it is granted, check the hook and flags");
                }
                return new BpfInvalidArgumentException(call, errno, name, "the kernel refused to attach the program at "
                        + hook + (legacy ? " with these flags" : ""), "a program attaches at the hooks of its"
                        + " expected attach type only (from its section: SEC(\"cgroup/connect4\") is CONNECT4; only"
                        + " cgroup_skb programs of SEC(\"cgroup/skb\") take either INGRESS or EGRESS): name the"
                        + " hook that fits with Cgroup.hook" + (legacy ? "; ALLOW_OVERRIDE and ALLOW_MULTI exclude"
                        + " each other, replacing needs ALLOW_MULTI and no before/after, and with ALLOW_MULTI a"
                        + " program attaches once per cgroup and hook (Linux 6.16+ answer EINVAL, older EEXIST)" : "")
                        + (relative ? "; before/after need Linux 6.16, and name a program attached by a BPF link by"
                        + " its link (before(BpfLink)), one attached legacy by the program" : ""));
            }
            case EEXIST:
                return new BpfException(call, errno, name, "the program is attached at " + hook + " of " + dir
                        + " already", "a program runs once per cgroup and hook: close the link that attached it, or"
                        + " load a second instance of it");
            case ENOENT:
                return new BpfException(call, errno, name, replacing ? "the program to replace is not attached at "
                        + hook + " of " + dir : relative ? "the program or link to place it before or after is not"
                        + " attached at " + hook + " of " + dir : "the kernel found nothing to attach to",
                        replacing ? "name the program that is attached there (bpftool cgroup show " + dir + ")"
                                : "name a program or link attached at this hook of this cgroup");
            case ESTALE:
                return new BpfException(call, errno, name, "the programs at " + hook + " of " + dir + " changed since"
                        + " the expected revision", "query the revision again and retry, or attach without"
                        + " expectedRevision");
            case E2BIG:
                return new BpfException(call, errno, name, "64 programs are attached at " + hook + " of " + dir
                        + " already", "detach one first: the kernel runs at most 64 per cgroup and hook");
            case EOPNOTSUPP:
            case ENOTSUPP:
                return new BpfNotSupportedException(call, errno, name, "this kernel cannot attach at " + hook
                        + (legacy ? "" : " with a BPF link"), "cgroup BPF links need Linux 5.7 (legacy attach:"
                        + " Cgroup.legacy()); the hook's minimum kernel is CgroupHook.minimumKernel(), and all need"
                        + " CONFIG_CGROUP_BPF");
            default:
                return classify(op, call, errno, name, describe(errno), hint(op, errno), null);
        }
    }

    /** How a section of {@code kind} names its target, or null if no section can. */
    private static String attachExample(String kind) {
        if (kind.equals("tp") || kind.equals("tracepoint")) {
            return "SEC(\"tp/<category>/<name>\"), e.g. SEC(\"tp/syscalls/sys_enter_write\")";
        }
        if (kind.startsWith("raw_tp") || kind.startsWith("raw_tracepoint")) {
            return "SEC(\"" + kind + "/<tracepoint>\"), e.g. SEC(\"" + kind + "/sys_enter\")";
        }
        if (kind.startsWith("tp_btf") || kind.startsWith("fentry") || kind.startsWith("fexit")
                || kind.startsWith("fmod_ret") || kind.startsWith("lsm") || kind.startsWith("kprobe")
                || kind.startsWith("kretprobe") || kind.startsWith("ksyscall") || kind.startsWith("kretsyscall")) {
            return "SEC(\"" + kind + "/<" + (kind.startsWith("lsm") ? "hook" : kind.startsWith("tp_btf")
                    ? "tracepoint" : kind.contains("syscall") ? "syscall" : "function") + ">\")";
        }
        if (kind.startsWith("uprobe") || kind.startsWith("uretprobe")) {
            return "SEC(\"" + kind + "/<binary>:<function>\"), e.g. SEC(\"" + kind + "/libc.so.6:malloc\")";
        }
        if (kind.startsWith("usdt")) {
            return "SEC(\"usdt/<binary>:<provider>:<name>\")";
        }
        return null;
    }

    /**
     * The exception for a netkit attach on a kernel without netkit (CONFIG_NETKIT unset: the kernel's stub
     * answers EINVAL, whatever the device).
     */
    public static BpfException ofNetkitMissing(String call, int errno) {
        return new BpfNotSupportedException(call, errno, errnoName(errno), "this kernel has no netkit: it was"
                + " built without CONFIG_NETKIT", "use a kernel with CONFIG_NETKIT=y (Linux 6.7+) and a netkit device"
                + " (ip link add <name> type netkit); on this kernel attach to a veth with Tcx instead");
    }

    /** The message of a failed network attach, where the errno alone says too little; null otherwise. */
    static String networkMessage(Op op, String call, int errno) {
        String target = between(call, "', ", ")");
        if (op == Op.TCX_ATTACH || op == Op.NETKIT_ATTACH) {
            switch (errno) {
                case ENOENT: return "the program or link to place it next to is not attached to " + target;
                case EEXIST: return "the program is attached to " + target + " already, and runs once per hook";
                case ESTALE: return "the hook's revision is not the one expected: " + target + " changed since";
                case ERANGE: return target + " has as many programs as it takes (64)";
                case ENODEV: return "there is no interface with that index: " + target;
                case ENXIO: return op == Op.NETKIT_ATTACH ? target + " is no netkit device" : null;
                default: return null;
            }
        }
        if (op == Op.TC_ATTACH) {
            switch (errno) {
                case EEXIST: return "a filter with that priority and handle is on " + target + " already";
                case ENOENT: return call.startsWith("bpf_tc_hook_create") ? "this kernel has no clsact qdisc"
                        + " (CONFIG_NET_SCH_INGRESS)" : "the kernel found no cls_bpf classifier or hook for "
                        + target + " (CONFIG_NET_CLS_BPF)";
                case ENODEV: return "there is no interface with that index: " + target;
                default: return null;
            }
        }
        if (op == Op.SOCKMAP_ATTACH) {
            if (errno == EBUSY || errno == EEXIST) {
                return "a program of this kind is attached to the map already";
            }
            return null;
        }
        if (op == Op.NETNS_ATTACH) {
            if (errno == EEXIST || errno == E2BIG) {
                return call.contains("FLOW_DISSECTOR") ? "a flow dissector is attached to the namespace already,"
                        + " and a namespace has one" : "the namespace has as many programs of this type as it takes"
                        + " (sk_lookup: 64)";
            }
            return null;
        }
        return null;
    }

    /** The hint of a failed network attach; null for the generic one. */
    static String networkHint(Op op, int errno) {
        // No switch over Op (see networkMessage): hint() runs for every failure, EMFILE included.
        if (op == Op.TCX_ATTACH || op == Op.NETKIT_ATTACH) {
            switch (errno) {
                case ENOENT: return "an anchor must be attached to the same interface and direction now: attach it"
                        + " first, or place the program with first()/last() instead";
                case EEXIST: return "close the link that holds it there first, or attach another program";
                case ESTALE: return "read the hook again and pass its current revision to expectedRevision(), or"
                        + " 0 for any";
                case ERANGE: return "detach programs from the hook first";
                case ENODEV: return "list the interfaces with ip link; an index is of one network namespace";
                case ENXIO: return "netkit attaches to a netkit device (ip link add <name> type netkit); a veth"
                        + " takes Tcx";
                case EINVAL: return (op == Op.TCX_ATTACH ? "tcx needs Linux 6.6+ with CONFIG_NET_XGRESS"
                        : "netkit needs Linux 6.7+ with CONFIG_NETKIT") + "; before and after need an anchor on"
                        + " the same hook, and an anchor named by id or fd must be a program (or, for Anchor.link*,"
                        + " a link) there";
                default: return null;
            }
        }
        if (op == Op.TC_ATTACH) {
            switch (errno) {
                case EEXIST: return "set replace(true) to replace it, or pick another priority or handle";
                case ENOENT: return "use a kernel with CONFIG_NET_SCH_INGRESS and CONFIG_NET_CLS_BPF";
                case ENODEV: return "list the interfaces with ip link; an index is of one network namespace";
                case EINVAL: return "the kernel refused the filter: check that the program is SCHED_CLS and the"
                        + " priority and handle fit (replace needs both of an existing filter)";
                default: return null;
            }
        }
        if (op == Op.SOCKMAP_ATTACH) {
            if (errno == EINVAL) {
                return "sockmap links need Linux 6.10+; the program must be SEC(\"sk_msg\") or"
                        + " SEC(\"sk_skb/stream_parser|stream_verdict|verdict\"), the map a SOCKMAP or SOCKHASH";
            }
            if (errno == EBUSY || errno == EEXIST) {
                return "close the link holding the other program, or use another map";
            }
            return null;
        }
        if (op == Op.NETNS_ATTACH) {
            if (errno == EEXIST || errno == E2BIG) {
                return "close the link holding it (bpftool link list shows it), then attach again";
            }
            if (errno == EINVAL) {
                return "the fd or path must be a network namespace file (/proc/<pid>/ns/net, /run/netns/<name>);"
                        + " sk_lookup needs Linux 5.9+, flow_dissector links 5.8+";
            }
            if (errno == ENOENT) {
                return "no such namespace file; ip netns list shows the named ones";
            }
            return null;
        }
        if (op == Op.NETFILTER_ATTACH) {
            if (errno == EINVAL) {
                return "netfilter links need Linux 6.4+ (CONFIG_NETFILTER_BPF_LINK); defrag needs 6.6+ and a"
                        + " priority above -400; the priority must not be the hook's first or last";
            }
            if (errno == EOPNOTSUPP || errno == ENOTSUPP || errno == ENOENT) {
                return "defrag needs the nf_defrag_ipv4/ipv6 module; the hook needs CONFIG_NETFILTER_BPF_LINK";
            }
            if (errno == EBUSY) {
                return "another hook function has that priority exclusively: pick another";
            }
            return null;
        }
        return null;
    }
}
