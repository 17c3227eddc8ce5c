/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfPermissionException;
import java.util.Arrays;

/** {@code java -jar bpf4j.jar <command>}: the jar's command-line face. */
public final class Main {
    static final String USAGE = "usage: java -jar bpf4j.jar demo|version|map ...  (run 'map' alone for the map commands)";

    private Main() {}

    public static void main(String[] args) {
        String command = args.length == 0 ? "help" : args[0];
        try {
            switch (command) {
                case "demo":
                    System.exit(Demo.run(System.out));
                    break;
                case "version":
                    VersionReport.print(System.out);
                    break;
                case "map":
                    System.exit(MapCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
                    break;
                default:
                    System.err.println(USAGE);
                    System.exit(command.equals("help") || command.equals("--help") ? 0 : 2);
            }
        } catch (BpfPermissionException e) {
            System.err.println("bpf4j " + command + " needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN"
                    + " for tracefs): " + e.operation() + " failed with " + e.errnoName() + "; " + e.hint());
            System.exit(1);
        } catch (BpfException | UnsupportedOperationException e) {
            System.err.println("bpf4j " + command + " failed: " + e.getMessage());
            System.exit(1);
        }
    }
}
