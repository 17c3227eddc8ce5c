/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * README showcase: "a tcx egress program on a veth in a test network namespace counting the service's bytes
 * by port". count_ports (test-bpf/net_tc.bpf.c) keeps a HASH map destination port -> bytes; this JVM sends
 * real UDP datagrams and a real TCP stream to a server in the namespace (a second JVM there, started with
 * ip netns exec), and reads the map from Java.
 */
class NetTcxShowcaseTest {

    @Test
    void tcxEgressCountsTheServicesBytesByPort() throws Exception {
        try (NetFixture net = new NetFixture()) {
            int udpPort = NetFixture.port();
            int tcpPort = udpPort == 59999 ? 20000 : udpPort + 1;
            Process server = new ProcessBuilder(net.ip, "netns", "exec", net.ns,
                    System.getProperty("java.home") + "/bin/java", "-XX:TieredStopAtLevel=1", "-cp",
                    System.getProperty("java.class.path"), Server.class.getName(), String.valueOf(tcpPort))
                    .redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                        StandardCharsets.US_ASCII));
                assertEquals("READY", out.readLine(), "the server in the namespace listens");
                int tcpBytes = 1 << 20;

                // --- the README example
                try (BpfObject obj = BpfObject.openResource("bpf/net_tc.bpf.o").load();
                        BpfLink link = obj.program("count_ports").attach(Tcx.egress(net.rootDev))) {
                    net.udp(udpPort, 100, 500); // 100 datagrams of 500 bytes
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(net.peerIp, tcpPort), 5000);
                        OutputStream o = s.getOutputStream();
                        o.write(new byte[tcpBytes]);
                        s.shutdownOutput();
                        assertEquals(-1, s.getInputStream().read(), "the server read it all and closed");
                    }
                    BpfMap bytes = obj.map("bytes_by_dport");
                    long udp = bytesTo(bytes, udpPort);
                    long tcp = bytesTo(bytes, tcpPort);
                    System.out.println("tcx egress on " + net.rootDev + ": port " + udpPort + "/udp " + udp
                            + " bytes, port " + tcpPort + "/tcp " + tcp + " bytes");
                    // ---

                    assertEquals(100L * (500 + 8 + 20 + 14), udp, "every datagram, headers included");
                    // Payload plus at least a header per MSS-sized segment (GSO: one skb may carry several).
                    assertTrue(tcp > tcpBytes && tcp < tcpBytes + tcpBytes / 10, "tcp bytes " + tcp);
                }
                assertEquals("GOT " + tcpBytes, out.readLine());
                assertTrue(server.waitFor(30, TimeUnit.SECONDS));
            } finally {
                server.destroyForcibly();
            }
        }
    }

    /** The bytes counted for one port: the map's key is the port as a native-order u16. */
    static long bytesTo(BpfMap bytes, int port) {
        byte[] key = ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort((short) port).array();
        byte[] value = bytes.lookup(key);
        return value == null ? 0 : ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getLong();
    }

    /** The service, in the namespace: one TCP connection on the port, read to its end. */
    public static final class Server {
        public static void main(String[] args) throws Exception {
            try (ServerSocket ss = new ServerSocket(Integer.parseInt(args[0]))) {
                ss.setSoTimeout(60_000);
                System.out.println("READY");
                System.out.flush();
                try (Socket s = ss.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[65536];
                    long n = 0;
                    for (int r; (r = in.read(buf)) > 0;) {
                        n += r;
                    }
                    System.out.println("GOT " + n);
                }
            }
        }
    }
}
