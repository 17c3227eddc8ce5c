/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.internal.LibbpfLog;
import io.github.bpf4j.internal.Mapping;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A load that fails releases everything before the exception propagates
 * (issue 8, items 2 and 6). The heavy versions (thousands of loads, in a JVM
 * of their own) are in {@link LeakTest}.
 */
class LoadFailureTest {
    @BeforeEach
    void needsBpf() {
        Kernel.requireBpf();
    }

    @Test
    void aFailedLoadReleasesEverythingAndIsFinal() {
        BpfObject obj = BpfObject.openResource(LeakChild.REJECTED);
        BpfMap values = obj.map("values");
        assertThrows(BpfVerifierException.class, obj::load);
        assertEquals(BpfObject.State.FAILED, obj.state());
        assertFalse(obj.isLoaded());
        assertEquals("BpfObject[verifier_reject, failed]", obj.toString());
        IllegalStateException e = assertThrows(IllegalStateException.class, obj::maps);
        assertTrue(e.getMessage().startsWith("BpfObject 'verifier_reject'.maps(): the object's load() failed"
                + " (BpfVerifierException: "), e.getMessage());
        assertThrows(IllegalStateException.class, values::fd, "its maps are released too");
        obj.close(); // still idempotent
        assertEquals(BpfObject.State.FAILED, obj.state(), "close() keeps telling why the object is unusable");
    }

    /**
     * Retrying load() after a failure is refused, saying what failed and what
     * to do, and runs nothing: with an arena in the object (bpf4j prepares it
     * before libbpf loads), no second arena is created or mapped.
     */
    @Test
    void retryingLoadAfterAFailureIsRefusedAndPreparesNoSecondArena() {
        Kernel.assumeArenas();
        BpfObject obj = BpfObject.openResource("bpf/arena_reject.bpf.o");
        int mappingsBefore = Mapping.live();
        BpfVerifierException first = assertThrows(BpfVerifierException.class, obj::load);
        assertTrue(first.getMessage().contains("unchecked_lookup"), first.getMessage());
        // The prepared arena is detached (its range stays reserved while the object is reachable); other tests'
        // forgotten mappings may only go meanwhile.
        int afterFailure = Mapping.live();
        assertTrue(afterFailure <= mappingsBefore + 1, "one arena prepared: " + mappingsBefore + " -> " + afterFailure);
        for (int attempt = 0; attempt < 3; attempt++) {
            IllegalStateException again = assertThrows(IllegalStateException.class, obj::load);
            String m = again.getMessage();
            assertTrue(m.startsWith("BpfObject 'arena_reject'.load(): the object's load() failed (BpfVerifierException: "),
                    m);
            assertTrue(m.endsWith("; open the object again to retry"), m);
            assertTrue(Mapping.live() <= afterFailure, "no second arena mapped");
            assertEquals(BpfObject.State.FAILED, obj.state());
        }
        // What the message says to do works.
        try (BpfObject fresh = BpfObject.openResource("bpf/arena_reject.bpf.o")) {
            assertEquals(BpfObject.State.OPENED, fresh.state());
            assertThrows(BpfVerifierException.class, fresh::load);
        }
    }

    @Test
    void loadingTwiceDoesNotCloseTheLoadedObject() {
        try (BpfObject obj = BpfObject.openResource(LeakChild.SMALL).load()) {
            assertThrows(IllegalStateException.class, obj::load);
            assertTrue(obj.isLoaded());
            obj.map("buf_map").mmap().put(0, (byte) 1); // still usable
        }
    }

    /**
     * The README idiom: the object of a failed load is never assigned, so
     * only load() itself can release it. bpf4j's own fds (BTF, placeholders,
     * maps, programs) must not pile up; other tests' forgotten objects may only
     * lower the count meanwhile.
     */
    @Test
    void failedLoadsInTryWithResourcesLeaveNoFd() throws IOException {
        failLoad(LeakChild.REJECTED);
        int before = bpfFds();
        for (int i = 0; i < 50; i++) {
            failLoad(LeakChild.REJECTED);
        }
        int after = bpfFds();
        assertTrue(after <= before, "bpf fds before " + before + ", after 50 failed loads " + after);
    }

    /**
     * Item 6: __arena globals in a BPF_F_SEGV_ON_FAULT arena are refused
     * before libbpf is even called: no map created, no program loaded (libbpf
     * says nothing at all, where a load it ran would log every map and
     * program), nothing mapped.
     */
    @Test
    void segvOnFaultArenaWithGlobalsIsRefusedBeforeAnythingLoads() throws IOException {
        BpfObject obj = BpfObject.openResource(LeakChild.SEGV_GLOBALS);
        int mappingsBefore = Mapping.live();
        final List<String> libbpfSaid = Collections.synchronizedList(new ArrayList<String>());
        final Thread self = Thread.currentThread();
        LibbpfLog.setHandler((level, message) -> {
            if (Thread.currentThread() == self) {
                libbpfSaid.add(level + " " + message);
            }
        });
        IllegalArgumentException e;
        try {
            e = assertThrows(IllegalArgumentException.class, obj::load, "refused in Java, not the kernel's late EFAULT");
        } finally {
            LibbpfLog.setHandler(null);
        }
        assertTrue(e.getMessage().contains("BPF_F_SEGV_ON_FAULT") && e.getMessage().contains("__arena globals")
                && e.getMessage().contains("a page the program allocates"), e.getMessage());
        assertTrue(e.getMessage().contains("segv_arena"), e.getMessage());
        assertEquals(Collections.emptyList(), libbpfSaid, "libbpf must not have run");
        assertEquals(mappingsBefore, Mapping.live(), "no arena mapping made");
        assertEquals(BpfObject.State.FAILED, obj.state(), obj.toString());
    }

    /** The same, seen from the kernel: program ids are handed out in order, and the refused load takes none. */
    @Test
    void segvOnFaultArenaWithGlobalsTakesNoProgramId() throws IOException {
        int quietWithLoad = Integer.MAX_VALUE;
        int quietWithout = Integer.MAX_VALUE;
        // Other processes load programs too; the smallest gap over several tries is the one without them.
        for (int attempt = 0; attempt < 5 || attempt < 20 && quietWithLoad > quietWithout; attempt++) {
            int a = probeProgramId();
            int b = probeProgramId();
            failLoad(LeakChild.SEGV_GLOBALS);
            int c = probeProgramId();
            quietWithout = Math.min(quietWithout, b - a);
            quietWithLoad = Math.min(quietWithLoad, c - b);
        }
        assumeTrue(quietWithout != Integer.MAX_VALUE && quietWithout > 0, "program ids not readable here");
        assertTrue(quietWithLoad <= quietWithout, "a refused load between two probe loads widened the id gap from "
                + quietWithout + " to " + quietWithLoad + ": programs were loaded");
    }

    private static void failLoad(String object) {
        try (BpfObject obj = BpfObject.openResource(object).load()) {
            throw new AssertionError(object + " loaded: " + obj);
        } catch (BpfException | IllegalArgumentException expected) {
            // closed by load() itself
        }
    }

    /** The kernel id of a freshly loaded program, read from its fd's fdinfo. */
    private static int probeProgramId() throws IOException {
        try (BpfObject obj = BpfObject.openResource(LeakChild.SMALL).load()) {
            int fd = obj.program("test_prog").fd();
            for (String line : Files.readAllLines(Paths.get("/proc/self/fdinfo/" + fd), StandardCharsets.US_ASCII)) {
                if (line.startsWith("prog_id:")) {
                    return Integer.parseInt(line.substring(8).trim());
                }
            }
            return 0;
        }
    }

    /** fds of BPF objects (maps, programs, links, BTF) and of libbpf's map placeholders in this process. */
    private static int bpfFds() throws IOException {
        String[] fds = new File("/proc/self/fd").list();
        assertFalse(fds == null);
        int n = 0;
        for (String fd : fds) {
            try {
                String target = Files.readSymbolicLink(Paths.get("/proc/self/fd", fd)).toString();
                if (target.startsWith("anon_inode:bpf") || target.equals("anon_inode:btf")
                        || target.contains("libbpf-placeholder")) {
                    n++;
                }
            } catch (IOException gone) {
                // closed meanwhile (the listing's own fd, or the cleaner)
            }
        }
        return n;
    }
}
