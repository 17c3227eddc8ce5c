/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfInvalidArgumentException;
import io.github.bpf4j.BpfObject;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * One hand-made defect per check of jni/validate.c: each is refused at open,
 * by operation bpf4j_validate_object, with a message that names it. (Only
 * open runs here, never load: the corpus and the fuzzer run loads in child
 * JVMs.)
 */
class ValidatorTest {
    private static byte[] seed(String name) throws Exception {
        return Files.readAllBytes(Paths.get(ValidatorTest.class.getResource("/bpf/" + name).toURI()));
    }

    private static void refused(String seedName, Consumer<ElfView> edit, String expected) throws Exception {
        byte[] elf = seed(seedName);
        edit.accept(new ElfView(elf));
        BpfInvalidArgumentException e = assertThrows(BpfInvalidArgumentException.class,
                () -> BpfObject.open(elf, "defect").close());
        assertEquals("bpf4j_validate_object", e.operation());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static ElfView.BtfType firstOfKind(ElfView v, int kind) {
        for (ElfView.BtfType t : v.btfTypes) {
            if (t.kind == kind) {
                return t;
            }
        }
        throw new AssertionError("no BTF kind " + kind);
    }

    @Test
    void elfHeader() throws Exception {
        refused("core_test.bpf.o", v -> ElfView.put16(v.elf, 0x12, 62), "ELF machine 62 is not EM_BPF (247)");
        refused("core_test.bpf.o", v -> ElfView.put16(v.elf, 0x3c, 0xfff), "section header table (offset");
        refused("core_test.bpf.o", v -> ElfView.put16(v.elf, 0x3e, v.sections.size()),
                "section-name table index e_shstrndx");
    }

    @Test
    void sectionsSymbolsAndRelocations() throws Exception {
        refused("core_test.bpf.o", v -> ElfView.put64(v.elf, v.section(".text") == null
                ? v.section(".maps").headerOffset + 32 : v.section(".text").headerOffset + 32, 1L << 40),
                "runs past the end of the file");
        refused("core_test.bpf.o", v -> ElfView.put64(v.elf, v.sectionsOfType(ElfView.SHT_SYMTAB).get(0).headerOffset
                + 56, 12), "symbol size 12, expected 24");
        refused("core_test.bpf.o", v -> {
            ElfView.Section symtab = v.sectionsOfType(ElfView.SHT_SYMTAB).get(0);
            ElfView.put16(v.elf, (int) symtab.offset + 24 + 6, v.sections.size() + 3);
        }, "is not a section (there are");
        refused("core_test.bpf.o", v -> {
            ElfView.Section rel = v.sectionsOfType(ElfView.SHT_REL).get(0);
            ElfView.put32(v.elf, (int) rel.offset + 12, 100000);
        }, "symbol index 100000, the symbol table has");
    }

    @Test
    void btf() throws Exception {
        refused("arena_build.bpf.o", v -> {
            ElfView.BtfType proto = firstOfKind(v, 13);
            ElfView.put32(v.elf, proto.offset + 12 + 4, v.btfTypes.size() + 1); // parameter 0's type
        }, "parameter 0 has type id");
        refused("core_test.bpf.o", v -> ElfView.put32(v.elf, firstOfKind(v, 4).offset + 12, v.btfStringsLength),
                "member name offset");
        refused("core_test.bpf.o", v -> ElfView.put(v.elf, v.btfTypes.get(0).offset + 7, 1, 20),
                "has unknown kind 20");
        refused("core_test.bpf.o", v -> ElfView.put16(v.elf, firstOfKind(v, 4).offset + 4, 0xffff),
                "(STRUCT, vlen 65535) needs 786432 bytes");
        refused("core_test.bpf.o", v -> {
            ElfView.BtfType ptr = firstOfKind(v, 2);
            ElfView.put32(v.elf, ptr.offset + 8, ptr.id); // a pointer to itself
        }, "is part of a reference loop");
        refused("core_test.bpf.o", v -> ElfView.put32(v.elf, v.btfOffset + 20, 1 << 30), "section .BTF: strings");
    }

    @Test
    void btfExt() throws Exception {
        refused("core_test.bpf.o", v -> {
            int ext = (int) v.section(".BTF.ext").offset;
            int hdrLen = ElfView.u32(v.elf, ext + 4);
            int funcInfoOff = ElfView.u32(v.elf, ext + 8);
            ElfView.put32(v.elf, ext + hdrLen + funcInfoOff, 6); // func_info record size
        }, "func_info record size 6");
        refused("core_test.bpf.o", v -> {
            int ext = (int) v.section(".BTF.ext").offset;
            int hdrLen = ElfView.u32(v.elf, ext + 4);
            int funcInfoOff = ElfView.u32(v.elf, ext + 8);
            // first record's type id: after record size, sec_name_off, num_info, insn_off
            ElfView.put32(v.elf, ext + hdrLen + funcInfoOff + 16, v.btfTypes.size() + 5);
        }, "is not a FUNC of .BTF");
    }
}
