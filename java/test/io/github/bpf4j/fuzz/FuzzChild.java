/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.fuzz;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.OpenOptions;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.RandomAccessFile;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The child JVM of the fuzzer: opens, loads and closes one input after the
 * other. Before each input it writes the input's number to the progress file,
 * so when a crash kills this JVM the parent knows exactly which input did it.
 *
 * <pre>
 * fuzz   progress results maxMapMemory runSeed from to loadStrides seed.bpf.o...
 * corpus progress results maxMapMemory firstIndex file.bpf.o...
 * </pre>
 *
 * A mutant of a seed with load stride n is loaded only when its index is a
 * multiple of n (slow-to-verify seeds get n &gt; 1 to keep the run short); it
 * is always opened.
 *
 * <p>Results are lines, tab-separated: {@code index name outcome detail}, where
 * outcome is {@code loaded}, {@code rejected} (a {@link BpfException} or
 * {@link IllegalArgumentException}: the contract) or {@code unexpected} (any
 * other throwable: a bug, though not a crash).
 */
public final class FuzzChild {
    private FuzzChild() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        try (RandomAccessFile progress = new RandomAccessFile(args[1], "rw");
                Writer results = new OutputStreamWriter(new FileOutputStream(args[2], true), StandardCharsets.UTF_8)) {
            OpenOptions options = OpenOptions.defaults().maxMapMemory(Long.parseLong(args[3]));
            if (mode.equals("btf")) {
                btf(progress, results, args);
            } else if (mode.equals("btfcorpus")) {
                int first = Integer.parseInt(args[4]);
                for (int i = 5; i < args.length; i++) {
                    mark(progress, first + i - 5);
                    Path file = Paths.get(args[i]);
                    results.write((first + i - 5) + "\t" + file.getFileName() + "\t" + dumpOutcome(file) + "\n");
                    results.flush();
                }
            } else if (mode.equals("fuzz")) {
                long runSeed = Long.parseLong(args[4]);
                int from = Integer.parseInt(args[5]);
                int to = Integer.parseInt(args[6]);
                String[] strideArgs = args[7].split(",");
                Mutator mutator = new Mutator(seeds(args, 8), runSeed);
                Map<String, Integer> strides = new HashMap<String, Integer>();
                for (int k = 0; k < strideArgs.length; k++) {
                    strides.put(Paths.get(args[8 + k]).getFileName().toString(), Integer.parseInt(strideArgs[k]));
                }
                for (int i = from; i < to; i++) {
                    mark(progress, i);
                    Mutator.Input in = mutator.input(i);
                    String outcome = run(in.bytes, options, i % strides.get(in.seedName) == 0);
                    if (outcome.startsWith("unexpected")) {
                        results.write(i + "\t" + in.seedName + "\t" + outcome + "\t" + in.description + "\n");
                        results.flush();
                    }
                    count(outcome);
                }
                results.write("stats\t" + opened + "\t" + loaded + "\t" + (to - from) + "\n");
            } else {
                int first = Integer.parseInt(args[4]);
                for (int i = 5; i < args.length; i++) {
                    mark(progress, first + i - 5);
                    Path file = Paths.get(args[i]);
                    String outcome = run(Files.readAllBytes(file), options, true);
                    results.write((first + i - 5) + "\t" + file.getFileName() + "\t" + outcome + "\n");
                    results.flush();
                }
            }
            mark(progress, -1);
        }
    }

    /**
     * {@code btf progress results maxMapMemory workFile runSeed from to seed.bpf.o...}: BtfDumpFuzzTest's inputs,
     * each written to workFile and dumped; only what is not a dump or a clean refusal becomes a result line.
     */
    private static void btf(RandomAccessFile progress, Writer results, String[] args) throws IOException {
        Path work = Paths.get(args[4]);
        int from = Integer.parseInt(args[6]);
        int to = Integer.parseInt(args[7]);
        BtfMutator mutator = new BtfMutator(seeds(args, 8), Long.parseLong(args[5]));
        int dumped = 0;
        for (int i = from; i < to; i++) {
            mark(progress, i);
            Mutator.Input in = mutator.input(i);
            Files.write(work, in.bytes);
            StringBuilder out = new StringBuilder();
            try {
                io.github.bpf4j.btf.BtfDump.writeC(work, out);
                dumped++;
            } catch (BpfException | IllegalArgumentException e) {
                // the contract for bad input
            } catch (Throwable t) {
                results.write(i + "\t" + in.seedName + "\tunexpected\t" + t.getClass().getName() + ": "
                        + oneLine(t.getMessage()) + "\t" + in.description + "\n");
                results.flush();
            }
        }
        results.write("stats\t" + dumped + "\t" + (to - from) + "\n");
    }

    /** BtfDump.writeC of one file, as {@code outcome \t exception \t message}. */
    static String dumpOutcome(Path file) {
        try {
            io.github.bpf4j.btf.BtfDump.writeC(file, new StringBuilder());
            return "dumped\t-\t-";
        } catch (BpfException | IllegalArgumentException e) {
            return "rejected\t" + e.getClass().getSimpleName() + "\t" + oneLine(e.getMessage());
        } catch (Throwable t) {
            return "unexpected\t" + t.getClass().getName() + "\t" + oneLine(String.valueOf(t.getMessage()));
        }
    }

    private static int opened;
    private static int loaded;

    private static void count(String outcome) {
        if (outcome.startsWith("loaded")) {
            opened++;
            loaded++;
        } else if (outcome.startsWith("rejected\tload") || outcome.startsWith("opened")) {
            opened++;
        }
    }

    private static List<Mutator.Seed> seeds(String[] args, int from) throws IOException {
        List<Mutator.Seed> seeds = new ArrayList<Mutator.Seed>();
        for (int i = from; i < args.length; i++) {
            Path p = Paths.get(args[i]);
            seeds.add(new Mutator.Seed(p.getFileName().toString(), Files.readAllBytes(p)));
        }
        return seeds;
    }

    private static void mark(RandomAccessFile progress, long index) throws IOException {
        // A write(2) is in the page cache before the next input runs: a crash cannot lose it.
        progress.seek(0);
        progress.writeLong(index);
    }

    /** What happened to one input, as {@code outcome \t stage \t detail}. */
    static String run(byte[] elf, OpenOptions options, boolean load) {
        String stage = "open";
        try (BpfObject obj = BpfObject.open(elf, "fuzz", options)) {
            if (!load) {
                return "opened\t-\t-";
            }
            stage = "load";
            obj.load();
            stage = "close";
            return "loaded\t-\t-";
        } catch (BpfException | IllegalArgumentException e) {
            return "rejected\t" + stage + "\t" + e.getClass().getSimpleName() + "\t" + oneLine(e.getMessage());
        } catch (Throwable t) {
            return "unexpected\t" + stage + "\t" + t.getClass().getName() + "\t" + oneLine(String.valueOf(t.getMessage()))
                    + " at " + (t.getStackTrace().length > 0 ? t.getStackTrace()[0] : "?");
        }
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replace('\t', ' ').replace('\n', ' ');
    }
}
