/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.btf.BtfDump;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;

/**
 * {@code java -jar bpf4j.jar btf dump ...}: bpftool's {@code btf dump file FILE format c}, the way a
 * {@code vmlinux.h} is made, through {@link BtfDump}.
 */
final class BtfCommand {
    static final String USAGE = ""
            + "Usage: java -jar bpf4j.jar btf dump [ file FILE | vmlinux ] [ format c ] [ out HEADER ]\n"
            + "       java -jar bpf4j.jar btf help\n"
            + "\n"
            + "       FILE := raw BTF (/sys/kernel/btf/vmlinux, /sys/kernel/btf/MODULE) or an ELF file with a\n"
            + "               .BTF section (a .bpf.o built with -g, a vmlinux)\n"
            + "       OPTIONS := { --format c | --out HEADER }\n"
            + "Writes the types as C (vmlinux.h) to standard output, or to HEADER (replaced whole, never left\n"
            + "half-written). Without a source: the running kernel's BTF. A module's BTF is read on top of the\n"
            + "kernel's, as bpftool does. 'c' is the only format (bpftool's default 'raw' is not offered).\n"
            + "Example: java -jar bpf4j.jar btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h\n"
            + "Exit status: 0 done, 1 failed, 2 wrong command line.\n";

    private static final String[] VERBS = {"dump", "help"};

    private BtfCommand() {}

    /** Runs {@code btf <args>}; returns the exit status. Never throws for bad input or failed calls. */
    static int run(String[] args, Main.Options options, PrintStream out, PrintStream err) {
        String verb = args.length == 0 ? null : Main.match(args[0], VERBS);
        String command = "bpf4j btf " + (verb == null ? args.length == 0 ? "" : args[0] : verb);
        try {
            if (options.help || "help".equals(verb)) {
                if (args.length > 1) {
                    throw new MapCommand.UsageError("unexpected argument '" + args[1] + "'");
                }
                out.print(USAGE);
                return Main.OK;
            }
            if (verb == null) {
                throw new MapCommand.UsageError(args.length == 0 ? "expected a command: dump or help"
                        : "unknown command '" + args[0] + "'; the commands are dump, help");
            }
            Dump dump = parse(args);
            if (options.json) {
                // as bpftool: the C header is the output; there is nothing to put in JSON
                return CommandOutput.failed(out, err, options, command, "JSON output for C-syntax dump is not"
                        + " supported; run without -j");
            }
            if (dump.out == null) {
                Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
                BtfDump.writeC(dump.file, w);
                w.flush();
            } else {
                writeFile(dump);
            }
            return Main.OK;
        } catch (MapCommand.UsageError e) {
            return CommandOutput.usageError(out, err, options, command, e.getMessage(), "btf");
        } catch (BpfException | IOException | IllegalArgumentException | IllegalStateException
                | UnsupportedOperationException e) {
            return CommandOutput.failed(out, err, options, command, Main.oneLine(e.getMessage()));
        }
    }

    /** The header through a temporary file next to it: a failed dump never leaves half a header behind. */
    private static void writeFile(Dump dump) throws IOException {
        Path target = dump.out.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                BtfDump.writeC(dump.file, w);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** What {@code dump ...} asks for. */
    private static final class Dump {
        Path file; // null: the running kernel's
        Path out;  // null: standard output
    }

    private static Dump parse(String[] args) {
        Dump d = new Dump();
        int i = 1;
        if (i < args.length && !args[i].startsWith("-")) {
            String source = Main.match(args[i], "file", "vmlinux", "format", "out");
            if ("file".equals(source)) {
                if (i + 1 >= args.length) {
                    throw new MapCommand.UsageError("file what? expected file FILE");
                }
                d.file = Paths.get(args[i + 1]);
                i += 2;
            } else if ("vmlinux".equals(source)) {
                i++;
            } else if (source == null) {
                throw new MapCommand.UsageError("unrecognized BTF source '" + args[i] + "'; expected file FILE or"
                        + " vmlinux (bpftool's id, map and prog sources are not offered)");
            }
        }
        boolean formatSeen = false;
        boolean outSeen = false;
        while (i < args.length) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            String word = a.startsWith("--") ? a.substring(2) : a;
            String option = Main.match(word, "format", "out");
            if (option == null || (a.startsWith("-") && !a.startsWith("--"))) {
                throw new MapCommand.UsageError("unrecognized option '" + args[i] + "'; expected format c or out"
                        + " HEADER");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new MapCommand.UsageError("expecting a value for '" + option + "'");
                }
                value = args[++i];
            }
            i++;
            if (option.equals("format")) {
                if (!value.equals("c")) {
                    throw new MapCommand.UsageError("unrecognized format '" + value + "'; the one format is c"
                            + (value.equals("raw") ? " (bpftool's raw format is not offered)" : ""));
                }
                if (formatSeen) {
                    throw new MapCommand.UsageError("format given twice");
                }
                formatSeen = true;
            } else {
                if (outSeen) {
                    throw new MapCommand.UsageError("out given twice");
                }
                outSeen = true;
                d.out = Paths.get(value);
            }
        }
        return d;
    }
}
