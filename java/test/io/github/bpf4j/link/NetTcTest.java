/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Classic tc ({@link Tc}): a cls_bpf filter on the clsact qdisc of a private
 * veth, the qdisc created when missing and removed with the last filter only
 * if bpf4j created it. tc(8) shows the qdisc and filters.
 */
class NetTcTest {
    private NetFixture net;
    private BpfObject obj;
    private String tc;

    @BeforeEach
    void setUp() throws Exception {
        net = new NetFixture();
        tc = NetFixture.find("tc");
        assumeTrue(tc != null, "no tc(8) (iproute2) to look at the qdisc with");
        obj = BpfObject.openResource(NetTcxTest.OBJ).load();
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

    private boolean hasClsact() throws Exception {
        return NetFixture.cmd(tc, "qdisc", "show", "dev", net.rootDev).output.contains("clsact");
    }

    private String filters(String direction) throws Exception {
        return NetFixture.cmd(tc, "filter", "show", "dev", net.rootDev, direction).output;
    }

    @Test
    void egressFilterRunsDetachesAndTakesTheQdiscItMadeAlong() throws Exception {
        BpfProgram prog = obj.program("count_ports");
        BpfMap bytes = obj.map("bytes_by_dport");
        int port = NetFixture.port();
        assertFalse(hasClsact(), "a new veth has no clsact qdisc");
        long moved = AttachProof.runsAndDetaches(() -> {
            BpfLink link = prog.attach(Tc.egress(net.rootDev));
            assertTrue(hasClsact(), "created");
            assertTrue(filters("egress").contains("count_ports"), filters("egress"));
            assertTrue(link.target().startsWith("tc/egress:" + net.rootDev + " priority "), link.target());
            assertThrows(UnsupportedOperationException.class, link::fd, "no BPF link: no fd");
            return link;
        }, () -> net.udp(port, 5, 58), () -> NetFixture.byPort(bytes, port));
        assertEquals(5 * 100, moved);
        assertFalse(hasClsact(), "the qdisc bpf4j created went with its last filter");
    }

    @Test
    void ingressByIndexSeesTheRefusal() throws Exception {
        BpfProgram prog = obj.program("count_ports");
        BpfMap bySource = obj.map("bytes_by_sport");
        int port = NetFixture.port();
        int index = net.rootIndex();
        AttachProof.runsAndDetaches(() -> prog.attach(Tc.ingress(index)), () -> net.tcpRefused(port),
                () -> NetFixture.byPort(bySource, port));
    }

    @Test
    void aQdiscThatWasThereStays() throws Exception {
        NetFixture.must(tc, "qdisc", "add", "dev", net.rootDev, "clsact");
        try (BpfLink link = obj.program("count_ports").attach(Tc.egress(net.rootDev))) {
            assertTrue(filters("egress").contains("count_ports"));
        }
        assertTrue(hasClsact(), "not bpf4j's to remove");
        assertFalse(filters("egress").contains("count_ports"), "the filter is gone");
    }

    @Test
    void theQdiscStaysWhileAnotherFilterIsOnIt() throws Exception {
        BpfLink first = obj.program("mark_a").attach(Tc.egress(net.rootDev));
        try (BpfLink second = obj.program("mark_b").attach(Tc.ingress(net.rootDev))) {
            first.close();
            assertTrue(hasClsact(), "the ingress filter is still on it");
            assertTrue(filters("ingress").contains("mark_b"));
        }
        assertFalse(hasClsact(), "removed with the last filter");
    }

    @Test
    void priorityHandleAndReplace() throws Exception {
        int port = NetFixture.port();
        obj.global("order_port").putShort(0, (short) port);
        ByteBuffer a = obj.global("a_ticket");
        ByteBuffer b = obj.global("b_ticket");
        Tc at = Tc.egress(net.rootDev).priority(7).handle(3);
        try (BpfLink la = obj.program("mark_a").attach(at)) {
            assertEquals("tc/egress:" + net.rootDev + " priority 7 handle 0x3", la.target());
            BpfException e = assertThrows(BpfException.class, () -> obj.program("mark_b").attach(at));
            assertEquals("EEXIST", e.errnoName(), e.getMessage());
            assertTrue(e.getMessage().contains("replace(true)"), e.getMessage());
            try (BpfLink lb = obj.program("mark_b").attach(at.replace(true))) {
                la.close(); // its filter is mark_b's now: left alone
                net.udp(port, 1, 10);
                assertEquals(0, a.getLong(0), "mark_a was replaced");
                assertTrue(b.getLong(0) > 0, "mark_b runs, after mark_a's link was closed");
                assertTrue(hasClsact());
            }
        }
        assertFalse(hasClsact());
        assertThrows(IllegalArgumentException.class,
                () -> obj.program("mark_b").attach(Tc.egress(net.rootDev).replace(true)));
        assertThrows(IllegalArgumentException.class, () -> Tc.egress(net.rootDev).priority(65536));
    }
}
