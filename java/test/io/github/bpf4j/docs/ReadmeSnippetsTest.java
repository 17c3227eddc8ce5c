/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.TracePipe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps README.md true: every {@code ```java} block compiles against the library, the quick-start
 * tour runs as printed, and every command names a setup.sh subcommand, Maven profile, test class,
 * system property, CLI verb, file or BPF symbol that exists.
 *
 * <p>Snippet convention (stated in {@link ReadmeSnippets}): a block is a method body unless it
 * declares a top-level class; it may use the names of {@link ReadmeSnippets#CONTEXT} without
 * declaring them; a block whose first line is {@code // README: not compiled} is deliberate
 * pseudo-code and is skipped (at most {@link #MAX_NOT_COMPILED} such blocks).
 */
class ReadmeSnippetsTest {
    static final int MAX_NOT_COMPILED = 2;

    @Test
    void everyJavaSnippetCompiles(@TempDir Path classes) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assumeTrue(javac != null, "this JVM (" + System.getProperty("java.home") + ") has no system Java compiler");
        ReadmeSnippets readme = ReadmeSnippets.load();
        List<ReadmeSnippets.Block> java = readme.blocks("java");
        assertTrue(java.size() >= 5, "found only " + java.size() + " java blocks in " + readme.file);

        List<ReadmeSnippets.Block> compiled = new ArrayList<ReadmeSnippets.Block>();
        int skipped = 0;
        for (ReadmeSnippets.Block b : java) {
            if (b.notCompiled()) {
                skipped++;
            } else {
                compiled.add(b);
            }
        }
        assertTrue(skipped <= MAX_NOT_COMPILED, skipped + " README java blocks are marked '"
                + ReadmeSnippets.NOT_COMPILED + "': make them real code (at most " + MAX_NOT_COMPILED + ")");

        List<String> errors = compile(javac, readme, compiled, classes);
        if (!errors.isEmpty()) {
            fail(errors.size() + " README snippet error(s):\n" + String.join("\n", errors));
        }
    }

    /** The API tour, compiled from the README and run against the kernel: it prints what its comments say. */
    @Test
    void apiTourRunsAsPrinted(@TempDir Path classes) throws Exception {
        Kernel.requireBpf();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assumeTrue(javac != null, "this JVM (" + System.getProperty("java.home") + ") has no system Java compiler");
        ReadmeSnippets readme = ReadmeSnippets.load();
        ReadmeSnippets.Block tour = readme.firstJavaBlockAfter("## API tour");
        assertTrue(tour.text.contains("TracePipe.open()") && tour.text.contains("mmap.bpf.o"),
                "the tour is no longer the trace-pipe walk-through this test checks:\n" + tour.text);

        List<ReadmeSnippets.Block> one = new ArrayList<ReadmeSnippets.Block>();
        one.add(tour);
        List<String> errors = compile(javac, readme, one, classes);
        assertTrue(errors.isEmpty(), String.join("\n", errors));

        // The tour reads the next trace lines, whoever printed them: drop what earlier runs left.
        try (TracePipe leftovers = Kernel.openTracePipe()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < deadline && leftovers.readLine(50, TimeUnit.MILLISECONDS) != null) {
                // discard
            }
        }
        String printed;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                ReadmeSnippetsTest.class.getClassLoader())) {
            Class<?> c = loader.loadClass(tour.className());
            Method body = c.getDeclaredMethod("snippet");
            body.setAccessible(true);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            PrintStream saved = System.out;
            synchronized (ReadmeSnippetsTest.class) {
                System.setOut(new PrintStream(bytes, true, "US-ASCII"));
                try {
                    java.lang.reflect.Constructor<?> make = c.getDeclaredConstructor();
                    make.setAccessible(true);
                    body.invoke(make.newInstance());
                } catch (InvocationTargetException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof BpfException) {
                        assumeTrue(!"EBUSY".equals(((BpfException) cause).errnoName()),
                                "another process holds the trace pipe: " + cause.getMessage());
                    }
                    throw e;
                } finally {
                    System.setOut(saved);
                }
            }
            printed = new String(bytes.toByteArray(), StandardCharsets.US_ASCII);
        }
        String[] lines = printed.split("\n");
        assertEquals(3, lines.length, "the tour prints the buffer and two trace lines:\n" + printed);
        assertTrue(lines[0].startsWith("hello from bpf"), printed);
        int tid = Kernel.traceTid();
        for (int i = 1; i < 3; i++) {
            String message = TracePipe.message(lines[i]);
            assertTrue(message != null, "not a trace line: " + lines[i]);
            // A process printing between the drain and the tour's reads is not the README's fault.
            assumeTrue((tid == -1 || TracePipe.threadId(lines[i]) == tid) && message.startsWith("buf: hello from"),
                    "another process printed to the trace pipe during the tour: " + lines[i]);
        }
        // What the tour's comments promise: the first run's line, then the line of the run that saw the write.
        assertEquals("buf: hello from bpf", TracePipe.message(lines[1]), printed);
        assertEquals("buf: hello from user", TracePipe.message(lines[2]), printed);
    }

    @Test
    void commandsAndPathsReferToWhatExists() throws IOException {
        ReadmeSnippets readme = ReadmeSnippets.load();
        Path root = readme.file.getParent();
        List<String> problems = new ArrayList<String>();

        Set<String> setupCommands = setupCommands(root.resolve("setup.sh"));
        Set<String> profiles = matches(read(root.resolve("pom.xml")),
                Pattern.compile("<profile>\\s*<id>([^<]+)</id>"));
        String sources = allSources(root);
        String cli = cliSources(root);
        String bpfSources = concat(root, "bpf", "test-bpf");

        for (ReadmeSnippets.Block b : readme.blocks(null)) {
            if (b.isShell()) {
                checkShell(b, setupCommands, profiles, sources, cli, root, problems);
            }
        }
        for (ReadmeSnippets.Span s : readme.codeSpansAndShellText()) {
            checkPaths(s.line, s.text, root, problems);
            Matcher prop = Pattern.compile("-D(bpf4j\\.[\\w.]+)").matcher(s.text);
            while (prop.find()) {
                if (!sources.contains(prop.group(1))) {
                    problems.add("README.md:" + s.line + ": system property " + prop.group(1) + " is read nowhere");
                }
            }
        }
        for (ReadmeSnippets.Span s : readme.javaText()) {
            Matcher res = Pattern.compile("openResource\\(\"([^\"]+)\"").matcher(s.text);
            while (res.find()) {
                if (BpfObject.class.getClassLoader().getResource(res.group(1)) == null) {
                    problems.add("README.md:" + s.line + ": no resource " + res.group(1) + " on the class path");
                }
            }
            Matcher sym = Pattern.compile("\\b(global|setGlobal|map|program)\\(\"([A-Za-z_]\\w*)\"").matcher(s.text);
            while (sym.find()) {
                if (!Pattern.compile("\\b" + Pattern.quote(sym.group(2)) + "\\b").matcher(bpfSources).find()) {
                    problems.add("README.md:" + s.line + ": " + sym.group(1) + "(\"" + sym.group(2)
                            + "\") names nothing in bpf/ or test-bpf/");
                }
            }
        }
        for (ReadmeSnippets.Span s : readme.inlineCode()) {
            checkMembers(s, problems);
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " README reference(s) to nothing:\n" + String.join("\n", problems));
        }
    }

    private static final String[] API_PACKAGES = {"io.github.bpf4j.", "io.github.bpf4j.arena.", "io.github.bpf4j.link.",
        "io.github.bpf4j.ringbuf."};

    /**
     * Inline code is never compiled, so check its qualified names: {@code Class.member} of a bpf4j
     * class must be a public field, method or nested class of it (catches renamed constants and
     * methods that only prose mentions).
     */
    private static void checkMembers(ReadmeSnippets.Span s, List<String> problems) {
        Matcher m = Pattern.compile("(?<![\\w.])([A-Z][A-Za-z0-9]*)\\.([A-Za-z_][A-Za-z0-9_]*)(\\*?)").matcher(s.text);
        while (m.find()) {
            Class<?> c = apiClass(m.group(1));
            if (c != null && !hasPublicMember(c, m.group(2), !m.group(3).isEmpty())) {
                problems.add("README.md:" + s.line + ": " + c.getName() + " has no public member " + m.group(2)
                        + " (in `" + s.text + "`)");
            }
        }
    }

    private static Class<?> apiClass(String simpleName) {
        for (String p : API_PACKAGES) {
            try {
                return Class.forName(p + simpleName, false, BpfObject.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                // not in this package
            }
        }
        return null;
    }

    /** {@code prefix}: {@code name} was written as {@code name*}, a family of members. */
    private static boolean hasPublicMember(Class<?> c, String name, boolean prefix) {
        for (java.lang.reflect.Field f : c.getFields()) {
            if (prefix ? f.getName().startsWith(name) : f.getName().equals(name)) {
                return true;
            }
        }
        for (Method method : c.getMethods()) {
            if (prefix ? method.getName().startsWith(name) : method.getName().equals(name)) {
                return true;
            }
        }
        for (Class<?> nested : c.getClasses()) {
            if (nested.getSimpleName().equals(name)) {
                return true;
            }
        }
        return false;
    }

    // ---- compiling

    private static Boolean release8;

    /** Whether this javac can compile against Java 8's API (its ct.sym holds it). */
    private static synchronized boolean supportsRelease8(JavaCompiler javac) {
        if (release8 == null) {
            try {
                javac.getTask(null, null, null, java.util.Arrays.asList("--release", "8"), null, null);
                release8 = Boolean.TRUE;
            } catch (IllegalArgumentException unsupported) {
                release8 = Boolean.FALSE;
            }
        }
        return release8;
    }

    private static List<String> compile(JavaCompiler javac, ReadmeSnippets readme, List<ReadmeSnippets.Block> blocks,
            Path out) throws IOException {
        List<JavaFileObject> units = new ArrayList<JavaFileObject>();
        for (ReadmeSnippets.Block b : blocks) {
            units.add(new Source(b, readme.wrap(b)));
        }
        List<String> options = new ArrayList<String>();
        options.add("-d");
        options.add(out.toString());
        options.add("-classpath");
        options.add(codeSource(BpfObject.class) + java.io.File.pathSeparator + codeSource(ReadmeSnippets.class));
        options.add("-proc:none");
        options.add("-Xlint:none");
        options.add("-encoding");
        options.add("UTF-8");
        if (!System.getProperty("java.specification.version").startsWith("1.")) {
            // What users of the Java 8 library may write. A JDK packaged without ct.sym (Debian's openjdk-21)
            // has no --release 8: there only the language level is checked; the build JDK's run checks the API.
            if (javac.isSupportedOption("--release") >= 0 && supportsRelease8(javac)) {
                options.add("--release");
                options.add("8");
            } else {
                options.add("-source");
                options.add("8");
                options.add("-target");
                options.add("8");
            }
        }
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<JavaFileObject>();
        boolean ok = javac.getTask(null, null, diagnostics, options, null, units).call();
        List<String> errors = new ArrayList<String>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() != Diagnostic.Kind.ERROR) {
                continue;
            }
            if (d.getSource() instanceof Source) {
                ReadmeSnippets.Block b = ((Source) d.getSource()).block;
                long line = d.getLineNumber() - readme.headerLines(b);
                long readmeLine = b.firstLine + Math.max(0, line - 1);
                String code = line >= 1 && line <= b.lines().length ? b.lines()[(int) line - 1].trim() : "";
                errors.add("README.md:" + readmeLine + ": " + d.getMessage(null) + (code.isEmpty() ? "" : "\n    " + code));
            } else {
                errors.add(String.valueOf(d));
            }
        }
        if (!ok && errors.isEmpty()) {
            errors.add("javac failed without a diagnostic");
        }
        return errors;
    }

    private static String codeSource(Class<?> c) {
        try {
            return Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (Exception e) {
            throw new IllegalStateException("cannot locate the classes of " + c, e);
        }
    }

    private static final class Source extends SimpleJavaFileObject {
        final ReadmeSnippets.Block block;
        final String code;

        Source(ReadmeSnippets.Block block, String code) {
            super(URI.create("string:///" + block.className() + Kind.SOURCE.extension), Kind.SOURCE);
            this.block = block;
            this.code = code;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return code;
        }
    }

    // ---- commands

    /** A command word without surrounding quotes or punctuation; null for usage grammar or a placeholder. */
    static String cliWord(String word) {
        String w = word.replaceAll("^['\"`(]+|['\"`),.;:]+$", "");
        if (w.isEmpty() || w.startsWith("[") || w.startsWith("{") || w.startsWith("<") || w.matches("[A-Z_]+")) {
            return null;
        }
        return w;
    }

    private static void checkShell(ReadmeSnippets.Block b, Set<String> setupCommands, Set<String> profiles,
            String sources, String cli, Path root, List<String> problems) throws IOException {
        String[] lines = b.lines();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].replaceAll("\\s#.*$", "");
            String where = "README.md:" + (b.firstLine + i) + ": ";
            Matcher setup = Pattern.compile("\\./setup\\.sh\\s+(\\S+)").matcher(line);
            while (setup.find()) {
                if (!setupCommands.contains(setup.group(1))) {
                    problems.add(where + "setup.sh has no subcommand '" + setup.group(1) + "' (it has "
                            + setupCommands + ")");
                }
            }
            if (line.matches("^\\s*(\\$ )?(sudo )?mvn\\b.*")) {
                Matcher profile = Pattern.compile("\\s-P([\\w,-]+)").matcher(line);
                while (profile.find()) {
                    for (String p : profile.group(1).split(",")) {
                        if (!profiles.contains(p)) {
                            problems.add(where + "pom.xml has no profile '" + p + "' (it has " + profiles + ")");
                        }
                    }
                }
                Matcher test = Pattern.compile("-Dtest=('?)([^'\\s]+)\\1").matcher(line);
                while (test.find()) {
                    for (String name : test.group(2).split(",")) {
                        if (!testClassExists(root, name)) {
                            problems.add(where + "no test class matches -Dtest=" + name);
                        }
                    }
                }
            }
            Matcher jar = Pattern.compile("java\\s+(?:-\\S+\\s+)*-jar\\s+\\S+\\.jar\\s+(\\S+)(?:\\s+(\\S+))?")
                    .matcher(line);
            if (jar.find()) {
                // Usage lines carry grammar ([OPTIONS], { a | b }); quoted commands end in a quote.
                String verb = cliWord(jar.group(1));
                String sub = jar.group(2) == null ? null : cliWord(jar.group(2));
                if (verb == null) {
                    continue;
                }
                if (!cli.contains("\"" + verb + "\"")) {
                    problems.add(where + "the CLI has no verb '" + verb + "'");
                } else if ("map".equals(verb) && sub != null && !cli.contains("\"" + sub + "\"")) {
                    problems.add(where + "the CLI's map has no subcommand '" + sub + "'");
                }
            }
        }
    }

    private static final Pattern REPO_PATH = Pattern.compile(
            "(?<![\\w./<${-])(?:\\./)?((?:bpf|test-bpf|jni|java|docker)/[\\w./*-]*"
                    + "|setup\\.sh|pom\\.xml|CMakeLists\\.txt|ARCHITECTURE\\.md|BENCHMARKS\\.md|LICENSE)(?![\\w<…-])");

    private static void checkPaths(int line, String text, Path root, List<String> problems) throws IOException {
        Matcher m = REPO_PATH.matcher(text);
        while (m.find()) {
            String path = m.group(1);
            if (!exists(root, path)) {
                problems.add("README.md:" + line + ": no file " + path + " in the repository");
            }
        }
    }

    private static boolean exists(Path root, String path) throws IOException {
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (p.endsWith(".")) {
            p = p.substring(0, p.length() - 1); // end of a sentence
        }
        if (!p.contains("*")) {
            return Files.exists(root.resolve(p));
        }
        int slash = p.lastIndexOf('/');
        Path dir = root.resolve(p.substring(0, slash));
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, p.substring(slash + 1))) {
            return found.iterator().hasNext();
        }
    }

    private static boolean testClassExists(Path root, String pattern) throws IOException {
        String glob = pattern.replaceAll("#.*", "");
        Pattern name = Pattern.compile(glob.replace(".", "\\.").replace("*", ".*") + "\\.java");
        try (Stream<Path> files = Files.walk(root.resolve("java/test"))) {
            return files.anyMatch(f -> name.matcher(f.getFileName().toString()).matches());
        }
    }

    /** The subcommands setup.sh's final {@code case "$cmd" in} accepts. */
    private static Set<String> setupCommands(Path setup) throws IOException {
        String script = read(setup);
        int at = script.lastIndexOf("case \"$cmd\" in");
        assertTrue(at >= 0, "setup.sh no longer dispatches on case \"$cmd\" in; update this test");
        Set<String> commands = new LinkedHashSet<String>();
        Matcher label = Pattern.compile("(?m)^  ([\\w| -]+)\\)\\s*$").matcher(script.substring(at));
        while (label.find()) {
            for (String c : label.group(1).split("\\|")) {
                commands.add(c.trim());
            }
        }
        return commands;
    }

    /** The sources of the package holding the jar's Main-Class (where the CLI's verbs are spelled). */
    private static String cliSources(Path root) throws IOException {
        Matcher main = Pattern.compile("<mainClass>([\\w.]+)</mainClass>").matcher(read(root.resolve("pom.xml")));
        assertTrue(main.find(), "pom.xml names no mainClass");
        String cls = main.group(1);
        Path pkg = root.resolve("java/main").resolve(cls.substring(0, cls.lastIndexOf('.')).replace('.', '/'));
        assertTrue(Files.isDirectory(pkg), "no source directory " + pkg + " for the Main-Class " + cls);
        return concatDir(pkg);
    }

    private static String allSources(Path root) throws IOException {
        return read(root.resolve("pom.xml")) + read(root.resolve("setup.sh")) + concat(root, "java", "jni");
    }

    private static String concat(Path root, String... dirs) throws IOException {
        StringBuilder all = new StringBuilder();
        for (String d : dirs) {
            all.append(concatDir(root.resolve(d)));
        }
        return all.toString();
    }

    private static String concatDir(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> list = files.filter(f -> Files.isRegularFile(f)
                    && f.getFileName().toString().matches(".*\\.(java|c|h|sh|xml|txt)$"))
                    .sorted(Comparator.naturalOrder()).collect(Collectors.toList());
            StringBuilder all = new StringBuilder();
            for (Path f : list) {
                all.append(read(f)).append('\n');
            }
            return all.toString();
        }
    }

    private static Set<String> matches(String text, Pattern p) {
        Set<String> found = new LinkedHashSet<String>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    static String read(Path f) throws IOException {
        return new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
    }
}
