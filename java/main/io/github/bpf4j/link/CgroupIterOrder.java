/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/** Which cgroups an {@code iter/cgroup} iterator walks from its cgroup ({@code enum bpf_cgroup_iter_order}). */
public enum CgroupIterOrder {
    /** The cgroup alone. */
    SELF_ONLY(1),
    /** The cgroup and its descendants, parents before children. */
    DESCENDANTS_PRE(2),
    /** The cgroup and its descendants, children before parents. */
    DESCENDANTS_POST(3),
    /** The cgroup and its ancestors up to the root. */
    ANCESTORS_UP(4);

    private final int value;

    CgroupIterOrder(int value) {
        this.value = value;
    }

    /** The kernel's number. */
    public int value() {
        return value;
    }
}
