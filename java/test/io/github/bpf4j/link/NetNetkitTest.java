/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfNotSupportedException;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Netkit}: on a kernel with netkit (CONFIG_NETKIT, Linux 6.7+) the
 * program runs on a netkit pair made for the test (primary here, peer in the
 * private namespace); on one without, no netkit device can be made, and the
 * attach (to the veth, the nearest thing) says CONFIG_NETKIT is missing.
 */
class NetNetkitTest {
    private NetFixture net;
    private BpfObject obj;
    private String primary;
    private String peer;
    private String primaryIp;
    private String peerIp;

    @BeforeEach
    void setUp() throws Exception {
        net = new NetFixture();
        obj = BpfObject.openResource(NetTcxTest.OBJ).load();
        primary = "bpf4jk" + net.nonce;
        peer = "bpf4jl" + net.nonce;
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (obj != null) {
                obj.close();
            }
        } finally {
            if (net != null) {
                NetFixture.cmd(net.ip, "link", "del", primary);
                net.close();
            }
        }
    }

    /** A netkit pair in L2 mode (Ethernet headers, as count_ports parses), or false if the kernel has none. */
    private boolean netkitPair() throws Exception {
        NetFixture.Cmd add = NetFixture.cmd(net.ip, "link", "add", primary, "type", "netkit", "mode", "l2", "peer",
                "name", peer, "netns", net.ns);
        if (!add.ok()) {
            return false;
        }
        // The veth's /30 moved on by 4: its own, unique to this instance.
        String[] parts = net.rootIp.split("\\.");
        int base = Integer.parseInt(parts[3]) - 1;
        String prefix = parts[0] + "." + parts[1] + "." + ((Integer.parseInt(parts[2]) + 128) % 256) + ".";
        primaryIp = prefix + (base + 1);
        peerIp = prefix + (base + 2);
        NetFixture.must(net.ip, "addr", "add", primaryIp + "/30", "dev", primary);
        NetFixture.must(net.ip, "link", "set", primary, "up");
        NetFixture.must(net.ip, "-n", net.ns, "addr", "add", peerIp + "/30", "dev", peer);
        NetFixture.must(net.ip, "-n", net.ns, "link", "set", peer, "up");
        return true;
    }

    @Test
    void primaryRunsWhereNetkitExistsAndIsNotSupportedWhereNot() throws Exception {
        BpfProgram prog = obj.program("count_ports");
        if (!netkitPair()) {
            BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class,
                    () -> prog.attach(Netkit.primary(net.rootDev)));
            assertTrue(e.getMessage().contains("CONFIG_NETKIT"), e.getMessage());
            assertTrue(e.getMessage().contains("Tcx"), "the hint names what works instead: " + e.getMessage());
            assertThrows(BpfNotSupportedException.class, () -> prog.attach(Netkit.peer(net.rootDev)));
            return;
        }
        BpfMap bySource = obj.map("bytes_by_sport");
        BpfMap byDest = obj.map("bytes_by_dport");
        int port = NetFixture.port();
        // A refused TCP connection crosses the pair both ways (SYN out, RST back): either side's program sees it.
        for (Netkit point : new Netkit[] {Netkit.primary(primary), Netkit.peer(primary)}) {
            AttachProof.runsAndDetaches(() -> {
                BpfLink link = prog.attach(point);
                assertEquals(point.target(), link.target());
                return link;
            }, () -> refused(port), () -> NetFixture.byPort(bySource, port) + NetFixture.byPort(byDest, port));
        }
    }

    private void refused(int port) throws Exception {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(java.net.InetAddress.getByName(peerIp), port), 2000);
        } catch (java.net.ConnectException expected) {
            // the RST came back
        }
    }
}
