/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.Kernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar bpf4j.jar gen skeleton ...}, in-process. */
class GenCommandTest {
    private static Path object(String file) throws Exception {
        return Paths.get(GenCommandTest.class.getClassLoader().getResource("bpf/" + file).toURI());
    }

    @Test
    void writesTheSkeletonAndListsTheFiles(@TempDir Path dir) throws Exception {
        Kernel.requireBpf();
        Path obj = object("skeleton_test.bpf.o");
        CliTest.Result r = CliTest.run("gen", "skeleton", obj.toString(), "--package", "com.example.bpf", "--class",
                "Samples", "--out", dir.toString());
        assertEquals(0, r.status, r.toString());
        Path main = dir.resolve("com/example/bpf/Samples.java");
        assertTrue(r.out.startsWith(main + "\n"), r.out);
        assertEquals(9, r.out.split("\n").length, r.out);
        assertTrue(Files.isRegularFile(dir.resolve("com/example/bpf/Sample.java")));
        CliTest.Result json = CliTest.run("-j", "gen", "skeleton", obj.toString(), "--package", "p", "--out",
                dir.toString(), "--type", "color");
        assertEquals(0, json.status, json.toString());
        assertTrue(json.out.startsWith("[\"" + dir.resolve("p/SkeletonTest.java") + "\""), json.out);
    }

    @Test
    void wrongCommandLinesAreNamed(@TempDir Path dir) throws Exception {
        CliTest.Result help = CliTest.run("gen", "help");
        assertEquals(0, help.status);
        assertEquals(GenCommand.USAGE_TEXT, help.out);
        CliTest.Result noPackage = CliTest.run("gen", "skeleton", "x.bpf.o");
        assertEquals(2, noPackage.status);
        assertTrue(noPackage.err.startsWith("bpf4j gen skeleton: expected --package PACKAGE"), noPackage.err);
        CliTest.Result unknown = CliTest.run("gen", "skeleton", "x.bpf.o", "--pkg", "p");
        assertEquals(2, unknown.status);
        assertTrue(unknown.err.startsWith("bpf4j gen skeleton: unknown option '--pkg'"), unknown.err);
        CliTest.Result missing = CliTest.run("gen", "skeleton", dir.resolve("none.bpf.o").toString(), "--package", "p");
        assertEquals(1, missing.status);
        assertTrue(missing.err.startsWith("bpf4j gen skeleton: no such file: "), missing.err);
        CliTest.Result dangling = CliTest.run("gen", "skeleton", "x.bpf.o", "--package");
        assertEquals(2, dangling.status);
        assertTrue(dangling.err.contains("--package needs a value"), dangling.err);
        CliTest.Result verb = CliTest.run("gen", "frob");
        assertEquals(2, verb.status);
        assertTrue(verb.err.startsWith("bpf4j gen: unknown command 'frob'"), verb.err);
        // elsewhere a long option is still the global mistake it was
        CliTest.Result global = CliTest.run("map", "--package");
        assertEquals(2, global.status);
        assertTrue(global.err.startsWith("bpf4j: unknown option '--package'"), global.err);
    }

    @Test
    void aBadObjectFailsWithTheReason(@TempDir Path dir) throws Exception {
        Kernel.requireBpf();
        Path junk = dir.resolve("junk.bpf.o");
        Files.write(junk, new byte[64]);
        CliTest.Result r = CliTest.run("gen", "skeleton", junk.toString(), "--package", "p", "--out", dir.toString());
        assertEquals(1, r.status, r.toString());
        assertTrue(r.err.startsWith("bpf4j gen skeleton: bpf4j_validate_object failed: EINVAL"), r.err);
    }
}
