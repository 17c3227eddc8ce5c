/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfMap;
import io.github.bpf4j.ChildJvm;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar as users run it: {@code java -jar bpf4j.jar ...}, through
 * its manifest. The pom runs this test in the {@code verify} phase, after the
 * jar is built and shaded, and passes its path as {@code bpf4j.jar}; without
 * the jar the test fails rather than fall back to the class path.
 */
class CliJarTest {
    private static File jar() {
        String path = System.getProperty("bpf4j.jar");
        assertNotNull(path, "bpf4j.jar is not set: this test runs in the verify phase (mvn verify), after package");
        File jar = new File(path);
        assertTrue(jar.isFile(), "no jar at " + jar + ": run mvn verify (package builds the jar first)");
        return jar;
    }

    @Test
    void theManifestRunsTheCli() throws Exception {
        try (JarFile jar = new JarFile(jar())) {
            assertEquals(Main.class.getName(), jar.getManifest().getMainAttributes().getValue("Main-Class"));
            assertNotNull(jar.getEntry("io/github/bpf4j/cli/Main.class"));
            assertNull(jar.getEntry("io/github/bpf4j/internal/Main.class"), "the CLI left internal");
            assertNotNull(jar.getEntry("io/github/bpf4j/internal/shaded/nativelib/DefaultJniExtractor.class"),
                    "the jar is the shaded one, which runs alone");
        }
        CliTest.Result help = java("--help");
        assertEquals(0, help.status, help.toString());
        assertEquals(Main.USAGE, help.out);
        assertEquals("", help.err);
        CliTest.Result version = java("-V");
        assertEquals(0, version.status, version.toString());
        assertTrue(version.out.startsWith("bpf4j v"), version.out);
        CliTest.Result wrong = java("frob");
        assertEquals(2, wrong.status, wrong.toString());
        assertTrue(wrong.err.startsWith("bpf4j: unknown object 'frob'"), wrong.err);
    }

    @Test
    void mapCommandsFromTheJar() throws Exception {
        Kernel.requireBpf();
        File jar = jar();
        try (BpfMap map = BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(4).name("cli_jar"))) {
            map.update(new byte[] {1, 0, 0, 0}, new byte[] {(byte) 0xd2, 4, 0, 0});
            String id = String.valueOf(map.info().id());
            CliTest.Result show = java("map", "show", "id", id);
            assertEquals(0, show.status, show.toString());
            assertEquals(id + ": array  name cli_jar  flags 0x0\n\tkey 4B  value 4B  max_entries 4\n", show.out);
            CliTest.Result lookup = java("map", "lookup", "id", id, "key", "1", "0", "0", "0");
            assertEquals("key: 01 00 00 00  value: d2 04 00 00\n", lookup.out, lookup.toString());
            CliTest.Result json = java("-j", "map", "lookup", "id", id, "key", "hex", "01", "00", "00", "00");
            assertEquals("{\"key\":[\"0x01\",\"0x00\",\"0x00\",\"0x00\"],\"value\":[\"0xd2\",\"0x04\",\"0x00\","
                    + "\"0x00\"]}\n", json.out, json.toString());
            CliTest.Result missing = java("map", "lookup", "id", id, "key", "9", "0", "0", "0");
            assertEquals(1, missing.status, missing.toString());
            CliTest.Result usage = java("map", "show", "0");
            assertEquals(2, usage.status, usage.toString());
        }
        assertTrue(jar.isFile());
    }

    /** The jar's resource folder bpf4j/include holds the headers, and the headers verb writes them all out. */
    @Test
    void theJarCarriesTheBpfHeaders() throws Exception {
        java.nio.file.Path dir = Files.createTempDirectory("bpf4j-headers");
        try {
            try (JarFile jar = new JarFile(jar())) {
                assertNotNull(jar.getEntry("bpf4j/include/INDEX"));
                for (String name : io.github.bpf4j.gen.BpfHeadersTest.REQUIRED) {
                    assertNotNull(jar.getEntry("bpf4j/include/" + name), name);
                }
            }
            CliTest.Result r = java("headers", dir.toString());
            assertEquals(0, r.status, r.toString());
            for (String name : io.github.bpf4j.gen.BpfHeadersTest.REQUIRED) {
                assertTrue(Files.isRegularFile(dir.resolve(name)), name);
            }
            if (Files.isReadable(java.nio.file.Paths.get("/sys/kernel/btf/vmlinux"))) {
                java.nio.file.Path h = dir.resolve("vmlinux.h");
                CliTest.Result dump = java("btf", "dump", "--format", "c", "--out", h.toString());
                assertEquals(0, dump.status, dump.toString());
                assertTrue(new String(Files.readAllBytes(h), java.nio.charset.StandardCharsets.UTF_8)
                        .endsWith("#endif /* __VMLINUX_H__ */\n"));
            }
        } finally {
            try (java.util.stream.Stream<java.nio.file.Path> all = Files.walk(dir)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * JDK 24+ warns when a class-path library calls System.load without native access enabled (JEP 472). The
     * manifest's Enable-Native-Access: ALL-UNNAMED covers java -jar; a service that puts the jar on its class
     * path needs --enable-native-access=ALL-UNNAMED, as the README says.
     */
    @Test
    void noNativeAccessWarningFromJavaJarOnJdk25() throws Exception {
        java.io.File jdk25 = jdk("jdk25");
        try (JarFile jar = new JarFile(jar())) {
            assertEquals("ALL-UNNAMED", jar.getManifest().getMainAttributes().getValue("Enable-Native-Access"));
        }
        CliTest.Result jarRun = run(jdk25.getPath(), "-jar", jar().getPath(), "version");
        assertEquals(0, jarRun.status, jarRun.toString());
        assertTrue(!jarRun.err.contains("restricted method"), "java -jar on JDK 25 warns: " + jarRun.err);
        CliTest.Result classPath = run(jdk25.getPath(), "-cp", jar().getPath(), Main.class.getName(), "version");
        assertTrue(classPath.err.contains("WARNING: A restricted method in java.lang.System has been called")
                && classPath.err.contains("--enable-native-access=ALL-UNNAMED"), classPath.toString());
        CliTest.Result enabled = run(jdk25.getPath(), "--enable-native-access=ALL-UNNAMED", "-cp", jar().getPath(),
                Main.class.getName(), "version");
        assertEquals(0, enabled.status, enabled.toString());
        assertTrue(!enabled.err.contains("restricted method"), enabled.err);
    }

    /** A JDK of the matrix (-Dbpf4j.jdks, else ./setup.sh's .cache/jdks next to target/), or the test is skipped. */
    private static java.io.File jdk(String name) {
        String dirs = System.getProperty("bpf4j.jdks",
                new File(jar().getAbsoluteFile().getParentFile().getParentFile(), ".cache/jdks").getPath());
        java.io.File java = new java.io.File(new java.io.File(dirs, name), "bin/java");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.canExecute(), "no " + name + " at " + java
                + " (./setup.sh test provides it; -Dbpf4j.jdks=DIR names another place)");
        return java;
    }

    private static CliTest.Result java(String... args) throws Exception {
        List<String> command = new ArrayList<String>();
        command.add(System.getProperty("java.home") + "/bin/java");
        command.add("-XX:+IgnoreUnrecognizedVMOptions");
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-jar");
        command.add(jar().getPath());
        command.addAll(Arrays.asList(args));
        return run(command.toArray(new String[0]));
    }

    private static CliTest.Result run(String... commandLine) throws Exception {
        List<String> command = Arrays.asList(commandLine);
        File err = File.createTempFile("bpf4j-cli", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectError(err).start();
            p.getOutputStream().close();
            byte[] out = ChildJvm.drainBytes(p, 120, TimeUnit.SECONDS, String.join(" ", command));
            return new CliTest.Result(p.exitValue(), CliTest.text(out), CliTest.text(Files.readAllBytes(err.toPath())));
        } finally {
            assertTrue(err.delete() || !err.exists());
        }
    }
}
