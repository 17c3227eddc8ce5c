/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfProgram;

/**
 * A program already attached to a multi-program hook ({@link Tcx}, {@link Netkit}), next to which
 * another is placed: {@code Tcx.egress("eth0").before(Anchor.program(monitor))}. Named by a handle this
 * process holds, by an fd, or by the kernel's id (the kernel's {@code relative_fd} / {@code relative_id},
 * with {@code BPF_F_LINK} for a link).
 *
 * <p>A handle anchor reads the handle's fd when the attach is made, so the handle must still be open then.
 */
public final class Anchor {
    /** Which side of the anchor the new program goes. */
    public enum Side {
        /** {@code BPF_F_BEFORE}: runs before the anchor (or first of all, without one). */
        BEFORE,
        /** {@code BPF_F_AFTER}: runs after the anchor (or last of all, without one). */
        AFTER
    }

    private final BpfProgram program;
    private final BpfLink link;
    private final boolean isLink;
    private final int fd;
    private final int id;

    private Anchor(BpfProgram program, BpfLink link, boolean isLink, int fd, int id) {
        this.program = program;
        this.link = link;
        this.isLink = isLink;
        this.fd = fd;
        this.id = id;
    }

    /**
     * The attached program {@code program} (its fd).
     *
     * @throws IllegalStateException if the program is closed or not loaded
     */
    public static Anchor program(BpfProgram program) {
        if (program == null) {
            throw new NullPointerException("program is null");
        }
        program.fd(); // closed or not loaded: IllegalStateException now, not at attach
        return new Anchor(program, null, false, -1, 0);
    }

    /**
     * The program attached through {@code link} (its fd, with BPF_F_LINK).
     *
     * @throws IllegalStateException if the link is closed
     */
    public static Anchor link(BpfLink link) {
        if (link == null) {
            throw new NullPointerException("link is null");
        }
        link.fd(); // closed: IllegalStateException now, not at attach
        return new Anchor(null, link, true, -1, 0);
    }

    /** The attached program whose fd is {@code fd}, a program fd this process has open. */
    public static Anchor programFd(int fd) {
        return new Anchor(null, null, false, checkFd(fd), 0);
    }

    /** The attached program with kernel id {@code id} (bpftool prog list). */
    public static Anchor programId(int id) {
        return new Anchor(null, null, false, -1, checkId(id));
    }

    /** The link with fd {@code fd}, a BPF link fd this process has open. */
    public static Anchor linkFd(int fd) {
        return new Anchor(null, null, true, checkFd(fd), 0);
    }

    /** The link with kernel id {@code id} (bpftool link list). */
    public static Anchor linkId(int id) {
        return new Anchor(null, null, true, -1, checkId(id));
    }

    private static int checkFd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd " + fd + " is negative");
        }
        return fd;
    }

    private static int checkId(int id) {
        if (id <= 0) {
            throw new IllegalArgumentException("id " + id + " is not positive: kernel ids start at 1");
        }
        return id;
    }

    /** True if the anchor is a link (BPF_F_LINK), false if a program. */
    public boolean isLink() {
        return isLink;
    }

    /** The program handle, or null if named otherwise. */
    public BpfProgram program() {
        return program;
    }

    /** The link handle, or null if named otherwise. */
    public BpfLink link() {
        return link;
    }

    /** The fd given, or -1 if named otherwise. */
    public int fd() {
        return fd;
    }

    /** The kernel id given (BPF_F_ID), or 0 if named otherwise. */
    public int id() {
        return id;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Anchor)) {
            return false;
        }
        Anchor a = (Anchor) o;
        return a.program == program && a.link == link && a.isLink == isLink && a.fd == fd && a.id == id;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(program) * 31 + System.identityHashCode(link) * 17 + (isLink ? 1 : 0)
                + fd * 7 + id * 13;
    }

    @Override
    public String toString() {
        if (program != null) {
            return "program '" + program.name() + "'";
        }
        if (link != null) {
            return "link " + link.target();
        }
        return (isLink ? "link " : "program ") + (id > 0 ? "id " + id : "fd " + fd);
    }
}
