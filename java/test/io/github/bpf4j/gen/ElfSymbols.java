/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The data symbols of a BPF object's .symtab by section name: each variable's st_value, the offset
 * the programs' instructions reach it at (clang relocates a global's loads and stores against its
 * symbol, and libbpf adds st_value to the section map's address). A second witness, besides BTF's
 * DATASEC, for the offsets a skeleton gives its globals.
 */
final class ElfSymbols {
    private static final int SHT_SYMTAB = 2;
    private static final int STT_OBJECT = 1;

    private ElfSymbols() {}

    /** Section name → (symbol name → st_value), for STT_OBJECT symbols defined in a section. */
    static Map<String, Map<String, Long>> dataSymbols(Path object) throws IOException {
        ByteBuffer elf = ByteBuffer.wrap(Files.readAllBytes(object));
        if (elf.getInt(0) != 0x7f454c46 || elf.get(4) != 2) {
            throw new IOException(object + " is not an ELF64 file");
        }
        elf.order(elf.get(5) == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        long shoff = elf.getLong(0x28);
        int shentsize = elf.getShort(0x3a) & 0xffff;
        int shnum = elf.getShort(0x3c) & 0xffff;
        int shstrndx = elf.getShort(0x3e) & 0xffff;
        int names = (int) elf.getLong((int) (shoff + (long) shstrndx * shentsize) + 24);
        String[] sectionNames = new String[shnum];
        int symtab = -1;
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            sectionNames[i] = cString(elf, names + elf.getInt(sh));
            if (elf.getInt(sh + 4) == SHT_SYMTAB) {
                symtab = sh;
            }
        }
        Map<String, Map<String, Long>> bySection = new HashMap<String, Map<String, Long>>();
        if (symtab < 0) {
            return bySection;
        }
        int symbols = (int) elf.getLong(symtab + 24);
        long size = elf.getLong(symtab + 32);
        int strtab = (int) elf.getLong((int) (shoff + (long) elf.getInt(symtab + 40) * shentsize) + 24);
        for (int at = symbols; at + 24 <= symbols + size; at += 24) {
            int shndx = elf.getShort(at + 6) & 0xffff;
            if ((elf.get(at + 4) & 0xf) != STT_OBJECT || shndx == 0 || shndx >= shnum) {
                continue;
            }
            bySection.computeIfAbsent(sectionNames[shndx], k -> new HashMap<String, Long>())
                    .put(cString(elf, strtab + elf.getInt(at)), elf.getLong(at + 8));
        }
        return bySection;
    }

    private static String cString(ByteBuffer elf, int at) {
        int end = at;
        while (elf.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - at];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = elf.get(at + i);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
