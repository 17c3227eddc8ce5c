/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeLayout;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Tcx} on the real kernel (tcx: Linux 6.6+): test-bpf/net_tc.bpf.c on
 * the root end of a private veth pair ({@link NetFixture}), driven by UDP
 * datagrams and TCP connection attempts from this JVM.
 */
class NetTcxTest {
    static final String OBJ = "bpf/net_tc.bpf.o";
    private NetFixture net;
    private BpfObject obj;

    @BeforeEach
    void setUp() throws Exception {
        net = new NetFixture();
        obj = BpfObject.openResource(OBJ).load();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (obj != null) {
                obj.close();
            }
        } finally {
            if (net != null) {
                net.close();
            }
        }
    }

    @Test
    void egressCountsDatagramsAndDetaches() throws Exception {
        BpfProgram prog = obj.program("count_ports");
        BpfMap bytes = obj.map("bytes_by_dport");
        int port = NetFixture.port();
        long moved = AttachProof.runsAndDetaches(() -> {
            BpfLink link = prog.attach(Tcx.egress(net.rootDev));
            assertEquals("tcx/egress:" + net.rootDev, link.target());
            assertTrue(link.fd() >= 0);
            return link;
        }, () -> net.udp(port, 10, 100), () -> NetFixture.byPort(bytes, port));
        // 100 bytes of payload + UDP 8 + IPv4 20 + Ethernet 14, ten times.
        assertEquals(10 * 142, moved);
    }

    @Test
    void ingressByIndexSeesTheRefusal() throws Exception {
        BpfProgram prog = obj.program("count_ports");
        BpfMap bySource = obj.map("bytes_by_sport");
        int port = NetFixture.port();
        int index = net.rootIndex();
        AttachProof.runsAndDetaches(() -> prog.attach(Tcx.ingress(index)), () -> net.tcpRefused(port),
                () -> NetFixture.byPort(bySource, port));
    }

    /** Which of mark_a and mark_b ran first on one datagram: the lower ticket. */
    private String order(int port) throws Exception {
        ByteBuffer a = obj.global("a_ticket");
        ByteBuffer b = obj.global("b_ticket");
        a.putLong(0, 0);
        b.putLong(0, 0);
        net.udp(port, 1, 10);
        long ta = a.getLong(0);
        long tb = b.getLong(0);
        assertTrue(ta > 0 && tb > 0, "both ran: a " + ta + ", b " + tb);
        return ta < tb ? "ab" : "ba";
    }

    private void orderPort(int port) {
        obj.global("order_port").putShort(0, (short) port);
    }

    @Test
    void placesProgramsBeforeAndAfterAnchors() throws Exception {
        int port = NetFixture.port();
        orderPort(port);
        BpfProgram a = obj.program("mark_a");
        BpfProgram b = obj.program("mark_b");
        try (BpfLink la = a.attach(Tcx.egress(net.rootDev))) {
            try (BpfLink lb = b.attach(Tcx.egress(net.rootDev).before(Anchor.program(a)))) {
                assertEquals("ba", order(port));
            }
            try (BpfLink lb = b.attach(Tcx.egress(net.rootDev).after(Anchor.link(la)))) {
                assertEquals("ab", order(port));
            }
            try (BpfLink lb = b.attach(Tcx.egress(net.rootDev).first())) {
                assertEquals("ba", order(port));
            }
            try (BpfLink lb = b.attach(Tcx.egress(net.rootDev).before(Anchor.programId(id(a))))) {
                assertEquals("ba", order(port));
            }
            try (BpfLink lb = b.attach(Tcx.egress(net.rootDev).before(Anchor.linkFd(la.fd())))) {
                assertEquals("ba", order(port));
            }
            try (BpfLink lb = b.attach(Tcx.egress(net.rootDev))) {
                assertEquals("ab", order(port), "appended by default");
            }
        }
    }

    private static int id(BpfProgram p) {
        int[] info = new int[NativeLayout.PROG_INFO_LEN];
        assertTrue(Native.progInfo(p.fd(), info, new byte[16]) >= 0);
        return info[NativeLayout.PROG_INFO_ID];
    }

    @Test
    void anAnchorNotOnTheHookIsENOENT() throws Exception {
        BpfProgram a = obj.program("mark_a");
        BpfProgram b = obj.program("mark_b");
        try (BpfLink la = a.attach(Tcx.ingress(net.rootDev))) {
            // a is on ingress, not egress
            BpfException e = assertThrows(BpfException.class,
                    () -> b.attach(Tcx.egress(net.rootDev).after(Anchor.program(a))));
            assertEquals("ENOENT", e.errnoName(), e.getMessage());
            assertTrue(e.getMessage().contains("not attached to tcx/egress:" + net.rootDev), e.getMessage());
            assertTrue(e.getMessage().contains("first()/last()"), e.getMessage());
        }
    }

    @Test
    void theSameProgramTwiceIsEEXIST() throws Exception {
        BpfProgram a = obj.program("mark_a");
        try (BpfLink la = a.attach(Tcx.egress(net.rootDev))) {
            BpfException e = assertThrows(BpfException.class, () -> a.attach(Tcx.egress(net.rootDev)));
            assertEquals("EEXIST", e.errnoName(), e.getMessage());
            assertTrue(e.getMessage().contains("runs once per hook"), e.getMessage());
        }
    }

    @Test
    void expectedRevisionRefusesAChangedHook() throws Exception {
        BpfProgram a = obj.program("mark_a");
        BpfProgram b = obj.program("mark_b");
        // A new device's hook is at revision 1; each attach moves it on by one.
        try (BpfLink la = a.attach(Tcx.egress(net.rootDev).expectedRevision(1))) {
            BpfException e = assertThrows(BpfException.class,
                    () -> b.attach(Tcx.egress(net.rootDev).expectedRevision(1)));
            assertEquals("ESTALE", e.errnoName(), e.getMessage());
            assertTrue(e.getMessage().contains("expectedRevision()"), e.getMessage());
            b.attach(Tcx.egress(net.rootDev).expectedRevision(2)).close();
        }
    }

    @Test
    void refusesOtherProgramTypesAndUnknownInterfaces() throws Exception {
        UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class,
                () -> obj.program("not_tc").attach(Tcx.egress(net.rootDev)));
        assertTrue(u.getMessage().contains("SCHED_CLS"), u.getMessage());
        IllegalArgumentException i = assertThrows(IllegalArgumentException.class,
                () -> obj.program("count_ports").attach(Tcx.egress("nx" + net.nonce)));
        assertTrue(i.getMessage().contains("no network interface 'nx" + net.nonce + "'"), i.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tcx.egress("has/slash"));
        assertThrows(IllegalArgumentException.class, () -> Tcx.egress(0));
    }

    @Test
    void pointsAreValues() {
        Tcx t = Tcx.egress("eth0").first();
        assertEquals(t, Tcx.egress("eth0").first());
        assertEquals(t.hashCode(), Tcx.egress("eth0").first().hashCode());
        assertTrue(!t.equals(Tcx.egress("eth0")));
        assertEquals("Tcx[tcx/egress:eth0, before all]", t.toString());
        assertEquals("tcx/ingress:ifindex 3", Tcx.ingress(3).target());
        assertEquals(Anchor.Side.AFTER, Tcx.ingress(3).after(Anchor.programId(7)).side());
    }
}
