/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/**
 * When an update writes ({@code BPF_ANY}, {@code BPF_NOEXIST},
 * {@code BPF_EXIST}). {@link BpfMap#update(java.nio.ByteBuffer, java.nio.ByteBuffer, UpdateMode)}
 * answers {@code false} when the mode's precondition does not hold, and
 * writes nothing then.
 */
public enum UpdateMode {
    /** {@code BPF_ANY}: create or replace. */
    ANY(0),
    /**
     * {@code BPF_NOEXIST}: create only; the update answers false if the key is
     * present. Array maps hold every index, so there it always answers false.
     */
    NO_EXIST(1),
    /**
     * {@code BPF_EXIST}: replace only; the update answers false if the key is
     * absent. For {@link BpfMap#push(java.nio.ByteBuffer, UpdateMode) push} on
     * a queue or stack: when full, drop the oldest value to make room.
     */
    EXIST(2);

    private final long bits;

    UpdateMode(long bits) {
        this.bits = bits;
    }

    long bits() {
        return bits;
    }
}
