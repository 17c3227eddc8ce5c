/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every input that ever crashed bpf4j (or broke its exception contract) is
 * opened, loaded and closed again, in a child JVM so a regression is reported
 * as the input that crashed rather than as a dead test run. Each must fail
 * with the exception type and message named in expected.tsv.
 */
class RegressionCorpusTest {
    @Test
    void everyInputThatEverFailedNowGivesItsCleanException() throws Exception {
        File dir = new File(RegressionCorpusTest.class.getResource("/fuzz/regressions/expected.tsv").toURI())
                .getParentFile();
        Map<String, String[]> expected = new LinkedHashMap<String, String[]>();
        for (String line : Files.readAllLines(dir.toPath().resolve("expected.tsv"), StandardCharsets.UTF_8)) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            assertEquals(3, f.length, "expected.tsv: file, exception, message part: " + line);
            expected.put(f[0], f);
        }
        File[] inputs = dir.listFiles((d, n) -> n.endsWith(".bpf.o"));
        assertTrue(inputs.length > 0, "corpus is empty");
        final List<String> args = new ArrayList<String>();
        args.add("corpus");
        args.add(Long.toString(MutationFuzzTest.MAX_MAP_MEMORY));
        java.util.Arrays.sort(inputs);
        for (File f : inputs) {
            assertTrue(expected.containsKey(f.getName()), f.getName() + " has no line in expected.tsv");
            args.add(f.getPath());
        }
        FuzzRunner runner = new FuzzRunner(Paths.get("target", "fuzz-corpus-work"));
        // a new child starts after any input that kills one
        runner.run(0, inputs.length, next -> {
            List<String> a = new ArrayList<String>(args.subList(0, 2));
            a.add(Integer.toString(next));
            a.addAll(args.subList(2 + next, args.size()));
            return a;
        });
        List<String> problems = new ArrayList<String>();
        for (FuzzRunner.Death d : runner.deaths) {
            problems.add(inputs[d.index].getName() + " killed the JVM: " + d.why);
        }
        for (String line : runner.results) {
            String[] f = line.split("\t", -1);
            String[] want = expected.get(f[1]);
            String outcome = f[2];
            if (!outcome.equals("rejected") || !f[4].equals(want[1]) || !f[5].contains(want[2])) {
                problems.add(f[1] + ": expected " + want[1] + " with \"" + want[2] + "\", got " + outcome + " at "
                        + f[3] + ": " + f[4] + ": " + f[5]);
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
        assertFalse(runner.results.isEmpty());
        assertEquals(inputs.length, runner.results.size(), "every corpus input ran: " + runner.results);
    }
}
