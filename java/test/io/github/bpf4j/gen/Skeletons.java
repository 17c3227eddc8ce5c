/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfNotSupportedException;
import io.github.bpf4j.Kernel;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * The skeletons of every object in bpf/ and test-bpf/, generated and compiled (Java 8, every lint an error)
 * once per test JVM for the test classes that use them (SkeletonGeneratorTest, ProgramViewTest): javac over
 * some 50 objects' sources is the slow part, and both classes need the same classes.
 */
final class Skeletons {
    /** Objects libbpf 1.x refuses to open, and why. */
    static final Map<String, Class<? extends Exception>> UNOPENABLE;

    static {
        Map<String, Class<? extends Exception>> m = new HashMap<String, Class<? extends Exception>>();
        m.put("legacy_maps.bpf.o", BpfNotSupportedException.class);
        UNOPENABLE = Collections.unmodifiableMap(m);
    }

    /** Round trips compiled with the skeletons: source resource, package, the object next to them. */
    private static final String[][] ROUND_TRIPS = {
        {"RoundTrip.java.txt", "gen/skeleton_test/RoundTrip.java", "skeleton_test.bpf.o"},
        {"ArenaRoundTrip.java.txt", "gen/arena_globals/ArenaRoundTrip.java", "arena_globals.bpf.o"},
    };

    /** The sources and classes of every object's skeleton. */
    static final class Compiled {
        final Path src;
        /** Each object's generated files, the skeleton class first, then one per struct, union and enum. */
        final Map<Path, List<Path>> generated;
        final URLClassLoader loader;

        Compiled(Path src, Map<Path, List<Path>> generated, URLClassLoader loader) {
            this.src = src;
            this.generated = generated;
            this.loader = loader;
        }

        Class<?> load(Path source) throws ClassNotFoundException {
            return loader.loadClass(src.relativize(source).toString().replace(File.separatorChar, '.')
                    .replaceAll("\\.java$", ""));
        }

        /** The object's struct, union and enum classes by the BTF type id they were generated from. */
        Map<Integer, Class<?>> typeClasses(Path object) throws Exception {
            Map<Integer, Class<?>> out = new LinkedHashMap<Integer, Class<?>>();
            for (Path p : generated.get(object)) {
                Class<?> c = load(p);
                try {
                    out.put(c.getField("BTF_TYPE_ID").getInt(null), c);
                } catch (NoSuchFieldException skeletonClass) {
                    // the skeleton itself: its types are nested classes, per section
                }
            }
            return out;
        }
    }

    private static Compiled compiled;

    private Skeletons() {}

    static synchronized Compiled compiled() throws Exception {
        if (compiled != null) {
            return compiled;
        }
        Kernel.requireBpf(); // the native library opens the objects; nothing is loaded
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assumeTrue(javac != null, "this JVM has no compiler (a JRE): javax.tools.ToolProvider found none");
        Path workDir = Files.createTempDirectory("bpf4j-skeletons");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(workDir)));
        Path src = workDir.resolve("src");
        Path classes = workDir.resolve("classes");
        Map<Path, List<Path>> generated = new LinkedHashMap<Path, List<Path>>();
        for (Path object : objects()) {
            String file = object.getFileName().toString();
            String pkg = "gen." + SkeletonGenerator.objectName(file);
            if (UNOPENABLE.containsKey(file)) {
                assertThrows(UNOPENABLE.get(file), () -> SkeletonGenerator.generate(object, pkg, null, src));
                continue;
            }
            String name = file.equals("skeleton_test.bpf.o") ? "SampleSkeleton" : null;
            generated.put(object, SkeletonGenerator.generate(object, pkg, name, src));
        }
        assertTrue(generated.size() >= 40, "objects found: " + generated.keySet());
        List<String> files = new ArrayList<String>();
        for (List<Path> paths : generated.values()) {
            for (Path p : paths) {
                files.add(p.toString());
            }
        }
        for (String[] r : ROUND_TRIPS) {
            Path source = src.resolve(r[1]);
            try (InputStream in = Skeletons.class.getResourceAsStream(r[0])) {
                Files.copy(in, source);
            }
            files.add(source.toString());
        }
        compile(javac, classes, files);
        for (String[] r : ROUND_TRIPS) {
            Files.copy(objectNamed(r[2]), classes.resolve(r[1]).resolveSibling(r[2]),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        compiled = new Compiled(src, generated, new URLClassLoader(new URL[] {classes.toUri().toURL()},
                Skeletons.class.getClassLoader()));
        return compiled;
    }

    private static void compile(JavaCompiler javac, Path classes, List<String> files) throws Exception {
        Files.createDirectories(classes);
        List<String> args = new ArrayList<String>();
        // --release 8 needs the JDK's lib/ct.sym (Java 8's API signatures); JDK 8 itself and trimmed runtimes
        // (the matrix's jdk21) lack it, and compile with -source/-target 8 against their own API instead: the
        // Java 8 API check is the build JDK's run.
        if (Files.exists(Paths.get(System.getProperty("java.home"), "lib", "ct.sym"))) {
            args.addAll(Arrays.asList("--release", "8"));
        } else {
            args.addAll(Arrays.asList("-source", "8", "-target", "8"));
        }
        // Every lint about the code; not -options (JDK 21+ calls release 8 obsolete) nor -path (the test class
        // path's jars name missing jars in their manifests): those are about this command line, not the code.
        args.addAll(Arrays.asList("-Xlint:all,-options,-path", "-Werror", "-encoding", "UTF-8", "-d", classes.toString(), "-cp",
                System.getProperty("java.class.path")));
        args.addAll(files);
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        int status = javac.run(null, null, log, args.toArray(new String[0]));
        assertEquals(0, status, "javac " + String.join(" ", args.subList(0, 8)) + ":\n" + new String(log.toByteArray(), StandardCharsets.UTF_8));
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        } catch (IOException e) {
            // a temp directory left behind at exit is no test failure
        }
    }

    static List<Path> objects() throws Exception {
        List<Path> out = new ArrayList<Path>();
        for (String probe : new String[] {"bpf/typed_test.bpf.o", "io/github/bpf4j/bpf/mmap.bpf.o"}) {
            URL url = Skeletons.class.getClassLoader().getResource(probe);
            assertNotNull(url, probe + " is not on the test class path (built by CMake)");
            try (Stream<Path> files = Files.list(Paths.get(url.toURI()).getParent())) {
                files.filter(p -> p.toString().endsWith(".bpf.o")).sorted().forEach(out::add);
            }
        }
        return out;
    }

    static Path objectNamed(String file) throws Exception {
        for (Path p : objects()) {
            if (p.getFileName().toString().equals(file)) {
                return p;
            }
        }
        throw new AssertionError(file + " was not built");
    }
}
