/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.FdKind;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeLayout;
import io.github.bpf4j.internal.NativeOwner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A program attached to something (a network interface, a tracepoint, a
 * function: {@link BpfProgram#attachXdp}, {@link BpfProgram#attach()}), as a
 * BPF link: {@link #close()} detaches it, and so does this process exiting, or
 * forgetting it: once unreachable, the garbage collector detaches it, with a
 * warning naming the link on the {@code io.github.bpf4j} logger.
 *
 * <p>A pinned link ({@link #pin}) outlives all of that: the pin keeps it
 * attached until it is removed ({@link Pins#unpin}) and every handle is
 * closed. A link opened on its own ({@link #openPinned}, {@link #fromId})
 * owns its fd like any link; closing it releases this process's hold, and
 * the link ends only when nothing else (a pin, another process) holds it.
 *
 * <p>A few attachments are no BPF links at all: classic tc filters, XDP
 * attached over netlink, legacy cgroup attaches ({@code BPF_PROG_ATTACH}),
 * USDT probes (many uprobes libbpf manages) and a perf event over several
 * CPUs (one link per CPU, owned together). They have no fd of their own, and
 * {@link #fd()}, {@link #pin}, {@link #update}, {@link #detach()},
 * {@link #info()} and {@link #openIterator()} throw
 * {@link UnsupportedOperationException}; {@link #close()} detaches them.
 * (Sockmap attachments are BPF links, Linux 6.10+.)
 */
public final class BpfLink implements AutoCloseable {
    private volatile BpfProgram program; // keeps the program's object reachable while attached; null on its own
    private final Object keep; // what else must stay reachable while attached (a struct_ops map)
    private final String target;
    private final NativeOwner owner;
    private final int fd;

    BpfLink(BpfProgram program, String target, int fd) {
        this.program = program;
        this.keep = null;
        this.target = target;
        this.fd = fd;
        this.owner = NativeOwner.ofFd(this, "BpfLink " + program.name() + " -> " + target, fd);
    }

    /** A link libbpf made (bpf_program__attach): owning the struct, which may hold more than the fd. */
    BpfLink(BpfProgram program, String target, long link) {
        this.program = program;
        this.keep = null;
        this.target = target;
        this.fd = Native.linkFd(link);
        this.owner = NativeOwner.ofLink(this, "BpfLink " + program.name() + " -> " + target, link);
    }

    /**
     * An attachment that is not a BPF link (classic tc, a legacy cgroup or sockmap attach): no fd of its own;
     * {@code detach} undoes it, once, on close or when the link is forgotten, and must not refer to this link.
     */
    BpfLink(BpfProgram program, String target, Runnable detach) {
        this.program = program;
        this.keep = null;
        this.target = target;
        this.fd = -1;
        this.owner = NativeOwner.of(this, "BpfLink " + program.name() + " -> " + target, detach);
    }

    /** A libbpf link of no single program (a struct_ops map's): {@code keep} stays reachable while attached. */
    BpfLink(Object keep, String target, long link) {
        this.program = null;
        this.keep = keep;
        this.target = target;
        this.fd = Native.linkFd(link);
        this.owner = NativeOwner.ofLink(this, "BpfLink " + target, link);
    }

    /** A link on its own (a pin, an id): owning {@code fd}. */
    private BpfLink(int fd, String target) {
        this.program = null;
        this.keep = null;
        this.target = target;
        this.fd = fd;
        this.owner = NativeOwner.ofFd(this, "BpfLink " + target, fd);
    }

    /**
     * Opens the link pinned at {@code path} (by this or another process). The link is on its own: it owns
     * its fd, {@link #program()} is null (open the program with {@code BpfProgram.fromId(info().programId())}),
     * and {@link #target()} is what the kernel reports ({@link LinkInfo#target()}).
     *
     * @throws IllegalArgumentException if the pin is a map or program, not a link
     * @throws BpfException with ENOENT if nothing is pinned there
     */
    public static BpfLink openPinned(Path path) {
        return Pins.openLink(path);
    }

    /**
     * Opens the link with this id (see {@link Bpf4j#links()}); on its own, as from {@link #openPinned}.
     *
     * @throws BpfException with ENOENT if no link has that id now
     * @throws BpfPermissionException without CAP_SYS_ADMIN
     */
    public static BpfLink fromId(int id) {
        Native.ensureLoaded();
        int fd = Native.fdById(Native.IDS_LINK, id);
        if (fd < 0) {
            throw Errors.of(Errors.Op.BY_ID, "bpf_link_get_fd_by_id(" + id + ")", -fd, null);
        }
        return adopt(fd, "BpfLink.fromId(" + id + ")", "link id " + id);
    }

    /** Wraps a fresh fd we own; closes it if it is not a link or its info cannot be read. */
    static BpfLink adopt(int fd, String operation, String subject) {
        try {
            FdKind.require(fd, FdKind.LINK, operation, subject);
            return new BpfLink(fd, readInfo(fd, operation).target());
        } catch (RuntimeException e) {
            Native.close(fd);
            throw e;
        }
    }

    static LinkInfo readInfo(int fd, String operation) {
        long[] f = new long[NativeLayout.LINK_INFO_LEN];
        byte[] name = new byte[NativeLayout.LINK_INFO_NAME_BYTES];
        byte[] path = new byte[NativeLayout.LINK_INFO_PATH_BYTES];
        int err = Native.linkInfo(fd, f, name, path);
        if (err < 0) {
            throw Errors.of(Errors.Op.INFO, "bpf_link_get_info_by_fd(" + operation + ")", -err, null);
        }
        int n = (int) f[NativeLayout.LINK_INFO_NAME_SIZE];
        int p = (int) f[NativeLayout.LINK_INFO_PATH_SIZE];
        return new LinkInfo(f, n > 0 ? new String(name, 0, n, StandardCharsets.UTF_8) : null,
                p > 0 ? new String(path, 0, p, StandardCharsets.UTF_8) : null);
    }

    /**
     * The program this link runs: the one it was attached with, or the last {@link #update}'s. Null for
     * a link on its own ({@link #openPinned}, {@link #fromId}: no program handle of this process; open
     * it with {@code BpfProgram.fromId(info().programId())}) and for a struct_ops link (the map holds
     * the programs).
     */
    public BpfProgram program() {
        return program;
    }

    /**
     * What the program is attached to: {@code xdp:veth0} for {@link BpfProgram#attachXdp}, the
     * section for {@link BpfProgram#attach()}, e.g. {@code tp/syscalls/sys_enter_write}, the
     * point's {@code target()} for {@link BpfProgram#attach(io.github.bpf4j.link.AttachPoint)}, and
     * the kernel's {@link LinkInfo#target()} for a link on its own.
     */
    public String target() {
        return target;
    }

    /** Held by a family across a call that passes this link's fd (as an anchor), so close() waits for it. */
    io.github.bpf4j.internal.Handle handle() {
        return owner.handle();
    }

    /** Whether this is a BPF link (has an fd), not an attachment the kernel made without one. */
    boolean isBpfLink() {
        return fd >= 0;
    }

    /**
     * The link's fd, owned by this link: valid until closed.
     *
     * @throws UnsupportedOperationException for an attachment that is no BPF link (classic tc, netlink XDP,
     *     a legacy cgroup attach, USDT, a perf event over several CPUs)
     */
    public int fd() {
        owner.handle().ensureOpen();
        requireFd("fd");
        return fd;
    }

    /**
     * Pins the link at {@code path} in a BPF filesystem, so it stays attached after this handle is closed
     * and this process ends, until the pin is removed ({@link Pins#unpin}); reopen it with
     * {@link #openPinned}.
     *
     * @throws BpfException with EEXIST if something is pinned there already (never replaced)
     * @throws UnsupportedOperationException for an attachment that is no BPF link
     */
    public void pin(Path path) {
        owner.handle().acquire();
        try {
            requireFd("pin");
            Pins.pin(fd, "link " + target, path);
        } finally {
            owner.handle().release();
        }
    }

    /**
     * Replaces the link's program with {@code newProgram}, atomically: every run from then on is the new
     * program's (bpf_link_update). The link keeps {@code newProgram} reachable from then on.
     *
     * @throws BpfInvalidArgumentException if this kind of link cannot run it (perf event and tracing links
     *     cannot be updated; the new program must have the old one's type and attach type)
     * @throws UnsupportedOperationException for an attachment that is no BPF link
     */
    public void update(BpfProgram newProgram) {
        update(newProgram, null);
    }

    /**
     * As {@link #update(BpfProgram)}, but only if the link still runs {@code expected} (BPF_F_REPLACE):
     * a compare-and-swap between processes that update the same pinned link.
     *
     * @throws BpfException with EPERM if it runs another program (the message says so; not a permission problem)
     */
    public void update(BpfProgram newProgram, BpfProgram expected) {
        if (newProgram == null) {
            throw new NullPointerException("newProgram is null");
        }
        owner.handle().acquire();
        try {
            requireFd("update");
            newProgram.handle().acquire();
            try {
                int newFd = newProgram.fd();
                int oldFd = -1;
                if (expected != null) {
                    expected.handle().acquire();
                }
                try {
                    oldFd = expected != null ? expected.fd() : -1;
                    int err = Native.linkUpdate(fd, newFd, oldFd);
                    if (err < 0) {
                        throw Errors.of(Errors.Op.LINK_UPDATE, "bpf_link_update(link " + target + ", program '"
                                + newProgram.name() + "'" + (expected != null ? ", replacing '" + expected.name() + "'"
                                : "") + ")", -err, expected != null ? "replace" : null);
                    }
                    program = newProgram;
                } finally {
                    if (expected != null) {
                        expected.handle().release();
                    }
                }
            } finally {
                newProgram.handle().release();
            }
        } finally {
            owner.handle().release();
        }
    }

    /**
     * Detaches the program (BPF_LINK_DETACH) but keeps the link: its fd stays valid, {@link #info()}
     * still answers, and its pins stay, but the program no longer runs. For links a user wants to
     * stop without closing every holder (a pin, other processes). Close it as usual.
     *
     * @throws BpfNotSupportedException for link types the kernel cannot detach (perf event, tracing)
     * @throws UnsupportedOperationException for an attachment that is no BPF link
     */
    public void detach() {
        owner.handle().acquire();
        try {
            requireFd("detach");
            int err = Native.linkDetach(fd);
            if (err < 0) {
                throw Errors.of(Errors.Op.LINK_DETACH, "bpf_link_detach(link " + target + ")", -err, null);
            }
        } finally {
            owner.handle().release();
        }
    }

    /** What the kernel says about the link now: type, ids, and its target. */
    public LinkInfo info() {
        owner.handle().acquire();
        try {
            requireFd("info");
            return readInfo(fd, "link " + target);
        } finally {
            owner.handle().release();
        }
    }

    /**
     * A fresh run of an iterator link ({@link io.github.bpf4j.link.Iter}): the program's output as a
     * stream, produced as it is read (bpf_iter_create; every call is a new run). Close the stream;
     * a forgotten one is closed once unreachable.
     *
     * @throws BpfInvalidArgumentException if this is no iterator link (the kernel's EINVAL)
     */
    public InputStream openIterator() {
        owner.handle().acquire();
        try {
            requireFd("openIterator");
            int session = Native.iterCreate(fd);
            if (session < 0) {
                throw Errors.of(Errors.Op.ITER, "bpf_iter_create(link " + target + ")", -session, null);
            }
            return new IterStream(session, target);
        } finally {
            owner.handle().release();
        }
    }

    /**
     * A fresh run of an iterator link, read whole, as lines (UTF-8).
     *
     * @throws BpfException if the run fails (the program's error, e.g. a bpf_seq_printf failure)
     */
    public List<String> iteratorLines() {
        List<String> lines = new ArrayList<String>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(openIterator(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                lines.add(line);
            }
        } catch (UncheckedIOException e) {
            throw e;
        } catch (IOException e) {
            if (e.getCause() instanceof BpfException) {
                throw (BpfException) e.getCause();
            }
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    private void requireFd(String method) {
        if (fd < 0) {
            throw new UnsupportedOperationException("BpfLink." + method + ": " + target + " is not a BPF link (an"
                    + " attachment the kernel makes without one, like classic tc), so it has no fd, pin, update or"
                    + " info; close() detaches it");
        }
    }

    /** Detaches the program (for a link on its own: releases this process's hold). Idempotent. */
    @Override
    public void close() {
        owner.close();
    }

    @Override
    public String toString() {
        BpfProgram p = program;
        return "BpfLink[" + (p != null ? p.name() + " -> " : "") + target
                + (owner.handle().isClosed() ? ", closed" : "") + "]";
    }

    Object kept() {
        return keep;
    }
}
