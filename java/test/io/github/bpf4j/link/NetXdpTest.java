/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Xdp}: as a BPF link and over netlink (with XDP_FLAGS_REPLACE) on the
 * root end of a private veth; the programs (test-bpf/net_xdp.bpf.c) count
 * the RSTs the peer sends back to refused TCP connections.
 */
class NetXdpTest {
    private NetFixture net;
    private BpfObject obj;
    private int port;
    private ByteBuffer first;
    private ByteBuffer second;

    @BeforeEach
    void setUp() throws Exception {
        net = new NetFixture();
        obj = BpfObject.openResource("bpf/net_xdp.bpf.o").load();
        port = NetFixture.port();
        obj.global("watch_port").putShort(0, (short) port);
        first = obj.global("first_count");
        second = obj.global("second_count");
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
    void linkRunsAndDetaches() throws Exception {
        BpfProgram prog = obj.program("xdp_first");
        AttachProof.runsAndDetaches(() -> {
            BpfLink link = prog.attach(Xdp.on(net.rootDev).mode(XdpMode.SKB));
            assertEquals("xdp:" + net.rootDev, link.target());
            assertTrue(link.fd() >= 0);
            return link;
        }, () -> net.tcpRefused(port), () -> first.getLong(0));
        try (BpfLink link = prog.attach(Xdp.on(net.rootIndex()).mode(XdpMode.SKB))) {
            BpfException e = assertThrows(BpfException.class,
                    () -> obj.program("xdp_second").attach(Xdp.on(net.rootDev).mode(XdpMode.SKB)));
            assertEquals("EBUSY", e.errnoName(), e.getMessage());
        }
    }

    @Test
    void netlinkRunsAndDetaches() throws Exception {
        BpfProgram prog = obj.program("xdp_first");
        AttachProof.runsAndDetaches(() -> {
            BpfLink link = prog.attach(Xdp.on(net.rootDev).netlink());
            assertThrows(UnsupportedOperationException.class, link::fd, "no BPF link");
            return link;
        }, () -> net.tcpRefused(port), () -> first.getLong(0));
    }

    @Test
    void netlinkReplaceSwapsOnlyTheExpectedProgram() throws Exception {
        BpfProgram a = obj.program("xdp_first");
        BpfProgram b = obj.program("xdp_second");
        try (BpfLink la = a.attach(Xdp.on(net.rootDev).netlink())) {
            BpfException busy = assertThrows(BpfException.class, () -> b.attach(Xdp.on(net.rootDev).netlink()));
            assertEquals("EBUSY", busy.errnoName(), busy.getMessage());
            BpfException wrong = assertThrows(BpfException.class,
                    () -> b.attach(Xdp.on(net.rootDev).replacing(b)));
            assertEquals("EEXIST", wrong.errnoName(), "b is not the program there: " + wrong.getMessage());
            try (BpfLink lb = b.attach(Xdp.on(net.rootDev).replacing(a))) {
                la.close(); // a is no longer there: nothing to detach
                long a0 = first.getLong(0);
                long b0 = second.getLong(0);
                net.tcpRefused(port);
                assertEquals(a0, first.getLong(0), "a was replaced");
                assertTrue(second.getLong(0) > b0, "b runs, after a's attachment was closed");
            }
            long b1 = second.getLong(0);
            net.tcpRefused(port);
            assertEquals(b1, second.getLong(0), "closing b's attachment detached b");
        }
    }

    @Test
    void pointsAreValues() {
        assertEquals(Xdp.on("eth0").mode(XdpMode.SKB), Xdp.on("eth0").mode(XdpMode.SKB));
        assertEquals("Xdp[xdp:eth0, mode DRIVER, netlink]", Xdp.on("eth0").mode(XdpMode.DRIVER).netlink().toString());
        assertThrows(UnsupportedOperationException.class,
                () -> obj.program("xdp_first").attach(Tcx.egress(net.rootDev)));
    }
}
