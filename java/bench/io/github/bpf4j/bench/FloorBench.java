/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.bench;

import io.github.bpf4j.Bpf4j;
import io.github.bpf4j.internal.Native;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The floors under every row: what a JNI call into bpf4j's library costs by
 * itself (a native that makes no system call), and with the cheapest system
 * call behind it (baseline.c's syscall_gettid makes the same call from C).
 * Java − C of the gettid row is the JNI transition; no bpf4j path can add
 * less.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FloorBench {
    @Setup
    public void loadLibrary() {
        Bpf4j.libbpfVersion(); // loads and registers the natives, as any first bpf4j call does
    }

    @Benchmark
    public int jniNoSyscall() {
        return Native.pageSize();
    }

    @Benchmark
    public int jniGettid() {
        return Native.gettid();
    }
}
