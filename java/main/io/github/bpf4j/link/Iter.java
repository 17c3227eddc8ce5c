/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import io.github.bpf4j.BpfMap;
import java.nio.file.Path;

/**
 * A BPF iterator ({@code SEC("iter/task")}, {@code iter/bpf_map}, {@code iter/bpf_map_elem},
 * {@code iter/cgroup}, ...), with the parameter its target takes: a map for {@code iter/bpf_map_elem}
 * (and the other per-element map iterators), a cgroup and an order for {@code iter/cgroup}, a thread,
 * process or pidfd to restrict {@code iter/task}, {@code iter/task_file} and {@code iter/task_vma}.
 * At most one parameter: each setter replaces the previous one.
 *
 * <p>Attaching ({@code program.attach(Iter.of())}) creates the iterator link; each
 * {@link io.github.bpf4j.BpfLink#openIterator()} is a fresh run of the program, whose
 * {@code bpf_seq_printf}/{@code bpf_seq_write} output is the stream's bytes.
 */
public final class Iter extends AttachPoint {
    /** Parameter kinds, as the native side numbers them. */
    static final int NONE = 0, MAP = 1, CGROUP_FD = 2, CGROUP_ID = 3, TID = 4, PID = 5, PIDFD = 6;

    private final int kind;
    private final long value;
    private final BpfMap map;
    private final Path cgroupPath;
    private final CgroupIterOrder order;
    private final String describe;

    private Iter(int kind, long value, BpfMap map, CgroupIterOrder order, String describe) {
        this(kind, value, map, null, order, describe);
    }

    private Iter(int kind, long value, BpfMap map, Path cgroupPath, CgroupIterOrder order, String describe) {
        this.kind = kind;
        this.value = value;
        this.map = map;
        this.cgroupPath = cgroupPath;
        this.order = order;
        this.describe = describe;
    }

    /** An iterator without parameters (iter/task over every task, iter/bpf_map over every map, ...). */
    public static Iter of() {
        return new Iter(NONE, 0, null, null, null);
    }

    /** The map a per-element map iterator walks ({@code iter/bpf_map_elem}, {@code iter/sockmap}, ...). */
    public Iter map(BpfMap map) {
        if (map == null) {
            throw new NullPointerException("map is null");
        }
        return new Iter(MAP, 0, map, null, "map '" + map.name() + "'");
    }

    /** The cgroup an {@code iter/cgroup} starts from, by an open fd of its directory (borrowed). */
    public Iter cgroupFd(int fd, CgroupIterOrder order) {
        if (fd < 0) {
            throw new IllegalArgumentException("Iter.cgroupFd: " + fd + " is not a file descriptor");
        }
        return new Iter(CGROUP_FD, fd, null, requireOrder(order), "cgroup fd " + fd + " " + order);
    }

    /** The cgroup an {@code iter/cgroup} starts from, by its id (the inode number of its cgroup2 directory). */
    public Iter cgroupId(long id, CgroupIterOrder order) {
        return new Iter(CGROUP_ID, id, null, requireOrder(order), "cgroup id " + id + " " + order);
    }

    /**
     * The cgroup an {@code iter/cgroup} starts from, by its directory in a cgroup2 mount: its id (the
     * directory's inode number) is read when the iterator is attached.
     */
    public Iter cgroup(Path directory, CgroupIterOrder order) {
        if (directory == null) {
            throw new NullPointerException("directory is null");
        }
        return new Iter(CGROUP_ID, 0, null, directory, requireOrder(order), "cgroup " + directory + " " + order);
    }

    /** Restricts a task iterator to one thread. */
    public Iter thread(int tid) {
        return new Iter(TID, positive("thread", tid), null, null, "tid " + tid);
    }

    /** Restricts a task iterator to the threads of one process. */
    public Iter process(int pid) {
        return new Iter(PID, positive("process", pid), null, null, "pid " + pid);
    }

    /** Restricts a task iterator to the process of a pidfd (borrowed). */
    public Iter pidfd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("Iter.pidfd: " + fd + " is not a file descriptor");
        }
        return new Iter(PIDFD, fd, null, null, "pidfd " + fd);
    }

    private static CgroupIterOrder requireOrder(CgroupIterOrder order) {
        if (order == null) {
            throw new NullPointerException("order is null");
        }
        return order;
    }

    private static int positive(String what, int id) {
        if (id <= 0) {
            throw new IllegalArgumentException("Iter." + what + ": " + id + " is no " + what + " id");
        }
        return id;
    }

    /** The parameter's kind (0: none; the native side's numbering). */
    public int parameterKind() {
        return kind;
    }

    /** The fd, id, tid or pid of the parameter; 0 without one or for a map. */
    public long parameterValue() {
        return value;
    }

    /** The map parameter, or null. */
    public BpfMap parameterMap() {
        return map;
    }

    /** The cgroup directory of {@link #cgroup(Path, CgroupIterOrder)}, or null. */
    public Path cgroupPath() {
        return cgroupPath;
    }

    /** The cgroup order, or null. */
    public CgroupIterOrder order() {
        return order;
    }

    @Override
    public String target() {
        return describe == null ? "iter" : "iter:" + describe;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Iter)) {
            return false;
        }
        Iter i = (Iter) o;
        return kind == i.kind && value == i.value && map == i.map && order == i.order
                && (cgroupPath == null ? i.cgroupPath == null : cgroupPath.equals(i.cgroupPath));
    }

    @Override
    public int hashCode() {
        return (kind * 31 + Long.hashCode(value)) * 31 + System.identityHashCode(map) + (order == null ? 0 : order.hashCode());
    }
}
