package io.github.bpf4j.maven;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The CPU a BPF object's tracing code is written for: bpf_tracing.h picks the
 * register layout of {@code PT_REGS_*} / {@code BPF_KPROBE} from
 * {@code -D__TARGET_ARCH_<name>}. Everything else in an object is the same on
 * every CPU.
 */
public enum TargetArch {
    X86("x86", "amd64", "x86_64"),
    ARM64("arm64", "aarch64");

    private final String name;
    private final String[] aliases;

    TargetArch(String name, String... aliases) {
        this.name = name;
        this.aliases = aliases;
    }

    /** bpf_tracing.h's name: x86 or arm64; also the infix of per-CPU object names. */
    public String bpfName() {
        return name;
    }

    public String define() {
        return "-D__TARGET_ARCH_" + name;
    }

    /** x86/amd64/x86_64 or arm64/aarch64, any case. */
    public static TargetArch of(String s) throws BpfBuildException {
        String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        for (TargetArch a : values()) {
            if (a.name.equals(t)) {
                return a;
            }
            for (String alias : a.aliases) {
                if (alias.equals(t)) {
                    return a;
                }
            }
        }
        throw new BpfBuildException("bpf4j: unknown architecture '" + s + "' in <architectures>; use x86 (also amd64,"
                + " x86_64) or arm64 (also aarch64), the CPUs bpf4j's jar has native code for");
    }

    /** The build machine's CPU, the default when none is configured. */
    public static TargetArch host() throws BpfBuildException {
        String arch = System.getProperty("os.arch");
        try {
            return of(arch);
        } catch (BpfBuildException e) {
            throw new BpfBuildException("bpf4j: this machine's CPU (os.arch " + arch + ") is not one bpf4j supports;"
                    + " set <architectures> to x86 and/or arm64", e);
        }
    }

    /** The build machine's CPU, or null when bpf4j does not support it. */
    static TargetArch hostOrNull() {
        try {
            return host();
        } catch (BpfBuildException e) {
            return null;
        }
    }

    /** The configured list, each CPU once, in the given order; the host's when empty. */
    public static List<TargetArch> list(List<String> configured) throws BpfBuildException {
        Set<TargetArch> out = new LinkedHashSet<>();
        if (configured != null) {
            for (String s : configured) {
                for (String part : s.split(",")) {
                    if (!part.trim().isEmpty()) {
                        out.add(of(part));
                    }
                }
            }
        }
        if (out.isEmpty()) {
            out.add(host());
        }
        return new ArrayList<>(out);
    }
}
