/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.FilenameFilter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A regression corpus: a resource folder of inputs and its expected.tsv (file, exception simple name, a part
 * of the message), run through {@link FuzzChild} in child JVMs so that an input that kills one is reported
 * by name and the rest still run.
 */
final class Corpus {
    final File[] inputs;
    /** file name → its expected.tsv fields */
    final Map<String, String[]> expected = new LinkedHashMap<String, String[]>();
    /** What each input died of, as "name killed the JVM: why"; the other inputs' lines are in runner.results. */
    final List<String> deaths = new ArrayList<String>();
    final FuzzRunner runner;

    private Corpus(String resourceDir, FilenameFilter inputFilter, String workDir) throws Exception {
        File dir = new File(Corpus.class.getResource(resourceDir + "/expected.tsv").toURI()).getParentFile();
        for (String line : Files.readAllLines(dir.toPath().resolve("expected.tsv"), StandardCharsets.UTF_8)) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                String[] f = line.split("\t");
                assertEquals(3, f.length, "expected.tsv: file, exception, message part: " + line);
                expected.put(f[0], f);
            }
        }
        inputs = dir.listFiles(inputFilter);
        assertTrue(inputs.length > 0, "corpus " + resourceDir + " is empty");
        Arrays.sort(inputs);
        for (File f : inputs) {
            assertTrue(expected.containsKey(f.getName()), f.getName() + " has no line in expected.tsv");
        }
        runner = new FuzzRunner(Paths.get("target", workDir));
    }

    /** Runs every input of {@code resourceDir} with FuzzChild's {@code mode}; a new child starts after a death. */
    static Corpus run(String resourceDir, FilenameFilter inputFilter, String mode, String workDir) throws Exception {
        final Corpus c = new Corpus(resourceDir, inputFilter, workDir);
        final List<String> args = new ArrayList<String>(Arrays.asList(mode,
                Long.toString(MutationFuzzTest.MAX_MAP_MEMORY)));
        for (File f : c.inputs) {
            args.add(f.getPath());
        }
        c.runner.run(0, c.inputs.length, next -> {
            List<String> a = new ArrayList<String>(args.subList(0, 2));
            a.add(Integer.toString(next));
            a.addAll(args.subList(2 + next, args.size()));
            return a;
        });
        for (FuzzRunner.Death d : c.runner.deaths) {
            c.deaths.add(c.inputs[d.index].getName() + " killed the JVM: " + d.why);
        }
        return c;
    }
}
