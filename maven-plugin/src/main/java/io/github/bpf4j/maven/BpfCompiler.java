package io.github.bpf4j.maven;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Compiles one {@code .bpf.c} into one {@code .bpf.o} per CPU, the way the
 * library's own objects are built: {@code -O2 -g -target bpf
 * -D__TARGET_ARCH_<cpu>}, the include directories in order, then the host's
 * system directories with -idirafter. Skips the compile when the object is
 * newer than every file the last compile read and the command is unchanged.
 */
public final class BpfCompiler {
    /** The flags every object gets; -g makes the BTF that libbpf and the skeletons need. */
    public static final List<String> BASE_FLAGS = Collections.unmodifiableList(Arrays.asList("-O2", "-g", "-target", "bpf"));

    private final Clang clang;
    private final List<Path> includeDirs;
    private final List<String> extraArgs;
    private final Path stateDir;

    /**
     * @param includeDirs searched in this order (-I)
     * @param extraArgs   the user's own flags, after the base flags
     * @param stateDir    where dependency files and command stamps live (build tree, never packaged)
     */
    public BpfCompiler(Clang clang, List<Path> includeDirs, List<String> extraArgs, Path stateDir) {
        this.clang = clang;
        this.includeDirs = new ArrayList<>(includeDirs);
        this.extraArgs = extraArgs == null ? Collections.<String>emptyList() : new ArrayList<>(extraArgs);
        this.stateDir = stateDir;
    }

    /** What {@link #compile} did. */
    public static final class Outcome {
        public final boolean compiled;
        /** clang's warnings (empty when it printed nothing or when up to date). */
        public final String warnings;

        Outcome(boolean compiled, String warnings) {
            this.compiled = compiled;
            this.warnings = warnings;
        }
    }

    /** The object name for a source: {@code x.bpf.c} gives {@code x.bpf.o}, or {@code x.<cpu>.bpf.o} when perCpuName. */
    public static String objectName(Path source, TargetArch arch, boolean perCpuName) {
        String base = baseName(source);
        return perCpuName ? base + "." + arch.bpfName() + ".bpf.o" : base + ".bpf.o";
    }

    /** {@code counter.bpf.c} gives {@code counter}; any other {@code .c} loses just its suffix. */
    public static String baseName(Path source) {
        String n = source.getFileName().toString();
        if (n.endsWith(".bpf.c")) {
            return n.substring(0, n.length() - ".bpf.c".length());
        }
        return n.endsWith(".c") ? n.substring(0, n.length() - 2) : n;
    }

    /** The full clang command line (without the executable) that builds {@code object}. */
    public List<String> arguments(Path source, TargetArch arch, Path object) throws BpfBuildException {
        List<String> a = new ArrayList<>(BASE_FLAGS);
        a.add(arch.define());
        for (Path dir : includeDirs) {
            a.add("-I" + dir);
        }
        for (String dir : clang.systemIncludes()) {
            a.add("-idirafter");
            a.add(dir);
        }
        a.addAll(extraArgs);
        a.add("-MD");
        a.add("-MF");
        a.add(depFile(object).toString());
        a.add("-c");
        a.add(source.toString());
        a.add("-o");
        a.add(object.toString());
        return a;
    }

    /** Compiles unless up to date; a clang error is a BpfBuildException carrying clang's output. */
    public Outcome compile(Path source, TargetArch arch, Path object) throws BpfBuildException {
        if (!Files.isRegularFile(source)) {
            throw new BpfBuildException("bpf4j: BPF source " + source + " does not exist; check <sourceDirectory>");
        }
        List<String> args = arguments(source, arch, object);
        String stamp = clang.version() + "\n" + String.join("\n", args) + "\n";
        Path stampFile = stampFile(object);
        if (upToDate(object, stampFile, stamp)) {
            return new Outcome(false, "");
        }
        Clang.Result r;
        try {
            Files.createDirectories(stateDir);
            Files.createDirectories(object.toAbsolutePath().getParent());
            Files.deleteIfExists(stampFile);
            r = clang.run(args, null);
        } catch (IOException e) {
            throw new BpfBuildException("bpf4j: cannot run " + clang.executable() + " on " + source + ": " + e, e);
        }
        if (r.exitCode != 0) {
            try {
                Files.deleteIfExists(object);     // never leave a half-written object for the next build
            } catch (IOException ignored) {
                // the missing stamp forces a compile next time anyway
            }
            throw new BpfBuildException("bpf4j: clang failed on " + source + " (for " + arch.bpfName()
                    + ", exit " + r.exitCode + "):\n" + r.output.trim() + "\ncommand: " + clang.executable() + " "
                    + String.join(" ", args));
        }
        try {
            Files.write(stampFile, stamp.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new BpfBuildException("bpf4j: cannot write " + stampFile + ": " + e, e);
        }
        return new Outcome(true, r.output.trim());
    }

    /** Up to date: the object and both records exist, the command is the same, and no input is newer. */
    boolean upToDate(Path object, Path stampFile, String stamp) {
        try {
            if (!Files.isRegularFile(object) || !Files.isRegularFile(stampFile)) {
                return false;
            }
            if (!new String(Files.readAllBytes(stampFile), StandardCharsets.UTF_8).equals(stamp)) {
                return false;
            }
            List<String> inputs = DepFile.prerequisites(depFile(object));
            if (inputs == null || inputs.isEmpty()) {
                return false;
            }
            FileTime built = Files.getLastModifiedTime(object);
            for (String in : inputs) {
                Path p = Paths.get(in);
                if (!Files.exists(p) || Files.getLastModifiedTime(p).compareTo(built) > 0) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Path depFile(Path object) {
        return stateDir.resolve(object.getFileName() + ".d");
    }

    private Path stampFile(Path object) {
        return stateDir.resolve(object.getFileName() + ".cmd");
    }
}
