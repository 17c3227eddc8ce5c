/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Native;
import io.github.bpf4j.link.AttachPoint;

/**
 * {@link BpfProgram#attach(AttachPoint)}: hands the point to the family that
 * knows it (tracing, networking, cgroups, system objects), and the pieces every family
 * shares. Called with the program's handle held and the program loaded.
 */
final class Attachments {
    private Attachments() {}

    /** What a failed attach call becomes: the family knows the hint that fits its hook. */
    interface Failure {
        BpfException of(int errno);
    }

    /**
     * A libbpf attach call: a struct bpf_link's address, or -errno. Through a
     * {@code Native} wrapper that retries once under fd or memory pressure
     * (the convention for every native that creates an fd).
     */
    interface LinkCall {
        long attach();
    }

    static BpfLink attach(BpfProgram program, AttachPoint point) {
        BpfLink link = TracingAttach.attach(program, point);
        if (link == null) {
            link = NetworkAttach.attach(program, point);
        }
        if (link == null) {
            link = CgroupAttach.attach(program, point);
        }
        if (link == null) {
            link = SystemAttach.attach(program, point);
        }
        if (link == null) {
            throw new IllegalArgumentException("attach: " + point + " is no attach point bpf4j knows");
        }
        return link;
    }

    /** Runs {@code call} and wraps the struct bpf_link it made in a link that owns it. */
    static BpfLink libbpfLink(BpfProgram program, String target, LinkCall call, Failure failure) {
        long link = call.attach();
        if (link < 0) {
            throw failure.of((int) -link);
        }
        try {
            return new BpfLink(program, target, link);
        } catch (RuntimeException | Error e) { // no owner yet: nothing else would detach it
            Native.linkDestroy(link);
            throw e;
        }
    }

    /** Builds the BpfLink for an attachment already made. */
    interface LinkFactory {
        BpfLink make();
    }

    /**
     * Wraps an attachment the kernel has made: if building its BpfLink fails (it can only run out of memory),
     * {@code undo} detaches it, since nothing owns it yet.
     */
    static BpfLink owned(LinkFactory make, Runnable undo) {
        try {
            return make.make();
        } catch (RuntimeException | Error e) {
            undo.run();
            throw e;
        }
    }

    /** A BPF link fd of ours, owned from here on: closed if wrapping it fails. */
    static BpfLink ownedFd(BpfProgram program, String target, final int fd) {
        return owned(() -> new BpfLink(program, target, fd), () -> Native.close(fd));
    }

    /** Refuses a point whose hook the program's type does not attach to. */
    static void requireType(BpfProgram program, AttachPoint point, ProgramType... types) {
        ProgramType actual = program.type();
        for (ProgramType t : types) {
            if (t == actual) {
                return;
            }
        }
        throw new UnsupportedOperationException("attach(" + point + "): program '" + program.name() + "' is " + actual
                + ", and this hook takes " + (types.length == 1 ? types[0] : java.util.Arrays.toString(types))
                + " programs; attach it to a hook of its own type");
    }
}
