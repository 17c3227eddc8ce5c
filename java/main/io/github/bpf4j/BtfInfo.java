/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.NativeLayout;

/** What the kernel says about a BTF object ({@code bpf_btf_info}): {@link Bpf4j#btfs()} lists them. */
public final class BtfInfo {
    private final int id;
    private final String name;
    private final long size;
    private final boolean kernel;

    BtfInfo(long[] f, String name) {
        this.id = (int) f[NativeLayout.BTF_INFO_ID];
        this.size = f[NativeLayout.BTF_INFO_SIZE];
        this.kernel = f[NativeLayout.BTF_INFO_KERNEL] != 0;
        this.name = name;
    }

    public int id() {
        return id;
    }

    /** {@code vmlinux} or a module's name for the kernel's BTF; empty for a program's. */
    public String name() {
        return name;
    }

    /** Bytes of BTF data. */
    public long size() {
        return size;
    }

    /** Whether this is the kernel's (vmlinux or a module's) rather than a loaded object's. */
    public boolean kernel() {
        return kernel;
    }

    @Override
    public String toString() {
        return "BtfInfo[id " + id + (name.isEmpty() ? "" : ", " + name) + ", " + size + " bytes"
                + (kernel ? ", kernel" : "") + "]";
    }
}
