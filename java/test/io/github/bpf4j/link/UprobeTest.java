/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.link.TracingHooks.Slot;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Uprobes on the JVM's own code: malloc in the libc this JVM mapped (found through /proc/self/maps),
 * reached from Java by ByteBuffer.allocateDirect (Unsafe.allocateMemory → os::malloc → malloc, on the
 * calling thread), and libjvm.so's exported JVM_GC, reached by System.gc().
 */
class UprobeTest {

    /** Direct buffers of {@code n} distinct sizes: each allocateDirect mallocs on this thread. */
    static void mallocs(int n) {
        for (int i = 0; i < n; i++) {
            ByteBuffer.allocateDirect(4096 + i);
        }
    }

    /**
     * Linux 6.12 (and stable kernels since) creates a uprobe through perf_event_open only for CAP_SYS_ADMIN:
     * where this process lacks it (a container with the BPF capabilities), the refusal must say so, and the
     * test that needs such a uprobe skips; where the kernel still allows it, the test goes on.
     */
    static void requirePerfUprobes(BpfProgram program) {
        if (io.github.bpf4j.Kernel.hasSysAdmin()) {
            return;
        }
        try {
            program.attach(Uprobe.of(Uprobe.mappedLibrary("libc.so.6"), "malloc").thisProcess()).close();
        } catch (io.github.bpf4j.BpfPermissionException e) {
            assertEquals("EACCES", e.errnoName(), e.toString());
            assertTrue(e.getMessage().contains("needs CAP_SYS_ADMIN") && e.hint().contains("UprobeMulti"), e.toString());
            Assumptions.abort("a uprobe made through perf_event_open needs CAP_SYS_ADMIN (Linux 6.12+), which this"
                    + " process lacks: checked that the refusal says so");
        }
    }

    @Test
    void uprobeAndUretprobeOnMallocOfThisThread() throws Exception {
        String libc = Uprobe.mappedLibrary("libc.so.6");
        assertTrue(libc.startsWith("/") && libc.endsWith("libc.so.6"), libc);
        try (TracingHooks h = TracingHooks.openForThisThread("on_malloc", "on_malloc_return").load()) {
            BpfProgram entry = h.program("on_malloc");
            BpfProgram exit = h.program("on_malloc_return");
            requirePerfUprobes(entry);
            Uprobe point = Uprobe.of(libc, "malloc").thisProcess().cookie(0x5eed);
            long moved = AttachProof.runsAndDetaches(() -> entry.attach(point), () -> mallocs(100),
                    h.counter(Slot.UPROBE));
            assertTrue(moved >= 100, "each allocateDirect mallocs once at least: " + moved);
            assertEquals(0x5eed, h.cookie(Slot.UPROBE));
            moved = AttachProof.runsAndDetaches(() -> exit.attach(Uprobe.returnOf(libc, "malloc").thisProcess()),
                    () -> mallocs(100), h.counter(Slot.URETPROBE));
            assertTrue(moved >= 100, "moved " + moved);
            try (BpfLink link = entry.attach(point)) {
                assertEquals("uprobe/" + libc + ":malloc", link.target());
            }
        }
    }

    /** libbpf resolves a bare library name itself (LD_LIBRARY_PATH, then the system library directories). */
    @Test
    void aLibraryNameIsResolvedByLibbpf() throws Exception {
        try (TracingHooks h = TracingHooks.openForThisThread("on_malloc").load()) {
            BpfProgram entry = h.program("on_malloc");
            requirePerfUprobes(entry);
            Uprobe byName = Uprobe.of("libc.so.6", "malloc").thisProcess();
            String mapped = Uprobe.mappedLibrary("libc.so.6");
            if (!isSystemLibrary(mapped)) {
                entry.attach(byName).close(); // libbpf finds the system's libc all the same
                Assumptions.abort("this JVM runs a libc of its own (" + mapped + "), not the system's that libbpf"
                        + " resolves libc.so.6 to: a probe there never sees this JVM (what mappedLibrary is for)");
            }
            assertTrue(AttachProof.runsAndDetaches(() -> entry.attach(byName), () -> mallocs(10),
                    h.counter(Slot.UPROBE)) >= 10);
        }
    }

    /** The library directories libbpf searches for a bare "*.so*" name (besides LD_LIBRARY_PATH). */
    static boolean isSystemLibrary(String path) throws Exception {
        Path file = Paths.get(path);
        for (String dir : new String[] {"/lib64", "/usr/lib64", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
            "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"}) {
            Path candidate = Paths.get(dir, file.getFileName().toString());
            if (Files.exists(candidate) && Files.isSameFile(candidate, file)) {
                return true;
            }
        }
        return false;
    }

    /**
     * README showcase: a uprobe on malloc in the JVM's own libc, counting calls per thread id in a hash
     * map, read from Java.
     */
    @Test
    void showcaseMallocCallsPerThread() throws Exception {
        try (BpfObject obj = BpfObject.openResource("bpf/trace_hooks.bpf.o")) {
            for (BpfProgram p : obj.programs()) {
                p.setAutoload(p.name().equals("count_malloc"));
            }
            obj.load();
            requirePerfUprobes(obj.program("count_malloc"));
            String libc = Uprobe.mappedLibrary("libc.so.6"); // the libc this JVM runs, from /proc/self/maps
            BpfMap byTid = obj.map("malloc_by_tid");
            AtomicInteger workerTid = new AtomicInteger();
            try (BpfLink link = obj.program("count_malloc").attach(Uprobe.of(libc, "malloc").thisProcess())) {
                Thread worker = new Thread(() -> {
                    workerTid.set(io.github.bpf4j.Kernel.hostTid()); // malloc_by_tid's keys: BPF's view
                    mallocs(1000);
                }, "bpf4j-malloc-worker");
                worker.start();
                worker.join();
            }
            long calls = 0;
            int threads = 0;
            for (byte[] key = byTid.nextKey(null); key != null; key = byTid.nextKey(key)) {
                threads++;
                if (ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).getInt() == workerTid.get()) {
                    calls = ByteBuffer.wrap(byTid.lookup(key)).order(ByteOrder.nativeOrder()).getLong();
                }
            }
            assertTrue(calls >= 1000, "the worker's 1000 direct buffers: " + calls + " mallocs");
            assertTrue(threads >= 2, "the worker and this thread at least: " + threads);
        }
    }

    @Test
    void uprobeMultiOnLibcSymbolsWithCookies() throws Exception {
        String libc = Uprobe.mappedLibrary("libc");
        try (TracingHooks h = TracingHooks.openForThisThread("on_libc_multi").load()) {
            BpfProgram p = h.program("on_libc_multi");
            UprobeMulti point = UprobeMulti.symbols(libc, "malloc", "getpid").cookies(1, 2).thisProcess();
            assertTrue(AttachProof.runsAndDetaches(() -> p.attach(point), () -> mallocs(50),
                    h.counter(Slot.UPROBE_MULTI)) >= 50, "malloc's cookie: 1");
            UprobeMulti pattern = UprobeMulti.pattern(libc, "mallo?").thisProcess();
            assertTrue(AttachProof.runsAndDetaches(() -> p.attach(pattern), () -> mallocs(50),
                    h.counter(Slot.UPROBE_MULTI)) >= 50, "the glob matches malloc");
            UprobeMulti returns = UprobeMulti.symbols(libc, "malloc").retprobe(true).thisProcess();
            assertTrue(AttachProof.runsAndDetaches(() -> p.attach(returns), () -> mallocs(50),
                    h.counter(Slot.UPROBE_MULTI)) >= 50, "uretprobe.multi: each malloc returns");
            try (BpfLink link = p.attach(point)) {
                assertEquals("uprobe.multi/" + libc + ":[malloc, getpid]", link.target());
            }
            IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                    () -> p.attach(UprobeMulti.symbols(libc, "malloc").retprobe(true).session(true)));
            assertTrue(both.getMessage().contains("retprobe(true) and session(true) exclude each other"),
                    both.getMessage());
        }
    }

    /** The JDK 8 stand-in for the gc__begin USDT probe: libjvm.so's exported JVM_GC (System.gc()). */
    @Test
    void uprobeOnLibjvmsExportedJvmGc() throws Exception {
        String jvm = Uprobe.mappedLibrary("libjvm.so");
        try (TracingHooks h = TracingHooks.openForThisThread("on_jvm_gc").load()) {
            BpfProgram p = h.program("on_jvm_gc");
            requirePerfUprobes(p);
            assertEquals(1, AttachProof.runsAndDetaches(() -> p.attach(Uprobe.of(jvm, "JVM_GC").thisProcess()),
                    System::gc, h.counter(Slot.JVM_GC)));
        }
    }

    @Test
    void missingBinariesAndSymbolsAreNamed() throws Exception {
        String libc = Uprobe.mappedLibrary("libc.so.6");
        try (TracingHooks h = TracingHooks.open(0, 0, "on_malloc").load()) {
            BpfProgram p = h.program("on_malloc");
            BpfException symbol = assertThrows(BpfException.class,
                    () -> p.attach(Uprobe.of(libc, "bpf4j_no_such_function")));
            assertEquals("ENOENT", symbol.errnoName());
            assertTrue(symbol.getMessage().contains("bpf_program__attach_uprobe_opts(program 'on_malloc', uprobe/"
                    + libc + ":bpf4j_no_such_function)"), symbol.getMessage());
            assertTrue(symbol.getMessage().contains(libc + ":bpf4j_no_such_function was not found"),
                    symbol.getMessage());
            assertTrue(symbol.hint().contains("/proc/self/maps"), symbol.hint());
            BpfException binary = assertThrows(BpfException.class,
                    () -> p.attach(Uprobe.of("/nonexistent/bpf4j/libnothing.so", "f")));
            assertEquals("ENOENT", binary.errnoName());
            IllegalArgumentException unmapped = assertThrows(IllegalArgumentException.class,
                    () -> Uprobe.mappedLibrary("libbpf4j_never_mapped"));
            assertTrue(unmapped.getMessage().contains("/proc/self/maps"), unmapped.getMessage());
        }
    }
}
