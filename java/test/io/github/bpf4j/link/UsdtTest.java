/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.link.TracingHooks.Slot;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * HotSpot's USDT probes on the running JVM's own libjvm.so (README showcase): hotspot:thread__start
 * sees a Java thread this test starts (its native thread id is the probe's fourth argument), and
 * hotspot:gc__begin a System.gc(). Only JDKs built with systemtap sdt support carry the probes
 * (Debian's 11, 17, 21, Temurin 25 here; Debian's 8 not: UprobeTest.uprobeOnLibjvmsExportedJvmGc
 * stands in there).
 */
class UsdtTest {

    private static String libjvmWithProbes() throws Exception {
        String jvm = Uprobe.mappedLibrary("libjvm.so");
        Assumptions.assumeTrue(hasSection(jvm, ".note.stapsdt"), jvm + " carries no USDT probes (no .note.stapsdt:"
                + " this JDK, " + System.getProperty("java.vm.vendor") + " " + System.getProperty("java.version")
                + ", was built without systemtap sdt support)");
        return jvm;
    }

    @Test
    void threadStartSeesAJavaThreadThisTestStarts() throws Exception {
        String jvm = libjvmWithProbes();
        try (TracingHooks h = TracingHooks.open(0, 0, "on_thread_start").load()) {
            BpfProgram p = h.program("on_thread_start");
            Usdt point = Usdt.of(jvm, "hotspot", "thread__start").thisProcess().cookie(21);
            AtomicInteger tid = new AtomicInteger();
            AttachProof.runsAndDetaches(() -> p.attach(point), () -> {
                Thread t = new Thread(() -> tid.set(Native.gettid()), "bpf4j-usdt-thread");
                t.start();
                t.join();
            }, h.counter(Slot.USDT_THREAD));
            assertEquals(21, h.cookie(Slot.USDT_THREAD), "bpf_usdt_cookie()");
            try (BpfLink link = p.attach(point)) {
                assertEquals("usdt/" + jvm + ":hotspot:thread__start", link.target());
                Thread t = new Thread(() -> tid.set(Native.gettid()), "bpf4j-usdt-thread-2");
                t.start();
                t.join();
                byte[] key = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, tid.get()).array();
                assertTrue(h.obj.map("seen").lookup(key) != null, "thread__start's native_tid argument is the"
                        + " started thread's id " + tid.get());
            }
        }
    }

    @Test
    void gcBeginSeesSystemGc() throws Exception {
        String jvm = libjvmWithProbes();
        try (TracingHooks h = TracingHooks.open(0, 0, "on_gc_begin").load()) {
            BpfProgram p = h.program("on_gc_begin");
            long moved = AttachProof.runsAndDetaches(() -> p.attach(Usdt.of(jvm, "hotspot", "gc__begin").thisProcess()),
                    System::gc, h.counter(Slot.USDT_GC));
            assertTrue(moved >= 1, "moved " + moved);
        }
    }

    /** libbpf frees a USDT link's state with its object: a link closed after the object must not touch it. */
    @Test
    void aUsdtLinkClosedAfterItsObjectDoesNotCrash() throws Exception {
        String jvm = libjvmWithProbes();
        TracingHooks h = TracingHooks.open(0, 0, "on_gc_begin").load();
        BpfLink link;
        try {
            link = h.program("on_gc_begin").attach(Usdt.of(jvm, "hotspot", "gc__begin").thisProcess());
            assertThrows(UnsupportedOperationException.class, link::fd, "a USDT link is many uprobes: no fd of its own");
        } finally {
            h.close();
        }
        link.close();
        link.close();
        assertThrows(IllegalStateException.class, link::fd);
        System.gc(); // the probes left attached still fire, into a program no object holds: harmless
    }

    @Test
    void aMissingProbeIsNamed() throws Exception {
        String jvm = libjvmWithProbes();
        try (TracingHooks h = TracingHooks.open(0, 0, "on_gc_begin").load()) {
            BpfException e = assertThrows(BpfException.class,
                    () -> h.program("on_gc_begin").attach(Usdt.of(jvm, "hotspot", "bpf4j__nothing")));
            assertEquals("ENOENT", e.errnoName());
            assertTrue(e.getMessage().contains("bpf_program__attach_usdt(program 'on_gc_begin', usdt/" + jvm
                    + ":hotspot:bpf4j__nothing)"), e.getMessage());
            assertTrue(e.hint().contains("readelf -n"), e.hint());
        }
    }

    /** Whether the ELF64 at {@code path} has a section of that name. */
    static boolean hasSection(String path, String name) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(path, "r"); FileChannel ch = f.getChannel()) {
            ByteBuffer elf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
            long shoff = elf.getLong(0x28);
            int shentsize = elf.getShort(0x3a) & 0xffff;
            int shnum = elf.getShort(0x3c) & 0xffff;
            int shstrndx = elf.getShort(0x3e) & 0xffff;
            long strings = elf.getLong((int) (shoff + (long) shstrndx * shentsize) + 0x18);
            byte[] want = name.getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < shnum; i++) {
                int at = (int) (strings + elf.getInt((int) (shoff + (long) i * shentsize)));
                boolean match = elf.get(at + want.length) == 0;
                for (int k = 0; match && k < want.length; k++) {
                    match = elf.get(at + k) == want[k];
                }
                if (match) {
                    return true;
                }
            }
        }
        return false;
    }
}
