/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.btf;

import static io.github.bpf4j.btf.BtfBlob.m;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfObject;
import io.github.bpf4j.Kernel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BtfTest {
    private static final Path VMLINUX = Paths.get("/sys/kernel/btf/vmlinux");

    @Test
    void vmlinuxLayoutsMatchTheKernelsHeaders() throws Exception {
        assumeTrue(Files.isReadable(VMLINUX), "this kernel has no readable /sys/kernel/btf/vmlinux");
        Btf k = Btf.vmlinux();
        assertEquals(1, k.firstId());
        assertNull(k.base());
        assertEquals(ByteOrder.nativeOrder(), k.order());
        // struct bpf_insn is UAPI: { __u8 code; __u8 dst_reg:4; __u8 src_reg:4; __s16 off; __s32 imm; }
        BtfType insn = k.findType("bpf_insn", BtfKind.STRUCT);
        assertEquals(8, insn.size());
        assertEquals(4, insn.alignment());
        assertEquals(0, insn.member("code").bitOffset());
        assertEquals(8, insn.member("dst_reg").bitOffset());
        assertEquals(4, insn.member("dst_reg").bitfieldSize());
        assertEquals(12, insn.member("src_reg").bitOffset());
        assertEquals(4, insn.member("src_reg").bitfieldSize());
        assertEquals(2, insn.member("off").byteOffset());
        assertTrue(insn.member("off").type().resolved().isSigned());
        assertEquals(4, insn.member("imm").byteOffset());
        // UAPI enum values
        BtfType mapType = k.findType("bpf_map_type", BtfKind.ENUM);
        long arena = -1;
        for (BtfType.Enumerator e : mapType.enumerators()) {
            if (e.name().equals("BPF_MAP_TYPE_ARENA")) {
                arena = e.value();
            }
        }
        assertEquals(33, arena);
        // every kind the kernel has, and every type's size and alignment resolve
        Set<BtfKind> kinds = EnumSet.noneOf(BtfKind.class);
        for (BtfType t : k.types()) {
            kinds.add(t.kind());
            switch (t.kind()) {
                case STRUCT:
                case UNION:
                    assertTrue(t.alignment() >= 1);
                    assertTrue(t.size() >= 0);
                    break;
                case FUNC:
                    assertEquals(BtfKind.FUNC_PROTO, t.type().kind());
                    break;
                default:
                    break;
            }
        }
        assertTrue(kinds.containsAll(EnumSet.of(BtfKind.INT, BtfKind.PTR, BtfKind.ARRAY, BtfKind.STRUCT,
                BtfKind.UNION, BtfKind.ENUM, BtfKind.FWD, BtfKind.TYPEDEF, BtfKind.VOLATILE, BtfKind.CONST,
                BtfKind.FUNC, BtfKind.FUNC_PROTO, BtfKind.VAR, BtfKind.DATASEC)), kinds.toString());
        assertSame(k.type(1), k.types().get(0));
        assertEquals(BtfKind.VOID, k.type(0).kind());
        assertThrows(IllegalArgumentException.class, () -> k.type(k.typeCount()));
        assertTrue(k.typesNamed("no_such_type_anywhere").isEmpty());
    }

    @Test
    void objectBtfHasFixedUpSectionsAndStructLayouts() {
        Kernel.requireBpf();
        try (BpfObject obj = BpfObject.openResource("bpf/typed_test.bpf.o")) {
            Btf btf = obj.btf();
            assertSame(btf, obj.btf());
            // test-bpf/typed_test.bpf.c: struct rec { __u32 a; __u16 b; __u8 c[6]; __u64 d; }
            BtfType rec = btf.findType("rec", BtfKind.STRUCT);
            assertEquals(24, rec.size());
            assertEquals(8, rec.alignment());
            List<BtfType.Member> ms = rec.members();
            assertEquals(4, ms.size());
            long[] offsets = {0, 32, 48, 128};
            for (int i = 0; i < 4; i++) {
                assertEquals(offsets[i], ms.get(i).bitOffset(), ms.get(i).toString());
                assertEquals(0, ms.get(i).bitfieldSize());
            }
            BtfType c = ms.get(2).type();
            assertEquals(BtfKind.ARRAY, c.kind());
            assertEquals(6, c.length());
            assertEquals(1, c.elementType().resolved().size());
            assertEquals(6, c.size());
            BtfType prog = btf.findType("typed_prog", BtfKind.FUNC);
            assertEquals(BtfType.Linkage.GLOBAL, prog.linkage());
            assertEquals("ctx", prog.type().params().get(0).name());
            assertEquals(BtfKind.PTR, prog.type().params().get(0).type().kind());
        }
        try (BpfObject obj = BpfObject.openResource("bpf/data_sections.bpf.o")) {
            Btf btf = obj.btf();
            BtfType foo = btf.findType(".data.foo", BtfKind.DATASEC);
            assertEquals(8, foo.size());
            assertEquals(0, foo.variable("foo_in").offset());
            assertEquals(4, foo.variable("foo_out").offset());
            assertEquals(4, foo.variable("foo_out").size());
            assertEquals(BtfType.Linkage.GLOBAL, foo.variable("foo_out").variable().linkage());
            assertEquals(8, btf.findType(".data.bar", BtfKind.DATASEC).variable("bar_runs").size());
            assertNotNull(btf.findType(".data", BtfKind.DATASEC).variable("plain"));
            obj.load();
            assertSame(btf, obj.btf());
            // the BTF's offsets are where libbpf's maps keep the variables
            ByteBuffer section = obj.dataMap(".data.foo").mmap();
            assertEquals(1, section.getInt((int) foo.variable("foo_out").offset()));
            assertEquals(7, section.getInt((int) foo.variable("foo_in").offset()));
        }
    }

    @Test
    void readsElfObjectsAndRawFiles(@TempDir Path dir) throws Exception {
        Kernel.requireBpf();
        Path obj = dir.resolve("typed_test.bpf.o");
        try (java.io.InputStream in = BtfTest.class.getClassLoader().getResourceAsStream("bpf/typed_test.bpf.o")) {
            Files.copy(in, obj);
        }
        Btf fromElf = Btf.read(obj);
        assertNotNull(fromElf.findType("rec", BtfKind.STRUCT));
        Path raw = dir.resolve("typed.btf");
        Files.write(raw, fromElf.rawBytes());
        Btf fromRaw = Btf.read(raw);
        assertEquals(fromElf.typeCount(), fromRaw.typeCount());
        assertArrayEquals(fromElf.rawBytes(), fromRaw.rawBytes());
        Path junk = dir.resolve("junk");
        Files.write(junk, new byte[100]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Btf.read(junk));
        assertTrue(e.getMessage().startsWith("Btf.parse: " + junk + " is malformed: magic 0x0000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Btf.read(obj, fromRaw));
        IllegalArgumentException mod = assertThrows(IllegalArgumentException.class,
                () -> Btf.kernelModule("no_such_module_here"));
        assertTrue(mod.getMessage().contains("no BTF for module 'no_such_module_here'"), mod.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Btf.kernelModule("../vmlinux"));
    }

    /** Every kind, built by hand, read back through every accessor. */
    @Test
    void everyKind() {
        BtfBlob b = new BtfBlob();
        int u32 = b.integer("unsigned int", 4, 0, 32);
        int s8 = b.integer("char", 1, 2, 8);
        int bool = b.integer("_Bool", 1, 4, 1);
        int s64 = b.integer("long", 8, 1, 64);
        int ptr = b.ref(BtfKind.PTR, "", u32);
        int arr = b.array(s8, u32, 6);
        int inner = b.composite(BtfKind.STRUCT, "inner", 8, m("x", u32, 0, 0), m("y", u32, 32, 0));
        int un = b.composite(BtfKind.UNION, "either", 8, m("whole", s64, 0, 0), m("half", u32, 0, 0));
        int flag = b.enumeration("flag", 4, false, "ON", 1, "BIG", 0xfffffffe);
        int neg = b.enumeration("neg", 1, true, "MINUS", -1);
        int wide = b.enum64("wide", false, "HUGE", 0xf000000000000001L);
        int fwd = b.fwd("later", true);
        int td = b.ref(BtfKind.TYPEDEF, "u32_t", u32);
        int vol = b.ref(BtfKind.VOLATILE, "", td);
        int cnst = b.ref(BtfKind.CONST, "", vol);
        int rst = b.ref(BtfKind.RESTRICT, "", ptr);
        int tag = b.ref(BtfKind.TYPE_TAG, "user", ptr);
        int dbl = b.floating("double", 8);
        int s = b.composite(BtfKind.STRUCT, "all", 48, m("a", cnst, 0, 0), m("flags", u32, 32, 3),
                m("more", u32, 35, 29), m("name", arr, 64, 0), m("in", inner, 128, 0), m("u", un, 192, 0),
                m("p", tag, 256, 0), m("d", dbl, 320, 0));
        int proto = b.proto(s64, "ctx", rst, "", 0);
        int fn = b.func("handler", proto, 1);
        int v1 = b.var("counter", s, 1);
        int v2 = b.var("hidden", bool, 0);
        int sec = b.datasec(".bss", 64, v1, 0, 48, v2, 48, 1);
        int dtag = b.declTag("kfunc", fn, -1);
        int mtag = b.declTag("member", s, 1);
        Btf btf = Btf.parse(b.build());
        assertEquals(mtag + 1, btf.typeCount());

        assertEquals(BtfKind.INT, btf.type(u32).kind());
        assertFalse(btf.type(u32).isSigned());
        assertTrue(btf.type(s8).isChar());
        assertTrue(btf.type(bool).isBool());
        assertEquals(1, btf.type(bool).intBits());
        assertTrue(btf.type(s64).isSigned());
        assertEquals(8, btf.type(ptr).size());
        assertEquals(6, btf.type(arr).size());
        assertEquals(1, btf.type(arr).alignment());
        assertEquals(8, btf.type(un).size());
        assertEquals(8, btf.type(un).alignment());
        assertEquals(0xfffffffeL, btf.type(flag).enumerators().get(1).value());
        assertEquals(-1, btf.type(neg).enumerators().get(0).value());
        assertTrue(btf.type(neg).isSigned());
        assertEquals(0xf000000000000001L, btf.type(wide).enumerators().get(0).value());
        assertTrue(btf.type(fwd).isUnionForward());
        assertThrows(UnsupportedOperationException.class, () -> btf.type(fwd).size());
        assertSame(btf.type(u32), btf.type(cnst).resolved());
        assertEquals(4, btf.type(cnst).size());
        assertEquals("user", btf.type(tag).name());
        assertEquals(8, btf.type(dbl).alignment());
        BtfType all = btf.type(s);
        assertEquals(48, all.size());
        assertEquals(8, all.alignment());
        assertEquals(3, all.member("flags").bitfieldSize());
        assertEquals(35, all.member("more").bitOffset());
        assertEquals(4, all.member("more").byteOffset());
        assertEquals(16, all.member("in").byteOffset());
        assertSame(btf.type(inner), all.member("in").type());
        assertNull(all.member("nope"));
        BtfType f = btf.type(fn);
        assertEquals(BtfType.Linkage.GLOBAL, f.linkage());
        assertEquals(2, f.type().params().size());
        assertEquals(BtfKind.VOID, f.type().params().get(1).type().kind()); // variadic
        assertEquals(BtfKind.INT, f.type().type().kind());
        BtfType bss = btf.type(sec);
        assertEquals(2, bss.variables().size());
        assertEquals(48, bss.variable("hidden").offset());
        assertEquals(BtfType.Linkage.STATIC, bss.variable("hidden").variable().linkage());
        assertEquals(48, btf.type(v1).size());
        assertEquals(-1, btf.type(dtag).componentIndex());
        assertEquals(1, btf.type(mtag).componentIndex());
        assertEquals(1, btf.dataSections().size());
        assertSame(all, btf.findType("all", null));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> btf.type(u32).members());
        assertTrue(e.getMessage().startsWith("BtfType.members(): [" + u32 + "] INT 'unsigned int' is INT"),
                e.getMessage());
        // packed: a member off its alignment
        BtfBlob p = new BtfBlob();
        int pu32 = p.integer("int", 4, 1, 32);
        int pc = p.integer("char", 1, 2, 8);
        int packed = p.composite(BtfKind.STRUCT, "packed", 5, m("c", pc, 0, 0), m("i", pu32, 8, 0));
        assertEquals(1, Btf.parse(p.build()).type(packed).alignment());
    }

    @Test
    void bigEndianBtfReadsToo() {
        BtfBlob b = new BtfBlob().order(ByteOrder.BIG_ENDIAN);
        int u16 = b.integer("short", 2, 1, 16);
        int s = b.composite(BtfKind.STRUCT, "pair", 4, m("a", u16, 0, 0), m("b", u16, 16, 0));
        Btf btf = Btf.parse(b.build());
        assertEquals(ByteOrder.BIG_ENDIAN, btf.order());
        assertEquals(16, btf.type(s).member("b").bitOffset());
    }

    @Test
    void splitBtfContinuesItsBase() {
        BtfBlob base = new BtfBlob();
        int u32 = base.integer("u32", 4, 0, 32);
        int task = base.composite(BtfKind.STRUCT, "task", 4, m("pid", u32, 0, 0));
        Btf b = Btf.parse(base.build());
        BtfBlob split = new BtfBlob(b.typeCount(), base.stringBytes());
        int ptr = split.ref(BtfKind.PTR, "", task);
        int mod = split.composite(BtfKind.STRUCT, "module_thing", 16, m("owner", ptr, 0, 0), m("id", u32, 64, 0));
        Btf s = Btf.parse(split.build(), b);
        assertSame(b, s.base());
        assertEquals(b.typeCount(), s.firstId());
        assertEquals(3, ptr);
        assertSame(b.type(task), s.type(ptr).type());
        assertEquals("u32", s.type(mod).member("id").type().name());
        assertSame(b.type(task), s.findType("task", BtfKind.STRUCT));
        assertEquals(1, s.types().size() - 1);
        assertEquals(16, s.type(mod).size());
        // without its base the same bytes point nowhere
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Btf.parse(split.build()));
        assertTrue(e.getMessage().startsWith("Btf.parse: "), e.getMessage());
    }

    @Test
    void malformedBtfIsNamed() {
        assertMalformed(new byte[10], "only 10 bytes, less than the 24-byte BTF header");
        BtfBlob ok = new BtfBlob();
        int u32 = ok.integer("u32", 4, 0, 32);
        ok.composite(BtfKind.STRUCT, "s", 4, m("a", u32, 0, 0));
        byte[] good = ok.build();
        Btf.parse(good);
        assertMalformed(set(good, 2, 2), "BTF version 2, not 1");
        assertMalformed(set(good, 3, 1), "header flags 0x1, not 0");
        assertMalformed(setInt(good, 20, 100000), "runs past the");
        assertMalformed(setInt(good, 12, 13), "not a multiple of 4");
        assertMalformed(java.util.Arrays.copyOf(good, good.length - 1), "runs past the");

        assertMalformed(blob(b -> b.composite(BtfKind.STRUCT, "s", 4, m("a", b.integer("u32", 4, 0, 32), 8, 0))),
                "member 'a' at bit 8 with 32 bits, past its size of 4 bytes");
        assertMalformed(blob(b -> b.composite(BtfKind.STRUCT, "s", 8, m("a", b.integer("u32", 4, 0, 32), 4, 0))),
                "off a byte boundary though it is no bitfield");
        assertMalformed(blob(b -> b.composite(BtfKind.STRUCT, "s", 4, m("a", 99, 0, 0))),
                "refers to type id 99 as member 0's type");
        assertMalformed(blob(b -> b.ref(BtfKind.TYPEDEF, "loop", 2) + b.ref(BtfKind.CONST, "", 1)),
                "a loop without a pointer");
        assertMalformed(blob(b -> b.composite(BtfKind.STRUCT, "self", 8, m("me", 1, 0, 0))), "a loop without a pointer");
        assertMalformed(blob(b -> b.integer("u32", 3, 0, 24)), "has size 3");
        assertMalformed(blob(b -> b.integer("u32", 4, 3, 32)), "int encoding 3");
        assertMalformed(blob(b -> b.integer("u32", 4, 0, 33)), "33 value bits");
        assertMalformed(blob(b -> b.ref(BtfKind.PTR, "named", 0)), "has a name ('named'), which a PTR must not");
        assertMalformed(blob(b -> b.ref(BtfKind.TYPEDEF, "1bad", 0)), "invalid name for its name: '1bad'");
        assertMalformed(blob(b -> b.ref(BtfKind.TYPEDEF, "", 0)), "has no name for its name");
        assertMalformed(blob(b -> b.raw(0, BtfBlob.info(BtfKind.PTR, 0, false) | 0x00010000, 0)),
                "reserved info bits");
        assertMalformed(blob(b -> b.raw(0, 20 << 24, 0)), "unknown kind 20");
        assertMalformed(blob(b -> b.raw(1000, BtfBlob.info(BtfKind.TYPEDEF, 0, false), 0)),
                "string offset 1000 for its name");
        assertMalformed(blob(b -> b.func("f", b.integer("u32", 4, 0, 32), 1)), "not a FUNC_PROTO");
        assertMalformed(blob(b -> b.datasec(".bss", 4, b.var("v", b.integer("u32", 4, 0, 32), 1), 2, 4)),
                "places 'v' at 2 with 4 bytes, past the section's 4");
        assertMalformed(blob(b -> {
            int u = b.integer("u32", 4, 0, 32);
            return b.datasec(".bss", 8, b.var("v", u, 1), 0, 4, b.var("w", u, 1), 2, 4);
        }), "overlapping the variable before it");
        assertMalformed(blob(b -> b.array(0, 0, 4)), "has void as its element type");
        assertMalformed(blob(b -> b.composite(BtfKind.STRUCT, "s", 4, m("f", b.floating("float", 4), 0, 3))),
                "bitfield 'f'");
        assertMalformed(blob(b -> b.declTag("t", b.composite(BtfKind.STRUCT, "s", 0), 0)), "tags component 0");
        assertMalformed(blob(b -> b.raw(b.str("x"), BtfBlob.info(BtfKind.INT, 1, false), 4, 32)), "has vlen 1");
        assertMalformed(blob(b -> b.raw(0, BtfBlob.info(BtfKind.FUNC_PROTO, 2, false), 0)), "needs 28 bytes");
        assertMalformed(blob(b -> {
            int id = b.integer("u8", 1, 0, 8);
            for (int i = 0; i < 40; i++) {
                id = b.ref(BtfKind.CONST, "", id);
            }
            return id;
        }), "a chain of more than 32 typedefs and qualifiers");
        assertMalformed(blob(b -> b.array(b.integer("u8", 1, 0, 8), 1, 0x7fffffff) + b.array(2, 1, 16)),
                "larger than 2 GiB");
    }

    /** Bytes flipped all over real objects' BTF: a clean IllegalArgumentException or a BTF that answers. */
    @Test
    void mutatedObjectBtfNeverMisbehaves() throws Exception {
        Kernel.requireBpf();
        java.util.Random random = new java.util.Random(12);
        List<byte[]> seeds = new ArrayList<byte[]>();
        for (String o : new String[] {"bpf/typed_test.bpf.o", "bpf/data_sections.bpf.o", "bpf/core_test.bpf.o",
                "io/github/bpf4j/bpf/arena_kv.bpf.o"}) {
            try (BpfObject obj = BpfObject.openResource(o)) {
                seeds.add(obj.btf().rawBytes());
            }
        }
        int rejected = 0;
        int accepted = 0;
        for (int round = 0; round < 4000; round++) {
            byte[] m = seeds.get(round % seeds.size()).clone();
            int flips = 1 + random.nextInt(3);
            for (int i = 0; i < flips; i++) {
                int at = random.nextInt(m.length);
                m[at] = random.nextBoolean() ? (byte) random.nextInt() : (byte) (m[at] ^ 1 << random.nextInt(8));
            }
            Btf btf;
            try {
                btf = Btf.parse(m);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().startsWith("Btf.parse: "), e.getMessage());
                rejected++;
                continue;
            }
            accepted++;
            walk(btf);
        }
        assertTrue(rejected > 1000 && accepted > 100, rejected + " rejected, " + accepted + " accepted");
    }

    /** Calls every accessor a type's kind has; only UnsupportedOperationException (a size over 2 GiB) may come. */
    static void walk(Btf btf) {
        for (BtfType t : btf.types()) {
            t.toString();
            t.resolved();
            try {
                t.size();
                t.alignment();
            } catch (UnsupportedOperationException e) {
                assertTrue(e.getMessage().startsWith("BtfType."), e.getMessage());
            }
            switch (t.kind()) {
                case STRUCT:
                case UNION:
                    for (BtfType.Member m : t.members()) {
                        m.toString();
                        m.type().kind();
                    }
                    break;
                case ENUM:
                case ENUM64:
                    t.enumerators().toString();
                    break;
                case FUNC_PROTO:
                    t.params().toString();
                    break;
                case DATASEC:
                    t.variables().toString();
                    break;
                case ARRAY:
                    t.elementType().kind();
                    break;
                default:
                    break;
            }
        }
    }

    interface Types {
        int add(BtfBlob b);
    }

    private static byte[] blob(Types types) {
        BtfBlob b = new BtfBlob();
        types.add(b);
        return b.build();
    }

    private static byte[] set(byte[] bytes, int at, int value) {
        byte[] copy = bytes.clone();
        copy[at] = (byte) value;
        return copy;
    }

    private static byte[] setInt(byte[] bytes, int at, int value) {
        byte[] copy = bytes.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
        return copy;
    }

    private static void assertMalformed(byte[] raw, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Btf.parse(raw));
        assertTrue(e.getMessage().startsWith("Btf.parse: BTF of " + raw.length + " bytes is malformed: "),
                e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
