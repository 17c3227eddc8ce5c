/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import io.github.bpf4j.btf.Btf;
import io.github.bpf4j.btf.BtfKind;
import io.github.bpf4j.btf.BtfType;
import io.github.bpf4j.gen.Shapes.Field;
import io.github.bpf4j.gen.Shapes.Prim;
import io.github.bpf4j.gen.Shapes.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ProgramViewTest's BPF C program for one object: a .bss global {@code view_N} of each struct, union and
 * enum the object's skeleton has a class for, spelled with the object's own types (its BTF dumped as C,
 * {@code types.h}), and per round {@code write_R}, which stores pattern A into every field of every view,
 * and {@code check_R}, which returns 0 when every field holds pattern B, else the number of the first leaf
 * that does not. The compiler places each field by its C declaration; Java reaches the same field only
 * through the generated getters and setters (the path of each {@link Leaf}), so a wrong generated offset is
 * a value in the wrong place. Round R writes member R (modulo their count) of every union, so all members of
 * every union are exchanged once.
 */
final class ViewProgram {
    /** Checks per C function: BPF jumps reach 32767 instructions, and every check may jump to the end. */
    private static final int CHECKS_PER_PIECE = 1000;
    /** Longer integer arrays are a loop in C, not a statement per element: clang takes seconds per thousand. */
    private static final int LOOP_ABOVE = 64;

    /** A getter from a view to a nested view: {@code get<base>()} or {@code get<base>(index)}. */
    static final class Step {
        final String base;
        final int index;

        Step(String base, int index) {
            this.base = base;
            this.index = index;
        }
    }

    static final class View {
        final int number;
        final BtfType type;
        final Class<?> javaClass;
        final String cType;
        final int rounds;

        View(int number, BtfType type, Class<?> javaClass, String cType, int rounds) {
            this.number = number;
            this.type = type;
            this.javaClass = javaClass;
            this.cType = cType;
            this.rounds = rounds;
        }

        String name() {
            return "view_" + number;
        }
    }

    /** One value both sides exchange: a scalar, bitfield, array element or byte array of one view. */
    static final class Leaf {
        final View view;
        final int round;
        /** What check_R returns when this leaf differs (from 1). */
        final int number;
        /** The C lvalue, also the leaf's name in reports. */
        final String c;
        /** Getters from the view's flyweight to the field's holder; null for an enum view (no flyweight). */
        final List<Step> path;
        final String base;
        /** The array element, or -1. */
        final int index;
        /** The getter's type; null for bytes. */
        final Prim prim;
        /** Java's values of pattern A (the program writes it) and B (Java writes it). */
        final Object a;
        final Object b;
        /** For an enum view (null otherwise): the C name {@code nameOf} must give for pattern A. */
        final String enumName;

        Leaf(View view, int round, int number, String c, List<Step> path, String base, int index, Prim prim,
                Object a, Object b, String enumName) {
            this.view = view;
            this.round = round;
            this.number = number;
            this.c = c;
            this.path = path;
            this.base = base;
            this.index = index;
            this.prim = prim;
            this.a = a;
            this.b = b;
            this.enumName = enumName;
        }
    }

    final List<View> views = new ArrayList<View>();
    final List<Leaf> leaves = new ArrayList<Leaf>();
    /** Fields not exchanged, each with why. */
    final List<String> skipped = new ArrayList<String>();
    /** Types with a class but no view, each with why. */
    final List<String> skippedTypes = new ArrayList<String>();
    int rounds;
    private final Map<Integer, Map<String, Field>> fields = new HashMap<Integer, Map<String, Field>>();
    private final StringBuilder[] writes;
    /** Per round, the checks in pieces of CHECKS_PER_PIECE. */
    private final List<List<StringBuilder>> checks = new ArrayList<List<StringBuilder>>();
    private int inPiece;
    private final StringBuilder declarations = new StringBuilder();
    private final StringBuilder callbacks = new StringBuilder();

    ViewProgram(Btf btf, Map<Integer, Class<?>> classes) throws ReflectiveOperationException {
        for (Map.Entry<Integer, Class<?>> e : classes.entrySet()) {
            BtfType t = btf.type(e.getKey());
            String why = CTypes.unspellable(btf, t);
            if (why != null) {
                skippedTypes.add(e.getValue().getSimpleName() + ": " + why);
                continue;
            }
            View v = new View(views.size(), t, e.getValue(), CTypes.spelling(btf, t),
                    Math.max(1, CTypes.unionWidth(t)));
            views.add(v);
            rounds = Math.max(rounds, v.rounds);
            declare(v);
        }
        writes = new StringBuilder[rounds];
        for (int r = 0; r < rounds; r++) {
            writes[r] = new StringBuilder();
            checks.add(new ArrayList<StringBuilder>());
            for (View v : views) {
                if (r >= v.rounds) {
                    continue;
                }
                if (v.type.kind() == BtfKind.ENUM || v.type.kind() == BtfKind.ENUM64) {
                    Shape s = new Shapes(new JavaNames.Scope()).shape(v.type, "E");
                    scalar(v, r, v.name(), null, null, -1, s, 0);
                } else {
                    String c = CTypes.managed(v.type) ? "(*(" + v.cType + " *)" + v.name() + ")" : v.name();
                    walk(v, r, v.type, v.type, c, Collections.<Step>emptyList());
                }
            }
        }
    }

    /** The program's C source, over the object's types in {@code types.h}. */
    String source(String object) {
        StringBuilder s = new StringBuilder("/* ProgramViewTest's views of the types of " + object + " */\n");
        s.append("#define BPF_NO_PRESERVE_ACCESS_INDEX /* plain offsets: the types are in no kernel */\n");
        s.append("#define BPF_NO_KFUNC_PROTOTYPES\n#include \"types.h\"\n\n");
        s.append("#define SEC(name) __attribute__((section(name), used))\n");
        s.append("char LICENSE[] SEC(\"license\") = \"GPL\";\n\n");
        s.append("static __attribute__((always_inline)) unsigned long long view_pattern(unsigned long long seed,"
                + " unsigned int i)\n{\n\tunsigned long long h = (seed + i) * 0x9E3779B97F4A7C15ULL;\n\n"
                + "\treturn (h ^ (h >> 29)) | 1;\n}\n\n");
        // helper 181, declared here: the program includes nothing but the object's types
        s.append("static long (* const bpf_loop)(unsigned int nr_loops, void *callback, void *ctx,"
                + " unsigned long long flags) = (void *)181;\n\n").append(declarations).append('\n').append(callbacks);
        for (int r = 0; r < rounds; r++) {
            s.append("\nSEC(\"syscall\") int write_").append(r).append("(void *ctx)\n{\n").append(writes[r])
                    .append("\treturn 0;\n}\n");
            List<StringBuilder> pieces = checks.get(r);
            for (int i = 0; i < pieces.size(); i++) {
                s.append("\nstatic __attribute__((noinline)) int check_").append(r).append('_').append(i)
                        .append("(void)\n{\n\tunsigned int first __attribute__((unused)) = 0;\n\n")
                        .append(pieces.get(i)).append("\treturn 0;\n}\n");
            }
            s.append("\nSEC(\"syscall\") int check_").append(r).append("(void *ctx)\n{\n\tint first;\n\n");
            for (int i = 0; i < pieces.size(); i++) {
                s.append("\tif ((first = check_").append(r).append('_').append(i).append("()))\n\t\treturn first;\n");
            }
            s.append("\treturn 0;\n}\n");
        }
        return s.toString();
    }

    private void declare(View v) throws ReflectiveOperationException {
        if (v.type.kind() == BtfKind.ENUM || v.type.kind() == BtfKind.ENUM64) {
            declarations.append(v.cType).append(' ').append(v.name()).append(";\n");
            return;
        }
        if (CTypes.managed(v.type)) {
            // a bpf_spin_lock (or the like) in .bss is the kernel's, and refused to plain stores and mmap
            declarations.append("unsigned char ").append(v.name()).append("[sizeof(").append(v.cType)
                    .append(")] __attribute__((aligned(_Alignof(").append(v.cType).append("))));\n");
        } else {
            declarations.append(v.cType).append(' ').append(v.name()).append(";\n");
        }
        String java = v.javaClass.getSimpleName();
        declarations.append("_Static_assert(sizeof(").append(v.cType).append(") == ")
                .append(v.javaClass.getField("SIZE").getInt(null)).append(", \"").append(java).append(".SIZE\");\n");
        declarations.append("_Static_assert(_Alignof(").append(v.cType).append(") == ")
                .append(v.javaClass.getField("ALIGNMENT").getInt(null)).append(", \"").append(java)
                .append(".ALIGNMENT\");\n");
    }

    /** Members of {@code t} (the holder itself, or an anonymous member flattened into it), C name by C name. */
    private void walk(View v, int round, BtfType holder, BtfType t, String c, List<Step> path) {
        Map<String, Field> byName = fieldsOf(holder);
        List<BtfType.Member> members = t.members();
        if (t.kind() == BtfKind.UNION && !members.isEmpty()) {
            members = Collections.singletonList(members.get(round % members.size()));
        }
        for (BtfType.Member m : members) {
            BtfType r = m.type().resolved();
            if (m.name().isEmpty()) {
                if (r.kind() == BtfKind.STRUCT || r.kind() == BtfKind.UNION) {
                    walk(v, round, holder, r, c, path);
                }
                continue; // an unnamed bitfield is padding
            }
            String lvalue = c + "." + m.name();
            Field f = byName.get(m.name());
            if (f == null) {
                if (round == 0) {
                    skipped.add(lvalue + " (" + v.cType + "): " + CTypes.whyNoField(m, r));
                }
                continue;
            }
            Shape s = f.shape;
            int[] dims = CTypes.dims(m.type());
            switch (s.kind) {
                case SCALAR:
                    scalar(v, round, lvalue, path, f.base, -1, s, f.bitSize);
                    break;
                case STRUCT:
                    walk(v, round, s.composite, s.composite, lvalue, plus(path, f.base, -1));
                    break;
                case ARRAY_SCALAR:
                    if (s.length > LOOP_ABOVE && s.enumType == null && s.prim != Prim.BOOLEAN && s.prim != Prim.FLOAT
                            && s.prim != Prim.DOUBLE) {
                        loop(v, round, lvalue, dims, path, f.base, s);
                        break;
                    }
                    for (int i = 0; i < s.length; i++) {
                        scalar(v, round, CTypes.element(lvalue, dims, i), path, f.base, i, s, 0);
                    }
                    break;
                case ARRAY_STRUCT:
                    for (int i = 0; i < s.length; i++) {
                        walk(v, round, s.composite, s.composite, CTypes.element(lvalue, dims, i),
                                plus(path, f.base, i));
                    }
                    break;
                default:
                    bytes(v, round, lvalue, path, f.base, (int) s.size);
            }
        }
    }

    private Map<String, Field> fieldsOf(BtfType holder) {
        Map<String, Field> byName = fields.get(holder.id());
        if (byName == null) {
            // the generator's own member list and Java names (TypeClasses does the same two calls)
            List<Field> list = new Shapes(new JavaNames.Scope()).fields(holder, "T");
            Accessors.name(list);
            byName = new HashMap<String, Field>();
            for (Field f : list) {
                byName.put(f.cName, f);
            }
            fields.put(holder.id(), byName);
        }
        return byName;
    }

    private void scalar(View v, int round, String lvalue, List<Step> path, String base, int index, Shape s,
            int bits) {
        int number = leaves.size() + 1;
        long ha = mix(1, number);
        long hb = mix(2, number);
        Prim p = s.prim;
        Object a;
        Object b;
        String litA;
        String litB;
        String enumName = null;
        List<BtfType.Enumerator> enumerators = s.enumType == null || bits != 0
                ? Collections.<BtfType.Enumerator>emptyList() : s.enumType.enumerators();
        if (p == Prim.BOOLEAN) {
            a = true;
            b = false;
            litA = "1";
            litB = "0";
        } else if (p == Prim.FLOAT || p == Prim.DOUBLE) {
            double da = real(ha);
            double db = real(hb) == da ? da + 1 : real(hb);
            a = p == Prim.FLOAT ? (Object) (float) da : (Object) da;
            b = p == Prim.FLOAT ? (Object) (float) db : (Object) db;
            litA = "(__typeof__(" + lvalue + "))" + Double.toHexString(da);
            litB = "(__typeof__(" + lvalue + "))" + Double.toHexString(db);
        } else if (!enumerators.isEmpty()) {
            // the C side spells the enumerator: the value comes from the header, Java's from the BTF
            BtfType.Enumerator ea = enumerators.get(number % enumerators.size());
            BtfType.Enumerator eb = enumerators.get((number + 1) % enumerators.size());
            a = box(p, ea.value());
            b = box(p, eb.value());
            litA = ea.name();
            litB = eb.name();
            for (BtfType.Enumerator e : path == null ? enumerators : Collections.<BtfType.Enumerator>emptyList()) {
                if (e.value() == ea.value()) {
                    enumName = e.name(); // nameOf gives the first name of a value
                    break;
                }
            }
        } else {
            int width = bits != 0 ? bits : p.size * 8;
            boolean extend = bits != 0 && s.signed;
            long ra = truncate(ha, width, extend, true);
            long rb = truncate(hb, width, extend, false);
            if (rb == ra) {
                rb = truncate(ra ^ 1, width, extend, false);
            }
            a = box(p, ra);
            b = box(p, rb);
            // typeof takes no bitfield: a bitfield gets the number, converted as its own type says
            String cast = bits == 0 ? "(__typeof__(" + lvalue + "))" : extend ? "(long long)" : "";
            litA = cast + "0x" + Long.toHexString(ra) + "ULL";
            litB = cast + "0x" + Long.toHexString(rb) + "ULL";
        }
        writes[round].append('\t').append(lvalue).append(" = ").append(litA).append(";\n");
        check(round, lvalue + " != " + litB, number);
        leaves.add(new Leaf(v, round, number, lvalue, path, base, index, p, a, b, enumName));
    }

    /** An integer array written and checked by a loop over view_pattern, one leaf per element all the same. */
    private void loop(View v, int round, String lvalue, int[] dims, List<Step> path, String base, Shape s) {
        int first = leaves.size() + 1;
        long seed = mix(1, first);
        StringBuilder zero = new StringBuilder(lvalue);
        for (int i = 0; i < dims.length; i++) {
            zero.append("[0]");
        }
        String element = "((__typeof__(" + zero + ") *)&" + lvalue + ")[i]";
        String pattern = "view_pattern(0x" + Long.toHexString(seed) + "ULL, i)";
        String loop = "for (unsigned int i = 0; i < " + s.length + "; i++)";
        writes[round].append('\t').append(loop).append("\n\t\t").append(element).append(" = (__typeof__(")
                .append(zero).append("))").append(pattern).append(";\n");
        // a loop whose every iteration may return leaves the verifier a pending branch per element (8192 at
        // most): bpf_loop's callback is verified once
        String callback = "check_element_" + first;
        callbacks.append("static long ").append(callback).append("(unsigned int i, void *first)\n{\n\tif (i >= ")
                .append(s.length).append(")\n\t\treturn 1;\n\tif (").append(element).append(" != (__typeof__(")
                .append(zero).append("))(").append(pattern).append(" ^ 2)) {\n\t\t*(unsigned int *)first = ")
                .append(first).append(" + i;\n\t\treturn 1;\n\t}\n\treturn 0;\n}\n\n");
        check(round, "\tbpf_loop(" + s.length + ", " + callback + ", &first, 0);\n\tif (first)\n\t\treturn first;\n",
                -1);
        for (int i = 0; i < s.length; i++) {
            long a = pattern(seed, i);
            leaves.add(new Leaf(v, round, first + i, CTypes.element(lvalue, dims, i), path, base, i, s.prim,
                    box(s.prim, a), box(s.prim, a ^ 2), null));
        }
    }

    /** view_pattern of the C source: never 0 (bit 0), and pattern B (^ 2) differs in every width. */
    private static long pattern(long seed, int i) {
        long h = (seed + i) * 0x9E3779B97F4A7C15L;
        return (h ^ (h >>> 29)) | 1;
    }

    /** Bytes Java holds as byte[] (an __int128, say): written and checked byte by byte, one leaf. */
    private void bytes(View v, int round, String lvalue, List<Step> path, String base, int size) {
        int number = leaves.size() + 1;
        byte[] a = new byte[size];
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            a[i] = (byte) mix(number, i);
            b[i] = (byte) (a[i] ^ (1 + (int) ((mix(number + 1, i) & 0xff) % 255)));
            String at = "((unsigned char *)&" + lvalue + ")[" + i + "]";
            writes[round].append('\t').append(at).append(" = ").append(a[i] & 0xff).append(";\n");
            check(round, at + " != " + (b[i] & 0xff), number);
        }
        leaves.add(new Leaf(v, round, number, lvalue, path, base, -1, null, a, b, null));
    }

    private void check(int round, String differs, int number) {
        List<StringBuilder> pieces = checks.get(round);
        if (pieces.isEmpty() || inPiece == CHECKS_PER_PIECE) {
            pieces.add(new StringBuilder());
            inPiece = 0;
        }
        StringBuilder piece = pieces.get(pieces.size() - 1);
        if (number < 0) {
            piece.append(differs); // a whole loop, returning its own numbers
        } else {
            piece.append("\tif (").append(differs).append(")\n\t\treturn ").append(number).append(";\n");
        }
        inPiece++;
    }

    private static List<Step> plus(List<Step> path, String base, int index) {
        List<Step> out = new ArrayList<Step>(path);
        out.add(new Step(base, index));
        return out;
    }

    private static Object box(Prim p, long v) {
        switch (p) {
            case BYTE:
                return (byte) v;
            case SHORT:
                return (short) v;
            case INT:
                return (int) v;
            default:
                return v;
        }
    }

    /** {@code h}'s low {@code width} bits (never 0 where {@code nonZero}), sign-extended where asked. */
    private static long truncate(long h, int width, boolean extend, boolean nonZero) {
        long v = width == 64 ? h : h & ((1L << width) - 1);
        if (v == 0 && nonZero) {
            v = 1; // memory starts zeroed: a zero would also read back from the wrong place
        }
        return extend && width < 64 ? v << (64 - width) >> (64 - width) : v;
    }

    /** A quarter-step number below 2^18, exact in a float. */
    private static double real(long h) {
        return (h >>> 44) * 0.25 + 1;
    }

    /** splitmix64 of (seed, n): patterns that differ from field to field and from A to B. */
    private static long mix(long seed, long n) {
        long z = seed * 0x9E3779B97F4A7C15L + n * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
