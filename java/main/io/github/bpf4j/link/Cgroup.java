/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfProgram;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * A cgroup v2 directory and one of its hooks, for
 * {@link BpfProgram#attach(AttachPoint)}: every process in the cgroup (and in
 * its sub-cgroups) runs the program at that hook.
 *
 * <pre>{@code
 * try (BpfLink link = obj.program("refuse_port").attach(Cgroup.at("/sys/fs/cgroup/my.service"))) { ... }
 * }</pre>
 *
 * <p>The hook is the program's section's ({@code SEC("cgroup/connect4")} is
 * {@link CgroupHook#CONNECT4}), or the one {@link #hook(CgroupHook)} names (needed for
 * {@code SEC("cgroup/skb")} on egress and for programs opened on their own).
 *
 * <p>Two ways to attach: by default a BPF link ({@code BPF_LINK_CREATE},
 * Linux 5.7), which runs beside every other program there and can be placed
 * {@link #first()}, {@link #last()}, {@link #before}/{@link #after} another
 * (Linux 6.16); or with {@link #legacy()}, {@code BPF_PROG_ATTACH} with the
 * multi-attach {@link CgroupFlag flags} and {@link #replacing} a program. Either
 * way closing the {@link BpfLink} detaches (a legacy one with
 * {@code BPF_PROG_DETACH}: it has no fd). Immutable; each setter returns a new point.
 */
public final class Cgroup extends AttachPoint {
    private enum Order { DEFAULT, FIRST, LAST, BEFORE, AFTER }

    private final String path; // null when given by fd
    private final int fd;
    private final CgroupHook hook;
    private final boolean legacy;
    private final Set<CgroupFlag> flags;
    private final Order order;
    private final Object relative; // BpfProgram or BpfLink for BEFORE/AFTER
    private final long expectedRevision;
    private final BpfProgram replacing;

    private Cgroup(String path, int fd, CgroupHook hook, boolean legacy, Set<CgroupFlag> flags, Order order,
            Object relative, long expectedRevision, BpfProgram replacing) {
        this.path = path;
        this.fd = fd;
        this.hook = hook;
        this.legacy = legacy;
        this.flags = flags;
        this.order = order;
        this.relative = relative;
        this.expectedRevision = expectedRevision;
        this.replacing = replacing;
    }

    /** The cgroup v2 directory {@code dir}, e.g. {@code /sys/fs/cgroup/my.service}. */
    public static Cgroup at(String dir) {
        if (dir == null) {
            throw new NullPointerException("dir is null");
        }
        if (dir.isEmpty()) {
            throw new IllegalArgumentException("Cgroup.at: the directory is empty; name a cgroup v2 directory");
        }
        return new Cgroup(dir, -1, null, false, Collections.<CgroupFlag>emptySet(), Order.DEFAULT, null, 0, null);
    }

    /** The cgroup v2 directory {@code dir}. */
    public static Cgroup at(Path dir) {
        if (dir == null) {
            throw new NullPointerException("dir is null");
        }
        return at(dir.toString());
    }

    /**
     * The cgroup open at {@code fd} (a directory fd of a cgroup v2 directory). The fd stays the caller's:
     * the attach takes a copy of it, so it may be closed once {@code attach} returned.
     */
    public static Cgroup ofFd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("Cgroup.ofFd: fd " + fd + " is negative; pass an open directory fd");
        }
        return new Cgroup(null, fd, null, false, Collections.<CgroupFlag>emptySet(), Order.DEFAULT, null, 0, null);
    }

    private Cgroup with(CgroupHook hook, boolean legacy, Set<CgroupFlag> flags, Order order, Object relative,
            long expectedRevision, BpfProgram replacing) {
        return new Cgroup(path, fd, hook, legacy, flags, order, relative, expectedRevision, replacing);
    }

    /** This cgroup at {@code hook} instead of the hook the program's section names. */
    public Cgroup hook(CgroupHook hook) {
        if (hook == null) {
            throw new NullPointerException("hook is null");
        }
        return with(hook, legacy, flags, order, relative, expectedRevision, replacing);
    }

    /** Attaches with the legacy {@code BPF_PROG_ATTACH} instead of a BPF link: exclusive unless flags say otherwise. */
    public Cgroup legacy() {
        return with(hook, true, flags, order, relative, expectedRevision, replacing);
    }

    /**
     * The attach flags (replacing those set before). {@link CgroupFlag#ALLOW_OVERRIDE} and
     * {@link CgroupFlag#ALLOW_MULTI} need {@link #legacy()}.
     */
    public Cgroup flags(CgroupFlag... flags) {
        if (flags == null) {
            throw new NullPointerException("flags is null");
        }
        EnumSet<CgroupFlag> set = EnumSet.noneOf(CgroupFlag.class);
        for (CgroupFlag f : flags) {
            if (f == null) {
                throw new NullPointerException("a flag is null");
            }
            set.add(f);
        }
        return flags(set);
    }

    /** The attach flags (replacing those set before). */
    public Cgroup flags(Set<CgroupFlag> flags) {
        if (flags == null) {
            throw new NullPointerException("flags is null");
        }
        Set<CgroupFlag> copy = flags.isEmpty() ? Collections.<CgroupFlag>emptySet()
                : Collections.unmodifiableSet(EnumSet.copyOf(flags));
        return with(hook, legacy, copy, order, relative, expectedRevision, replacing);
    }

    /**
     * Legacy attach ({@code BPF_F_REPLACE}, with {@link CgroupFlag#ALLOW_MULTI}) that puts the program in
     * {@code old}'s place at this hook, atomically; {@code old}'s link then detaches nothing.
     */
    public Cgroup replacing(BpfProgram old) {
        if (old == null) {
            throw new NullPointerException("old is null");
        }
        return with(hook, legacy, flags, order, relative, expectedRevision, old);
    }

    /** Runs the program before every other one of this cgroup at the hook ({@code BPF_F_BEFORE}); Linux 6.16. */
    public Cgroup first() {
        return with(hook, legacy, flags, Order.FIRST, null, expectedRevision, replacing);
    }

    /** Runs the program after every other one of this cgroup at the hook ({@code BPF_F_AFTER}); Linux 6.16. */
    public Cgroup last() {
        return with(hook, legacy, flags, Order.LAST, null, expectedRevision, replacing);
    }

    /** Runs the program right before {@code other}, attached here; Linux 6.16. */
    public Cgroup before(BpfProgram other) {
        return relativeTo(Order.BEFORE, other);
    }

    /** Runs the program right before the program of {@code other}, a link attached here; Linux 6.16. */
    public Cgroup before(BpfLink other) {
        return relativeTo(Order.BEFORE, other);
    }

    /** Runs the program right after {@code other}, attached here; Linux 6.16. */
    public Cgroup after(BpfProgram other) {
        return relativeTo(Order.AFTER, other);
    }

    /** Runs the program right after the program of {@code other}, a link attached here; Linux 6.16. */
    public Cgroup after(BpfLink other) {
        return relativeTo(Order.AFTER, other);
    }

    private Cgroup relativeTo(Order order, Object other) {
        if (other == null) {
            throw new NullPointerException("other is null");
        }
        return with(hook, legacy, flags, order, other, expectedRevision, replacing);
    }

    /**
     * Attaches only if the hook's program list is still at {@code revision} (it grows by one with every
     * attach and detach there), else fails with ESTALE; 0 (the default) attaches whatever the revision. Linux 6.16.
     */
    public Cgroup expectedRevision(long revision) {
        if (revision < 0) {
            throw new IllegalArgumentException("expectedRevision: " + revision + " is negative");
        }
        return with(hook, legacy, flags, order, relative, revision, replacing);
    }

    /** The directory, or null if given by fd. */
    public String path() {
        return path;
    }

    /** The caller's directory fd, or -1 if given by path. */
    public int fd() {
        return fd;
    }

    /** The hook named with {@link #hook(CgroupHook)}, or null: the program's section's. */
    public CgroupHook hook() {
        return hook;
    }

    /** Whether this attaches with {@code BPF_PROG_ATTACH} ({@link #legacy()}) rather than as a BPF link. */
    public boolean isLegacy() {
        return legacy;
    }

    /** The flags, unmodifiable. */
    public Set<CgroupFlag> flags() {
        return flags;
    }

    /** The program {@link #replacing} names, or null. */
    public BpfProgram replaced() {
        return replacing;
    }

    /** Placed before something: {@link #first()} or {@link #before}. */
    public boolean isBefore() {
        return order == Order.FIRST || order == Order.BEFORE;
    }

    /** Placed after something: {@link #last()} or {@link #after}. */
    public boolean isAfter() {
        return order == Order.LAST || order == Order.AFTER;
    }

    /** The program {@link #before(BpfProgram)}/{@link #after(BpfProgram)} named, or null. */
    public BpfProgram relativeProgram() {
        return relative instanceof BpfProgram ? (BpfProgram) relative : null;
    }

    /** The link {@link #before(BpfLink)}/{@link #after(BpfLink)} named, or null. */
    public BpfLink relativeLink() {
        return relative instanceof BpfLink ? (BpfLink) relative : null;
    }

    /** The revision set by {@link #expectedRevision(long)}; 0: any. */
    public long expectedRevision() {
        return expectedRevision;
    }

    /** {@code <section>:<directory>}, e.g. {@code cgroup/connect4:/sys/fs/cgroup/app}; {@code cgroup:...} without a hook. */
    @Override
    public String target() {
        return target(hook);
    }

    /** The target for a link made at {@code hook} (the one the program's section gave, if none was named). */
    public String target(CgroupHook hook) {
        return (hook == null ? "cgroup" : hook.section()) + ":" + (path != null ? path : "fd " + fd);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Cgroup)) {
            return false;
        }
        Cgroup c = (Cgroup) o;
        return (path == null ? c.path == null : path.equals(c.path)) && fd == c.fd && hook == c.hook
                && legacy == c.legacy && flags.equals(c.flags) && order == c.order && relative == c.relative
                && expectedRevision == c.expectedRevision && replacing == c.replacing;
    }

    @Override
    public int hashCode() {
        int h = path != null ? path.hashCode() : fd;
        h = 31 * h + (hook != null ? hook.hashCode() : 0);
        h = 31 * h + (legacy ? 1 : 0);
        h = 31 * h + flags.hashCode();
        h = 31 * h + order.hashCode();
        h = 31 * h + System.identityHashCode(relative);
        h = 31 * h + (int) (expectedRevision ^ (expectedRevision >>> 32));
        return 31 * h + System.identityHashCode(replacing);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Cgroup[").append(target());
        if (legacy) {
            s.append(", legacy");
        }
        if (!flags.isEmpty()) {
            s.append(", flags ").append(flags);
        }
        if (order != Order.DEFAULT) {
            s.append(", ").append(order.name().toLowerCase(java.util.Locale.ROOT));
            if (relative != null) {
                s.append(' ').append(relative);
            }
        }
        if (expectedRevision != 0) {
            s.append(", revision ").append(expectedRevision);
        }
        if (replacing != null) {
            s.append(", replacing ").append(replacing.name());
        }
        return s.append(']').toString();
    }
}
