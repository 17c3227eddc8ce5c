/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.gen.SkeletonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code java -jar bpf4j.jar gen skeleton OBJ --package P [--class NAME] [--out DIR] [--type NAME]...}:
 * Java skeleton source for a BPF object ({@link SkeletonGenerator}), like {@code bpftool gen skeleton}
 * for C; prints the files written, one a line (JSON: an array of paths).
 */
final class GenCommand {
    static final String USAGE_TEXT = ""
            + "Usage: java -jar bpf4j.jar gen skeleton FILE --package PACKAGE [--class NAME] [--out DIR]"
            + " [--type NAME]...\n"
            + "       java -jar bpf4j.jar gen help\n"
            + "\n"
            + "       FILE    a BPF object compiled with clang -g (its BTF describes maps, globals and types)\n"
            + "       PACKAGE the generated classes' package; NAME defaults to the file name in Java case\n"
            + "       DIR     the source root to write under (default: the current directory)\n"
            + "       --type  also generate a class for this struct, union or enum (e.g. a ring buffer record)\n"
            + "Put FILE on the class path next to the generated class, under its own name.\n"
            + "Exit status: 0 done, 1 failed, 2 wrong command line.\n";

    private static final String[] VERBS = {"skeleton", "help"};

    private GenCommand() {}

    static int run(String[] args, Main.Options options, PrintStream out, PrintStream err) {
        String verb = args.length == 0 ? null : Main.match(args[0], VERBS);
        if (options.help || "help".equals(verb)) {
            out.print(USAGE_TEXT);
            return Main.OK;
        }
        if (verb == null) {
            return CommandOutput.usageError(out, err, options, "bpf4j gen",
                    args.length == 0 ? "expected a command (skeleton)" : "unknown command '" + args[0] + "'", "gen");
        }
        String command = "bpf4j gen skeleton";
        Path object = null;
        String javaPackage = null;
        String className = null;
        Path outDir = Paths.get(".");
        List<String> types = new ArrayList<String>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            boolean option = a.equals("--package") || a.equals("--class") || a.equals("--out") || a.equals("--type");
            if (option && i + 1 >= args.length) {
                return CommandOutput.usageError(out, err, options, command, a + " needs a value", "gen");
            }
            if (a.equals("--package")) {
                javaPackage = args[++i];
            } else if (a.equals("--class")) {
                className = args[++i];
            } else if (a.equals("--out")) {
                outDir = Paths.get(args[++i]);
            } else if (a.equals("--type")) {
                types.add(args[++i]);
            } else if (a.startsWith("--")) {
                return CommandOutput.usageError(out, err, options, command, "unknown option '" + a + "'", "gen");
            } else if (object == null) {
                object = Paths.get(a);
            } else {
                return CommandOutput.usageError(out, err, options, command, "unexpected argument '" + a + "'", "gen");
            }
        }
        if (object == null) {
            return CommandOutput.usageError(out, err, options, command, "expected a BPF object file", "gen");
        }
        if (javaPackage == null) {
            return CommandOutput.usageError(out, err, options, command, "expected --package PACKAGE", "gen");
        }
        if (!Files.isRegularFile(object)) {
            return CommandOutput.failed(out, err, options, command, "no such file: " + object);
        }
        List<Path> written;
        try {
            written = SkeletonGenerator.generate(object, javaPackage, className, outDir, types);
        } catch (IllegalArgumentException | BpfException | UnsupportedOperationException e) {
            return CommandOutput.failed(out, err, options, command, Main.oneLine(e.getMessage()));
        } catch (IOException e) {
            return CommandOutput.failed(out, err, options, command, "cannot write the sources: " + e);
        }
        if (options.json) {
            Json j = new Json().array();
            for (Path p : written) {
                j.str(p.toString());
            }
            out.println(j.end());
        } else {
            for (Path p : written) {
                out.println(p);
            }
        }
        return Main.OK;
    }
}
