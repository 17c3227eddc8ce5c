/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Mutated BTF (raw, and inside the project's objects) through BtfDump.writeC in child JVMs: each input is
 * dumped or refused with IllegalArgumentException or BpfException, and none kills or hangs its JVM. A killer
 * is saved to target/fuzz-crashes/ with how it was made. 3,000 inputs by default ({@code -Dbpf4j.fuzz.btfInputs}).
 */
@Tag("once")
class BtfDumpFuzzTest {
    @Test
    void mutatedBtfIsDumpedOrRefusedNeverACrash() throws Exception {
        int inputs = Integer.getInteger("bpf4j.fuzz.btfInputs", 3_000);
        long seed = Long.getLong("bpf4j.fuzz.seed", 20261202L);
        List<Path> seeds = FuzzRunner.seedObjects();
        List<Mutator.Seed> parsed = new ArrayList<Mutator.Seed>();
        final List<String> seedArgs = new ArrayList<String>();
        for (Path p : seeds) {
            parsed.add(new Mutator.Seed(p.getFileName().toString(), Files.readAllBytes(p)));
            seedArgs.add(p.toString());
        }
        FuzzRunner runner = new FuzzRunner(Paths.get("target", "fuzz-btf-work"));
        final Path work = runner.workDir.resolve("input");
        runner.run(0, inputs, next -> {
            List<String> a = new ArrayList<String>(Arrays.asList("btf", Long.toString(MutationFuzzTest.MAX_MAP_MEMORY),
                    work.toString(), Long.toString(seed),
                    Integer.toString(next), Integer.toString(inputs)));
            a.addAll(seedArgs);
            return a;
        });
        BtfMutator mutator = new BtfMutator(parsed, seed);
        List<String> problems = new ArrayList<String>();
        Path crashes = Files.createDirectories(Paths.get("target", "fuzz-crashes"));
        for (FuzzRunner.Death d : runner.deaths) {
            Mutator.Input in = mutator.input(d.index);
            Path saved = crashes.resolve("btf-s" + seed + "-i" + d.index + "-" + in.seedName);
            Files.write(saved, in.bytes);
            problems.add("input " + d.index + " (" + in.description + ", saved as " + saved + ") " + d.why);
        }
        int dumped = 0;
        int ran = 0;
        for (String line : runner.results) {
            if (line.startsWith("stats\t")) {
                String[] f = line.split("\t");
                dumped += Integer.parseInt(f[1]);
                ran += Integer.parseInt(f[2]);
            } else {
                problems.add(line);
            }
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " problem(s):\n" + String.join("\n", problems));
        }
        assertEquals(1, runner.children, "one child ran them all");
        assertEquals(inputs, ran);
        // the mutants must reach the dumper, not only the parser's refusals
        assertTrue(dumped > inputs / 20, "only " + dumped + " of " + inputs + " mutants were dumpable");
    }
}
