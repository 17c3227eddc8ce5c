package io.github.bpf4j.maven;

import org.apache.maven.model.Resource;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Compiles {@code src/main/bpf/*.bpf.c} with clang into the build's resources
 * (under the skeleton package's folder, next to the generated classes) and
 * generates a Java skeleton per object into the build's generated sources.
 */
@Mojo(name = "compile", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true)
public class CompileMojo extends AbstractMojo {
    private static final Pattern JAVA_PACKAGE =
            Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    /** Where the {@code *.bpf.c} files are; also first on the include path. */
    @Parameter(property = "bpf4j.sourceDirectory", defaultValue = "${project.basedir}/src/main/bpf")
    private File sourceDirectory;

    /**
     * The Java package of the skeletons; the objects go into the same folder of
     * the class path ({@code com.example.bpf} puts {@code counter.bpf.o} at
     * {@code com/example/bpf/counter.bpf.o}).
     */
    @Parameter(property = "bpf4j.packageName")
    private String packageName;

    /** clang to use: a path or a command on PATH. Default: clang-19, clang, then clang-N on PATH. */
    @Parameter(property = "bpf4j.clang")
    private String clang;

    /** The oldest clang major version accepted. bpf4j is tested with 19. */
    @Parameter(property = "bpf4j.minimumClangVersion", defaultValue = "14")
    private int minimumClangVersion;

    /**
     * CPUs to compile for ({@code -D__TARGET_ARCH_x86} / {@code _arm64}): x86
     * and/or arm64 (aliases amd64, x86_64, aarch64). Default: the build machine's.
     * With one, objects are {@code name.bpf.o}; with several, one object per CPU
     * named {@code name.x86.bpf.o}, {@code name.arm64.bpf.o}, each with its own skeleton.
     */
    @Parameter(property = "bpf4j.architectures")
    private List<String> architectures;

    /** Generate {@code vmlinux.h} (all kernel types, from BTF) onto the include path. */
    @Parameter(property = "bpf4j.vmlinux", defaultValue = "false")
    private boolean vmlinux;

    /** The BTF that vmlinux.h is made from. Default: the running kernel's (/sys/kernel/btf/vmlinux). */
    @Parameter(property = "bpf4j.vmlinuxBtf")
    private File vmlinuxBtf;

    /**
     * BTF per CPU for cross builds, e.g. {@code <vmlinuxBtfs><arm64>arm64/vmlinux</arm64></vmlinuxBtfs>}:
     * each CPU's objects see their own vmlinux.h (struct pt_regs differs). A CPU
     * not listed gets vmlinuxBtf's.
     */
    @Parameter
    private Map<String, File> vmlinuxBtfs;

    /** More include directories, searched after the source directory and before bpf4j's headers. */
    @Parameter
    private List<File> includeDirectories;

    /** More clang arguments, after -O2 -g -target bpf (e.g. -Wall, -DDEBUG=1). */
    @Parameter
    private List<String> compilerArgs;

    /** Generate a Java skeleton per object (through io.github.bpf4j.gen.SkeletonGenerator). */
    @Parameter(property = "bpf4j.skeletons", defaultValue = "true")
    private boolean skeletons;

    /**
     * C structs, unions and enums to generate classes for although no map or
     * global uses them (ring buffer records), per object:
     * {@code <skeletonTypes><write_counter>write_event</write_counter></skeletonTypes>}
     * (the key is the source's name without {@code .bpf.c}; several types comma-separated).
     */
    @Parameter
    private Map<String, String> skeletonTypes;

    /** Added to the project's resources: the objects, under the package's folder. */
    @Parameter(defaultValue = "${project.build.directory}/generated-resources/bpf4j")
    private File outputDirectory;

    /** Added to the project's compile source roots: the skeletons. */
    @Parameter(defaultValue = "${project.build.directory}/generated-sources/bpf4j")
    private File generatedSourcesDirectory;

    /** bpf4j's headers (and vmlinux.h), dependency files, stamps: build state, never packaged. */
    @Parameter(defaultValue = "${project.build.directory}/bpf4j")
    private File workDirectory;

    @Parameter(property = "bpf4j.skip", defaultValue = "false")
    private boolean skip;

    @Override
    public void execute() throws MojoFailureException {
        if (skip) {
            getLog().info("bpf4j: skipped (bpf4j.skip)");
            return;
        }
        try {
            run();
        } catch (BpfBuildException e) {
            throw new MojoFailureException(e.getMessage(), e);
        }
    }

    private void run() throws BpfBuildException {
        List<Path> sources = sources(sourceDirectory.toPath());
        if (sources.isEmpty()) {
            getLog().info("bpf4j: no *.bpf.c in " + sourceDirectory + "; nothing to compile");
            return;
        }
        String pkg = packageName == null ? "" : packageName.trim();
        if (!JAVA_PACKAGE.matcher(pkg).matches()) {
            throw new BpfBuildException("bpf4j: <packageName> is " + (pkg.isEmpty() ? "not set" : "'" + pkg + "', not a Java package name")
                    + "; set it to the package of the skeletons, e.g. <packageName>com.example.bpf</packageName>"
                    + " (the objects go into its folder on the class path)");
        }
        if (skeletonTypes != null) {
            List<String> bases = new ArrayList<>();
            for (Path src : sources) {
                bases.add(BpfCompiler.baseName(src));
            }
            for (String key : skeletonTypes.keySet()) {
                if (!bases.contains(key)) {
                    throw new BpfBuildException("bpf4j: <skeletonTypes> names '" + key + "', but " + sourceDirectory
                            + " has no " + key + ".bpf.c; use a source's name without .bpf.c (one of " + bases + ")");
                }
            }
        }
        List<TargetArch> arches = TargetArch.list(architectures);
        Clang cc = Clang.locate(clang, minimumClangVersion);
        getLog().info("bpf4j: " + cc);
        if (cc.major() < Clang.TESTED_MAJOR) {
            getLog().warn("bpf4j: clang " + cc.major() + " is older than the clang " + Clang.TESTED_MAJOR
                    + " bpf4j is tested with; arena programs (bpf4j/arena.h) need clang 19 for __arena address spaces");
        }

        Path work = workDirectory.toPath();
        Path include = work.resolve("include");
        int changed = IncludeDir.syncHeaders(include);
        if (changed > 0) {
            getLog().info("bpf4j: " + changed + " header(s) from the bpf4j jar written to " + include);
        }
        List<Path> common = new ArrayList<>();
        common.add(sourceDirectory.toPath());
        if (includeDirectories != null) {
            for (File f : includeDirectories) {
                common.add(f.toPath());
            }
        }
        Map<TargetArch, BpfCompiler> compilers = new EnumMap<>(TargetArch.class);
        for (TargetArch arch : arches) {
            List<Path> includes = new ArrayList<>(common);
            if (vmlinux) {
                includes.add(vmlinuxFor(arch, work.resolve("vmlinux").resolve(arch.bpfName())));
            }
            includes.add(include);
            compilers.put(arch, new BpfCompiler(cc, includes, compilerArgs, work.resolve("deps")));
        }

        Path objDir = outputDirectory.toPath().resolve(pkg.replace('.', File.separatorChar));
        List<Path> objects = new ArrayList<>();
        Map<Path, String> classNames = new HashMap<>();
        Map<Path, List<String>> extraTypes = new HashMap<>();
        int compiled = 0;
        for (Path src : sources) {
            for (TargetArch arch : arches) {
                Path obj = objDir.resolve(BpfCompiler.objectName(src, arch, arches.size() > 1));
                // one skeleton per CPU needs names of its own: Counter gives CounterX86, CounterArm64
                classNames.put(obj, arches.size() > 1 ? pascal(BpfCompiler.baseName(src)) + pascal(arch.bpfName()) : null);
                extraTypes.put(obj, typesOf(BpfCompiler.baseName(src)));
                BpfCompiler.Outcome o = compilers.get(arch).compile(src, arch, obj);
                if (!o.warnings.isEmpty()) {
                    getLog().warn("bpf4j: clang on " + src.getFileName() + ":\n" + o.warnings);
                }
                if (o.compiled) {
                    compiled++;
                    getLog().info("bpf4j: compiled " + src.getFileName() + " -> " + obj);
                } else {
                    getLog().debug("bpf4j: up to date: " + obj);
                }
                objects.add(obj);
            }
        }
        if (compiled == 0) {
            getLog().info("bpf4j: " + objects.size() + " object(s) up to date");
        }
        removeStale(objDir, objects);

        if (skeletons) {
            Skeletons gen = new Skeletons(generatedSourcesDirectory.toPath(), work.resolve("skeletons"));
            gen.removeOthers(objects);
            for (Path obj : objects) {
                if (gen.generate(obj, pkg, classNames.get(obj), extraTypes.get(obj))) {
                    getLog().info("bpf4j: skeleton of " + obj.getFileName() + " in " + generatedSourcesDirectory);
                }
            }
            project.addCompileSourceRoot(generatedSourcesDirectory.getAbsolutePath());
        }
        addResourceDirectory(outputDirectory.getAbsolutePath());
    }

    /** Writes (if needed) the vmlinux.h that objects for {@code arch} include; returns its folder. */
    private Path vmlinuxFor(TargetArch arch, Path dir) throws BpfBuildException {
        File btf = null;
        if (vmlinuxBtfs != null) {
            for (Map.Entry<String, File> e : vmlinuxBtfs.entrySet()) {
                if (TargetArch.of(e.getKey()) == arch) {
                    btf = e.getValue();
                }
            }
        }
        if (btf == null) {
            btf = vmlinuxBtf;
            if (btf == null && arch != TargetArch.hostOrNull()) {
                getLog().warn("bpf4j: the " + arch.bpfName() + " objects get this machine's vmlinux.h"
                        + " (the running kernel's): fine for CO-RE reads, but PT_REGS_*/BPF_KPROBE need "
                        + arch.bpfName() + "'s struct pt_regs; give its BTF in <vmlinuxBtfs><" + arch.bpfName()
                        + ">file</" + arch.bpfName() + "></vmlinuxBtfs>");
            }
        }
        if (IncludeDir.syncVmlinux(dir, btf == null ? null : btf.toPath())) {
            getLog().info("bpf4j: wrote " + dir.resolve("vmlinux.h")
                    + (btf == null ? " from the running kernel's BTF" : " from " + btf));
        }
        return dir;
    }

    private List<String> typesOf(String base) {
        List<String> out = new ArrayList<>();
        String list = skeletonTypes == null ? null : skeletonTypes.get(base);
        if (list != null) {
            for (String t : list.split("[,\\s]+")) {
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** write_counter gives WriteCounter, arm64 Arm64. */
    static String pascal(String s) {
        StringBuilder b = new StringBuilder();
        boolean up = true;
        for (char c : s.toCharArray()) {
            if (!Character.isLetterOrDigit(c)) {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        if (b.length() == 0 || !Character.isJavaIdentifierStart(b.charAt(0))) {
            b.insert(0, 'B');
        }
        return b.toString();
    }

    private static List<Path> sources(Path dir) throws BpfBuildException {
        if (!Files.isDirectory(dir)) {
            return Collections.emptyList();
        }
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.bpf.c")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    out.add(p.toAbsolutePath());
                }
            }
        } catch (IOException e) {
            throw new BpfBuildException("bpf4j: cannot list " + dir + ": " + e, e);
        }
        Collections.sort(out);     // stable build order and log
        return out;
    }

    /** Objects of sources since deleted (or of another CPU list) must not stay on the class path. */
    private void removeStale(Path objDir, List<Path> keep) throws BpfBuildException {
        if (!Files.isDirectory(objDir)) {
            return;
        }
        Set<Path> wanted = new HashSet<>(keep);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(objDir, "*.bpf.o")) {
            for (Path p : ds) {
                if (!wanted.contains(p)) {
                    Files.delete(p);
                    getLog().info("bpf4j: removed " + p + " (no longer built: its source or the CPU list changed)");
                }
            }
        } catch (IOException e) {
            throw new BpfBuildException("bpf4j: cannot clean " + objDir + ": " + e, e);
        }
    }

    private void addResourceDirectory(String dir) {
        for (Resource r : project.getResources()) {
            if (dir.equals(r.getDirectory())) {
                return;
            }
        }
        Resource r = new Resource();
        r.setDirectory(dir);
        project.addResource(r);
    }
}
