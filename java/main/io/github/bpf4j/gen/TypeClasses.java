/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import io.github.bpf4j.btf.BtfKind;
import io.github.bpf4j.btf.BtfType;
import io.github.bpf4j.gen.Shapes.Field;
import io.github.bpf4j.gen.Shapes.Kind;
import io.github.bpf4j.gen.Shapes.Prim;
import java.nio.ByteOrder;
import java.util.List;

/**
 * One Java class per C struct, union or enum: a struct or union becomes a
 * flyweight over a {@code ByteBuffer} (bind it with {@code wrap}, then read
 * and write fields in place without allocating), with a {@code Value} class
 * for copies and a {@code CODEC} for {@code TypedMap}; an enum becomes int
 * (or long) constants, so values the C code adds later still read.
 */
final class TypeClasses {
    private final Shapes shapes;
    private final String header;
    private final String javaPackage;
    private final String origin;
    private final ByteOrder order;

    TypeClasses(Shapes shapes, String header, String javaPackage, String origin, ByteOrder order) {
        this.shapes = shapes;
        this.header = header;
        this.javaPackage = javaPackage;
        this.origin = origin;
        this.order = order;
    }

    String generate(BtfType type, String name) {
        return type.kind() == BtfKind.ENUM || type.kind() == BtfKind.ENUM64 ? enumClass(type, name)
                : composite(type, name);
    }

    private Source start(List<String> imports) {
        Source s = new Source();
        for (String line : header.split("\n")) {
            s.line(line);
        }
        s.line("package " + javaPackage + ";").blank();
        for (String i : imports) {
            s.line("import " + i + ";");
        }
        if (!imports.isEmpty()) {
            s.blank();
        }
        return s;
    }

    private String enumClass(BtfType type, String name) {
        Source s = start(java.util.Collections.<String>emptyList());
        boolean wide = type.size() > 4;
        String java = wide ? "long" : "int";
        s.line("/**");
        s.line(" * The values of {@code enum " + JavaNames.comment(type.name().isEmpty() ? "{...}" : type.name())
                + "} of " + JavaNames.comment(origin) + " (BTF id " + type.id() + ", " + type.size() + " bytes),");
        s.line(" * as constants: fields of this enum are read and written as {@code " + java + "}.");
        s.line(" */");
        s.open("public final class " + name);
        s.line("/** The type's id in the object's BTF. */");
        s.line("public static final int BTF_TYPE_ID = " + type.id() + ";");
        JavaNames.Scope scope = new JavaNames.Scope("nameOf", "BTF_TYPE_ID");
        String[] names = new String[type.enumerators().size()];
        int i = 0;
        for (BtfType.Enumerator e : type.enumerators()) {
            String constant = scope.claim(JavaNames.camel(e.name()).endsWith("_") ? e.name() + "_" : javaSafe(e.name()));
            names[i++] = constant;
            s.line("public static final " + java + " " + constant + " = " + literal(e.value(), wide) + ";");
        }
        s.blank();
        s.open("private " + name + "()");
        s.close();
        s.blank();
        s.line("/** The C name of {@code value}, or null if the enum has none for it. */");
        s.open("public static String nameOf(" + java + " value)");
        i = 0;
        for (BtfType.Enumerator e : type.enumerators()) {
            s.open("if (value == " + names[i++] + ")");
            s.line("return " + JavaNames.literal(e.name()) + ";");
            s.close();
        }
        s.line("return null;");
        s.close();
        s.close();
        return s.toString();
    }

    private static String javaSafe(String cName) {
        return cName;
    }

    private static String literal(long value, boolean wide) {
        return wide ? value + "L" : String.valueOf((int) value);
    }

    private String composite(BtfType type, String name) {
        boolean union = type.kind() == BtfKind.UNION;
        List<Field> fields = shapes.fields(type, name);
        Accessors.name(fields);
        List<String> imports = new java.util.ArrayList<String>();
        imports.add("io.github.bpf4j.Codec");
        imports.add("java.nio.ByteBuffer");
        imports.add("java.nio.ByteOrder");
        if (Accessors.hasStrings(fields)) {
            imports.add("java.nio.charset.StandardCharsets");
        }
        imports.add("java.util.Arrays");
        Source s = start(imports);
        String cType = (union ? "union " : "struct ") + (type.name().isEmpty() ? "{...}" : type.name());
        s.line("/**");
        s.line(" * {@code " + JavaNames.comment(cType) + "} of " + JavaNames.comment(origin) + " (BTF id " + type.id()
                + "): " + type.size() + " bytes, aligned to " + type.alignment() + ".");
        s.line(" * A flyweight: {@link #wrap} binds it to bytes in a buffer (map memory, a ring buffer record, a copy),");
        s.line(" * and its getters and setters read and write those bytes in place, allocating nothing.");
        if (union) {
            s.line(" * Every member starts at byte 0: the views overlap, as in C.");
        }
        s.line(" * {@link Value} is a plain copy; {@link #CODEC} makes {@code TypedMap}s of it.");
        s.line(" */");
        s.open("public final class " + name);
        s.line("/** {@code sizeof}, padding included. */");
        s.line("public static final int SIZE = " + type.size() + ";");
        s.line("/** {@code _Alignof}. */");
        s.line("public static final int ALIGNMENT = " + type.alignment() + ";");
        s.line("/** The type's id in the object's BTF. */");
        s.line("public static final int BTF_TYPE_ID = " + type.id() + ";");
        s.line("/** The byte order of the object's data. */");
        s.line("public static final ByteOrder ORDER = ByteOrder."
                + (order == ByteOrder.BIG_ENDIAN ? "BIG_ENDIAN" : "LITTLE_ENDIAN") + ";");
        s.line("/** Map keys and values of this type, as {@link Value} copies (padding encoded as zeros). */");
        s.line("public static final Codec<Value> CODEC = Codec.of(SIZE, (v, b) -> new " + name
                + "().wrap(b, b.position()).set(v),");
        s.line("        b -> new " + name + "().wrap(b, b.position()).get());");
        new Accessors(s, shapes, name, Accessors.Mode.FLYWEIGHT, true).constants(fields);
        s.blank();
        s.line("private ByteBuffer buffer;");
        s.line("private int offset;");
        s.blank();
        s.line("/** An unbound view: {@link #wrap} it before use. */");
        s.open("public " + name + "()");
        s.close();
        s.blank();
        s.line("/** A new view of the {@code SIZE} bytes at {@code offset} of {@code buffer}. */");
        s.open("public static " + name + " over(ByteBuffer buffer, int offset)");
        s.line("return new " + name + "().wrap(buffer, offset);");
        s.close();
        s.blank();
        s.line("/**");
        s.line(" * Binds this view to the {@code SIZE} bytes at {@code offset} of {@code buffer} (absolute; the buffer's");
        s.line(" * position is never used or moved) and returns it. Allocates nothing when the buffer is in {@link #ORDER}.");
        s.line(" */");
        s.open("public " + name + " wrap(ByteBuffer buffer, int offset)");
        s.open("if (offset < 0 || offset > buffer.limit() - SIZE)");
        s.line("throw new IndexOutOfBoundsException(\"" + name + ".wrap: \" + SIZE + \" bytes at offset \" + offset"
                + " + \" do not fit the buffer's limit \" + buffer.limit());");
        s.close();
        s.line("this.buffer = buffer.order() == ORDER ? buffer : buffer.duplicate().order(ORDER);");
        s.line("this.offset = offset;");
        s.line("return this;");
        s.close();
        s.blank();
        s.line("/** The buffer this view reads (null until wrapped). */");
        s.open("public ByteBuffer buffer()");
        s.line("return buffer;");
        s.close();
        s.blank();
        s.line("/** Where in {@link #buffer()} the struct starts. */");
        s.open("public int offset()");
        s.line("return offset;");
        s.close();
        s.blank();
        new Accessors(s, shapes, name, Accessors.Mode.FLYWEIGHT, true).methods(fields);
        s.blank();
        valueCopies(s, name, union, fields);
        new Accessors(s, shapes, name, Accessors.Mode.FLYWEIGHT, true).helpers(fields,
                order == ByteOrder.BIG_ENDIAN);
        s.blank();
        valueClass(s, name, union, fields);
        s.close();
        return s.toString();
    }

    private void valueCopies(Source s, String name, boolean union, List<Field> fields) {
        s.line("/** A copy of the bytes' fields. */");
        s.open("public Value get()");
        s.line("return get(new Value());");
        s.close();
        s.blank();
        s.line("/** Copies the fields into {@code into} and returns it. */");
        s.open("public Value get(Value into)");
        if (union) {
            s.open("for (int i = 0; i < SIZE; i++)");
            s.line("into.bytes[i] = buffer.get(offset + i);");
            s.close();
        } else {
            for (Field f : fields) {
                String v = "into." + valueName(f);
                switch (f.shape.kind) {
                    case SCALAR:
                        s.line(v + " = get" + f.base + "();");
                        break;
                    case STRUCT:
                        s.line("get" + f.base + "().get(" + v + ");");
                        break;
                    case ARRAY_SCALAR:
                        s.open("for (int i = 0; i < " + f.constant + "_LENGTH; i++)");
                        s.line(v + "[i] = get" + f.base + "(i);");
                        s.close();
                        break;
                    case ARRAY_STRUCT:
                        s.open("for (int i = 0; i < " + f.constant + "_LENGTH; i++)");
                        s.line("get" + f.base + "(i).get(" + v + "[i]);");
                        s.close();
                        break;
                    default:
                        s.open("for (int i = 0; i < " + f.constant + "_SIZE; i++)");
                        s.line(v + "[i] = buffer.get(offset + " + f.constant + "_OFFSET + i);");
                        s.close();
                }
            }
        }
        s.line("return into;");
        s.close();
        s.blank();
        s.line("/** Writes {@code value}'s fields into the bytes (padding is left as it is) and returns this view. */");
        s.open("public " + name + " set(Value value)");
        if (union) {
            s.open("for (int i = 0; i < SIZE; i++)");
            s.line("buffer.put(offset + i, value.bytes[i]);");
            s.close();
        } else {
            for (Field f : fields) {
                String v = "value." + valueName(f);
                switch (f.shape.kind) {
                    case SCALAR:
                        s.line("set" + f.base + "(" + v + ");");
                        break;
                    case STRUCT:
                        s.line("get" + f.base + "().set(" + v + ");");
                        break;
                    case ARRAY_SCALAR:
                    case ARRAY_STRUCT:
                    case BYTES: {
                        String n = f.constant + (f.shape.kind == Kind.BYTES ? "_SIZE" : "_LENGTH");
                        s.open("if (" + v + ".length != " + n + ")");
                        s.line("throw new IllegalArgumentException(\"" + name + ".set: " + f.cName + " has \" + " + n
                                + " + \" elements, the value's array \" + " + v + ".length);");
                        s.close();
                        s.open("for (int i = 0; i < " + n + "; i++)");
                        if (f.shape.kind == Kind.ARRAY_SCALAR) {
                            s.line("set" + f.base + "(i, " + v + "[i]);");
                        } else if (f.shape.kind == Kind.ARRAY_STRUCT) {
                            s.line("get" + f.base + "(i).set(" + v + "[i]);");
                        } else {
                            s.line("buffer.put(offset + " + f.constant + "_OFFSET + i, " + v + "[i]);");
                        }
                        s.close();
                        break;
                    }
                    default:
                        break;
                }
            }
        }
        s.line("return this;");
        s.close();
        s.blank();
    }

    /** The Value field of a struct field: its C name in camel case, unique within the struct. */
    private static String valueName(Field f) {
        String base = f.base;
        String camel = Character.toLowerCase(base.charAt(0)) + base.substring(1);
        return JavaNames.camel(camel).equals(camel) ? camel : camel + "_";
    }

    private void valueClass(Source s, String name, boolean union, List<Field> fields) {
        s.line("/** A plain copy of a {@code " + name + "}: fields as Java values, to keep, compare and hash. */");
        s.open("public static final class Value");
        if (union) {
            s.line("/** The union's bytes: read them through {@link #view()}. */");
            s.line("public final byte[] bytes = new byte[SIZE];");
            s.blank();
            s.line("/** A view over {@link #bytes}, to read or write any member. */");
            s.open("public " + name + " view()");
            s.line("return new " + name + "().wrap(ByteBuffer.wrap(bytes), 0);");
            s.close();
        } else {
            for (Field f : fields) {
                String v = valueName(f);
                switch (f.shape.kind) {
                    case SCALAR:
                        s.line("public " + f.shape.prim.java + " " + v + ";");
                        break;
                    case STRUCT:
                        s.line("public final " + shapes.classes.get(f.shape.composite.id()) + ".Value " + v + " = new "
                                + shapes.classes.get(f.shape.composite.id()) + ".Value();");
                        break;
                    case ARRAY_SCALAR:
                        s.line("public final " + f.shape.prim.java + "[] " + v + " = new " + f.shape.prim.java + "["
                                + f.constant + "_LENGTH];");
                        break;
                    case ARRAY_STRUCT: {
                        String type = shapes.classes.get(f.shape.composite.id());
                        s.line("public final " + type + ".Value[] " + v + " = new " + type + ".Value[" + f.constant
                                + "_LENGTH];");
                        break;
                    }
                    default:
                        s.line("public final byte[] " + v + " = new byte[" + f.constant + "_SIZE];");
                }
            }
            boolean structArrays = false;
            for (Field f : fields) {
                structArrays |= f.shape.kind == Kind.ARRAY_STRUCT;
            }
            if (structArrays) {
                s.blank();
                s.open("public Value()");
                for (Field f : fields) {
                    if (f.shape.kind == Kind.ARRAY_STRUCT) {
                        s.open("for (int i = 0; i < " + valueName(f) + ".length; i++)");
                        s.line(valueName(f) + "[i] = new " + shapes.classes.get(f.shape.composite.id()) + ".Value();");
                        s.close();
                    }
                }
                s.close();
            }
        }
        s.blank();
        s.line("@Override");
        s.open("public boolean equals(Object object_)");
        s.open("if (!(object_ instanceof Value))");
        s.line("return false;");
        s.close();
        StringBuilder eq = new StringBuilder();
        StringBuilder hash = new StringBuilder();
        StringBuilder text = new StringBuilder();
        if (union) {
            eq.append("Arrays.equals(bytes, that_.bytes)");
            hash.append("bytes");
            text.append("\"").append(name).append(".Value\" + Arrays.toString(bytes)");
        } else {
            text.append("\"").append(name).append(".Value{\"");
            String sep = "";
            for (Field f : fields) {
                String v = valueName(f);
                eq.append(eq.length() == 0 ? "" : "\n                && ");
                hash.append(hash.length() == 0 ? "" : ", ");
                hash.append(v);
                text.append(" + \"").append(sep).append(v).append("=\" + ");
                sep = ", ";
                switch (f.shape.kind) {
                    case SCALAR:
                        eq.append(f.shape.prim == Prim.FLOAT ? "Float.compare(" + v + ", that_." + v + ") == 0"
                                : f.shape.prim == Prim.DOUBLE ? "Double.compare(" + v + ", that_." + v + ") == 0"
                                : v + " == that_." + v);
                        text.append(v);
                        break;
                    case STRUCT:
                        eq.append(v).append(".equals(that_.").append(v).append(")");
                        text.append(v);
                        break;
                    default:
                        eq.append("Arrays.equals(").append(v).append(", that_.").append(v).append(")");
                        text.append("Arrays.toString(").append(v).append(")");
                }
            }
            text.append(" + \"}\"");
            if (eq.length() == 0) {
                eq.append("true");
            }
        }
        s.line("Value that_ = (Value) object_;");
        s.line("return " + eq + ";");
        s.close();
        s.blank();
        s.line("@Override");
        s.open("public int hashCode()");
        s.line("return Arrays.deepHashCode(new Object[] {" + hash + "});");
        s.close();
        s.blank();
        s.line("@Override");
        s.open("public String toString()");
        s.line("return " + text + ";");
        s.close();
        s.close();
    }
}
