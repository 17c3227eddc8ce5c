/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.NativeOwner;

/**
 * Run-time statistics turned on ({@link Bpf4j#enableStats()}): while this
 * handle is open, the kernel counts every program's runs and the time they
 * take ({@link ProgramInfo#runCount()}, {@link ProgramInfo#runTimeNanos()}).
 * It is a system-wide switch with a count: statistics stay on while any
 * process holds such a handle (or {@code kernel.bpf_stats_enabled} is 1).
 * Counting costs a few nanoseconds per run, so turn it on only while you
 * measure. A forgotten handle is closed once unreachable.
 */
public final class BpfStats implements AutoCloseable {
    private final NativeOwner owner;

    BpfStats(int fd) {
        this.owner = NativeOwner.ofFd(this, "BpfStats (BPF_STATS_RUN_TIME)", fd);
    }

    /** Whether this handle still keeps statistics on. */
    public boolean isOpen() {
        return !owner.handle().isClosed();
    }

    /** Stops keeping statistics on (they stay on if another handle, anywhere, holds them). Idempotent. */
    @Override
    public void close() {
        owner.close();
    }

    @Override
    public String toString() {
        return "BpfStats[" + (isOpen() ? "on" : "closed") + "]";
    }
}
