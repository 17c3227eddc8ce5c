/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static io.github.bpf4j.link.CgroupHooksTest.C_EGRESS;
import static io.github.bpf4j.link.CgroupHooksTest.C_EGRESS2;
import static io.github.bpf4j.link.CgroupHooksTest.UDP_TO_SELF;
import static io.github.bpf4j.link.TestCgroup.counter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfInvalidArgumentException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import java.nio.ByteBuffer;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * {@link BpfLink#update} on every link kind of this family that the kernel lets update (XDP, tcx, cgroup),
 * each proven by traffic or a child's sockets: after the update only the new program's counter moves, the
 * link's {@link BpfLink#info()} names the new program, an update expecting the wrong program (BPF_F_REPLACE)
 * changes nothing, and closing the link detaches whichever program it runs.
 */
class LinkUpdateTest {

    /** An action that can throw, as the fixtures' are. */
    interface Action {
        void run() throws Exception;
    }

    /** Runs {@code action} and asserts that {@code moves} grew and {@code stays} did not. */
    private static void onlyMoves(String what, Action action, LongSupplier moves, LongSupplier stays)
            throws Exception {
        long m0 = moves.getAsLong();
        long s0 = stays.getAsLong();
        action.run();
        assertTrue(moves.getAsLong() > m0, what + ": the program the link runs ran");
        assertEquals(s0, stays.getAsLong(), what + ": the program it no longer runs did not");
    }

    /**
     * The shared script: {@code link} runs {@code a}; updates it to {@code b}; a replace expecting {@code a}
     * (no longer there) fails with EPERM and changes nothing; a replace expecting {@code b} swaps back; close
     * detaches.
     */
    private static void updates(BpfLink link, BpfProgram a, BpfProgram b, Action action, LongSupplier aCount,
            LongSupplier bCount) throws Exception {
        onlyMoves("before update", action, aCount, bCount);
        assertEquals(a.info().id(), link.info().programId());

        link.update(b);
        assertSame(b, link.program());
        assertEquals(b.info().id(), link.info().programId(), "info() reports the new program");
        onlyMoves("after update(b)", action, bCount, aCount);

        BpfException stale = assertThrows(BpfException.class, () -> link.update(a, a));
        assertEquals("EPERM", stale.errnoName(), stale.getMessage());
        assertTrue(stale.getMessage().contains("no longer runs the expected program"), stale.getMessage());
        assertTrue(stale.getMessage().contains("replacing '" + a.name() + "'"), stale.getMessage());
        assertSame(b, link.program(), "a failed update keeps the program");
        assertEquals(b.info().id(), link.info().programId());
        onlyMoves("after a refused update(a, a)", action, bCount, aCount);

        link.update(a, b);
        assertSame(a, link.program());
        assertEquals(a.info().id(), link.info().programId());
        onlyMoves("after update(a, b)", action, aCount, bCount);

        link.close();
        long a0 = aCount.getAsLong();
        long b0 = bCount.getAsLong();
        action.run();
        assertEquals(a0, aCount.getAsLong(), "closed: detached");
        assertEquals(b0, bCount.getAsLong(), "closed: detached");
    }

    @Test
    void xdpLinkSwapsItsProgram() throws Exception {
        try (NetFixture net = new NetFixture(); BpfObject obj = BpfObject.openResource("bpf/net_xdp.bpf.o").load()) {
            int port = NetFixture.port();
            obj.global("watch_port").putShort(0, (short) port);
            ByteBuffer first = obj.global("first_count");
            ByteBuffer second = obj.global("second_count");
            BpfProgram a = obj.program("xdp_first");
            BpfProgram b = obj.program("xdp_second");
            BpfLink link = a.attach(Xdp.on(net.rootDev).mode(XdpMode.SKB));
            try {
                assertEquals(net.rootIndex(), link.info().ifindex());
                updates(link, a, b, () -> net.tcpRefused(port), () -> first.getLong(0), () -> second.getLong(0));
            } finally {
                link.close();
            }
        }
    }

    @Test
    void attachXdpLinkSwapsItsProgramToo() throws Exception {
        try (NetFixture net = new NetFixture(); BpfObject obj = BpfObject.openResource("bpf/net_xdp.bpf.o").load()) {
            int port = NetFixture.port();
            obj.global("watch_port").putShort(0, (short) port);
            ByteBuffer first = obj.global("first_count");
            ByteBuffer second = obj.global("second_count");
            BpfProgram a = obj.program("xdp_first");
            BpfProgram b = obj.program("xdp_second");
            try (BpfLink link = a.attachXdp(net.rootDev, XdpOptions.defaults().mode(XdpMode.SKB))) {
                link.update(b);
                onlyMoves("attachXdp, then update(b)", () -> net.tcpRefused(port), () -> second.getLong(0),
                        () -> first.getLong(0));
            }
        }
    }

    @Test
    void tcxLinkSwapsItsProgram() throws Exception {
        try (NetFixture net = new NetFixture(); BpfObject obj = BpfObject.openResource(NetTcxTest.OBJ).load()) {
            int port = NetFixture.port();
            obj.global("order_port").putShort(0, (short) port);
            ByteBuffer aTicket = obj.global("a_ticket");
            ByteBuffer bTicket = obj.global("b_ticket");
            BpfProgram a = obj.program("mark_a");
            BpfProgram b = obj.program("mark_b");
            // The tickets are the last ticket number each program drew: it grows with every run.
            BpfLink link = a.attach(Tcx.egress(net.rootDev));
            try {
                updates(link, a, b, () -> net.udp(port, 1, 10), () -> aTicket.getLong(0), () -> bTicket.getLong(0));
            } finally {
                link.close();
            }
        }
    }

    @Test
    void tcxLinkRefusesAProgramOfAnotherType() throws Exception {
        try (NetFixture net = new NetFixture(); BpfObject obj = BpfObject.openResource(NetTcxTest.OBJ).load();
                BpfLink link = obj.program("mark_a").attach(Tcx.egress(net.rootDev))) {
            BpfInvalidArgumentException e = assertThrows(BpfInvalidArgumentException.class,
                    () -> link.update(obj.program("not_tc")));
            assertTrue(e.getMessage().contains("bpf_link_update"), e.getMessage());
            assertSame(obj.program("mark_a"), link.program());
        }
    }

    @Test
    void cgroupLinkSwapsItsProgram() throws Exception {
        try (TestCgroup cg = TestCgroup.create(); BpfObject obj = BpfObject.openResource(CgroupHooksTest.OBJ).load()) {
            BpfMap counts = obj.map("counts");
            BpfProgram a = obj.program("count_egress");
            BpfProgram b = obj.program("count_egress2");
            BpfLink link = a.attach(Cgroup.at(cg.path()));
            try {
                updates(link, a, b, () -> cg.python(UDP_TO_SELF).ok(), () -> counter(counts, C_EGRESS),
                        () -> counter(counts, C_EGRESS2));
            } finally {
                link.close();
            }
        }
    }

    @Test
    void cgroupLinkRefusesAProgramOfAnotherType() throws Exception {
        try (TestCgroup cg = TestCgroup.create(); BpfObject obj = BpfObject.openResource(CgroupHooksTest.OBJ).load();
                BpfLink link = obj.program("count_egress").attach(Cgroup.at(cg.path()))) {
            BpfInvalidArgumentException e = assertThrows(BpfInvalidArgumentException.class,
                    () -> link.update(obj.program("count_sock_create")));
            assertTrue(e.getMessage().contains("bpf_link_update(link cgroup_skb/egress:"), e.getMessage());
            assertSame(obj.program("count_egress"), link.program());
        }
    }
}
