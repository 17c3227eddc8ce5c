/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.bench;

import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.TestRun;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * BPF_PROG_TEST_RUN of test-bpf/core_test.bpf.c's XDP program on a 64-byte
 * packet, repeat 1, one reused TestRun with direct buffers (baseline.c's
 * xdp_test_run).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TestRunBench {
    private BpfObject object;
    private BpfProgram program;
    private TestRun run;

    @Setup
    public void setUp() {
        object = BpfObject.open(Fixtures.bpfObject("core_test")).load();
        program = object.program("bump_first_byte");
        run = new TestRun().dataIn(Fixtures.direct(Fixtures.PACKET)).dataOut(Fixtures.direct(Fixtures.PACKET))
                .repeat(1);
    }

    @TearDown
    public void tearDown() {
        object.close();
    }

    @Benchmark
    public int testRun() {
        return program.testRun(run).retval();
    }
}
