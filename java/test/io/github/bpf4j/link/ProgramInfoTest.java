/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static io.github.bpf4j.link.LinkTestSupport.countThisThread;
import static io.github.bpf4j.link.LinkTestSupport.writes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.Bpf4j;
import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfInvalidArgumentException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.BpfStats;
import io.github.bpf4j.BtfInfo;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.LinkInfo;
import io.github.bpf4j.MapInfo;
import io.github.bpf4j.ProgramInfo;
import io.github.bpf4j.ProgramType;
import io.github.bpf4j.TestRun;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Programs from elsewhere (openPinned, fromId, fromFd), ProgramInfo, run-time statistics, enumeration. */
class ProgramInfoTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void privileged() {
        Kernel.requireBpf();
    }

    @Test
    void infoDescribesTheLoadedProgram() throws Exception {
        long before = System.currentTimeMillis();
        try (BpfObject obj = BpfObject.openResource(LinkTestSupport.SYS_LINK).load()) {
            BpfProgram prog = obj.program("count_writes");
            ProgramInfo info = prog.info();
            assertEquals(ProgramType.TRACEPOINT, info.type());
            assertEquals("count_writes", info.name());
            assertTrue(info.id() > 0);
            assertTrue(info.tag().matches("[0-9a-f]{16}"), info.tag());
            assertTrue(info.translatedSize() > 0 && info.translatedSize() % 8 == 0, "xlated " + info.translatedSize());
            assertTrue(info.jitedSize() >= 0);
            assertTrue(info.verifiedInstructions() > 0);
            assertTrue(info.gplCompatible());
            assertEquals(0, info.uid());
            assertTrue(info.btfId() > 0, "the object has BTF");
            int[] expected = {obj.map("config").info().id(), obj.map("counts").info().id()};
            int[] got = info.mapIds();
            Arrays.sort(expected);
            Arrays.sort(got);
            assertArrayEquals(expected, got);
            // Dated from the boot clock: within the test's own window, give or take a clock tick.
            assertTrue(info.loadedAtMillis() >= before - 1000 && info.loadedAtMillis() <= System.currentTimeMillis()
                    + 1000, "loaded at " + info.loadedAtMillis() + ", test started " + before);
            assertTrue(info.toString().contains("count_writes"), info.toString());
        }
    }

    @Test
    void programsOpenByPinIdAndFd() throws Exception {
        try (Kernel.PrivateBpfFs fs = Kernel.privateBpfFs();
                BpfObject obj = BpfObject.openResource(LinkTestSupport.SYS_LINK).load()) {
            BpfProgram prog = obj.program("pass_a");
            int id = prog.info().id();
            prog.pin(fs.resolve("a"));
            try (BpfProgram pinned = BpfProgram.openPinned(fs.resolve("a"));
                    BpfProgram byId = BpfProgram.fromId(id);
                    BpfProgram byFd = BpfProgram.fromFd(prog.fd())) {
                for (BpfProgram p : new BpfProgram[] {pinned, byId, byFd}) {
                    assertEquals(id, p.info().id(), p.toString());
                    assertEquals(ProgramType.XDP, p.type());
                    assertEquals("pass_a", p.name());
                    assertNull(p.object());
                    assertEquals(2, p.testRun(new TestRun().dataIn(Kernel.packet(1, 2, 3))).retval(), "XDP_PASS");
                }
                assertTrue(byFd.fd() != prog.fd(), "fromFd owns a copy");
            }
            assertEquals(id, prog.info().id(), "closing the copies leaves the object's program alone");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> BpfProgram.fromFd(obj.map("counts").fd()));
            assertTrue(e.getMessage().contains("is a BPF map, not a BPF program"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> BpfProgram.fromFd(-1));
            BpfInvalidArgumentException closed = assertThrows(BpfInvalidArgumentException.class,
                    () -> BpfProgram.fromFd(999_999));
            assertEquals("EBADF", closed.errnoName());
            BpfException gone = assertThrows(BpfException.class, () -> BpfProgram.fromId(Integer.MAX_VALUE));
            assertEquals("ENOENT", gone.errnoName());
        }
    }

    @Test
    void runCountAndTimeGrowWhileStatsAreOn() throws Exception {
        Kernel.requireSysAdmin("Bpf4j.enableStats");
        LinkTestSupport.requireWriteTracepoint();
        File file = tmp.resolve("w").toFile();
        try (BpfObject obj = BpfObject.openResource(LinkTestSupport.SYS_LINK).load();
                BpfLink link = obj.program("count_writes").attach()) {
            countThisThread(obj.map("config"));
            BpfProgram prog = obj.program("count_writes");
            ProgramInfo start;
            try (BpfStats stats = Bpf4j.enableStats()) {
                assertTrue(stats.isOpen());
                start = prog.info();
                writes(file, 50);
                ProgramInfo later = prog.info();
                // Every write(2) of the system runs the program; ours alone are 50.
                assertTrue(later.runCount() - start.runCount() >= 50, "run count " + start.runCount() + " -> "
                        + later.runCount());
                assertTrue(later.runTimeNanos() > start.runTimeNanos(), "run time did not grow");
            }
            if (!statsHeldElsewhere()) {
                ProgramInfo off = prog.info();
                writes(file, 50);
                if (!statsHeldElsewhere()) {
                    assertEquals(off.runCount(), prog.info().runCount(), "counted with statistics off");
                }
            }
        }
    }

    /** Another process holds BPF_ENABLE_STATS (or the sysctl): then stats stay on after our close. */
    private static boolean statsHeldElsewhere() throws Exception {
        Path sysctl = Paths.get("/proc/sys/kernel/bpf_stats_enabled");
        return Files.exists(sysctl) && !new String(Files.readAllBytes(sysctl), "US-ASCII").trim().equals("0");
    }

    @Test
    void theKernelsObjectsAreListedByIdAndOpenable() throws Exception {
        Kernel.requireSysAdmin("Bpf4j.programs() and fromId");
        LinkTestSupport.requireWriteTracepoint();
        try (BpfObject obj = BpfObject.openResource(LinkTestSupport.SYS_LINK).load();
                BpfLink link = obj.program("count_writes").attach()) {
            int progId = obj.program("count_writes").info().id();
            int mapId = obj.map("counts").info().id();
            int linkId = link.info().id();
            List<ProgramInfo> programs = Bpf4j.programs();
            assertTrue(programs.stream().anyMatch(p -> p.id() == progId && p.name().equals("count_writes")));
            List<MapInfo> maps = Bpf4j.maps();
            assertTrue(maps.stream().anyMatch(m -> m.id() == mapId && m.name().equals("counts")));
            List<LinkInfo> links = Bpf4j.links();
            assertTrue(links.stream().anyMatch(l -> l.id() == linkId && l.programId() == progId));
            List<BtfInfo> btfs = Bpf4j.btfs();
            assertTrue(btfs.stream().anyMatch(b -> b.kernel() && b.name().equals("vmlinux") && b.size() > 0), btfs
                    .toString().substring(0, Math.min(300, btfs.toString().length())));
            assertTrue(btfs.stream().anyMatch(b -> b.id() == obj.program("count_writes").info().btfId()));
            // Ids ascend: the walk follows bpf_*_get_next_id.
            for (int i = 1; i < programs.size(); i++) {
                assertTrue(programs.get(i - 1).id() < programs.get(i).id());
            }
            try (BpfLink again = BpfLink.fromId(linkId); BpfProgram p = BpfProgram.fromId(progId);
                    BpfMap m = BpfMap.fromId(mapId)) {
                assertEquals(progId, again.info().programId());
                assertEquals("count_writes", p.name());
                assertEquals("counts", m.name());
            }
        }
    }
}
