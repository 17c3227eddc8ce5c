/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.link.AttachPoint;
import io.github.bpf4j.link.Iter;

/**
 * Attach points of system objects: BPF iterators ({@link Iter}); and
 * struct_ops maps ({@link BpfMap#attachStructOps()}), which attach a map,
 * not a program.
 */
final class SystemAttach {
    private SystemAttach() {}

    /** The link, or null if {@code point} is not of this family. */
    static BpfLink attach(final BpfProgram program, AttachPoint point) {
        if (!(point instanceof Iter)) {
            return null;
        }
        final Iter iter = (Iter) point;
        Attachments.requireType(program, point, ProgramType.TRACING);
        if (program.pointer() == 0) {
            throw new UnsupportedOperationException("attach(" + point + "): program '" + program.name() + "' was"
                    + " opened on its own, and libbpf attaches iterators by the program's section (iter/<target>);"
                    + " attach it from its BpfObject");
        }
        final String call = "bpf_program__attach_iter(program '" + program.name() + "', " + iter.target() + ")";
        BpfMap map = iter.parameterMap();
        if (iter.cgroupPath() != null) {
            return iterLink(program, iter, call, cgroupId(iter.cgroupPath()));
        }
        if (map == null) {
            return iterLink(program, iter, call, iter.parameterValue());
        }
        map.handle().acquire();
        try {
            return iterLink(program, iter, call, map.fd());
        } finally {
            map.handle().release();
        }
    }

    private static BpfLink iterLink(final BpfProgram program, final Iter iter, final String call, final long value) {
        final int order = iter.order() == null ? 0 : iter.order().value();
        return Attachments.libbpfLink(program, iter.target(), new Attachments.LinkCall() {
            @Override
            public long attach() {
                return Native.iterAttach(program.pointer(), iter.parameterKind(), value, order);
            }
        }, new Attachments.Failure() {
            @Override
            public BpfException of(int errno) {
                return Errors.of(Errors.Op.ITER, call, errno, null);
            }
        });
    }

    /** A cgroup2 directory's id: its inode number (kernfs). */
    private static long cgroupId(java.nio.file.Path dir) {
        try {
            return ((Number) java.nio.file.Files.getAttribute(dir, "unix:ino")).longValue();
        } catch (java.io.IOException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("attach(Iter.cgroup(" + dir + ")): cannot read the directory's inode"
                    + " number (" + e + "); pass a directory of a mounted cgroup2 hierarchy", e);
        }
    }

    /** {@link BpfMap#attachStructOps()}: called with the map's handle held. */
    static BpfLink structOps(BpfMap map) {
        if (map.type() != MapType.STRUCT_OPS) {
            throw new UnsupportedOperationException("attachStructOps: map '" + map.name() + "' is " + map.type()
                    + ", not STRUCT_OPS; declare it SEC(\".struct_ops.link\") in a BPF object");
        }
        if (map.pointer() == 0) {
            throw new UnsupportedOperationException("attachStructOps: map '" + map.name() + "' is on its own; libbpf"
                    + " registers struct_ops maps of a loaded BpfObject");
        }
        map.fd(); // refuses a map not loaded yet
        if (!map.flags().contains(MapFlag.LINK)) {
            // libbpf's stand-in link for such a map detaches by deleting key 0 through the object's map fd,
            // which after the object's close may be another map's: refuse it rather than own that.
            throw new UnsupportedOperationException("attachStructOps: map '" + map.name() + "' is declared in"
                    + " SEC(\".struct_ops\"), which libbpf registers at load for the object's lifetime; declare it"
                    + " SEC(\".struct_ops.link\") to register it as a link that close() unregisters");
        }
        long link = Native.linkStructOps(map.pointer());
        if (link < 0) {
            throw Errors.of(Errors.Op.STRUCT_OPS, "bpf_map__attach_struct_ops(map '" + map.name() + "')", (int) -link,
                    null);
        }
        try {
            return new BpfLink(map, "struct_ops:" + map.name(), link);
        } catch (RuntimeException | Error e) { // no owner yet
            Native.linkDestroy(link);
            throw e;
        }
    }
}
