package io.github.bpf4j.maven;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Collections;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compile step with the real clang: what a user's build does per source and CPU. */
class BpfCompilerTest {
    private static final String GOOD = String.join("\n",
            "#include <linux/bpf.h>   /* the host's, through -idirafter: needs <asm/types.h> */",
            "#include \"local.h\"",
            "#define SEC(name) __attribute__((section(name), used))",
            "SEC(\"xdp\") int pass(struct xdp_md *ctx) { return XDP_PASS + LOCAL_ZERO; }",
            "char LICENSE[] SEC(\"license\") = \"GPL\";", "");

    @TempDir
    Path tmp;
    private Clang clang;
    private Path src;
    private Path header;
    private BpfCompiler compiler;

    @BeforeEach
    void setUp() throws Exception {
        clang = ClangTest.realClang();
        Path srcDir = Files.createDirectories(tmp.resolve("src/main/bpf"));
        src = write(srcDir.resolve("counter.bpf.c"), GOOD);
        header = write(srcDir.resolve("local.h"), "#define LOCAL_ZERO 0\n");
        compiler = new BpfCompiler(clang, Collections.singletonList(srcDir), null, tmp.resolve("state"));
    }

    private static Path write(Path p, String text) throws IOException {
        Files.write(p, text.getBytes(StandardCharsets.UTF_8));
        return p;
    }

    /**
     * Makes {@code file} newer than the object, as an edit after the build
     * would: the object's time moves back rather than the file's forward, so
     * the rebuilt object is newer again (no clock or file-system time race).
     */
    private static void touchAfter(Path file, Path object) throws IOException {
        FileTime edited = Files.getLastModifiedTime(file);
        Files.setLastModifiedTime(object, FileTime.fromMillis(edited.toMillis() - 2000));
    }

    @Test
    void goodProgramCompilesToABpfElfObject() throws Exception {
        Path obj = tmp.resolve("out/com/example/counter.bpf.o");
        BpfCompiler.Outcome o = compiler.compile(src, TargetArch.X86, obj);
        assertTrue(o.compiled);
        byte[] elf = Files.readAllBytes(obj);
        assertEquals(0x7f, elf[0]);
        assertEquals('E', elf[1]);
        // e_machine (little-endian at 18): EM_BPF = 247
        assertEquals(247, (elf[18] & 0xff) | (elf[19] & 0xff) << 8);
        // -g: the object carries BTF, which libbpf and the skeleton generator read
        assertTrue(new String(elf, StandardCharsets.ISO_8859_1).contains(".BTF"), "no .BTF section");
    }

    @Test
    void secondBuildSkipsAnUpToDateObjectAndAnEditedInputRebuildsIt() throws Exception {
        Path obj = tmp.resolve("out/counter.bpf.o");
        assertTrue(compiler.compile(src, TargetArch.X86, obj).compiled);
        assertFalse(compiler.compile(src, TargetArch.X86, obj).compiled, "nothing changed");

        touchAfter(header, obj);           // an included header, known from clang's dependency file
        assertTrue(compiler.compile(src, TargetArch.X86, obj).compiled, "header newer than the object");
        assertFalse(compiler.compile(src, TargetArch.X86, obj).compiled);

        touchAfter(src, obj);
        assertTrue(compiler.compile(src, TargetArch.X86, obj).compiled, "source newer than the object");

        // another CPU is another command line: compiled again even though no file changed
        assertTrue(compiler.compile(src, TargetArch.ARM64, obj).compiled, "flags changed");
    }

    @Test
    void brokenProgramFailsWithClangsMessageAndLeavesNoObject() throws Exception {
        Path obj = tmp.resolve("out/counter.bpf.o");
        assertTrue(compiler.compile(src, TargetArch.X86, obj).compiled);
        write(src, GOOD.replace("XDP_PASS + LOCAL_ZERO", "XDP_PASS + undefined_thing"));
        touchAfter(src, obj);
        BpfBuildException e = assertThrows(BpfBuildException.class, () -> compiler.compile(src, TargetArch.X86, obj));
        String m = e.getMessage();
        assertTrue(m.contains("clang failed on " + src), m);
        assertTrue(m.contains("counter.bpf.c:4:"), "clang's location: " + m);
        assertTrue(m.contains("error: use of undeclared identifier 'undefined_thing'"), m);
        assertTrue(m.contains("-target bpf"), "the command: " + m);
        assertFalse(Files.exists(obj), "a failed compile must not leave the old object as if up to date");
    }

    @Test
    void targetArchIsDefinedForEachCpu() throws Exception {
        write(src, "#ifndef __TARGET_ARCH_arm64\n#error \"not arm64\"\n#endif\n" + GOOD);
        assertTrue(compiler.compile(src, TargetArch.ARM64, tmp.resolve("a.arm64.bpf.o")).compiled);
        BpfBuildException e = assertThrows(BpfBuildException.class,
                () -> compiler.compile(src, TargetArch.X86, tmp.resolve("a.x86.bpf.o")));
        assertTrue(e.getMessage().contains("error: \"not arm64\""), e.getMessage());
    }

    @Test
    void warningsAreReturnedAndDoNotFail() throws Exception {
        BpfCompiler strict = new BpfCompiler(clang, Collections.singletonList(src.getParent()),
                Arrays.asList("-Wall"), tmp.resolve("state"));
        write(src, GOOD.replace("{ return", "{ int unused; return"));
        BpfCompiler.Outcome o = strict.compile(src, TargetArch.X86, tmp.resolve("w.bpf.o"));
        assertTrue(o.compiled);
        assertTrue(o.warnings.contains("unused variable 'unused'"), o.warnings);
    }

    @Test
    void objectNamesCarryTheCpuOnlyWhenThereAreSeveral() {
        assertEquals("counter.bpf.o", BpfCompiler.objectName(src, TargetArch.X86, false));
        assertEquals("counter.arm64.bpf.o", BpfCompiler.objectName(src, TargetArch.ARM64, true));
    }
}
