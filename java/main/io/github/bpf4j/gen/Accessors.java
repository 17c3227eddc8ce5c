/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import io.github.bpf4j.gen.Shapes.Field;
import io.github.bpf4j.gen.Shapes.Kind;
import io.github.bpf4j.gen.Shapes.Prim;
import io.github.bpf4j.gen.Shapes.Shape;
import java.util.List;

/**
 * The Java of one holder's fields: offset constants and typed get/set
 * methods, over the holder's {@code buffer} at {@code offset} plus the
 * field's offset (structs and unions), or at the field's offset alone (a
 * data section's map memory), or over one buffer per variable (arena
 * globals). Nothing allocates but the methods that return new objects
 * (strings, arrays of bytes, struct array elements).
 */
final class Accessors {
    enum Mode {
        /** A flyweight struct or union: {@code buffer} at {@code offset}. */
        FLYWEIGHT,
        /** A data section: {@code buffer} is the section, offsets absolute. */
        SECTION,
        /** Arena globals: each variable its own {@code <name>Buffer}. */
        PER_VARIABLE
    }

    /** The generated classes' own constants, which no field's may take. */
    static final String[] RESERVED_CONSTANTS = {"SIZE", "ALIGNMENT", "ORDER", "CODEC", "OBJECT_RESOURCE",
        "OBJECT_SHA256", "SECTION", "BTF_TYPE_ID", "OBJECT_NAME"};

    private final Source out;
    private final Shapes shapes;
    private final String holder;
    private final Mode mode;
    private final boolean setters;

    Accessors(Source out, Shapes shapes, String holder, Mode mode, boolean setters) {
        this.out = out;
        this.shapes = shapes;
        this.holder = holder;
        this.mode = mode;
        this.setters = setters;
    }

    /** Names the fields' Java members within one holder (getX/setX bases and CONSTANTS). */
    static void name(List<Field> fields) {
        JavaNames.Scope bases = new JavaNames.Scope("Class"); // getClass() is Object's
        JavaNames.Scope constants = new JavaNames.Scope(RESERVED_CONSTANTS);
        for (Field f : fields) {
            f.base = bases.claim(JavaNames.pascal(f.cName));
            f.constant = constants.claim(JavaNames.constant(f.cName));
        }
    }

    void constants(List<Field> fields) {
        for (Field f : fields) {
            out.line("/** Where {@code " + JavaNames.comment(f.declaration) + "} is. */");
            if (f.bitSize != 0) {
                out.line("public static final int " + f.constant + "_BIT_OFFSET = " + f.bitOffset + ";");
                out.line("/** The bitfield's width. */");
                out.line("public static final int " + f.constant + "_BITS = " + f.bitSize + ";");
            } else {
                out.line("public static final int " + f.constant + "_OFFSET = " + f.byteOffset + ";");
            }
            if (f.shape.kind == Kind.ARRAY_SCALAR || f.shape.kind == Kind.ARRAY_STRUCT) {
                out.line("/** Elements of {@code " + f.cName + "}" + (f.shape.length > 1 ? " (all dimensions)" : "")
                        + ". */");
                out.line("public static final int " + f.constant + "_LENGTH = " + f.shape.length + ";");
            }
            if (f.shape.kind == Kind.BYTES) {
                out.line("/** Bytes of {@code " + f.cName + "}. */");
                out.line("public static final int " + f.constant + "_SIZE = " + f.shape.size + ";");
            }
        }
    }

    private String buffer(Field f) {
        return mode == Mode.PER_VARIABLE ? "buffer" + f.base : "buffer";
    }

    /** The byte position expression of a non-bitfield field. */
    private String at(Field f) {
        switch (mode) {
            case FLYWEIGHT:
                return "offset + " + f.constant + "_OFFSET";
            case SECTION:
                return f.constant + "_OFFSET";
            default:
                return "0";
        }
    }

    void methods(List<Field> fields) {
        for (Field f : fields) {
            out.blank();
            Shape s = f.shape;
            String doc = "{@code " + JavaNames.comment(f.declaration) + "}";
            String enumNote = s.enumType != null ? " (values in {@link " + shapes.classes.get(s.enumType.id()) + "})"
                    : "";
            String buf = buffer(f);
            if (f.bitSize != 0) {
                String base = mode == Mode.FLYWEIGHT ? "offset" : "0";
                String read = "bits(" + buf + ", " + base + ", " + f.constant + "_BIT_OFFSET, " + f.constant + "_BITS, "
                        + s.signed + ")";
                out.line("/** " + doc + enumNote + ". */");
                out.open("public " + s.prim.java + " get" + f.base + "()");
                out.line("return " + (s.prim == Prim.BOOLEAN ? read + " != 0" : s.prim == Prim.LONG ? read
                        : "(" + s.prim.java + ") " + read) + ";");
                out.close();
                if (setters) {
                    out.line("/** Sets " + doc + " to the value's low " + f.bitSize + " bits. */");
                    out.open("public " + holder + " set" + f.base + "(" + s.prim.java + " value)");
                    out.line("putBits(" + buf + ", " + base + ", " + f.constant + "_BIT_OFFSET, " + f.constant
                            + "_BITS, " + (s.prim == Prim.BOOLEAN ? "value ? 1 : 0" : "value") + ");");
                    out.line("return this;");
                    out.close();
                }
                continue;
            }
            switch (s.kind) {
                case SCALAR:
                    out.line("/** " + doc + enumNote + (s.signed || s.prim == Prim.BOOLEAN ? "" : ", unsigned in C")
                            + ". */");
                    out.open("public " + s.prim.java + " get" + f.base + "()");
                    out.line("return " + read(s.prim, buf, at(f)) + ";");
                    out.close();
                    if (setters) {
                        out.line("/** Sets " + doc + ". */");
                        out.open("public " + holder + " set" + f.base + "(" + s.prim.java + " value)");
                        out.line(write(s.prim, buf, at(f), "value") + ";");
                        out.line("return this;");
                        out.close();
                    }
                    break;
                case STRUCT: {
                    String type = shapes.classes.get(s.composite.id());
                    String view = "view" + f.base;
                    out.line("private " + type + " " + view + ";");
                    out.line("/** " + doc + ": a view over the same bytes (the same object on every call). */");
                    out.open("public " + type + " get" + f.base + "()");
                    out.line(type + " v = " + view + ";");
                    out.open("if (v == null)");
                    out.line("v = new " + type + "();");
                    out.line(view + " = v;");
                    out.close();
                    out.line("return v.wrap(" + buf + ", " + at(f) + ");");
                    out.close();
                    break;
                }
                case ARRAY_SCALAR: {
                    String element = at(f) + " + index(index, " + f.constant + "_LENGTH) * " + s.prim.size;
                    out.line("/** Element {@code index} of " + doc + enumNote + ". */");
                    out.open("public " + s.prim.java + " get" + f.base + "(int index)");
                    out.line("return " + read(s.prim, buf, element) + ";");
                    out.close();
                    if (setters) {
                        out.line("/** Sets element {@code index} of " + doc + ". */");
                        out.open("public " + holder + " set" + f.base + "(int index, " + s.prim.java + " value)");
                        out.line(write(s.prim, buf, element, "value") + ";");
                        out.line("return this;");
                        out.close();
                    }
                    if (s.chars) {
                        out.line("/** " + doc + " as a string: UTF-8 up to the first NUL (or all of it). */");
                        out.open("public String get" + f.base + "String()");
                        out.line("byte[] text = new byte[" + f.constant + "_LENGTH];");
                        out.line("int n = 0;");
                        out.line("for (; n < text.length && (text[n] = " + buf + ".get(" + at(f)
                                + " + n)) != 0; n++) { }");
                        out.line("return new String(text, 0, n, StandardCharsets.UTF_8);");
                        out.close();
                        if (setters) {
                            out.line("/** Sets " + doc + " to {@code text} in UTF-8, NUL-padded; it must leave room"
                                    + " for the NUL. */");
                            out.open("public " + holder + " set" + f.base + "String(String text)");
                            out.line("byte[] bytes = text.getBytes(StandardCharsets.UTF_8);");
                            out.open("if (bytes.length >= " + f.constant + "_LENGTH)");
                            out.line("throw new IllegalArgumentException(\"" + holder + ".set" + f.base
                                    + "String: \\\"\" + text + \"\\\" takes \" + bytes.length + \" bytes in UTF-8; "
                                    + f.cName + " holds \" + (" + f.constant + "_LENGTH - 1) + \" and a NUL\");");
                            out.close();
                            out.open("for (int i = 0; i < " + f.constant + "_LENGTH; i++)");
                            out.line(buf + ".put(" + at(f) + " + i, i < bytes.length ? bytes[i] : 0);");
                            out.close();
                            out.line("return this;");
                            out.close();
                        }
                    }
                    break;
                }
                case ARRAY_STRUCT: {
                    String type = shapes.classes.get(s.composite.id());
                    out.line("/** Element {@code index} of " + doc + ": a new view over its bytes. */");
                    out.open("public " + type + " get" + f.base + "(int index)");
                    out.line("return new " + type + "().wrap(" + buf + ", " + at(f) + " + index(index, " + f.constant
                            + "_LENGTH) * " + type + ".SIZE);");
                    out.close();
                    break;
                }
                default: {
                    out.line("/** " + doc + " as bytes (a copy). */");
                    out.open("public byte[] get" + f.base + "()");
                    out.line("byte[] bytes = new byte[" + f.constant + "_SIZE];");
                    out.open("for (int i = 0; i < bytes.length; i++)");
                    out.line("bytes[i] = " + buf + ".get(" + at(f) + " + i);");
                    out.close();
                    out.line("return bytes;");
                    out.close();
                    if (setters) {
                        out.line("/** Sets " + doc + " from exactly {@code " + f.constant + "_SIZE} bytes. */");
                        out.open("public " + holder + " set" + f.base + "(byte[] bytes)");
                        out.open("if (bytes.length != " + f.constant + "_SIZE)");
                        out.line("throw new IllegalArgumentException(\"" + holder + ".set" + f.base + ": " + f.cName
                                + " has \" + " + f.constant + "_SIZE + \" bytes, the array \" + bytes.length);");
                        out.close();
                        out.open("for (int i = 0; i < bytes.length; i++)");
                        out.line(buf + ".put(" + at(f) + " + i, bytes[i]);");
                        out.close();
                        out.line("return this;");
                        out.close();
                    }
                }
            }
        }
    }

    static String read(Prim p, String buf, String at) {
        return p == Prim.BOOLEAN ? buf + ".get(" + at + ") != 0" : buf + "." + p.get + "(" + at + ")";
    }

    static String write(Prim p, String buf, String at, String value) {
        return p == Prim.BOOLEAN ? buf + ".put(" + at + ", (byte) (" + value + " ? 1 : 0))"
                : buf + "." + p.put + "(" + at + ", " + value + ")";
    }

    static boolean hasArrays(List<Field> fields) {
        for (Field f : fields) {
            if (f.shape.kind == Kind.ARRAY_SCALAR || f.shape.kind == Kind.ARRAY_STRUCT) {
                return true;
            }
        }
        return false;
    }

    static boolean hasBitfields(List<Field> fields) {
        for (Field f : fields) {
            if (f.bitSize != 0) {
                return true;
            }
        }
        return false;
    }

    static boolean hasStrings(List<Field> fields) {
        for (Field f : fields) {
            if (f.shape.chars) {
                return true;
            }
        }
        return false;
    }

    /** The helpers the methods call: index checks and bitfield access in the object's bit order. */
    void helpers(List<Field> fields, boolean bigEndian) {
        if (hasArrays(fields)) {
            out.open("private static int index(int index, int length)");
            out.open("if (index < 0 || index >= length)");
            out.line("throw new IndexOutOfBoundsException(\"" + holder
                    + ": index \" + index + \" outside the array's \" + length + \" elements\");");
            out.close();
            out.line("return index;");
            out.close();
        }
        if (hasBitfields(fields)) {
            // BTF numbers a little-endian object's bits from each byte's lowest, a big-endian one's from its
            // highest. Each covering byte moves at once (at most 9 for a 64-bit field off a byte boundary):
            // byte j's bit 0 is the value's bit s, below.
            String s = bigEndian ? "shift + width - 8 * j - 8" : "8 * j - shift";
            out.line("/** Bits [bitOffset, bitOffset + width) from byte {@code base}, in the object's bit order. */");
            out.open("private static long bits(ByteBuffer b, int base, int bitOffset, int width, boolean signed)");
            out.line("int at = base + (bitOffset >>> 3);");
            out.line("int shift = bitOffset & 7;");
            out.line("int bytes = (shift + width + 7) >>> 3;");
            out.line("long v = 0;");
            out.open("for (int j = 0; j < bytes; j++)");
            out.line("int s = " + s + ";");
            out.line("long octet = b.get(at + j) & 0xFFL;");
            out.line("v |= s >= 0 ? octet << s : octet >>> -s;");
            out.close();
            out.open("if (width < 64)");
            out.line("v &= (1L << width) - 1;");
            out.line("return signed ? v << (64 - width) >> (64 - width) : v;");
            out.close();
            out.line("return v;");
            out.close();
            out.open("private static void putBits(ByteBuffer b, int base, int bitOffset, int width, long value)");
            out.line("int at = base + (bitOffset >>> 3);");
            out.line("int shift = bitOffset & 7;");
            out.line("int bytes = (shift + width + 7) >>> 3;");
            out.line("long mask = width < 64 ? (1L << width) - 1 : -1L;");
            out.open("for (int j = 0; j < bytes; j++)");
            out.line("int s = " + s + ";");
            out.line("int m = (int) ((s >= 0 ? mask >>> s : mask << -s) & 0xFF);");
            out.line("int bits = (int) (s >= 0 ? value >>> s : value << -s);");
            out.line("b.put(at + j, (byte) ((b.get(at + j) & ~m) | (bits & m)));");
            out.close();
            out.close();
        }
    }
}
