/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfInvalidArgumentException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfNotSupportedException;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfPermissionException;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.Pins;
import io.github.bpf4j.TestRun;
import io.github.bpf4j.internal.AttachErrors;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.link.TracingHooks.Slot;
import java.io.BufferedReader;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The kernel-side tracing hooks of {@link io.github.bpf4j.BpfProgram#attach(AttachPoint)} on the real
 * kernel: tracepoint, raw tracepoint, tp_btf, fentry/fexit, fmod_ret, LSM, perf events, fentry on a
 * BPF program (setAttachTarget), and kprobes where the kernel has them (else their errors).
 * Each runs {@link AttachProof#runsAndDetaches}: attached it runs, closed or forgotten it does not.
 */
class TracingAttachTest {

    private static void assumeTracepoint(String category, String name) {
        Assumptions.assumeTrue(new File("/sys/kernel/tracing/events/" + category + "/" + name).isDirectory()
                || !new File("/sys/kernel/tracing/events").isDirectory(), "this kernel has no tracepoint " + category
                + "/" + name);
    }

    @Test
    void tracepointWithCookieRunsForThisThreadsWrites() throws Exception {
        assumeTracepoint("syscalls", "sys_enter_write");
        try (TracingHooks h = TracingHooks.openForThisThread("on_tp_write").load()) {
            BpfProgram p = h.program("on_tp_write");
            Tracepoint point = Tracepoint.of("syscalls", "sys_enter_write").cookie(0xC0FFEE);
            long moved = AttachProof.runsAndDetaches(() -> p.attach(point), () -> TracingHooks.writes(10, 8),
                    h.counter(Slot.TRACEPOINT));
            assertEquals(10, moved, "one run per write(2) of this thread");
            assertEquals(0xC0FFEE, h.cookie(Slot.TRACEPOINT), "bpf_get_attach_cookie() saw the point's cookie");
            try (BpfLink link = p.attach(point)) {
                assertEquals("tp/syscalls/sys_enter_write", link.target());
                assertTrue(link.fd() >= 0);
            }
        }
    }

    @Test
    void rawTracepointFilteredByThread() throws Exception {
        try (TracingHooks h = TracingHooks.openForThisThread("on_raw_sys_enter").load()) {
            BpfProgram p = h.program("on_raw_sys_enter");
            long moved = AttachProof.runsAndDetaches(() -> p.attach(RawTracepoint.of("sys_enter").cookie(5)),
                    () -> TracingHooks.writes(20, 8), h.counter(Slot.RAW_TP));
            assertTrue(moved >= 20, "every syscall of this thread, the 20 writes at least: " + moved);
            assertEquals(5, h.cookie(Slot.RAW_TP));
        }
    }

    @Test
    void tpBtfAtItsSectionsTracepointWithCookie() throws Exception {
        try (TracingHooks h = TracingHooks.openForThisThread("on_btf_sys_enter").load()) {
            BpfProgram p = h.program("on_btf_sys_enter");
            long moved = AttachProof.runsAndDetaches(() -> p.attach(BtfTracing.loadTarget().cookie(77)),
                    () -> TracingHooks.writes(20, 8), h.counter(Slot.TP_BTF));
            assertTrue(moved >= 20, "moved " + moved);
            assertEquals(77, h.cookie(Slot.TP_BTF));
            try (BpfLink link = p.attach(BtfTracing.loadTarget())) {
                assertEquals("tp_btf/sys_enter", link.target());
            }
        }
    }

    @Test
    void fentryAndFexitOnAKernelFunctionFilteredByThread() throws Exception {
        try (TracingHooks h = TracingHooks.openForThisThread("on_vfs_write", "on_vfs_write_exit").loadOrSkipIfRefused()) {
            BpfProgram entry = h.program("on_vfs_write");
            BpfProgram exit = h.program("on_vfs_write_exit");
            assertEquals(7, AttachProof.runsAndDetaches(() -> entry.attach(BtfTracing.loadTarget().cookie(9)),
                    () -> TracingHooks.writes(7, 16), h.counter(Slot.FENTRY)));
            assertEquals(9, h.cookie(Slot.FENTRY));
            assertEquals(7, AttachProof.runsAndDetaches(() -> exit.attach(BtfTracing.loadTarget()),
                    () -> TracingHooks.writes(7, 16), h.counter(Slot.FEXIT)));
            assertEquals(16, h.obj.global("last_write_ret").order(ByteOrder.nativeOrder()).getLong(0),
                    "fexit saw vfs_write's return value: the 16 bytes written");
        }
    }

    /** bpf_modify_return_test is called by the kernel's test run of any fentry/fexit/fmod_ret program. */
    @Test
    void fmodRetOnTheKernelsModifyReturnTestFunction() throws Exception {
        try (TracingHooks h = TracingHooks.openForThisThread("on_modify_return_test").loadOrSkipIfRefused()) {
            BpfProgram p = h.program("on_modify_return_test");
            assertEquals(1, AttachProof.runsAndDetaches(() -> p.attach(BtfTracing.loadTarget()), p::testRun,
                    h.counter(Slot.FMOD_RET)));
        }
    }

    @Test
    void lsmFileOpenSeesThisThreadOpeningAFile() throws Exception {
        String lsms = activeLsms();
        Assumptions.assumeTrue(lsms != null, "the active LSM list is not readable (no securityfs)");
        Assumptions.assumeTrue(("," + lsms + ",").contains(",bpf,"), "the BPF LSM is not active: lsm=" + lsms);
        try (TracingHooks h = TracingHooks.openForThisThread("on_file_open").loadOrSkipIfRefused()) {
            BpfProgram p = h.program("on_file_open");
            long moved = AttachProof.runsAndDetaches(() -> p.attach(BtfTracing.loadTarget().cookie(3)), () -> {
                for (int i = 0; i < 3; i++) {
                    new FileInputStream("/dev/null").close();
                }
            }, h.counter(Slot.LSM));
            assertEquals(3, moved);
            assertEquals(3, h.cookie(Slot.LSM));
        }
    }

    /** /sys/kernel/security/lsm, or securityfs mounted in a private directory for the look. */
    static String activeLsms() throws Exception {
        Path lsm = Paths.get("/sys/kernel/security/lsm");
        if (Files.isReadable(lsm)) {
            return new String(Files.readAllBytes(lsm), StandardCharsets.US_ASCII).trim();
        }
        Path dir = Files.createTempDirectory("bpf4j-securityfs");
        try {
            Process mount = new ProcessBuilder("mount", "-t", "securityfs", "none", dir.toString())
                    .redirectErrorStream(true).start();
            if (mount.waitFor() != 0) {
                return null;
            }
            try {
                return new String(Files.readAllBytes(dir.resolve("lsm")), StandardCharsets.US_ASCII).trim();
            } finally {
                new ProcessBuilder("umount", dir.toString()).start().waitFor();
            }
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void perfEventSamplesCpuClockOnEveryCpu() throws Exception {
        try (TracingHooks h = TracingHooks.open(0, 0, "on_sample").load()) {
            BpfProgram p = h.program("on_sample");
            PerfEvent point = PerfEvent.software(PerfSoftwareEvent.CPU_CLOCK).frequency(200).cookie(11);
            AttachProof.runsAndDetaches(() -> p.attach(point), () -> Thread.sleep(200), h.counter(Slot.PERF_EVENT));
            assertEquals(11, h.cookie(Slot.PERF_EVENT));
            try (BpfLink one = p.attach(point.cpus(0))) {
                assertEquals("perf_event/software/cpu_clock@200Hz", one.target());
                assertTrue(one.fd() >= 0, "one CPU: the libbpf link's fd");
                long before = h.hits(Slot.PERF_EVENT);
                Thread.sleep(100);
                assertTrue(h.hits(Slot.PERF_EVENT) > before);
            }
        }
    }

    @Test
    void perfEventHardwareRunsOrSaysThereIsNoPmu() throws Exception {
        try (TracingHooks h = TracingHooks.open(0, 0, "on_sample").load()) {
            BpfProgram p = h.program("on_sample");
            PerfEvent point = PerfEvent.hardware(PerfHardwareEvent.CPU_CYCLES).frequency(100);
            BpfLink link;
            try {
                link = p.attach(point);
            } catch (BpfException e) {
                assertTrue(e.getMessage().contains("perf_event_open(perf_event/hardware/cpu_cycles@100Hz on CPU 0)"),
                        e.getMessage());
                assertTrue(e.hint().contains("software event"), e.hint());
                Assumptions.abort("this machine has no hardware PMU for cpu-cycles: " + e.getMessage());
                return;
            }
            link.close();
            AttachProof.runsAndDetaches(() -> p.attach(point), () -> {
                long end = System.nanoTime() + 200_000_000L;
                long spin = 0;
                while (System.nanoTime() < end) {
                    spin++;
                }
                assertTrue(spin > 0);
            }, h.counter(Slot.PERF_EVENT));
        }
    }

    @Test
    void fentryOnAnXdpProgramsFunctionSetBeforeLoad() throws Exception {
        Kernel.requireSysAdmin("setAttachTarget (libbpf opens the target program's BTF by id)");
        try (BpfObject target = BpfObject.openResource("bpf/trace_target.bpf.o").load();
                TracingHooks h = TracingHooks.open(0, 0, "on_xdp_entry")) {
            BpfProgram xdp = target.program("xdp_target");
            BpfProgram fentry = h.program("on_xdp_entry");
            fentry.setAttachTarget(xdp, "xdp_target");
            h.loadOrSkipIfRefused();
            TestRun run = new TestRun().dataIn(new byte[64]);
            AttachProof.runsAndDetaches(() -> fentry.attach(BtfTracing.loadTarget()), () -> xdp.testRun(run),
                    h.counter(Slot.FENTRY_PROG));
            try (BpfLink auto = fentry.attach()) { // libbpf's automatic attach knows the target too
                assertEquals(1, AttachProof.delta(() -> xdp.testRun(run), h.counter(Slot.FENTRY_PROG)));
            }
        }
    }

    @Test
    void autoloadLeavesProgramsOut() throws Exception {
        try (TracingHooks h = TracingHooks.open(0, 0, "on_sample")) {
            assertTrue(h.program("on_sample").autoload());
            assertFalse(h.program("on_file_open").autoload());
            h.load();
            assertTrue(h.program("on_sample").fd() >= 0);
            assertThrows(IllegalStateException.class, () -> h.program("on_file_open").fd(), "never loaded");
            IllegalStateException late = assertThrows(IllegalStateException.class,
                    () -> h.program("on_xdp_entry").setAttachTarget(0, "vfs_write"));
            assertTrue(late.getMessage().contains("setAttachTarget: program 'on_xdp_entry'")
                    && late.getMessage().contains("is loaded; libbpf takes this before load()"), late.getMessage());
            assertThrows(IllegalStateException.class, () -> h.program("on_sample").setAutoload(false));
        }
    }

    @Test
    void aPointOfAnotherFamilyIsRefusedByType() throws Exception {
        try (BpfObject target = BpfObject.openResource("bpf/trace_target.bpf.o").load();
                TracingHooks h = TracingHooks.open(0, 0, "on_sample").load()) {
            BpfProgram xdp = target.program("xdp_target");
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> xdp.attach(Kprobe.of("vfs_write")));
            assertTrue(e.getMessage().contains("is XDP") && e.getMessage().contains("KPROBE"), e.getMessage());
            assertThrows(UnsupportedOperationException.class, () -> xdp.attach(Tracepoint.of("sched", "x")));
            assertThrows(UnsupportedOperationException.class, () -> xdp.attach(BtfTracing.loadTarget()));
            assertThrows(UnsupportedOperationException.class,
                    () -> h.program("on_sample").attach(RawTracepoint.of("sys_enter")));
        }
    }

    /** libbpf attaches through the object's struct bpf_program, which a program from a pin lacks. */
    @Test
    void aProgramFromAPinIsRefusedBeforeAnyNativeCall() throws Exception {
        try (Kernel.PrivateBpfFs fs = Kernel.privateBpfFs();
                TracingHooks h = TracingHooks.open(0, 0, "on_tp_write", "on_malloc").load()) {
            h.program("on_tp_write").pin(fs.resolve("tp"));
            h.program("on_malloc").pin(fs.resolve("up"));
            try (BpfProgram tp = Pins.openProgram(fs.resolve("tp")); BpfProgram up = Pins.openProgram(fs.resolve("up"))) {
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                        () -> tp.attach(Tracepoint.of("syscalls", "sys_enter_write")));
                assertTrue(e.getMessage().contains("opened on its own"), e.getMessage());
                assertThrows(UnsupportedOperationException.class, () -> up.attach(Uprobe.of("libc.so.6", "malloc")));
                assertThrows(UnsupportedOperationException.class, () -> up.attach(Kprobe.of("vfs_write")));
            }
        }
    }

    @Test
    void missingTargetsAreNamed() throws Exception {
        try (TracingHooks h = TracingHooks.open(0, 0, "on_tp_write", "on_raw_sys_enter").load()) {
            BpfException tp = assertThrows(BpfException.class, () -> h.program("on_tp_write")
                    .attach(Tracepoint.of("syscalls", "sys_enter_bpf4j_nonexistent")));
            assertEquals("ENOENT", tp.errnoName());
            assertTrue(tp.getMessage().contains("no tracepoint syscalls/sys_enter_bpf4j_nonexistent"),
                    tp.getMessage());
            assertTrue(tp.getMessage().contains("bpf_program__attach_tracepoint_opts(program 'on_tp_write',"),
                    tp.getMessage());
            BpfException raw = assertThrows(BpfException.class, () -> h.program("on_raw_sys_enter")
                    .attach(RawTracepoint.of("bpf4j_nonexistent")));
            assertEquals("ENOENT", raw.errnoName());
            assertTrue(raw.getMessage().contains("no raw tracepoint bpf4j_nonexistent"), raw.getMessage());
        }
    }

    /**
     * Kprobes, syscall probes and kprobe.multi: attached and proven where the kernel has them;
     * here (no CONFIG_KPROBES, no CONFIG_FPROBE) refused naming the option.
     */
    @Test
    void kprobeKretprobeAndSyscallProbe() throws Exception {
        try (TracingHooks h = TracingHooks.openForThisThread("on_kprobe_vfs_write", "on_ksyscall_write").load()) {
            BpfProgram kprobe = h.program("on_kprobe_vfs_write");
            BpfProgram ksyscall = h.program("on_ksyscall_write");
            if (!TracingHooks.kprobes()) {
                for (AttachPoint point : new AttachPoint[] {Kprobe.of("vfs_write"), Kprobe.returnOf("vfs_write")}) {
                    BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class,
                            () -> kprobe.attach(point));
                    assertTrue(e.getMessage().contains("CONFIG_KPROBES"), e.getMessage());
                    assertTrue(e.getMessage().contains("bpf_program__attach_kprobe_opts(program 'on_kprobe_vfs_write', "
                            + point.target() + ")"), e.getMessage());
                    assertTrue(e.hint().contains("fentry"), e.hint());
                }
                BpfNotSupportedException s = assertThrows(BpfNotSupportedException.class,
                        () -> ksyscall.attach(Ksyscall.of("write")));
                assertTrue(s.getMessage().contains("CONFIG_KPROBES"), s.getMessage());
                return;
            }
            assertEquals(5, AttachProof.runsAndDetaches(() -> kprobe.attach(Kprobe.of("vfs_write").cookie(4)),
                    () -> TracingHooks.writes(5, 8), h.counter(Slot.KPROBE)));
            assertEquals(4, h.cookie(Slot.KPROBE));
            assertEquals(5, AttachProof.runsAndDetaches(() -> kprobe.attach(Kprobe.returnOf("vfs_write")),
                    () -> TracingHooks.writes(5, 8), h.counter(Slot.KPROBE)));
            assertEquals(5, AttachProof.runsAndDetaches(() -> ksyscall.attach(Ksyscall.of("write")),
                    () -> TracingHooks.writes(5, 8), h.counter(Slot.KSYSCALL)));
        }
    }

    @Test
    void kprobeMulti() throws Exception {
        try (TracingHooks h = TracingHooks.openForThisThread("on_kprobe_multi").load()) {
            BpfProgram p = h.program("on_kprobe_multi");
            KprobeMulti point = KprobeMulti.symbols("vfs_write", "vfs_read").cookies(1, 2);
            if (!fprobes()) {
                BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class, () -> p.attach(point));
                assertTrue(e.getMessage().contains("CONFIG_FPROBE"), e.getMessage());
                assertTrue(e.getMessage().contains("bpf_program__attach_kprobe_multi_opts(program 'on_kprobe_multi', "
                        + "kprobe.multi/[vfs_write, vfs_read])"), e.getMessage());
                return;
            }
            assertEquals(5, AttachProof.runsAndDetaches(() -> p.attach(point), () -> TracingHooks.writes(5, 8),
                    h.counter(Slot.KPROBE_MULTI)));
            assertEquals(1, h.cookie(Slot.KPROBE_MULTI));
        }
    }

    static boolean fprobes() throws Exception {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new FileInputStream("/proc/kallsyms"),
                StandardCharsets.US_ASCII))) {
            for (String line; (line = r.readLine()) != null;) {
                if (line.endsWith(" register_fprobe")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The messages of errnos this machine does not produce on demand, from the one mapping. */
    @Test
    void everyTracingFailureGetsAHintForItsHook() {
        String call = "bpf_program__attach_uprobe_opts(program 'p', uprobe//bin/true:main, pid 9)";
        BpfException perm = AttachErrors.ofTracingAttach(Errors.Op.UPROBE_ATTACH, call, Errors.EPERM, "/bin/true:main", null);
        assertTrue(perm instanceof BpfPermissionException, perm.toString());
        assertTrue(perm.hint().contains("CAP_PERFMON") && perm.hint().contains("CAP_BPF")
                && perm.hint().contains("perf_event_paranoid"), perm.hint());
        BpfException srch = AttachErrors.ofTracingAttach(Errors.Op.UPROBE_ATTACH, call, 3, "uprobe//bin/true:main, pid 9",
                null);
        assertEquals("ESRCH", srch.errnoName());
        assertTrue(srch.getMessage().contains("no process") && srch.hint().contains("-1"), srch.toString());
        BpfException pmu = AttachErrors.ofTracingAttach(Errors.Op.PERF_EVENT_ATTACH, "perf_event_open(x)", Errors.ENODEV,
                "perf_event/hardware/cpu_cycles@99Hz on CPU 0", null);
        assertTrue(pmu instanceof BpfNotSupportedException && pmu.hint().contains("software event"), pmu.toString());
        BpfException freq = AttachErrors.ofTracingAttach(Errors.Op.PERF_EVENT_ATTACH, "perf_event_open(x)", Errors.EINVAL,
                "x", null);
        assertTrue(freq instanceof BpfInvalidArgumentException && freq.hint().contains("perf_event_max_sample_rate"),
                freq.hint());
        BpfException multi = AttachErrors.ofTracingAttach(Errors.Op.KPROBE_MULTI_ATTACH, "c", Errors.EOPNOTSUPP, "f",
                "CONFIG_FPROBE");
        assertTrue(multi instanceof BpfNotSupportedException && multi.getMessage().contains("CONFIG_FPROBE")
                && multi.hint().contains("fentry"), multi.toString());
        BpfException usdt = AttachErrors.ofTracingAttach(Errors.Op.USDT_ATTACH, "c", Errors.ENOENT, "libjvm.so (probe a:b)",
                null);
        assertTrue(usdt.hint().contains("readelf -n") && usdt.getMessage().contains("libjvm.so (probe a:b)"),
                usdt.toString());
        BpfException busy = AttachErrors.ofTracingAttach(Errors.Op.BTF_TRACE_ATTACH, "c", Errors.EBUSY, "fentry/f", null);
        assertTrue(busy.hint().contains("close the BpfLink"), busy.toString());
    }

    @Test
    void pointsAreValues() {
        assertEquals(Kprobe.of("f").cookie(1), Kprobe.of("f").cookie(1));
        assertNotEquals(Kprobe.of("f"), Kprobe.returnOf("f"));
        assertEquals(KprobeMulti.symbols("a", "b").cookies(1, 2).hashCode(),
                KprobeMulti.symbols("a", "b").cookies(1, 2).hashCode());
        assertEquals("kprobe/f+0x8", Kprobe.of("f").offset(8).target());
        assertEquals("PerfEvent[perf_event/software/cpu_clock@99Hz, every online CPU]",
                PerfEvent.software(PerfSoftwareEvent.CPU_CLOCK).toString());
        assertThrows(IllegalArgumentException.class, () -> KprobeMulti.symbols("a").cookies(1, 2));
        assertThrows(IllegalStateException.class, () -> KprobeMulti.pattern("vfs_*").cookies(1));
        assertThrows(IllegalArgumentException.class, () -> Tracepoint.of("", "x"));
        assertThrows(IllegalArgumentException.class, () -> Uprobe.of("/bin/true", "a\0b"));
        assertThrows(IllegalArgumentException.class, () -> Uprobe.of("/bin/true", "main").pid(0));
    }
}
