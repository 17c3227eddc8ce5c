/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import io.github.bpf4j.BpfProgram;

/**
 * An {@code freplace} (EXT) program replacing a global function of another
 * loaded BPF program ({@code bpf_program__attach_freplace}): the program must
 * have been loaded for a function of the same signature (its section, or
 * {@code setAttachTarget}), and may attach to that function in any program
 * that has it. To attach where it was loaded for, use {@link BtfTracing#loadTarget()}.
 */
public final class Freplace extends TracingPoint {
    private final BpfProgram target;
    private final String function;

    private Freplace(BpfProgram target, String function) {
        this.target = target;
        this.function = function;
    }

    /** Replaces {@code function} (a global, non-inlined function) of the loaded program {@code target}. */
    public static Freplace of(BpfProgram target, String function) {
        if (target == null) {
            throw new NullPointerException("target is null");
        }
        return new Freplace(target, requireName("function", function));
    }

    public BpfProgram targetProgram() {
        return target;
    }

    public String function() {
        return function;
    }

    /** {@code freplace/<program>:<function>}. */
    @Override
    public String target() {
        return "freplace/" + target.name() + ":" + function;
    }

    @Override
    Object[] values() {
        return new Object[] {target, function}; // BpfProgram: equal when the same handle
    }
}
