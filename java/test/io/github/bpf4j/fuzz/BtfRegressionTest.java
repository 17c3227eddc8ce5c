/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
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
        Corpus c = Corpus.run("/fuzz/btf-regressions", (d, n) -> !n.equals("expected.tsv"), "btfcorpus",
                "fuzz-btf-corpus-work");
        FuzzRunner runner = c.runner;
        Map<String, String[]> expected = c.expected;
        List<String> problems = new ArrayList<String>(c.deaths);
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
        assertEquals(c.inputs.length, runner.results.size(), "every input ran: " + runner.results);
    }
}
