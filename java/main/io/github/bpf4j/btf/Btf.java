/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.btf;

import io.github.bpf4j.BpfObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A BPF Type Format (BTF) type graph, read and validated in Java: the types
 * of a BPF object ({@link BpfObject#btf()}), of the running kernel
 * ({@link #vmlinux()}, {@link #kernelModule(String)}) or of a file
 * ({@link #read(Path)}). It answers what a C compiler knew: struct layouts
 * (members at bit offsets, bitfields, sizes and alignment), enums, typedefs,
 * functions, and where each global variable lives in its data section.
 *
 * <pre>{@code
 * Btf kernel = Btf.vmlinux();
 * BtfType task = kernel.findType("task_struct", BtfKind.STRUCT);
 * BtfType.Member pid = task.member("pid");
 * System.out.println("pid at byte " + pid.byteOffset() + ", " + pid.type().size() + " bytes");
 * }</pre>
 *
 * <p>Every id from 1 to {@link #typeCount()} - 1 is a type; id 0 is
 * {@code void}. A split BTF (a kernel module's) continues its base's ids:
 * its own types start at {@link #firstId()}, and lookups by id and by name
 * see the base's types too.
 *
 * <p>Parsing checks everything a reader could trip over — the header, every
 * type's size and kind, every id, name and offset, members and variables that
 * stay inside their struct or section, and reference chains without loops —
 * so a malformed input is an {@link IllegalArgumentException} naming the
 * first problem, never a wrong answer later. A {@code Btf} and its types are
 * immutable and safe to share between threads.
 */
public final class Btf {
    static final int HEADER_SIZE = 24;
    private static final int MAGIC = 0xeb9f;

    private final byte[] bytes;
    final ByteBuffer data;
    private final Btf base;
    private final int firstId;
    private final int stringsStart;
    private final int stringsLength;
    /** Where each own type starts in {@link #data}; index = id - firstId. */
    final int[] offsets;
    private final BtfType[] types;
    private final String origin;
    private final BtfType voidType;
    private volatile Map<String, int[]> byName;

    Btf(byte[] bytes, ByteOrder order, Btf base, int stringsStart, int stringsLength, int[] offsets, String origin) {
        this.bytes = bytes;
        this.data = ByteBuffer.wrap(bytes).order(order);
        this.base = base;
        this.firstId = base == null ? 1 : base.typeCount();
        this.stringsStart = stringsStart;
        this.stringsLength = stringsLength;
        this.offsets = offsets;
        this.types = new BtfType[offsets.length];
        this.origin = origin;
        this.voidType = new BtfType(this, 0, -1);
        for (int i = 0; i < offsets.length; i++) {
            types[i] = new BtfType(this, firstId + i, offsets[i]);
        }
    }

    /**
     * Parses raw BTF (what {@code /sys/kernel/btf/vmlinux} holds, or an
     * object's {@code .BTF} section after libbpf fixed it up), in either byte
     * order.
     *
     * @throws IllegalArgumentException if the bytes are not well-formed BTF (the message names the first problem)
     */
    public static Btf parse(byte[] raw) {
        return parse(raw, null);
    }

    /**
     * Parses split BTF, whose ids and strings continue those of {@code base}
     * (a kernel module's BTF on top of vmlinux); {@code base} null is plain BTF.
     *
     * @throws IllegalArgumentException if the bytes are not well-formed BTF over that base
     */
    public static Btf parse(byte[] raw, Btf base) {
        if (raw == null) {
            throw new NullPointerException("raw is null");
        }
        return BtfParser.parse(raw.clone(), base, "BTF of " + raw.length + " bytes");
    }

    /** The running kernel's BTF, {@code /sys/kernel/btf/vmlinux} (about 6 MB, parsed anew by each call). */
    public static Btf vmlinux() throws IOException {
        return readRaw(Paths.get("/sys/kernel/btf/vmlinux"), null);
    }

    /**
     * A loaded kernel module's BTF ({@code /sys/kernel/btf/<module>}), split
     * on the kernel's {@link #vmlinux()}.
     *
     * @throws IllegalArgumentException if no module of that name has BTF here
     */
    public static Btf kernelModule(String module) throws IOException {
        if (module == null || module.isEmpty() || module.contains("/") || module.equals("vmlinux")
                || module.startsWith(".")) {
            throw new IllegalArgumentException("Btf.kernelModule: '" + module + "' is no module name; give a name"
                    + " listed in /sys/kernel/btf other than vmlinux");
        }
        Path file = Paths.get("/sys/kernel/btf", module);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Btf.kernelModule: no BTF for module '" + module + "' (no " + file
                    + "); load the module, or check the kernel has CONFIG_DEBUG_INFO_BTF_MODULES");
        }
        return readRaw(file, vmlinux());
    }

    /**
     * BTF from a file: raw BTF (such as a copy of {@code /sys/kernel/btf/vmlinux})
     * or a BPF ELF object, whose {@code .BTF} libbpf opens (nothing reaches
     * the kernel) so that data sections have their sizes and variables their
     * offsets, as {@link BpfObject#btf()} returns them.
     *
     * @throws IllegalArgumentException if the file holds no well-formed BTF
     * @throws io.github.bpf4j.BpfInvalidArgumentException if it is an ELF file but no well-formed BPF object
     * @throws UnsupportedOperationException if it is a BPF object without BTF (compiled without {@code -g})
     */
    public static Btf read(Path file) throws IOException {
        return read(file, null);
    }

    /** Split raw BTF from a file, over {@code base} (see {@link #parse(byte[], Btf)}). */
    public static Btf read(Path file, Btf base) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        if (raw.length >= 4 && raw[0] == 0x7f && raw[1] == 'E' && raw[2] == 'L' && raw[3] == 'F') {
            if (base != null) {
                throw new IllegalArgumentException("Btf.read: " + file + " is an ELF object, whose BTF stands on its"
                        + " own; read it without a base");
            }
            String name = String.valueOf(file.getFileName());
            int dot = name.indexOf('.');
            try (BpfObject obj = BpfObject.open(raw, dot > 0 ? name.substring(0, dot) : name)) {
                return obj.btf();
            }
        }
        return BtfParser.parse(raw, base, file.toString());
    }

    private static Btf readRaw(Path file, Btf base) throws IOException {
        return BtfParser.parse(Files.readAllBytes(file), base, file.toString());
    }

    /** One past the highest type id: ids 0 (void) to {@code typeCount() - 1} exist, the base's included. */
    public int typeCount() {
        return firstId + types.length;
    }

    /** The first id of this BTF's own types: 1, or the base's {@link #typeCount()} for split BTF. */
    public int firstId() {
        return firstId;
    }

    /** The BTF this one is split from, or null. */
    public Btf base() {
        return base;
    }

    /** The byte order the BTF was written in (the object's or kernel's). */
    public ByteOrder order() {
        return data.order();
    }

    /**
     * The type with this id (0 is {@link BtfKind#VOID}).
     *
     * @throws IllegalArgumentException if there is no such id (the message gives the range)
     */
    public BtfType type(int id) {
        if (id >= firstId && id < typeCount()) {
            return types[id - firstId];
        }
        if (id == 0) {
            return voidType;
        }
        if (base != null && id > 0 && id < firstId) {
            return base.type(id);
        }
        throw new IllegalArgumentException("Btf.type(" + id + "): no such type id; ids are 0 to " + (typeCount() - 1));
    }

    /** This BTF's own types in id order (a split BTF's, without its base's). */
    public List<BtfType> types() {
        return Collections.unmodifiableList(java.util.Arrays.asList(types));
    }

    /** Every type with this name, base types first, in id order; empty if none (anonymous types have name ""). */
    public List<BtfType> typesNamed(String name) {
        List<BtfType> found = new ArrayList<BtfType>();
        if (base != null) {
            found.addAll(base.typesNamed(name));
        }
        int[] ids = index().get(name);
        if (ids != null) {
            for (int id : ids) {
                found.add(types[id - firstId]);
            }
        }
        return found;
    }

    /**
     * The first type of this name and kind (a typedef and a struct may share a name), or null.
     * {@code kind} null matches any kind.
     */
    public BtfType findType(String name, BtfKind kind) {
        for (BtfType t : typesNamed(name)) {
            if (kind == null || t.kind() == kind) {
                return t;
            }
        }
        return null;
    }

    /** The data sections ({@code .bss}, {@code .data}, {@code .rodata}, ...) of this BTF, in id order. */
    public List<BtfType> dataSections() {
        List<BtfType> found = new ArrayList<BtfType>();
        for (BtfType t : types) {
            if (t.kind() == BtfKind.DATASEC) {
                found.add(t);
            }
        }
        return found;
    }

    /** The raw BTF, as parsed (a copy). */
    public byte[] rawBytes() {
        return bytes.clone();
    }

    @Override
    public String toString() {
        return "Btf[" + origin + ", " + types.length + " types" + (base == null ? "" : ", split from " + base) + "]";
    }

    /** The string at {@code offset} of the string section (a split BTF's offsets continue its base's). */
    String string(int offset) {
        if (base != null && offset < base.stringSpace()) {
            return base.string(offset);
        }
        int start = stringsStart + (base == null ? offset : offset - base.stringSpace());
        int end = start;
        while (bytes[end] != 0) {
            end++;
        }
        return new String(bytes, start, end - start, StandardCharsets.UTF_8);
    }

    static final int NAME_EMPTY = 0;
    static final int NAME_IDENTIFIER = 1;
    static final int NAME_PRINTABLE = 2;
    static final int NAME_INVALID = 3;
    /** An identifier but for dots: clang names a function's static local {@code func.name}. */
    static final int NAME_DOTTED = 4;

    /** What the string at a (checked) offset is, read in place: names are checked without making Strings. */
    int nameClass(int offset) {
        if (base != null && offset < base.stringSpace()) {
            return base.nameClass(offset);
        }
        int start = stringsStart + (base == null ? offset : offset - base.stringSpace());
        if (bytes[start] == 0) {
            return NAME_EMPTY;
        }
        boolean identifier = true;
        boolean dotted = false;
        int i = start;
        for (; bytes[i] != 0; i++) {
            int c = bytes[i] & 0xff;
            if (c < 0x20 || c == 0x7f || i - start > 1024) {
                return NAME_INVALID;
            }
            boolean letter = c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
            if (c == '.' && i > start) {
                dotted = true;
            } else if (!letter && !(i > start && c >= '0' && c <= '9')) {
                identifier = false;
            }
        }
        return !identifier ? NAME_PRINTABLE : dotted ? NAME_DOTTED : NAME_IDENTIFIER;
    }

    /** Total string bytes with the base's: the bound for name offsets. */
    int stringSpace() {
        return (base == null ? 0 : base.stringSpace()) + stringsLength;
    }

    private Map<String, int[]> index() {
        Map<String, int[]> map = byName;
        if (map == null) {
            Map<String, List<Integer>> lists = new HashMap<String, List<Integer>>();
            for (BtfType t : types) {
                String name = t.name();
                if (!name.isEmpty()) {
                    List<Integer> ids = lists.get(name);
                    if (ids == null) {
                        ids = new ArrayList<Integer>(1);
                        lists.put(name, ids);
                    }
                    ids.add(t.id());
                }
            }
            map = new HashMap<String, int[]>(lists.size() * 2);
            for (Map.Entry<String, List<Integer>> e : lists.entrySet()) {
                int[] ids = new int[e.getValue().size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = e.getValue().get(i);
                }
                map.put(e.getKey(), ids);
            }
            byName = map; // racing threads build equal maps; either is fine
        }
        return map;
    }

    static int magic() {
        return MAGIC;
    }
}
