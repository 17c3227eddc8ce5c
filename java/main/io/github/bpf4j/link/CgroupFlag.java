/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * The kernel's attach flags for a {@link Cgroup} attach (uapi/linux/bpf.h).
 * {@link #ALLOW_OVERRIDE} and {@link #ALLOW_MULTI} belong to the legacy attach
 * ({@link Cgroup#legacy()}): a BPF link always attaches as one of many.
 * Replacing and ordering have their own methods ({@link Cgroup#replacing},
 * {@link Cgroup#before}, {@link Cgroup#after}).
 */
public enum CgroupFlag {
    /**
     * {@code BPF_F_ALLOW_OVERRIDE}: a program attached to a sub-cgroup replaces this one for that sub-cgroup.
     * Legacy attach only. Without it or {@link #ALLOW_MULTI}, the attach is exclusive: no sub-cgroup may attach
     * to the hook.
     */
    ALLOW_OVERRIDE(1),
    /**
     * {@code BPF_F_ALLOW_MULTI}: programs of this cgroup and of its parents all run, in order (up to 64 per
     * cgroup and hook). Legacy attach only; a link is always multi.
     */
    ALLOW_MULTI(1 << 1),
    /** {@code BPF_F_PREORDER}: this program runs before the parents' programs instead of after; Linux 6.15. */
    PREORDER(1 << 6);

    private final int bit;

    CgroupFlag(int bit) {
        this.bit = bit;
    }

    /** The flag's bit in the kernel's attach flags. */
    public int bit() {
        return bit;
    }
}
