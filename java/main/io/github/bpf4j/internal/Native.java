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

    private static native long objectOpenFile0(byte[] path, String name);

    /**
     * objectOpenMem of a file read in C (path: its bytes, NUL-terminated); 0 if C could not read it (Java
     * reads it then, and words the error).
     */
    public static long objectOpenFile(byte[] path, String name) {
        try {
            return objectOpenFile0(path, name);
        } catch (BpfException e) {
            if (!ResourcePressure.isFdPressure(e.errno())) {
                throw e;
            }
            ResourcePressure.relieve("bpf_object__open_mem", e.errno());
        }
        return objectOpenFile0(path, name);
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
    /** btf.c: an object's raw BTF after open (data sections sized, variables placed), or null if it has none. */
    public static native byte[] objectBtf(long object);

    // map.c: each operand is a byte[] or a direct ByteBuffer (the other null) with offset and length;
    // length 0 passes NULL. op is a NativeLayout.MAP_OP_* / MAP_BATCH_* code.
    /** The libbpf map of an object (objectOpenMem's handle) for a data section such as ".bss", or 0. */
    public static native long mapFindBySection(long object, String section);

    /** valueOut: the call only writes the value, so a byte[] value need not be copied in. */
    public static native int mapElem(int op, int fd, byte[] keyArray, ByteBuffer keyBuffer, int keyOffset,
            int keyLength, byte[] valueArray, ByteBuffer valueBuffer, int valueOffset, int valueLength,
            boolean valueOut, long flags);
    /**
     * mapElem for operands that are all direct buffers or absent (length 0), checked by Buffers.offset: native
     * code reads only their addresses (see map.c's map_elem_direct for why that is enough).
     */
    public static native int mapElemDirect(int op, int fd, ByteBuffer keyBuffer, int keyOffset, int keyLength,
            ByteBuffer valueBuffer, int valueOffset, int valueLength, long flags);
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
    /**
     * progTestRun with every operand a direct buffer or absent: each an address (0 if absent or empty) and a
     * length Java checked against the buffer's capacity; results is the address of NativeLayout.TEST_RUN_LEN
     * longs the native fills.
     */
    public static native int progTestRunDirect(int fd, long dataIn, int dataInLength, long dataOut,
            int dataOutLength, long ctxIn, int ctxInLength, long ctxOut, int ctxOutLength, int repeat, int flags,
            int cpu, int batchSize, long results);
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
    /** Free fd table slots (RLIMIT_NOFILE minus open fds), or -1 where the kernel does not count open fds. */
    public static native int fdRoom();
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
    // Strings are NUL-free byte[] (TracingAttach encodes them); every attach returns a struct bpf_link's
    // address or -errno, retried once under fd or memory pressure (ResourcePressure).
    private static native long kprobeAttach0(long program, byte[] function, long offset, boolean retprobe,
            long cookie, int mode);
    private static native long kprobeMultiAttach0(long program, byte[] pattern, byte[][] symbols, long[] cookies,
            boolean retprobe, boolean session, boolean uniqueMatch);
    private static native long ksyscallAttach0(long program, byte[] syscall, boolean retprobe, long cookie);
    private static native long uprobeAttach0(long program, int pid, byte[] binary, byte[] function, long offset,
            boolean retprobe, long cookie, long refCtrOffset, int mode);
    private static native long uprobeMultiAttach0(long program, int pid, byte[] binary, byte[] pattern,
            byte[][] symbols, long[] offsets, long[] refCtrOffsets, long[] cookies, boolean retprobe, boolean session);
    private static native long usdtAttach0(long program, int pid, byte[] binary, byte[] provider, byte[] name,
            long cookie);
    private static native long tracepointAttach0(long program, byte[] category, byte[] name, long cookie);
    private static native long rawTracepointAttach0(long program, byte[] name, long cookie);
    private static native long traceAttach0(long program, long cookie);
    private static native int perfEventOpenSampling0(int type, long config, boolean frequency, long sample, int pid,
            int cpu);
    private static native long perfEventAttach0(long program, int perfFd, long cookie);

    private static long retried(String call, long link, LinkRetry retry) {
        if (link < 0 && ResourcePressure.relieved(call, (int) -link)) {
            return retry.again();
        }
        return link;
    }

    private interface LinkRetry {
        long again();
    }

    public static long kprobeAttach(final long program, final byte[] function, final long offset,
            final boolean retprobe, final long cookie, final int mode) {
        return retried("bpf_program__attach_kprobe_opts", kprobeAttach0(program, function, offset, retprobe, cookie,
                mode), () -> kprobeAttach0(program, function, offset, retprobe, cookie, mode));
    }

    public static long kprobeMultiAttach(final long program, final byte[] pattern, final byte[][] symbols,
            final long[] cookies, final boolean retprobe, final boolean session, final boolean uniqueMatch) {
        return retried("bpf_program__attach_kprobe_multi_opts", kprobeMultiAttach0(program, pattern, symbols, cookies,
                retprobe, session, uniqueMatch),
                () -> kprobeMultiAttach0(program, pattern, symbols, cookies, retprobe, session, uniqueMatch));
    }

    public static long ksyscallAttach(final long program, final byte[] syscall, final boolean retprobe,
            final long cookie) {
        return retried("bpf_program__attach_ksyscall", ksyscallAttach0(program, syscall, retprobe, cookie),
                () -> ksyscallAttach0(program, syscall, retprobe, cookie));
    }

    /** pid -1: every process; function null: {@code offset} is the file offset in {@code binary}. */
    public static long uprobeAttach(final long program, final int pid, final byte[] binary, final byte[] function,
            final long offset, final boolean retprobe, final long cookie, final long refCtrOffset, final int mode) {
        return retried("bpf_program__attach_uprobe_opts", uprobeAttach0(program, pid, binary, function, offset,
                retprobe, cookie, refCtrOffset, mode),
                () -> uprobeAttach0(program, pid, binary, function, offset, retprobe, cookie, refCtrOffset, mode));
    }

    public static long uprobeMultiAttach(final long program, final int pid, final byte[] binary,
            final byte[] pattern, final byte[][] symbols, final long[] offsets, final long[] refCtrOffsets,
            final long[] cookies, final boolean retprobe, final boolean session) {
        return retried("bpf_program__attach_uprobe_multi", uprobeMultiAttach0(program, pid, binary, pattern, symbols,
                offsets, refCtrOffsets, cookies, retprobe, session),
                () -> uprobeMultiAttach0(program, pid, binary, pattern, symbols, offsets, refCtrOffsets, cookies,
                        retprobe, session));
    }

    public static long usdtAttach(final long program, final int pid, final byte[] binary, final byte[] provider,
            final byte[] name, final long cookie) {
        return retried("bpf_program__attach_usdt", usdtAttach0(program, pid, binary, provider, name, cookie),
                () -> usdtAttach0(program, pid, binary, provider, name, cookie));
    }

    public static long tracepointAttach(final long program, final byte[] category, final byte[] name,
            final long cookie) {
        return retried("bpf_program__attach_tracepoint_opts", tracepointAttach0(program, category, name, cookie),
                () -> tracepointAttach0(program, category, name, cookie));
    }

    public static long rawTracepointAttach(final long program, final byte[] name, final long cookie) {
        return retried("bpf_program__attach_raw_tracepoint_opts", rawTracepointAttach0(program, name, cookie),
                () -> rawTracepointAttach0(program, name, cookie));
    }

    /** fentry/fexit/fmod_ret/lsm/tp_btf/freplace at the target fixed at load. */
    public static long traceAttach(final long program, final long cookie) {
        return retried("bpf_program__attach_trace_opts", traceAttach0(program, cookie),
                () -> traceAttach0(program, cookie));
    }

    /** perf_event_open of a sampling event, disabled until attached: fd, or -errno. */
    public static int perfEventOpenSampling(int type, long config, boolean frequency, long sample, int pid, int cpu) {
        int fd = perfEventOpenSampling0(type, config, frequency, sample, pid, cpu);
        if (fd < 0 && ResourcePressure.relieved("perf_event_open", -fd)) {
            fd = perfEventOpenSampling0(type, config, frequency, sample, pid, cpu);
        }
        return fd;
    }

    /** The link owns {@code perfFd} on success; on failure the caller still does (so a retry may reuse it). */
    public static long perfEventAttach(final long program, final int perfFd, final long cookie) {
        return retried("bpf_program__attach_perf_event_opts", perfEventAttach0(program, perfFd, cookie),
                () -> perfEventAttach0(program, perfFd, cookie));
    }

    /** bpf_program__set_attach_target (before load): 0 or -errno. */
    public static native int programSetAttachTarget(long program, int targetFd, byte[] function);
    /** 0 or -errno (-EBUSY once loaded). */
    public static native int programSetAutoload(long program, boolean autoload);
    public static native boolean programAutoload(long program);


    // attach_net.c: tcx, classic tc, netkit, XDP options, sockmap, netns, netfilter (NetworkAttach)
    private static native int netLinkCreate0(int progFd, int target, int attachType, int flags, int relativeFd,
            int relativeId, long expectedRevision);

    /**
     * bpf_link_create for tcx and netkit (target: the ifindex; flags BPF_F_BEFORE/AFTER/ID/LINK with a
     * relative fd or id; expectedRevision 0: any): the link fd, or -errno.
     */
    public static int netLinkCreate(int progFd, int target, int attachType, int flags, int relativeFd, int relativeId,
            long expectedRevision) {
        int fd = netLinkCreate0(progFd, target, attachType, flags, relativeFd, relativeId, expectedRevision);
        if (fd < 0 && ResourcePressure.relieved("bpf_link_create", -fd)) {
            fd = netLinkCreate0(progFd, target, attachType, flags, relativeFd, relativeId, expectedRevision);
        }
        return fd;
    }

    private static native long netAttachSockmap0(long program, int mapFd);

    /** bpf_program__attach_sockmap: the struct bpf_link's address, or -errno. */
    public static long netAttachSockmap(long program, int mapFd) {
        long link = netAttachSockmap0(program, mapFd);
        if (link < 0 && ResourcePressure.relieved("bpf_program__attach_sockmap", (int) -link)) {
            link = netAttachSockmap0(program, mapFd);
        }
        return link;
    }

    private static native long netAttachNetns0(long program, int netnsFd);

    /** bpf_program__attach_netns: the struct bpf_link's address, or -errno. */
    public static long netAttachNetns(long program, int netnsFd) {
        long link = netAttachNetns0(program, netnsFd);
        if (link < 0 && ResourcePressure.relieved("bpf_program__attach_netns", (int) -link)) {
            link = netAttachNetns0(program, netnsFd);
        }
        return link;
    }

    private static native long netAttachNetfilter0(long program, int pf, int hook, int priority, int flags);

    /** bpf_program__attach_netfilter: the struct bpf_link's address, or -errno. */
    public static long netAttachNetfilter(long program, int pf, int hook, int priority, int flags) {
        long link = netAttachNetfilter0(program, pf, hook, priority, flags);
        if (link < 0 && ResourcePressure.relieved("bpf_program__attach_netfilter", (int) -link)) {
            link = netAttachNetfilter0(program, pf, hook, priority, flags);
        }
        return link;
    }

    /** bpf_tc_hook_create (clsact): 0 if bpf4j created it, -EEXIST if the interface had one, or -errno. */
    public static native int netTcHookCreate(int ifindex);
    /** bpf_tc_hook_destroy of both clsact hooks (removes the qdisc): 0 or -errno. */
    public static native int netTcHookDestroy(int ifindex);
    /** bpf_tc_attach (direct action): the filter made as handle &lt;&lt; 16 | priority, or -errno. */
    public static native long netTcAttach(int ifindex, boolean egress, int progFd, int handle, int priority,
            boolean replace);
    /** bpf_tc_detach of (handle, priority) if it still runs progId: 0, -ENOENT if gone or replaced, or -errno. */
    public static native int netTcDetach(int ifindex, boolean egress, int handle, int priority, int progId);
    /** How many filters the interface's clsact hooks hold (both), or -errno. */
    public static native int netTcFilterCount(int ifindex);
    /** bpf_xdp_attach (netlink; progFd -1 detaches): 0 or -errno. */
    public static native int netXdpAttach(int ifindex, int progFd, int flags, int oldProgFd);

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
    /** bpf_link_update to {@code newProg} (only if it runs {@code oldProg}, when that is >= 0): 0 or -errno. */
    public static native int linkUpdate(int fd, int newProg, int oldProg);
    /** BPF_LINK_DETACH: 0 or -errno. */
    public static native int linkDetach(int fd);
    private static native long linkStructOps0(long map);

    /** bpf_map__attach_struct_ops: the struct bpf_link's address, or -errno. */
    public static long linkStructOps(long map) {
        long link = linkStructOps0(map);
        if (link < 0 && ResourcePressure.relieved("bpf_map__attach_struct_ops", (int) -link)) {
            link = linkStructOps0(map);
        }
        return link;
    }

    /** bpf_prog_get_info_by_fd into NativeLayout.PROGRAM_INFO_* slots, the name (16) and tag (8 bytes): 0 or -errno. */
    public static native int programInfo(int fd, long[] out, byte[] name, byte[] tag);
    /** The program's map ids into {@code ids}: their count (more than ids.length: call again), or -errno. */
    public static native int programMapIds(int fd, int[] ids);
    /** bpf_link_get_info_by_fd into NativeLayout.LINK_INFO_* slots, the name and the path: 0 or -errno. */
    public static native int linkInfo(int fd, long[] out, byte[] name, byte[] path);
    /** libbpf_bpf_link_type_str, or null. */
    public static native String linkTypeName(int type);
    /** libbpf_bpf_attach_type_str, or null. */
    public static native String attachTypeName(int type);
    private static native int enableStats0();

    /** BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): an fd keeping run-time statistics on while open, or -errno. */
    public static int enableStats() {
        int fd = enableStats0();
        if (fd < 0 && ResourcePressure.relieved("bpf_enable_stats", -fd)) {
            fd = enableStats0();
        }
        return fd;
    }

    /** Kinds for {@link #nextId} and {@link #fdById} (jni/ids.c). */
    public static final int IDS_MAP = 0, IDS_PROG = 1, IDS_LINK = 2, IDS_BTF = 3;

    /** bpf_{map,prog,link,btf}_get_next_id: the next id after {@code start}, or -errno (ENOENT past the last). */
    public static native int nextId(int kind, int start);
    private static native int fdById0(int kind, int id);

    /** bpf_{map,prog,link,btf}_get_fd_by_id: a new fd, or -errno (ENOENT: gone). */
    public static int fdById(int kind, int id) {
        int fd = fdById0(kind, id);
        if (fd < 0 && ResourcePressure.relieved("bpf_get_fd_by_id", -fd)) {
            fd = fdById0(kind, id);
        }
        return fd;
    }
    /** bpf_btf_get_info_by_fd into NativeLayout.BTF_INFO_* slots and the name: 0 or -errno. */
    public static native int btfInfo(int fd, long[] out, byte[] name);

    /** Parameter kinds of {@link #iterAttach} (jni/iter.c). */
    public static final int ITER_NONE = 0, ITER_MAP_FD = 1, ITER_CGROUP_FD = 2, ITER_CGROUP_ID = 3, ITER_TID = 4,
            ITER_PID = 5, ITER_PIDFD = 6;
    private static native long iterAttach0(long program, int kind, long value, int order);

    /** bpf_program__attach_iter with one parameter: the struct bpf_link's address, or -errno. */
    public static long iterAttach(long program, int kind, long value, int order) {
        long link = iterAttach0(program, kind, value, order);
        if (link < 0 && ResourcePressure.relieved("bpf_program__attach_iter", (int) -link)) {
            link = iterAttach0(program, kind, value, order);
        }
        return link;
    }
    private static native int iterCreate0(int linkFd);

    /** bpf_iter_create: a new read session's fd, or -errno. */
    public static int iterCreate(int linkFd) {
        int fd = iterCreate0(linkFd);
        if (fd < 0 && ResourcePressure.relieved("bpf_iter_create", -fd)) {
            fd = iterCreate0(linkFd);
        }
        return fd;
    }
    /** read(2) of an iterator session into out[off, off + len): the count (0 at the end), or -errno. */
    public static native int iterRead(int fd, byte[] out, int off, int len);

    /**
     * btf_dump.c: vmlinux.h-style C from the BTF of {@code path} (source 1), of the running kernel (0; path
     * unused), or of split BTF on {@code base}'s (2; base null: on the running kernel's), written to
     * {@code sink} in chunks. 0, -errno when libbpf cannot read it, or 1 when it is malformed; why[0] then says
     * what libbpf said or what is wrong.
     */
    public static native int btfDumpC(String path, String base, int source, java.io.OutputStream sink, String[] why);
}
