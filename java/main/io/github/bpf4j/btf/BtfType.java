/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.btf;

import java.util.AbstractList;
import java.util.List;

/**
 * One type of a {@link Btf}: its {@link #kind()}, {@link #name()} and what
 * that kind has. Accessors for what a kind does not have (the members of an
 * int, the length of a struct) throw {@link UnsupportedOperationException}
 * naming the kind; each accessor says which kinds have it. Lists are
 * decoded from the BTF on each call and are unmodifiable.
 *
 * <p>Sizes and alignment are resolved as libbpf resolves them
 * ({@code btf__resolve_size}, {@code btf__align_of}): through typedefs,
 * qualifiers and type tags, arrays as length × element, pointers 8 bytes
 * (BPF's and the 64-bit kernels' size).
 */
public final class BtfType {
    static final int POINTER_SIZE = 8;

    private final Btf btf;
    private final int id;
    /** Where the type's 12-byte header starts in the BTF data; -1 for void. */
    private final int at;

    BtfType(Btf btf, int id, int at) {
        this.btf = btf;
        this.id = id;
        this.at = at;
    }

    /** How a {@link BtfKind#VAR} or {@link BtfKind#FUNC} is linked. */
    public enum Linkage {
        /** {@code static}: not visible outside the object. */
        STATIC,
        /** A global the object defines. */
        GLOBAL,
        /** An {@code extern}, resolved by libbpf (kconfig, ksyms) or the linker. */
        EXTERN
    }

    /** The BTF this type belongs to. */
    public Btf btf() {
        return btf;
    }

    /** The type's id in its {@link Btf} (0 for void). */
    public int id() {
        return id;
    }

    /** What the type is. */
    public BtfKind kind() {
        return at < 0 ? BtfKind.VOID : BtfKind.of(info() >>> 24 & 0x1f);
    }

    /** The name; "" for anonymous types (and void). */
    public String name() {
        return at < 0 ? "" : btf.string(word(0));
    }

    /** True for a {@link BtfKind#FWD} of a union, false for one of a struct. */
    public boolean isUnionForward() {
        need("isUnionForward()", BtfKind.FWD);
        return kindFlag();
    }

    /**
     * The type this one refers to: the target of a {@link BtfKind#PTR}, the
     * type behind a {@link BtfKind#TYPEDEF}, qualifier or {@link BtfKind#TYPE_TAG},
     * the signature ({@link BtfKind#FUNC_PROTO}) of a {@link BtfKind#FUNC},
     * the type of a {@link BtfKind#VAR}, the tagged type of a
     * {@link BtfKind#DECL_TAG}, the return type of a {@link BtfKind#FUNC_PROTO}
     * (void is id 0).
     */
    public BtfType type() {
        need("type()", BtfKind.PTR, BtfKind.TYPEDEF, BtfKind.VOLATILE, BtfKind.CONST, BtfKind.RESTRICT,
                BtfKind.TYPE_TAG, BtfKind.FUNC, BtfKind.VAR, BtfKind.DECL_TAG, BtfKind.FUNC_PROTO);
        return btf.type(word(2));
    }

    /** This type without typedefs, qualifiers and type tags: what it is laid out as. */
    public BtfType resolved() {
        BtfType t = this;
        for (int depth = 0; t.kind() == BtfKind.TYPEDEF || t.kind().isModifier(); depth++) {
            if (depth > BtfParser.MAX_DEPTH) {
                throw new IllegalStateException("BtfType.resolved: " + this + " refers on too deeply");
            }
            t = t.type();
        }
        return t;
    }

    /**
     * The size in bytes, resolved: declared by an int, float, enum, struct,
     * union or data section; a pointer's 8; an array's length × element size;
     * the referred type's for typedefs, qualifiers, type tags and variables.
     *
     * @throws UnsupportedOperationException for void, functions, signatures, forward declarations and decl tags
     */
    public long size() {
        return BtfParser.resolveSize(this, "BtfType.size()");
    }

    /**
     * The alignment in bytes, as a C compiler for BPF aligns it: an int,
     * enum or float its size (at most 8), a pointer 8, an array its element's,
     * a struct or union its strictest member's, or 1 if it is packed (a
     * member off its alignment, or a size that is not a multiple of it).
     *
     * @throws UnsupportedOperationException for types without a size (see {@link #size()})
     */
    public int alignment() {
        return BtfParser.alignment(this, 0);
    }

    /** An {@link BtfKind#INT}'s bits of value ({@code 1} for {@code _Bool}... up to 128). */
    public int intBits() {
        need("intBits()", BtfKind.INT);
        return word(3) & 0xff;
    }

    /** An {@link BtfKind#INT}'s bit offset of its value within its size (0 in what clang emits). */
    public int intBitOffset() {
        need("intBitOffset()", BtfKind.INT);
        return word(3) >>> 16 & 0xff;
    }

    /** Whether an {@link BtfKind#INT} or enum is signed. */
    public boolean isSigned() {
        need("isSigned()", BtfKind.INT, BtfKind.ENUM, BtfKind.ENUM64);
        return kind() == BtfKind.INT ? (word(3) >>> 24 & BtfParser.INT_SIGNED) != 0 : kindFlag();
    }

    /** Whether an {@link BtfKind#INT} is a C {@code char}. */
    public boolean isChar() {
        need("isChar()", BtfKind.INT);
        return (word(3) >>> 24 & BtfParser.INT_CHAR) != 0;
    }

    /** Whether an {@link BtfKind#INT} is a {@code _Bool}. */
    public boolean isBool() {
        need("isBool()", BtfKind.INT);
        return (word(3) >>> 24 & BtfParser.INT_BOOL) != 0;
    }

    /** An {@link BtfKind#ARRAY}'s element type. */
    public BtfType elementType() {
        need("elementType()", BtfKind.ARRAY);
        return btf.type(word(3));
    }

    /** An {@link BtfKind#ARRAY}'s index type (an int, unused by layouts). */
    public BtfType indexType() {
        need("indexType()", BtfKind.ARRAY);
        return btf.type(word(4));
    }

    /** An {@link BtfKind#ARRAY}'s number of elements (0 for a flexible array member). */
    public long length() {
        need("length()", BtfKind.ARRAY);
        return word(5) & 0xffffffffL;
    }

    /** The members of a {@link BtfKind#STRUCT} or {@link BtfKind#UNION}, in declaration order. */
    public List<Member> members() {
        need("members()", BtfKind.STRUCT, BtfKind.UNION);
        return new Items<Member>() {
            @Override
            public Member get(int i) {
                return new Member(BtfType.this, i, item(i, 0), item(i, 1), item(i, 2));
            }
        };
    }

    /** The member of a struct or union named so (not looking into anonymous members), or null. */
    public Member member(String memberName) {
        for (Member m : members()) {
            if (m.name().equals(memberName)) {
                return m;
            }
        }
        return null;
    }

    /** The values of an {@link BtfKind#ENUM} or {@link BtfKind#ENUM64}, in declaration order. */
    public List<Enumerator> enumerators() {
        need("enumerators()", BtfKind.ENUM, BtfKind.ENUM64);
        final boolean wide = kind() == BtfKind.ENUM64;
        final boolean signed = kindFlag();
        return new Items<Enumerator>() {
            @Override
            public Enumerator get(int i) {
                long value;
                if (wide) {
                    value = (item(i, 1) & 0xffffffffL) | (long) item(i, 2) << 32;
                } else {
                    value = signed ? item(i, 1) : item(i, 1) & 0xffffffffL;
                }
                return new Enumerator(btf.string(item(i, 0)), value);
            }
        };
    }

    /** The parameters of a {@link BtfKind#FUNC_PROTO}; a C {@code ...} is a last parameter of type void, unnamed. */
    public List<Param> params() {
        need("params()", BtfKind.FUNC_PROTO);
        return new Items<Param>() {
            @Override
            public Param get(int i) {
                return new Param(btf.string(item(i, 0)), btf.type(item(i, 1)));
            }
        };
    }

    /** The variables of a {@link BtfKind#DATASEC}, by offset: each a VAR (or a FUNC, for {@code .ksyms}). */
    public List<SectionVar> variables() {
        need("variables()", BtfKind.DATASEC);
        return new Items<SectionVar>() {
            @Override
            public SectionVar get(int i) {
                return new SectionVar(btf.type(item(i, 0)), item(i, 1) & 0xffffffffL, item(i, 2) & 0xffffffffL);
            }
        };
    }

    /** The variable of a data section named so, or null. */
    public SectionVar variable(String variableName) {
        for (SectionVar v : variables()) {
            if (v.name().equals(variableName)) {
                return v;
            }
        }
        return null;
    }

    /** How a {@link BtfKind#VAR} or {@link BtfKind#FUNC} is linked. */
    public Linkage linkage() {
        need("linkage()", BtfKind.VAR, BtfKind.FUNC);
        int value = kind() == BtfKind.VAR ? word(3) : info() & 0xffff;
        return Linkage.values()[value];
    }

    /**
     * A {@link BtfKind#DECL_TAG}'s place: -1 for the tagged declaration
     * itself, else the index of the member or parameter it tags.
     */
    public int componentIndex() {
        need("componentIndex()", BtfKind.DECL_TAG);
        return word(3);
    }

    @Override
    public String toString() {
        int offset = at < 0 ? 0 : word(0);
        String name = offset >= 0 && offset < btf.stringSpace() ? name() : "?";
        return "[" + id + "] " + kind() + (name.isEmpty() ? "" : " '" + name + "'");
    }

    // --- decoding -------------------------------------------------------------------------------------------

    int info() {
        return word(1);
    }

    boolean kindFlag() {
        return at >= 0 && info() < 0;
    }

    int vlen() {
        return at < 0 ? 0 : info() & 0xffff;
    }

    /** The n-th 32-bit word from the type's start (0 name, 1 info, 2 size/type, 3... kind data). */
    int word(int n) {
        return btf.data.getInt(at + 4 * n);
    }

    /** Word {@code w} of the i-th trailing item (members, params, enumerators, variables). */
    int item(int i, int w) {
        return btf.data.getInt(at + 12 + i * 4 * BtfParser.itemWords(kind()) + 4 * w);
    }

    private void need(String method, BtfKind... kinds) {
        BtfKind k = kind();
        for (BtfKind allowed : kinds) {
            if (k == allowed) {
                return;
            }
        }
        throw new UnsupportedOperationException("BtfType." + method + ": " + this + " is " + k
                + ", which has no such property; it exists for " + java.util.Arrays.toString(kinds));
    }

    private abstract class Items<T> extends AbstractList<T> {
        private final int size = vlen();

        @Override
        public int size() {
            return size;
        }
    }

    /** A member of a struct or union. */
    public static final class Member {
        private final BtfType owner;
        private final int index;
        private final int nameOff;
        private final int typeId;
        private final int offsetWord;

        Member(BtfType owner, int index, int nameOff, int typeId, int offsetWord) {
            this.owner = owner;
            this.index = index;
            this.nameOff = nameOff;
            this.typeId = typeId;
            this.offsetWord = offsetWord;
        }

        /** The name; "" for an anonymous struct or union member (whose members belong to the outer one). */
        public String name() {
            return owner.btf.string(nameOff);
        }

        /** Its position among the owner's members. */
        public int index() {
            return index;
        }

        /** The member's declared type (typedefs and qualifiers kept: {@link BtfType#resolved()} skips them). */
        public BtfType type() {
            return owner.btf.type(typeId);
        }

        /** Offset from the start of the owner, in bits. */
        public long bitOffset() {
            return owner.kindFlag() ? offsetWord & 0xffffff : offsetWord & 0xffffffffL;
        }

        /** A bitfield's width in bits; 0 for a member that is no bitfield. */
        public int bitfieldSize() {
            return owner.kindFlag() ? offsetWord >>> 24 : 0;
        }

        /** The byte holding the member's first bit: its offset for a plain member. */
        public long byteOffset() {
            return bitOffset() / 8;
        }

        @Override
        public String toString() {
            String name = name();
            return owner + "." + (name.isEmpty() ? "<anon>" : name) + " @bit " + bitOffset()
                    + (bitfieldSize() != 0 ? ":" + bitfieldSize() : "");
        }
    }

    /** A name and value of an enum. */
    public static final class Enumerator {
        private final String name;
        private final long value;

        Enumerator(String name, long value) {
            this.name = name;
            this.value = value;
        }

        /** The C name of the value. */
        public String name() {
            return name;
        }

        /** The value: sign-extended for a signed enum, else unsigned (a 64-bit one as its bit pattern). */
        public long value() {
            return value;
        }

        @Override
        public String toString() {
            return name + " = " + value;
        }
    }

    /** A parameter of a function signature. */
    public static final class Param {
        private final String name;
        private final BtfType type;

        Param(String name, BtfType type) {
            this.name = name;
            this.type = type;
        }

        /** The name, "" if the BTF has none. */
        public String name() {
            return name;
        }

        /** The parameter's type (void for a variadic {@code ...}). */
        public BtfType type() {
            return type;
        }

        @Override
        public String toString() {
            return type + " " + name;
        }
    }

    /** Where a variable lives in a data section. */
    public static final class SectionVar {
        private final BtfType variable;
        private final long offset;
        private final long size;

        SectionVar(BtfType variable, long offset, long size) {
            this.variable = variable;
            this.offset = offset;
            this.size = size;
        }

        /** The {@link BtfKind#VAR} (or FUNC): its name, type and linkage. */
        public BtfType variable() {
            return variable;
        }

        /** The variable's name. */
        public String name() {
            return variable.name();
        }

        /** Byte offset in the section's memory (the map's value). */
        public long offset() {
            return offset;
        }

        /** Bytes it takes there. */
        public long size() {
            return size;
        }

        @Override
        public String toString() {
            return variable.name() + " @" + offset + " (" + size + " bytes)";
        }
    }
}
