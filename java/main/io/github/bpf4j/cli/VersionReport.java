/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import io.github.bpf4j.Bpf4j;
import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfPermissionException;
import io.github.bpf4j.MapType;
import io.github.bpf4j.ProgramType;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeLibrary;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** {@code java -jar bpf4j.jar version}: what this jar, this JVM and this kernel offer. */
final class VersionReport {
    static final String TRACEFS = "/sys/kernel/tracing";

    private VersionReport() {}

    /** Probe results of one kind of type. */
    private static final class Probed {
        final List<String> yes = new ArrayList<String>();
        final List<String> no = new ArrayList<String>();
        final List<String> denied = new ArrayList<String>();
        String why;
    }

    static void print(PrintStream out, boolean json) {
        Probed maps = new Probed();
        for (MapType t : MapType.values()) {
            if (t != MapType.UNSPEC && t != MapType.UNKNOWN) {
                classify(t.name(), t, maps);
            }
        }
        Probed programs = new Probed();
        programs.why = maps.why;
        for (ProgramType t : ProgramType.values()) {
            if (t != ProgramType.UNSPEC && t != ProgramType.UNKNOWN) {
                classify(t.name(), t, programs);
            }
        }
        boolean btf = new File("/sys/kernel/btf/vmlinux").exists();
        boolean bpffs = mounted("/sys/fs/bpf", "bpf");
        String tracefs = tracefs();
        int euid = Native.geteuid();
        if (json) {
            Json j = new Json().object().field("version", Bpf4j.version()).field("libbpf_version", Bpf4j.libbpfVersion().replaceFirst("^v", ""))
                    .field("platform", NativeLibrary.platformDirectory())
                    .field("kernel", System.getProperty("os.version")).field("arch", System.getProperty("os.arch"))
                    .field("java", System.getProperty("java.version")).field("btf", btf).field("bpffs", bpffs)
                    .field("tracefs", tracefs.contains("not accessible") ? "inaccessible"
                            : tracefs.startsWith("mounted at") ? "mounted" : "not mounted")
                    .field("euid", euid).field("access", Errors.permissionSummary());
            j.key("map_types").object().field("supported", maps.yes).field("not_supported", maps.no)
                    .field("not_permitted", maps.denied).close();
            j.key("program_types").object().field("supported", programs.yes).field("not_supported", programs.no)
                    .field("not_permitted", programs.denied).close();
            out.println(j.end());
            return;
        }
        out.println("bpf4j    " + Bpf4j.version());
        out.println("libbpf   " + Bpf4j.libbpfVersion() + " (statically linked, " + NativeLibrary.platformDirectory()
                + ")");
        out.println("kernel   " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        out.println("java     " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        out.println("btf      " + (btf ? "yes (/sys/kernel/btf/vmlinux)" : "no: CO-RE programs will not load"));
        out.println("bpffs    " + (bpffs ? "mounted at /sys/fs/bpf" : "not mounted at /sys/fs/bpf"));
        out.println("tracefs  " + tracefs);
        out.println("access   " + (euid == 0 ? "root" : "uid " + euid) + "; " + Errors.permissionSummary());
        out.println("map types supported:      " + maps.yes);
        out.println("map types not supported:  " + maps.no);
        if (!maps.denied.isEmpty()) {
            out.println("map types not permitted (unknown): " + maps.denied);
        }
        out.println("program types supported:     " + programs.yes);
        out.println("program types not supported: " + programs.no);
        if (!programs.denied.isEmpty()) {
            out.println("program types not permitted (unknown): " + programs.denied);
        }
        if (programs.why != null) {
            out.println("not permitted: probing these needs privileges this process lacks: " + programs.why);
        }
    }

    /**
     * Mounted, mounted but closed to this user (the default: root's, mode
     * 0700, which only root or CAP_DAC_READ_SEARCH passes), or not mounted: from the mount table,
     * not from whether trace_pipe can be seen, which a non-root user cannot.
     */
    static String tracefs() {
        File dir = new File(TRACEFS);
        boolean isMounted = mounted(TRACEFS, "tracefs");
        if (new File(dir, "trace_pipe").exists()) {
            return "mounted at " + TRACEFS;
        }
        if (isMounted || dir.isDirectory() && !dir.canExecute()) {
            return (isMounted ? "mounted at " + TRACEFS + ", but " : TRACEFS + " is ") + "not accessible to uid "
                    + Native.geteuid() + " (root's, mode 0700): " + Main.TRACEFS_ADVICE;
        }
        return "not mounted (TracePipe mounts it when allowed: root or CAP_SYS_ADMIN)";
    }

    /**
     * Files {@code name} under supported, not supported (a trailing '?' where
     * libbpf cannot probe the type) or not permitted, which says nothing about
     * the kernel; keeps the first permission hint seen.
     */
    private static void classify(String name, Object type, Probed p) {
        try {
            boolean supported = type instanceof MapType ? Bpf4j.probe((MapType) type)
                    : Bpf4j.probe((ProgramType) type);
            (supported ? p.yes : p.no).add(name);
        } catch (BpfPermissionException e) {
            p.denied.add(name);
            if (p.why == null) {
                p.why = e.errnoName() + ", " + e.hint();
            }
        } catch (BpfException e) {
            p.no.add(name + "?");
        }
    }

    static boolean mounted(String dir, String type) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 2 && f[1].equals(dir) && f[2].equals(type)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
