/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import io.github.bpf4j.gen.BpfHeaders;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** {@code java -jar bpf4j.jar headers DIR}: the jar's BPF-side headers written out, through {@link BpfHeaders}. */
final class HeadersCommand {
    static final String USAGE = ""
            + "Usage: java -jar bpf4j.jar headers DIR\n"
            + "       java -jar bpf4j.jar headers help\n"
            + "\n"
            + "       OPTIONS := { {-j|--json} }\n"
            + "Writes the headers BPF programs include into DIR (created when missing), with their licence\n"
            + "texts: DIR/bpf/ (libbpf 1.7's bpf_helpers.h, bpf_tracing.h, bpf_core_read.h, ...), DIR/bpf4j/\n"
            + "(arena.h, arena_htab.h, arena_list.h, ringbuf.h) and DIR/linux/ (the kernel UAPI headers libbpf\n"
            + "is written against). Files already up to date are left alone. Then compile with\n"
            + "  clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I DIR -c prog.bpf.c -o prog.bpf.o\n"
            + "and a vmlinux.h from 'btf dump'; a program that includes <linux/bpf.h> instead also needs the\n"
            + "machine's kernel headers: -idirafter /usr/include/$(gcc -print-multiarch).\n"
            + "With -j, prints {\"dir\": DIR, \"files\": [every file written]}.\n"
            + "Exit status: 0 done, 1 failed, 2 wrong command line.\n";

    private HeadersCommand() {}

    /** Runs {@code headers <args>}; returns the exit status. Never throws for bad input or failed calls. */
    static int run(String[] args, Main.Options options, PrintStream out, PrintStream err) {
        String command = "bpf4j headers";
        try {
            if (options.help || (args.length >= 1 && args[0].equals("help"))) {
                if (args.length > 1) {
                    throw new MapCommand.UsageError("unexpected argument '" + args[1] + "'");
                }
                out.print(USAGE);
                return Main.OK;
            }
            if (args.length != 1) {
                throw new MapCommand.UsageError(args.length == 0 ? "where to? expected DIR"
                        : "unexpected argument '" + args[1] + "'");
            }
            Path dir = Paths.get(args[0]);
            List<Path> files = BpfHeaders.extract(dir);
            if (options.json) {
                List<String> names = new ArrayList<String>();
                for (Path p : files) {
                    names.add(p.toString());
                }
                out.println(new Json().object().field("dir", dir.toString()).field("files", names).end());
            }
            return Main.OK;
        } catch (MapCommand.UsageError e) {
            return CommandOutput.usageError(out, err, options, command, e.getMessage(), "headers");
        } catch (IOException | IllegalStateException e) {
            return CommandOutput.failed(out, err, options, command, Main.oneLine(e instanceof IOException
                    ? e.getClass().getSimpleName() + ": " + e.getMessage() : e.getMessage()));
        }
    }
}
