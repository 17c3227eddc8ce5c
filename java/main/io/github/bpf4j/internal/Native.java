/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import io.github.bpf4j.BpfException;
import java.nio.ByteBuffer;

/**
 * The JNI entry points of libbpf4j.so. Methods that return {@code int} give
 * 0 (or a size) on success and {@code -errno} on failure; methods that return
 * a handle throw. Callers hold the owning {@link Handle} across every call
 * that uses an fd or pointer, so none of them ever sees a closed resource.
 *
 * <p>Every call that creates an fd or a mapping is a native {@code name0}
 * behind a Java {@code name} that, when the native fails for want of fds or
 * memory, lets {@link ResourcePressure} free forgotten resources and retries
 * once. Callers use the Java name and need not know.
 */
public final class Native {
    private Native() {}

    /**
     * Loads the library on first use; throws {@link UnsupportedOperationException}
     * saying why where it cannot (every time, not only the first).
     */
    public static void ensureLoaded() {
        NativeLibrary.ensureLoaded();
        ResourcePressure.prepare();
    }

    // object.c
    private static native long objectOpenMem0(byte[] elf, String name);

    /** libbpf gives every map a placeholder fd at open; ENOMEM is left alone (a corrupt ELF gives it too). */
    public static long objectOpenMem(byte[] elf, String name) {
        try {
            return objectOpenMem0(elf, name);
        } catch (BpfException e) {
            if (!ResourcePressure.isFdPressure(e.errno())) {
                throw e;
            }
            ResourcePressure.relieve("bpf_object__open_mem", e.errno());
        }
        return objectOpenMem0(elf, name);
    }

    public static native void objectLoad(long object);
    public static native void objectClose(long object);
    public static native long[] objectMaps(long object);
    public static native long[] objectPrograms(long object);
    public static native String mapName(long map);
    /** out: NativeLayout.MAP_DESCRIBE_LEN slots. */
    public static native void mapDescribe(long map, long[] out);
    /** 0 with out's NativeLayout.GLOBAL_* slots filled, or -ENOENT. */
    public static native int objectFindGlobal(long object, String name, long[] out);
    public static native String programName(long program);
    public static native String programSection(long program);
    public static native int programType(long program);
    public static native int programFd(long program);

    // map.c: each operand is a byte[] or a direct ByteBuffer (the other null) with offset and length;
    // length 0 passes NULL. op is a NativeLayout.MAP_OP_* / MAP_BATCH_* code.
    /** The libbpf map of an object (objectOpenMem's handle) for a data section such as ".bss", or 0. */
    public static native long mapFindBySection(long object, String section);

    public static native int mapElem(int op, int fd, byte[] keyArray, ByteBuffer keyBuffer, int keyOffset,
            int keyLength, byte[] valueArray, ByteBuffer valueBuffer, int valueOffset, int valueLength, long flags);
    public static native int mapBatch(int op, int fd, ByteBuffer tokens, int tokenSize, boolean first,
            byte[] keysArray, ByteBuffer keysBuffer, int keysOffset, int keysLength,
            byte[] valuesArray, ByteBuffer valuesBuffer, int valuesOffset, int valuesLength,
            int count, long elemFlags, int[] status);
    private static native int mapCreate0(int type, String name, int keySize, int valueSize, int maxEntries,
            int flags, long mapExtra, int numaNode, int innerMapFd, int ifindex);

    /** fd, or -errno. */
    public static int mapCreate(int type, String name, int keySize, int valueSize, int maxEntries, int flags,
            long mapExtra, int numaNode, int innerMapFd, int ifindex) {
        int fd = mapCreate0(type, name, keySize, valueSize, maxEntries, flags, mapExtra, numaNode, innerMapFd,
                ifindex);
        if (fd < 0 && ResourcePressure.relieved("bpf_map_create", -fd)) {
            fd = mapCreate0(type, name, keySize, valueSize, maxEntries, flags, mapExtra, numaNode, innerMapFd,
                    ifindex);
        }
        return fd;
    }
    /**
     * 0 or -errno; out (NativeLayout.MAP_INFO_LEN slots) gets the kernel's answer, name
     * (MAP_INFO_NAME_BYTES) the name's bytes, their count in out[MAP_INFO_NAME_LEN].
     */
    public static native int mapInfo(int fd, long[] out, byte[] name);
    public static native int mapFreeze(int fd);

    /** log.c: the most verbose libbpf level (0 WARN, 1 INFO, 2 DEBUG; -1 none) passed on to LibbpfLog.log. */
    static native void logSetLevel(int level);

    /** ids.c: the first map id after start (0: the first), or -errno (-ENOENT past the last). */
    public static native int mapNextId(int start);

    // layout.c: jni/layout.h's constants as "NAME=value\n" lines (NativeLayoutTest holds NativeLayout to them).
    public static native String layoutConstants();

    // mmap.c
    private static native long mmap0(long address, int fd, long length, boolean writable);

    /** address 0: the kernel chooses; else exactly there, or an exception. */
    public static long mmap(long address, int fd, long length, boolean writable) {
        try {
            return mmap0(address, fd, length, writable);
        } catch (BpfException e) {
            // ENOMEM: out of address space or vm.max_map_count, which ranges of forgotten buffers may hold
            if (!ResourcePressure.isPressure(e.errno())) {
                throw e;
            }
            ResourcePressure.relieve("mmap", e.errno());
        }
        return mmap0(address, fd, length, writable);
    }
    private static native long mmapAt0(int fd, long length, boolean writable, long offset);

    /** A shared mapping of {@code length} bytes at file {@code offset}; the kernel chooses the address. */
    public static long mmapAt(int fd, long length, boolean writable, long offset) {
        try {
            return mmapAt0(fd, length, writable, offset);
        } catch (BpfException e) {
            if (!ResourcePressure.isPressure(e.errno())) {
                throw e;
            }
            ResourcePressure.relieve("mmap", e.errno());
        }
        return mmapAt0(fd, length, writable, offset);
    }
    public static native int mmapDetach(long address, long length, boolean writable);
    public static native int munmap(long address, long length);
    public static native ByteBuffer newDirectBuffer(long address, long capacity);
    /** The address of a direct buffer's first byte, 0 for other buffers. */
    public static native long bufferAddress(ByteBuffer buffer);

    // arena.c: addresses are inside a live mapping, checked by the caller; keepAlive is a root buffer of
    // that mapping, passed only so that it stays reachable (and the range mapped) during the call
    public static native int getAndAddInt(Object keepAlive, long address, int delta);
    public static native long getAndAddLong(Object keepAlive, long address, long delta);
    public static native boolean compareAndSetInt(Object keepAlive, long address, int expect, int update);
    public static native boolean compareAndSetLong(Object keepAlive, long address, long expect, long update);
    /** 0 or -errno; toMemory copies the operand to the address, else the reverse. */
    public static native int copyMemory(Object keepAlive, long address, byte[] array, ByteBuffer buffer, int offset,
            int length, boolean toMemory);
    /** Like copyMemory, but a missing page is -EFAULT instead of a crash. Returns bytes or -errno. */
    public static native int copyChecked(Object keepAlive, long address, byte[] array, ByteBuffer buffer, int offset,
            int length, boolean toMemory);
    /** An object's map before load: its initial data (an arena's __arena globals), or an empty array. */
    public static native byte[] mapInitialValue(long map);
    private static native int mapReuseFd0(long map, int fd);

    /** Before load: libbpf uses fd instead of creating the map (it keeps a duplicate). 0 or -errno. */
    public static int mapReuseFd(long map, int fd) {
        int err = mapReuseFd0(map, fd);
        if (err < 0 && ResourcePressure.relieved("bpf_map__reuse_fd", -err)) {
            err = mapReuseFd0(map, fd);
        }
        return err;
    }
    /** Before load: bytes into an object map's initial value at offset. 0 or -EINVAL. */
    public static native int mapSetInitialBytes(long map, long offset, byte[] bytes);
    /** 1: libbpf places an object's __arena globals at the arena's end on this kernel; 0: at offset 0; -errno. */
    public static native int arenaGlobalsAtEnd();

    // prog.c
    /** Each of data in/out and ctx in/out is a byte[] or a direct ByteBuffer (the other null), or neither. */
    public static native int progTestRun(int fd, byte[] dataInArray, ByteBuffer dataInBuffer,
            byte[] dataOutArray, ByteBuffer dataOutBuffer, byte[] ctxInArray, ByteBuffer ctxInBuffer,
            byte[] ctxOutArray, ByteBuffer ctxOutBuffer, int[] offsetsLengths, int repeat, int flags, int cpu,
            int batchSize, long[] results);
    private static native int progAttachXdp0(int progFd, int ifindex, int flags);

    /**
     * bpf_prog_get_info_by_fd: out gets {type, id} (BpfProgram.INFO_* indexes), name the name's bytes.
     * The name's length, or -errno.
     */
    public static native int progInfo(int fd, int[] out, byte[] name);

    // link.c
    private static native long linkAttach0(long program);

    /** bpf_program__attach: the struct bpf_link's address, or -errno (-EOPNOTSUPP: no automatic attach). */
    public static long linkAttach(long program) {
        long link = linkAttach0(program);
        if (link < 0 && ResourcePressure.relieved("bpf_program__attach", (int) -link)) {
            link = linkAttach0(program);
        }
        return link;
    }
    public static native int linkFd(long link);
    /** bpf_link__destroy: detaches and frees the link. */
    public static native void linkDestroy(long link);

    /** A BPF link fd, or -errno. */
    public static int progAttachXdp(int progFd, int ifindex, int flags) {
        int fd = progAttachXdp0(progFd, ifindex, flags);
        if (fd < 0 && ResourcePressure.relieved("bpf_link_create(xdp)", -fd)) {
            fd = progAttachXdp0(progFd, ifindex, flags);
        }
        return fd;
    }

    // user_ringbuf.c
    /** poll(POLLOUT) on a user ring buffer's fd: revents, 0 (timeout, EINTR), or -errno. */
    public static native int userRingbufWait(int fd, int timeoutMillis);

    // sys.c
    public static native int mount(String source, String target, String type);
    /** The raw call, for ResourcePressure's own probing. */
    static native int openNonBlocking0(String path);

    /** O_RDONLY | O_NONBLOCK: fd, or -errno. */
    public static int openNonBlocking(String path) {
        int fd = openNonBlocking0(path);
        if (fd < 0 && ResourcePressure.relieved("open(" + path + ")", -fd)) {
            fd = openNonBlocking0(path);
        }
        return fd;
    }
    public static native int pollRead(int fd, byte[] buffer, int offset, int length, int timeoutMillis);
    public static native int close(int fd);
    public static native int gettid();
    public static native int geteuid();
    public static native int pageSize();
    public static native int numPossibleCpus();
    public static native String libbpfVersion();
    public static native String strerror(int errno);
    public static native int objPin(int fd, String path);
    private static native int objGet0(String path);

    /** fd, or -errno. */
    public static int objGet(String path) {
        int fd = objGet0(path);
        if (fd < 0 && ResourcePressure.relieved("bpf_obj_get(" + path + ")", -fd)) {
            fd = objGet0(path);
        }
        return fd;
    }
    /** unlink(2): 0 or -errno. */
    public static native int unlink(String path);
    /** f_type of the filesystem holding path, or -errno. */
    public static native long statfsType(String path);
    private static native int mapFdById0(int id);

    /** fd, or -errno. */
    public static int mapFdById(int id) {
        int fd = mapFdById0(id);
        if (fd < 0 && ResourcePressure.relieved("bpf_map_get_fd_by_id", -fd)) {
            fd = mapFdById0(id);
        }
        return fd;
    }

    /** The raw call, for ResourcePressure's own probing. */
    static native int dup0(int fd);

    /** fd, or -errno. */
    public static int dup(int fd) {
        int copy = dup0(fd);
        if (copy < 0 && ResourcePressure.relieved("dup", -copy)) {
            copy = dup0(fd);
        }
        return copy;
    }

    /** if_nametoindex: the interface's index in this network namespace, or -errno. */
    public static native int ifIndex(String interfaceName);

    // probe.c: 1 supported, 0 not, -errno if the probe failed
    public static native int probeMapType(int type);
    public static native int probeProgramType(int type);


    // ringbuf.c (ring buffer consumers: epoll set and wake-up eventfd; records are read in Java)
    private static native int epollCreate0();

    /** epoll_create1(EPOLL_CLOEXEC): fd, or -errno. */
    public static int epollCreate() {
        int fd = epollCreate0();
        if (fd < 0 && ResourcePressure.relieved("epoll_create1", -fd)) {
            fd = epollCreate0();
        }
        return fd;
    }
    /** epoll_ctl(ADD, EPOLLIN) with {@code slot} as the event's data: 0 or -errno. */
    public static native int epollAdd(int epfd, int fd, int slot);
    /** epoll_ctl(DEL): 0 (also when the fd was not or no longer in the set), or -errno. */
    public static native int epollDel(int epfd, int fd);
    /** epoll_wait: ready count (their slots in {@code slots}), or -errno (EINTR included). */
    public static native int epollWait(int epfd, int[] slots, int timeoutMillis);
    private static native int eventFd0();

    /** eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK): fd, or -errno. */
    public static int eventFd() {
        int fd = eventFd0();
        if (fd < 0 && ResourcePressure.relieved("eventfd", -fd)) {
            fd = eventFd0();
        }
        return fd;
    }
    /** Adds 1 to the eventfd's counter: 0 or -errno. */
    public static native int eventFdSignal(int fd);
    /** Reads (resets) the counter: 1 if it was set, 0 if not, or -errno. */
    public static native int eventFdDrain(int fd);

    // perfbuf.c (perf buffers: the per-CPU BPF output events; their pages are read in Java)
    private static native int perfEventOpen0(int cpu, int wakeupEvents, int wakeupBytes);

    /**
     * perf_event_open of a PERF_COUNT_SW_BPF_OUTPUT event on {@code cpu} (PERF_SAMPLE_RAW, any task,
     * FD_CLOEXEC), waking after {@code wakeupBytes} bytes if positive, else every {@code wakeupEvents}
     * samples: fd, or -errno.
     */
    public static int perfEventOpen(int cpu, int wakeupEvents, int wakeupBytes) {
        int fd = perfEventOpen0(cpu, wakeupEvents, wakeupBytes);
        if (fd < 0 && ResourcePressure.relieved("perf_event_open", -fd)) {
            fd = perfEventOpen0(cpu, wakeupEvents, wakeupBytes);
        }
        return fd;
    }
    /** ioctl(PERF_EVENT_IOC_ENABLE): 0 or -errno. */
    public static native int perfEventEnable(int fd);

    // attach_trace.c: kprobes, uprobes, USDT, tracepoints, BTF tracing, perf events (TracingAttach)

    // attach_net.c: tcx, classic tc, netkit, XDP options, sockmap, netns, netfilter (NetworkAttach)

    // attach_cgroup.c: cgroup hooks (CgroupAttach)
    private static native int cgroupOpen0(String path);

    /** open(O_RDONLY | O_DIRECTORY | O_CLOEXEC) of a cgroup directory: fd, or -errno. */
    public static int cgroupOpen(String path) {
        int fd = cgroupOpen0(path);
        if (fd < 0 && ResourcePressure.relieved("open", -fd)) {
            fd = cgroupOpen0(path);
        }
        return fd;
    }
    /** fstatfs: the filesystem type of {@code fd} (0x63677270 for cgroup v2), or -errno. */
    public static native long cgroupFsType(int fd);
    private static native int cgroupLinkCreate0(int progFd, int cgroupFd, int attachType, int flags, int relativeFd,
            long expectedRevision);

    /** bpf_link_create at a cgroup hook (flags BPF_F_BEFORE/AFTER/LINK/PREORDER): the link fd, or -errno. */
    public static int cgroupLinkCreate(int progFd, int cgroupFd, int attachType, int flags, int relativeFd,
            long expectedRevision) {
        int fd = cgroupLinkCreate0(progFd, cgroupFd, attachType, flags, relativeFd, expectedRevision);
        if (fd < 0 && ResourcePressure.relieved("bpf_link_create", -fd)) {
            fd = cgroupLinkCreate0(progFd, cgroupFd, attachType, flags, relativeFd, expectedRevision);
        }
        return fd;
    }
    /** bpf_prog_attach_opts at a cgroup hook: 0 or -errno. */
    public static native int cgroupProgAttach(int progFd, int cgroupFd, int attachType, int flags, int replaceFd,
            int relativeFd, long expectedRevision);
    /** bpf_prog_detach2: 0 or -errno. */
    public static native int cgroupProgDetach(int progFd, int cgroupFd, int attachType);
    /**
     * bpf_prog_query_opts of the cgroup's own programs at the hook: ids in run order into {@code ids} (as many as
     * fit, at most 64), the revision into {@code revision[0]}; the number attached, or -errno.
     */
    public static native int cgroupQuery(int cgroupFd, int attachType, int[] ids, long[] revision);
    /** bpf_program__expected_attach_type. */
    public static native int programExpectedAttachType(long program);

    // link.c, info.c, iter.c: links on their own, program and link info, ids, iterators, struct_ops
}
