/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.logging.Level;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectTest {
    static final String CORE = "bpf/core_test.bpf.o";

    @BeforeEach
    void needsBpf() {
        Kernel.requireBpf();
    }

    @Test
    void mapsAndProgramsAreListedBeforeAndAfterLoad() {
        try (BpfObject obj = BpfObject.openResource(CORE)) {
            assertEquals("core_test", obj.name());
            assertFalse(obj.isLoaded());
            BpfMap counts = obj.map("counts");
            assertEquals(MapType.HASH, counts.type());
            assertEquals(4, counts.keySize());
            assertEquals(8, counts.valueSize());
            assertEquals(16, counts.maxEntries());
            assertThrows(IllegalStateException.class, counts::fd, "no fd before load");
            BpfProgram prog = obj.program("bump_first_byte");
            assertEquals(ProgramType.XDP, prog.type());
            assertEquals("xdp", prog.section());
            assertThrows(IllegalStateException.class, prog::fd);

            obj.load();
            assertTrue(obj.isLoaded());
            assertTrue(counts.fd() > 0);
            assertTrue(prog.fd() > 0);
            assertThrows(IllegalStateException.class, obj::load, "load twice");
            List<String> names = new ArrayList<String>();
            for (BpfMap m : obj.maps()) {
                names.add(m.name());
            }
            assertTrue(names.containsAll(java.util.Arrays.asList("counts", "shared", "per_cpu")), names.toString());
            assertTrue(names.contains("core_tes.bss") || names.stream().anyMatch(n -> n.endsWith(".bss")),
                    "global data maps are listed: " + names);
        }
    }

    @Test
    void wrongNamesListTheNamesThatExist() {
        try (BpfObject obj = BpfObject.openResource(CORE)) {
            NoSuchElementException e = assertThrows(NoSuchElementException.class, () -> obj.map("nope"));
            assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("counts")
                    && e.getMessage().contains("shared"), e.getMessage());
            e = assertThrows(NoSuchElementException.class, () -> obj.program("nope"));
            assertTrue(e.getMessage().contains("bump_first_byte"), e.getMessage());
        }
    }

    @Test
    void malformedElfIsAnException() {
        BpfException e = assertThrows(BpfException.class,
                () -> BpfObject.open(new byte[] {0x7f, 'E', 'L', 'F', 1, 2, 3}, "garbage"));
        // bpf4j validates the ELF before libbpf sees it
        assertTrue(e.operation().equals("bpf4j_validate_object"), e.operation());
        assertTrue(e.getMessage().contains("too short for an ELF header"), e.getMessage());
        assertTrue(e.errno() > 0);
        assertThrows(BpfException.class, () -> BpfObject.open(new byte[0], "empty"));
        assertThrows(BpfException.class, () -> BpfObject.open("not an elf at all".getBytes(), "text"));
    }

    @Test
    void missingFileIsAnException(@TempDir Path dir) {
        assertThrows(IllegalArgumentException.class, () -> BpfObject.open(dir.resolve("nope.bpf.o")));
        assertThrows(IllegalArgumentException.class, () -> BpfObject.openResource("no/such/object.o"));
    }

    @Test
    void openFromFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("copy.bpf.o");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(CORE)) {
            Files.copy(in, file);
        }
        try (BpfObject obj = BpfObject.open(file).load()) {
            assertEquals("copy", obj.name().replace(".bpf", ""));
            assertTrue(obj.program("bump_first_byte").fd() > 0);
        }
    }

    @Test
    void verifierRejectionCarriesTheLog() {
        List<String> warnings = new ArrayList<String>();
        Bpf4j.setLibbpfLogHandler((level, msg) -> {
            if (level == Level.WARNING) {
                warnings.add(msg);
            }
        });
        try (BpfObject obj = BpfObject.openResource("bpf/verifier_reject.bpf.o")) {
            BpfVerifierException e = assertThrows(BpfVerifierException.class, obj::load);
            assertTrue(e.verifierLog().contains("invalid mem access"), e.verifierLog());
            assertTrue(e.getMessage().contains("unchecked_lookup"), e.getMessage());
            assertTrue(e.getMessage().contains("invalid mem access"), e.getMessage());
            assertEquals("bpf_object__load", e.operation());
            assertFalse(warnings.isEmpty(), "libbpf's warnings reached the installed handler");
        } finally {
            Bpf4j.setLibbpfLogHandler(null);
        }
    }

    @Test
    void globalsBeforeAndAfterLoad() {
        try (BpfObject obj = BpfObject.openResource(CORE)) {
            // A frozen .rodata knob can only be set before load.
            obj.setGlobal("bump", java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(5)
                    .array());
            assertThrows(IllegalArgumentException.class, () -> obj.setGlobal("bump", new byte[8]));
            assertThrows(NoSuchElementException.class, () -> obj.setGlobal("nope", new byte[4]));
            obj.load();
            assertThrows(IllegalStateException.class, () -> obj.setGlobal("bump", new byte[4]));
            java.nio.ByteBuffer bump = obj.global("bump");
            assertEquals(4, bump.capacity());
            assertTrue(bump.isReadOnly(), ".rodata is frozen after load");
            assertEquals(5, bump.getInt(0));
            java.nio.ByteBuffer runs = obj.global("runs");
            byte[] out = new byte[64];
            obj.program("bump_first_byte").testRun(new TestRun().dataIn(Kernel.packet(10, 1)).dataOut(out));
            assertEquals(15, out[0], "the program added the bump set before load");
            assertEquals(1, runs.getLong(0), ".bss written by the program, read through global()");
            runs.putLong(0, 100);
            obj.program("bump_first_byte").testRun(new TestRun().dataIn(Kernel.packet(10, 1)));
            assertEquals(101, runs.getLong(0), "the program counted on from Java's value");
            assertThrows(NoSuchElementException.class, () -> obj.global("nope"));
            assertThrows(NullPointerException.class, () -> obj.global(null));
            assertThrows(NullPointerException.class, () -> obj.setGlobal(null, new byte[4]));
        }
    }

    @Test
    void libbpfVersionIsTheLinkedOne() {
        assertEquals("v1.7", Bpf4j.libbpfVersion());
    }
}
