/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfMap;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.MapFlag;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code java -jar bpf4j.jar map ...}, run in-process through {@link MapCommand#run}. */
class CliTest {
    private final List<Path> pins = new ArrayList<Path>();
    private final List<BpfMap> maps = new ArrayList<BpfMap>();
    /** Pins go to a bpffs of this test alone (made on first use): no other run's pin can collide. */
    private Kernel.PrivateBpfFs bpffs;

    @AfterEach
    void unpinAndClose() throws Exception {
        try {
            for (Path pin : pins) {
                if (Files.exists(pin)) {
                    BpfMap.unpin(pin);
                }
            }
            for (BpfMap map : maps) {
                map.close();
            }
        } finally {
            if (bpffs != null) {
                bpffs.close();
            }
        }
    }

    private String pinPrefix() {
        if (bpffs == null) {
            try {
                bpffs = Kernel.privateBpfFs();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return bpffs.path() + "/bpf4j-test-cli-";
    }

    // ---- the command line alone: no kernel needed

    @Test
    void noArgumentsPrintsTheUsageWithStatus2() {
        Result r = run();
        assertEquals(2, r.status);
        assertEquals("", r.out);
        assertEquals(MapCommand.USAGE_TEXT, r.err);
        assertTrue(r.err.startsWith("usage: java -jar bpf4j.jar map COMMAND\n"), r.err);
        Result help = run("help");
        assertEquals(0, help.status);
        assertEquals(MapCommand.USAGE_TEXT, help.out);
        assertEquals("", help.err);
    }

    @Test
    void usageErrorsExitWith2AndOneLine() {
        String[][] wrong = {
            {"frob", "/sys/fs/bpf/x"},
            {"show"},
            {"show", "id"},
            {"show", "id", "abc"},
            {"show", "id", "0"},
            {"show", "12", "extra"},
            {"lookup", "12"},
            {"lookup", "12", "key"},
            {"lookup", "12", "key", "zz"},
            {"lookup", "12", "key", "123"},
            {"lookup", "12", "key", "0x"},
            {"lookup", "12", "key", "01", "value", "02"},
            {"delete", "12", "key", "01", "key", "02"},
            {"update", "12", "key", "01"},
            {"update", "12", "key", "01", "value"},
            {"update", "12", "key", "01", "any", "value", "02"},
            {"update", "12", "key", "01", "value", "02", "always"},
        };
        for (String[] args : wrong) {
            Result r = run(args);
            String what = Arrays.toString(args) + " -> " + r;
            assertEquals(2, r.status, what);
            assertEquals("", r.out, what);
            assertTrue(r.err.startsWith("bpf4j map " + args[0] + ": "), what);
            assertEquals(1, lines(r.err).length, what);
        }
        assertTrue(run("frob", "x").err.contains("[show, dump, lookup, update, delete]"));
        assertTrue(run("lookup", "12", "key", "123").err.contains("odd number of hex digits"));
        assertTrue(run("lookup", "12", "key", "zz").err.contains("'zz' is not hex"));
        assertTrue(run("update", "12", "key", "01").err.contains("missing 'value HEX...'"));
    }

    @Test
    void hexTokensInEveryForm() {
        assertArrayEquals(new byte[] {1, 0, 0, 0}, hex("01", "00", "00", "00"));
        assertArrayEquals(new byte[] {1, 0, 0, 0}, hex("0x01", "0x00", "0X00", "0x0"));
        assertArrayEquals(new byte[] {1, 0, 0, 0}, hex("01000000"));
        assertArrayEquals(new byte[] {1, 0, 0, 0}, hex("0x01000000"));
        assertArrayEquals(new byte[] {1, 0, 0, 0}, hex("1", "0", "0", "0"));
        assertArrayEquals(new byte[] {(byte) 0xd2, 0x04, 0, 0}, hex("D204", "0000"));
        assertEquals("00 7f 80 ff", MapCommand.hex(new byte[] {0, 0x7f, (byte) 0x80, (byte) 0xff}));
        assertEquals("", MapCommand.hex(new byte[0]));
    }

    // ---- on real maps

    @Test
    void showByPathAndByIdInEveryForm() {
        Kernel.requireBpf();
        BpfMap map = pinned(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(4).name("cli_test"), "array");
        int id = map.info().id();
        String expected = "id " + id + "  name cli_test  type ARRAY  key 4B  value 4B  max_entries 4  flags 0x0\n";
        String path = pin("array").toString();
        for (String[] args : new String[][] {
            {"show", path}, {"show", "pinned", path}, {"show", String.valueOf(id)}, {"show", "id", String.valueOf(id)},
        }) {
            Result r = run(args);
            assertEquals(0, r.status, Arrays.toString(args) + " -> " + r);
            assertEquals(expected, r.out, Arrays.toString(args));
            assertEquals("", r.err);
        }
    }

    @Test
    void showNamesFlagsAndMapExtra() {
        Kernel.requireBpf();
        BpfMap bloom = pinned(MapSpec.of(MapType.BLOOM_FILTER).keySize(0).valueSize(4).maxEntries(16)
                .mapExtra(3).name("cli_bloom"), "bloom");
        Result r = run("show", pin("bloom").toString());
        assertEquals(0, r.status, r.toString());
        assertEquals("id " + bloom.info().id() + "  name cli_bloom  type BLOOM_FILTER  key 0B  value 4B"
                + "  max_entries 16  flags 0x0  map_extra 0x3\n", r.out);
        BpfMap hash = pinned(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(8)
                .flags(MapFlag.NO_PREALLOC).name("cli_hash"), "hash");
        assertTrue(run("show", "id", String.valueOf(hash.info().id())).out.contains("  type HASH  key 4B  value 8B"
                + "  max_entries 8  flags 0x1\n"));
    }

    @Test
    void arrayUpdateLookupDumpByPathAndById() {
        Kernel.requireBpf();
        BpfMap map = pinned(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(4).name("cli_test"), "array");
        String path = pin("array").toString();
        String id = String.valueOf(map.info().id());

        Result update = run("update", path, "key", "01", "00", "00", "00", "value", "d2", "04", "00", "00");
        assertEquals(0, update.status, update.toString());
        assertEquals("", update.out + update.err);
        assertArrayEquals(new byte[] {(byte) 0xd2, 4, 0, 0}, map.lookup(new byte[] {1, 0, 0, 0}));

        assertEquals(0, run("update", "id", id, "key", "0x02000000", "value", "hex", "0x2a", "0x00", "0", "0").status);
        assertArrayEquals(new byte[] {42, 0, 0, 0}, map.lookup(new byte[] {2, 0, 0, 0}));
        assertEquals(0, run("update", id, "key", "03000000", "value", "ffffffff", "exist").status);

        for (String[] key : new String[][] {{"01", "00", "00", "00"}, {"0x01", "0x00", "0x00", "0x00"}, {"01000000"},
            {"hex", "1", "0", "0", "0"}}) {
            for (String[] at : new String[][] {{path}, {"pinned", path}, {id}, {"id", id}}) {
                List<String> args = new ArrayList<String>();
                args.add("lookup");
                args.addAll(Arrays.asList(at));
                args.add("key");
                args.addAll(Arrays.asList(key));
                Result r = run(args.toArray(new String[0]));
                assertEquals(0, r.status, args + " -> " + r);
                assertEquals("key: 01 00 00 00  value: d2 04 00 00\n", r.out, args.toString());
                assertEquals("", r.err);
            }
        }

        Result dump = run("dump", path);
        assertEquals(0, dump.status, dump.toString());
        assertEquals("key: 00 00 00 00  value: 00 00 00 00\n"
                + "key: 01 00 00 00  value: d2 04 00 00\n"
                + "key: 02 00 00 00  value: 2a 00 00 00\n"
                + "key: 03 00 00 00  value: ff ff ff ff\n"
                + "Found 4 elements\n", dump.out);
        assertEquals(dump.out, run("dump", "id", id).out);
    }

    @Test
    void hashNotFoundExistsAndDelete() {
        Kernel.requireBpf();
        BpfMap map = pinned(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(8).name("cli_hash"), "hash");
        String path = pin("hash").toString();
        assertEquals("Found 0 elements\n", run("dump", path).out);

        Result missing = run("lookup", path, "key", "07000000");
        assertEquals(1, missing.status, missing.toString());
        assertEquals("", missing.out);
        assertEquals("bpf4j map lookup: key not found: 07 00 00 00\n", missing.err);

        Result replaceMissing = run("update", path, "key", "07000000", "value", "0100000000000000", "exist");
        assertEquals(1, replaceMissing.status, replaceMissing.toString());
        assertTrue(replaceMissing.err.contains("key not found"), replaceMissing.err);

        assertEquals(0, run("update", path, "key", "07000000", "value", "0100000000000000", "noexist").status);
        Result again = run("update", path, "key", "07000000", "value", "0200000000000000", "noexist");
        assertEquals(1, again.status, again.toString());
        assertEquals(1, lines(again.err).length, again.err);
        assertTrue(again.err.contains("exists already"), again.err);
        assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0, 0, 0}, map.lookup(new byte[] {7, 0, 0, 0}));
        assertEquals("key: 07 00 00 00  value: 01 00 00 00 00 00 00 00\nFound 1 element\n", run("dump", path).out);

        assertEquals(0, run("update", path, "key", "08", "00", "00", "00", "value", "02000000", "00000000", "any")
                .status);
        String dump = run("dump", path).out;
        assertTrue(dump.contains("key: 07 00 00 00  value: 01 00 00 00 00 00 00 00\n"), dump);
        assertTrue(dump.contains("key: 08 00 00 00  value: 02 00 00 00 00 00 00 00\n"), dump);
        assertTrue(dump.endsWith("Found 2 elements\n"), dump);

        Result delete = run("delete", path, "key", "07000000");
        assertEquals(0, delete.status, delete.toString());
        assertEquals("", delete.out + delete.err);
        assertNull(map.lookup(new byte[] {7, 0, 0, 0}));
        Result deleteAgain = run("delete", "id", String.valueOf(map.info().id()), "key", "07000000");
        assertEquals(1, deleteAgain.status);
        assertEquals("bpf4j map delete: key not found: 07 00 00 00\n", deleteAgain.err);
    }

    @Test
    void sizesAreCheckedBeforeTheCall() {
        Kernel.requireBpf();
        BpfMap map = pinned(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(4).name("cli_test"), "array");
        String path = pin("array").toString();
        Result shortKey = run("lookup", path, "key", "01", "00", "00");
        assertEquals(2, shortKey.status, shortKey.toString());
        assertEquals("bpf4j map lookup: key has 3 bytes, but ARRAY map 'cli_test' needs 4\n", shortKey.err);
        Result longValue = run("update", path, "key", "01000000", "value", "0102030405");
        assertEquals(2, longValue.status, longValue.toString());
        assertEquals("bpf4j map update: value has 5 bytes, but ARRAY map 'cli_test' needs 4\n", longValue.err);
        assertArrayEquals(new byte[4], map.lookup(new byte[] {1, 0, 0, 0}));
        assertEquals(2, run("delete", path, "key", "0100000000").status);
    }

    @Test
    void perCpuValuesOnePerCpu() {
        Kernel.requireBpf();
        BpfMap map = pinned(MapSpec.of(MapType.PERCPU_ARRAY).valueSize(4).maxEntries(2).name("cli_percpu"), "percpu");
        String path = pin("percpu").toString();
        int cpus = BpfMap.possibleCpus();

        assertEquals(0, run("update", path, "key", "00000000", "value", "2a000000").status);
        StringBuilder expected = new StringBuilder("key: 00 00 00 00\n");
        for (int cpu = 0; cpu < cpus; cpu++) {
            expected.append("value (CPU ").append(cpu).append("): 2a 00 00 00\n");
        }
        Result lookup = run("lookup", path, "key", "00000000");
        assertEquals(0, lookup.status, lookup.toString());
        assertEquals(expected.toString(), lookup.out);

        // Every CPU's 8-byte slot at once: CPU n gets n.
        StringBuilder slots = new StringBuilder();
        StringBuilder expected1 = new StringBuilder("key: 01 00 00 00\n");
        for (int cpu = 0; cpu < cpus; cpu++) {
            slots.append(String.format("%02x00000000000000", cpu & 0xff));
            expected1.append(String.format("value (CPU %d): %02x 00 00 00\n", cpu, cpu & 0xff));
        }
        assertEquals(0, run("update", path, "key", "01000000", "value", slots.toString()).status);
        assertEquals(expected1.toString(), run("lookup", "id", String.valueOf(map.info().id()), "key", "01000000").out);
        byte[][] perCpu = map.lookupPerCpu(new byte[] {1, 0, 0, 0});
        assertEquals(cpus - 1, perCpu[cpus - 1][0] & 0xff);

        Result dump = run("dump", path);
        assertEquals(0, dump.status, dump.toString());
        assertEquals(expected.toString() + expected1 + "Found 2 elements\n", dump.out);

        Result wrong = run("update", path, "key", "00000000", "value", "2a0000");
        assertEquals(2, wrong.status, wrong.toString());
        assertEquals("bpf4j map update: value has 3 bytes, but PERCPU_ARRAY map 'cli_percpu' needs 4 (for every CPU)"
                + " or " + 8 * cpus + " (8-byte-aligned slots for " + cpus + " CPUs)\n", wrong.err);
    }

    @Test
    void failuresAreOneLineWithTheHint() {
        Kernel.requireBpf();
        String absent = pinPrefix() + "absent";
        Result noPin = run("show", absent);
        assertEquals(1, noPin.status, noPin.toString());
        assertEquals(1, lines(noPin.err).length, noPin.err);
        assertTrue(noPin.err.startsWith("bpf4j map show: bpf_obj_get(" + absent + ") failed: ENOENT"),
                noPin.err);
        assertTrue(noPin.err.contains("; hint: "), noPin.err);

        Result noId = run("dump", "id", String.valueOf(Integer.MAX_VALUE));
        assertEquals(1, noId.status, noId.toString());
        assertTrue(noId.err.startsWith("bpf4j map dump: bpf_map_get_fd_by_id(2147483647) failed: ENOENT"), noId.err);

        pinned(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(4).name("cli_test"), "array");
        Result deleteFromArray = run("delete", pin("array").toString(), "key", "00000000");
        assertEquals(1, deleteFromArray.status, deleteFromArray.toString());
        assertEquals(1, lines(deleteFromArray.err).length, deleteFromArray.err);
        assertTrue(deleteFromArray.err.contains("EINVAL"), deleteFromArray.err);
        assertTrue(deleteFromArray.err.contains("hint: array elements cannot be deleted"), deleteFromArray.err);
        assertFalse(deleteFromArray.err.contains("Exception"), deleteFromArray.err);
    }

    /** The real entry point: the jar's manifest, Main's dispatch and its exit status. */
    @Test
    void mapCommandsInAJvmOfTheirOwn() throws Exception {
        Kernel.requireBpf();
        File jar = builtJar();
        BpfMap map = pinned(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(4).name("cli_test"), "array");
        map.update(new byte[] {1, 0, 0, 0}, new byte[] {(byte) 0xd2, 4, 0, 0});
        String id = String.valueOf(map.info().id());

        Result show = java(jar, "map", "show", id);
        assertEquals(0, show.status, show.toString());
        assertEquals("id " + id + "  name cli_test  type ARRAY  key 4B  value 4B  max_entries 4  flags 0x0\n",
                show.out);
        Result lookup = java(jar, "map", "lookup", "pinned", pin("array").toString(), "key", "01000000");
        assertEquals("key: 01 00 00 00  value: d2 04 00 00\n", lookup.out, lookup.toString());
        Result notFound = java(jar, "map", "lookup", id, "key", "09000000");
        assertEquals(1, notFound.status, notFound.toString());
        assertEquals("bpf4j map lookup: key not found: 09 00 00 00\n", notFound.err);
        Result usage = java(jar, "map");
        assertEquals(2, usage.status, usage.toString());
        assertEquals(MapCommand.USAGE_TEXT, usage.err);
        Result top = java(jar, "frob");
        assertEquals(2, top.status, top.toString());
        assertEquals(Main.USAGE + "\n", top.err);
    }

    // ----

    private static final class Result {
        final int status;
        final String out;
        final String err;

        Result(int status, String out, String err) {
            this.status = status;
            this.out = out;
            this.err = err;
        }

        @Override
        public String toString() {
            return "status " + status + ", stdout [" + out + "], stderr [" + err + "]";
        }
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, "UTF-8"); PrintStream e = new PrintStream(err, true, "UTF-8")) {
            status = MapCommand.run(args, o, e);
        } catch (java.io.UnsupportedEncodingException e) {
            throw new AssertionError(e);
        }
        return new Result(status, text(out.toByteArray()), text(err.toByteArray()));
    }

    private static byte[] hex(String... tokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String t : tokens) {
            MapCommand.parseHex(t, "key", bytes);
        }
        return bytes.toByteArray();
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }

    private static String[] lines(String s) {
        return s.split("\n");
    }

    private Path pin(String suffix) {
        return Paths.get(pinPrefix() + suffix);
    }

    private BpfMap pinned(MapSpec spec, String suffix) {
        BpfMap map = BpfMap.create(spec);
        maps.add(map);
        Path path = pin(suffix);
        pins.add(path);
        map.pin(path);
        return map;
    }

    /**
     * target/bpf4j-*.jar if it was built (and shaded) from these sources, else null: then Main runs from the
     * class path (verify tests before it packages).
     */
    private static File builtJar() throws IOException {
        File[] jars = new File("target").listFiles((dir, name) -> name.startsWith("bpf4j-") && name.endsWith(".jar")
                && !name.endsWith("-sources.jar") && !name.endsWith("-javadoc.jar"));
        if (jars == null || jars.length != 1) {
            return null;
        }
        try (ZipFile zip = new ZipFile(jars[0])) {
            // A build stopped between the jar and the shade step leaves a jar without its dependencies.
            if (zip.getEntry("io/github/bpf4j/internal/shaded/") == null && zip.stream()
                    .noneMatch(e -> e.getName().startsWith("io/github/bpf4j/internal/shaded/"))) {
                return null;
            }
        }
        for (Class<?> c : Arrays.asList(Main.class, MapCommand.class)) {
            String entry = c.getName().replace('.', '/') + ".class";
            try (ZipFile zip = new ZipFile(jars[0]); InputStream current = c.getClassLoader().getResourceAsStream(entry)) {
                ZipEntry e = zip.getEntry(entry);
                if (e == null || current == null || !Arrays.equals(readAll(zip.getInputStream(e)), readAll(current))) {
                    return null;
                }
            }
        }
        return jars[0];
    }

    private static Result java(File jar, String... args) throws Exception {
        List<String> command = new ArrayList<String>();
        command.add(System.getProperty("java.home") + "/bin/java");
        command.add("-XX:+IgnoreUnrecognizedVMOptions");
        command.add("--enable-native-access=ALL-UNNAMED");
        if (jar != null) {
            command.add("-jar");
            command.add(jar.getPath());
        } else {
            // Tests run before the jar is packaged: the same entry point, from the class path.
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(Main.class.getName());
        }
        command.addAll(Arrays.asList(args));
        File err = File.createTempFile("bpf4j-cli", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectError(err).start();
            p.getOutputStream().close();
            byte[] out = io.github.bpf4j.ChildJvm.drainBytes(p, 120, TimeUnit.SECONDS, String.join(" ", command));
            return new Result(p.exitValue(), text(out), text(Files.readAllBytes(err.toPath())));
        } finally {
            assertTrue(err.delete() || !err.exists());
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (int n; (n = in.read(buf)) > 0;) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
