/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutants for BtfDump: raw BTF (the .BTF sections of the project's objects, cut out) with type records,
 * references and the header edited the ways that have hurt BTF readers (ids past the end or pointing back,
 * loops, kinds and vlens swapped, sizes at the edges, truncation), and, one input in three, the objects
 * themselves as the object fuzzer mutates them (ELF with a damaged .BTF). The same seed and index give the
 * same input, so the parent can rebuild the one that killed a child.
 */
final class BtfMutator {
    private static final long[] EDGES = {0, 1, 2, 3, 4, 7, 8, 16, 0x7f, 0x80, 0xff, 0xfff, 0x1000, 0xffff, 0x10000,
        0xffffff, 0x1000000, 0x7fffffffL, 0x80000000L, 0xfffffffeL, 0xffffffffL};

    private final List<byte[]> raws = new ArrayList<byte[]>();
    private final List<String> names = new ArrayList<String>();
    private final Mutator objects;
    private final long runSeed;

    BtfMutator(List<Mutator.Seed> seeds, long runSeed) {
        for (Mutator.Seed s : seeds) {
            ElfView.Section btf = s.view.section(".BTF");
            if (btf != null) {
                raws.add(Arrays.copyOfRange(s.bytes, (int) btf.offset, (int) (btf.offset + btf.size)));
                names.add(s.name.replace(".bpf.o", ".btf"));
            }
        }
        this.objects = new Mutator(seeds, runSeed);
        this.runSeed = runSeed;
    }

    Mutator.Input input(int index) {
        Random r = new Random(runSeed * 0xC2B2AE3D27D4EB4FL + index);
        if (r.nextInt(3) == 0) {
            return objects.input(index);
        }
        int s = r.nextInt(raws.size());
        byte[] b = raws.get(s).clone();
        StringBuilder what = new StringBuilder();
        int rounds = 1 + (r.nextInt(4) == 0 ? 1 + r.nextInt(3) : 0);
        for (int i = 0; i < rounds; i++) {
            b = mutate(r, b, what.append(i > 0 ? "; " : ""));
        }
        return new Mutator.Input(index, names.get(s), b, names.get(s) + ": " + what);
    }

    /** Absolute offsets of the type records (index = id - 1). */
    private static List<int[]> records(byte[] b) {
        List<int[]> out = new ArrayList<int[]>();
        if (b.length < 24) {
            return out;
        }
        int hdr = ElfView.u32(b, 4);
        int pos = hdr + ElfView.u32(b, 8);
        int end = (int) Math.min(b.length, (long) pos + ElfView.u32(b, 12));
        while (pos >= 0 && pos + 12 <= end) {
            int info = ElfView.u32(b, pos + 4);
            int size = ElfView.recordSize(info >>> 24 & 0x1f, info & 0xffff);
            out.add(new int[] {pos, size, info >>> 24 & 0x1f});
            pos += size;
        }
        return out;
    }

    private long edge(Random r, int count) {
        switch (r.nextInt(4)) {
            case 0:
                return EDGES[r.nextInt(EDGES.length)];
            case 1:
                return count + r.nextInt(3) - 1; // around the last id
            default:
                return r.nextInt(Math.max(1, count + 1)); // another type
        }
    }

    private byte[] mutate(Random r, byte[] b, StringBuilder what) {
        List<int[]> recs = records(b);
        if (recs.isEmpty()) {
            what.append("flip");
            b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            return b;
        }
        int count = recs.size();
        int[] t = recs.get(r.nextInt(count));
        int id = recs.indexOf(t) + 1;
        switch (r.nextInt(8)) {
            case 0: { // any word of a record
                int words = Math.min(t[1], b.length - t[0]) / 4;
                int w = r.nextInt(Math.max(1, words));
                long v = r.nextInt(3) == 0 ? id : edge(r, count);
                what.append("type ").append(id).append(" word ").append(w).append(" = ").append(v);
                ElfView.put32(b, t[0] + w * 4, (int) v);
                return b;
            }
            case 1: { // the kind
                int kind = r.nextInt(21);
                what.append("type ").append(id).append(" kind ").append(t[2]).append(" -> ").append(kind);
                int info = ElfView.u32(b, t[0] + 4);
                ElfView.put32(b, t[0] + 4, (info & ~(0x1f << 24)) | kind << 24);
                return b;
            }
            case 2: { // a reference to the type itself or the one before: loops
                int target = r.nextBoolean() ? id : Math.max(1, id - 1);
                what.append("type ").append(id).append(" refers to ").append(target);
                ElfView.put32(b, t[0] + 8, target);
                if (t[2] == 3 && t[0] + 16 <= b.length) { // an array's element
                    ElfView.put32(b, t[0] + 12, target);
                }
                return b;
            }
            case 3: { // a struct member or parameter type, or a member offset
                if (t[1] <= 12) {
                    ElfView.put32(b, t[0] + 8, (int) edge(r, count));
                    what.append("type ").append(id).append(" size/type edge");
                    return b;
                }
                int words = (t[1] - 12) / 4;
                int w = 12 + r.nextInt(Math.max(1, words)) * 4;
                long v = edge(r, count);
                what.append("type ").append(id).append(" tail +").append(w).append(" = ").append(v);
                if (t[0] + w + 4 <= b.length) {
                    ElfView.put32(b, t[0] + w, (int) v);
                }
                return b;
            }
            case 4: { // vlen and kflag
                int vlen = (int) (edge(r, count) & 0xffff);
                int info = ElfView.u32(b, t[0] + 4);
                what.append("type ").append(id).append(" vlen ").append(vlen);
                ElfView.put32(b, t[0] + 4, (info & 0xffff0000) | vlen | (r.nextBoolean() ? 1 << 31 : 0));
                return b;
            }
            case 5: { // a header field
                int field = 4 + 4 * r.nextInt(5);
                long v = EDGES[r.nextInt(EDGES.length)];
                what.append("header +").append(field).append(" = ").append(v);
                ElfView.put32(b, field, (int) v);
                return b;
            }
            case 6: { // cut
                int len = 24 + r.nextInt(Math.max(1, b.length - 24));
                what.append("truncated to ").append(len);
                return Arrays.copyOf(b, len);
            }
            default: { // two types referring to each other
                int[] u = recs.get(r.nextInt(count));
                int other = recs.indexOf(u) + 1;
                what.append("types ").append(id).append(" <-> ").append(other);
                ElfView.put32(b, t[0] + 8, other);
                ElfView.put32(b, u[0] + 8, id);
                return b;
            }
        }
    }
}
