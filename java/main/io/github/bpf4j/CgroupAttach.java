/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.AttachErrors;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.link.AttachPoint;
import io.github.bpf4j.link.Cgroup;
import io.github.bpf4j.link.CgroupFlag;
import io.github.bpf4j.link.CgroupHook;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The cgroup family of {@link BpfProgram#attach(AttachPoint)}: {@link Cgroup}
 * points, as a BPF link (the link fd owns the attachment) or with the legacy
 * BPF_PROG_ATTACH, whose BpfLink owns copies of the program and cgroup fds
 * to detach it with BPF_PROG_DETACH: the program's own fd may be closed with
 * its object before the link is.
 */
final class CgroupAttach {
    private static final Logger LOG = Logger.getLogger("io.github.bpf4j");
    // uapi/linux/bpf.h
    private static final int BPF_F_REPLACE = 1 << 2;
    private static final int BPF_F_BEFORE = 1 << 3;
    private static final int BPF_F_AFTER = 1 << 4;
    private static final int BPF_F_LINK = 1 << 13;

    private CgroupAttach() {}

    /** The link, or null if {@code point} is not of this family. */
    static BpfLink attach(BpfProgram program, AttachPoint point) {
        if (!(point instanceof Cgroup)) {
            return null;
        }
        Cgroup cg = (Cgroup) point;
        CgroupHook hook = hookOf(program, cg);
        Attachments.requireType(program, point, hook.programType());
        int flags = flags(cg);
        if (cg.relativeLink() != null && !cg.relativeLink().isBpfLink()) {
            throw new IllegalArgumentException("attach(" + cg + "): " + cg.relativeLink() + " is a legacy attachment,"
                    + " which has no link fd to be placed by; name its program: before/after(link.program())");
        }
        // The programs and link named by the point are held like the attached one: their fds stay theirs
        // during the call.
        Handle relative = cg.relativeProgram() != null ? cg.relativeProgram().handle()
                : cg.relativeLink() != null ? cg.relativeLink().handle() : null;
        Handle replaced = cg.replaced() != null ? cg.replaced().handle() : null;
        acquire(relative);
        try {
            acquire(replaced);
            try {
                return attach(program, cg, hook, flags);
            } finally {
                release(replaced);
            }
        } finally {
            release(relative);
        }
    }

    private static void acquire(Handle h) {
        if (h != null) {
            h.acquire();
        }
    }

    private static void release(Handle h) {
        if (h != null) {
            h.release();
        }
    }

    private static BpfLink attach(BpfProgram program, Cgroup cg, CgroupHook hook, int flags) {
        int relativeFd = 0;
        if (cg.relativeLink() != null) {
            relativeFd = cg.relativeLink().fd();
            flags |= BPF_F_LINK;
        } else if (cg.relativeProgram() != null) {
            relativeFd = cg.relativeProgram().fd();
        }
        String where = cg.path() != null ? cg.path() : "fd " + cg.fd();
        String target = cg.target(hook);
        int cgroupFd = cg.path() != null ? Native.cgroupOpen(cg.path()) : Native.dup(cg.fd());
        if (cgroupFd < 0) {
            throw AttachErrors.ofCgroup(Errors.Op.CGROUP_OPEN, (cg.path() != null ? "open(" : "dup(") + where + ")",
                    -cgroupFd, where, -1, hook.section(), cg.isLegacy(), false, false);
        }
        boolean owned = false;
        try {
            if (!cg.isLegacy()) {
                int link = Native.cgroupLinkCreate(program.fd(), cgroupFd, hook.attachType(), flags, relativeFd,
                        cg.expectedRevision());
                if (link < 0) {
                    throw failure(program, cg, hook, where, "bpf_link_create", -link, cgroupFd);
                }
                return Attachments.ownedFd(program, target, link);
            }
            int replaceFd = 0;
            if (cg.replaced() != null) {
                replaceFd = cg.replaced().fd();
                flags |= BPF_F_REPLACE;
            }
            int progFd = Native.dup(program.fd());
            if (progFd < 0) {
                throw Errors.of(Errors.Op.FD_DUP, "dup(program '" + program.name() + "')", -progFd, null);
            }
            int err = Native.cgroupProgAttach(progFd, cgroupFd, hook.attachType(), flags, replaceFd, relativeFd,
                    cg.expectedRevision());
            if (err < 0) {
                Native.close(progFd);
                throw failure(program, cg, hook, where, "bpf_prog_attach", -err, cgroupFd);
            }
            owned = true; // by the detach action from here on, which undoes the attach if wrapping fails
            final Detach detach = new Detach(progFd, cgroupFd, hook, "program '" + program.name() + "' -> " + target);
            return Attachments.owned(() -> new BpfLink(program, target, detach), detach);
        } finally {
            if (!owned) {
                Native.close(cgroupFd);
            }
        }
    }

    /** The named hook, else the program's section's (libbpf's expected attach type). */
    private static CgroupHook hookOf(BpfProgram program, Cgroup cg) {
        if (cg.hook() != null) {
            return cg.hook();
        }
        if (program.pointer() == 0) {
            throw new IllegalArgumentException("attach(" + cg + "): program '" + program.name() + "' was opened on"
                    + " its own, and the kernel keeps no section to take the hook from; name it:"
                    + " Cgroup.at(dir).hook(CgroupHook.CONNECT4)");
        }
        int type = Native.programExpectedAttachType(program.pointer());
        CgroupHook hook = CgroupHook.ofAttachType(type);
        if (hook == null || hook.programType() != program.type()) {
            throw new UnsupportedOperationException("attach(" + cg + "): program '" + program.name() + "' ("
                    + program.type() + ", section " + program.section() + ") attaches at no cgroup hook; cgroup"
                    + " programs have sections like cgroup/connect4, cgroup_skb/egress, cgroup/dev, sockops");
        }
        return hook;
    }

    private static int flags(Cgroup cg) {
        int flags = 0;
        for (CgroupFlag f : cg.flags()) {
            if (!cg.isLegacy() && f != CgroupFlag.PREORDER) {
                throw new IllegalArgumentException("attach(" + cg + "): " + f + " is a flag of the legacy attach;"
                        + " a BPF link always runs beside the others (as ALLOW_MULTI): drop the flag, or attach"
                        + " with Cgroup.legacy()");
            }
            flags |= f.bit();
        }
        if (cg.replaced() != null && !cg.isLegacy()) {
            throw new IllegalArgumentException("attach(" + cg + "): replacing a program is a legacy attach;"
                    + " add legacy().flags(CgroupFlag.ALLOW_MULTI)");
        }
        if (cg.isBefore()) {
            flags |= BPF_F_BEFORE;
        }
        if (cg.isAfter()) {
            flags |= BPF_F_AFTER;
        }
        return flags;
    }

    private static BpfException failure(BpfProgram program, Cgroup cg, CgroupHook hook, String where, String call,
            int errno, int cgroupFd) {
        return AttachErrors.ofCgroup(Errors.Op.CGROUP_ATTACH, call + "(program '" + program.name() + "', " + hook.section()
                + ", " + where + ")", errno, where, Native.cgroupFsType(cgroupFd), hook.section(), cg.isLegacy(),
                cg.replaced() != null, cg.relativeLink() != null || cg.relativeProgram() != null);
    }

    /** Undoes a legacy attach, once; refers to the fds only, never to the link. */
    private static final class Detach implements Runnable {
        private final int progFd;
        private final int cgroupFd;
        private final CgroupHook hook;
        private final String what;

        Detach(int progFd, int cgroupFd, CgroupHook hook, String what) {
            this.progFd = progFd;
            this.cgroupFd = cgroupFd;
            this.hook = hook;
            this.what = what;
        }

        @Override
        public void run() {
            int err = Native.cgroupProgDetach(progFd, cgroupFd, hook.attachType());
            // ENOENT: replaced (BPF_F_REPLACE) or detached by someone else, which is what close() wants.
            if (err < 0 && -err != Errors.ENOENT) {
                LOG.log(Level.WARNING, "bpf_prog_detach2(" + what + ") failed: " + Errors.errnoName(-err));
            }
            Native.close(progFd);
            Native.close(cgroupFd);
        }
    }
}
