/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.bench;

import io.github.bpf4j.BpfObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * BpfObject.open(Path) + load() + close(), as baseline.c's open_load_close_min
 * (bpf_object__open_file + bpf_object__load + bpf_object__close of
 * trace_target.bpf.o: one XDP program, no maps) and open_load_close_core
 * (core_test.bpf.o, the object the other benchmarks use).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ObjectOpenBench {
    private Path minimal;
    private Path core;

    @Setup
    public void setUp() {
        minimal = Fixtures.bpfObject("trace_target");
        core = Fixtures.bpfObject("core_test");
    }

    @Benchmark
    public BpfObject.State openLoadCloseMinimal() {
        return openLoadClose(minimal);
    }

    @Benchmark
    public BpfObject.State openLoadClose() {
        return openLoadClose(core);
    }

    private static BpfObject.State openLoadClose(Path path) {
        BpfObject object = BpfObject.open(path).load();
        object.close();
        return object.state();
    }
}
