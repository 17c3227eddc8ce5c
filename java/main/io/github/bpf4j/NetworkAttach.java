/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.AttachErrors;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeLayout;
import io.github.bpf4j.link.Anchor;
import io.github.bpf4j.link.AttachPoint;
import io.github.bpf4j.link.Netfilter;
import io.github.bpf4j.link.Netkit;
import io.github.bpf4j.link.Netns;
import io.github.bpf4j.link.Sockmap;
import io.github.bpf4j.link.Tc;
import io.github.bpf4j.link.Tcx;
import io.github.bpf4j.link.Xdp;
import io.github.bpf4j.link.XdpMode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * The networking attach points: tcx, classic tc, netkit, XDP, sockmap, network namespaces and netfilter.
 * Called with the program's handle held and the program loaded.
 *
 * <p>tcx and netkit are made with bpf_link_create, not libbpf's bpf_program__attach_tcx/netkit: those take
 * the direction from the program's section (its expected attach type), while here the point names it, and
 * the kernel takes any SCHED_CLS program on either side.
 */
final class NetworkAttach {
    private NetworkAttach() {}

    // enum bpf_attach_type (uapi/linux/bpf.h)
    private static final int BPF_XDP = 37;
    private static final int BPF_TCX_INGRESS = 46;
    private static final int BPF_TCX_EGRESS = 47;
    private static final int BPF_NETKIT_PRIMARY = 54;
    private static final int BPF_NETKIT_PEER = 55;
    // link_create flags
    private static final int BPF_F_BEFORE = 1 << 3;
    private static final int BPF_F_AFTER = 1 << 4;
    private static final int BPF_F_ID = 1 << 5;
    private static final int BPF_F_LINK = 1 << 13;
    // XDP_FLAGS_* (uapi/linux/if_link.h)
    private static final int XDP_FLAGS_UPDATE_IF_NOEXIST = 1;
    private static final int XDP_FLAGS_SKB_MODE = 1 << 1;
    private static final int XDP_FLAGS_DRV_MODE = 1 << 2;
    private static final int XDP_FLAGS_REPLACE = 1 << 4;
    private static final int BPF_F_NETFILTER_IP_DEFRAG = 1;

    /**
     * Interfaces (by ifindex) whose clsact qdisc bpf4j created and has not removed yet: the last classic tc
     * detach from one of them removes the qdisc, if nothing else is attached to it.
     */
    private static final Set<Integer> CREATED_CLSACT = new HashSet<Integer>();

    /** The link, or null if {@code point} is not of this family. */
    static BpfLink attach(BpfProgram program, AttachPoint point) {
        if (point instanceof Tcx) {
            return tcx(program, (Tcx) point);
        }
        if (point instanceof Tc) {
            return tc(program, (Tc) point);
        }
        if (point instanceof Netkit) {
            return netkit(program, (Netkit) point);
        }
        if (point instanceof Xdp) {
            return xdp(program, (Xdp) point);
        }
        if (point instanceof Sockmap) {
            return sockmap(program, (Sockmap) point);
        }
        if (point instanceof Netns) {
            return netns(program, (Netns) point);
        }
        if (point instanceof Netfilter) {
            return netfilter(program, (Netfilter) point);
        }
        return null;
    }

    private static String call(String function, BpfProgram program, String what) {
        return function + "(program '" + program.name() + "', " + what + ")";
    }

    /** The interface's index in the calling thread's namespace, or IllegalArgumentException saying so. */
    private static int ifindex(String name, int ifindex, AttachPoint point) {
        if (name == null) {
            return ifindex;
        }
        int index = Native.ifIndex(name);
        if (index <= 0) {
            throw new IllegalArgumentException("attach(" + point + "): no network interface '" + name
                    + "' in this network namespace (" + Errors.errnoName(-index) + "); list them with ip link");
        }
        return index;
    }

    // ---- tcx, netkit: multi-program hooks

    private static BpfLink tcx(BpfProgram program, Tcx point) {
        Attachments.requireType(program, point, ProgramType.SCHED_CLS);
        int ifindex = ifindex(point.interfaceName(), point.ifindex(), point);
        String call = call("bpf_link_create", program, point.target());
        int fd = multiProgram(program, ifindex, point.isEgress() ? BPF_TCX_EGRESS : BPF_TCX_INGRESS, point.side(),
                point.anchor(), point.expectedRevision());
        if (fd < 0) {
            throw Errors.of(Errors.Op.TCX_ATTACH, call, -fd, null);
        }
        return Attachments.ownedFd(program, point.target(), fd);
    }

    private static BpfLink netkit(BpfProgram program, Netkit point) {
        Attachments.requireType(program, point, ProgramType.SCHED_CLS);
        int ifindex = ifindex(point.interfaceName(), point.ifindex(), point);
        String call = call("bpf_link_create", program, point.target());
        int fd = multiProgram(program, ifindex, point.isPeer() ? BPF_NETKIT_PEER : BPF_NETKIT_PRIMARY,
                point.side(), point.anchor(), point.expectedRevision());
        if (fd < 0) {
            int errno = -fd;
            if (errno != Errors.EPERM && errno != Errors.EACCES && !kernelHasNetkit()) {
                throw AttachErrors.ofNetkitMissing(call, errno);
            }
            throw Errors.of(Errors.Op.NETKIT_ATTACH, call, errno, null);
        }
        return Attachments.ownedFd(program, point.target(), fd);
    }

    /** bpf_link_create with the anchor's fd or id; the anchor's handle is held across the call. */
    private static int multiProgram(BpfProgram program, int ifindex, int attachType, Anchor.Side side,
            Anchor anchor, long revision) {
        int flags = side == Anchor.Side.BEFORE ? BPF_F_BEFORE : side == Anchor.Side.AFTER ? BPF_F_AFTER : 0;
        if (anchor == null) {
            return Native.netLinkCreate(program.fd(), ifindex, attachType, flags, 0, 0, revision);
        }
        if (anchor.isLink()) {
            flags |= BPF_F_LINK;
        }
        if (anchor.id() > 0) {
            return Native.netLinkCreate(program.fd(), ifindex, attachType, flags | BPF_F_ID, 0, anchor.id(), revision);
        }
        // The anchor program's or link's handle is held, so its fd stays its own during the call.
        Handle h = anchor.link() != null ? anchor.link().handle()
                : anchor.program() != null && anchor.program() != program ? anchor.program().handle() : null;
        if (h != null) {
            h.acquire();
            try {
                int fd = anchor.link() != null ? anchor.link().fd() : anchor.program().fd();
                return Native.netLinkCreate(program.fd(), ifindex, attachType, flags, fd, 0, revision);
            } finally {
                h.release();
            }
        }
        // The program itself as its own anchor: the kernel answers (EINVAL/ENOENT).
        int fd = anchor.program() != null ? anchor.program().fd() : anchor.link() != null ? anchor.link().fd()
                : anchor.fd();
        return Native.netLinkCreate(program.fd(), ifindex, attachType, flags, fd, 0, revision);
    }

    /**
     * CONFIG_NETKIT, as the kernel's config says (/proc/config.gz), else as its symbols do
     * (netkit_link_attach exists only with netkit built in). True when neither can be read.
     */
    static boolean kernelHasNetkit() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                Files.newInputStream(Paths.get("/proc/config.gz"))), StandardCharsets.US_ASCII))) {
            for (String line; (line = r.readLine()) != null;) {
                if (line.startsWith("CONFIG_NETKIT=")) {
                    return true;
                }
                if (line.equals("# CONFIG_NETKIT is not set")) {
                    return false;
                }
            }
            return false;
        } catch (IOException e) {
            // no IKCONFIG_PROC: the symbols
        }
        try (BufferedReader r = Files.newBufferedReader(Paths.get("/proc/kallsyms"), StandardCharsets.US_ASCII)) {
            for (String line; (line = r.readLine()) != null;) {
                if (line.endsWith(" netkit_link_attach")) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    // ---- classic tc

    private static BpfLink tc(BpfProgram program, final Tc point) {
        Attachments.requireType(program, point, ProgramType.SCHED_CLS);
        if (point.isReplace() && (point.priority() == 0 || point.handle() == 0)) {
            throw new IllegalArgumentException("attach(" + point + "): replace names the filter to replace by its"
                    + " priority and handle: set both");
        }
        final int ifindex = ifindex(point.interfaceName(), point.ifindex(), point);
        final boolean egress = point.isEgress();
        int progId = programId(program);
        synchronized (CREATED_CLSACT) {
            int created = Native.netTcHookCreate(ifindex);
            if (created == 0) {
                CREATED_CLSACT.add(ifindex);
            } else if (created != -Errors.EEXIST) {
                throw Errors.of(Errors.Op.TC_ATTACH, "bpf_tc_hook_create(clsact, " + point.target() + ")", -created,
                        null);
            }
            long made = Native.netTcAttach(ifindex, egress, program.fd(), point.handle(), point.priority(),
                    point.isReplace());
            if (made < 0) {
                int err = (int) made;
                removeClsactIfOursAndEmpty(ifindex);
                throw Errors.of(Errors.Op.TC_ATTACH, call("bpf_tc_attach", program, point.target()
                        + (point.priority() == 0 ? "" : ", priority " + point.priority())
                        + (point.handle() == 0 ? "" : ", handle " + point.handle())), -err, null);
            }
            final int handle = (int) (made >>> 16);
            final int priority = (int) (made & 0xffff);
            final int id = progId;
            String target = point.target() + " priority " + priority + " handle 0x" + Integer.toHexString(handle);
            final Runnable detach = new Runnable() {
                @Override
                public void run() {
                    synchronized (CREATED_CLSACT) {
                        // Gone (device deleted, filter replaced or removed by someone else): nothing of ours to remove.
                        Native.netTcDetach(ifindex, egress, handle, priority, id);
                        removeClsactIfOursAndEmpty(ifindex);
                    }
                }
            };
            return Attachments.owned(() -> new BpfLink(program, target, detach), detach);
        }
    }

    /** Under CREATED_CLSACT's lock. */
    private static void removeClsactIfOursAndEmpty(int ifindex) {
        if (!CREATED_CLSACT.contains(ifindex)) {
            return;
        }
        int filters = Native.netTcFilterCount(ifindex);
        if (filters == 0) {
            Native.netTcHookDestroy(ifindex);
            CREATED_CLSACT.remove(ifindex);
        } else if (filters == -Errors.ENODEV) {
            CREATED_CLSACT.remove(ifindex); // the device is gone, and its qdisc with it
        }
        // Filters left, or the count failed (no netlink socket: EMFILE...): the qdisc stays; never guess.
    }

    private static int programId(BpfProgram program) {
        int[] info = new int[NativeLayout.PROG_INFO_LEN];
        int n = Native.progInfo(program.fd(), info, new byte[16]);
        if (n < 0) {
            throw Errors.of(Errors.Op.INFO, call("bpf_prog_get_info_by_fd", program, "id"), -n, null);
        }
        return info[NativeLayout.PROG_INFO_ID];
    }

    // ---- XDP

    private static BpfLink xdp(BpfProgram program, final Xdp point) {
        Attachments.requireType(program, point, ProgramType.XDP);
        final int ifindex = ifindex(point.interfaceName(), point.ifindex(), point);
        int mode = point.mode() == XdpMode.SKB ? XDP_FLAGS_SKB_MODE : point.mode() == XdpMode.DRIVER
                ? XDP_FLAGS_DRV_MODE : 0;
        if (!point.isNetlink()) {
            int fd = Native.progAttachXdp(program.fd(), ifindex, mode);
            if (fd < 0) {
                throw Errors.of(Errors.Op.XDP_ATTACH, call("bpf_link_create", program, "xdp, "
                        + point.target().substring(4)), -fd, null);
            }
            return Attachments.ownedFd(program, point.target(), fd);
        }
        // The detach names this program as the one expected there, by an fd of its own: the program's fd may
        // be closed (its object closed) before the attachment is.
        final int own = Errors.check(Errors.Op.FD_DUP, "dup(" + program.fd() + ")", Native.dup(program.fd()));
        int err;
        BpfProgram old = point.replaced();
        String call = call("bpf_xdp_attach", program, "netlink xdp, " + point.target().substring(4)
                + (old == null ? "" : ", replacing '" + old.name() + "'"));
        if (old == null) {
            err = Native.netXdpAttach(ifindex, own, mode | XDP_FLAGS_UPDATE_IF_NOEXIST, -1);
        } else {
            Handle h = old.handle();
            h.acquire();
            try {
                err = Native.netXdpAttach(ifindex, own, mode | XDP_FLAGS_REPLACE, old.fd());
            } finally {
                h.release();
            }
        }
        if (err < 0) {
            Native.close(own);
            throw Errors.of(Errors.Op.XDP_ATTACH, call, -err, null);
        }
        final int flags = mode | XDP_FLAGS_REPLACE;
        final Runnable detach = new Runnable() {
            @Override
            public void run() {
                // Detaches only if this program is still the one there (not replaced since).
                Native.netXdpAttach(ifindex, -1, flags, own);
                Native.close(own);
            }
        };
        return Attachments.owned(() -> new BpfLink(program, point.target() + " (netlink)", detach), detach);
    }

    // ---- sockmap, netns, netfilter: libbpf links, the hook from the section

    private static BpfLink sockmap(final BpfProgram program, final Sockmap point) {
        Attachments.requireType(program, point, ProgramType.SK_MSG, ProgramType.SK_SKB);
        requireObject(program, point);
        final BpfMap map = point.map();
        if (map.type() != MapType.SOCKMAP && map.type() != MapType.SOCKHASH) {
            throw new IllegalArgumentException("attach(" + point + "): map '" + map.name() + "' is " + map.type()
                    + "; sk_msg and sk_skb programs attach to a SOCKMAP or SOCKHASH");
        }
        final Handle h = map.handle();
        h.acquire();
        try {
            return Attachments.libbpfLink(program, point.target() + " (" + program.section() + ")",
                    new Attachments.LinkCall() {
                        @Override
                        public long attach() {
                            return Native.netAttachSockmap(program.pointer(), map.fd());
                        }
                    }, failure(Errors.Op.SOCKMAP_ATTACH, call("bpf_program__attach_sockmap", program, point.target())));
        } finally {
            h.release();
        }
    }

    private static BpfLink netns(final BpfProgram program, final Netns point) {
        Attachments.requireType(program, point, ProgramType.SK_LOOKUP, ProgramType.FLOW_DISSECTOR);
        requireObject(program, point);
        final int fd;
        final boolean ours = point.path() != null;
        if (ours) {
            fd = Native.openNonBlocking(point.path().toString());
            if (fd < 0) {
                throw Errors.of(Errors.Op.NETNS_ATTACH, "open(" + point.path() + ")", -fd, "the network namespace file");
            }
        } else {
            fd = point.fd();
        }
        try {
            return Attachments.libbpfLink(program, point.target(), new Attachments.LinkCall() {
                @Override
                public long attach() {
                    return Native.netAttachNetns(program.pointer(), fd);
                }
            }, failure(Errors.Op.NETNS_ATTACH, call("bpf_program__attach_netns", program, point.target()
                    + ", " + program.type())));
        } finally {
            if (ours) {
                Native.close(fd); // the link holds the namespace itself
            }
        }
    }

    private static BpfLink netfilter(final BpfProgram program, final Netfilter point) {
        Attachments.requireType(program, point, ProgramType.NETFILTER);
        requireObject(program, point);
        final int flags = point.isDefrag() ? BPF_F_NETFILTER_IP_DEFRAG : 0;
        return Attachments.libbpfLink(program, point.target(), new Attachments.LinkCall() {
            @Override
            public long attach() {
                return Native.netAttachNetfilter(program.pointer(), point.family(), point.hook().ordinal(),
                        point.priority(), flags);
            }
        }, failure(Errors.Op.NETFILTER_ATTACH, call("bpf_program__attach_netfilter", program, point.target()
                + (point.isDefrag() ? ", defrag" : ""))));
    }

    /** The libbpf attach functions need libbpf's struct bpf_program, which a program on its own lacks. */
    private static void requireObject(BpfProgram program, AttachPoint point) {
        if (program.pointer() == 0) {
            throw new UnsupportedOperationException("attach(" + point + "): program '" + program.name() + "' was"
                    + " opened on its own, and this hook takes its kind (attach type) from the section, which the"
                    + " kernel does not keep; attach it from the BpfObject that loaded it");
        }
    }

    private static Attachments.Failure failure(final Errors.Op op, final String call) {
        return new Attachments.Failure() {
            @Override
            public BpfException of(int errno) {
                return Errors.of(op, call, errno, null);
            }
        };
    }
}
