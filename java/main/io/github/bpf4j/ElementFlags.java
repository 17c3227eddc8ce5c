/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/**
 * Flags of an element operation other than its {@link UpdateMode}: what
 * lookups, updates and the lookup/update batches take besides keys and
 * values. A value type: compare with {@code equals}.
 *
 * <p>Today there is one, {@link #LOCK}; the kernel's per-CPU selectors
 * ({@code BPF_F_CPU}, which carries a CPU number) are meant to join as
 * factory methods returning further values of this type.
 */
public final class ElementFlags {
    /** No flags. */
    public static final ElementFlags NONE = new ElementFlags(0);
    /**
     * {@code BPF_F_LOCK}: copy the value under its {@code struct bpf_spin_lock}
     * (the map's value type must have one, declared with BTF). Without it a
     * program may change the value half-way through the copy.
     */
    public static final ElementFlags LOCK = new ElementFlags(4);

    private final long bits;

    private ElementFlags(long bits) {
        this.bits = bits;
    }

    /** Whether this includes {@link #LOCK}. */
    public boolean lock() {
        return (bits & LOCK.bits) != 0;
    }

    long bits() {
        return bits;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ElementFlags && ((ElementFlags) o).bits == bits;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bits);
    }

    @Override
    public String toString() {
        return bits == 0 ? "ElementFlags.NONE" : bits == LOCK.bits ? "ElementFlags.LOCK"
                : "ElementFlags[0x" + Long.toHexString(bits) + "]";
    }
}
