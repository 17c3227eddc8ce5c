/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import io.github.bpf4j.Bpf4j;
import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfPermissionException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code java -jar bpf4j.jar [OPTIONS] OBJECT COMMAND}: the jar's command
 * line, after bpftool's conventions: objects and commands may be shortened to
 * any unambiguous prefix (the first match in the usage's order wins, as in
 * bpftool), options may stand anywhere, help goes to standard output with
 * status 0, a wrong command line to standard error with status 2.
 */
public final class Main {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE_ERROR = 2;

    static final String USAGE = ""
            + "Usage: java -jar bpf4j.jar [OPTIONS] OBJECT { COMMAND | help }\n"
            + "       java -jar bpf4j.jar help\n"
            + "       java -jar bpf4j.jar version\n"
            + "       OBJECT  := { map | prog | link | btf | gen | headers | demo | version }\n"
            + "       OPTIONS := { {-j|--json} | {-h|--help} | {-V|--version} }\n"
            + "Run 'java -jar bpf4j.jar map help' (prog help, link help) for the map (program, link) commands.\n"
            + "Run 'java -jar bpf4j.jar btf help' (headers help) for vmlinux.h (the BPF headers of the jar).\n"
            + "Exit status: 0 done, 1 failed (or key not found), 2 wrong command line.\n";

    private static final String[] OBJECTS = {"map", "prog", "link", "btf", "demo", "version", "help", "headers", "gen"};
    /** Objects whose commands take long options of their own (btf dump --format c): passed on, not refused. */
    private static final List<String> OWN_OPTIONS = java.util.Arrays.asList("btf", "gen");

    private Main() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        System.out.flush();
        if (status != OK) {
            System.exit(status);
        }
    }

    /**
     * Like bpftool's p_err: with -j the error is JSON on standard output ({"error": ...}) for scripts, else
     * the message and the usage on standard error.
     */
    static int usageError(Options options, PrintStream out, PrintStream err, String message) {
        if (options.json) {
            out.println(new Json().object().field("error", message).end());
        } else {
            err.println(message);
            err.print(USAGE);
        }
        return USAGE_ERROR;
    }

    /** Runs a command line; returns the exit status. Never throws for bad input or failed calls. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Options options = new Options();
        List<String> words = new ArrayList<String>();
        String unknownOption = null;
        for (String a : args) {
            if (a.equals("-j") || a.equals("--json")) {
                options.json = true;
            } else if (a.equals("-h") || a.equals("--help")) {
                options.help = true;
            } else if (a.equals("-V") || a.equals("--version")) {
                options.version = true;
            } else if (a.startsWith("--") && !words.isEmpty()
                    && OWN_OPTIONS.contains(match(words.get(0), OBJECTS))) {
                words.add(a);
            } else if (a.startsWith("-") && a.length() > 1 && !isNumber(a)) {
                unknownOption = a;
            } else {
                words.add(a);
            }
        }
        if (unknownOption != null) { // after the loop, so that a -j anywhere makes even this error JSON
            return usageError(options, out, err, "bpf4j: unknown option '" + unknownOption + "'");
        }
        if (options.version) {
            return shortVersion(out, options.json);
        }
        if (words.isEmpty()) {
            if (options.help) {
                out.print(USAGE);
                return OK;
            }
            if (!options.json) {
                err.print(USAGE); // bpftool too prints just its usage when given nothing
                return USAGE_ERROR;
            }
            return usageError(options, out, err, "bpf4j: expected an object (map, prog, link, btf, headers, demo,"
                    + " version, help)");
        }
        String object = match(words.get(0), OBJECTS);
        List<String> rest = words.subList(1, words.size());
        if (object == null) {
            return usageError(options, out, err, "bpf4j: unknown object '" + words.get(0) + "'; the objects are map,"
                    + " prog, link, btf, gen, headers, demo, version, help");
        }
        if (object.equals("map")) {
            return MapCommand.run(rest.toArray(new String[0]), options, out, err);
        }
        if (object.equals("prog")) {
            return ProgCommand.prog(rest.toArray(new String[0]), options, out, err);
        }
        if (object.equals("gen")) {
            return GenCommand.run(rest.toArray(new String[0]), options, out, err);
        }
        if (object.equals("link")) {
            return ProgCommand.link(rest.toArray(new String[0]), options, out, err);
        }
        if (object.equals("btf")) {
            return BtfCommand.run(rest.toArray(new String[0]), options, out, err);
        }
        if (object.equals("headers")) {
            return HeadersCommand.run(rest.toArray(new String[0]), options, out, err);
        }
        if (options.help || object.equals("help")) {
            if (!object.equals("help") || rest.isEmpty()) {
                out.print(USAGE);
                return OK;
            }
        }
        if (!rest.isEmpty()) {
            return usageError(options, out, err, "bpf4j " + object + ": unexpected argument '" + rest.get(0) + "'");
        }
        try {
            if (object.equals("demo")) {
                return Demo.run(out);
            }
            VersionReport.print(out, options.json);
            return OK;
        } catch (BpfPermissionException e) {
            err.println(permissionMessage("bpf4j " + object, e));
            return FAILED;
        } catch (BpfException | UnsupportedOperationException e) {
            err.println("bpf4j " + object + " failed: " + oneLine(e.getMessage()));
            return FAILED;
        }
    }

    /**
     * What helps a user whom tracefs refuses. tracefs (/sys/kernel/tracing) is a directory of mode 0700
     * owned by root and trace_pipe is 0440: a file-permission check, which CAP_DAC_READ_SEARCH (or
     * CAP_DAC_OVERRIDE) passes and no BPF capability does (CAP_SYS_ADMIN only allows mounting another).
     */
    static final String TRACEFS_ADVICE = "run as root, or with CAP_DAC_READ_SEARCH (or CAP_DAC_OVERRIDE): reading"
            + " tracefs is a file-permission check, which BPF capabilities and CAP_SYS_ADMIN do not pass; or have"
            + " root open it up (chmod o+rx /sys/kernel/tracing and chmod o+r /sys/kernel/tracing/trace_pipe)";

    /** What to do about a refusal. */
    static String permissionMessage(String command, BpfPermissionException e) {
        String what = e.operation() + " failed with " + e.errnoName();
        if (e.operation().contains("trac")) {
            return command + " cannot read the trace pipe: " + what + "; /sys/kernel/tracing is root's (mode 0700): "
                    + TRACEFS_ADVICE;
        }
        return command + " needs root (or CAP_BPF, plus CAP_PERFMON for tracing programs): " + what + "; "
                + e.hint();
    }

    /** bpftool -V: the version and the library it uses. */
    private static int shortVersion(PrintStream out, boolean json) {
        if (json) {
            out.println(new Json().object().field("version", Bpf4j.version())
                    .field("libbpf_version", Bpf4j.libbpfVersion().replaceFirst("^v", "")).end());
        } else {
            out.println("bpf4j v" + Bpf4j.version());
            out.println("using libbpf v" + Bpf4j.libbpfVersion().replaceFirst("^v", ""));
        }
        return OK;
    }

    /** bpftool's is_prefix: {@code word} starts {@code choices[i]}; the first such choice, or null. */
    static String match(String word, String... choices) {
        if (word.isEmpty()) {
            return null;
        }
        for (String c : choices) {
            if (c.startsWith(word)) {
                return c;
            }
        }
        return null;
    }

    private static boolean isNumber(String s) {
        return s.matches("-[0-9].*");
    }

    /** Exception messages put the hint on a second line; the CLI says everything on one. */
    static String oneLine(String message) {
        return String.valueOf(message).replaceAll("\\s*\\n\\s*", "; ");
    }

    /** The global options (bpftool's -j, -h, -V). */
    static final class Options {
        boolean json;
        boolean help;
        boolean version;
    }
}
