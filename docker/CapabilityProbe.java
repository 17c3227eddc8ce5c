/* SPDX-License-Identifier: Apache-2.0 */

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import io.github.bpf4j.TracePipe;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * What README's "Running in containers" table promises, tried one call at a
 * time inside a container; only the jar's own objects are used, so it runs
 * with the jar alone:
 *
 * <pre>java -cp bpf4j.jar docker/CapabilityProbe.java map syscall tracing xdp trace fromid</pre>
 *
 * prints one line per check, {@code name: OK ...} or
 * {@code name: <exception class>: <message's first line> | hint: <hint>};
 * {@code ./setup.sh containers} runs it under each capability set and checks
 * the lines.
 */
public final class CapabilityProbe {
    private CapabilityProbe() {}

    public static void main(String[] args) {
        for (String check : args) {
            String result;
            try {
                result = "OK " + run(check);
            } catch (BpfException e) {
                result = e.getClass().getSimpleName() + ": " + e.getMessage().split("\n")[0] + " | hint: " + e.hint();
            } catch (RuntimeException e) {
                result = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            System.out.println(check + ": " + result.replace('\n', ' '));
        }
    }

    private static String run(String check) {
        switch (check) {
            case "map": // CAP_BPF
                try (BpfMap m = BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(4).name("probe"))) {
                    return "map id " + m.info().id();
                }
            case "syscall": // CAP_BPF: a program type that needs no other capability
                try (BpfObject obj = BpfObject.openResource("io/github/bpf4j/bpf/arena_events.bpf.o").load()) {
                    return "arena_events loaded, setup returned " + obj.program("setup").testRun().retval();
                }
            case "tracing": // CAP_BPF + CAP_PERFMON: raw_tp, bpf_printk
                try (BpfObject obj = BpfObject.openResource("io/github/bpf4j/bpf/mmap.bpf.o").load()) {
                    obj.program("test_prog").testRun();
                    return "mmap loaded and run, trace tid " + TracePipe.currentThreadId();
                }
            case "xdp": // CAP_BPF + CAP_NET_ADMIN: load XDP and attach it to this network namespace's lo
                try (BpfObject obj = BpfObject.openResource("io/github/bpf4j/bpf/ringbuf_events.bpf.o").load()) {
                    BpfProgram prog = obj.programs().get(0);
                    try (BpfLink link = prog.attachXdp("lo")) {
                        return prog.name() + " attached to lo";
                    }
                }
            case "trace": // reading the trace pipe: file modes (root, or CAP_DAC_READ_SEARCH)
                return trace();
            case "fromid": // CAP_SYS_ADMIN, which the README set leaves out
                try (BpfMap m = BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(8).maxEntries(4).name("probe"));
                        BpfMap again = BpfMap.fromId(m.info().id())) {
                    return "reopened map id " + again.info().id();
                }
            default:
                throw new IllegalArgumentException("CapabilityProbe: unknown check '" + check
                        + "'; use map, syscall, tracing, xdp, trace, fromid");
        }
    }

    /** This thread's own bpf_printk line, told from others' by a nonce and by its thread id. */
    private static String trace() {
        try (TracePipe pipe = TracePipe.open();
                BpfObject obj = BpfObject.openResource("io/github/bpf4j/bpf/mmap.bpf.o").load()) {
            String nonce = "c" + Long.toString(System.nanoTime() & 0xffffffffffL, 36);
            ByteBuffer buf = obj.map("buf_map").mmap();
            byte[] text = (nonce + "\0").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < text.length; i++) {
                buf.put(i, text[i]);
            }
            obj.program("test_prog").testRun();
            int tid = TracePipe.currentThreadId();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (long left; (left = deadline - System.nanoTime()) > 0;) {
                String line = pipe.readLine(left, TimeUnit.NANOSECONDS);
                if (line != null && ("buf: " + nonce).equals(TracePipe.message(line))) {
                    if (TracePipe.threadId(line) != tid) {
                        throw new IllegalStateException("line " + line + " has tid " + TracePipe.threadId(line)
                                + ", currentThreadId() said " + tid);
                    }
                    return "own line, tid " + tid;
                }
            }
            throw new IllegalStateException("no 'buf: " + nonce + "' line within 10 s");
        }
    }
}
