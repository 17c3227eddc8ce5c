/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/** What the map, prog and link commands print alike: errors bpftool's way, and lists as text or a JSON array. */
final class CommandOutput {
    private CommandOutput() {}

    /**
     * A mistake on the command line: with -j bpftool's p_err ({"error": ...} on standard output), else a line
     * on standard error that points at {@code object}'s help.
     */
    static int usageError(PrintStream out, PrintStream err, Main.Options options, String command, String message,
            String object) {
        if (options.json) {
            out.println(new Json().object().field("error", command + ": " + message).end());
        } else {
            err.println(command + ": " + message + " (run 'java -jar bpf4j.jar " + object + " help' for usage)");
        }
        return Main.USAGE_ERROR;
    }

    /** Like bpftool: with -j the error is JSON on standard output ({"error": ...}), else a line on standard error. */
    static int failed(PrintStream out, PrintStream err, Main.Options options, String command, String message) {
        if (options.json) {
            out.println(new Json().object().field("error", message).end());
        } else {
            err.println(command + ": " + message);
        }
        return Main.FAILED;
    }

    /** {@code infos} as one JSON array of {@code json}'s objects, or one {@code text} after another. */
    static <T> void print(PrintStream out, boolean asJson, List<T> infos, BiFunction<Json, T, Json> json,
            Function<T, String> text) {
        if (asJson) {
            Json j = new Json().array();
            for (T info : infos) {
                json.apply(j, info);
            }
            out.println(j.end());
        } else {
            for (T info : infos) {
                out.print(text.apply(info));
            }
        }
    }
}
