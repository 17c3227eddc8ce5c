/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.Bpf4j;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.ProgramType;
import io.github.bpf4j.btf.BtfDump;
import io.github.bpf4j.btf.BtfKind;
import io.github.bpf4j.btf.BtfType;
import io.github.bpf4j.gen.Shapes.Prim;
import io.github.bpf4j.gen.ViewProgram.Leaf;
import io.github.bpf4j.gen.ViewProgram.Step;
import io.github.bpf4j.gen.ViewProgram.View;
import java.io.Writer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The programs' view of every generated struct, union and enum class of every object in bpf/ and test-bpf/
 * (Issue 12): for each object, {@link ViewProgram} writes a BPF program over the object's own types (its BTF
 * dumped as C by {@link BtfDump}) with one .bss global per type; the program stores a pattern into every
 * field, Java reads them through the original object's generated flyweights (SkeletonGeneratorTest's
 * classes) over the new object's .bss, then writes a second pattern through the setters, and the program
 * checks it. A wrong offset, bit offset, width, signedness or enumerator value in a generated class is a
 * mismatch naming the field. Fields C cannot express are counted and named, never passed silently.
 */
class ProgramViewTest {
    private static final int MISMATCHES_SHOWN = 20;
    private static final Map<Prim, Class<?>> JAVA_TYPES = new HashMap<Prim, Class<?>>();

    static {
        JAVA_TYPES.put(Prim.BOOLEAN, boolean.class);
        JAVA_TYPES.put(Prim.BYTE, byte.class);
        JAVA_TYPES.put(Prim.SHORT, short.class);
        JAVA_TYPES.put(Prim.INT, int.class);
        JAVA_TYPES.put(Prim.LONG, long.class);
        JAVA_TYPES.put(Prim.FLOAT, float.class);
        JAVA_TYPES.put(Prim.DOUBLE, double.class);
    }

    @Test
    void everyGeneratedTypeRoundTripsThroughAProgram(@TempDir Path dir) throws Exception {
        long start = System.nanoTime();
        Skeletons.Compiled compiled = Skeletons.compiled();
        long generated = System.nanoTime();
        Clang.require();
        assumeTrue(Bpf4j.probe(ProgramType.SYSCALL), "this kernel has no BPF_PROG_TYPE_SYSCALL (Linux 5.14+)");
        List<String> problems = new ArrayList<String>();
        List<String> skipped = new ArrayList<String>();
        int objects = 0;
        int types = 0;
        int leaves = 0;
        Set<String> fields = new HashSet<String>(); // C members, an array's elements and a union's rounds once
        for (Path object : compiled.generated.keySet()) {
            Map<Integer, Class<?>> classes = compiled.typeClasses(object);
            if (classes.isEmpty()) {
                continue;
            }
            String file = object.getFileName().toString();
            ViewProgram program = new ViewProgram(io.github.bpf4j.btf.Btf.read(object), classes);
            for (String s : program.skippedTypes) {
                skipped.add(file + ": type " + s);
            }
            for (String s : program.skipped) {
                skipped.add(file + ": " + s);
            }
            if (program.views.isEmpty()) {
                continue;
            }
            Path work = Files.createDirectories(dir.resolve(file));
            try (Writer w = Files.newBufferedWriter(work.resolve("types.h"), StandardCharsets.UTF_8)) {
                BtfDump.writeC(object, w);
            }
            Path src = work.resolve("views.bpf.c");
            Files.write(src, program.source(file).getBytes(StandardCharsets.UTF_8));
            Path out = work.resolve("views.bpf.o");
            Clang.Result r = Clang.compile(src, out);
            assertEquals(0, r.status, file + ": the views of its types do not compile (" + src + "):\n" + r.output);
            List<String> wrong = exchange(file, out, program);
            // a wrong array offset is thousands of elements: the first few say which
            problems.addAll(wrong.subList(0, Math.min(wrong.size(), MISMATCHES_SHOWN)));
            if (wrong.size() > MISMATCHES_SHOWN) {
                problems.add(file + ": and " + (wrong.size() - MISMATCHES_SHOWN) + " more mismatches");
            }
            objects++;
            types += program.views.size();
            leaves += program.leaves.size();
            for (Leaf l : program.leaves) {
                fields.add(file + " " + l.c.replaceAll("\\[\\d+\\]", "[]"));
            }
        }
        System.out.println("ProgramViewTest: " + objects + " objects, " + types + " types, " + fields.size()
                + " fields (" + leaves + " values: array elements, union members) exchanged both ways in "
                + (System.nanoTime() - generated) / 1000000 + " ms (skeletons: " + (generated - start) / 1000000
                + " ms); " + skipped.size() + " skipped"
                + (skipped.isEmpty() ? "" : ":\n  " + String.join("\n  ", skipped)));
        assertEquals("", String.join("\n", problems));
        assertTrue(objects >= 8 && types >= 15, objects + " objects, " + types + " types: fewer than were generated");
        for (String s : skipped) {
            // what may go unexchanged: only what C cannot store to
            assertTrue(s.contains("flexible array member") || s.contains("zero-sized"), "skipped: " + s);
        }
    }

    /** Runs every round of one object's views; returns what differed. */
    private static List<String> exchange(String file, Path compiled, ViewProgram program) throws Exception {
        List<String> problems = new ArrayList<String>();
        try (BpfObject object = BpfObject.open(compiled).load()) {
            ByteBuffer bss = object.dataMap(".bss").mmap();
            BtfType section = object.btf().findType(".bss", BtfKind.DATASEC);
            Map<View, Object> roots = new HashMap<View, Object>();
            Map<View, Integer> offsets = new HashMap<View, Integer>();
            for (View v : program.views) {
                int offset = (int) section.variable(v.name()).offset();
                offsets.put(v, offset);
                if (v.type.kind() == BtfKind.STRUCT || v.type.kind() == BtfKind.UNION) {
                    roots.put(v, v.javaClass.getMethod("over", ByteBuffer.class, int.class).invoke(null, bss, offset));
                }
            }
            for (int round = 0; round < program.rounds; round++) {
                int rc = object.program("write_" + round).testRun().retval();
                assertEquals(0, rc, file + ": write_" + round);
                List<Leaf> leaves = new ArrayList<Leaf>();
                for (Leaf l : program.leaves) {
                    if (l.round == round) {
                        leaves.add(l);
                    }
                }
                for (Leaf l : leaves) {
                    Object read;
                    try {
                        read = l.path == null ? read(bss, offsets.get(l.view), l.prim)
                                : call(holder(l, roots.get(l.view)), "get" + l.base, l.index);
                    } catch (InvocationTargetException e) {
                        problems.add(file + ": " + l.c + " (" + l.view.cType + "): " + accessors(l) + " threw "
                                + e.getCause()); // an offset past the view's bytes
                        continue;
                    }
                    if (!same(read, l.a)) {
                        problems.add(file + ": " + l.c + " (" + l.view.cType + "): Java read " + show(read)
                                + " through " + accessors(l) + ", the program wrote " + show(l.a));
                    } else if (l.enumName != null) {
                        Method nameOf = l.view.javaClass.getMethod("nameOf", JAVA_TYPES.get(l.prim));
                        Object name = nameOf.invoke(null, read);
                        if (!l.enumName.equals(name)) {
                            problems.add(file + ": " + l.view.javaClass.getSimpleName() + ".nameOf(" + read + ") is "
                                    + name + ", the program wrote " + l.enumName);
                        }
                    }
                }
                for (Leaf l : leaves) {
                    if (l.path == null) {
                        write(bss, offsets.get(l.view), l.prim, l.b);
                    } else {
                        try {
                            set(holder(l, roots.get(l.view)), "set" + l.base, l.index, l.b);
                        } catch (InvocationTargetException e) {
                            problems.add(file + ": " + l.c + " (" + l.view.cType + "): " + accessors(l) + " threw "
                                    + e.getCause());
                        }
                    }
                }
                rc = object.program("check_" + round).testRun().retval();
                if (rc != 0) {
                    Leaf l = program.leaves.get(rc - 1);
                    problems.add(file + ": " + l.c + " (" + l.view.cType + ") set through " + accessors(l)
                            + " to " + show(l.b) + " is not what check_" + round + " read there");
                }
            }
        }
        return problems;
    }

    private static Object holder(Leaf l, Object root) throws Exception {
        Object h = root;
        for (Step s : l.path) {
            h = call(h, "get" + s.base, s.index);
        }
        return h;
    }

    private static Object call(Object target, String name, int index) throws Exception {
        return index < 0 ? method(target, name, 0).invoke(target) : method(target, name, 1).invoke(target, index);
    }

    private static void set(Object target, String name, int index, Object value) throws Exception {
        if (index < 0) {
            method(target, name, 1).invoke(target, value);
        } else {
            method(target, name, 2).invoke(target, index, value);
        }
    }

    private static Method method(Object target, String name, int parameters) {
        for (Method m : target.getClass().getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == parameters) {
                return m;
            }
        }
        throw new AssertionError(target.getClass().getName() + " has no " + name + " of " + parameters
                + " parameters: the generator named the field otherwise");
    }

    /** What an enum view holds, read as its generated constants' type. */
    private static Object read(ByteBuffer bss, int offset, Prim p) {
        ByteBuffer b = bss.duplicate().order(ByteOrder.nativeOrder());
        switch (p) {
            case BYTE:
                return b.get(offset);
            case SHORT:
                return b.getShort(offset);
            case INT:
                return b.getInt(offset);
            default:
                return b.getLong(offset);
        }
    }

    private static void write(ByteBuffer bss, int offset, Prim p, Object value) {
        ByteBuffer b = bss.duplicate().order(ByteOrder.nativeOrder());
        long v = ((Number) value).longValue();
        switch (p) {
            case BYTE:
                b.put(offset, (byte) v);
                break;
            case SHORT:
                b.putShort(offset, (short) v);
                break;
            case INT:
                b.putInt(offset, (int) v);
                break;
            default:
                b.putLong(offset, v);
        }
    }

    private static boolean same(Object read, Object expected) {
        return expected instanceof byte[] ? read instanceof byte[] && Arrays.equals((byte[]) read, (byte[]) expected)
                : expected.equals(read);
    }

    private static String show(Object v) {
        if (v instanceof byte[]) {
            return Arrays.toString((byte[]) v);
        }
        return v instanceof Number && !(v instanceof Float || v instanceof Double)
                ? v + " (0x" + Long.toHexString(((Number) v).longValue()) + ")" : String.valueOf(v);
    }

    private static String accessors(Leaf l) {
        if (l.path == null) {
            return "the " + l.view.javaClass.getSimpleName() + " constants";
        }
        StringBuilder s = new StringBuilder(l.view.javaClass.getSimpleName());
        for (Step step : l.path) {
            s.append(".get").append(step.base).append(step.index < 0 ? "()" : "(" + step.index + ")");
        }
        return s.append(".get/set").append(l.base).append(l.index < 0 ? "" : "(" + l.index + ")").toString();
    }
}
