/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.sanitize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.Bpf4j;
import io.github.bpf4j.ChildJvm;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sanitized run proves nothing if its JVMs quietly load the shipped
 * library, or run without the sanitizer runtimes: check that this JVM and
 * the JVMs it starts (fuzzer children) have the runtimes and the instrumented
 * libbpf4j.so mapped, and no other copy of it. Only in the pom's
 * {@code test-sanitize} execution, which sets {@code bpf4j.sanitize.expected}.
 */
class SanitizerHarnessTest {
    private static final String EXPECTED = "bpf4j.sanitize.expected";

    @Test
    void thisJvmRunsTheSanitizedLibrary() throws IOException {
        assumeSanitizedRun();
        Bpf4j.libbpfVersion();
        assertEquals("", problems(), "this JVM");
    }

    @Test
    void childJvmsRunTheSanitizedLibraryToo() throws Exception {
        assumeSanitizedRun();
        ChildJvm.Result r = ChildJvm.run(Child.class);
        assertEquals(0, r.exitCode, r.toString());
    }

    /** What a child JVM checks about itself; exit status 1 with the reason otherwise. */
    public static final class Child {
        public static void main(String[] args) throws IOException {
            if (System.getProperty(EXPECTED) == null) {
                System.out.println("child JVM did not get -D" + EXPECTED);
                System.exit(1);
            }
            Bpf4j.libbpfVersion();
            String p = problems();
            System.out.println(p.isEmpty() ? "ok" : p);
            System.exit(p.isEmpty() ? 0 : 1);
        }
    }

    private static void assumeSanitizedRun() {
        assumeTrue(System.getProperty(EXPECTED) != null,
                "not the sanitized run (mvn verify -Dbpf4j.sanitize, which ./setup.sh test uses)");
    }

    /** Empty if the runtimes and exactly the sanitized libbpf4j.so are mapped; else what is wrong. */
    static String problems() throws IOException {
        List<String> mapped = new ArrayList<String>();
        for (String line : Files.readAllLines(Paths.get("/proc/self/maps"), StandardCharsets.ISO_8859_1)) {
            int slash = line.indexOf('/');
            if (slash >= 0 && !mapped.contains(line.substring(slash))) {
                mapped.add(line.substring(slash));
            }
        }
        StringBuilder problems = new StringBuilder();
        for (String runtime : System.getProperty(EXPECTED).split(":")) {
            String real = new File(runtime).getCanonicalPath();
            if (!mapped.contains(real)) {
                problems.append("sanitizer runtime ").append(real).append(" not mapped (LD_PRELOAD=")
                        .append(System.getenv("LD_PRELOAD")).append(")\n");
            }
        }
        String library = System.getProperty("bpf4j.library.path");
        String sanitized = library == null ? null : new File(library).getCanonicalPath();
        boolean found = false;
        for (String path : mapped) {
            if (path.endsWith("/libbpf4j.so") || path.contains("/libbpf4j")) {
                if (path.equals(sanitized)) {
                    found = true;
                } else {
                    problems.append("unsanitized ").append(path).append(" mapped\n");
                }
            }
        }
        if (!found) {
            problems.append("sanitized library ").append(sanitized).append(" (bpf4j.library.path) not mapped\n");
        } else {
            String image = new String(Files.readAllBytes(Paths.get(sanitized)), StandardCharsets.ISO_8859_1);
            for (String entry : new String[] {"__asan_init", "__ubsan_handle_"}) {
                if (!image.contains(entry)) {
                    problems.append(sanitized).append(" is not instrumented (no ").append(entry).append(")\n");
                }
            }
        }
        return problems.toString();
    }
}
