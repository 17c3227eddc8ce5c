/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static io.github.bpf4j.link.CgroupHooksTest.C_EGRESS;
import static io.github.bpf4j.link.CgroupHooksTest.UDP_TO_SELF;
import static io.github.bpf4j.link.TestCgroup.counter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfInvalidArgumentException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.Pins;
import io.github.bpf4j.internal.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a cgroup attach says when the directory, the hook, the program or the
 * options are wrong; the cgroup given by fd; the attach point's value semantics.
 */
class CgroupErrorsTest {
    private TestCgroup cg;
    private BpfObject obj;
    private BpfMap counts;

    @BeforeEach
    void setUp() throws IOException {
        cg = TestCgroup.create();
        obj = BpfObject.openResource(CgroupHooksTest.OBJ).load();
        counts = obj.map("counts");
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (obj != null) {
                obj.close();
            }
        } finally {
            if (cg != null) { // null where create() skipped the test
                cg.close(); // a mount left behind would outlive the run
            }
        }
    }

    private BpfProgram egress() {
        return obj.program("count_egress");
    }

    @Test
    void aDirectoryOutsideCgroupV2SaysMountCgroup2() throws Exception {
        Path tmp = Files.createTempDirectory("bpf4j-not-a-cgroup-");
        try {
            BpfInvalidArgumentException e = assertThrows(BpfInvalidArgumentException.class,
                    () -> egress().attach(Cgroup.at(tmp)));
            assertEquals("EBADF", e.errnoName());
            assertTrue(e.getMessage().contains(tmp + " is not a cgroup v2 directory"), e.getMessage());
            assertTrue(e.hint().contains("mount -t cgroup2"), e.hint());
            e = assertThrows(BpfInvalidArgumentException.class, () -> egress().attach(Cgroup.at(tmp).legacy()));
            assertTrue(e.getMessage().startsWith("bpf_prog_attach(program 'count_egress', cgroup_skb/egress, " + tmp),
                    e.getMessage());
        } finally {
            Files.delete(tmp);
        }
    }

    @Test
    void aCgroupV1DirectorySaysSo() throws Exception {
        String v1 = null;
        for (String line : Files.readAllLines(Paths.get("/proc/self/mounts"), StandardCharsets.US_ASCII)) {
            String[] f = line.split(" ");
            if (f.length > 2 && f[2].equals("cgroup")) {
                v1 = f[1];
                break;
            }
        }
        assumeTrue(v1 != null, "no cgroup v1 hierarchy mounted here");
        String dir = v1;
        BpfInvalidArgumentException e = assertThrows(BpfInvalidArgumentException.class,
                () -> egress().attach(Cgroup.at(dir)));
        assertTrue(e.getMessage().contains(dir + " is a cgroup v1 directory"), e.getMessage());
        assertTrue(e.hint().contains("mount -t cgroup2"), e.hint());
    }

    @Test
    void aMissingPathOrAFileIsNamed() throws Exception {
        Path missing = cg.path().resolve("no-such-cgroup");
        BpfException e = assertThrows(BpfException.class, () -> egress().attach(Cgroup.at(missing)));
        assertEquals("ENOENT", e.errnoName());
        assertTrue(e.getMessage().startsWith("open(" + missing + ") failed"), e.getMessage());
        assertTrue(e.getMessage().contains("no directory " + missing), e.getMessage());
        Path file = cg.path().resolve("cgroup.procs");
        e = assertThrows(BpfInvalidArgumentException.class, () -> egress().attach(Cgroup.at(file)));
        assertEquals("ENOTDIR", e.errnoName());
        assertTrue(e.getMessage().contains(file + " is not a directory"), e.getMessage());
    }

    @Test
    void aHookOfAnotherProgramTypeIsRefusedBeforeTheKernel() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> egress().attach(Cgroup.at(cg.path()).hook(CgroupHook.CONNECT4)));
        assertTrue(e.getMessage().contains("is CGROUP_SKB, and this hook takes CGROUP_SOCK_ADDR programs"),
                e.getMessage());
    }

    @Test
    void aHookOfTheRightTypeButTheWrongAttachTypeIsTheKernelsEinval() throws Exception {
        try (BpfObject addr = BpfObject.openResource(CgroupSockAddrTest.OBJ).load()) {
            for (Cgroup point : new Cgroup[] {Cgroup.at(cg.path()).hook(CgroupHook.BIND4),
                Cgroup.at(cg.path()).hook(CgroupHook.BIND4).legacy()}) {
                BpfInvalidArgumentException e = assertThrows(BpfInvalidArgumentException.class,
                        () -> addr.program("connect4").attach(point));
                assertEquals("EINVAL", e.errnoName());
                assertTrue(e.getMessage().contains("the kernel refused to attach the program at cgroup/bind4"),
                        e.getMessage());
                assertTrue(e.hint().contains("expected attach type"), e.hint());
            }
        }
    }

    @Test
    void aProgramOfNoCgroupTypeIsRefused() throws Exception {
        try (BpfObject other = BpfObject.openResource("bpf/trust_socket.bpf.o").load()) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> other.program("keep_all").attach(Cgroup.at(cg.path())));
            assertTrue(e.getMessage().contains("attaches at no cgroup hook"), e.getMessage());
        }
    }

    @Test
    void legacyFlagsOnALinkAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> egress().attach(Cgroup.at(cg.path()).flags(CgroupFlag.ALLOW_MULTI)));
        assertTrue(e.getMessage().contains("ALLOW_MULTI is a flag of the legacy attach"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> egress().attach(Cgroup.at(cg.path()).replacing(egress())));
        assertTrue(e.getMessage().contains("replacing a program is a legacy attach"), e.getMessage());
    }

    @Test
    void aLegacyAttachmentCannotBeARelativeLink() throws Exception {
        Cgroup multi = Cgroup.at(cg.path()).legacy().flags(CgroupFlag.ALLOW_MULTI);
        try (BpfLink legacy = egress().attach(multi)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> obj.program("count_egress2").attach(multi.before(legacy)));
            assertTrue(e.getMessage().contains("name its program: before/after(link.program())"), e.getMessage());
        }
    }

    @Test
    void aClosedRelativeProgramIsRefused() throws Exception {
        try (BpfObject other = BpfObject.openResource(CgroupHooksTest.OBJ).load()) {
            BpfProgram closed = other.program("count_egress");
            other.close();
            assertThrows(IllegalStateException.class,
                    () -> egress().attach(Cgroup.at(cg.path()).legacy().flags(CgroupFlag.ALLOW_MULTI).before(closed)));
        }
    }

    @Test
    void aCgroupByFdIsCopiedSoTheCallerMayCloseIt() throws Exception {
        int fd = Native.cgroupOpen(cg.path().toString());
        assertTrue(fd >= 0);
        BpfLink link;
        try {
            link = egress().attach(Cgroup.ofFd(fd));
            assertEquals("cgroup_skb/egress:fd " + fd, link.target());
        } finally {
            Native.close(fd);
        }
        try {
            assertTrue(AttachProof.delta(() -> cg.python(UDP_TO_SELF).ok(), () -> counter(counts, C_EGRESS)) > 0);
        } finally {
            link.close();
        }
        AttachProof.runsAndDetaches(() -> {
            int f = Native.cgroupOpen(cg.path().toString());
            try {
                return egress().attach(Cgroup.ofFd(f).legacy());
            } finally {
                Native.close(f);
            }
        }, () -> cg.python(UDP_TO_SELF).ok(), () -> counter(counts, C_EGRESS));
        assertThrows(IllegalArgumentException.class, () -> Cgroup.ofFd(-1));
    }

    @Test
    void aProgramOnItsOwnNeedsTheHookNamed() throws Exception {
        try (Kernel.PrivateBpfFs fs = Kernel.privateBpfFs()) {
            Path pin = fs.resolve("egress");
            egress().pin(pin);
            try (BpfProgram alone = Pins.openProgram(pin)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> alone.attach(Cgroup.at(cg.path())));
                assertTrue(e.getMessage().contains("name it: Cgroup.at(dir).hook(CgroupHook."), e.getMessage());
                AttachProof.runsAndDetaches(() -> alone.attach(Cgroup.at(cg.path()).hook(CgroupHook.EGRESS)),
                        () -> cg.python(UDP_TO_SELF).ok(), () -> counter(counts, C_EGRESS));
                AttachProof.runsAndDetaches(() -> alone.attach(Cgroup.at(cg.path()).hook(CgroupHook.EGRESS).legacy()),
                        () -> cg.python(UDP_TO_SELF).ok(), () -> counter(counts, C_EGRESS));
            } finally {
                Pins.unpin(pin);
            }
        }
    }

    @Test
    void pointsAreValues() {
        Cgroup a = Cgroup.at("/sys/fs/cgroup/app");
        assertEquals(a, Cgroup.at(Paths.get("/sys/fs/cgroup/app")));
        assertEquals(a.hashCode(), Cgroup.at("/sys/fs/cgroup/app").hashCode());
        assertNotEquals(a, a.hook(CgroupHook.EGRESS));
        assertNotEquals(a, a.legacy());
        assertNotEquals(a.legacy(), a.legacy().flags(CgroupFlag.ALLOW_MULTI));
        assertEquals(a.legacy().flags(CgroupFlag.ALLOW_MULTI), a.flags(CgroupFlag.ALLOW_MULTI).legacy());
        assertEquals("cgroup:/sys/fs/cgroup/app", a.target());
        assertEquals("sockops:/sys/fs/cgroup/app", a.hook(CgroupHook.SOCK_OPS).target());
        assertEquals("Cgroup[cgroup/connect4:/sys/fs/cgroup/app, legacy, flags [ALLOW_MULTI], first]",
                a.hook(CgroupHook.CONNECT4).legacy().flags(CgroupFlag.ALLOW_MULTI).first().toString());
        assertEquals(null, a.hook());
        assertTrue(a.flags().isEmpty());
        assertThrows(UnsupportedOperationException.class, () -> a.flags(CgroupFlag.PREORDER).flags().clear());
        assertThrows(NullPointerException.class, () -> Cgroup.at((String) null));
        assertThrows(IllegalArgumentException.class, () -> Cgroup.at(""));
        assertThrows(IllegalArgumentException.class, () -> a.expectedRevision(-1));
        assertEquals(CgroupHook.CONNECT4, CgroupHook.ofAttachType(10));
        assertEquals(null, CgroupHook.ofAttachType(37)); // BPF_XDP
        for (CgroupHook h : CgroupHook.values()) {
            assertEquals(h, CgroupHook.ofAttachType(h.attachType()));
        }
    }
}
