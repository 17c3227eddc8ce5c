/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import io.github.bpf4j.btf.BtfKind;
import io.github.bpf4j.btf.BtfType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How C types become Java: each struct or union member, or data-section
 * variable, is a {@link Field} of one {@link Shape} (a primitive, a nested
 * struct, an array of either, or plain bytes), and each struct, union and
 * enum it reaches gets one generated class, named in {@link #classes}.
 */
final class Shapes {
    /** The Java primitive a C scalar is read as; unsigned C types keep their bits in the signed Java type. */
    enum Prim {
        BOOLEAN("boolean", "Boolean", 1, "get", "put"),
        BYTE("byte", "Byte", 1, "get", "put"),
        SHORT("short", "Short", 2, "getShort", "putShort"),
        INT("int", "Integer", 4, "getInt", "putInt"),
        LONG("long", "Long", 8, "getLong", "putLong"),
        FLOAT("float", "Float", 4, "getFloat", "putFloat"),
        DOUBLE("double", "Double", 8, "getDouble", "putDouble");

        final String java;
        final String boxed;
        final int size;
        final String get;
        final String put;

        Prim(String java, String boxed, int size, String get, String put) {
            this.java = java;
            this.boxed = boxed;
            this.size = size;
            this.get = get;
            this.put = put;
        }

        /** The Codec expression for a map key or value of this primitive. */
        String codec() {
            switch (this) {
                case INT:
                    return "Codec.int32()";
                case LONG:
                    return "Codec.int64()";
                case DOUBLE:
                    return "Codec.float64()";
                case BOOLEAN:
                    return "Codec.of(1, (v, b) -> b.put((byte) (v ? 1 : 0)), b -> b.get() != 0)";
                default:
                    return "Codec.of(" + size + ", (v, b) -> b." + put + "(v), b -> b." + get + "())";
            }
        }
    }

    enum Kind {
        SCALAR, STRUCT, ARRAY_SCALAR, ARRAY_STRUCT, BYTES
    }

    /** What a field holds. */
    static final class Shape {
        final Kind kind;
        final Prim prim;
        /** The struct or union (STRUCT, ARRAY_STRUCT), resolved. */
        final BtfType composite;
        /** Elements of an array (all dimensions multiplied), 1 otherwise. */
        final long length;
        final long size;
        /** A {@code char[]}: also read and written as a string. */
        final boolean chars;
        final boolean signed;
        /** The enum a scalar is of, or null. */
        final BtfType enumType;

        Shape(Kind kind, Prim prim, BtfType composite, long length, long size, boolean chars, boolean signed,
                BtfType enumType) {
            this.kind = kind;
            this.prim = prim;
            this.composite = composite;
            this.length = length;
            this.size = size;
            this.chars = chars;
            this.signed = signed;
            this.enumType = enumType;
        }
    }

    /** A member or variable at a place in its holder. */
    static final class Field {
        final String cName;
        /** The C declaration, for javadoc: {@code __u32 flags:3}. */
        final String declaration;
        final long byteOffset;
        final long bitOffset;
        final int bitSize;
        final Shape shape;
        /** Java names: {@code Flags} (for getFlags/setFlags) and {@code FLAGS} (for constants). */
        String base;
        String constant;

        Field(String cName, String declaration, long bitOffset, int bitSize, Shape shape) {
            this.cName = cName;
            this.declaration = declaration;
            this.bitOffset = bitOffset;
            this.byteOffset = bitOffset / 8;
            this.bitSize = bitSize;
            this.shape = shape;
        }
    }

    /** Generated class names by BTF type id, in the order types were met (the output order). */
    final Map<Integer, String> classes = new LinkedHashMap<Integer, String>();
    private final JavaNames.Scope packageScope;

    Shapes(JavaNames.Scope packageScope) {
        this.packageScope = packageScope;
    }

    /** The shape of a value of {@code type}; null if it has none Java can hold (a function, void). */
    Shape shape(BtfType type, String context) {
        BtfType r = type.resolved();
        switch (r.kind()) {
            case INT:
            case ENUM:
            case ENUM64:
            case FLOAT:
            case PTR: {
                Prim p = prim(r);
                if (p == null) {
                    return bytes(r.size());
                }
                BtfType e = r.kind() == BtfKind.ENUM || r.kind() == BtfKind.ENUM64 ? r : null;
                if (e != null) {
                    classFor(e, context);
                }
                boolean signed = r.kind() == BtfKind.INT || e != null ? r.isSigned() : r.kind() != BtfKind.PTR;
                return new Shape(Kind.SCALAR, p, null, 1, p.size, false, signed, e);
            }
            case STRUCT:
            case UNION:
                classFor(r, context);
                return new Shape(Kind.STRUCT, null, r, 1, r.size(), false, false, null);
            case ARRAY: {
                long n = 1;
                BtfType e = r;
                while (e.kind() == BtfKind.ARRAY) {
                    n *= e.length();
                    e = e.elementType().resolved();
                }
                if (n == 0) {
                    return null; // a flexible array member: nothing at a fixed size to read
                }
                Shape elem = shape(e, context);
                if (elem == null || elem.kind == Kind.BYTES) {
                    return bytes(r.size());
                }
                if (elem.kind == Kind.STRUCT) {
                    return new Shape(Kind.ARRAY_STRUCT, null, elem.composite, n, r.size(), false, false, null);
                }
                boolean chars = e.kind() == BtfKind.INT && (e.isChar() || e.size() == 1 && e.name().endsWith("char"));
                return new Shape(Kind.ARRAY_SCALAR, elem.prim, null, n, r.size(), chars, elem.signed,
                        elem.enumType);
            }
            default:
                return null;
        }
    }

    private static Shape bytes(long size) {
        return new Shape(Kind.BYTES, null, null, size, size, false, false, null);
    }

    private static Prim prim(BtfType r) {
        long size = r.size();
        if (r.kind() == BtfKind.FLOAT) {
            return size == 4 ? Prim.FLOAT : size == 8 ? Prim.DOUBLE : null;
        }
        if (r.kind() == BtfKind.INT && r.isBool() && size == 1) {
            return Prim.BOOLEAN;
        }
        switch ((int) size) {
            case 1:
                return Prim.BYTE;
            case 2:
                return Prim.SHORT;
            case 4:
                return Prim.INT;
            case 8:
                return Prim.LONG;
            default:
                return null;
        }
    }

    /** Names (once) the class of a struct, union or enum; anonymous ones after where they were met. */
    String classFor(BtfType type, String context) {
        String name = classes.get(type.id());
        if (name == null) {
            String wanted = type.name().isEmpty() ? context : type.name();
            name = packageScope.claim(JavaNames.pascal(wanted));
            classes.put(type.id(), name);
            if (type.kind() == BtfKind.STRUCT || type.kind() == BtfKind.UNION) {
                fields(type, name); // names the members' types now, in member order
            }
        }
        return name;
    }

    /**
     * A struct's or union's fields, members of anonymous struct and union
     * members flattened into it as C does; fields Java cannot hold are left out.
     */
    List<Field> fields(BtfType composite, String className) {
        List<Field> out = new ArrayList<Field>();
        flatten(composite, 0, className, out);
        return out;
    }

    private void flatten(BtfType composite, long baseBits, String className, List<Field> out) {
        for (BtfType.Member m : composite.members()) {
            BtfType r = m.type().resolved();
            long bit = baseBits + m.bitOffset();
            if (m.name().isEmpty()) {
                if (r.kind() == BtfKind.STRUCT || r.kind() == BtfKind.UNION) {
                    flatten(r, bit, className, out);
                }
                continue; // an unnamed bitfield is padding
            }
            if (m.bitfieldSize() != 0) {
                Shape s = shape(m.type(), className + JavaNames.pascal(m.name()));
                if (s == null || s.kind != Kind.SCALAR || m.bitfieldSize() > 64) {
                    continue;
                }
                out.add(new Field(m.name(), declaration(m.type(), m.name()) + ":" + m.bitfieldSize(), bit,
                        m.bitfieldSize(), s));
                continue;
            }
            Shape s = shape(m.type(), className + JavaNames.pascal(m.name()));
            if (s != null && s.size > 0) {
                out.add(new Field(m.name(), declaration(m.type(), m.name()), bit, 0, s));
            }
        }
    }

    /** A C-like declaration for documentation: {@code struct rec items[4]}, {@code __u32 *p}. */
    static String declaration(BtfType type, String name) {
        StringBuilder suffix = new StringBuilder();
        BtfType t = type;
        String prefix = "";
        for (int depth = 0; depth < 16; depth++) {
            if (t.kind() == BtfKind.ARRAY) {
                suffix.append('[').append(t.length()).append(']');
                t = t.elementType();
            } else if (t.kind() == BtfKind.PTR) {
                prefix = "*" + prefix;
                t = t.type();
            } else if (t.kind() == BtfKind.CONST || t.kind() == BtfKind.VOLATILE || t.kind() == BtfKind.RESTRICT
                    || t.kind() == BtfKind.TYPE_TAG) {
                t = t.type();
            } else {
                break;
            }
        }
        String base;
        switch (t.kind()) {
            case STRUCT:
                base = "struct " + (t.name().isEmpty() ? "{...}" : t.name());
                break;
            case UNION:
                base = "union " + (t.name().isEmpty() ? "{...}" : t.name());
                break;
            case ENUM:
            case ENUM64:
                base = "enum " + (t.name().isEmpty() ? "{...}" : t.name());
                break;
            case VOID:
                base = "void";
                break;
            default:
                base = t.name().isEmpty() ? t.kind().name().toLowerCase(java.util.Locale.ROOT) : t.name();
        }
        return base + " " + prefix + name + suffix;
    }

    /** The boxed or array type a map key or value of this shape is in Java. */
    String javaType(Shape sh) {
        switch (sh.kind) {
            case SCALAR:
                return sh.prim.boxed;
            case STRUCT:
                return classes.get(sh.composite.id()) + ".Value";
            case ARRAY_SCALAR:
                return sh.chars ? "String" : "byte[]";
            default:
                return "byte[]";
        }
    }

    /** The Codec expression for a map key or value of this shape. */
    String codec(Shape sh) {
        switch (sh.kind) {
            case SCALAR:
                return sh.prim.codec();
            case STRUCT:
                return classes.get(sh.composite.id()) + ".CODEC";
            case ARRAY_SCALAR:
                return sh.chars ? "Codec.string(" + sh.size + ")" : "Codec.bytes(" + sh.size + ")";
            default:
                return "Codec.bytes(" + sh.size + ")";
        }
    }
}
