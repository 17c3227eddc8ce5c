/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static io.github.bpf4j.link.TestCgroup.counter;
import static io.github.bpf4j.link.TestCgroup.u16;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * cgroup sock_addr hooks (test-bpf/cgroup_sock_addr.bpf.c), each proven by a
 * real socket call of a child process placed in a private cgroup v2: the
 * program ran (its counter moved), did what it does (refused, rewrote), and
 * stops when detached.
 */
class CgroupSockAddrTest {
    static final String OBJ = "bpf/cgroup_sock_addr.bpf.o";
    // counts[] indices, as in the program
    static final int C_CONNECT4 = 0, C_CONNECT6 = 1, C_BIND4 = 2, C_SENDMSG4 = 3, C_RECVMSG4 = 4,
            C_GETSOCKNAME4 = 5, C_GETPEERNAME4 = 6, C_CONNECT_UNIX = 7,
            C_BIND6 = 8, C_SENDMSG6 = 9, C_RECVMSG6 = 10, C_GETSOCKNAME6 = 11, C_GETPEERNAME6 = 12;

    /** Connects to each port given as an argument; prints the server's first line, or "errno N". */
    static final String CONNECT = "import socket,sys\n"
            + "fam = socket.AF_INET6 if sys.argv[1] == '::1' else socket.AF_INET\n"
            + "for p in sys.argv[2:]:\n"
            + "  s = socket.socket(fam, socket.SOCK_STREAM)\n"
            + "  s.settimeout(5)\n"
            + "  try:\n"
            + "    s.connect((sys.argv[1], int(p)))\n"
            + "    print(s.makefile().readline().strip())\n"
            + "  except OSError as e:\n"
            + "    print('errno', e.errno)\n"
            + "  s.close()\n";

    private final List<AutoCloseable> toClose = new ArrayList<AutoCloseable>();
    private TestCgroup cg;

    @BeforeEach
    void cgroup() throws IOException {
        cg = TestCgroup.create();
    }

    @AfterEach
    void close() throws Exception {
        try {
            for (int i = toClose.size() - 1; i >= 0; i--) {
                toClose.get(i).close();
            }
        } finally {
            if (cg != null) { // null where create() skipped the test
                cg.close(); // a mount left behind would outlive the run
            }
        }
    }

    private BpfObject load(int refused, int from, int to, int shown) throws IOException {
        BpfObject obj = BpfObject.openResource(OBJ);
        toClose.add(obj);
        obj.setGlobal("refused_port", u16(refused));
        obj.setGlobal("redirect_from", u16(from));
        obj.setGlobal("redirect_to", u16(to));
        obj.setGlobal("shown_port", u16(shown));
        return obj.load();
    }

    /** A TCP server on {@code address} answering every connection with {@code name} and a newline. */
    private ServerSocket server(InetAddress address, final String name) throws IOException {
        final ServerSocket s = new ServerSocket(0, 50, address);
        toClose.add(s);
        Thread t = new Thread(() -> {
            while (true) {
                try (Socket c = s.accept(); OutputStream out = c.getOutputStream()) {
                    out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    return; // closed
                }
            }
        }, "server " + name);
        t.setDaemon(true);
        t.start();
        return s;
    }

    private static InetAddress loopback4() throws IOException {
        return InetAddress.getByName("127.0.0.1");
    }

    /** The README's showcase: connect4 on a cgroup refuses one port and redirects another, for that cgroup only. */
    @Test
    void connect4RefusesAndRedirectsTheCgroupsConnections() throws Exception {
        ServerSocket refused = server(loopback4(), "refused-port server");
        ServerSocket old = server(loopback4(), "old server");
        ServerSocket moved = server(loopback4(), "new server");
        int a = refused.getLocalPort(), b = old.getLocalPort(), c = moved.getLocalPort();
        BpfObject obj = load(a, b, c, 0);
        final BpfMap counts = obj.map("counts");

        assertEquals("refused-port server\nold server", cg.python(CONNECT, "127.0.0.1", "" + a, "" + b).ok(),
                "nothing attached yet");
        try (BpfLink link = obj.program("connect4").attach(Cgroup.at(cg.path()))) {
            assertEquals("cgroup/connect4:" + cg.path(), link.target());
            assertEquals("errno 1\nnew server", cg.python(CONNECT, "127.0.0.1", "" + a, "" + b).ok(),
                    "connect(2) to port " + a + " refused (EPERM), to port " + b + " sent to " + c);
            // This JVM is in no test cgroup: the program leaves its sockets alone.
            try (Socket s = new Socket(loopback4(), a)) {
                assertEquals(a, s.getPort());
            }
        }
        assertEquals("refused-port server\nold server", cg.python(CONNECT, "127.0.0.1", "" + a, "" + b).ok(),
                "detached on close()");
        AttachProof.runsAndDetaches(() -> obj.program("connect4").attach(Cgroup.at(cg.path())),
                () -> cg.python(CONNECT, "127.0.0.1", "" + c).ok(), () -> counter(counts, C_CONNECT4));
    }

    @Test
    void connect6RefusesAPortOnIpv6() throws Exception {
        InetAddress v6;
        ServerSocket s;
        try {
            v6 = Inet6Address.getByName("::1");
            s = server(v6, "v6 server");
        } catch (IOException e) {
            assumeTrue(false, "no IPv6 loopback (::1) here: " + e);
            return;
        }
        int port = s.getLocalPort();
        BpfObject obj = load(port, 0, 0, 0);
        BpfMap counts = obj.map("counts");
        try (BpfLink link = obj.program("connect6").attach(Cgroup.at(cg.path()))) {
            assertEquals("errno 1", cg.python(CONNECT, "::1", "" + port).ok());
        }
        assertEquals("v6 server", cg.python(CONNECT, "::1", "" + port).ok());
        AttachProof.runsAndDetaches(() -> obj.program("connect6").attach(Cgroup.at(cg.path())),
                () -> cg.python(CONNECT, "::1", "" + port).ok(), () -> counter(counts, C_CONNECT6));
    }

    @Test
    void bind4RefusesAPort() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, loopback4())) {
            port = probe.getLocalPort(); // free once closed; the child binds it
        }
        BpfObject obj = load(port, 0, 0, 0);
        BpfMap counts = obj.map("counts");
        String bind = "import socket,sys\n"
                + "s = socket.socket()\n"
                + "try:\n"
                + "  s.bind(('127.0.0.1', int(sys.argv[1]))); print('bound')\n"
                + "except OSError as e:\n"
                + "  print('errno', e.errno)\n";
        try (BpfLink link = obj.program("bind4").attach(Cgroup.at(cg.path()))) {
            assertEquals("errno 1", cg.python(bind, "" + port).ok());
            assertEquals("bound", cg.python(bind, "0").ok(), "another port binds");
        }
        AttachProof.runsAndDetaches(() -> obj.program("bind4").attach(Cgroup.at(cg.path())),
                () -> cg.python(bind, "0").ok(), () -> counter(counts, C_BIND4));
    }

    /** sendmsg4 sends a datagram meant for one port to another; recvmsg4 rewrites the sender the child sees. */
    @Test
    void sendmsg4RedirectsAndRecvmsg4RewritesTheSource() throws Exception {
        DatagramSocket meant = new DatagramSocket(0, loopback4());
        DatagramSocket got = new DatagramSocket(0, loopback4());
        toClose.add(meant);
        toClose.add(got);
        got.setSoTimeout(5000);
        BpfObject obj = load(0, meant.getLocalPort(), got.getLocalPort(), 4242);
        BpfMap counts = obj.map("counts");
        String send = "import socket,sys\n"
                + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                + "s.sendto(b'hello', ('127.0.0.1', int(sys.argv[1])))\n";
        try (BpfLink link = obj.program("sendmsg4").attach(Cgroup.at(cg.path()))) {
            cg.python(send, "" + meant.getLocalPort()).ok();
            DatagramPacket p = new DatagramPacket(new byte[16], 16);
            got.receive(p);
            assertEquals("hello", new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII),
                    "the datagram for port " + meant.getLocalPort() + " arrived at " + got.getLocalPort());
        }
        AttachProof.runsAndDetaches(() -> obj.program("sendmsg4").attach(Cgroup.at(cg.path())),
                () -> cg.python(send, "" + got.getLocalPort()).ok(), () -> counter(counts, C_SENDMSG4));

        // The child sends to itself and prints the source port recvfrom reports.
        String source = "import socket\n"
                + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                + "s.bind(('127.0.0.1', 0))\n"
                + "s.sendto(b'x', s.getsockname())\n"
                + "print(s.recvfrom(16)[1][1])\n";
        try (BpfLink link = obj.program("recvmsg4").attach(Cgroup.at(cg.path()))) {
            assertEquals("4242", cg.python(source).ok(), "recvfrom(2) reports the rewritten source port");
        }
        AttachProof.runsAndDetaches(() -> obj.program("recvmsg4").attach(Cgroup.at(cg.path())),
                () -> cg.python(source).ok(), () -> counter(counts, C_RECVMSG4));
    }

    @Test
    void getsocknameAndGetpeernameRewriteWhatTheChildSees() throws Exception {
        ServerSocket s = server(loopback4(), "server");
        BpfObject obj = load(0, 0, 0, 4243);
        BpfMap counts = obj.map("counts");
        String names = "import socket,sys\n"
                + "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), 5)\n"
                + "print(s.getsockname()[1] == 4243, s.getpeername()[1])\n";
        String port = "" + s.getLocalPort();
        assertEquals("False " + port, cg.python(names, port).ok());
        try (BpfLink name = obj.program("getsockname4").attach(Cgroup.at(cg.path()))) {
            assertEquals("True " + port, cg.python(names, port).ok());
            try (BpfLink peer = obj.program("getpeername4").attach(Cgroup.at(cg.path()))) {
                assertEquals("True 4243", cg.python(names, port).ok());
            }
        }
        AttachProof.runsAndDetaches(() -> obj.program("getsockname4").attach(Cgroup.at(cg.path())),
                () -> cg.python(names, port).ok(), () -> counter(counts, C_GETSOCKNAME4));
        AttachProof.runsAndDetaches(() -> obj.program("getpeername4").attach(Cgroup.at(cg.path())),
                () -> cg.python(names, port).ok(), () -> counter(counts, C_GETPEERNAME4));
    }

    /** connect_unix (Linux 6.7): the child's connect(2) to its own unix socket is refused while attached. */
    @Test
    void connectUnixRefusesUnixSocketConnections() throws Exception {
        BpfObject obj = load(0, 0, 0, 0);
        BpfMap counts = obj.map("counts");
        String unix = "import socket,os,tempfile\n"
                + "d = tempfile.mkdtemp()\n"
                + "p = os.path.join(d, 's')\n"
                + "srv = socket.socket(socket.AF_UNIX); srv.bind(p); srv.listen(1)\n"
                + "c = socket.socket(socket.AF_UNIX)\n"
                + "try:\n"
                + "  c.connect(p); print('connected')\n"
                + "except OSError as e:\n"
                + "  print('errno', e.errno)\n"
                + "os.unlink(p); os.rmdir(d)\n";
        assertEquals("connected", cg.python(unix).ok());
        try (BpfLink link = obj.program("connect_unix").attach(Cgroup.at(cg.path()))) {
            assertEquals("cgroup/connect_unix:" + cg.path(), link.target());
            assertEquals("errno 1", cg.python(unix).ok());
        }
        AttachProof.runsAndDetaches(() -> obj.program("connect_unix").attach(Cgroup.at(cg.path())),
                () -> cg.python(unix).ok(), () -> counter(counts, C_CONNECT_UNIX));
    }

    /** bind6, sendmsg6, recvmsg6, getsockname6 and getpeername6 on ::1, each seen changing what the child gets. */
    @Test
    void ipv6SiblingsRunAndAct() throws Exception {
        ServerSocket server;
        try {
            server = server(Inet6Address.getByName("::1"), "v6 server");
        } catch (IOException e) {
            assumeTrue(false, "no IPv6 loopback (::1) here: " + e);
            return;
        }
        int refused;
        try (ServerSocket probe = new ServerSocket(0, 1, Inet6Address.getByName("::1"))) {
            refused = probe.getLocalPort();
        }
        BpfObject obj = load(refused, 0, 0, 4245);
        BpfMap counts = obj.map("counts");
        String port = "" + server.getLocalPort();
        String bind = "import socket,sys\n"
                + "s = socket.socket(socket.AF_INET6)\n"
                + "try:\n"
                + "  s.bind(('::1', int(sys.argv[1]))); print('bound')\n"
                + "except OSError as e:\n"
                + "  print('errno', e.errno)\n";
        String udp = "import socket\n"
                + "s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\n"
                + "s.bind(('::1', 0))\n"
                + "s.sendto(b'x', s.getsockname())\n"
                + "print(s.recvfrom(16)[1][1])\n";
        String names = "import socket,sys\n"
                + "s = socket.create_connection(('::1', int(sys.argv[1])), 5)\n"
                + "print(s.getsockname()[1] == 4245, s.getpeername()[1])\n";
        try (BpfLink link = obj.program("bind6").attach(Cgroup.at(cg.path()))) {
            assertEquals("errno 1", cg.python(bind, "" + refused).ok());
        }
        assertEquals("bound", cg.python(bind, "" + refused).ok());
        try (BpfLink link = obj.program("recvmsg6").attach(Cgroup.at(cg.path()))) {
            assertEquals("4245", cg.python(udp).ok());
        }
        try (BpfLink name = obj.program("getsockname6").attach(Cgroup.at(cg.path()));
                BpfLink peer = obj.program("getpeername6").attach(Cgroup.at(cg.path()))) {
            assertEquals("True 4245", cg.python(names, port).ok());
        }
        AttachProof.runsAndDetaches(() -> obj.program("bind6").attach(Cgroup.at(cg.path())),
                () -> cg.python(bind, "0").ok(), () -> counter(counts, C_BIND6));
        AttachProof.runsAndDetaches(() -> obj.program("sendmsg6").attach(Cgroup.at(cg.path())),
                () -> cg.python(udp).ok(), () -> counter(counts, C_SENDMSG6));
        AttachProof.runsAndDetaches(() -> obj.program("recvmsg6").attach(Cgroup.at(cg.path())),
                () -> cg.python(udp).ok(), () -> counter(counts, C_RECVMSG6));
        AttachProof.runsAndDetaches(() -> obj.program("getsockname6").attach(Cgroup.at(cg.path())),
                () -> cg.python(names, port).ok(), () -> counter(counts, C_GETSOCKNAME6));
        AttachProof.runsAndDetaches(() -> obj.program("getpeername6").attach(Cgroup.at(cg.path())),
                () -> cg.python(names, port).ok(), () -> counter(counts, C_GETPEERNAME6));
    }
}
