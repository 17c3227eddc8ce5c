/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfMap;
import io.github.bpf4j.ChildJvm;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, run in-process through {@link Main#run}; CliJarTest runs the packaged jar. */
class CliTest {
    private final List<Path> pins = new ArrayList<Path>();
    private final List<BpfMap> maps = new ArrayList<BpfMap>();
    private Kernel.PrivateBpfFs bpffs;

    @AfterEach
    void unpinAndClose() throws Exception {
        try {
            for (Path pin : pins) {
                if (Files.exists(pin)) {
                    Files.delete(pin);
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

    // ---- the command line alone: no kernel needed

    @Test
    void helpGoesToStdoutWithStatus0AtEveryLevel() {
        for (String[] args : new String[][] {{"help"}, {"-h"}, {"--help"}, {"map", "help"}, {"map", "-h"},
            {"map", "--help"}, {"--help", "map"}, {"m", "he"}}) {
            Result r = run(args);
            String what = Arrays.toString(args) + " -> " + r;
            assertEquals(0, r.status, what);
            assertEquals("", r.err, what);
            assertTrue(r.out.startsWith("Usage: java -jar bpf4j.jar "), what);
        }
        assertEquals(Main.USAGE, run("--help").out);
        assertEquals(MapCommand.USAGE_TEXT, run("map", "help").out);
        Result none = run();
        assertEquals(2, none.status);
        assertEquals("", none.out);
        assertEquals(Main.USAGE, none.err, "no command: the usage, on stderr, status 2");
    }

    @Test
    void versionOptionAndJson() {
        for (String option : new String[] {"-V", "--version"}) {
            Result r = run(option);
            assertEquals(0, r.status, r.toString());
            assertTrue(r.out.matches("bpf4j v\\S+\nusing libbpf v1\\.\\d+(\\.\\d+)?\n"), r.out);
        }
        Result json = run("-j", "-V");
        assertEquals(0, json.status);
        assertTrue(json.out.matches("\\{\"version\":\"[^\"]+\",\"libbpf_version\":\"1\\.\\d+(\\.\\d+)?\"}\n"), json.out);
    }

    @Test
    void unknownWordsAreNamedAndExtraArgumentsRefused() {
        Result verb = run("frob");
        assertEquals(2, verb.status);
        assertTrue(verb.err.startsWith("bpf4j: unknown object 'frob'"), verb.err);
        Result mapVerb = run("map", "frob", "id", "1");
        assertEquals(2, mapVerb.status);
        assertEquals("bpf4j map frob: unknown command 'frob'; the commands are show, list, dump, lookup, update,"
                + " delete, help (run 'java -jar bpf4j.jar map help' for usage)\n", mapVerb.err);
        Result option = run("--frob");
        assertEquals(2, option.status);
        assertTrue(option.err.startsWith("bpf4j: unknown option '--frob'"), option.err);
        for (String[] args : new String[][] {{"version", "extra"}, {"demo", "now"}, {"help", "me"},
            {"map", "help", "extra"}}) {
            Result r = run(args);
            assertEquals(2, r.status, Arrays.toString(args) + " -> " + r);
            assertTrue(r.err.contains("unexpected argument '" + args[args.length - 1] + "'"), r.err);
        }
        // Under -j (wherever it stands) scripts get bpftool's {"error": ...} on stdout instead, same status.
        for (String[] args : new String[][] {{"-j", "frob"}, {"--frob", "-j"}, {"-j", "map", "frob", "id", "1"},
            {"-j", "version", "extra"}, {"-j", "map", "show", "0"}}) {
            Result r = run(args);
            assertEquals(2, r.status, Arrays.toString(args) + " -> " + r);
            assertTrue(r.out.startsWith("{\"error\":\"") && r.out.trim().endsWith("\"}"), Arrays.toString(args)
                    + " -> " + r);
            assertEquals("", r.err, Arrays.toString(args));
        }
    }

    /** bpftool's MAP := id ID | pinned FILE | name NAME: a bare word is never a path or an id. */
    @Test
    void mapsAreNamedOnlyBpftoolsWay() {
        String[][] wrong = {
            {"map", "show", "0"},
            {"map", "show", "4294967296"},
            {"map", "show", "/sys/fs/bpf/x"},
            {"map", "show", "id"},
            {"map", "show", "id", "0"},
            {"map", "show", "id", "4294967296"},
            {"map", "show", "id", "abc"},
            {"map", "dump", "id", "12", "extra"},
            {"map", "lookup"},
            {"map", "show", "pinned", ""},
        };
        for (String[] args : wrong) {
            Result r = run(args);
            String what = Arrays.toString(args) + " -> " + r;
            assertEquals(2, r.status, what);
            assertEquals("", r.out, what);
            assertTrue(r.err.startsWith("bpf4j map " + args[1] + ": "), what);
            assertEquals(1, lines(r.err).length, what);
        }
        assertTrue(run("map", "show", "0").err.contains("expected 'id', 'pinned' or 'name', got '0'"));
        assertTrue(run("map", "show", "id", "4294967296").err.contains("is not a map id (1 to 2147483647)"));
        assertTrue(run("map", "show", "id", "0").err.contains("'0' is not a map id"));
    }

    /** bpftool's parse_bytes: decimal, 0x hex, 0 octal; 'hex' makes every word hex; d2 alone is an error. */
    @Test
    void bytesAsBpftoolReadsThem() {
        assertArrayEquals(new byte[] {10, 0, 0, 0}, bytes("10", "0", "0", "0"));
        assertArrayEquals(new byte[] {10, 0, 0, 0}, bytes("0x0a", "0", "00", "0X0"));
        assertArrayEquals(new byte[] {8, 0, 0, 0}, bytes("010", "0", "0", "0"), "leading 0: octal, as strtoul");
        assertArrayEquals(new byte[] {0x10, 0, 0, (byte) 0xd2}, bytes("hex", "10", "0", "0", "d2"));
        assertArrayEquals(new byte[] {0x10, 0, 0, (byte) 0xd2}, bytes("he", "0x10", "00", "0", "D2"));
        assertArrayEquals(new byte[] {(byte) 255, 0, 0, 0}, bytes("255", "0", "0", "0"));
        for (String bad : new String[] {"d2", "256", "0x100", "-1", "+1", "", "0x", "08", "1.0", "01000000"}) {
            MapCommand.UsageError e = assertThrows(MapCommand.UsageError.class, () -> bytes(bad, "0", "0", "0"),
                    bad);
            assertTrue(e.getMessage().startsWith("key: "), e.getMessage());
        }
        assertTrue(assertThrows(MapCommand.UsageError.class, () -> bytes("d2", "0", "0", "0")).getMessage()
                .contains("write 'hex' first for bare hex"));
        assertEquals("key expected 4 bytes got 3",
                assertThrows(MapCommand.UsageError.class, () -> bytes("1", "0", "0")).getMessage());
        assertThrows(MapCommand.UsageError.class, () -> bytes("hex", "zz", "0", "0", "0"));
        assertEquals("00 7f 80 ff", MapCommand.hex(new byte[] {0, 0x7f, (byte) 0x80, (byte) 0xff}));
    }

    // ---- on real maps

    @Test
    void showByIdPinAndNameInBpftoolsLayout() {
        Kernel.requireBpf();
        String name = "cli" + Kernel.nonce(8);
        BpfMap map = pinned(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(4).name(name), "array");
        int id = map.info().id();
        String expected = id + ": array  name " + name + "  flags 0x0\n\tkey 4B  value 4B  max_entries 4\n";
        String path = pin("array").toString();
        for (String[] args : new String[][] {
            {"map", "show", "pinned", path}, {"map", "show", "id", String.valueOf(id)}, {"map", "list", "name", name},
            {"map", "s", "i", String.valueOf(id)}, {"map", "show", "name", name},
        }) {
            Result r = run(args);
            assertEquals(0, r.status, Arrays.toString(args) + " -> " + r);
            assertEquals(expected, r.out, Arrays.toString(args));
            assertEquals("", r.err);
        }
        Result json = run("-j", "map", "show", "id", String.valueOf(id));
        assertEquals("{\"id\":" + id + ",\"type\":\"array\",\"name\":\"" + name + "\",\"flags\":0,\"bytes_key\":4,"
                + "\"bytes_value\":4,\"max_entries\":4}\n", json.out);
        assertEquals("[" + json.out.trim() + "]\n", run("map", "show", "name", name, "--json").out);
    }

    /** bpftool lists every map for 'map show' alone (and 'map' alone): ours is among them. */
    @Test
    void showWithoutAMapListsAllMaps() {
        Kernel.requireBpf();
        String name = "cli" + Kernel.nonce(8);
        BpfMap map = pinned(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(8).name(name), "hash");
        String line = map.info().id() + ": hash  name " + name + "  flags 0x0\n\tkey 4B  value 8B  max_entries 8\n";
        for (String[] args : new String[][] {{"map", "show"}, {"map", "list"}, {"map"}}) {
            Result r = run(args);
            assertEquals(0, r.status, r.toString());
            assertTrue(r.out.contains(line), Arrays.toString(args) + " -> " + r.out);
        }
        Result json = run("-j", "map", "show");
        assertTrue(json.out.startsWith("[{\"id\":") && json.out.endsWith("}]\n"), json.out);
        assertTrue(json.out.contains("{\"id\":" + map.info().id() + ",\"type\":\"hash\",\"name\":\"" + name + "\""),
                json.out);
    }

    @Test
    void arrayUpdateLookupDumpWithBpftoolsBytes() {
        Kernel.requireBpf();
        BpfMap map = pinned(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(4).name("cli_test"), "array");
        String path = pin("array").toString();
        String id = String.valueOf(map.info().id());

        Result update = run("map", "update", "pinned", path, "key", "1", "0", "0", "0", "value", "210", "4", "0", "0");
        assertEquals(0, update.status, update.toString());
        assertEquals("", update.out + update.err);
        assertArrayEquals(new byte[] {(byte) 210, 4, 0, 0}, map.lookup(new byte[] {1, 0, 0, 0}));

        Result outOfRange = run("map", "update", "id", id, "key", "10", "0", "0", "0", "value", "1", "0", "0", "0");
        assertEquals(1, outOfRange.status, "index ten of four: " + outOfRange);
        assertTrue(outOfRange.err.contains("E2BIG"), outOfRange.err);
        assertEquals(0, run("map", "update", "id", id, "key", "0x02", "0", "0", "0", "value", "hex", "2a", "0", "0",
                "0").status);
        assertArrayEquals(new byte[] {42, 0, 0, 0}, map.lookup(new byte[] {2, 0, 0, 0}));
        assertEquals(0, run("map", "update", "id", id, "key", "3", "0", "0", "0", "value", "255", "255", "255",
                "255", "exist").status);
        assertEquals(0, run("map", "update", "id", id, "key", "0", "0", "0", "0", "value", "10", "0", "0", "0").status);
        assertArrayEquals(new byte[] {10, 0, 0, 0}, map.lookup(new byte[4]), "value 10 is decimal ten");
        assertEquals(0, run("map", "update", "id", id, "key", "0", "0", "0", "0", "value", "0", "0", "0", "0").status);

        Result lookup = run("map", "lookup", "id", id, "key", "hex", "01", "00", "00", "00");
        assertEquals(0, lookup.status, lookup.toString());
        assertEquals("key: 01 00 00 00  value: d2 04 00 00\n", lookup.out);
        assertEquals("{\"key\":[\"0x01\",\"0x00\",\"0x00\",\"0x00\"],\"value\":[\"0xd2\",\"0x04\",\"0x00\",\"0x00\"]}\n",
                run("map", "lookup", "id", id, "key", "1", "0", "0", "0", "-j").out);

        Result dump = run("map", "dump", "pinned", path);
        assertEquals(0, dump.status, dump.toString());
        assertEquals("key: 00 00 00 00  value: 00 00 00 00\n"
                + "key: 01 00 00 00  value: d2 04 00 00\n"
                + "key: 02 00 00 00  value: 2a 00 00 00\n"
                + "key: 03 00 00 00  value: ff ff ff ff\n"
                + "Found 4 elements\n", dump.out);
        Result dumpJson = run("-j", "map", "dump", "id", id);
        assertTrue(dumpJson.out.startsWith("[{\"key\":[\"0x00\",\"0x00\",\"0x00\",\"0x00\"],\"value\":"), dumpJson.out);
        assertEquals(4, dumpJson.out.split("\"key\"").length - 1, dumpJson.out);
        assertEquals("null\n", run("-j", "map", "update", "id", id, "key", "0", "0", "0", "0", "value", "0", "0", "0",
                "0").out, "bpftool -j prints null for an update");
    }

    @Test
    void hashNotFoundExistsAndDelete() {
        Kernel.requireBpf();
        BpfMap map = pinned(MapSpec.of(MapType.HASH).keySize(4).valueSize(8).maxEntries(8).name("cli_hash"), "hash");
        String path = pin("hash").toString();
        assertEquals("Found 0 elements\n", run("map", "dump", "pinned", path).out);
        String[] key7 = {"key", "7", "0", "0", "0"};
        String[] one = {"value", "1", "0", "0", "0", "0", "0", "0", "0"};

        Result missing = run(concat(new String[] {"map", "lookup", "pinned", path}, key7));
        assertEquals(1, missing.status, missing.toString());
        assertEquals("", missing.out);
        assertEquals("bpf4j map lookup: key not found: 07 00 00 00\n", missing.err);
        Result missingJson = run(concat(new String[] {"-j", "map", "lookup", "pinned", path}, key7));
        assertEquals(1, missingJson.status);
        assertEquals("{\"error\":\"key not found: 07 00 00 00\"}\n", missingJson.out);

        Result replaceMissing = run(concat(new String[] {"map", "update", "pinned", path}, key7, one,
                new String[] {"exist"}));
        assertEquals(1, replaceMissing.status, replaceMissing.toString());
        assertTrue(replaceMissing.err.contains("key not found"), replaceMissing.err);

        assertEquals(0, run(concat(new String[] {"map", "update", "pinned", path}, key7, one,
                new String[] {"noex"})).status, "flags by prefix, as bpftool");
        Result again = run(concat(new String[] {"map", "update", "pinned", path}, key7, one, new String[] {"noexist"}));
        assertEquals(1, again.status, again.toString());
        assertTrue(again.err.contains("exists already"), again.err);
        assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0, 0, 0}, map.lookup(new byte[] {7, 0, 0, 0}));

        Result delete = run(concat(new String[] {"map", "delete", "pinned", path}, key7));
        assertEquals(0, delete.status, delete.toString());
        assertNull(map.lookup(new byte[] {7, 0, 0, 0}));
        Result deleteAgain = run(concat(new String[] {"map", "delete", "id", String.valueOf(map.info().id())}, key7));
        assertEquals(1, deleteAgain.status);
        assertEquals("bpf4j map delete: key not found: 07 00 00 00\n", deleteAgain.err);
    }

    @Test
    void wrongSizesAndWordsAreUsageErrors() {
        Kernel.requireBpf();
        pinned(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(4).name("cli_test"), "array");
        String path = pin("array").toString();
        Result shortKey = run("map", "lookup", "pinned", path, "key", "1", "0", "0");
        assertEquals(2, shortKey.status, shortKey.toString());
        assertTrue(shortKey.err.startsWith("bpf4j map lookup: key expected 4 bytes got 3"), shortKey.err);
        Result longValue = run("map", "update", "pinned", path, "key", "1", "0", "0", "0", "value", "1", "2", "3",
                "4", "5");
        assertEquals(2, longValue.status, longValue.toString());
        assertTrue(longValue.err.startsWith("bpf4j map update: unexpected argument '5'"), longValue.err);
        Result d2 = run("map", "lookup", "pinned", path, "key", "d2", "0", "0", "0");
        assertEquals(2, d2.status);
        assertTrue(d2.err.contains("error parsing byte: 'd2'"), d2.err);
        assertEquals(2, run("map", "update", "pinned", path, "key", "1", "0", "0", "0").status);
        assertTrue(run("map", "update", "pinned", path, "key", "1", "0", "0", "0").err.contains("did not find value"));
        assertEquals(2, run("map", "lookup", "pinned", path, "key", "1", "0", "0", "0", "key", "1", "0", "0", "0")
                .status);
    }

    @Test
    void perCpuValuesGoToEveryCpu() {
        Kernel.requireBpf();
        BpfMap map = pinned(MapSpec.of(MapType.PERCPU_ARRAY).valueSize(4).maxEntries(2).name("cli_percpu"), "pcpu");
        String path = pin("pcpu").toString();
        int cpus = BpfMap.possibleCpus();
        assertEquals(0, run("map", "update", "pinned", path, "key", "0", "0", "0", "0", "value", "42", "0", "0", "0")
                .status);
        StringBuilder expected = new StringBuilder("key:\n00 00 00 00\n");
        for (int cpu = 0; cpu < cpus; cpu++) {
            expected.append(String.format("value (CPU %02d): 2a 00 00 00\n", cpu));
        }
        Result lookup = run("map", "lookup", "pinned", path, "key", "0", "0", "0", "0");
        assertEquals(0, lookup.status, lookup.toString());
        assertEquals(expected.toString(), lookup.out);
        assertEquals(42, map.lookupPerCpu(new byte[4])[cpus - 1][0]);
        Result json = run("-j", "map", "lookup", "pinned", path, "key", "0", "0", "0", "0");
        assertTrue(json.out.startsWith("{\"key\":[\"0x00\",\"0x00\",\"0x00\",\"0x00\"],\"values\":[{\"cpu\":0,"
                + "\"value\":[\"0x2a\",\"0x00\",\"0x00\",\"0x00\"]}"), json.out);
    }

    @Test
    void failuresAreOneLineWithTheHint() {
        Kernel.requireBpf();
        String absent = pinPrefix() + "absent";
        Result noPin = run("map", "show", "pinned", absent);
        assertEquals(1, noPin.status, noPin.toString());
        assertEquals(1, lines(noPin.err).length, noPin.err);
        assertTrue(noPin.err.startsWith("bpf4j map show: bpf_obj_get(" + absent + ") failed: ENOENT"), noPin.err);
        Result noId = run("map", "dump", "id", String.valueOf(Integer.MAX_VALUE));
        assertEquals(1, noId.status, noId.toString());
        assertTrue(noId.err.startsWith("bpf4j map dump: bpf_map_get_fd_by_id(2147483647) failed: ENOENT"), noId.err);
        Result noName = run("map", "show", "name", "no_such_" + Kernel.nonce(6));
        assertEquals(1, noName.status, noName.toString());
        assertTrue(noName.err.contains("no map is named"), noName.err);
        assertFalse(noName.err.contains("Exception"), noName.err);
    }

    /**
     * Without privileges: version still reports, and says tracefs is mounted
     * but closed to this user (not "not mounted"), with what helps.
     */
    @Test
    void versionAsNobodyTellsInaccessibleTracefsFromUnmounted(@TempDir Path dir) throws Exception {
        Kernel.requireBpf(); // root is needed to drop to nobody
        assumeTrue(ChildJvm.canDropToNobody(), ChildJvm.DROP_REASON);
        assumeTrue(VersionReport.mounted(VersionReport.TRACEFS, "tracefs"), "tracefs is not mounted here");
        assumeTrue((Files.getPosixFilePermissions(Paths.get(VersionReport.TRACEFS)).stream()
                .noneMatch(p -> p.name().startsWith("OTHERS"))), "tracefs is open to everyone here");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        ChildJvm.Result r = ChildJvm.runAsNobody(Files.createDirectory(dir.resolve("plain")), Main.class, "version");
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.contains("tracefs  mounted at /sys/kernel/tracing, but not accessible to uid 65534"
                + " (root's, mode 0700): " + Main.TRACEFS_ADVICE), r.output);
        assertFalse(r.output.contains("not mounted (TracePipe"), r.output);
        ChildJvm.Result json = ChildJvm.runAsNobody(Files.createDirectory(dir.resolve("json")), Main.class, "-j",
                "version");
        assertTrue(json.output.contains("\"tracefs\":\"inaccessible\""), json.output);
    }

    /**
     * bpftool's "can't get next map: Operation not permitted": walking map ids needs CAP_SYS_ADMIN, and a
     * refusal must not read as "there are no maps" (or "no map has that name").
     */
    @Test
    void mapShowAsNobodyIsARefusalNotAnEmptyList(@TempDir Path dir) throws Exception {
        Kernel.requireBpf(); // root is needed to drop to nobody
        assumeTrue(ChildJvm.canDropToNobody(), ChildJvm.DROP_REASON);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        ChildJvm.Result plain = ChildJvm.runAsNobody(Files.createDirectory(dir.resolve("plain")), Main.class, "map",
                "show");
        assertNotEquals(0, plain.exitCode, plain.output);
        assertTrue(plain.output.contains("bpf_map_get_next_id") && plain.output.contains("EPERM"), plain.output);
        ChildJvm.Result json = ChildJvm.runAsNobody(Files.createDirectory(dir.resolve("json")), Main.class, "-j",
                "map", "show");
        assertNotEquals(0, json.exitCode, json.output);
        assertTrue(json.output.contains("\"error\"") && json.output.contains("EPERM"), json.output);
        assertFalse(json.output.trim().equals("[]"), json.output);
        ChildJvm.Result named = ChildJvm.runAsNobody(Files.createDirectory(dir.resolve("named")), Main.class, "map",
                "show", "name", "bpf4j_nothing");
        assertNotEquals(0, named.exitCode, named.output);
        assertFalse(named.output.contains("no map is named"), named.output);
        assertTrue(named.output.contains("EPERM"), named.output);
    }

    // ----

    static final class Result {
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

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, "UTF-8"); PrintStream e = new PrintStream(err, true, "UTF-8")) {
            status = Main.run(args, o, e);
        } catch (java.io.UnsupportedEncodingException e) {
            throw new AssertionError(e);
        }
        return new Result(status, text(out.toByteArray()), text(err.toByteArray()));
    }

    private static byte[] bytes(String... words) {
        byte[] into = new byte[4];
        MapCommand.parseBytes(Arrays.asList(words), 0, "key", into);
        return into;
    }

    private static String[] concat(String[]... parts) {
        List<String> all = new ArrayList<String>();
        for (String[] p : parts) {
            all.addAll(Arrays.asList(p));
        }
        return all.toArray(new String[0]);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }

    private static String[] lines(String s) {
        return s.split("\n");
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
}
