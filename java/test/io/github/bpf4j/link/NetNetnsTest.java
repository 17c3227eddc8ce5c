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

    /**
     * Steering: a child JVM in the namespace listens on an ephemeral port, puts its listening socket in
     * steer_to and attaches {@code steer} to its own namespace ({@link Netns#current()}); a connection from
     * here to another port, where nothing listens, lands on that socket.
     */
    @Test
    void skLookupSteersAConnectionToAListenerOnAnotherPort() throws Exception {
        int port = NetFixture.port();
        java.io.File log = java.io.File.createTempFile("bpf4j-steer-", ".txt");
        log.deleteOnExit();
        Process child = new ProcessBuilder(net.ip, "netns", "exec", net.ns,
                System.getProperty("java.home") + "/bin/java", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), Steer.class.getName(), String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(log).start();
        try {
            String ready = awaitLine(log, "READY ", child);
            int listening = Integer.parseInt(ready.substring(6).trim());
            assertTrue(listening != port, "the listener is on another port than the one connected to");
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(net.peerIp, port), 5000);
                s.getOutputStream().write("hello\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                assertEquals(-1, s.getInputStream().read(), "the listener read it and closed");
            } catch (java.io.IOException e) {
                child.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                throw new AssertionError(e + "; child: " + read(log), e);
            }
            assertTrue(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
            String said = read(log);
            assertEquals(0, child.exitValue(), said);
            // The accepted socket has the address the client asked for: the listener on `listening` got it.
            assertTrue(said.contains("ACCEPTED on " + port + ": hello"), said);
            assertTrue(said.contains("STEERED 1"), said);
        } finally {
            child.destroyForcibly();
        }
    }

    private static String read(java.io.File f) throws java.io.IOException {
        return new String(java.nio.file.Files.readAllBytes(f.toPath()), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String awaitLine(java.io.File f, String prefix, Process p) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (String line : read(f).split("\n")) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + prefix + "line from the child: " + read(f));
    }

    /** In the namespace: READY port, then ACCEPTED on port: line, STEERED n. */
    public static final class Steer {
        public static void main(String[] args) throws Exception {
            int port = Integer.parseInt(args[0]);
            // A channel's socket, not new ServerSocket(): JDK 8's plain accepted Socket reports the listener's
            // port as its local port, while a channel asks the kernel (getsockname), which tells the steered
            // connection's real destination.
            try (BpfObject obj = BpfObject.openResource("bpf/net_netns.bpf.o").load();
                    java.nio.channels.ServerSocketChannel channel = java.nio.channels.ServerSocketChannel.open()) {
                java.net.ServerSocket ss = channel.socket();
                ss.bind(new java.net.InetSocketAddress(0));
                int fd = NetSockmapTest.fdOf(ss.getLocalPort(), 0);
                obj.map("steer_to").update(new byte[4], java.nio.ByteBuffer.allocate(8)
                        .order(java.nio.ByteOrder.nativeOrder()).putLong(fd).array());
                obj.global("steer_port").putInt(0, port);
                try (BpfLink link = obj.program("steer").attach(Netns.current())) {
                    System.out.println("READY " + ss.getLocalPort());
                    System.out.flush();
                    ss.setSoTimeout(20_000);
                    try (java.net.Socket s = ss.accept()) {
                        String line = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                                java.nio.charset.StandardCharsets.US_ASCII)).readLine();
                        System.out.println("ACCEPTED on " + s.getLocalPort() + ": " + line);
                    }
                }
                System.out.println("STEERED " + obj.global("steered").getLong(0));
            }
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
