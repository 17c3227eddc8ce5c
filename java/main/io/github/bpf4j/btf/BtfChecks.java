/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.btf;

/**
 * The per-type rules of the kernel's BTF checker ({@code kernel/bpf/btf.c}),
 * applied to a {@link Btf} whose types {@link BtfParser} has already framed:
 * after these, every accessor of every type answers without surprises.
 */
final class BtfChecks {
    private static final int WHITE = 0;
    private static final int GREY = 1;
    private static final int BLACK = 2;

    private final Btf btf;
    private final String origin;
    /** Cycle detection over "is laid out from" edges; index = id - firstId. */
    private final byte[] colour;

    BtfChecks(Btf btf, String origin) {
        this.btf = btf;
        this.origin = origin;
        this.colour = new byte[btf.types().size()];
    }

    void run() {
        for (BtfType t : btf.types()) {
            checkHeader(t);
        }
        for (BtfType t : btf.types()) {
            checkLoops(t);
        }
        for (BtfType t : btf.types()) {
            checkLayout(t);
        }
    }

    private void checkHeader(BtfType t) {
        BtfKind kind = t.kind();
        int vlen = t.vlen();
        checkName(t, t.word(0));
        switch (kind) {
            case INT:
                noVlen(t);
                noFlag(t);
                checkInt(t);
                break;
            case PTR:
            case TYPEDEF:
            case VOLATILE:
            case CONST:
            case RESTRICT:
                noVlen(t);
                noFlag(t);
                ref(t, t.word(2), "its type", true);
                break;
            case TYPE_TAG:
                noVlen(t);
                ref(t, t.word(2), "its type", true);
                break;
            case ARRAY:
                noVlen(t);
                noFlag(t);
                if (t.word(2) != 0) {
                    throw fail(t, "has a size field " + t.word(2) + " (must be 0)");
                }
                ref(t, t.word(3), "its element type", false);
                ref(t, t.word(4), "its index type", false);
                break;
            case STRUCT:
            case UNION:
                for (int i = 0; i < vlen; i++) {
                    checkName(t, t.item(i, 0), "member " + i, true);
                    ref(t, t.item(i, 1), "member " + i + "'s type", false);
                }
                break;
            case ENUM:
            case ENUM64:
                checkSize(t, t.word(2) & 0xffffffffL, 1, 2, 4, 8);
                for (int i = 0; i < vlen; i++) {
                    checkName(t, t.item(i, 0), "value " + i, false);
                }
                break;
            case FWD:
                noVlen(t);
                break;
            case FUNC:
                noFlag(t);
                if (vlen > 2) {
                    throw fail(t, "has linkage " + vlen + " (0 static, 1 global, 2 extern)");
                }
                ref(t, t.word(2), "its signature", false);
                if (t.type().kind() != BtfKind.FUNC_PROTO) {
                    throw fail(t, "has signature " + t.type() + ", not a FUNC_PROTO");
                }
                break;
            case FUNC_PROTO:
                noFlag(t);
                ref(t, t.word(2), "its return type", true);
                for (int i = 0; i < vlen; i++) {
                    boolean variadic = i == vlen - 1 && t.item(i, 1) == 0 && t.item(i, 0) == 0;
                    checkName(t, t.item(i, 0), "parameter " + i, true);
                    ref(t, t.item(i, 1), "parameter " + i + "'s type", variadic);
                }
                break;
            case VAR:
                noVlen(t);
                noFlag(t);
                if (t.word(3) < 0 || t.word(3) > 2) {
                    throw fail(t, "has linkage " + t.word(3) + " (0 static, 1 global, 2 extern)");
                }
                ref(t, t.word(2), "its type", false);
                break;
            case DATASEC:
                noFlag(t);
                for (int i = 0; i < vlen; i++) {
                    ref(t, t.item(i, 0), "variable " + i, false);
                    BtfKind vk = btf.type(t.item(i, 0)).kind();
                    if (vk != BtfKind.VAR && vk != BtfKind.FUNC) {
                        throw fail(t, "lists " + btf.type(t.item(i, 0)) + " as variable " + i
                                + ", which is neither a VAR nor a FUNC");
                    }
                }
                break;
            case FLOAT:
                noVlen(t);
                noFlag(t);
                checkSize(t, t.word(2) & 0xffffffffL, 2, 4, 8, 12, 16);
                break;
            case DECL_TAG:
                noVlen(t);
                ref(t, t.word(2), "its tagged type", false);
                break;
            default:
                throw fail(t, "has an unknown kind");
        }
    }

    private void checkInt(BtfType t) {
        long size = t.word(2) & 0xffffffffL;
        checkSize(t, size, 1, 2, 4, 8, 16);
        int data = t.word(3);
        int encoding = data >>> 24;
        int offset = data >>> 16 & 0xff;
        int bits = data & 0xff;
        if ((data & 0xf000ff00) != 0 && bits <= 128) {
            throw fail(t, "has reserved int encoding bits set (0x" + Integer.toHexString(data) + ")");
        }
        if (encoding != 0 && encoding != BtfParser.INT_SIGNED && encoding != BtfParser.INT_CHAR
                && encoding != BtfParser.INT_BOOL) {
            throw fail(t, "has int encoding " + encoding + " (0, 1 signed, 2 char or 4 bool)");
        }
        if (bits == 0 || offset + bits > size * 8) {
            throw fail(t, "has " + bits + " value bits at bit " + offset + ", which do not fit its " + size + " bytes");
        }
    }

    private void checkSize(BtfType t, long size, int... allowed) {
        for (int a : allowed) {
            if (size == a) {
                return;
            }
        }
        throw fail(t, "has size " + size + "; a " + t.kind() + " is " + java.util.Arrays.toString(allowed) + " bytes");
    }

    private void noVlen(BtfType t) {
        if (t.vlen() != 0) {
            throw fail(t, "has vlen " + t.vlen() + " (a " + t.kind() + " has no trailing items)");
        }
    }

    private void noFlag(BtfType t) {
        if (t.kindFlag()) {
            throw fail(t, "has kind_flag set, which a " + t.kind() + " does not use");
        }
    }

    private void ref(BtfType t, int id, String what, boolean voidAllowed) {
        if (id < 0 || id >= btf.typeCount()) {
            throw fail(t, "refers to type id " + (id & 0xffffffffL) + " as " + what + "; ids are 0 to "
                    + (btf.typeCount() - 1));
        }
        if (id == 0 && !voidAllowed) {
            throw fail(t, "has void as " + what);
        }
    }

    private void checkName(BtfType t, int offset) {
        BtfKind kind = t.kind();
        switch (kind) {
            case PTR:
            case ARRAY:
            case VOLATILE:
            case CONST:
            case RESTRICT:
            case FUNC_PROTO:
                if (offset != 0) {
                    checkOffset(t, offset, "its name");
                    throw fail(t, "has a name ('" + btf.string(offset) + "'), which a " + kind + " must not");
                }
                return;
            case TYPEDEF:
            case FUNC:
            case VAR:
            case FWD:
            case DATASEC:
            case FLOAT:
            case DECL_TAG:
            case TYPE_TAG:
            case INT:
                checkName(t, offset, "its name", false);
                return;
            default: // struct, union, enum: may be anonymous
                checkName(t, offset, "its name", true);
        }
    }

    private void checkName(BtfType t, int offset, String what, boolean mayBeEmpty) {
        checkOffset(t, offset, what);
        int cls = btf.nameClass(offset);
        if (cls == Btf.NAME_EMPTY) {
            if (!mayBeEmpty) {
                throw fail(t, "has no name for " + what);
            }
            return;
        }
        BtfKind kind = t.kind();
        // sections have dots, tags are free text, ints are "unsigned int"
        boolean free = kind == BtfKind.DATASEC || kind == BtfKind.DECL_TAG || kind == BtfKind.TYPE_TAG
                || kind == BtfKind.INT || kind == BtfKind.FLOAT;
        boolean ok = cls == Btf.NAME_IDENTIFIER || free && what.equals("its name") && cls != Btf.NAME_INVALID
                || cls == Btf.NAME_DOTTED && kind == BtfKind.VAR;
        if (!ok) {
            throw fail(t, "has an invalid name for " + what + ": '" + printableForm(btf.string(offset)) + "'");
        }
    }

    private void checkOffset(BtfType t, int offset, String what) {
        if (offset < 0 || offset >= btf.stringSpace()) {
            throw fail(t, "has string offset " + (offset & 0xffffffffL) + " for " + what + ", past the "
                    + btf.stringSpace() + " string bytes");
        }
    }

    private static String printableForm(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return b.toString();
    }

    /**
     * Depth-first over the edges along which sizes are resolved: a grey type met again is a loop. Pointers
     * and functions end the walk (a struct may point to itself). Iterative: vmlinux nests deeply.
     */
    private void checkLoops(BtfType start) {
        int first = btf.firstId();
        if (colour[start.id() - first] != WHITE) {
            return;
        }
        int[] stack = new int[64];
        int[] next = new int[64];
        int depth = 0;
        stack[0] = start.id();
        next[0] = 0;
        colour[start.id() - first] = GREY;
        while (depth >= 0) {
            BtfType t = btf.type(stack[depth]);
            int child = childAt(t, next[depth]++);
            if (child == -1) {
                colour[t.id() - first] = BLACK;
                depth--;
                continue;
            }
            if (child < first) {
                continue; // void, or the base's (checked when it was parsed)
            }
            byte c = colour[child - first];
            if (c == GREY) {
                throw fail(t, "is laid out from " + btf.type(child) + ", which is laid out from it in turn (a loop"
                        + " without a pointer)");
            }
            if (c == WHITE) {
                colour[child - first] = GREY;
                if (++depth == stack.length) {
                    stack = java.util.Arrays.copyOf(stack, depth * 2);
                    next = java.util.Arrays.copyOf(next, depth * 2);
                }
                stack[depth] = child;
                next[depth] = 0;
            }
        }
    }

    /** The i-th type {@code t}'s layout depends on, or -1 after the last. */
    private static int childAt(BtfType t, int i) {
        switch (t.kind()) {
            case TYPEDEF:
            case VOLATILE:
            case CONST:
            case RESTRICT:
            case TYPE_TAG:
            case VAR:
                return i == 0 ? t.word(2) : -1;
            case ARRAY:
                return i == 0 ? t.word(3) : -1;
            case STRUCT:
            case UNION:
            case DATASEC:
                return i < t.vlen() ? t.item(i, t.kind() == BtfKind.DATASEC ? 0 : 1) : -1;
            default:
                return -1;
        }
    }

    /** With loops ruled out: members inside their struct, variables inside their section, tags on something. */
    private void checkLayout(BtfType t) {
        if (t.kind() == BtfKind.TYPEDEF || t.kind().isModifier()) {
            try {
                t.resolved();
            } catch (IllegalStateException e) { // libbpf stops resolving there too
                throw fail(t, "starts a chain of more than " + BtfParser.MAX_DEPTH + " typedefs and qualifiers");
            }
        }
        switch (t.kind()) {
            case STRUCT:
            case UNION: {
                long bits = 8L * (t.word(2) & 0xffffffffL);
                for (BtfType.Member m : t.members()) {
                    BtfType type = m.type();
                    if (m.bitfieldSize() == 0 && m.bitOffset() % 8 == 0 && isPlain(type)
                            && m.bitOffset() + 8 * (type.word(2) & 0xffffffffL) <= bits) {
                        continue; // the common case, without resolving sizes
                    }
                    if (!hasSize(type)) {
                        throw fail(t, "has member '" + m.name() + "' of " + type + ", which has no size");
                    }
                    long width = m.bitfieldSize() != 0 ? m.bitfieldSize() : 8 * type.size();
                    if (m.bitfieldSize() == 0 && m.bitOffset() % 8 != 0) {
                        throw fail(t, "has member '" + m.name() + "' at bit " + m.bitOffset()
                                + ", off a byte boundary though it is no bitfield");
                    }
                    if (m.bitfieldSize() != 0 && (m.bitfieldSize() > 128 || !isIntegral(type)
                            || m.bitfieldSize() > 8 * type.size())) {
                        throw fail(t, "has bitfield '" + m.name() + "' of " + m.bitfieldSize() + " bits of " + type);
                    }
                    if (m.bitOffset() + width > bits) {
                        throw fail(t, "has member '" + m.name() + "' at bit " + m.bitOffset() + " with " + width
                                + " bits, past its size of " + bits / 8 + " bytes");
                    }
                }
                break;
            }
            case ARRAY:
                if (!hasSize(t.elementType())) {
                    throw fail(t, "has elements of " + t.elementType() + ", which has no size");
                }
                try {
                    t.size();
                } catch (UnsupportedOperationException e) { // past 2 GiB: an error here, not later
                    throw fail(t, "is larger than 2 GiB");
                }
                break;
            case VAR:
                if (!hasSize(t.type())) {
                    throw fail(t, "has type " + t.type() + ", which has no size");
                }
                break;
            case DATASEC: {
                long size = t.word(2) & 0xffffffffL;
                long previousEnd = 0;
                for (BtfType.SectionVar v : t.variables()) {
                    if (v.offset() + v.size() > size) {
                        throw fail(t, "places '" + v.name() + "' at " + v.offset() + " with " + v.size()
                                + " bytes, past the section's " + size);
                    }
                    if (v.offset() < previousEnd) {
                        throw fail(t, "places '" + v.name() + "' at " + v.offset() + ", overlapping the variable"
                                + " before it (ending at " + previousEnd + ")");
                    }
                    previousEnd = v.offset() + v.size();
                }
                break;
            }
            case DECL_TAG: {
                int component = t.componentIndex();
                BtfType target = t.type();
                int limit = target.kind() == BtfKind.STRUCT || target.kind() == BtfKind.UNION ? target.vlen()
                        : target.kind() == BtfKind.FUNC ? target.type().vlen() : 0;
                if (component < -1 || component >= limit && component != -1) {
                    throw fail(t, "tags component " + component + " of " + target + ", which has " + limit);
                }
                break;
            }
            default:
                break;
        }
    }

    /** A type whose size is its own size word. */
    private static boolean isPlain(BtfType t) {
        switch (t.kind()) {
            case INT:
            case STRUCT:
            case UNION:
            case ENUM:
            case ENUM64:
            case FLOAT:
                return true;
            default:
                return false;
        }
    }

    private static boolean hasSize(BtfType t) {
        try {
            t.size();
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    private static boolean isIntegral(BtfType t) {
        BtfKind k = t.resolved().kind();
        return k == BtfKind.INT || k == BtfKind.ENUM || k == BtfKind.ENUM64;
    }

    private IllegalArgumentException fail(BtfType t, String what) {
        int name = t.word(0);
        String shown = name > 0 && name < btf.stringSpace() ? " '" + printableForm(btf.string(name)) + "'" : "";
        return BtfParser.bad(origin, "type [" + t.id() + "] " + t.kind() + shown + " " + what);
    }
}
