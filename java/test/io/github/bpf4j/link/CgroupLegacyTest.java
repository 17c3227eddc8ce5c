/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static io.github.bpf4j.link.CgroupHooksTest.C_EGRESS;
import static io.github.bpf4j.link.CgroupHooksTest.C_EGRESS2;
import static io.github.bpf4j.link.CgroupHooksTest.UDP_TO_SELF;
import static io.github.bpf4j.link.TestCgroup.counter;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfInvalidArgumentException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfPermissionException;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The legacy attach (BPF_PROG_ATTACH with the multi-attach flags, detached
 * with BPF_PROG_DETACH: a BpfLink without fd) and the ordering of BPF links
 * (first/before, expected revision), against the kernel's rules: which
 * programs run for a process in a cgroup and in a sub-cgroup of it.
 */
class CgroupLegacyTest {
    private TestCgroup cg;
    private BpfObject obj;
    private BpfMap counts;
    private BpfProgram one;
    private BpfProgram two;

    @BeforeEach
    void setUp() throws IOException {
        cg = TestCgroup.create();
        obj = BpfObject.openResource(CgroupHooksTest.OBJ).load();
        counts = obj.map("counts");
        one = obj.program("count_egress");
        two = obj.program("count_egress2");
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

    /** How much one datagram of a child in {@code cgroup} moves counters one and two. */
    private long[] moved(Path cgroup) throws Exception {
        long a = counter(counts, C_EGRESS), b = counter(counts, C_EGRESS2);
        cg.pythonIn(cgroup, UDP_TO_SELF).ok();
        return new long[] {counter(counts, C_EGRESS) - a, counter(counts, C_EGRESS2) - b};
    }

    private static int id(BpfProgram p) {
        int[] info = new int[NativeLayout.PROG_INFO_LEN];
        assertTrue(Native.progInfo(p.fd(), info, new byte[16]) >= 0);
        return info[NativeLayout.PROG_INFO_ID];
    }

    /** The ids of the programs attached at the egress hook of the test cgroup, in run order; revision in rev[0]. */
    private int[] attached(long[] rev) {
        int fd = Native.cgroupOpen(cg.path().toString());
        assertTrue(fd >= 0);
        try {
            int[] ids = new int[64];
            int n = Native.cgroupQuery(fd, CgroupHook.EGRESS.attachType(), ids, rev);
            assertTrue(n >= 0, "bpf_prog_query: " + n);
            return Arrays.copyOf(ids, n);
        } finally {
            Native.close(fd);
        }
    }

    @Test
    void legacyAttachHasNoFdAndDetachesOnCloseAndWhenForgotten() throws Exception {
        try (BpfLink link = one.attach(Cgroup.at(cg.path()).legacy())) {
            assertThrows(UnsupportedOperationException.class, link::fd, "a legacy attachment is no BPF link");
            assertArrayEquals(new int[] {id(one)}, attached(new long[1]));
        }
        assertArrayEquals(new int[0], attached(new long[1]));
        AttachProof.runsAndDetaches(() -> one.attach(Cgroup.at(cg.path()).legacy()),
                () -> cg.python(UDP_TO_SELF).ok(), () -> counter(counts, C_EGRESS));
        AttachProof.runsAndDetaches(() -> one.attach(Cgroup.at(cg.path()).legacy().flags(CgroupFlag.ALLOW_MULTI)),
                () -> cg.python(UDP_TO_SELF).ok(), () -> counter(counts, C_EGRESS));
    }

    @Test
    void legacyLinkOutlivesItsObject() throws Exception {
        int id = id(one);
        BpfLink link = one.attach(Cgroup.at(cg.path()).legacy());
        obj.close(); // the program's fd is gone; the attachment holds a copy of it
        obj = null;
        assertArrayEquals(new int[] {id}, attached(new long[1]), "still attached: the kernel holds the program");
        link.close();
        assertArrayEquals(new int[0], attached(new long[1]), "detached with the copy of the program fd");
        assertThrows(IllegalStateException.class, link::fd);
    }

    @Test
    void allowMultiRunsBothPrograms() throws Exception {
        Cgroup multi = Cgroup.at(cg.path()).legacy().flags(CgroupFlag.ALLOW_MULTI);
        try (BpfLink a = one.attach(multi); BpfLink b = two.attach(multi)) {
            assertArrayEquals(new long[] {1, 1}, moved(cg.path()));
            assertArrayEquals(new int[] {id(one), id(two)}, attached(new long[1]), "run in attach order");
            a.close();
            assertArrayEquals(new long[] {0, 1}, moved(cg.path()), "closing one leaves the other attached");
        }
        assertArrayEquals(new long[] {0, 0}, moved(cg.path()));
    }

    @Test
    void allowOverrideLetsASubCgroupReplaceTheProgram() throws Exception {
        Path sub = cg.sub("sub");
        try (BpfLink parent = one.attach(Cgroup.at(cg.path()).legacy().flags(CgroupFlag.ALLOW_OVERRIDE))) {
            assertArrayEquals(new long[] {1, 0}, moved(sub), "the parent's program runs in the sub-cgroup");
            try (BpfLink child = two.attach(Cgroup.at(sub).legacy().flags(CgroupFlag.ALLOW_OVERRIDE))) {
                assertArrayEquals(new long[] {0, 1}, moved(sub), "overridden in the sub-cgroup");
                assertArrayEquals(new long[] {1, 0}, moved(cg.path()), "not in the parent");
            }
            assertArrayEquals(new long[] {1, 0}, moved(sub), "the parent's again once the override is detached");
        }
    }

    @Test
    void exclusiveAttachRefusesEveryOtherBelowAndBeside() throws Exception {
        Path sub = cg.sub("sub");
        try (BpfLink parent = one.attach(Cgroup.at(cg.path()).legacy())) {
            BpfPermissionException e = assertThrows(BpfPermissionException.class,
                    () -> two.attach(Cgroup.at(sub).legacy().flags(CgroupFlag.ALLOW_MULTI)));
            assertEquals("EPERM", e.errnoName());
            assertTrue(e.getMessage().contains("does not allow this attach"), e.getMessage());
            assertTrue(e.hint().contains("exclusive"), e.hint());
            e = assertThrows(BpfPermissionException.class, () -> two.attach(Cgroup.at(cg.path())));
            assertTrue(e.getMessage().contains("bpf_link_create(program 'count_egress2', cgroup_skb/egress, "
                    + cg.path() + ")"), e.getMessage());
            assertArrayEquals(new long[] {1, 0}, moved(sub));
        }
    }

    @Test
    void multiRefusesTheSameProgramTwice() throws Exception {
        Cgroup multi = Cgroup.at(cg.path()).legacy().flags(CgroupFlag.ALLOW_MULTI);
        try (BpfLink a = one.attach(multi)) {
            BpfException e = assertThrows(BpfException.class, () -> one.attach(multi));
            // Linux 6.16's cgroup mprog answers EINVAL where older kernels said EEXIST.
            assertTrue(e.errnoName().equals("EINVAL") || e.errnoName().equals("EEXIST"), e.toString());
            assertTrue(e.getMessage().contains("attached at cgroup_skb/egress of " + cg.path() + " already")
                    || e.hint().contains("a program attaches once per cgroup and hook"), e.toString());
            assertArrayEquals(new int[] {id(one)}, attached(new long[1]));
        }
    }

    @Test
    void replaceSwapsOneProgramForAnother() throws Exception {
        Cgroup multi = Cgroup.at(cg.path()).legacy().flags(CgroupFlag.ALLOW_MULTI);
        try (BpfLink a = one.attach(multi)) {
            assertArrayEquals(new long[] {1, 0}, moved(cg.path()));
            try (BpfLink b = two.attach(multi.replacing(one))) {
                assertArrayEquals(new int[] {id(two)}, attached(new long[1]), "replaced in place");
                assertArrayEquals(new long[] {0, 1}, moved(cg.path()));
                a.close(); // one is no longer attached: nothing to detach
                assertArrayEquals(new long[] {0, 1}, moved(cg.path()));
            }
            assertArrayEquals(new long[] {0, 0}, moved(cg.path()));
            BpfException e = assertThrows(BpfException.class, () -> two.attach(multi.replacing(one)));
            assertEquals("ENOENT", e.errnoName());
            assertTrue(e.getMessage().contains("the program to replace is not attached"), e.getMessage());
        }
        BpfInvalidArgumentException e = assertThrows(BpfInvalidArgumentException.class,
                () -> two.attach(Cgroup.at(cg.path()).legacy().replacing(one)));
        assertTrue(e.hint().contains("replacing needs ALLOW_MULTI"), e.hint());
    }

    /** BPF links at one hook: placed first, before another, at an expected revision (cgroup mprog, Linux 6.16). */
    @Test
    void linksArePlacedFirstBeforeAndAtARevision() throws Exception {
        try (BpfLink a = one.attach(Cgroup.at(cg.path()))) {
            BpfLink b;
            try {
                b = two.attach(Cgroup.at(cg.path()).first());
            } catch (BpfInvalidArgumentException e) {
                assumeTrue(false, "this kernel cannot order cgroup programs (BPF_F_BEFORE, Linux 6.16): " + e);
                return;
            }
            try {
                assertArrayEquals(new int[] {id(two), id(one)}, attached(new long[1]), "two placed first");
            } finally {
                b.close();
            }
            long[] rev = new long[1];
            attached(rev);
            assertTrue(rev[0] > 0, "revision " + rev[0]);
            BpfException stale = assertThrows(BpfException.class,
                    () -> two.attach(Cgroup.at(cg.path()).expectedRevision(rev[0] + 1)));
            assertEquals("ESTALE", stale.errnoName());
            assertTrue(stale.getMessage().contains("changed since the expected revision"), stale.getMessage());
            try (BpfLink c = two.attach(Cgroup.at(cg.path()).before(a).expectedRevision(rev[0]))) {
                assertArrayEquals(new int[] {id(two), id(one)}, attached(new long[1]), "two before a's program");
                assertArrayEquals(new long[] {1, 1}, moved(cg.path()));
            }
            try (BpfLink c = two.attach(Cgroup.at(cg.path()).after(a))) {
                assertArrayEquals(new int[] {id(one), id(two)}, attached(new long[1]), "two after a's program");
            }
            // A program attached by a link is named by its link.
            BpfInvalidArgumentException e = assertThrows(BpfInvalidArgumentException.class,
                    () -> two.attach(Cgroup.at(cg.path()).after(one)));
            assertTrue(e.hint().contains("by its link"), e.hint());
        }
    }

    /** Legacy ALLOW_MULTI programs are placed relative to a program (cgroup mprog, Linux 6.16). */
    @Test
    void legacyProgramsArePlacedBeforeAnother() throws Exception {
        Cgroup multi = Cgroup.at(cg.path()).legacy().flags(CgroupFlag.ALLOW_MULTI);
        try (BpfLink a = one.attach(multi)) {
            BpfLink b;
            try {
                b = two.attach(multi.before(one));
            } catch (BpfInvalidArgumentException e) {
                assumeTrue(false, "this kernel cannot order cgroup programs (BPF_F_BEFORE, Linux 6.16): " + e);
                return;
            }
            try {
                assertArrayEquals(new int[] {id(two), id(one)}, attached(new long[1]));
                assertArrayEquals(new long[] {1, 1}, moved(cg.path()));
            } finally {
                b.close();
            }
            assertArrayEquals(new int[] {id(one)}, attached(new long[1]));
        }
    }

    /** BPF_F_PREORDER (Linux 6.15): accepted for links and legacy multi attaches, and the program runs. */
    @Test
    void preorderAttachesAndRuns() throws Exception {
        for (Cgroup point : new Cgroup[] {Cgroup.at(cg.path()).flags(CgroupFlag.PREORDER),
            Cgroup.at(cg.path()).legacy().flags(CgroupFlag.ALLOW_MULTI, CgroupFlag.PREORDER)}) {
            try {
                one.attach(point).close();
            } catch (BpfInvalidArgumentException e) {
                assumeTrue(false, "this kernel has no BPF_F_PREORDER (Linux 6.15): " + e);
            }
            AttachProof.runsAndDetaches(() -> one.attach(point), () -> cg.python(UDP_TO_SELF).ok(),
                    () -> counter(counts, C_EGRESS));
        }
    }
}
