/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.MapType;
import io.github.bpf4j.ProgramType;
import io.github.bpf4j.btf.Btf;
import io.github.bpf4j.btf.BtfKind;
import io.github.bpf4j.btf.BtfType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Java source for one BPF object, as {@code bpftool gen skeleton} writes C:
 * a class that opens the object from the class path (the {@code .bpf.o}
 * next to the class) with {@code load()} and {@code close()}; typed views of
 * its maps ({@code TypedMap}s over generated {@code Codec}s), its programs
 * with their attach methods, and its global variables (getters and setters
 * over the live map memory at each variable's BTF offset; {@code .rodata}
 * knobs through the builder, before load); and one class per C struct,
 * union and enum those use, with flyweight accessors over a
 * {@code ByteBuffer} and a plain value class for copies.
 *
 * <p>Everything is read from the object's BTF (compile with {@code clang -g}).
 * The output depends on the object's bytes only: the same object gives the
 * same files, each headed by the object's SHA-256. It compiles with
 * {@code javac --release 8 -Xlint:all -Werror} against the bpf4j jar.
 * Opening the object reaches no kernel, so generating needs no privileges
 * (but the native library, as any {@link BpfObject#open} does).
 */
public final class SkeletonGenerator {
    /**
     * Simple names the generated code refers to, which no generated class may take (a C {@code struct value}
     * becomes {@code Value2}: {@code Value} is each struct class's copy type, {@code Map} an import).
     */
    private static final String[] USED_NAMES = {"Value", "Codec", "TypedMap", "BpfLink", "BpfMap", "BpfObject",
        "BpfProgram", "AttachPoint", "Xdp", "ByteBuffer", "ByteOrder", "StandardCharsets", "Arrays",
        "ByteArrayOutputStream", "IOException", "InputStream", "LinkedHashMap", "List", "Map", "Maps", "Programs",
        "Builder", "Object", "String", "Integer", "Long", "Short", "Byte", "Boolean", "Float", "Double", "Character",
        "Number", "Math", "System", "Class", "Override", "Exception", "RuntimeException", "Error",
        "IllegalArgumentException", "IllegalStateException", "IndexOutOfBoundsException", "Iterable", "Void",
        "Thread", "Runnable", "Deprecated", "SuppressWarnings", "FunctionalInterface", "SafeVarargs"};

    private SkeletonGenerator() {}

    /**
     * Writes {@code <outDir>/<package dirs>/<Class>.java} and a class per C
     * type the skeleton uses; returns the files written, the skeleton first.
     * The object itself is not copied: put it on the class path next to the
     * class, under its own file name ({@code <package dirs>/<file name>}).
     *
     * @param bpfObject a BPF ELF object with BTF
     * @param javaPackage the package of the generated classes, e.g. {@code com.example.bpf}
     * @param className the skeleton's name; null for one derived from the file name ({@code xdp_counter.bpf.o}
     *     gives {@code XdpCounter})
     * @param outDir the source root to write under (created if missing)
     * @throws IllegalArgumentException for a package or class name Java does not accept, or an object without BTF
     * @throws io.github.bpf4j.BpfInvalidArgumentException if the file is no well-formed BPF object
     */
    public static List<Path> generate(Path bpfObject, String javaPackage, String className, Path outDir)
            throws IOException {
        return generate(bpfObject, javaPackage, className, outDir, Collections.<String>emptyList());
    }

    /**
     * {@link #generate(Path, String, String, Path)}, with classes also for
     * the named structs, unions and enums in {@code extraTypes} — types that
     * no map or global uses, such as ring buffer records. clang emits BTF only
     * for types something refers to: declare, for example,
     * {@code struct event *unused_event __attribute__((unused));} next to them.
     *
     * @throws IllegalArgumentException if a name in {@code extraTypes} is no struct, union or enum of the object
     */
    public static List<Path> generate(Path bpfObject, String javaPackage, String className, Path outDir,
            List<String> extraTypes) throws IOException {
        checkPackage(javaPackage);
        if (className != null && !isIdentifier(className)) {
            throw new IllegalArgumentException("SkeletonGenerator.generate: class name '" + className + "' is no Java"
                    + " identifier; give a name such as XdpCounter, or null to derive one from the file name");
        }
        byte[] elf = Files.readAllBytes(bpfObject);
        String file = String.valueOf(bpfObject.getFileName());
        String objectName = objectName(file);
        ObjectModel model = ObjectModel.read(elf, objectName, file);
        String name = className != null ? className : JavaNames.pascal(objectName);
        JavaNames.Scope packageScope = new JavaNames.Scope(USED_NAMES);
        if (!packageScope.claim(name).equals(name)) {
            throw new IllegalArgumentException("SkeletonGenerator.generate: class name '" + name + "' is a type the"
                    + " generated code uses (" + String.join(", ", USED_NAMES) + "); give another with --class");
        }
        Shapes shapes = new Shapes(packageScope);
        MainClass main = new MainClass(model, shapes, packageScope, name, javaPackage, file, sha256(elf));
        main.prepare(extraTypes);
        Path dir = outDir;
        for (String part : javaPackage.split("\\.")) {
            dir = dir.resolve(part);
        }
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<Path>();
        written.add(write(dir.resolve(name + ".java"), main.source()));
        TypeClasses types = new TypeClasses(shapes, main.header(), javaPackage, file, model.btf.order());
        for (Map.Entry<Integer, String> e : shapes.classes.entrySet()) {
            written.add(write(dir.resolve(e.getValue() + ".java"), types.generate(model.btf.type(e.getKey()),
                    e.getValue())));
        }
        return written;
    }

    private static Path write(Path file, String text) throws IOException {
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        return file;
    }

    private static void checkPackage(String javaPackage) {
        if (javaPackage == null || javaPackage.isEmpty()) {
            throw new IllegalArgumentException("SkeletonGenerator.generate: no package; give one such as"
                    + " com.example.bpf (generated classes do not go into the unnamed package)");
        }
        for (String part : javaPackage.split("\\.", -1)) {
            if (!isIdentifier(part)) {
                throw new IllegalArgumentException("SkeletonGenerator.generate: package '" + javaPackage + "' has '"
                        + part + "', which is no Java identifier; give a name such as com.example.bpf");
            }
        }
    }

    static boolean isIdentifier(String s) {
        if (s.isEmpty() || !Character.isJavaIdentifierStart(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            if (!Character.isJavaIdentifierPart(s.charAt(i))) {
                return false;
            }
        }
        return !JavaNames.camel(s).equals(s + "_");
    }

    /** As BpfObject names objects opened from files: the file name without {@code .bpf.o} or {@code .o}. */
    static String objectName(String file) {
        return file.endsWith(".bpf.o") ? file.substring(0, file.length() - 6)
                : file.endsWith(".o") ? file.substring(0, file.length() - 2) : file;
    }

    private static String sha256(byte[] bytes) {
        try {
            StringBuilder hex = new StringBuilder();
            for (byte b : MessageDigest.getInstance("SHA-256").digest(bytes)) {
                hex.append(String.format("%02x", b & 0xff));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** What the generator needs of an object, read once with the object open (nothing reaches the kernel). */
    static final class ObjectModel {
        final Btf btf;
        final List<MapModel> maps = new ArrayList<MapModel>();
        final List<ProgramModel> programs = new ArrayList<ProgramModel>();
        final List<BtfType> sections = new ArrayList<BtfType>();
        final String objectName;

        private ObjectModel(Btf btf, String objectName) {
            this.btf = btf;
            this.objectName = objectName;
        }

        static ObjectModel read(byte[] elf, String objectName, String file) {
            try (BpfObject obj = BpfObject.open(elf, objectName)) {
                Btf btf;
                try {
                    btf = obj.btf();
                } catch (UnsupportedOperationException e) {
                    throw new IllegalArgumentException("SkeletonGenerator.generate: " + file + " has no BTF, which"
                            + " skeletons are made from; compile it with clang -g", e);
                }
                ObjectModel m = new ObjectModel(btf, objectName);
                BtfType defs = btf.findType(".maps", BtfKind.DATASEC);
                for (BpfMap map : obj.maps()) {
                    if (map.name().indexOf('.') >= 0) {
                        continue; // libbpf's maps for data sections: globals, below
                    }
                    BtfType.SectionVar def = defs == null ? null : defs.variable(map.name());
                    m.maps.add(new MapModel(map.name(), map.type(), map.keySize(), map.valueSize(),
                            def == null ? null : definitionMember(def, "key"),
                            def == null ? null : definitionMember(def, "value")));
                }
                for (BpfProgram p : obj.programs()) {
                    m.programs.add(new ProgramModel(p.name(), p.section(), p.type()));
                }
                for (BtfType sec : btf.dataSections()) {
                    if (isDataSection(sec.name()) && !globals(sec).isEmpty()) {
                        m.sections.add(sec);
                    }
                }
                return m;
            }
        }

        /** The type {@code __type(key, T)} names: the target of the definition's pointer member. */
        private static BtfType definitionMember(BtfType.SectionVar def, String member) {
            BtfType struct = def.variable().type().resolved();
            if (struct.kind() != BtfKind.STRUCT) {
                return null;
            }
            BtfType.Member m = struct.member(member);
            if (m == null || m.type().resolved().kind() != BtfKind.PTR) {
                return null;
            }
            return m.type().resolved().type();
        }

        static boolean isDataSection(String name) {
            return name.equals(".bss") || name.equals(".data") || name.equals(".rodata") || name.startsWith(".data.")
                    || name.startsWith(".rodata.") || name.equals(MainClass.ARENA_SECTION);
        }

        /** A section's variables that libbpf exposes: the non-static ones (static ones may be optimised out). */
        static List<BtfType.SectionVar> globals(BtfType sec) {
            List<BtfType.SectionVar> out = new ArrayList<BtfType.SectionVar>();
            for (BtfType.SectionVar v : sec.variables()) {
                if (v.variable().kind() == BtfKind.VAR && v.variable().linkage() == BtfType.Linkage.GLOBAL) {
                    out.add(v);
                }
            }
            return out;
        }
    }

    static final class MapModel {
        final String name;
        final MapType type;
        final int keySize;
        final int valueSize;
        final BtfType key;
        final BtfType value;

        MapModel(String name, MapType type, int keySize, int valueSize, BtfType key, BtfType value) {
            this.name = name;
            this.type = type;
            this.keySize = keySize;
            this.valueSize = valueSize;
            this.key = key;
            this.value = value;
        }
    }

    static final class ProgramModel {
        final String name;
        final String section;
        final ProgramType type;

        ProgramModel(String name, String section, ProgramType type) {
            this.name = name;
            this.section = section;
            this.type = type;
        }
    }
}
