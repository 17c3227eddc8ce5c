/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.internal.Native;
import java.nio.ByteBuffer;
import java.nio.file.Paths;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Netns}: sk_lookup and flow_dissector attached to the private
 * namespace of a {@link NetFixture}, by name, path and fd; the traffic comes
 * from this JVM over the veth.
 */
class NetNetnsTest {
    private NetFixture net;
    private BpfObject obj;

    @BeforeEach
    void setUp() throws Exception {
        net = new NetFixture();
        obj = BpfObject.openResource("bpf/net_netns.bpf.o").load();
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
    void skLookupCountsTheLookupsOfAConnectionInTheNamespace() throws Exception {
        int port = NetFixture.port();
        obj.global("watch_port").putInt(0, port);
        ByteBuffer lookups = obj.global("lookups");
        BpfProgram prog = obj.program("on_lookup");
        AttachProof.runsAndDetaches(() -> {
            BpfLink link = prog.attach(Netns.named(net.ns));
            assertEquals("netns:/run/netns/" + net.ns, link.target());
            return link;
        }, () -> net.tcpRefused(port), () -> lookups.getLong(0));
        AttachProof.runsAndDetaches(() -> prog.attach(Netns.path(Paths.get("/run/netns", net.ns))),
                () -> net.udp(port, 3, 10), () -> lookups.getLong(0));
        int fd = Native.openNonBlocking("/run/netns/" + net.ns);
        assertTrue(fd >= 0);
        try {
            AttachProof.runsAndDetaches(() -> prog.attach(Netns.fd(fd)), () -> net.tcpRefused(port),
                    () -> lookups.getLong(0));
        } finally {
            Native.close(fd);
        }
    }

    @Test
    void flowDissectorRunsForPacketsTheNamespaceHashes() throws Exception {
        // RPS on the peer's receive queue: each packet it receives is hashed, by the namespace's dissector.
        NetFixture.must(net.ip, "netns", "exec", net.ns, "sh", "-c",
                "echo 1 > /sys/class/net/" + net.peerDev + "/queues/rx-0/rps_cpus");
        ByteBuffer dissections = obj.global("dissections");
        BpfProgram prog = obj.program("on_dissect");
        int port = NetFixture.port();
        AttachProof.runsAndDetaches(() -> prog.attach(Netns.named(net.ns)), () -> net.udp(port, 5, 10),
                () -> dissections.getLong(0));
        try (BpfLink link = prog.attach(Netns.named(net.ns))) {
            BpfException e = assertThrows(BpfException.class, () -> prog.attach(Netns.named(net.ns)));
            assertTrue(e.errnoName().equals("EEXIST") || e.errnoName().equals("E2BIG"), e.getMessage());
            assertTrue(e.getMessage().contains("a flow dissector is attached to the namespace already"), e.getMessage());
        }
    }

    @Test
    void refusesWhatIsNoNamespace() throws Exception {
        BpfException e = assertThrows(BpfException.class,
                () -> obj.program("on_lookup").attach(Netns.named("bpf4j-none-" + net.nonce)));
        assertEquals("ENOENT", e.errnoName(), e.getMessage());
        assertThrows(UnsupportedOperationException.class,
                () -> obj.program("on_netfilter").attach(Netns.current()));
        assertThrows(IllegalArgumentException.class, () -> Netns.named("a/b"));
    }
}
