/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
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
        Corpus c = Corpus.run("/fuzz/regressions", (d, n) -> n.endsWith(".bpf.o"), "corpus", "fuzz-corpus-work");
        FuzzRunner runner = c.runner;
        Map<String, String[]> expected = c.expected;
        List<String> problems = new ArrayList<String>(c.deaths);
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
        assertEquals(c.inputs.length, runner.results.size(), "every corpus input ran: " + runner.results);
    }
}
