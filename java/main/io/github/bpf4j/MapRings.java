/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Mapping;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.StreamAccess;
import io.github.bpf4j.ringbuf.RingBuffer;

/**
 * {@link BpfMap#ringBuffer()}: maps a RINGBUF map with the kernel's layout
 * (kernel/bpf/ringbuf.c {@code ringbuf_map_mmap_user}): the consumer page
 * read-write (the kernel refuses write access to anything else), and the
 * whole range from offset 0 read-only: consumer page, producer page, then
 * the data area twice in a row, so a record that crosses the end of the
 * area reads as one piece. Both mappings are adopted by the map's owner, so
 * closing the map (or its object) detaches them.
 */
final class MapRings {
    private MapRings() {}

    /**
     * What to add to a failed RINGBUF creation's message: the kernel answers
     * an unknown flag and a bad size alike (EINVAL), so when the spec asks
     * for overwrite mode, the same ring without it is tried to tell which.
     */
    static String whyRejected(MapSpec spec, int errno) {
        if (spec.type() != MapType.RINGBUF || errno != Errors.EINVAL
                || (spec.flagBits() & MapFlag.RB_OVERWRITE.bit()) == 0) {
            return "";
        }
        int fd = Native.mapCreate(MapType.RINGBUF.id(), spec.name(), 0, 0, spec.maxEntries(),
                spec.flagBits() & ~MapFlag.RB_OVERWRITE.bit(), 0, Math.max(spec.numaNode(), 0), 0, 0);
        if (fd < 0) {
            return "";
        }
        Native.close(fd);
        return "; the same ring without RB_OVERWRITE is accepted: this kernel has no overwrite-mode ring buffers"
                + " (BPF_F_RB_OVERWRITE, newer than Linux 6.18), create it without the flag";
    }

    static RingBuffer open(BpfMap m, int fd) {
        String name = m.name();
        if (m.kind() != MapType.RINGBUF) {
            throw new UnsupportedOperationException("ringBuffer: map '" + name + "' is a " + m.kind()
                    + ", not a RINGBUF; a USER_RINGBUF is written with userRingBuffer(), other maps are read"
                    + " with lookup or mmap()");
        }
        if ((m.flagBits() & MapFlag.RB_OVERWRITE.bit()) != 0) {
            // In overwrite mode the producer moves past unread records and the kernel keeps an overwrite
            // position the consumer must chase; reading in place could then return a record being rewritten.
            throw new UnsupportedOperationException("ringBuffer: map '" + name + "' was created with RB_OVERWRITE:"
                    + " its producer overwrites records a reader may be reading, and bpf4j's in-place consumer"
                    + " does not read overwrite-mode rings yet; create the ring without RB_OVERWRITE");
        }
        MapMmap.FdState state = MapMmap.FdState.of(fd);
        if (state.accessMode != 2) {
            throw new UnsupportedOperationException("ringBuffer: this handle of map '" + name + "' has a "
                    + (state.accessMode == 1 ? "write-only" : "read-only")
                    + " fd, and a consumer needs to read the ring and write its consumer position; open the map"
                    + " read-write");
        }
        int size = m.entryCount();
        long page = Native.pageSize();
        if (2L * page + 2L * size > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException("ringBuffer: map '" + name + "' has " + size
                    + " bytes of data; a ByteBuffer over it twice holds at most 2 GiB, so bpf4j reads rings up to"
                    + " 512 MiB");
        }
        Mapping consumer = Mapping.map(0, fd, page, true);
        m.owner().adopt(consumer);
        Mapping data;
        try {
            data = Mapping.map(0, fd, 2 * page + 2L * size, false);
        } catch (RuntimeException | Error e) {
            consumer.release();
            throw e;
        }
        m.owner().adopt(data);
        try {
            return (RingBuffer) StreamAccess.ring().open(name, m.handle(), fd, size, consumer, data);
        } finally {
            consumer.release();
            data.release();
        }
    }
}
