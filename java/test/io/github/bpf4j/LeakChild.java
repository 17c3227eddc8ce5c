/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Cleaner;
import io.github.bpf4j.internal.LeakReport;
import io.github.bpf4j.internal.Mapping;
import io.github.bpf4j.internal.ResourcePressure;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The leak scenarios of {@link LeakTest}, each in a JVM of its own, so that no
 * other test's garbage (freed by the cleaner at any moment) moves the counts.
 * Prints {@code key=value} lines; the test parses and judges them.
 *
 * <p>Usage: {@code LeakChild <scenario> <cycles>}, scenarios:
 * {@code failed-loads}, {@code failed-arena-loads}, {@code map-cycles},
 * {@code object-cycles}, {@code abandon}, {@code abandon-maps}, {@code forgotten-handles}.
 */
public final class LeakChild {
    static final String SMALL = "io/github/bpf4j/bpf/mmap.bpf.o";
    static final String REJECTED = "bpf/verifier_reject.bpf.o";
    static final String SEGV_GLOBALS = "bpf/arena_segv_globals.bpf.o";

    private LeakChild() {}

    public static void main(String[] args) throws Exception {
        String scenario = args[0];
        int cycles = Integer.parseInt(args[1]);
        Sample.take(); // the JDK opens an fd of its own at the first file read (FileDispatcherImpl's preclose fd)
        long started;
        switch (scenario) {
            case "failed-loads":
            case "failed-arena-loads": {
                String object = scenario.equals("failed-loads") ? REJECTED : SEGV_GLOBALS;
                failLoad(object); // warm-up: classes, the JIT, libbpf's first probes
                settle();
                String targetsBefore = Sample.fdTargets();
                Sample before = Sample.take();
                started = System.nanoTime();
                for (int i = 0; i < cycles; i++) {
                    failLoad(object);
                }
                report("run", started, cycles);
                Sample after = Sample.take(); // no GC: a load failure must release everything by itself
                before.print("before");
                after.print("after");
                System.out.println("fd_targets_before=" + targetsBefore);
                System.out.println("fd_targets_after=" + Sample.fdTargets());
                System.out.println("leaked=" + LeakReport.leaked());
                break;
            }
            case "map-cycles": {
                MapSpec spec = MapSpec.of(MapType.ARRAY).name("leak_cycle").keySize(4).valueSize(8).maxEntries(4);
                for (int i = 0; i < 10_000; i++) { // warm-up: the JIT, malloc's arenas
                    BpfMap.create(spec).close();
                }
                settle();
                Sample before = Sample.take();
                Sample peak = before;
                Sample q1 = before;
                Sample mid = before;
                Sample q3 = before;
                started = System.nanoTime();
                for (int i = 0; i < cycles; i++) {
                    try (BpfMap map = BpfMap.create(spec)) {
                        map.update(new byte[4], new byte[8]);
                    }
                    if (i % 10_000 == 0) {
                        peak = peak.max(Sample.take());
                    }
                    if (i == cycles / 4) {
                        q1 = Sample.take();
                    } else if (i == cycles / 2) {
                        mid = Sample.take();
                    } else if (i == 3 * cycles / 4) {
                        q3 = Sample.take();
                    }
                }
                report("run", started, cycles);
                settle();
                before.print("before");
                q1.print("q1");
                mid.print("mid");
                q3.print("q3");
                peak.print("peak");
                Sample.take().print("after");
                break;
            }
            case "object-cycles": {
                for (int i = 0; i < 1000; i++) { // warm-up: the JIT, malloc's arenas
                    objectCycle(i);
                }
                settle();
                Sample before = Sample.take();
                Sample peak = before;
                Sample q1 = before;
                Sample mid = before;
                Sample q3 = before;
                started = System.nanoTime();
                for (int i = 0; i < cycles; i++) {
                    objectCycle(i);
                    if (i % 1000 == 0) {
                        peak = peak.max(Sample.take());
                    }
                    if (i == cycles / 4) {
                        q1 = Sample.take();
                    } else if (i == cycles / 2) {
                        mid = Sample.take();
                    } else if (i == 3 * cycles / 4) {
                        q3 = Sample.take();
                    }
                }
                report("run", started, cycles);
                // Closed objects' buffers are detached at close; their ranges go once the buffers are collected.
                settle();
                before.print("before");
                q1.print("q1");
                mid.print("mid");
                q3.print("q3");
                peak.print("peak");
                Sample.take().print("after");
                break;
            }
            case "abandon": {
                // Forgotten objects and maps, never closed, no System.gc() here: only the pressure-driven net.
                Sample before = Sample.take();
                Sample peak = before;
                MapSpec spec = MapSpec.of(MapType.HASH).name("leak_abandon").keySize(4).valueSize(8).maxEntries(4);
                // Read once: a class-path read needs an fd of its own, which bpf4j's net does not cover.
                byte[] elf = resource(SMALL);
                started = System.nanoTime();
                for (int i = 0; i < cycles; i++) {
                    BpfObject obj = BpfObject.open(elf, "mmap").load();
                    ByteBuffer buf = obj.map("buf_map").mmap();
                    buf.put(0, (byte) i);
                    BpfMap.create(spec).update(new byte[4], new byte[8]);
                    if (i % 250 == 0) {
                        peak = peak.max(Sample.tryTake());
                    }
                }
                report("run", started, cycles);
                before.print("before");
                peak.print("peak");
                System.out.println("reliefs=" + ResourcePressure.reliefs());
                System.out.println("leaked=" + LeakReport.leaked());
                break;
            }
            case "abandon-maps": {
                // Maps on their own, forgotten: the pressure is met in map create and in dup (fromFd), not in a load.
                Sample before = Sample.take();
                Sample peak = before;
                MapSpec spec = MapSpec.of(MapType.ARRAY).name("leak_maps").keySize(4).valueSize(8).maxEntries(1);
                started = System.nanoTime();
                for (int i = 0; i < cycles; i++) {
                    BpfMap map = BpfMap.create(spec);
                    BpfMap.fromFd(map.fd()).update(new byte[4], new byte[8]);
                    if (i % 250 == 0) {
                        peak = peak.max(Sample.tryTake());
                    }
                }
                report("run", started, cycles);
                before.print("before");
                peak.print("peak");
                System.out.println("reliefs=" + ResourcePressure.reliefs());
                System.out.println("leaked=" + LeakReport.leaked());
                break;
            }
            case "forgotten-handles": {
                // Run in a network namespace of its own: XDP on its lo disturbs nobody. One handle of every
                // kind that owns something is forgotten: a link, a trace pipe, a map on its own, a program on
                // its own (from a pin) with a link of its own, and an mmap of a map on its own.
                BpfObject obj = BpfObject.openResource(ObjectTest.CORE).load();
                int progsOfObject = countFds("anon_inode:bpf-prog");
                int mapsOfObject = countFds("anon_inode:bpf-map");
                try (Kernel.PrivateBpfFs fs = Kernel.privateBpfFs()) {
                    // The link is the forgotten program's own: both go unreachable together.
                    obj.program("bump_first_byte").pin(fs.resolve("pinned"));
                    Pins.openProgram(fs.resolve("pinned")).attachXdp("lo", io.github.bpf4j.link.XdpOptions.defaults()
                            .mode(io.github.bpf4j.link.XdpMode.SKB));
                }
                System.out.println("links_attached=" + countFds("anon_inode:bpf_link"));
                try {
                    TracePipe.open();
                    System.out.println("trace_pipes_open=" + countFds("trace_pipe"));
                } catch (BpfException e) {
                    System.out.println("trace_pipe_unavailable=" + e.errnoName());
                }
                BpfMap.create(MapSpec.of(MapType.HASH).name("leak_created").keySize(4).valueSize(4).maxEntries(4));
                BpfMap.create(MapSpec.of(MapType.ARRAY).name("leak_mmapped").keySize(4).valueSize(8).maxEntries(512)
                        .flags(MapFlag.MMAPABLE)).mmap().putLong(0, 42);
                System.out.println("maps_on_their_own=" + (countFds("anon_inode:bpf-map") - mapsOfObject));
                System.out.println("mappings_open=" + Mapping.live());
                System.out.println("programs_on_their_own=" + (countFds("anon_inode:bpf-prog") - progsOfObject));
                System.out.println("links_attached_all=" + countFds("anon_inode:bpf_link"));
                settle();
                System.out.println("links_after_gc=" + countFds("anon_inode:bpf_link"));
                System.out.println("trace_pipes_after_gc=" + countFds("trace_pipe"));
                System.out.println("maps_after_gc=" + (countFds("anon_inode:bpf-map") - mapsOfObject));
                System.out.println("programs_after_gc=" + (countFds("anon_inode:bpf-prog") - progsOfObject));
                System.out.println("mappings_after_gc=" + Mapping.live());
                System.out.println("leaked=" + LeakReport.leaked());
                obj.close();
                break;
            }
            case "forgotten-perf-buffer": {
                // The map stays; the perf buffer (per-CPU perf events, their mappings, its epoll set) is forgotten.
                BpfMap events = BpfMap.create(MapSpec.of(MapType.PERF_EVENT_ARRAY).name("leak_perf").keySize(4)
                        .valueSize(4).maxEntries(BpfMap.possibleCpus()));
                io.github.bpf4j.ringbuf.PerfBuffer pb = events.perfBuffer(
                        new io.github.bpf4j.ringbuf.PerfBufferOptions().pagesPerCpu(2));
                pb.poll(1, java.util.concurrent.TimeUnit.MILLISECONDS, r -> { });
                System.out.println("perf_cpus=" + pb.cpus().length);
                pb = null; // forgotten
                System.out.println("perf_events_open=" + countFds("[perf_event]"));
                System.out.println("epolls_open=" + countFds("[eventpoll]"));
                System.out.println("perf_mappings_open=" + Mapping.live());
                settle();
                System.out.println("perf_events_after_gc=" + countFds("[perf_event]"));
                System.out.println("epolls_after_gc=" + countFds("[eventpoll]"));
                System.out.println("perf_mappings_after_gc=" + Mapping.live());
                System.out.println("leaked=" + LeakReport.leaked());
                events.close();
                break;
            }
            default:
                throw new IllegalArgumentException("no scenario " + scenario);
        }
        System.out.println("live_mappings=" + Mapping.live());
        System.out.println("done");
    }

    private static void failLoad(String object) {
        try (BpfObject obj = BpfObject.openResource(object).load()) {
            throw new AssertionError(object + " loaded, though it must not: " + obj);
        } catch (BpfException | IllegalArgumentException expected) {
            // the load failed; the object must be closed by now
        }
    }

    private static void objectCycle(int i) {
        try (BpfObject obj = BpfObject.openResource(SMALL).load()) {
            ByteBuffer buf = obj.map("buf_map").mmap();
            buf.putLong(0, i);
            if (buf.getLong(0) != i) {
                throw new AssertionError("mmapped value lost");
            }
        }
    }

    private static int countFds(String kind) throws IOException {
        int n = 0;
        for (String fd : new File("/proc/self/fd").list()) {
            try {
                if (Files.readSymbolicLink(Paths.get("/proc/self/fd", fd)).toString().contains(kind)) {
                    n++;
                }
            } catch (IOException gone) {
                // the listing's own fd
            }
        }
        return n;
    }

    private static byte[] resource(String name) throws IOException {
        try (java.io.InputStream in = LeakChild.class.getClassLoader().getResourceAsStream(name)) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0;) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    private static void report(String what, long started, int cycles) {
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.println(String.format(Locale.ROOT, "%s_seconds=%.3f", what, seconds));
        System.out.println(String.format(Locale.ROOT, "%s_per_second=%.0f", what, cycles / seconds));
    }

    /**
     * Frees what the cycles left for the GC (buffers of closed maps), then
     * waits for the cleaners, bpf4j's and the JDK's (which closes the JDK's
     * own forgotten streams a little later), until fds and mappings hold still.
     */
    private static void settle() throws IOException {
        Sample last = null;
        for (int i = 0; i < 20; i++) {
            Cleaner.collectAndWait(2, TimeUnit.SECONDS);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            Sample now = Sample.take();
            if (last != null && now.fds == last.fds && now.mapsLines == last.mapsLines) {
                return;
            }
            last = now;
        }
    }

    /** What the process holds: fds, lines of /proc/self/maps, resident memory. */
    static final class Sample {
        final int fds;
        /** fds of BPF objects (maps, programs, links, BTF): bpf4j's, so they must come back exactly. */
        final int bpfFds;
        final int mapsLines;
        /** Lines of /proc/self/maps that map a BPF map's memory. */
        final int bpfMapsLines;
        final long rssKib;

        private Sample(int fds, int bpfFds, int mapsLines, int bpfMapsLines, long rssKib) {
            this.fds = fds;
            this.bpfFds = bpfFds;
            this.mapsLines = mapsLines;
            this.bpfMapsLines = bpfMapsLines;
            this.rssKib = rssKib;
        }

        static Sample take() throws IOException {
            String[] fds = new File("/proc/self/fd").list();
            int bpfFds = 0;
            if (fds != null) {
                for (String fd : fds) {
                    try {
                        if (Files.readSymbolicLink(Paths.get("/proc/self/fd", fd)).toString().startsWith("anon_inode:bpf")) {
                            bpfFds++;
                        }
                    } catch (IOException gone) {
                        // closed while we looked (the listing's own fd, a JDK stream)
                    }
                }
            }
            List<String> maps = Files.readAllLines(Paths.get("/proc/self/maps"), StandardCharsets.ISO_8859_1);
            int bpf = 0;
            for (String line : maps) {
                if (line.contains("anon_inode:bpf")) {
                    bpf++;
                }
            }
            long rss = -1;
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.substring(6).replace("kB", "").trim());
                }
            }
            return new Sample(fds == null ? -1 : fds.length, bpfFds, maps.size(), bpf, rss);
        }

        /** A sample, or none (all -1) when the fd table is full right now: reading /proc takes an fd. */
        static Sample tryTake() {
            try {
                return take();
            } catch (IOException e) {
                return new Sample(-1, -1, -1, -1, -1);
            }
        }

        Sample max(Sample other) {
            return new Sample(Math.max(fds, other.fds), Math.max(bpfFds, other.bpfFds), Math.max(mapsLines, other.mapsLines),
                    Math.max(bpfMapsLines, other.bpfMapsLines), Math.max(rssKib, other.rssKib));
        }

        /** What each fd is, for a failure message. */
        static String fdTargets() {
            StringBuilder out = new StringBuilder();
            String[] fds = new File("/proc/self/fd").list();
            if (fds != null) {
                java.util.Arrays.sort(fds);
                for (String fd : fds) {
                    try {
                        out.append(' ').append(fd).append("->")
                                .append(Files.readSymbolicLink(Paths.get("/proc/self/fd", fd)));
                    } catch (IOException e) {
                        out.append(' ').append(fd).append("->?");
                    }
                }
            }
            return out.toString();
        }

        void print(String when) {
            System.out.println(when + "_fds=" + fds);
            System.out.println(when + "_bpf_fds=" + bpfFds);
            System.out.println(when + "_fd_targets=" + fdTargets());
            System.out.println(when + "_maps=" + mapsLines);
            System.out.println(when + "_bpf_maps=" + bpfMapsLines);
            System.out.println(when + "_rss_kib=" + rssKib);
        }
    }
}
