/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.fuzz;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Deterministic mutants of the project's BPF objects: input i of a run with
 * seed s is always the same bytes, so a child JVM regenerates its inputs from
 * (s, i) and a crash is reproduced from the two numbers alone.
 *
 * <p>Besides blind bit flips, byte runs and truncations, most mutations are
 * structure-aware: they set one field that libbpf follows (a section header
 * field, a symbol's section index, a relocation's symbol or offset, a BTF
 * record's type id, string offset, kind or vlen, a .BTF.ext word) to a value
 * at or just past the edge of what is valid, which is where parsers trust.
 */
final class Mutator {
    /** A mutant and what was done to which seed. */
    static final class Input {
        final int index;
        final String seedName;
        final byte[] bytes;
        final String description;

        Input(int index, String seedName, byte[] bytes, String description) {
            this.index = index;
            this.seedName = seedName;
            this.bytes = bytes;
            this.description = description;
        }
    }

    static final class Seed {
        final String name;
        final byte[] bytes;
        final ElfView view;

        Seed(String name, byte[] bytes) {
            this.name = name;
            this.bytes = bytes;
            this.view = new ElfView(bytes);
        }
    }

    private static final long[] EDGES = { 0, 1, 2, 3, 4, 7, 8, 12, 16, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000,
        0xffff, 0x10000, 0x7fffffffL, 0x80000000L, 0xfffffffeL, 0xffffffffL };

    private final List<Seed> seeds;
    private final long runSeed;

    Mutator(List<Seed> seeds, long runSeed) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("no seed objects");
        }
        this.seeds = seeds;
        this.runSeed = runSeed;
    }

    Input input(int index) {
        Random r = new Random(runSeed * 0x9E3779B97F4A7C15L + index);
        Seed seed = seeds.get(r.nextInt(seeds.size()));
        byte[] b = seed.bytes.clone();
        StringBuilder what = new StringBuilder();
        int rounds = r.nextInt(8) == 0 ? 2 + r.nextInt(2) : 1;
        for (int i = 0; i < rounds; i++) {
            if (i > 0) {
                what.append("; ");
            }
            b = mutate(r, seed, b, what);
        }
        return new Input(index, seed.name, b, seed.name + ": " + what);
    }

    private byte[] mutate(Random r, Seed seed, byte[] b, StringBuilder what) {
        ElfView v = seed.view;
        switch (r.nextInt(12)) {
            case 0: {
                int flips = 1 + r.nextInt(4);
                what.append("bit flips at");
                for (int i = 0; i < flips; i++) {
                    int off = r.nextInt(b.length);
                    int bit = r.nextInt(8);
                    ElfView.put(b, off, 1, ElfView.u16(b, off) ^ (1 << bit));
                    what.append(' ').append(off).append('.').append(bit);
                }
                return b;
            }
            case 1: {
                int off = r.nextInt(Math.max(1, b.length));
                int len = Math.max(0, Math.min(b.length - off, 1 + r.nextInt(32)));
                int fill = r.nextInt(3);
                for (int i = 0; i < len; i++) {
                    b[off + i] = fill == 0 ? 0 : fill == 1 ? (byte) 0xff : (byte) r.nextInt(256);
                }
                what.append("byte run of ").append(len).append(fill == 0 ? " zeros" : fill == 1 ? " 0xff" : " random")
                        .append(" at ").append(off);
                return b;
            }
            case 2: {
                int len = b.length == 0 ? 0 : r.nextBoolean() ? r.nextInt(b.length) : b.length - 1 - r.nextInt(Math.min(b.length, 256));
                what.append("truncated to ").append(len);
                return Arrays.copyOf(b, len);
            }
            case 3:
                return sectionHeaderEdit(r, v, b, what);
            case 4:
            case 5:
            case 6:
                return btfTypeEdit(r, v, b, what);
            case 7:
                return btfHeaderOrExtEdit(r, v, b, what);
            case 8:
                return relocationEdit(r, v, b, what);
            case 9:
                return symbolEdit(r, v, b, what);
            case 10:
                return protoReturnEdit(r, v, b, what);
            default: {
                // a 32-bit word inside a random section's data
                ElfView.Section s = v.sections.get(r.nextInt(v.sections.size()));
                if (s.type == 8 || s.size < 4) {
                    return mutate(r, seed, b, what);
                }
                int off = (int) (s.offset + (r.nextInt((int) (s.size / 4))) * 4L);
                long value = edge(r, 0);
                ElfView.put32(b, off, (int) value);
                what.append("word at ").append(off).append(" in ").append(s.name).append(" = ").append(value);
                return b;
            }
        }
    }

    private long edge(Random r, long around) {
        switch (r.nextInt(3)) {
            case 0:
                return EDGES[r.nextInt(EDGES.length)];
            case 1:
                return Math.max(0, around + r.nextInt(5) - 2);
            default:
                return r.nextInt(1 << (1 + r.nextInt(30)));
        }
    }

    private byte[] sectionHeaderEdit(Random r, ElfView v, byte[] b, StringBuilder what) {
        if (r.nextInt(5) == 0) {
            String[] names = { "e_shoff", "e_shentsize", "e_shnum", "e_shstrndx", "e_machine", "e_type" };
            int[] offs = { 0x28, 0x3a, 0x3c, 0x3e, 0x12, 0x10 };
            int[] widths = { 8, 2, 2, 2, 2, 2 };
            int f = r.nextInt(names.length);
            long value = edge(r, f == 2 || f == 3 ? v.sections.size() : b.length);
            put(b, offs[f], widths[f], value);
            what.append("ELF header ").append(names[f]).append(" = ").append(value);
            return b;
        }
        ElfView.Section s = v.sections.get(r.nextInt(v.sections.size()));
        String[] names = { "sh_name", "sh_type", "sh_flags", "sh_offset", "sh_size", "sh_link", "sh_info", "sh_entsize" };
        int[] offs = { 0, 4, 8, 24, 32, 40, 44, 56 };
        int[] widths = { 4, 4, 8, 8, 8, 4, 4, 8 };
        int f = r.nextInt(names.length);
        long around = f == 3 ? s.offset : f == 4 ? s.size : f == 5 || f == 6 ? v.sections.size() : 0;
        long value = r.nextInt(4) == 0 ? b.length - r.nextInt(64) : edge(r, around);
        put(b, s.headerOffset + offs[f], widths[f], value);
        what.append("section ").append(s.index).append(" (").append(s.name).append(") ").append(names[f]).append(" = ")
                .append(value);
        return b;
    }

    private byte[] btfTypeEdit(Random r, ElfView v, byte[] b, StringBuilder what) {
        if (v.btfTypes.isEmpty()) {
            return sectionHeaderEdit(r, v, b, what);
        }
        ElfView.BtfType t = v.btfTypes.get(r.nextInt(v.btfTypes.size()));
        int last = v.btfTypes.size();
        int field = r.nextInt(6);
        String label = "BTF type " + t.id + " (kind " + t.kind + ")";
        switch (field) {
            case 0: {
                long value = r.nextBoolean() ? v.btfStringsLength - 1 + r.nextInt(3) : edge(r, v.btfStringsLength);
                ElfView.put32(b, t.offset, (int) value);
                what.append(label).append(" name_off = ").append(value);
                return b;
            }
            case 1: {
                int kind = r.nextInt(32);
                ElfView.put(b, t.offset + 7, 1, (ElfView.u16(b, t.offset + 7) & 0xe0) | kind);
                what.append(label).append(" kind = ").append(kind);
                return b;
            }
            case 2: {
                long vlen = edge(r, t.vlen) & 0xffff;
                ElfView.put16(b, t.offset + 4, (int) vlen);
                what.append(label).append(" vlen = ").append(vlen);
                return b;
            }
            case 3: {
                long value = typeId(r, last);
                ElfView.put32(b, t.offset + 8, (int) value);
                what.append(label).append(" type/size = ").append(value);
                return b;
            }
            default: {
                int tailWords = (t.size - 12) / 4;
                if (tailWords == 0) {
                    long value = typeId(r, last);
                    ElfView.put32(b, t.offset + 8, (int) value);
                    what.append(label).append(" type/size = ").append(value);
                    return b;
                }
                int w = r.nextInt(tailWords);
                long value = r.nextBoolean() ? typeId(r, last) : edge(r, v.btfStringsLength);
                ElfView.put32(b, t.offset + 12 + 4 * w, (int) value);
                what.append(label).append(" tail word ").append(w).append(" = ").append(value);
                return b;
            }
        }
    }

    private long typeId(Random r, int last) {
        switch (r.nextInt(4)) {
            case 0: return last + 1 + r.nextInt(3);
            case 1: return r.nextInt(last + 1);
            case 2: return last;
            default: return edge(r, last);
        }
    }

    private byte[] btfHeaderOrExtEdit(Random r, ElfView v, byte[] b, StringBuilder what) {
        ElfView.Section ext = v.section(".BTF.ext");
        if (v.btfOffset >= 0 && (ext == null || r.nextBoolean())) {
            String[] names = { "magic", "hdr_len", "type_off", "type_len", "str_off", "str_len" };
            int[] offs = { 0, 4, 8, 12, 16, 20 };
            int f = r.nextInt(names.length);
            long old = ElfView.u32(b, v.btfOffset + offs[f]) & 0xffffffffL;
            long value = f == 0 ? r.nextInt(0x10000) : edge(r, old);
            if (f == 0) {
                ElfView.put16(b, v.btfOffset, (int) value);
            } else {
                ElfView.put32(b, v.btfOffset + offs[f], (int) value);
            }
            what.append(".BTF header ").append(names[f]).append(" = ").append(value);
            return b;
        }
        if (ext == null || ext.size < 8) {
            return sectionHeaderEdit(r, v, b, what);
        }
        int word = r.nextInt((int) (ext.size / 4));
        int off = (int) ext.offset + 4 * word;
        long old = ElfView.u32(b, off) & 0xffffffffL;
        long value = r.nextBoolean() ? typeId(r, v.btfTypes.size()) : edge(r, old);
        ElfView.put32(b, off, (int) value);
        what.append(".BTF.ext word ").append(word).append(" = ").append(value).append(" (was ").append(old).append(')');
        return b;
    }

    private byte[] relocationEdit(Random r, ElfView v, byte[] b, StringBuilder what) {
        List<ElfView.Section> rels = v.sectionsOfType(ElfView.SHT_REL, ElfView.SHT_RELA);
        if (rels.isEmpty()) {
            return symbolEdit(r, v, b, what);
        }
        ElfView.Section s = rels.get(r.nextInt(rels.size()));
        int entsize = s.entsize > 0 ? (int) s.entsize : 16;
        int n = (int) (s.size / entsize);
        int e = r.nextInt(Math.max(1, n));
        int off = (int) s.offset + e * entsize;
        int f = r.nextInt(3);
        if (f == 0) {
            long value = edge(r, ElfView.u64(b, off));
            ElfView.put64(b, off, value);
            what.append(s.name).append(" relocation ").append(e).append(" r_offset = ").append(value);
        } else if (f == 1) {
            long value = edge(r, ElfView.u32(b, off + 12));
            ElfView.put32(b, off + 12, (int) value);
            what.append(s.name).append(" relocation ").append(e).append(" symbol = ").append(value);
        } else {
            long value = r.nextInt(256);
            ElfView.put32(b, off + 8, (int) value);
            what.append(s.name).append(" relocation ").append(e).append(" type = ").append(value);
        }
        return b;
    }

    private byte[] symbolEdit(Random r, ElfView v, byte[] b, StringBuilder what) {
        List<ElfView.Section> tabs = v.sectionsOfType(ElfView.SHT_SYMTAB);
        if (tabs.isEmpty()) {
            return sectionHeaderEdit(r, v, b, what);
        }
        ElfView.Section s = tabs.get(0);
        int n = (int) (s.size / 24);
        int e = r.nextInt(Math.max(1, n));
        int off = (int) s.offset + e * 24;
        String[] names = { "st_name", "st_info", "st_shndx", "st_value", "st_size" };
        int[] offs = { 0, 4, 6, 8, 16 };
        int[] widths = { 4, 1, 2, 8, 8 };
        int f = r.nextInt(names.length);
        long value = f == 2 ? (r.nextBoolean() ? v.sections.size() + r.nextInt(3) - 1 : edge(r, 0))
                : edge(r, widths[f] == 8 ? ElfView.u64(b, off + offs[f]) : 0);
        put(b, off + offs[f], widths[f], value);
        what.append("symbol ").append(e).append(' ').append(names[f]).append(" = ").append(value);
        return b;
    }

    /** The case of issue #8: a FUNC_PROTO's return type id just past the last type. */
    private byte[] protoReturnEdit(Random r, ElfView v, byte[] b, StringBuilder what) {
        List<ElfView.BtfType> protos = new java.util.ArrayList<ElfView.BtfType>();
        for (ElfView.BtfType t : v.btfTypes) {
            if (t.kind == 13) {
                protos.add(t);
            }
        }
        if (protos.isEmpty()) {
            return btfTypeEdit(r, v, b, what);
        }
        ElfView.BtfType t = protos.get(r.nextInt(protos.size()));
        long value = typeId(r, v.btfTypes.size());
        ElfView.put32(b, t.offset + 8, (int) value);
        what.append("BTF FUNC_PROTO ").append(t.id).append(" return type = ").append(value);
        return b;
    }

    private static void put(byte[] b, int off, int width, long value) {
        ElfView.put(b, off, width, value);
    }
}
