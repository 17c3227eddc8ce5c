/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.gen.BpfHeaders;
import io.github.bpf4j.gen.Clang;
import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BtfDump against the running kernel's BTF, BPF objects, split BTF and malformed BTF. */
class BtfDumpTest {
    private static final Path VMLINUX = Paths.get("/sys/kernel/btf/vmlinux");

    @TempDir
    Path tmp;

    private static void assumeKernelBtf() {
        assumeTrue(Files.isReadable(VMLINUX), "no readable /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF)");
    }

    private static String dump(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        BtfDump.writeC(file, sb);
        return sb.toString();
    }

    @Test
    void theKernelsHeaderIsFramedLikeBpftools() throws Exception {
        assumeKernelBtf();
        String h = dump(null);
        assertTrue(h.startsWith("#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
                + "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n"
                + "#ifndef __ksym\n"), h.substring(0, 300));
        assertTrue(h.endsWith("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n"
                + "#endif /* __VMLINUX_H__ */\n"));
        assertTrue(h.contains("\nstruct task_struct {\n"));
        assertTrue(h.contains("\nenum bpf_map_type {\n"));
        assertTrue(h.contains("\ntypedef unsigned int __u32;\n"));
        assertTrue(h.contains("\n/* BPF kfuncs */\n#ifndef BPF_NO_KFUNC_PROTOTYPES\n"));
        assertEquals(h, dump(VMLINUX), "null is the running kernel's BTF");
        assertEquals(h, dump(null), "the same BTF gives the same header");
    }

    @Test
    void aBpfObjectsTypesComeFromItsBtfSection() throws Exception {
        Path obj = Paths.get(BtfDumpTest.class.getResource("/bpf/typed_test.bpf.o").toURI());
        String h = dump(obj);
        assertTrue(h.startsWith("#ifndef __VMLINUX_H__\n"));
        assertTrue(h.contains("struct "), h);
        // a plain ELF without BTF is refused as such
        Path elf = Paths.get(System.getProperty("java.home"), "bin", "java");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dump(elf));
        assertTrue(e.getMessage().contains("without a .BTF section"), e.getMessage());
    }

    /**
     * What clang makes of the generated vmlinux.h with the jar's headers and nothing else (-nostdinc: no system
     * header at all), loaded into the running kernel and run: CO-RE field reads resolved against this kernel.
     */
    @Test
    void aProgramCompiledAgainstTheGeneratedHeaderLoadsAndRuns() throws Exception {
        assumeKernelBtf();
        Clang.require();
        Kernel.requireBpf();
        Path include = tmp.resolve("include");
        BpfHeaders.extract(include);
        try (Writer w = Files.newBufferedWriter(include.resolve("vmlinux.h"), StandardCharsets.UTF_8)) {
            BtfDump.writeC(null, w);
        }
        Path src = tmp.resolve("core.bpf.c");
        Files.write(src, ("#include \"vmlinux.h\"\n"
                + "#include <bpf/bpf_helpers.h>\n"
                + "#include <bpf/bpf_tracing.h>\n"
                + "#include <bpf/bpf_core_read.h>\n"
                + "#include <bpf4j/ringbuf.h>\n"
                + "char LICENSE[] SEC(\"license\") = \"GPL\";\n"
                + "int target_tgid;\n"
                + "int seen_ppid;\n"
                + "__u64 calls;\n"
                + "SEC(\"tp_btf/sys_enter\")\n"
                + "int BPF_PROG(on_enter, struct pt_regs *regs, long id)\n"
                + "{\n"
                + "\tstruct task_struct *t = bpf_get_current_task_btf();\n"
                + "\tif (t->tgid != target_tgid)\n"
                + "\t\treturn 0;\n"
                + "\tseen_ppid = BPF_CORE_READ(t, real_parent, tgid);\n"
                + "\t__sync_fetch_and_add(&calls, 1);\n"
                + "\treturn 0;\n"
                + "}\n").getBytes(StandardCharsets.UTF_8));
        Path obj = tmp.resolve("core.bpf.o");
        Clang.Result r = Clang.compile(src, obj, "-nostdinc", "-I", include.toString());
        assertEquals(0, r.status, r.output);
        int localPid = Integer.parseInt(Files.readSymbolicLink(Paths.get("/proc/self")).toString());
        // task->tgid is the initial pid namespace's id: inside a container not /proc/self's.
        int pid = io.github.bpf4j.Kernel.hostPid();
        String stat = new String(Files.readAllBytes(Paths.get("/proc/self/stat")), StandardCharsets.UTF_8);
        int ppid = Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
        try (BpfObject o = BpfObject.open(obj)) {
            o.load();
            ByteBuffer bss = o.global("target_tgid").order(ByteOrder.nativeOrder());
            bss.putInt(0, pid);
            try (BpfLink link = o.program("on_enter").attach()) {
                for (int i = 0; i < 10; i++) {
                    Files.getLastModifiedTime(tmp); // a syscall of this process
                }
            }
            assertTrue(o.global("calls").order(ByteOrder.nativeOrder()).getLong(0) > 0, "the program ran");
            int seenPpid = o.global("seen_ppid").order(ByteOrder.nativeOrder()).getInt(0);
            if (pid == localPid) {
                assertEquals(ppid, seenPpid, "CO-RE read task->real_parent->tgid");
            } else { // the parent's id in the initial namespace is not known here
                assertTrue(seenPpid > 0, "CO-RE read task->real_parent->tgid: " + seenPpid);
            }
        }
    }

    /** Split BTF (a module's shape) on the kernel's: the module's types after all of the kernel's. */
    @Test
    void splitBtfIsDumpedOnTopOfItsBase() throws Exception {
        assumeKernelBtf();
        byte[] base = Files.readAllBytes(VMLINUX);
        int[] counts = BtfBytes.countsOf(base);
        int intId = BtfBytes.intId(base, "int");
        assumeTrue(intId > 0, "the kernel's BTF has no int");
        BtfBytes b = new BtfBytes(counts[0], counts[1]);
        int s = b.struct("bpf4j_module_thing", 16, intId, 0, b.nextId() + 1, 64);
        b.ptr(s);
        Path split = tmp.resolve("module.btf");
        Files.write(split, b.bytes());
        StringBuilder sb = new StringBuilder();
        BtfDump.writeC(split, null, sb);
        String h = sb.toString();
        assertTrue(h.contains("\nstruct bpf4j_module_thing {\n\tint m0;\n\tstruct bpf4j_module_thing *m1;\n};\n"), h);
        assertTrue(h.contains("\nstruct task_struct {\n"));
        Path copy = tmp.resolve("vmlinux");
        Files.write(copy, base);
        StringBuilder sb2 = new StringBuilder();
        BtfDump.writeC(split, copy, sb2);
        assertEquals(h, sb2.toString(), "the kernel's BTF as a file is the same base");

        // whatever sits in /sys/kernel/btf besides vmlinux is a module: read on the kernel's
        Path[] modules;
        try (java.util.stream.Stream<Path> l = Files.list(VMLINUX.getParent())) {
            modules = l.filter(p -> !p.equals(VMLINUX)).sorted().toArray(Path[]::new);
        }
        assumeTrue(modules.length > 0, "no kernel module with BTF is loaded (/sys/kernel/btf holds only vmlinux)");
        String m = dump(modules[0]);
        assertTrue(m.contains("\nstruct task_struct {\n") && m.length() > dump(null).length());
    }

    @Test
    void badFilesAreClearExceptions() throws Exception {
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> dump(tmp.resolve("nope")));
        assertTrue(missing.getMessage().contains("BtfDump.writeC: no such file"), missing.getMessage());
        IllegalArgumentException dir = assertThrows(IllegalArgumentException.class, () -> dump(tmp));
        assertTrue(dir.getMessage().contains("is a directory"), dir.getMessage());
        Path empty = Files.write(tmp.resolve("empty"), new byte[0]);
        IllegalArgumentException e0 = assertThrows(IllegalArgumentException.class, () -> dump(empty));
        assertTrue(e0.getMessage().contains("is empty"), e0.getMessage());
        Path f = Files.write(tmp.resolve("junk"), "not btf at all".getBytes(StandardCharsets.UTF_8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dump(f));
        assertTrue(e.getMessage().startsWith("BtfDump.writeC: " + f + " is neither BTF nor an ELF file with BTF"),
                e.getMessage());
        Path cut = Files.write(tmp.resolve("cut"), new byte[] {(byte) 0x9f, (byte) 0xeb, 1, 0, 24, 0, 0, 0});
        e = assertThrows(IllegalArgumentException.class, () -> dump(cut));
        assertTrue(e.getMessage().contains(" is not well-formed BTF: 8 bytes is too short for a BTF header"),
                e.getMessage());
        // a header length that puts the types at unaligned addresses (UBSan found libbpf reading them so)
        byte[] odd = new BtfBytes().bytes();
        odd[4] = 7;
        Path unaligned = Files.write(tmp.resolve("unaligned"), odd);
        e = assertThrows(IllegalArgumentException.class, () -> dump(unaligned));
        assertTrue(e.getMessage().contains("the BTF header length is 7; it must be a multiple of 4 and at least 24"),
                e.getMessage());
        Path noElf = Files.write(tmp.resolve("elf"), new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        e = assertThrows(IllegalArgumentException.class, () -> dump(noElf));
        assertTrue(e.getMessage().contains("the ELF header is cut short (8 bytes)"), e.getMessage());
    }

    /** Each of these would make libbpf's btf_dump recurse forever, overflow the stack or divide by zero. */
    @Test
    void malformedBtfThatLibbpfWouldTrustIsRefusedFirst() throws Exception {
        BtfBytes loop = new BtfBytes();
        int first = loop.nextId();
        loop.constOf(first + 1);
        loop.typedef("t", first); // CONST -> TYPEDEF -> CONST
        refused(loop, "is part of a reference loop");

        BtfBytes ptrLoop = new BtfBytes();
        int p = ptrLoop.nextId();
        ptrLoop.ptr(p + 1);
        ptrLoop.ptr(p); // a pointer to a pointer to itself: no named struct breaks it
        refused(ptrLoop, "is part of a reference loop");

        BtfBytes protoLoop = new BtfBytes();
        int i = protoLoop.intType("int", 4);
        int proto = protoLoop.nextId();
        protoLoop.proto(i, proto + 1);
        protoLoop.ptr(proto); // int (*)(itself)
        refused(protoLoop, "is part of a reference loop");

        BtfBytes byValue = new BtfBytes();
        int a = byValue.nextId();
        byValue.struct("a", 4, a + 1, 0);
        byValue.struct("b", 4, a, 0); // struct a { struct b m0; }; struct b { struct a m0; }
        refused(byValue, "is part of a reference loop");

        BtfBytes ret = new BtfBytes();
        ret.proto(1000);
        refused(ret, "returns type id 1000, past the last type id 1");

        BtfBytes voidMember = new BtfBytes();
        int c = voidMember.intType("char", 1);
        voidMember.struct("s", 16, c, 0, 0, 64); // a void member after a gap: roundup(x, 0)
        refused(voidMember, "member 1 ('m1') has type id 0, a UNKNOWN without size or alignment");

        BtfBytes zeroInt = new BtfBytes();
        zeroInt.intType("nothing", 0);
        refused(zeroInt, "is 0 bytes; an integer has 1 to 16");

        BtfBytes outside = new BtfBytes();
        int l = outside.intType("long", 8);
        outside.struct("s", 8, l, 32); // 8 bytes at byte 4 of 8
        refused(outside, "member 0 ('m0') ends at bit 96, past the 8-byte struct");

        BtfBytes huge = new BtfBytes();
        huge.struct("s", 1 << 30);
        refused(huge, "is 1073741824 bytes, more than 268435456");

        BtfBytes deep = new BtfBytes();
        int prev = deep.intType("int", 4);
        for (int k = 0; k < 5000; k++) {
            prev = deep.constOf(prev);
        }
        refused(deep, "nested type references");

        // just inside the depth bound: 1000 structs nested by value and typedefs and consts on top, dumped on a
        // thread with half the default stack (-Xss1m): libbpf's recursion fits
        BtfBytes nested = new BtfBytes();
        int inner = nested.intType("int", 4);
        for (int k = 0; k < 1000; k++) {
            inner = nested.struct("s" + k, 4, inner, 0);
        }
        for (int k = 0; k < 10; k++) {
            inner = nested.constOf(nested.typedef("t" + k, inner));
        }
        Path n = Files.write(tmp.resolve("nested.btf"), nested.bytes());
        final String[] out = new String[1];
        final Throwable[] failed = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                out[0] = dump(n);
            } catch (Throwable e) {
                failed[0] = e;
            }
        }, "small-stack", 512 << 10);
        t.start();
        t.join();
        assertEquals(null, failed[0]);
        assertTrue(out[0].contains("struct s999 {\n\tstruct s998 m0;\n};"));

        // and a well-formed one of each shape dumps
        BtfBytes fine = new BtfBytes();
        int fi = fine.intType("int", 4);
        int node = fine.nextId();
        fine.struct("node", 16, node + 1, 0, fi, 64);
        fine.ptr(node); // struct node { struct node *m0; int m1; }
        Path f = Files.write(tmp.resolve("fine.btf"), fine.bytes());
        assertTrue(dump(f).contains("struct node {\n\tstruct node *m0;\n\tint m1;\n};"), dump(f));
    }

    @Test
    void anExceptionOfTheAppendableComesOutAndTheNextDumpWorks() throws Exception {
        Path obj = Paths.get(BtfDumpTest.class.getResource("/bpf/typed_test.bpf.o").toURI());
        Appendable failing = new Appendable() {
            @Override
            public Appendable append(CharSequence csq) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public Appendable append(CharSequence csq, int start, int end) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public Appendable append(char c) throws IOException {
                throw new IOException("disk full");
            }
        };
        IOException e = assertThrows(IOException.class, () -> BtfDump.writeC(obj, failing));
        assertEquals("disk full", e.getMessage());
        assertTrue(dump(obj).endsWith("#endif /* __VMLINUX_H__ */\n"));
    }

    private void refused(BtfBytes b, String why) throws IOException {
        Path f = Files.write(tmp.resolve("bad.btf"), b.bytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dump(f));
        assertTrue(e.getMessage().startsWith("BtfDump.writeC: " + f + " is not well-formed BTF: type "), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }
}
