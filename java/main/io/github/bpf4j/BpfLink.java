/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeOwner;

/**
 * A program attached to something (a network interface, a tracepoint, a
 * function: {@link BpfProgram#attachXdp}, {@link BpfProgram#attach()}), as a
 * BPF link: {@link #close()} detaches it, and so does this process exiting, or
 * forgetting it: once unreachable, the garbage collector detaches it, with a
 * warning naming the link on the {@code io.github.bpf4j} logger.
 */
public final class BpfLink implements AutoCloseable {
    private final BpfProgram program; // keeps the program's object reachable while attached
    private final String target;
    private final NativeOwner owner;
    private final int fd;

    BpfLink(BpfProgram program, String target, int fd) {
        this.program = program;
        this.target = target;
        this.fd = fd;
        this.owner = NativeOwner.ofFd(this, "BpfLink " + program.name() + " -> " + target, fd);
    }

    /** A link libbpf made (bpf_program__attach): owning the struct, which may hold more than the fd. */
    BpfLink(BpfProgram program, String target, long link) {
        this.program = program;
        this.target = target;
        this.fd = Native.linkFd(link);
        this.owner = NativeOwner.ofLink(this, "BpfLink " + program.name() + " -> " + target, link);
    }

    /**
     * An attachment that is not a BPF link (classic tc, a legacy cgroup or sockmap attach): no fd of its own;
     * {@code detach} undoes it, once, on close or when the link is forgotten, and must not refer to this link.
     */
    BpfLink(BpfProgram program, String target, Runnable detach) {
        this.program = program;
        this.target = target;
        this.fd = -1;
        this.owner = NativeOwner.of(this, "BpfLink " + program.name() + " -> " + target, detach);
    }

    public BpfProgram program() {
        return program;
    }

    /**
     * What the program is attached to: {@code xdp:veth0} for {@link BpfProgram#attachXdp}, the
     * section for {@link BpfProgram#attach()}, e.g. {@code tp/syscalls/sys_enter_write}.
     */
    public String target() {
        return target;
    }

    /** The link's fd, owned by this link: valid until closed. */
    public int fd() {
        owner.handle().ensureOpen();
        return fd;
    }

    /** Detaches the program. Idempotent. */
    @Override
    public void close() {
        owner.close();
    }

    @Override
    public String toString() {
        return "BpfLink[" + program.name() + " -> " + target + (owner.handle().isClosed() ? ", closed" : "") + "]";
    }
}
