/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins: one home for opening and removing pins of every kind, one pin
 * implementation for every handle, the kernel's errno in every failure. All
 * in a private bpffs mount, so concurrent runs never meet.
 */
class PinsTest {
    private static final int XDP_TX = 3;
    private Kernel.PrivateBpfFs fs;
    private BpfObject obj;

    @BeforeEach
    void setUp() throws Exception {
        fs = Kernel.privateBpfFs();
        obj = BpfObject.openResource(ObjectTest.CORE).load();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (obj != null) {
            obj.close();
        }
        if (fs != null) {
            fs.close();
        }
    }

    @Test
    void aPinnedProgramOpensOnItsOwnAndRuns() {
        Path pin = fs.resolve("bump");
        obj.program("bump_first_byte").pin(pin);
        obj.close();
        try (BpfProgram p = Pins.openProgram(pin)) {
            assertEquals(ProgramType.XDP, p.type());
            assertEquals("bump_first_byte", p.name(), "the kernel keeps 15 bytes of the name");
            assertNull(p.object());
            assertNull(p.section());
            byte[] out = new byte[64];
            TestRun run = p.testRun(new TestRun().dataIn(Kernel.packet(20)).dataOut(out));
            assertEquals(XDP_TX, run.retval());
            assertEquals(21, out[0], "the object is closed; the pinned program still runs");
            p.close();
            p.close();
            assertThrows(IllegalStateException.class, p::fd);
            assertThrows(IllegalStateException.class, () -> p.testRun(new TestRun()));
        }
        Pins.unpin(pin);
        assertFalse(Files.exists(pin));
    }

    @Test
    void closingAProgramOfAnObjectDoesNothing() {
        BpfProgram p = obj.program("bump_first_byte");
        p.close();
        assertEquals(XDP_TX, p.testRun(new TestRun().dataIn(Kernel.packet(1))).retval());
    }

    @Test
    void aPinnedMapOpensWithItsShape() {
        Path pin = fs.resolve("counts");
        obj.map("counts").pin(pin);
        try (BpfMap m = Pins.openMap(pin)) {
            assertEquals(MapType.HASH, m.type());
            assertEquals(4, m.keySize());
            byte[] key = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(5).array();
            m.update(key, new byte[8]);
            assertTrue(obj.map("counts").lookup(key) != null, "the same kernel map");
        }
    }

    @Test
    void pinningWhereSomethingIsPinnedIsEexistForMapsAndPrograms() {
        Path pin = fs.resolve("taken");
        obj.map("counts").pin(pin);
        BpfException e = assertThrows(BpfException.class, () -> obj.program("bump_first_byte").pin(pin));
        assertEquals("EEXIST", e.errnoName());
        assertTrue(e.getMessage().startsWith("bpf_obj_pin(program 'bump_first_byte', " + pin + ") failed: EEXIST"),
                e.getMessage());
        assertTrue(e.hint().contains("Pins.unpin"), e.hint());
        e = assertThrows(BpfException.class, () -> obj.map("shared").pin(pin));
        assertEquals("EEXIST", e.errnoName());
        assertTrue(e.getMessage().contains(pin + " exists already"), e.getMessage());
    }

    @Test
    void openingAPinOfTheOtherKindIsRefusedSayingWhatItIs() throws Exception {
        Path prog = fs.resolve("prog");
        Path map = fs.resolve("map");
        obj.program("bump_first_byte").pin(prog);
        obj.map("counts").pin(map);
        int fds = Kernel.openFds();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pins.openMap(prog));
        assertEquals("Pins.openMap(" + prog + "): the pin is a BPF program, not a BPF map; open programs with"
                + " BpfProgram.openPinned or BpfProgram.fromFd", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pins.openProgram(map));
        assertEquals("Pins.openProgram(" + map + "): the pin is a BPF map, not a BPF program; open maps with"
                + " Pins.openMap or BpfMap.fromFd", e.getMessage());
        assertEquals(fds, Kernel.openFds(), "the refused fds were closed");
    }

    @Test
    void unpinSaysTheKernelsErrno() throws Exception {
        BpfException e = assertThrows(BpfException.class, () -> Pins.unpin(fs.resolve("never_pinned")));
        assertEquals("ENOENT", e.errnoName());
        assertTrue(e.getMessage().startsWith("unlink(" + fs.resolve("never_pinned") + ") failed: ENOENT (2):"
                + " nothing is pinned at"), e.getMessage());
        Path dir = Files.createDirectory(fs.resolve("sub"));
        e = assertThrows(BpfInvalidArgumentException.class, () -> Pins.unpin(dir));
        assertEquals("EISDIR", e.errnoName());
        assertTrue(e.getMessage().contains(dir + " is a directory, not a pin"), e.getMessage());
        assertTrue(Files.isDirectory(dir));
    }

    @Test
    void unpinNeverRemovesAFileOutsideABpfFilesystem(@TempDir Path tmp) throws Exception {
        Path file = Files.write(tmp.resolve("precious"), new byte[] {1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pins.unpin(file));
        assertTrue(e.getMessage().startsWith("Pins.unpin(" + file + "): " + tmp + " is not in a BPF filesystem"),
                e.getMessage());
        assertTrue(Files.exists(file));
    }

    /** bpf_obj_pin outside bpffs: the kernel says EPERM; it stands, with a hint from what statfs says. */
    @Test
    void pinningOutsideABpfFilesystemIsTheKernelsEperm(@TempDir Path tmp) {
        Path pin = tmp.resolve("nope");
        BpfException e = assertThrows(BpfInvalidArgumentException.class, () -> obj.map("counts").pin(pin));
        assertEquals("EPERM", e.errnoName());
        assertTrue(e.getMessage().contains("the kernel pins only in a BPF filesystem, and " + tmp
                + " is not in a BPF filesystem (filesystem type 0x"), e.getMessage());
        assertTrue(e.hint().contains("pin under /sys/fs/bpf"), e.hint());
        assertFalse(e.hint().contains("CAP_"), "no capability helps: " + e.hint());
        e = assertThrows(BpfInvalidArgumentException.class, () -> obj.program("bump_first_byte").pin(pin));
        assertEquals("EPERM", e.errnoName());
        e = assertThrows(BpfException.class, () -> obj.map("counts").pin(fs.resolve("no_dir/x")));
        assertEquals("ENOENT", e.errnoName());
        assertTrue(e.getMessage().contains("the directory " + fs.resolve("no_dir") + " does not exist"),
                e.getMessage());
    }

    @Test
    void aPinnedProgramKeepsItsTypeAndOnlyXdpAttachesAsXdp() {
        try (BpfObject tc = BpfObject.openResource("bpf/test_run.bpf.o").load()) {
            tc.program("mark_and_prioritize").pin(fs.resolve("tc"));
        }
        try (BpfProgram p = Pins.openProgram(fs.resolve("tc"))) {
            assertEquals(ProgramType.SCHED_CLS, p.type());
            assertEquals("mark_and_priori", p.name(), "the kernel keeps the first 15 bytes of mark_and_prioritize");
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> p.attachXdp("lo"));
            assertEquals("attachXdp: program '" + p.name() + "' is SCHED_CLS, not XDP; attach it the way its type is"
                    + " attached", e.getMessage());
        }
    }

    @Test
    void attachingAPinnedProgramChecksTheInterface() throws Exception {
        Path pin = fs.resolve("xdp");
        obj.program("bump_first_byte").pin(pin);
        try (BpfProgram p = Pins.openProgram(pin)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> p.attachXdp("no-such-if0"));
            assertTrue(e.getMessage().contains("no network interface 'no-such-if0'"), e.getMessage());
            // A real attach (which must not touch the shared host network) is LeakTest's, in a private netns.
        }
    }
}
