package io.github.bpf4j.maven;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ClangTest {
    @TempDir
    Path tmp;

    private static Clang real;

    /** The clang a build on this machine would use (one probe per test JVM). */
    static synchronized Clang realClang() throws BpfBuildException {
        String path = System.getenv("PATH");
        assumeTrue(!Clang.candidates(path).isEmpty(), "no clang on PATH (" + path + "): install clang-19");
        if (real == null) {
            real = Clang.locate(null, Clang.TESTED_MAJOR);
        }
        return real;
    }

    private Path script(String name, String body) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, ("#!/bin/sh\n" + body + "\n").getBytes(StandardCharsets.UTF_8));
        assertTrue(p.toFile().setExecutable(true));
        return p;
    }

    @Test
    void findsTheTestedClangOnPath() throws Exception {
        Clang c = realClang();
        assertTrue(c.major() >= Clang.TESTED_MAJOR, c.toString());
        assertTrue(c.version().contains("clang version"), c.version());
    }

    @Test
    void systemIncludesComeFromClangItself() throws Exception {
        List<String> dirs = realClang().systemIncludes();
        assertFalse(dirs.isEmpty());
        assertTrue(dirs.contains("/usr/include"), dirs.toString());
    }

    @Test
    void tooOldClangIsRefusedWithItsVersionAndWhatToDo() throws Exception {
        Path old = script("clang", "echo 'Debian clang version 9.0.1-16'; echo 'Target: x86_64-pc-linux-gnu'");
        BpfBuildException e = assertThrows(BpfBuildException.class, () -> Clang.locate(old.toString(), 14));
        assertTrue(e.getMessage().contains("is clang 9.0"), e.getMessage());
        assertTrue(e.getMessage().contains("clang 14 or newer is needed"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dbpf4j.clang"), e.getMessage());
    }

    @Test
    void versionLineIsParsedFromVendorBuilds() throws Exception {
        Clang c = Clang.probe(script("clang-20", "echo 'Ubuntu clang version 20.1.2 (0ubuntu1)'"));
        assertEquals(20, c.major());
        assertEquals("Ubuntu clang version 20.1.2 (0ubuntu1)", c.version());
    }

    @Test
    void somethingElseIsNotTakenForClang() throws Exception {
        Path gcc = script("cc", "echo 'gcc (Debian 12.2.0-14) 12.2.0'");
        BpfBuildException e = assertThrows(BpfBuildException.class, () -> Clang.probe(gcc));
        assertTrue(e.getMessage().contains("printed no clang version"), e.getMessage());
        assertTrue(e.getMessage().contains("gcc (Debian 12.2.0-14) 12.2.0"), e.getMessage());
    }

    @Test
    void configuredNameMissingFromPathSaysSo() {
        BpfBuildException e = assertThrows(BpfBuildException.class,
                () -> Clang.locate("clang-no-such-version", 14));
        assertTrue(e.getMessage().contains("'clang-no-such-version'"), e.getMessage());
        assertTrue(e.getMessage().contains("not on PATH"), e.getMessage());
    }

    @Test
    void candidatesPreferClang19ThenClangThenNewestVersioned() throws Exception {
        script("clang-17", "true");
        script("clang-21", "true");
        script("clang", "true");
        script("clang-19", "true");
        script("clang-format-19", "true");
        List<Path> c = Clang.candidates(tmp.toString());
        assertEquals(4, c.size(), c.toString());
        assertEquals(tmp.resolve("clang-19"), c.get(0));
        assertEquals(tmp.resolve("clang"), c.get(1));
        assertEquals(tmp.resolve("clang-21"), c.get(2));
        assertEquals(tmp.resolve("clang-17"), c.get(3));
    }
}
