/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfObject;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * {@link Netfilter} (Linux 6.4+): a netfilter hook is of the calling
 * thread's namespace, so the attach runs in a child JVM inside the private
 * namespace of a {@link NetFixture} ({@code ip netns exec}), counting the
 * packets that leave at NF_INET_LOCAL_OUT while it sends UDP datagrams to
 * its own loopback.
 */
class NetNetfilterTest {

    @Test
    void localOutCountsThePacketsTheNamespaceSends() throws Exception {
        try (NetFixture net = new NetFixture()) {
            NetFixture.Cmd c = NetFixture.cmd(net.ip, "netns", "exec", net.ns,
                    System.getProperty("java.home") + "/bin/java", "-XX:TieredStopAtLevel=1", "-cp",
                    System.getProperty("java.class.path"), Child.class.getName(),
                    String.valueOf(NetFixture.port()));
            String out = c.output;
            if (out.contains("REFUSED ")) {
                assumeTrue(false, "this kernel refuses netfilter links: " + out.trim());
            }
            if (!c.ok() || !out.contains("MOVED ")) {
                fail("child: " + c);
            }
            long moved = Long.parseLong(out.replaceAll("(?s).*MOVED (\\d+).*", "$1"));
            assertTrue(moved >= 3, "3 datagrams (and their ICMP replies) went out: " + moved);
            assertTrue(out.contains("DEFRAG ok") || out.contains("DEFRAG unsupported"), out);
            System.out.println("netfilter child: " + out.trim());
        }
    }

    @Test
    void pointsAreValues() {
        Netfilter n = Netfilter.ipv6(Netfilter.Hook.PRE_ROUTING).priority(-5).defrag(true);
        assertEquals(n, Netfilter.ipv6(Netfilter.Hook.PRE_ROUTING).priority(-5).defrag(true));
        assertEquals("Netfilter[netfilter/ipv6/pre_routing:-5, defrag]", n.toString());
        assertEquals(10, n.family());
    }

    /** In the namespace: attach, send, count; prints MOVED n, then DEFRAG ok|unsupported, or REFUSED why. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            int port = Integer.parseInt(args[0]);
            try (BpfObject obj = BpfObject.openResource("bpf/net_netns.bpf.o").load()) {
                ByteBuffer count = obj.global("nf_packets");
                long moved;
                try {
                    moved = AttachProof.runsAndDetaches(
                            () -> obj.program("on_netfilter").attach(Netfilter.ipv4(Netfilter.Hook.LOCAL_OUT)),
                            () -> send(port), () -> count.getLong(0));
                } catch (BpfException e) {
                    if (e.errnoName().equals("EINVAL") || e.errnoName().equals("EOPNOTSUPP")) {
                        System.out.println("REFUSED " + e.getMessage());
                        return;
                    }
                    throw e;
                }
                System.out.println("MOVED " + moved);
                try (BpfLink l = obj.program("on_netfilter").attach(Netfilter.ipv4(Netfilter.Hook.LOCAL_OUT)
                        .priority(-100).defrag(true))) {
                    System.out.println("DEFRAG ok " + l.target());
                } catch (BpfException e) {
                    System.out.println("DEFRAG unsupported " + e.getMessage());
                }
            }
        }

        private static void send(int port) throws Exception {
            try (DatagramSocket s = new DatagramSocket()) {
                for (int i = 0; i < 3; i++) {
                    s.send(new DatagramPacket(new byte[10], 10, InetAddress.getByName("127.0.0.1"), port));
                }
            }
        }
    }
}
