/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.gen.BpfHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The btf and headers commands, in-process; CliJarTest runs them from the packaged jar. */
class BtfHeadersCliTest {
    @TempDir
    Path tmp;

    private static Path object() throws Exception {
        return Paths.get(BtfHeadersCliTest.class.getResource("/bpf/typed_test.bpf.o").toURI());
    }

    @Test
    void helpAndWrongCommandLines() {
        for (String[] args : new String[][] {{"btf", "help"}, {"btf", "-h"}, {"-h", "btf", "dump"}}) {
            CliTest.Result r = CliTest.run(args);
            assertEquals(0, r.status, r.toString());
            assertEquals(BtfCommand.USAGE, r.out);
        }
        CliTest.Result headersHelp = CliTest.run("headers", "help");
        assertEquals(0, headersHelp.status, headersHelp.toString());
        assertEquals(HeadersCommand.USAGE, headersHelp.out);
        assertTrue(CliTest.run("help").out.contains("btf | gen | headers"));
        String[][] wrong = {{"btf"}, {"btf", "frob"}, {"btf", "dump", "id", "1"}, {"btf", "dump", "file"},
            {"btf", "dump", "format", "raw"}, {"btf", "dump", "--format"}, {"btf", "dump", "format", "c", "format", "c"},
            {"btf", "dump", "-x"}, {"headers"}, {"headers", "a", "b"}, {"map", "show", "--format", "c"}};
        for (String[] args : wrong) {
            CliTest.Result r = CliTest.run(args);
            assertEquals(2, r.status, String.join(" ", args) + ": " + r);
            assertEquals("", r.out, r.toString());
        }
        CliTest.Result raw = CliTest.run("btf", "dump", "format", "raw");
        assertTrue(raw.err.contains("unrecognized format 'raw'; the one format is c"), raw.err);
    }

    @Test
    void dumpWritesTheHeaderInEverySpelling() throws Exception {
        String expected = dump(object());
        for (String[] args : new String[][] {{"btf", "dump", "file", object().toString()},
            {"btf", "dump", "file", object().toString(), "format", "c"},
            {"btf", "d", "f", object().toString(), "--format", "c"},
            {"btf", "dump", "file", object().toString(), "--format=c"}}) {
            CliTest.Result r = CliTest.run(args);
            assertEquals(0, r.status, String.join(" ", args) + ": " + r.err);
            assertEquals(expected, r.out, String.join(" ", args));
            assertEquals("", r.err);
        }
        Path out = tmp.resolve("sub/vmlinux.h");
        CliTest.Result r = CliTest.run("btf", "dump", "file", object().toString(), "--out", out.toString());
        assertEquals(0, r.status, r.toString());
        assertEquals("", r.out);
        assertEquals(expected, new String(Files.readAllBytes(out), StandardCharsets.UTF_8));
        try (java.util.stream.Stream<Path> s = Files.list(out.getParent())) {
            assertEquals(1, s.count(), "no temporary file left");
        }
    }

    @Test
    void theRunningKernelsHeader() throws Exception {
        assumeTrue(Files.isReadable(Paths.get("/sys/kernel/btf/vmlinux")), "no /sys/kernel/btf/vmlinux");
        Path a = tmp.resolve("a.h");
        Path b = tmp.resolve("b.h");
        assertEquals(0, CliTest.run("btf", "dump", "out", a.toString()).status);
        assertEquals(0, CliTest.run("btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c", "out",
                b.toString()).status);
        byte[] h = Files.readAllBytes(a);
        assertTrue(new String(h, 0, 40, StandardCharsets.UTF_8).startsWith("#ifndef __VMLINUX_H__\n"));
        assertTrue(java.util.Arrays.equals(h, Files.readAllBytes(b)), "no source is the running kernel's");
    }

    @Test
    void failuresSayWhatIsWrong() throws Exception {
        CliTest.Result missing = CliTest.run("btf", "dump", "file", tmp.resolve("none").toString());
        assertEquals(1, missing.status, missing.toString());
        assertTrue(missing.err.startsWith("bpf4j btf dump: " + tmp.resolve("none") + ": BtfDump.writeC: no such file"),
                missing.err);
        Path junk = Files.write(tmp.resolve("junk"), new byte[] {1, 2, 3, 4});
        CliTest.Result bad = CliTest.run("btf", "dump", "file", junk.toString());
        assertEquals(1, bad.status, bad.toString());
        assertEquals("", bad.out);
        assertTrue(bad.err.contains("is neither BTF nor an ELF file with BTF"), bad.err);
        CliTest.Result json = CliTest.run("-j", "btf", "dump", "file", object().toString());
        assertEquals(1, json.status, json.toString());
        assertEquals("{\"error\":\"JSON output for C-syntax dump is not supported; run without -j\"}\n", json.out);
        Path file = Files.write(tmp.resolve("file"), new byte[] {1});
        CliTest.Result notDir = CliTest.run("headers", file.resolve("x").toString());
        assertEquals(1, notDir.status, notDir.toString());
        assertTrue(notDir.err.startsWith("bpf4j headers: ") && notDir.err.contains(file.toString()), notDir.err);
    }

    @Test
    void headersWritesTheFolder() throws Exception {
        Path dir = tmp.resolve("include");
        CliTest.Result r = CliTest.run("headers", dir.toString());
        assertEquals(0, r.status, r.toString());
        assertEquals("", r.out);
        for (String name : BpfHeaders.files()) {
            assertTrue(Files.isRegularFile(dir.resolve(name)), name);
        }
        CliTest.Result json = CliTest.run("-j", "headers", dir.toString());
        assertEquals(0, json.status, json.toString());
        assertTrue(json.out.startsWith("{\"dir\":\"" + dir + "\",\"files\":[\"" + dir.resolve(BpfHeaders.files().get(0))),
                json.out);
    }

    private static String dump(Path file) throws Exception {
        StringBuilder sb = new StringBuilder();
        io.github.bpf4j.btf.BtfDump.writeC(file, sb);
        return sb.toString();
    }
}
