/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.Bpf4j;
import io.github.bpf4j.BpfNotSupportedException;
import io.github.bpf4j.MapType;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.btf.Btf;
import io.github.bpf4j.btf.BtfKind;
import io.github.bpf4j.btf.BtfType;
import java.io.File;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Skeletons of every object in bpf/ and test-bpf/: generated, compiled at
 * Java 8 with every lint as an error, every offset, bit offset, length and
 * size held against the object's BTF, and test-bpf/skeleton_test.bpf.c's
 * layouts proven both ways with its programs (RoundTrip below).
 */
class SkeletonGeneratorTest {
    /** Objects libbpf 1.x refuses to open, and why. */
    private static final Map<String, Class<? extends Exception>> UNOPENABLE = new HashMap<String, Class<? extends Exception>>();

    static {
        UNOPENABLE.put("legacy_maps.bpf.o", BpfNotSupportedException.class);
    }

    /** The sources and classes of every object's skeleton, made once for the tests that need them. */
    private static final class Compiled {
        final Path src;
        final Map<Path, List<Path>> generated;
        final URLClassLoader loader;

        Compiled(Path src, Map<Path, List<Path>> generated, URLClassLoader loader) {
            this.src = src;
            this.generated = generated;
            this.loader = loader;
        }
    }

    private static Path workDir;
    private static Compiled compiled;

    /** Round trips compiled with the skeletons: source resource, package, the object next to them. */
    private static final String[][] ROUND_TRIPS = {
        {"RoundTrip.java.txt", "gen/skeleton_test/RoundTrip.java", "skeleton_test.bpf.o"},
        {"ArenaRoundTrip.java.txt", "gen/arena_globals/ArenaRoundTrip.java", "arena_globals.bpf.o"},
    };

    private static synchronized Compiled compiled() throws Exception {
        if (compiled != null) {
            return compiled;
        }
        Kernel.requireBpf(); // the native library opens the objects; nothing is loaded
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assumeTrue(javac != null, "this JVM has no compiler (a JRE): javax.tools.ToolProvider found none");
        workDir = Files.createTempDirectory("bpf4j-skeletons");
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
            try (java.io.InputStream in = SkeletonGeneratorTest.class.getResourceAsStream(r[0])) {
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
                SkeletonGeneratorTest.class.getClassLoader()));
        return compiled;
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (compiled != null) {
            compiled.loader.close();
        }
        if (workDir != null) {
            try (Stream<Path> files = Files.walk(workDir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    void everyObjectGeneratesCompilesAndMatchesItsBtf() throws Exception {
        Compiled c = compiled();
        int checked = 0;
        for (Map.Entry<Path, List<Path>> e : c.generated.entrySet()) {
            Btf btf = Btf.read(e.getKey());
            for (Path p : e.getValue()) {
                String className = c.src.relativize(p).toString().replace(File.separatorChar, '.')
                        .replaceAll("\\.java$", "");
                checked += checkAgainstBtf(c.loader.loadClass(className), btf);
            }
        }
        assertTrue(checked > 200, checked + " offsets checked");
    }

    /** The program's view: it writes, Java reads through the skeleton, and the reverse. */
    @Test
    void programsAndJavaAgreeThroughTheSkeleton() throws Exception {
        assertEquals("", roundTrip("gen.skeleton_test.RoundTrip"));
    }

    @Test
    void arenaGlobalsThroughTheSkeleton() throws Exception {
        Compiled c = compiled();
        assumeTrue(Bpf4j.probe(MapType.ARENA), "this kernel has no BPF arenas (Linux 6.9+)");
        assertEquals("", roundTrip("gen.arena_globals.ArenaRoundTrip"));
        assertNotNull(c);
    }

    private static String roundTrip(String className) throws Exception {
        @SuppressWarnings("unchecked")
        Callable<String> run = (Callable<String>) compiled().loader.loadClass(className).newInstance();
        return run.call();
    }

    @Test
    void sameInputSameOutput(@TempDir Path dir) throws Exception {
        Kernel.requireBpf();
        Path object = objectNamed("skeleton_test.bpf.o");
        List<Path> a = SkeletonGenerator.generate(object, "p.q", null, dir.resolve("a"));
        List<Path> b = SkeletonGenerator.generate(object, "p.q", null, dir.resolve("b"));
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).getFileName(), b.get(i).getFileName());
            assertArrayEquals(Files.readAllBytes(a.get(i)), Files.readAllBytes(b.get(i)), a.get(i).toString());
        }
        assertEquals(dir.resolve("a/p/q/SkeletonTest.java"), a.get(0));
        String text = new String(Files.readAllBytes(a.get(0)), StandardCharsets.UTF_8);
        assertTrue(text.startsWith("// Generated by bpf4j (java -jar bpf4j.jar gen skeleton) from skeleton_test.bpf.o;"
                + " do not edit.\n// Input SHA-256: " + sha256(object) + "\n"), text.substring(0, 200));
        List<String> names = a.stream().map(p -> p.getFileName().toString()).collect(Collectors.toList());
        assertEquals("SkeletonTest.java", names.get(0));
        assertEquals(new java.util.TreeSet<String>(Arrays.asList("SkeletonTest.java", "Sample.java", "Inner.java",
                "Either.java", "Color.java", "Record.java", "Names.java", "Value2.java", "Map2.java")),
                new java.util.TreeSet<String>(names));
    }

    @Test
    void badArgumentsAreNamed(@TempDir Path dir) throws Exception {
        Kernel.requireBpf();
        Path object = objectNamed("skeleton_test.bpf.o");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SkeletonGenerator.generate(object, "p.class", null, dir));
        assertTrue(e.getMessage().contains("package 'p.class' has 'class', which is no Java identifier"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SkeletonGenerator.generate(object, "", null, dir));
        assertTrue(e.getMessage().contains("no package"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SkeletonGenerator.generate(object, "p", "1x", dir));
        assertTrue(e.getMessage().contains("class name '1x' is no Java identifier"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SkeletonGenerator.generate(object, "p", null, dir,
                Arrays.asList("no_such_struct")));
        assertTrue(e.getMessage().contains("no struct, union or enum 'no_such_struct'"), e.getMessage());
        List<Path> extra = SkeletonGenerator.generate(objectNamed("ringbuf_stream.bpf.o"), "p", null, dir,
                Arrays.asList("payload"));
        assertEquals("Payload.java", extra.get(1).getFileName().toString());
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

    /** Each offset-like constant of a generated class against the BTF; returns how many were checked. */
    private static int checkAgainstBtf(Class<?> c, Btf btf) throws Exception {
        int checked = 0;
        Map<String, Long> constants = constants(c);
        if (constants.containsKey("BTF_TYPE_ID")) {
            BtfType t = btf.type(constants.get("BTF_TYPE_ID").intValue());
            if (t.kind() == BtfKind.ENUM || t.kind() == BtfKind.ENUM64) {
                for (BtfType.Enumerator e : t.enumerators()) {
                    Long v = constants.get(e.name());
                    assertNotNull(v, c.getName() + " lacks " + e.name());
                    assertEquals(t.size() > 4 ? e.value() : (long) (int) e.value(), (long) v, c.getName() + "." + e.name());
                    checked++;
                }
                return checked;
            }
            assertEquals(t.size(), (long) constants.get("SIZE"), c.getName() + ".SIZE");
            assertEquals(t.alignment(), (long) constants.get("ALIGNMENT"), c.getName() + ".ALIGNMENT");
            Map<String, long[]> expected = new LinkedHashMap<String, long[]>();
            flatten(t, 0, expected, new JavaNames.Scope(Accessors.RESERVED_CONSTANTS));
            checked += compare(c, constants, expected) + 2;
        }
        for (Class<?> nested : c.getDeclaredClasses()) {
            Map<String, Long> n = constants(nested);
            Field section = field(nested, "SECTION");
            if (section != null) {
                BtfType sec = btf.findType((String) section.get(null), BtfKind.DATASEC);
                Map<String, long[]> expected = new LinkedHashMap<String, long[]>();
                JavaNames.Scope names = new JavaNames.Scope(Accessors.RESERVED_CONSTANTS);
                for (BtfType.SectionVar v : sec.variables()) {
                    if (v.variable().kind() == BtfKind.VAR && v.variable().linkage() == BtfType.Linkage.GLOBAL) {
                        expected.put(names.claim(JavaNames.constant(v.name())), new long[] {v.offset() * 8, 0,
                            elements(v.variable().type())});
                    }
                }
                checked += compare(nested, n, expected);
            }
        }
        return checked;
    }

    /** Members by constant name: {bit offset, bitfield width, element count or -1}. */
    private static void flatten(BtfType t, long base, Map<String, long[]> out, JavaNames.Scope names) {
        for (BtfType.Member m : t.members()) {
            BtfType r = m.type().resolved();
            if (m.name().isEmpty()) {
                if (r.kind() == BtfKind.STRUCT || r.kind() == BtfKind.UNION) {
                    flatten(r, base + m.bitOffset(), out, names);
                }
                continue;
            }
            out.put(names.claim(JavaNames.constant(m.name())), new long[] {base + m.bitOffset(), m.bitfieldSize(),
                elements(m.type())});
        }
    }

    /** An array's elements over all its dimensions; -1 for what is no array. */
    private static long elements(BtfType type) {
        BtfType r = type.resolved();
        if (r.kind() != BtfKind.ARRAY) {
            return -1;
        }
        long length = 1;
        for (BtfType e = r; e.kind() == BtfKind.ARRAY; e = e.elementType().resolved()) {
            length *= e.length();
        }
        return length;
    }

    private static int compare(Class<?> c, Map<String, Long> constants, Map<String, long[]> expected) {
        int checked = 0;
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            String k = e.getKey();
            long[] x = e.getValue();
            String where = c.getName() + "." + k;
            if (x[1] != 0) {
                assertEquals(x[0], (long) constants.get(k + "_BIT_OFFSET"), where + "_BIT_OFFSET");
                assertEquals(x[1], (long) constants.get(k + "_BITS"), where + "_BITS");
                checked += 2;
            } else if (constants.containsKey(k + "_OFFSET")) {
                assertEquals(x[0] / 8, (long) constants.get(k + "_OFFSET"), where + "_OFFSET");
                checked++;
                if (constants.containsKey(k + "_LENGTH")) {
                    assertEquals(x[2], (long) constants.get(k + "_LENGTH"), where + "_LENGTH");
                    checked++;
                }
            } else {
                assertEquals(0, x[2], where + " has no accessor, and only flexible arrays may lack one");
            }
        }
        for (String k : constants.keySet()) {
            if (k.endsWith("_OFFSET") && !k.endsWith("_BIT_OFFSET")) {
                assertTrue(expected.containsKey(k.substring(0, k.length() - 7)), c.getName() + "." + k
                        + " is no member of the BTF type");
            }
        }
        return checked;
    }

    private static Map<String, Long> constants(Class<?> c) throws IllegalAccessException {
        Map<String, Long> out = new HashMap<String, Long>();
        for (Field f : c.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isStatic(mod) && Modifier.isPublic(mod)
                    && (f.getType() == int.class || f.getType() == long.class)) {
                out.put(f.getName(), ((Number) f.get(null)).longValue());
            }
        }
        return out;
    }

    private static Field field(Class<?> c, String name) {
        try {
            return c.getField(name);
        } catch (NoSuchFieldException e) {
            return null;
        }
    }

    static List<Path> objects() throws Exception {
        List<Path> out = new ArrayList<Path>();
        for (String probe : new String[] {"bpf/typed_test.bpf.o", "io/github/bpf4j/bpf/mmap.bpf.o"}) {
            URL url = SkeletonGeneratorTest.class.getClassLoader().getResource(probe);
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

    private static String sha256(Path file) throws Exception {
        StringBuilder hex = new StringBuilder();
        for (byte b : java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))) {
            hex.append(String.format("%02x", b & 0xff));
        }
        return hex.toString();
    }
}
