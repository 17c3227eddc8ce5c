/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfInvalidArgumentException;
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

    /**
     * After {@code bpf_obj_get(path)} failed with {@code errno}: an exception
     * saying what the path really is (missing, a directory, a file outside any
     * BPF filesystem, a pin this user may not open), or null when the path
     * looks like a pin and the kernel's answer stands.
     */
    public static BpfException diagnosePin(java.nio.file.Path path, String operation, int errno) {
        String p = path.toString();
        java.nio.file.Path dir = path.toAbsolutePath().getParent();
        if (!java.nio.file.Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            if (dir != null && !java.nio.file.Files.isExecutable(dir) && java.nio.file.Files.exists(dir)) {
                return new BpfPermissionException(operation, errno, Errors.errnoName(errno), "this process (uid "
                        + Native.geteuid() + ") may not look into " + dir + " (" + describeFile(dir) + ")",
                        "pins are reached through their directories: give this user search (x) permission on " + dir
                                + ", or open the pin as a user who has it");
            }
            return new BpfException(operation, errno, Errors.errnoName(errno), "nothing is pinned at " + p
                    + (dir != null && java.nio.file.Files.isDirectory(dir) && !isBpfFs(dir.toString())
                            ? " (and " + dir + " is not in a BPF filesystem)" : ""),
                    "check the path; list pins with ls on the BPF filesystem (e.g. ls /sys/fs/bpf)");
        }
        boolean onBpfFs = isBpfFs(java.nio.file.Files.isDirectory(path) ? p : dir == null ? p : dir.toString());
        if (java.nio.file.Files.isDirectory(path)) {
            return new BpfInvalidArgumentException(operation, errno, Errors.errnoName(errno), p + " is a directory"
                    + (onBpfFs ? " of a BPF filesystem" : "") + ", not a pinned map",
                    "name the pin file inside it, e.g. " + path.resolve("my_map"));
        }
        if (!onBpfFs) {
            long type = dir == null ? -1 : Native.statfsType(dir.toString());
            return new BpfInvalidArgumentException(operation, errno, Errors.errnoName(errno), p + " is "
                    + (java.nio.file.Files.isRegularFile(path) ? "a regular file" : "a " + describeFile(path))
                    + " outside any BPF filesystem (filesystem type "
                    + (type < 0 ? "unknown" : "0x" + Long.toHexString(type)) + "), not a pin",
                    "pins live on a BPF filesystem (bpffs), e.g. under /sys/fs/bpf; pin the map there with pin(path)");
        }
        if (Errors.isPermission(errno)) {
            return new BpfPermissionException(operation, errno, Errors.errnoName(errno), p + " is a pin ("
                    + describeFile(path) + ") that this process (uid " + Native.geteuid() + ") may not open",
                    "opening a pin read-write needs read and write permission on the pin file: chmod/chown it (e.g."
                            + " chmod 0644 for readers), or open it as its owner; no BPF capability overrides this");
        }
        return null;
    }

    /** "mode 0600, owner uid 0" as far as this process may see. */
    private static String describeFile(java.nio.file.Path path) {
        try {
            java.util.Map<String, Object> a = java.nio.file.Files.readAttributes(path, "unix:mode,uid",
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            return "mode 0" + Integer.toOctalString(mode & 07777) + ", owner uid " + a.get("uid");
        } catch (java.io.IOException | RuntimeException e) {
            return "attributes not readable";
        }
    }

    static boolean isBpfFs(String dir) {
        return Native.statfsType(dir) == BPF_FS_MAGIC;
    }
}
