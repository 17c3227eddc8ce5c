/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.BpfFs;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.FdKind;
import io.github.bpf4j.internal.Native;
import java.nio.file.Path;

/**
 * Pin paths: BPF objects pinned as files of a BPF filesystem (bpffs,
 * usually {@code /sys/fs/bpf}) outlive the process that made them, and
 * other processes open them by path. Handles pin themselves
 * ({@link BpfMap#pin}, {@link BpfProgram#pin}); opening and removing pins
 * lives here, for every kind of object.
 *
 * <p>Failures carry the kernel's errno and a hint that says what the path
 * really is: {@code ENOENT} (nothing pinned there), {@code EACCES} (the file
 * mode refuses this user, or the path is a file or directory that is no
 * pin), {@code EPERM} (pinning outside any BPF filesystem),
 * {@code EEXIST} (pinning where something is pinned already). Opening a pin
 * of the wrong kind (a program as a map) is an
 * {@link IllegalArgumentException} naming what the pin is.
 */
public final class Pins {
    private Pins() {}

    /**
     * Opens the map pinned at {@code path}, e.g. by another process. Type,
     * sizes, flags and id come from the kernel; the returned map owns its fd
     * and is closed like one from {@link BpfMap#create}.
     *
     * @throws IllegalArgumentException if the pin is a program or link, not a map
     * @throws BpfPermissionException if the pin's file mode does not let this user open it
     * @throws BpfInvalidArgumentException if the path is a directory or a file outside any BPF filesystem
     * @throws BpfException with ENOENT if nothing is pinned there
     */
    public static BpfMap openMap(Path path) {
        String method = "Pins.openMap(" + path + ")";
        return BpfMap.adopt(open(path), method, "the pin");
    }

    /**
     * Opens the program pinned at {@code path}. The program is on its own:
     * it owns its fd ({@link BpfProgram#close()} releases it, a forgotten one
     * is released once unreachable), has no {@link BpfProgram#object()} and
     * no section, and can be test-run, attached and pinned again.
     *
     * @throws IllegalArgumentException if the pin is a map or link, not a program
     * @throws BpfPermissionException if the pin's file mode does not let this user open it
     * @throws BpfInvalidArgumentException if the path is a directory or a file outside any BPF filesystem
     * @throws BpfException with ENOENT if nothing is pinned there
     */
    public static BpfProgram openProgram(Path path) {
        String method = "Pins.openProgram(" + path + ")";
        return BpfProgram.adopt(open(path), method, "the pin");
    }

    /**
     * Opens the link pinned at {@code path}: the same as {@link BpfLink#openPinned}.
     *
     * @throws IllegalArgumentException if the pin is a map or program, not a link
     * @throws BpfException with ENOENT if nothing is pinned there
     */
    public static BpfLink openLink(Path path) {
        String method = "BpfLink.openPinned(" + path + ")";
        return BpfLink.adopt(open(path), method, "the pin");
    }

    /**
     * Removes the pin at {@code path} (any pin, made by anyone): the object
     * lives on while something else holds it.
     *
     * @throws IllegalArgumentException if {@code path} is outside any BPF filesystem: only pins are removed
     * @throws BpfException with unlink's errno: ENOENT (nothing there), EISDIR (a directory,
     *     {@link BpfInvalidArgumentException}), EACCES/EPERM ({@link BpfPermissionException})
     */
    public static void unpin(Path path) {
        Native.ensureLoaded();
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) {
            long type = Native.statfsType(dir.toString());
            // Never unlink a file that is not in a bpffs: this call removes pins, not files.
            if (type >= 0 && !BpfFs.isBpfFs(dir.toString())) {
                throw new IllegalArgumentException("Pins.unpin(" + path + "): " + dir + " is not in a BPF filesystem"
                        + " (filesystem type 0x" + Long.toHexString(type) + "), so " + path + " is no pin; pins"
                        + " live on a bpffs mount such as /sys/fs/bpf");
            }
        }
        int err = Native.unlink(abs.toString());
        if (err < 0) {
            throw Errors.ofPath(Errors.Op.UNPIN, "unlink(" + path + ")", -err, path);
        }
    }

    /** bpf_obj_get: a fresh fd the caller owns. */
    private static int open(Path path) {
        Native.ensureLoaded();
        String p = path.toAbsolutePath().toString();
        int fd = Native.objGet(p);
        if (fd < 0) {
            throw Errors.ofPath(Errors.Op.PIN_OPEN, "bpf_obj_get(" + path + ")", -fd, path);
        }
        return fd;
    }

    /**
     * The one pin implementation of every handle: mounts bpffs at
     * /sys/fs/bpf if the pin goes there and none is mounted, then
     * bpf_obj_pin, failures explained by {@link Errors#ofPath}.
     *
     * @param subject e.g. "map 'counts'"
     */
    static void pin(int fd, String subject, Path path) {
        if (path == null) {
            throw new NullPointerException("path is null");
        }
        BpfFs.prepare(path);
        int err = Native.objPin(fd, path.toAbsolutePath().toString());
        if (err < 0) {
            throw Errors.ofPath(Errors.Op.PIN, "bpf_obj_pin(" + subject + ", " + path + ")", -err, path);
        }
    }
}
