/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * File offsets of named functions in an ELF64 binary, as libbpf computes them for uprobes
 * ({@code st_value - sh_addr + sh_offset} of the symbol's section), from .symtab and .dynsym.
 * Only for {@link TracingAttach}'s uprobe.multi fallback: libbpf 1.7 fails symbol lists on
 * binaries without .symtab. Malformed files give null: libbpf's own answer stands then.
 */
final class ElfFunctions {
    private static final int SHT_SYMTAB = 2;
    private static final int SHT_DYNSYM = 11;
    private static final int STT_FUNC = 2;
    private static final int STB_WEAK = 2;

    private ElfFunctions() {}

    /** Each name's offset, or null if the file is not a readable ELF64 of this byte order or a name is missing. */
    static long[] offsets(String path, String[] names) {
        try (RandomAccessFile f = new RandomAccessFile(path, "r"); FileChannel ch = f.getChannel()) {
            ByteBuffer elf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.nativeOrder());
            return find(elf, names);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long[] find(ByteBuffer elf, String[] names) {
        if (elf.getInt(0) != 0x464c457f && elf.getInt(0) != 0x7f454c46 || elf.get(4) != 2) {
            return null;
        }
        long shoff = elf.getLong(0x28);
        int shentsize = elf.getShort(0x3a) & 0xffff;
        int shnum = elf.getShort(0x3c) & 0xffff;
        long[] found = new long[names.length];
        boolean[] strong = new boolean[names.length];
        int[] types = {SHT_DYNSYM, SHT_SYMTAB};
        for (int type : types) {
            for (int i = 0; i < shnum; i++) {
                int sh = (int) (shoff + (long) i * shentsize);
                if (elf.getInt(sh + 4) != type) {
                    continue;
                }
                long symOff = elf.getLong(sh + 0x18);
                long symSize = elf.getLong(sh + 0x20);
                int strSh = (int) (shoff + (long) elf.getInt(sh + 0x28) * shentsize);
                long strOff = elf.getLong(strSh + 0x18);
                for (long at = symOff; at + 24 <= symOff + symSize; at += 24) {
                    int sym = (int) at;
                    int info = elf.get(sym + 4) & 0xff;
                    int shndx = elf.getShort(sym + 6) & 0xffff;
                    if ((info & 0xf) != STT_FUNC || shndx == 0 || shndx >= shnum) {
                        continue;
                    }
                    String name = cString(elf, (int) (strOff + (elf.getInt(sym) & 0xffffffffL)));
                    int idx = Arrays.asList(names).indexOf(name);
                    if (idx < 0) {
                        continue;
                    }
                    boolean weak = (info >> 4) == STB_WEAK;
                    if (found[idx] != 0 && (weak || strong[idx])) {
                        continue;
                    }
                    int section = (int) (shoff + (long) shndx * shentsize);
                    found[idx] = elf.getLong(sym + 8) - elf.getLong(section + 0x10) + elf.getLong(section + 0x18);
                    strong[idx] = !weak;
                }
            }
        }
        for (long o : found) {
            if (o <= 0) {
                return null;
            }
        }
        return found;
    }

    private static String cString(ByteBuffer elf, int at) {
        int end = at;
        while (elf.get(end) != 0) {
            end++;
        }
        byte[] b = new byte[end - at];
        for (int i = 0; i < b.length; i++) {
            b[i] = elf.get(at + i);
        }
        return new String(b, StandardCharsets.UTF_8);
    }
}
