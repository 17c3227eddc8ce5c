/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
            assertEquals(BpfObject.State.OPENED, obj.state());
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
            assertEquals(BpfObject.State.LOADED, obj.state());
            assertTrue(counts.fd() > 0);
            assertTrue(prog.fd() > 0);
            assertThrows(IllegalStateException.class, obj::load, "load twice");
            List<String> names = new ArrayList<String>();
            for (BpfMap m : obj.maps()) {
                names.add(m.name());
            }
            assertTrue(names.containsAll(java.util.Arrays.asList("counts", "shared", "per_cpu")), names.toString());
            // libbpf keeps at most 8 characters of the object's name before the section's
            assertTrue(names.contains("core_tes.bss"), "global data maps are listed: " + names);
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

    /** open(Path) reads the file in C; what it cannot read there, Java reads and words as before. */
    @Test
    void unreadableFilesKeepTheirMessages(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.bpf.o");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BpfObject.open(missing));
        assertEquals("cannot read BPF object file " + missing + ": java.nio.file.NoSuchFileException: " + missing,
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BpfObject.open(dir));
        assertTrue(e.getMessage().startsWith("cannot read BPF object file " + dir + ": "), e.getMessage());
        Path empty = Files.createFile(dir.resolve("empty.bpf.o"));
        BpfException invalid = assertThrows(BpfException.class, () -> BpfObject.open(empty));
        assertEquals("bpf4j_validate_object", invalid.operation());
    }

    /** A file is validated as an image is: a corrupt one never reaches libbpf. */
    @Test
    void corruptFileIsValidated(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("corrupt.bpf.o");
        byte[] elf = new byte[4096];
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(CORE)) {
            int n = in.read(elf);
            assertTrue(n > 64);
            elf = java.util.Arrays.copyOf(elf, n);
        }
        elf[40] ^= 0x55; // e_shoff: the section headers move
        Files.write(file, elf);
        BpfException e = assertThrows(BpfException.class, () -> BpfObject.open(file));
        assertEquals("bpf4j_validate_object", e.operation(), e.getMessage());
    }

    /** A path C is not handed (not ASCII) opens through Java's read, with the same name. */
    @Test
    void nonAsciiPathOpens(@TempDir Path dir) throws IOException {
        Path file;
        try {
            file = dir.resolve("gr\u00fc\u00dfe.bpf.o");
        } catch (java.nio.file.InvalidPathException e) {
            assumeTrue(false, "the platform encoding cannot spell a non-ASCII file name: " + e.getMessage());
            return;
        }
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(CORE)) {
            Files.copy(in, file);
        }
        try (BpfObject obj = BpfObject.open(file).load()) {
            assertEquals("gr\u00fc\u00dfe", obj.name());
            assertTrue(obj.program("bump_first_byte").fd() > 0);
        }
    }

    @Test
    void openFromFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("copy.bpf.o");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(CORE)) {
            Files.copy(in, file);
        }
        try (BpfObject obj = BpfObject.open(file).load()) {
            assertEquals("copy", obj.name(), "named after the file, without .bpf.o");
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

    /** The name is the file's without exactly {@code .bpf.o} or {@code .o}; any other name is kept whole. */
    @Test
    void objectNamesDropOnlyTheObjectSuffix(@TempDir Path dir) throws IOException {
        byte[] elf = resource(CORE);
        String[][] cases = {{"copy.bpf.o", "copy"}, {"plain.o", "plain"}, {"x.bpf", "x.bpf"}, {"odd.elf", "odd.elf"}};
        for (String[] c : cases) {
            Path file = dir.resolve(c[0]);
            Files.write(file, elf);
            try (BpfObject obj = BpfObject.open(file)) {
                assertEquals(c[1], obj.name(), c[0]);
            }
        }
        try (BpfObject obj = BpfObject.openResource(CORE)) {
            assertEquals("core_test", obj.name());
        }
        try (BpfObject obj = BpfObject.open(elf, "given.bpf.o")) {
            assertEquals("given.bpf.o", obj.name(), "an explicit name is used as given");
        }
    }

    /** opened -> loaded -> closed, as state(), isLoaded() and toString() tell it. */
    @Test
    void stateMachineOpenedLoadedClosed() {
        BpfObject obj = BpfObject.openResource(CORE);
        assertEquals(BpfObject.State.OPENED, obj.state());
        assertEquals("BpfObject[core_test, opened]", obj.toString());
        IllegalStateException early = assertThrows(IllegalStateException.class, () -> obj.global("runs"));
        assertTrue(early.getMessage().contains("global(): the object is not loaded; call load() first"),
                early.getMessage());
        obj.load();
        assertEquals(BpfObject.State.LOADED, obj.state());
        assertEquals("BpfObject[core_test, loaded]", obj.toString());
        IllegalStateException twice = assertThrows(IllegalStateException.class, obj::load);
        assertTrue(twice.getMessage().contains("already loaded"), twice.getMessage());
        assertEquals(BpfObject.State.LOADED, obj.state(), "a refused second load changes nothing");
        obj.close();
        assertEquals(BpfObject.State.CLOSED, obj.state());
        assertFalse(obj.isLoaded());
        assertEquals("BpfObject[core_test, closed]", obj.toString());
        IllegalStateException closed = assertThrows(IllegalStateException.class, obj::load);
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        obj.close();
        assertEquals(BpfObject.State.CLOSED, obj.state());
        BpfObject never = BpfObject.openResource(CORE);
        never.close();
        assertEquals(BpfObject.State.CLOSED, never.state(), "closed without a load");
    }

    static final String DATA_SECTIONS = "bpf/data_sections.bpf.o";

    /** Globals of custom .data.* sections: set before load, read and written after, and their maps by section. */
    @Test
    void customDataSectionGlobals() {
        try (BpfObject obj = BpfObject.openResource(DATA_SECTIONS)) {
            obj.setGlobal("foo_in", u32(30));
            obj.setGlobal("plain", u32(12));
            assertThrows(IllegalArgumentException.class, () -> obj.setGlobal("bar_runs", u32(1)), "8 bytes");
            obj.load();
            BpfMap foo = obj.dataMap(".data.foo");
            BpfMap bar = obj.dataMap(".data.bar");
            assertEquals(8, foo.valueSize(), "foo_in and foo_out");
            assertEquals(8, bar.valueSize(), "bar_runs");
            assertEquals(".data.foo", foo.name(), "custom sections carry no object prefix");
            java.nio.ByteBuffer in = obj.global("foo_in");
            java.nio.ByteBuffer out = obj.global("foo_out");
            java.nio.ByteBuffer runs = obj.global("bar_runs");
            assertEquals(4, in.capacity());
            assertEquals(4, out.capacity());
            assertEquals(8, runs.capacity());
            assertEquals(30, in.getInt(0), "setGlobal's value");
            assertEquals(1, out.getInt(0), "the initializer");
            assertEquals(100, runs.getLong(0), "the initializer");

            BpfProgram copy = obj.program("copy_foo");
            TestRun run = new TestRun().dataIn(Kernel.packet(14));
            copy.testRun(run);
            assertEquals(2, run.retval(), "XDP_PASS");
            assertEquals(42, out.getInt(0), "foo_in + plain, written by the program");
            assertEquals(101, runs.getLong(0));
            in.putInt(0, 1000);
            copy.testRun(new TestRun().dataIn(Kernel.packet(14)));
            assertEquals(1012, out.getInt(0), "the program read Java's write through global()");
            byte[] value = foo.lookup(u32(0));
            assertEquals(1000, java.nio.ByteBuffer.wrap(value).order(java.nio.ByteOrder.nativeOrder()).getInt(0));
            assertEquals(1012, java.nio.ByteBuffer.wrap(value).order(java.nio.ByteOrder.nativeOrder()).getInt(4),
                    "dataMap(\".data.foo\") is the map global() reads");
            assertThrows(NoSuchElementException.class, () -> obj.dataMap(".data.nope"));
        }
    }

    /**
     * obj.close() with an XDP link still attached is safe and leaves the link
     * in charge: the link is a handle of its own (BpfLink), whose kernel link
     * holds the program, so the program stays attached and running until the
     * link is closed; then it is detached. The veth's peer lives in a private
     * network namespace, so nothing outside this test sees the traffic.
     */
    @Test
    void closingTheObjectLeavesAnAttachedXdpLinkWorkingUntilItIsClosed() throws Exception {
        String ip = new java.io.File("/usr/sbin/ip").canExecute() ? "/usr/sbin/ip"
                : new java.io.File("/sbin/ip").canExecute() ? "/sbin/ip" : "/usr/bin/ip";
        assumeTrue(new java.io.File(ip).canExecute(), "no ip(8) (iproute2)");
        String nonce = Kernel.nonce(6);
        String ns = "bpf4jo" + nonce;
        String dev = "b4jo" + nonce;
        assumeTrue(sh(ip, "netns", "add", ns).startsWith("0"), "cannot create a network namespace");
        try {
            String veth = sh(ip, "link", "add", dev, "type", "veth", "peer", "name", dev + "p", "netns", ns);
            assumeTrue(veth.startsWith("0"), "cannot create a veth pair: " + veth);
            assertTrue(sh(ip, "link", "set", dev, "up").startsWith("0"));
            BpfObject obj = BpfObject.openResource(DATA_SECTIONS).load();
            BpfLink link = obj.program("copy_foo").attachXdp(dev);
            String attached = sh(ip, "link", "show", "dev", dev);
            assertTrue(xdpAttached(attached), "attached: " + attached);
            obj.close();
            assertEquals(BpfObject.State.CLOSED, obj.state());
            assertTrue(xdpAttached(sh(ip, "link", "show", "dev", dev)), "still attached after obj.close()");
            assertTrue(link.fd() > 0, "the link is still open");
            link.close();
            String detached = sh(ip, "link", "show", "dev", dev);
            assertFalse(xdpAttached(detached), "detached by link.close(): " + detached);
            link.close(); // idempotent
        } finally {
            sh(ip, "netns", "del", ns); // takes the veth pair with it
            sh(ip, "link", "del", dev);
        }
    }

    /**
     * Whether ip(8)'s {@code link show} output has an XDP program: its "prog/xdp id N" line. Not a bare "xdp",
     * which the random device name can contain (CI once drew the nonce "xdpwf1").
     */
    private static boolean xdpAttached(String ipLinkShow) {
        return ipLinkShow.contains("prog/xdp");
    }

    /** "exit status: output". */
    private static String sh(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = ChildJvm.drain(p, 60, java.util.concurrent.TimeUnit.SECONDS);
        return p.exitValue() + ": " + out;
    }

    private static byte[] u32(int v) {
        return java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(v).array();
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ObjectTest.class.getClassLoader().getResourceAsStream(name)) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0;) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    @Test
    void libbpfVersionIsTheLinkedOne() {
        assertEquals("v1.7", Bpf4j.libbpfVersion());
    }
}
