/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import io.github.bpf4j.Bpf4j;
import io.github.bpf4j.BpfException;
import io.github.bpf4j.MapType;
import io.github.bpf4j.ProgramType;
import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** {@code java -jar bpf4j.jar version}: what this jar, this JVM and this kernel offer. */
final class VersionReport {
    private VersionReport() {}

    static void print(PrintStream out) {
        out.println("bpf4j    " + Bpf4j.version());
        out.println("libbpf   " + Bpf4j.libbpfVersion() + " (statically linked, " + NativeLibrary.platformDirectory() + ")");
        out.println("kernel   " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        out.println("java     " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        out.println("btf      " + (new File("/sys/kernel/btf/vmlinux").exists() ? "yes (/sys/kernel/btf/vmlinux)"
                : "no: CO-RE programs will not load"));
        out.println("bpffs    " + (mounted("/sys/fs/bpf", "bpf") ? "mounted at /sys/fs/bpf" : "not mounted at /sys/fs/bpf"));
        out.println("tracefs  " + (new File("/sys/kernel/tracing/trace_pipe").exists() ? "mounted at /sys/kernel/tracing"
                : "not mounted (TracePipe mounts it when allowed)"));
        out.println("access   " + (Native.geteuid() == 0 ? "root" : "uid " + Native.geteuid()) + "; "
                + Errors.permissionSummary());
        List<String> yes = new ArrayList<String>();
        List<String> no = new ArrayList<String>();
        List<String> denied = new ArrayList<String>();
        String why = null;
        for (MapType t : MapType.values()) {
            if (t != MapType.UNSPEC && t != MapType.UNKNOWN) {
                why = classify(t.name(), t, yes, no, denied, why);
            }
        }
        out.println("map types supported:      " + yes);
        out.println("map types not supported:  " + no);
        if (!denied.isEmpty()) {
            out.println("map types not permitted (unknown): " + denied);
        }
        yes.clear();
        no.clear();
        denied.clear();
        for (ProgramType t : ProgramType.values()) {
            if (t != ProgramType.UNSPEC && t != ProgramType.UNKNOWN) {
                why = classify(t.name(), t, yes, no, denied, why);
            }
        }
        out.println("program types supported:     " + yes);
        out.println("program types not supported: " + no);
        if (!denied.isEmpty()) {
            out.println("program types not permitted (unknown): " + denied);
        }
        if (why != null) {
            out.println("not permitted: probing these needs privileges this process lacks: " + why);
        }
    }

    /**
     * Files {@code name} under supported, not supported (a trailing '?' where
     * libbpf cannot probe the type) or not permitted, which says nothing about
     * the kernel. Returns the first permission hint seen.
     */
    private static String classify(String name, Object type, List<String> yes, List<String> no, List<String> denied,
            String why) {
        try {
            boolean supported = type instanceof MapType ? Bpf4j.probe((MapType) type)
                    : Bpf4j.probe((ProgramType) type);
            (supported ? yes : no).add(name);
        } catch (io.github.bpf4j.BpfPermissionException e) {
            denied.add(name);
            return why != null ? why : e.errnoName() + ", " + e.hint();
        } catch (BpfException e) {
            no.add(name + "?");
        }
        return why;
    }

    private static boolean mounted(String dir, String type) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 2 && f[1].equals(dir) && f[2].equals(type)) {
                    return true;
                }
            }
        } catch (java.io.IOException e) {
            return false;
        }
        return false;
    }
}
