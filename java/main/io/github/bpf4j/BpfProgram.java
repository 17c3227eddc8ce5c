/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.BpfFs;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Native;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** A program of a {@link BpfObject}; runnable once the object is loaded. */
public final class BpfProgram {
    private final BpfObject owner; // keeps the object reachable while the program is
    private final Handle handle;
    private final long pointer;
    private final String name;
    private final String section;
    private volatile ProgramType type;
    private volatile int fd = -1;

    BpfProgram(BpfObject owner, Handle handle, long pointer) {
        this.owner = owner;
        this.handle = handle;
        this.pointer = pointer;
        this.name = Native.programName(pointer);
        this.section = Native.programSection(pointer);
        describe();
    }

    void describe() {
        type = ProgramType.of(Native.programType(pointer));
        fd = Native.programFd(pointer);
    }

    public String name() {
        return name;
    }

    /** The ELF section, e.g. {@code raw_tp} or {@code xdp}. */
    public String section() {
        return section;
    }

    public ProgramType type() {
        handle.ensureOpen();
        return type;
    }

    /** The program's fd, owned by the object: valid until it is closed; never close it yourself. */
    public int fd() {
        handle.ensureOpen();
        checkLive();
        return fd;
    }

    public BpfObject object() {
        return owner;
    }

    /**
     * Pins the program at {@code path} in a BPF filesystem (mounting one at
     * /sys/fs/bpf if that is where the pin goes and none is there), so it
     * outlives this process. Remove the pin with {@link BpfMap#unpin(Path)}.
     */
    public void pin(Path path) {
        handle.acquire();
        try {
            checkLive();
            String op = "bpf_obj_pin(program '" + name + "', " + path + ")";
            BpfFs.requireFor(path, op);
            int err = Native.objPin(fd, path.toAbsolutePath().toString());
            if (err < 0) {
                throw Errors.exception(op, -err, null);
            }
        } finally {
            handle.release();
        }
    }

    /** {@code XDP_FLAGS_SKB_MODE}: generic XDP, on any device, in the network stack. */
    public static final int XDP_FLAGS_SKB_MODE = 1 << 1;
    /** {@code XDP_FLAGS_DRV_MODE}: native XDP in the driver; fails where the driver lacks it. */
    public static final int XDP_FLAGS_DRV_MODE = 1 << 2;

    /** Attaches this XDP program to a network interface of this network namespace (driver mode where possible). */
    public BpfLink attachXdp(String interfaceName) {
        return attachXdp(interfaceName, 0);
    }

    /**
     * Attaches this XDP program to {@code interfaceName} as a BPF link; close
     * the link to detach.
     *
     * @param xdpFlags 0, {@link #XDP_FLAGS_SKB_MODE} or {@link #XDP_FLAGS_DRV_MODE}
     */
    public BpfLink attachXdp(String interfaceName, int xdpFlags) {
        if (interfaceName == null) {
            throw new NullPointerException("interfaceName is null");
        }
        Native.ensureLoaded();
        // Not java.net.NetworkInterface: it misses interfaces without an address.
        int ifindex = Native.ifIndex(interfaceName);
        if (ifindex <= 0) {
            throw new IllegalArgumentException("no network interface '" + interfaceName
                    + "' in this network namespace (" + Errors.errnoName(-ifindex) + ")");
        }
        handle.acquire();
        try {
            checkLive();
            if (type != ProgramType.XDP) {
                throw new UnsupportedOperationException("program '" + name + "' is " + type + ", not XDP");
            }
            int link = Native.progAttachXdp(fd, ifindex, xdpFlags);
            if (link < 0) {
                throw Errors.exception("bpf_link_create(program '" + name + "', xdp, " + interfaceName + ")", -link,
                        null);
            }
            return new BpfLink(this, "xdp:" + interfaceName, link);
        } finally {
            handle.release();
        }
    }

    /** Runs the program once with no input; returns the run's request and results. */
    public TestRun testRun() {
        TestRun run = new TestRun();
        testRun(run);
        return run;
    }

    /**
     * Runs the program with {@code BPF_PROG_TEST_RUN}. The results land in
     * {@code run}; reuse it (and direct buffers) for runs that allocate nothing.
     *
     * @return the program's return value
     * @throws BpfException with ENOSPC if an output buffer is too small (the
     *     sizes the kernel wanted are in {@code run} all the same)
     */
    public int testRun(TestRun run) {
        handle.acquire();
        try {
            checkLive();
            run.prepare();
            byte[][] a = run.arrays;
            ByteBuffer[] b = run.buffers;
            int ret = Native.progTestRun(fd, a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], run.offsetsLengths,
                    run.repeat(), run.flags(), run.cpu(), run.batchSize(), run.results);
            if (ret == -Errors.ENOSPC) {
                throw new BpfException(op(), Errors.ENOSPC, "ENOSPC", "an output buffer is too small: "
                        + run.spaceReport(), "offer larger data out / ctx out buffers");
            }
            if (ret < 0) {
                int[] ol = run.offsetsLengths;
                throw Errors.testRunException(op(), -ret, type, run.repeat(), run.flags(), run.cpu(), run.batchSize(),
                        ol[1], ol[3], ol[5], ol[7], Native.pageSize());
            }
            return run.retval();
        } finally {
            handle.release();
        }
    }

    private String op() {
        return "bpf_prog_test_run_opts(program '" + name + "', " + type + ")";
    }

    private void checkLive() {
        if (fd < 0) {
            throw new IllegalStateException("program '" + name + "' of " + owner
                    + " is not in the kernel yet: call load() first");
        }
    }

    @Override
    public String toString() {
        return "BpfProgram[" + name + ", " + type + ", section " + section + "]";
    }
}
