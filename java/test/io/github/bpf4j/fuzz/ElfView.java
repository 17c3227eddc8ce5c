/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where things are in a little-endian ELF64 BPF object, so that mutations can
 * hit the fields libbpf follows (section headers, symbols, relocations, BTF
 * records) rather than only random bytes. Read leniently: the fuzzer parses
 * its own pristine seeds, never its mutants.
 */
final class ElfView {
    static final int SHT_SYMTAB = 2;
    static final int SHT_REL = 9;
    static final int SHT_RELA = 4;

    static final class Section {
        final int index;
        final int headerOffset;
        final String name;
        final int type;
        final long offset;
        final long size;
        final long entsize;

        Section(int index, int headerOffset, String name, int type, long offset, long size, long entsize) {
            this.index = index;
            this.headerOffset = headerOffset;
            this.name = name;
            this.type = type;
            this.offset = offset;
            this.size = size;
            this.entsize = entsize;
        }
    }

    /** One BTF type record: absolute offset in the file, its kind and vlen. */
    static final class BtfType {
        final int id;
        final int offset;
        final int kind;
        final int vlen;
        final int size;

        BtfType(int id, int offset, int kind, int vlen, int size) {
            this.id = id;
            this.offset = offset;
            this.kind = kind;
            this.vlen = vlen;
            this.size = size;
        }
    }

    final byte[] elf;
    final long shoff;
    final List<Section> sections = new ArrayList<Section>();
    /** Absolute offset of the .BTF header, or -1. */
    int btfOffset = -1;
    int btfTypesOffset;
    int btfStringsOffset;
    int btfStringsLength;
    final List<BtfType> btfTypes = new ArrayList<BtfType>();

    ElfView(byte[] elf) {
        this.elf = elf;
        shoff = u64(elf, 0x28);
        int shnum = u16(elf, 0x3c);
        int shstrndx = u16(elf, 0x3e);
        long strOffset = u64(elf, (int) shoff + shstrndx * 64 + 24);
        for (int i = 0; i < shnum; i++) {
            int h = (int) shoff + i * 64;
            String name = cString(elf, (int) (strOffset + u32(elf, h)));
            sections.add(new Section(i, h, name, u32(elf, h + 4), u64(elf, h + 24), u64(elf, h + 32), u64(elf, h + 56)));
        }
        Section btf = section(".BTF");
        if (btf != null) {
            parseBtf((int) btf.offset);
        }
    }

    Section section(String name) {
        for (Section s : sections) {
            if (s.name.equals(name)) {
                return s;
            }
        }
        return null;
    }

    List<Section> sectionsOfType(int... types) {
        List<Section> out = new ArrayList<Section>();
        for (Section s : sections) {
            for (int t : types) {
                if (s.type == t && s.size > 0) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    private void parseBtf(int base) {
        btfOffset = base;
        int hdrLen = u32(elf, base + 4);
        btfTypesOffset = base + hdrLen + u32(elf, base + 8);
        int typesLength = u32(elf, base + 12);
        btfStringsOffset = base + hdrLen + u32(elf, base + 16);
        btfStringsLength = u32(elf, base + 20);
        int pos = btfTypesOffset;
        int end = btfTypesOffset + typesLength;
        for (int id = 1; pos < end; id++) {
            int info = u32(elf, pos + 4);
            int kind = (info >>> 24) & 0x1f;
            int vlen = info & 0xffff;
            int size = recordSize(kind, vlen);
            btfTypes.add(new BtfType(id, pos, kind, vlen, size));
            pos += size;
        }
    }

    String btfName(BtfType t) {
        return cString(elf, btfStringsOffset + u32(elf, t.offset));
    }

    static int recordSize(int kind, int vlen) {
        switch (kind) {
            case 1: case 14: case 17: return 16;           // INT, VAR, DECL_TAG
            case 3: return 24;                              // ARRAY
            case 4: case 5: case 15: case 19: return 12 + 12 * vlen; // STRUCT, UNION, DATASEC, ENUM64
            case 6: case 13: return 12 + 8 * vlen;          // ENUM, FUNC_PROTO
            default: return 12;
        }
    }

    /* Reads past the end give 0 and writes past it are dropped: stacked mutations may have truncated the file. */
    private static int at(byte[] b, int off) {
        return off >= 0 && off < b.length ? b[off] & 0xff : 0;
    }

    static int u16(byte[] b, int off) {
        return at(b, off) | at(b, off + 1) << 8;
    }

    static int u32(byte[] b, int off) {
        return at(b, off) | at(b, off + 1) << 8 | at(b, off + 2) << 16 | at(b, off + 3) << 24;
    }

    static long u64(byte[] b, int off) {
        return (u32(b, off) & 0xffffffffL) | (long) u32(b, off + 4) << 32;
    }

    static void put(byte[] b, int off, int width, long v) {
        for (int i = 0; i < width; i++) {
            if (off + i >= 0 && off + i < b.length) {
                b[off + i] = (byte) (v >>> (8 * i));
            }
        }
    }

    static void put16(byte[] b, int off, int v) {
        put(b, off, 2, v);
    }

    static void put32(byte[] b, int off, int v) {
        put(b, off, 4, v);
    }

    static void put64(byte[] b, int off, long v) {
        put(b, off, 8, v);
    }

    static String cString(byte[] b, int off) {
        int end = off;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.ISO_8859_1);
    }
}
