/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.Kernel;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Sockmap} (sockmap links: Linux 6.10+): sk_skb and sk_msg programs on
 * a SOCKMAP holding one end of a real TCP connection over loopback. A socket
 * takes the map's programs when it is inserted, so every action makes a new
 * connection, inserts it, and sends 1000 bytes.
 */
class NetSockmapTest {
    private static final int SIZE = 1000;
    private BpfObject obj;
    private BpfMap socks;

    @BeforeEach
    void setUp() throws Exception {
        Kernel.requireBpf();
        obj = BpfObject.openResource("bpf/net_sockmap.bpf.o").load();
        socks = obj.map("socks");
    }

    @AfterEach
    void tearDown() {
        if (obj != null) {
            obj.close();
        }
    }

    /** A connection over loopback; the server's (receiving: true) or the client's end goes into the map. */
    private void exchange(boolean receiving) throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket client = new Socket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()), 2000);
            try (Socket server = ss.accept()) {
                int inMap = fdOf(receiving ? server.getLocalPort() : client.getLocalPort(),
                        receiving ? client.getLocalPort() : server.getLocalPort());
                socks.update(u32(0), u64(inMap));
                client.getOutputStream().write(new byte[SIZE]);
                server.setSoTimeout(5000);
                InputStream in = server.getInputStream();
                int got = 0;
                byte[] buf = new byte[SIZE];
                while (got < SIZE) {
                    int r = in.read(buf, 0, SIZE - got);
                    assertTrue(r > 0, "the data arrives");
                    got += r;
                }
                socks.delete(u32(0));
            }
        }
    }

    /**
     * This process's fd of the TCP socket with local port {@code local} and remote port {@code remote}: its
     * inode from /proc/net/tcp or tcp6, then the /proc/self/fd link "socket:[inode]".
     */
    static int fdOf(int local, int remote) throws IOException {
        // Java's sockets are dual-stack (AF_INET6) where IPv6 is on: then they are in tcp6.
        List<String> lines = new java.util.ArrayList<String>(Files.readAllLines(Paths.get("/proc/net/tcp"),
                StandardCharsets.US_ASCII));
        if (Files.exists(Paths.get("/proc/net/tcp6"))) {
            lines.addAll(Files.readAllLines(Paths.get("/proc/net/tcp6"), StandardCharsets.US_ASCII));
        }
        String want = String.format(":%04X", local);
        String peer = String.format(":%04X", remote);
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 9 && f[1].endsWith(want) && f[2].endsWith(peer)) {
                final String link = "socket:[" + f[9] + "]";
                Set<Integer> fds = Kernel.fdsWhere(link::equals);
                assertEquals(1, fds.size(), "one fd for " + link);
                return fds.iterator().next();
            }
        }
        throw new AssertionError("no socket with local port " + local + " in /proc/net/tcp or tcp6");
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    @Test
    void streamVerdictSeesWhatTheSocketReceives() throws Exception {
        ByteBuffer verdict = obj.global("verdict_bytes");
        long moved = AttachProof.runsAndDetaches(() -> {
            BpfLink link = obj.program("on_verdict").attach(Sockmap.of(socks));
            assertEquals("sockmap:socks (sk_skb/stream_verdict)", link.target());
            return link;
        }, () -> exchange(true), () -> verdict.getLong(0));
        assertEquals(SIZE, moved);
    }

    @Test
    void parserAndVerdictTogether() throws Exception {
        ByteBuffer parsed = obj.global("parsed_bytes");
        ByteBuffer verdict = obj.global("verdict_bytes");
        try (BpfLink v = obj.program("on_verdict").attach(Sockmap.of(socks))) {
            AttachProof.runsAndDetaches(() -> obj.program("on_parse").attach(Sockmap.of(socks)),
                    () -> exchange(true), () -> parsed.getLong(0));
            assertTrue(verdict.getLong(0) >= 3 * SIZE, "the verdict ran throughout: " + verdict.getLong(0));
        }
    }

    @Test
    void skMsgSeesWhatTheSocketSends() throws Exception {
        ByteBuffer msg = obj.global("msg_bytes");
        long moved = AttachProof.runsAndDetaches(() -> obj.program("on_msg").attach(Sockmap.of(socks)),
                () -> exchange(false), () -> msg.getLong(0));
        assertEquals(SIZE, moved);
    }

    @Test
    void refusesOtherMaps() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> obj.program("on_msg").attach(Sockmap.of(obj.map("not_a_sockmap"))));
        assertTrue(e.getMessage().contains("SOCKMAP or SOCKHASH"), e.getMessage());
    }
}
