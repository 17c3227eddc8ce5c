/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * README.md cut into fenced blocks and inline code spans, each with its line number, and the wrapping
 * that turns a {@code ```java} block into a compilation unit.
 *
 * <p>The convention for README java blocks:
 * <ul>
 *   <li>a block that declares a top-level class is a compilation unit as it stands;
 *   <li>any other block is the body of a method {@code void snippet() throws Exception} of a class
 *       extending {@link ReadmeContext}, so it may use the names that class declares ({@link #CONTEXT})
 *       without declaring them;
 *   <li>both get {@link #IMPORTS} (and {@code io.github.bpf4j.link.*} once that package exists);
 *   <li>a block whose first line is {@value #NOT_COMPILED} is pseudo-code and is not compiled.
 * </ul>
 */
final class ReadmeSnippets {
    static final String NOT_COMPILED = "// README: not compiled";
    static final List<String> IMPORTS = Arrays.asList("io.github.bpf4j.*", "io.github.bpf4j.arena.*",
            "io.github.bpf4j.ringbuf.*",
            "io.github.bpf4j.btf.*", "io.github.bpf4j.gen.*", "java.io.*",
            "java.nio.*", "java.nio.charset.*", "java.nio.file.*", "java.util.*", "java.util.concurrent.*");
    /** Names a snippet may use undeclared: the fields and methods of {@link ReadmeContext}. */
    static final String CONTEXT = "obj, prog, key, value, keyBuf, valueBuf, packet, out, path, key(int), value(int)";

    private static final Pattern DECLARES_CLASS =
            Pattern.compile("(?m)^(public\\s+)?(final\\s+|abstract\\s+)*(class|interface|enum)\\s+(\\w+)");

    final Path file;
    private final List<String> lines;
    private final List<Block> blocks = new ArrayList<Block>();

    private ReadmeSnippets(Path file) throws IOException {
        this.file = file;
        this.lines = Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8);
        Block open = null;
        StringBuilder text = null;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (open == null && l.startsWith("```")) {
                open = new Block(l.substring(3).trim(), i + 2);
                text = new StringBuilder();
            } else if (open != null && l.startsWith("```")) {
                open.text = text.toString();
                blocks.add(open);
                open = null;
            } else if (open != null) {
                text.append(l).append('\n');
            }
        }
        if (open != null) {
            throw new IllegalStateException(file + ":" + (open.firstLine - 1) + ": unterminated ``` block");
        }
    }

    /** README.md of the project: Maven runs tests in the project directory; look upwards to be sure. */
    static ReadmeSnippets load() throws IOException {
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("README.md")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return new ReadmeSnippets(dir.resolve("README.md"));
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no README.md beside a pom.xml above " + Paths.get("").toAbsolutePath());
    }

    /** Fenced blocks of language {@code lang} (null: all). */
    List<Block> blocks(String lang) {
        List<Block> found = new ArrayList<Block>();
        for (Block b : blocks) {
            if (lang == null || lang.equals(b.lang)) {
                found.add(b);
            }
        }
        return found;
    }

    Block firstJavaBlockAfter(String heading) {
        int at = lines.indexOf(heading);
        if (at < 0) {
            throw new AssertionError("README.md has no line '" + heading + "'");
        }
        for (Block b : blocks) {
            if (b.firstLine > at && "java".equals(b.lang)) {
                return b;
            }
        }
        throw new AssertionError("README.md has no java block after '" + heading + "'");
    }

    /** Inline code spans outside fenced blocks, and every line of the shell blocks. */
    List<Span> codeSpansAndShellText() {
        List<Span> spans = inlineSpans();
        for (Block b : blocks) {
            if (b.isShell()) {
                String[] ls = b.lines();
                for (int i = 0; i < ls.length; i++) {
                    spans.add(new Span(b.firstLine + i, ls[i]));
                }
            }
        }
        return spans;
    }

    /** Java as the README shows it: inline code spans and the lines of java blocks. */
    List<Span> javaText() {
        List<Span> spans = inlineSpans();
        for (Block b : blocks("java")) {
            String[] ls = b.lines();
            for (int i = 0; i < ls.length; i++) {
                spans.add(new Span(b.firstLine + i, ls[i]));
            }
        }
        return spans;
    }

    /** Inline code spans outside fenced blocks; a span may run over a line break, as in Markdown. */
    private List<Span> inlineSpans() {
        StringBuilder prose = new StringBuilder();
        boolean fenced = false;
        for (String l : lines) {
            if (l.startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced) {
                prose.append(l);
            }
            prose.append('\n'); // fenced lines stay as empty lines, so offsets keep their line numbers
        }
        List<Span> spans = new ArrayList<Span>();
        Matcher m = Pattern.compile("`([^`]+)`").matcher(prose);
        while (m.find()) {
            int line = 1;
            for (int i = 0; i < m.start(); i++) {
                if (prose.charAt(i) == '\n') {
                    line++;
                }
            }
            spans.add(new Span(line, m.group(1).replace('\n', ' ')));
        }
        return spans;
    }

    /** Inline code spans only (what javac never sees). */
    List<Span> inlineCode() {
        return inlineSpans();
    }

    private String imports() {
        StringBuilder header = new StringBuilder();
        for (String i : IMPORTS) {
            header.append("import ").append(i).append(";\n");
        }
        if (ReadmeSnippets.class.getClassLoader().getResource("io/github/bpf4j/link") != null) {
            header.append("import io.github.bpf4j.link.*;\n");
        }
        return header.toString();
    }

    /** The compilation unit of {@code b}. */
    String wrap(Block b) {
        if (b.declaredClass() != null) {
            return imports() + b.text;
        }
        return imports() + "class " + b.className() + " extends " + ReadmeContext.class.getName()
                + " {\n@SuppressWarnings(\"unused\") void snippet() throws Exception {\n" + b.text + "}\n}\n";
    }

    /** Lines {@link #wrap} puts before the block's first line. */
    int headerLines(Block b) {
        int imports = imports().split("\n", -1).length - 1;
        return b.declaredClass() != null ? imports : imports + 2;
    }

    static final class Block {
        final String lang;
        /** README line number of the block's first line of content. */
        final int firstLine;
        String text;

        Block(String lang, int firstLine) {
            this.lang = lang;
            this.firstLine = firstLine;
        }

        String[] lines() {
            return text.split("\n", -1);
        }

        boolean notCompiled() {
            return text.trim().startsWith(NOT_COMPILED);
        }

        boolean isShell() {
            return lang.isEmpty() || lang.equals("sh") || lang.equals("bash") || lang.equals("shell");
        }

        String declaredClass() {
            Matcher m = DECLARES_CLASS.matcher(text);
            return m.find() ? m.group(4) : null;
        }

        String className() {
            String declared = declaredClass();
            return declared != null ? declared : "ReadmeLine" + firstLine;
        }
    }

    static final class Span {
        final int line;
        final String text;

        Span(int line, String text) {
            this.line = line;
            this.text = text;
        }
    }
}
