/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Mutated BTF files that killed the JVM in libbpf's btf_dump before jni/btf_dump.c checked them (found by
 * BtfDumpFuzzTest with the check switched off), each dumped in a child JVM: each must be refused with the
 * exception and message part named in btf-regressions/expected.tsv.
 */
class BtfRegressionTest {
    @Test
    void everyBtfThatEverCrashedTheDumperIsRefusedCleanly() throws Exception {
        File dir = new File(BtfRegressionTest.class.getResource("/fuzz/btf-regressions/expected.tsv").toURI())
                .getParentFile();
        Map<String, String[]> expected = new LinkedHashMap<String, String[]>();
        for (String line : Files.readAllLines(dir.toPath().resolve("expected.tsv"), StandardCharsets.UTF_8)) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                String[] f = line.split("\t");
                assertEquals(3, f.length, "expected.tsv: file, exception, message part: " + line);
                expected.put(f[0], f);
            }
        }
        File[] inputs = dir.listFiles((d, n) -> !n.equals("expected.tsv"));
        assertTrue(inputs.length > 0, "no inputs");
        Arrays.sort(inputs);
        final List<String> args = new ArrayList<String>(Arrays.asList("btfcorpus",
                Long.toString(MutationFuzzTest.MAX_MAP_MEMORY)));
        for (File f : inputs) {
            assertTrue(expected.containsKey(f.getName()), f.getName() + " has no line in expected.tsv");
            args.add(f.getPath());
        }
        FuzzRunner runner = new FuzzRunner(Paths.get("target", "fuzz-btf-corpus-work"));
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
            if (!f[2].equals("rejected") || !f[3].equals(want[1]) || !f[4].contains(want[2])) {
                problems.add(f[1] + ": expected " + want[1] + " with \"" + want[2] + "\", got " + f[2] + ": " + f[3]
                        + ": " + f[4]);
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
        assertEquals(inputs.length, runner.results.size(), "every input ran: " + runner.results);
    }
}
