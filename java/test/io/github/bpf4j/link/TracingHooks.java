/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfPermissionException;
import io.github.bpf4j.BpfProgram;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * test-bpf/trace_hooks.bpf.o for the tracing attach tests: opened with only the programs a test
 * attaches left to load (setAutoload(false) on the others), filtered to one thread or process,
 * and its per-hook counters (hits[slot]) and cookies read back.
 */
final class TracingHooks implements AutoCloseable {
    static final String OBJ = "bpf/trace_hooks.bpf.o";

    /** trace_hooks.bpf.c's enum slot, in its order. */
    enum Slot {
        UPROBE, URETPROBE, UPROBE_MULTI, TRACEPOINT, RAW_TP, TP_BTF, FENTRY, FEXIT, FMOD_RET, LSM, PERF_EVENT,
        FENTRY_PROG, USDT_THREAD, USDT_GC, JVM_GC, KPROBE, KPROBE_MULTI, KSYSCALL, UPROBE_MULTI_2
    }

    final BpfObject obj;

    private TracingHooks(BpfObject obj) {
        this.obj = obj;
    }

    /** Opened (not loaded) with only {@code programs} to load, filtered to the calling thread. */
    static TracingHooks openForThisThread(String... programs) throws IOException {
        // The ids bpf_get_current_pid_tgid() gives: not getpid()/gettid() inside a container.
        return open(io.github.bpf4j.Kernel.hostPid(), io.github.bpf4j.Kernel.hostTid(), programs);
    }

    /** Opened with only {@code programs} to load; tgid/tid 0: any. */
    static TracingHooks open(int tgid, int tid, String... programs) {
        BpfObject obj = BpfObject.openResource(OBJ);
        try {
            List<String> wanted = Arrays.asList(programs);
            for (BpfProgram p : obj.programs()) {
                if (!wanted.contains(p.name())) {
                    p.setAutoload(false);
                }
            }
            obj.setGlobal("target_tgid", u32(tgid));
            obj.setGlobal("target_tid", u32(tid));
            return new TracingHooks(obj);
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    TracingHooks load() {
        obj.load();
        return this;
    }

    /**
     * Loads, or skips the test when the kernel refuses the load with EPERM although this process has
     * CAP_BPF and CAP_PERFMON: then a security module's bpf_prog_load hook (a BPF LSM program of the
     * machine) refuses the program type, which no privilege of the test changes. This machine refuses
     * trampoline programs (fentry/fexit/fmod_ret/lsm) that way.
     */
    TracingHooks loadOrSkipIfRefused() {
        try {
            obj.load();
        } catch (BpfPermissionException e) {
            Assumptions.assumeFalse(hasBpfCapabilities(), "this machine refuses to load the program although this"
                    + " process has CAP_BPF and CAP_PERFMON (a security module's bpf_prog_load hook): " + e.getMessage());
            throw e;
        }
        return this;
    }

    /** CAP_BPF (39) and CAP_PERFMON (38), or CAP_SYS_ADMIN (21), in CapEff. */
    static boolean hasBpfCapabilities() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    return (caps & (1L << 21)) != 0 || ((caps & (1L << 39)) != 0 && (caps & (1L << 38)) != 0);
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    BpfProgram program(String name) {
        return obj.program(name);
    }

    long hits(Slot slot) {
        return u64(obj.map("hits"), slot.ordinal());
    }

    long cookie(Slot slot) {
        return u64(obj.map("cookies"), slot.ordinal());
    }

    AttachProof.Count counter(final Slot slot) {
        return () -> hits(slot);
    }

    static long u64(BpfMap map, int key) {
        byte[] v = map.lookup(u32(key));
        return v == null ? 0 : ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong();
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, v).array();
    }

    static int pid() throws IOException {
        return Integer.parseInt(Files.readSymbolicLink(Paths.get("/proc/self")).toString());
    }

    /** {@code n} write(2) calls of this thread to /dev/null, each of {@code size} bytes. */
    static void writes(int n, int size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(size);
        try (FileOutputStream out = new FileOutputStream("/dev/null"); FileChannel ch = out.getChannel()) {
            for (int i = 0; i < n; i++) {
                buf.clear();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        }
    }

    /** True if the kernel has kprobes (CONFIG_KPROBES), as TracePipe.kprobesAvailable() decides. */
    static boolean kprobes() {
        return new File("/sys/bus/event_source/devices/kprobe").exists()
                || new File("/sys/kernel/tracing/kprobe_events").exists()
                || new File("/sys/kernel/debug/tracing/kprobe_events").exists();
    }

    @Override
    public void close() {
        obj.close();
    }
}
