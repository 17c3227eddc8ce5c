/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The symbol table of a BPF ELF object, for tests: where a global variable
 * lives inside its section. For {@code .bss}/{@code .data}/{@code .rodata}
 * a symbol's {@code st_value} is its offset in the section, which is its
 * offset in libbpf's internal map of the same name (stand-in until bpf4j can
 * ask libbpf's BTF datasec for it).
 */
final class ElfSymbols {
    /** A global: its section, offset in it and size. */
    static final class Symbol {
        final String name;
        final String section;
        final long offset;
        final long size;

        Symbol(String name, String section, long offset, long size) {
            this.name = name;
            this.section = section;
            this.offset = offset;
            this.size = size;
        }

        @Override
        public String toString() {
            return name + " @ " + section + "+" + offset + " (" + size + " bytes)";
        }
    }

    private final Map<String, Symbol> symbols = new HashMap<String, Symbol>();

    private ElfSymbols(byte[] elf) {
        ByteBuffer b = ByteBuffer.wrap(elf);
        if (elf.length < 64 || b.getInt(0) != 0x7f454c46 || elf[4] != 2) {
            throw new IllegalArgumentException("not a 64-bit ELF file");
        }
        b.order(elf[5] == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        long shoff = b.getLong(0x28);
        int shentsize = b.getShort(0x3a) & 0xffff;
        int shnum = b.getShort(0x3c) & 0xffff;
        int shstrndx = b.getShort(0x3e) & 0xffff;
        long[] offsets = new long[shnum];
        int[] types = new int[shnum];
        int[] links = new int[shnum];
        int[] names = new int[shnum];
        long[] sizes = new long[shnum];
        for (int i = 0; i < shnum; i++) {
            int h = (int) (shoff + (long) i * shentsize);
            names[i] = b.getInt(h);
            types[i] = b.getInt(h + 4);
            offsets[i] = b.getLong(h + 0x18);
            sizes[i] = b.getLong(h + 0x20);
            links[i] = b.getInt(h + 0x28);
        }
        String[] sectionNames = new String[shnum];
        for (int i = 0; i < shnum; i++) {
            sectionNames[i] = string(elf, offsets[shstrndx] + names[i]);
        }
        for (int s = 0; s < shnum; s++) {
            if (types[s] != 2) { // SHT_SYMTAB
                continue;
            }
            long strtab = offsets[links[s]];
            for (long at = offsets[s]; at + 24 <= offsets[s] + sizes[s]; at += 24) {
                int p = (int) at;
                String name = string(elf, strtab + b.getInt(p));
                int info = elf[p + 4] & 0xff;
                int shndx = b.getShort(p + 6) & 0xffff;
                if ((info & 0xf) != 1 || shndx == 0 || shndx >= shnum || name.isEmpty()) { // STT_OBJECT
                    continue;
                }
                symbols.put(name, new Symbol(name, sectionNames[shndx], b.getLong(p + 8), b.getLong(p + 16)));
            }
        }
    }

    static ElfSymbols of(byte[] elf) {
        return new ElfSymbols(elf);
    }

    /** A class-path resource, e.g. {@code bpf/arena_build.bpf.o}. */
    static ElfSymbols ofResource(String resource) {
        try (InputStream in = ElfSymbols.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no class-path resource " + resource);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0;) {
                out.write(buf, 0, n);
            }
            return new ElfSymbols(out.toByteArray());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + resource + ": " + e, e);
        }
    }

    /** The object (variable) named {@code name}. */
    Symbol symbol(String name) {
        Symbol s = symbols.get(name);
        if (s == null) {
            throw new NoSuchElementException("no variable '" + name + "'; there are " + symbols.keySet());
        }
        return s;
    }

    /**
     * The mmapped internal map that holds {@code name} ({@code <object>.bss},
     * {@code .data}, …), positioned nowhere in particular: use
     * {@link #offset(String)} as the index.
     */
    ByteBuffer section(BpfObject obj, String name) {
        String section = symbol(name).section;
        for (BpfMap m : obj.maps()) {
            if (m.name().endsWith(section)) {
                return m.mmap();
            }
        }
        throw new NoSuchElementException("no map for section " + section + " in " + obj.maps());
    }

    long offset(String name) {
        return symbol(name).offset;
    }

    private static String string(byte[] elf, long at) {
        int end = (int) at;
        while (elf[end] != 0) {
            end++;
        }
        return new String(elf, (int) at, end - (int) at, StandardCharsets.US_ASCII);
    }
}
