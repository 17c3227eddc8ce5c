/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Mutation fuzzing of the project's own BPF objects: every mutant is opened
 * (with a map-memory bound), loaded and closed in a child JVM. A crash, a hang
 * or an exception other than the documented ones fails the test; each such
 * input is saved to target/fuzz-crashes/ with how it was made, ready for the
 * regression corpus (java/test/resources/fuzz/regressions).
 *
 * <p>The default run is 10,000 inputs with a fixed seed; {@code mvn -Pfuzz}
 * runs more ({@code -Dbpf4j.fuzz.inputs}, {@code -Dbpf4j.fuzz.seed}).
 */
@Tag("once")
class MutationFuzzTest {
    /** Far above what any project object needs, far below what stalls a kernel. */
    static final long MAX_MAP_MEMORY = 1L << 30;

    @Test
    void mutantsOfTheProjectsObjectsNeverCrashTheJvm() throws Exception {
        int inputs = Integer.getInteger("bpf4j.fuzz.inputs", 10_000);
        long seed = Long.getLong("bpf4j.fuzz.seed", 20260801L);
        int batch = Integer.getInteger("bpf4j.fuzz.batch", 5_000);
        List<Path> seeds = FuzzRunner.seedObjects();
        final List<String> seedArgs = new ArrayList<String>();
        List<Mutator.Seed> parsed = new ArrayList<Mutator.Seed>();
        for (Path p : seeds) {
            seedArgs.add(p.toString());
            parsed.add(new Mutator.Seed(p.getFileName().toString(), Files.readAllBytes(p)));
        }
        String strides = loadStrides(seeds, Integer.getInteger("bpf4j.fuzz.loadMillis", 10));
        Mutator mutator = new Mutator(parsed, seed);
        FuzzRunner runner = new FuzzRunner(Paths.get("target", "fuzz-work"));
        long start = System.nanoTime();
        for (int from = 0; from < inputs; from += batch) {
            final int end = Math.min(inputs, from + batch);
            runner.run(from, end, next -> {
                List<String> a = new ArrayList<String>(Arrays.asList("fuzz", Long.toString(MAX_MAP_MEMORY),
                        Long.toString(seed), Integer.toString(next), Integer.toString(end), strides));
                a.addAll(seedArgs);
                return a;
            });
        }
        long millis = (System.nanoTime() - start) / 1_000_000;

        List<String> problems = new ArrayList<String>();
        Path crashes = Files.createDirectories(Paths.get("target", "fuzz-crashes"));
        for (FuzzRunner.Death d : runner.deaths) {
            problems.add(save(crashes, mutator.input(d.index), seed, "JVM died: " + d.why));
        }
        int opened = 0;
        int loaded = 0;
        int counted = 0;
        for (String line : runner.results) {
            String[] f = line.split("\t", -1);
            if (f[0].equals("stats")) {
                opened += Integer.parseInt(f[1]);
                loaded += Integer.parseInt(f[2]);
                counted += Integer.parseInt(f[3]);
            } else {
                problems.add(save(crashes, mutator.input(Integer.parseInt(f[0])), seed, line));
            }
        }
        System.out.printf("fuzz: %d inputs (seed %d, %d seed objects, load strides %s) in %d ms, %d child JVMs;"
                + " %d opened, %d loaded, %d problems%n", inputs, seed, seeds.size(), strides, millis, runner.children,
                opened, loaded, problems.size());
        if (!problems.isEmpty()) {
            fail(problems.size() + " inputs crashed the JVM or broke the exception contract:\n"
                    + String.join("\n\n", problems));
        }
        assertEquals(inputs, counted, "every input ran");
        assertTrue(opened > 0, "some mutants pass validation, so load() is fuzzed too");
    }

    /**
     * Verifying some seeds' programs takes the kernel ~0.4 s (arena_build's);
     * loading every mutant of those would take the default run far past its
     * budget. A seed whose pristine load takes t ms gets its mutants loaded
     * one in ceil(t / budget) (all are still opened); with root missing
     * every load fails fast and the stride is 1.
     */
    private static String loadStrides(List<Path> seeds, int budgetMillis) throws Exception {
        StringBuilder out = new StringBuilder();
        for (Path p : seeds) {
            byte[] elf = Files.readAllBytes(p);
            long best = Long.MAX_VALUE;
            for (int i = 0; i < 2; i++) {
                long t0 = System.nanoTime();
                try (BpfObject obj = BpfObject.open(elf, "fuzzcost")) {
                    obj.load();
                } catch (BpfException | IllegalArgumentException e) {
                    // a seed that does not load (legacy maps, verifier_reject) costs what it costs
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1_000_000);
            }
            out.append(out.length() == 0 ? "" : ",").append(Math.max(1, (best + budgetMillis - 1) / budgetMillis));
        }
        return out.toString();
    }

    private static String save(Path dir, Mutator.Input in, long seed, String why) throws Exception {
        String base = in.seedName.replace(".bpf.o", "") + "-seed" + seed + "-input" + in.index;
        Path file = dir.resolve(base + ".bpf.o");
        Files.write(file, in.bytes);
        String text = "input " + in.index + " of seed " + seed + ": " + in.description + "\n" + why + "\n";
        Files.write(dir.resolve(base + ".txt"), text.getBytes(StandardCharsets.UTF_8));
        return file + "\n  " + text;
    }
}
