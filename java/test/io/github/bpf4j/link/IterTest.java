/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.LinkInfo;
import io.github.bpf4j.LinkType;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** BPF iterators (test-bpf/sys_iter.bpf.c) through link.Iter and BpfLink.openIterator / iteratorLines. */
class IterTest {
    private static final String SYS_ITER = "bpf/sys_iter.bpf.o";

    @BeforeEach
    void privileged() {
        Kernel.requireBpf();
    }

    private static int pid() throws IOException {
        return Integer.parseInt(new File("/proc/self").getCanonicalFile().getName());
    }

    @Test
    void taskIteratorSeesThisJvmAndEachOpenIsAFreshRun() throws Exception {
        int pid = io.github.bpf4j.Kernel.hostPid(); // the iterator prints the initial namespace's ids
        try (BpfObject obj = BpfObject.openResource(SYS_ITER).load();
                BpfLink link = obj.program("tasks").attach(Iter.of())) {
            LinkInfo info = link.info();
            assertEquals(LinkType.ITER, info.type());
            assertEquals("task", info.name());
            assertEquals("iter", link.target());
            List<String> first = link.iteratorLines();
            assertTrue(first.contains("task " + pid + " " + pid + " java"), "no line for this JVM's main thread ("
                    + pid + ") among " + first.size() + " tasks");
            // A thread started now is in the next run only: each open is a new run of the program.
            java.util.concurrent.atomic.AtomicInteger tid = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
            Thread t = new Thread(() -> {
                tid.set(io.github.bpf4j.Kernel.hostTid()); // the iterator prints the initial namespace's ids
                started.countDown();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    // done
                }
            }, "iter-seen");
            t.start();
            try {
                started.await();
                String line = "task " + pid + " " + tid.get() + " ";
                assertTrue(first.stream().noneMatch(l -> l.startsWith(line)), "the first run saw a thread started"
                        + " after it");
                assertTrue(link.iteratorLines().stream().anyMatch(l -> l.startsWith(line)),
                        "the second run does not see the new thread " + tid.get());
            } finally {
                t.interrupt();
                t.join();
            }
        }
    }

    @Test
    void aProcessParameterRestrictsTheTaskIterator() throws Exception {
        int pid = pid();
        try (BpfObject obj = BpfObject.openResource(SYS_ITER).load();
                BpfLink link = obj.program("tasks").attach(Iter.of().process(pid))) {
            assertEquals(pid, link.info().pid());
            List<String> lines = link.iteratorLines();
            assertTrue(lines.size() > 1, "a JVM has more than one thread: " + lines);
            // The parameter is this namespace's pid; the lines carry the initial namespace's (a container's differ).
            int hostPid = io.github.bpf4j.Kernel.hostPid();
            for (String l : lines) {
                assertTrue(l.startsWith("task " + hostPid + " "), "a task of another process: " + l);
            }
        }
    }

    @Test
    void mapIteratorSeesAMapThisTestCreated() throws Exception {
        String name = "it_" + Kernel.nonce(8);
        try (BpfMap mine = BpfMap.create(MapSpec.of(MapType.ARRAY).keySize(4).valueSize(8).maxEntries(1).name(name));
                BpfObject obj = BpfObject.openResource(SYS_ITER).load();
                BpfLink link = obj.program("maps").attach(Iter.of())) {
            List<String> lines = link.iteratorLines();
            assertTrue(lines.contains("map " + mine.info().id() + " " + name), "map " + name + " (id "
                    + mine.info().id() + ") not among " + lines.size() + " maps");
        }
    }

    @Test
    void cgroupIteratorWalksFromItsCgroupInTheOrderGiven() throws Exception {
        Path mnt = java.nio.file.Files.createTempDirectory("bpf4j-iter-cgroup2-");
        Assumptions.assumeTrue(LinkTestSupport.exit("mount", "-t", "cgroup2", "none", mnt.toString()) == 0,
                "cannot mount cgroup2");
        Path child = mnt.resolve("bpf4j-iter-" + Kernel.nonce(8));
        Path grandchild = child.resolve("g");
        try {
            java.nio.file.Files.createDirectory(child);
            java.nio.file.Files.createDirectory(grandchild);
            long childId = ino(child);
            long grandchildId = ino(grandchild);
            try (BpfObject obj = BpfObject.openResource(SYS_ITER).load()) {
                try (BpfLink self = obj.program("cgroups").attach(Iter.of().cgroup(child, CgroupIterOrder.SELF_ONLY))) {
                    assertEquals(Arrays.asList("cgroup " + childId), self.iteratorLines());
                    assertEquals(childId, self.info().cgroupId());
                    assertEquals(CgroupIterOrder.SELF_ONLY.value(), self.info().order());
                }
                try (BpfLink pre = obj.program("cgroups").attach(Iter.of().cgroupId(childId,
                        CgroupIterOrder.DESCENDANTS_PRE))) {
                    assertEquals(Arrays.asList("cgroup " + childId, "cgroup " + grandchildId), pre.iteratorLines());
                }
                try (BpfLink up = obj.program("cgroups").attach(Iter.of().cgroup(grandchild,
                        CgroupIterOrder.ANCESTORS_UP))) {
                    List<String> lines = up.iteratorLines();
                    assertEquals(Arrays.asList("cgroup " + grandchildId, "cgroup " + childId), lines.subList(0, 2));
                }
            }
        } finally {
            java.nio.file.Files.deleteIfExists(grandchild);
            java.nio.file.Files.deleteIfExists(child);
            LinkTestSupport.exit("umount", mnt.toString());
            java.nio.file.Files.deleteIfExists(mnt);
        }
    }

    private static long ino(Path p) throws IOException {
        return ((Number) java.nio.file.Files.getAttribute(p, "unix:ino")).longValue();
    }

    @Test
    void aClosedIteratorStreamRefusesReads() throws Exception {
        try (BpfObject obj = BpfObject.openResource(SYS_ITER).load();
                BpfLink link = obj.program("maps").attach(Iter.of())) {
            InputStream in = link.openIterator();
            assertTrue(in.read() >= 0);
            in.close();
            in.close();
            IOException e = assertThrows(IOException.class, in::read);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }

    @Test
    void anIterOfANonIteratorProgramIsRefusedByType() throws Exception {
        try (BpfObject obj = BpfObject.openResource(LinkTestSupport.SYS_LINK).load()) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> obj.program("pass_a").attach(Iter.of()));
            assertTrue(e.getMessage().contains("TRACING"), e.getMessage());
            assertFalse(Iter.of().equals(Iter.of().process(1)));
            assertEquals(Iter.of().thread(5), Iter.of().thread(5));
        }
    }
}
