/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * Where {@link io.github.bpf4j.BpfProgram#attach(AttachPoint)} attaches a
 * program, with every option the kernel and libbpf have for that hook. Each
 * hook has its own immutable type in this package; a setter returns a new
 * instance, so one can be kept in a constant and shared between threads.
 *
 * <p>Only this package defines attach points: the set of hooks is the
 * kernel's, and each one is implemented and tested by bpf4j.
 */
public abstract class AttachPoint {
    AttachPoint() {}

    /** What {@link io.github.bpf4j.BpfLink#target()} reports for a link made here, e.g. {@code tcx/egress:veth0}. */
    public abstract String target();

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + target() + "]";
    }
}
