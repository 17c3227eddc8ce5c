/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Mapping;
import io.github.bpf4j.internal.Native;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;

/**
 * {@link BpfMap#mmap()}: maps an mmapable array's values. Whether the
 * mapping may be writable is read from the map's state, following the
 * kernel's rules ({@code bpf_map_mmap} in kernel/bpf/syscall.c, and the mm
 * core for the file mode), so an EPERM or EACCES the kernel still returns
 * (seccomp, an LSM) stays an exception instead of turning silently into a
 * read-only buffer:
 * <ul>
 * <li>a map with {@code BPF_F_RDONLY_PROG} refuses writable mappings (EACCES);
 * <li>a frozen map (libbpf freezes a loaded object's {@code .rodata}) refuses them (EPERM);
 * <li>an fd opened without write access (a {@code BPF_F_RDONLY} map, a pin opened read-only)
 *     cannot be mapped at all: the mm core drops {@code VM_SHARED} from a shared mapping of
 *     such a file, and {@code bpf_map_mmap} refuses a mapping that is not shared (EINVAL);
 *     one without read access (a {@code BPF_F_WRONLY} map) cannot either (EACCES).
 * </ul>
 * The fd's state is in {@code /proc/self/fdinfo/<fd>}: the {@code frozen:}
 * line the kernel's {@code bpf_map_show_fdinfo} prints, and the file's
 * {@code flags:} (octal open flags, whose low two bits are the access mode).
 */
final class MapMmap {
    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;

    private MapMmap() {}

    /** The root buffer of a new mapping of map {@code m}'s values; the caller holds the handle and the map's lock. */
    static ByteBuffer map(BpfMap m, int fd) {
        String name = m.name();
        MapType type = m.kind();
        int flags = m.flagBits();
        boolean mmapable = (flags & MapFlag.MMAPABLE.bit()) != 0;
        // An object map with a dot in its name is one libbpf made for a data section (C names have no dots).
        if (type == MapType.ARRAY && !mmapable && m.pointer() != 0 && name.indexOf('.') >= 0) {
            // libbpf's map_is_mmapable(): a data section is mmapped only if a variable in it is not static.
            throw new UnsupportedOperationException("mmap: global-data map '" + name + "' is not shared with user"
                    + " space: every variable in its section is static, and libbpf mmaps a data section (and lets"
                    + " bpf4j reach its variables) only when at least one of them is a non-static global; drop"
                    + " 'static' from the variable you want (or from one variable in the same section)");
        }
        if (type != MapType.ARRAY || !mmapable) {
            throw new UnsupportedOperationException("mmap: map '" + name + "' (" + type + ", flags "
                    + MapFlag.toSet(flags) + ") cannot be mmapped: only ARRAY maps created with MMAPABLE can;"
                    + " declare it with __uint(map_flags, BPF_F_MMAPABLE) or MapSpec.flags(MapFlag.MMAPABLE)");
        }
        FdState state = FdState.of(fd);
        if (state.accessMode == O_WRONLY || state.accessMode == O_RDONLY) {
            throw new UnsupportedOperationException("mmap: this handle of map '" + name + "' has a "
                    + (state.accessMode == O_WRONLY ? "write-only fd (a WRONLY map), and a mapping needs read access"
                    : "read-only fd (an RDONLY map, or a pin opened read-only), and the kernel maps BPF maps"
                    + " shared only, which a file without write access cannot be") + "; use lookup/update instead");
        }
        boolean writable = (flags & MapFlag.RDONLY_PROG.bit()) == 0 && !state.frozen;
        long capacity = (long) m.entryCount() * PerCpuLayout.stride(m.valueBytes());
        if (capacity > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException("mmap: map '" + name + "' has " + capacity
                    + " bytes of values; a ByteBuffer holds at most 2 GiB");
        }
        long page = Native.pageSize();
        long length = (capacity + page - 1) / page * page;
        Mapping mapping = Mapping.map(0, fd, length, writable);
        m.owner().adopt(mapping);
        try {
            return mapping.root(0, (int) capacity);
        } finally {
            mapping.release();
        }
    }

    /** What /proc/self/fdinfo says about a map fd; read-write and not frozen when /proc cannot tell. */
    static final class FdState {
        final int accessMode;
        final boolean frozen;

        private FdState(int accessMode, boolean frozen) {
            this.accessMode = accessMode;
            this.frozen = frozen;
        }

        static FdState of(int fd) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Paths.get("/proc/self/fdinfo/" + fd), StandardCharsets.UTF_8);
            } catch (IOException | SecurityException e) {
                // Without /proc a writable mapping is tried; a refusal then is the kernel's exception.
                return new FdState(2, false);
            }
            int accessMode = 2;
            boolean frozen = false;
            for (String line : lines) {
                if (line.startsWith("flags:")) {
                    accessMode = Integer.parseInt(line.substring(6).trim(), 8) & O_ACCMODE;
                } else if (line.startsWith("frozen:")) {
                    frozen = !"0".equals(line.substring(7).trim());
                }
            }
            return new FdState(accessMode, frozen);
        }
    }
}
