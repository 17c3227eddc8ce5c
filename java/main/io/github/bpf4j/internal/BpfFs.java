/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.nio.file.Path;

/**
 * The BPF filesystem under pin paths. bpf4j mounts one at /sys/fs/bpf when a
 * pin goes there and none is mounted; otherwise the kernel's own answer to a
 * pin call stands (EPERM for a pin outside bpffs, EACCES for opening a file
 * that is no pin), and {@link Errors#ofPath} explains it from what
 * {@code statfs} says the directory is.
 */
public final class BpfFs {
    public static final String DEFAULT = "/sys/fs/bpf";
    static final long BPF_FS_MAGIC = 0xcafe4a11L;

    private BpfFs() {}

    /**
     * Before pinning at {@code pin}: mounts bpffs at /sys/fs/bpf when the
     * pin goes there and none is mounted. A failed mount is not reported
     * here: the pin call then fails with the kernel's errno, explained.
     */
    public static void prepare(Path pin) {
        Path dir = pin.toAbsolutePath().getParent();
        if (dir == null) {
            return;
        }
        String d = dir.toString();
        if ((d.equals(DEFAULT) || d.startsWith(DEFAULT + "/")) && !isBpfFs(d) && !isBpfFs(DEFAULT)) {
            Native.mount("bpf", DEFAULT, "bpf");
        }
    }

    /** Whether {@code dir} is in a BPF filesystem (statfs f_type). */
    public static boolean isBpfFs(String dir) {
        return Native.statfsType(dir) == BPF_FS_MAGIC;
    }
}
