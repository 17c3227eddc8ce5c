/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.AttachErrors;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.link.AttachPoint;
import io.github.bpf4j.link.BtfTracing;
import io.github.bpf4j.link.Kprobe;
import io.github.bpf4j.link.KprobeMulti;
import io.github.bpf4j.link.Ksyscall;
import io.github.bpf4j.link.PerfEvent;
import io.github.bpf4j.link.RawTracepoint;
import io.github.bpf4j.link.Tracepoint;
import io.github.bpf4j.link.Uprobe;
import io.github.bpf4j.link.UprobeMulti;
import io.github.bpf4j.link.Usdt;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The tracing family of {@link BpfProgram#attach(AttachPoint)}: kprobes, syscall probes, kprobe.multi,
 * uprobes, uprobe.multi, USDT, tracepoints, raw tracepoints, BTF tracing (fentry/fexit/fmod_ret/lsm/
 * tp_btf/freplace at its load target) and sampling perf events, each through its libbpf call (jni/attach_trace.c).
 * Every link owns libbpf's struct bpf_link (the perf event fd, a legacy probe's tracefs entry, USDT's
 * spec slots go with it).
 */
final class TracingAttach {
    private TracingAttach() {}

    /** The link, or null if {@code point} is not of this family. */
    static BpfLink attach(BpfProgram program, AttachPoint point) {
        if (!isTracingPoint(point)) {
            return null;
        }
        // Checked before any native call: libbpf's attach functions take the struct bpf_program, which a
        // program from a pin lacks (its pointer is 0, and libbpf would dereference it).
        if (program.pointer() == 0) {
            throw new UnsupportedOperationException("attach(" + point + "): program '" + program.name()
                    + "' was opened on its own, and libbpf attaches tracing programs through the object they were"
                    + " loaded with; attach it from its BpfObject, or pin the link instead of the program");
        }
        if (point instanceof Kprobe) {
            return kprobe(program, (Kprobe) point);
        }
        if (point instanceof Ksyscall) {
            return ksyscall(program, (Ksyscall) point);
        }
        if (point instanceof KprobeMulti) {
            return kprobeMulti(program, (KprobeMulti) point);
        }
        if (point instanceof Uprobe) {
            return uprobe(program, (Uprobe) point);
        }
        if (point instanceof UprobeMulti) {
            return uprobeMulti(program, (UprobeMulti) point);
        }
        if (point instanceof Usdt) {
            return usdt(program, (Usdt) point);
        }
        if (point instanceof Tracepoint) {
            return tracepoint(program, (Tracepoint) point);
        }
        if (point instanceof RawTracepoint) {
            return rawTracepoint(program, (RawTracepoint) point);
        }
        if (point instanceof BtfTracing) {
            return btfTracing(program, (BtfTracing) point);
        }
        if (point instanceof PerfEvent) {
            return perfEvent(program, (PerfEvent) point);
        }
        return null;
    }

    private static boolean isTracingPoint(AttachPoint point) {
        return point instanceof Kprobe || point instanceof Ksyscall || point instanceof KprobeMulti
                || point instanceof Uprobe || point instanceof UprobeMulti || point instanceof Usdt
                || point instanceof Tracepoint || point instanceof RawTracepoint || point instanceof BtfTracing
                || point instanceof PerfEvent;
    }

    private static String call(String function, BpfProgram program, String target) {
        return function + "(program '" + program.name() + "', " + target + ")";
    }

    private static Attachments.Failure failure(final Errors.Op op, final String call, final String target,
            final boolean kprobes) {
        return new Attachments.Failure() {
            @Override
            public BpfException of(int errno) {
                String lacks = null;
                if (kprobes && !TracePipe.kprobesAvailable()) {
                    lacks = "CONFIG_KPROBES";
                } else if (op == Errors.Op.KPROBE_MULTI_ATTACH && !fprobesAvailable()) {
                    lacks = "CONFIG_FPROBE";
                }
                return AttachErrors.ofTracingAttach(op, call, errno, target, lacks);
            }
        };
    }

    private static BpfLink kprobe(final BpfProgram program, final Kprobe p) {
        Attachments.requireType(program, p, ProgramType.KPROBE);
        final byte[] function = bytes(p.function());
        return Attachments.libbpfLink(program, p.target(),
                () -> Native.kprobeAttach(program.pointer(), function, p.offset(), p.isRetprobe(), p.cookie(),
                        p.mode().ordinal()),
                failure(Errors.Op.KPROBE_ATTACH, call("bpf_program__attach_kprobe_opts", program, p.target()),
                        p.function(), true));
    }

    private static BpfLink ksyscall(final BpfProgram program, final Ksyscall p) {
        Attachments.requireType(program, p, ProgramType.KPROBE);
        final byte[] name = bytes(p.syscall());
        return Attachments.libbpfLink(program, p.target(),
                () -> Native.ksyscallAttach(program.pointer(), name, p.isRetprobe(), p.cookie()),
                failure(Errors.Op.KPROBE_ATTACH, call("bpf_program__attach_ksyscall", program, p.target()),
                        "the kernel function of system call " + p.syscall(), true));
    }

    private static BpfLink kprobeMulti(final BpfProgram program, final KprobeMulti p) {
        Attachments.requireType(program, p, ProgramType.KPROBE);
        requireNotRetprobeSession(p, p.isRetprobe(), p.isSession());
        final byte[] pattern = p.pattern() == null ? null : bytes(p.pattern());
        final byte[][] symbols = bytes(p.symbols());
        final long[] cookies = p.cookies();
        String what = p.pattern() != null ? "pattern " + p.pattern() : "symbols " + java.util.Arrays.toString(
                p.symbols());
        return Attachments.libbpfLink(program, p.target(),
                () -> Native.kprobeMultiAttach(program.pointer(), pattern, symbols, cookies, p.isRetprobe(),
                        p.isSession(), p.isUniqueMatch()),
                failure(Errors.Op.KPROBE_MULTI_ATTACH, call("bpf_program__attach_kprobe_multi_opts", program,
                        p.target()), what, false));
    }

    private static BpfLink uprobe(final BpfProgram program, final Uprobe p) {
        Attachments.requireType(program, p, ProgramType.KPROBE);
        final byte[] binary = bytes(p.binary());
        final byte[] function = p.function() == null ? null : bytes(p.function());
        return Attachments.libbpfLink(program, p.target(),
                () -> Native.uprobeAttach(program.pointer(), p.pid(), binary, function, p.offset(), p.isRetprobe(),
                        p.cookie(), p.refCtrOffset(), p.mode().ordinal()),
                failure(Errors.Op.UPROBE_ATTACH, call("bpf_program__attach_uprobe_opts", program, p.target()
                        + pid(p.pid())), p.binary() + ":" + (p.function() != null ? p.function()
                                : "0x" + Long.toHexString(p.offset())), false));
    }

    private static BpfLink uprobeMulti(final BpfProgram program, final UprobeMulti p) {
        Attachments.requireType(program, p, ProgramType.KPROBE);
        requireNotRetprobeSession(p, p.isRetprobe(), p.isSession());
        final byte[] binary = bytes(p.binary());
        final byte[] pattern = p.pattern() == null ? null : bytes(p.pattern());
        final byte[][] symbols = bytes(p.symbols());
        final long[] offsets = p.offsets();
        final long[] refCtr = p.refCtrOffsets();
        final long[] cookies = p.cookies();
        return Attachments.libbpfLink(program, p.target(),
                () -> {
                    long link = Native.uprobeMultiAttach(program.pointer(), p.pid(), binary, pattern, symbols,
                            offsets, refCtr, cookies, p.isRetprobe(), p.isSession());
                    if (link != -Errors.ENOENT || symbols == null || p.binary().indexOf('/') < 0) {
                        return link;
                    }
                    // libbpf 1.7's elf_resolve_syms_offsets answers ENOENT for every binary without .symtab
                    // (a stripped libc): it keeps the ENOENT of the missing section. Resolve the symbols here.
                    long[] resolved = ElfFunctions.offsets(p.binary(), p.symbols());
                    if (resolved == null) {
                        return link;
                    }
                    return Native.uprobeMultiAttach(program.pointer(), p.pid(), binary, null, null, resolved, refCtr,
                            cookies, p.isRetprobe(), p.isSession());
                },
                failure(Errors.Op.UPROBE_ATTACH, call("bpf_program__attach_uprobe_multi", program, p.target()
                        + pid(p.pid())), p.target().substring(p.target().indexOf('/') + 1), false));
    }

    private static BpfLink usdt(final BpfProgram program, final Usdt p) {
        Attachments.requireType(program, p, ProgramType.KPROBE);
        final byte[] binary = bytes(p.binary());
        final byte[] provider = bytes(p.provider());
        final byte[] name = bytes(p.name());
        long link = Native.usdtAttach(program.pointer(), p.pid(), binary, provider, name, p.cookie());
        if (link < 0) {
            throw failure(Errors.Op.USDT_ATTACH, call("bpf_program__attach_usdt", program, p.target() + pid(p.pid())),
                    p.binary() + " (probe " + p.provider() + ":" + p.name() + ")", false).of((int) -link);
        }
        return usdtLink(program, p.target(), link);
    }

    /**
     * Owns a USDT link libbpf made (also for {@code attach()} of a {@code usdt/} section). It refers to its
     * object's USDT manager (spec ids, the spec map), which bpf_object__close frees: destroying the link after
     * that would touch freed memory. So the link is destroyed only while the object's handle is held (its
     * close waits), and not at all once the object is closed. It is many uprobes with no fd of its own:
     * fd(), pin, info and update are refused. Called with the program's handle held.
     */
    static BpfLink usdtLink(BpfProgram program, String target, long link) {
        try {
            return new BpfLink(program, target, new UsdtDetach(program.handle(), link, target));
        } catch (RuntimeException | Error e) { // no owner yet; the object is open (its handle is held)
            Native.linkDestroy(link);
            throw e;
        }
    }

    /** Destroys a USDT link while its object is open; must not refer to the BpfLink. */
    private static final class UsdtDetach implements Runnable {
        private final io.github.bpf4j.internal.Handle object;
        private final long link;
        private final String target;

        UsdtDetach(io.github.bpf4j.internal.Handle object, long link, String target) {
            this.object = object;
            this.link = link;
            this.target = target;
        }

        @Override
        public void run() {
            try {
                object.acquire();
            } catch (IllegalStateException closed) {
                java.util.logging.Logger.getLogger("io.github.bpf4j").warning("bpf4j: the USDT link " + target
                        + " outlived its BpfObject (" + object + "), which libbpf's USDT state belongs to: its"
                        + " probes stay attached until this process exits; close USDT links before their object");
                return;
            }
            try {
                Native.linkDestroy(link);
            } finally {
                object.release();
            }
        }
    }

    private static BpfLink tracepoint(final BpfProgram program, final Tracepoint p) {
        Attachments.requireType(program, p, ProgramType.TRACEPOINT);
        TracePipe.ensureTracefs();
        final byte[] category = bytes(p.category());
        final byte[] name = bytes(p.name());
        return Attachments.libbpfLink(program, p.target(),
                () -> Native.tracepointAttach(program.pointer(), category, name, p.cookie()),
                failure(Errors.Op.TRACEPOINT_ATTACH, call("bpf_program__attach_tracepoint_opts", program,
                        p.target()), p.category() + "/" + p.name(), false));
    }

    private static BpfLink rawTracepoint(final BpfProgram program, final RawTracepoint p) {
        Attachments.requireType(program, p, ProgramType.RAW_TRACEPOINT, ProgramType.RAW_TRACEPOINT_WRITABLE);
        final byte[] name = bytes(p.name());
        return Attachments.libbpfLink(program, p.target(),
                () -> Native.rawTracepointAttach(program.pointer(), name, p.cookie()),
                failure(Errors.Op.RAW_TP_ATTACH, call("bpf_program__attach_raw_tracepoint_opts", program,
                        p.target()), p.name(), false));
    }

    private static BpfLink btfTracing(final BpfProgram program, final BtfTracing p) {
        Attachments.requireType(program, p, ProgramType.TRACING, ProgramType.LSM, ProgramType.EXT);
        String target = program.section();
        return Attachments.libbpfLink(program, target,
                () -> Native.traceAttach(program.pointer(), p.cookie()),
                failure(Errors.Op.BTF_TRACE_ATTACH, call("bpf_program__attach_trace_opts", program, target), target,
                        false));
    }

    /**
     * One perf event per CPU, each attached; the returned link owns every CPU's (one libbpf link
     * each). A failure half-way destroys what was made.
     */
    private static BpfLink perfEvent(final BpfProgram program, final PerfEvent p) {
        Attachments.requireType(program, p, ProgramType.PERF_EVENT);
        int[] cpus = p.cpus() != null ? p.cpus() : onlineCpus();
        final long[] links = new long[cpus.length];
        int made = 0;
        try {
            for (int cpu : cpus) {
                String where = p.target() + " on CPU " + cpu + pid(p.pid());
                int fd = Native.perfEventOpenSampling(p.type(), p.config(), p.isFrequency(), p.sample(), p.pid(), cpu);
                if (fd < 0) {
                    throw AttachErrors.ofTracingAttach(Errors.Op.PERF_EVENT_ATTACH, "perf_event_open(" + where + ")", -fd,
                            where, null);
                }
                long link = Native.perfEventAttach(program.pointer(), fd, p.cookie());
                if (link < 0) {
                    Native.close(fd);
                    throw AttachErrors.ofTracingAttach(Errors.Op.PERF_EVENT_ATTACH,
                            call("bpf_program__attach_perf_event_opts", program, where), (int) -link, where, null);
                }
                links[made++] = link;
            }
            if (links.length == 1) {
                return new BpfLink(program, p.target(), links[0]);
            }
            return new BpfLink(program, p.target() + " on " + cpus.length + " CPUs", new Runnable() {
                @Override
                public void run() {
                    for (long link : links) {
                        Native.linkDestroy(link);
                    }
                }
            });
        } catch (RuntimeException | Error e) { // nothing owns the links made so far
            for (int i = 0; i < made; i++) {
                Native.linkDestroy(links[i]);
            }
            throw e;
        }
    }

    /** libbpf refuses the pair with a bare EINVAL; a session program already sees entry and return. */
    private static void requireNotRetprobeSession(AttachPoint p, boolean retprobe, boolean session) {
        if (retprobe && session) {
            throw new IllegalArgumentException("attach(" + p + "): retprobe(true) and session(true) exclude each other:"
                    + " a session program runs at entry and at return; keep one of them");
        }
    }

    private static String pid(int pid) {
        return pid == -1 ? "" : ", pid " + pid;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[][] bytes(String[] s) {
        if (s == null) {
            return null;
        }
        byte[][] b = new byte[s.length][];
        for (int i = 0; i < s.length; i++) {
            b[i] = bytes(s[i]);
        }
        return b;
    }

    /** The online CPUs, from /sys/devices/system/cpu/online ("0-3,6"). */
    static int[] onlineCpus() {
        String line;
        try (BufferedReader r = Files.newBufferedReader(Paths.get("/sys/devices/system/cpu/online"),
                StandardCharsets.US_ASCII)) {
            line = r.readLine();
        } catch (IOException e) {
            throw new IllegalStateException("attach(PerfEvent): cannot read /sys/devices/system/cpu/online (" + e
                    + "); give the CPUs with PerfEvent.cpus(...)");
        }
        List<Integer> cpus = new ArrayList<Integer>();
        try {
            for (String part : (line == null ? "" : line).trim().split(",")) {
                int dash = part.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1));
                for (int c = from; c <= to; c++) {
                    cpus.add(c);
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalStateException("attach(PerfEvent): cannot parse /sys/devices/system/cpu/online ('"
                    + line + "'); give the CPUs with PerfEvent.cpus(...)");
        }
        int[] out = new int[cpus.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = cpus.get(i);
        }
        return out;
    }

    /** True if the kernel has fprobes (CONFIG_FPROBE), which kprobe.multi links are made of. */
    static boolean fprobesAvailable() {
        try (BufferedReader r = Files.newBufferedReader(Paths.get("/proc/kallsyms"), StandardCharsets.US_ASCII)) {
            for (String line; (line = r.readLine()) != null;) {
                if (line.endsWith(" register_fprobe") || line.endsWith(" register_fprobe_ips")) {
                    return true;
                }
            }
        } catch (IOException e) {
            return true; // unknown: say nothing about the kernel's config
        }
        return false;
    }
}
