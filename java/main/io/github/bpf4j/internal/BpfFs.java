/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfPermissionException;
import java.nio.file.Path;

/** Pinning needs a BPF filesystem under the path; this finds (or mounts) it and says so when it cannot. */
public final class BpfFs {
    public static final String DEFAULT = "/sys/fs/bpf";
    private static final long BPF_FS_MAGIC = 0xcafe4a11L;

    private BpfFs() {}

    /**
     * Checks that {@code pin}'s directory is on a BPF filesystem, mounting one
     * at /sys/fs/bpf first when that is where the pin goes and none is there.
     */
    public static void requireFor(Path pin, String operation) {
        Path dir = pin.toAbsolutePath().getParent();
        if (dir == null) {
            throw new IllegalArgumentException(operation + ": " + pin + " has no directory");
        }
        String d = dir.toString();
        if (isBpfFs(d)) {
            return;
        }
        if (d.equals(DEFAULT) || d.startsWith(DEFAULT + "/")) {
            int err = Native.mount("bpf", DEFAULT, "bpf");
            if (err == 0 && isBpfFs(d)) {
                return;
            }
            if (err == -Errors.EPERM || err == -Errors.EACCES) {
                throw new BpfPermissionException(operation, -err, Errors.errnoName(-err), "no BPF filesystem is mounted"
                        + " at " + DEFAULT + " and this process may not mount one",
                        "mount it as root: mount -t bpf bpf " + DEFAULT);
            }
        }
        long type = Native.statfsType(d);
        throw new BpfException(operation, Errors.EINVAL, "EINVAL", d + " is not in a BPF filesystem ("
                + (type < 0 ? Errors.errnoName((int) -type) : "filesystem type 0x" + Long.toHexString(type)) + ")",
                "pin under a bpffs mount, e.g. /sys/fs/bpf/<name>; mount one with: mount -t bpf bpf /sys/fs/bpf");
    }

    static boolean isBpfFs(String dir) {
        return Native.statfsType(dir) == BPF_FS_MAGIC;
    }
}
