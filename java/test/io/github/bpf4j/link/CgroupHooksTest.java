/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static io.github.bpf4j.link.TestCgroup.counter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cgroup hooks other than sock_addr (test-bpf/cgroup_hooks.bpf.c), each
 * proven by what a child process in a private cgroup v2 does: packets,
 * sockets, socket options, sysctls, devices, TCP connections.
 */
class CgroupHooksTest {
    static final String OBJ = "bpf/cgroup_hooks.bpf.o";
    // counts[] indices, as in the program
    static final int C_EGRESS = 0, C_EGRESS2 = 1, C_INGRESS = 2, C_SOCK_CREATE = 3, C_REFUSE_UDP = 4,
            C_SOCK_RELEASE = 5, C_POST_BIND4 = 6, C_GETSOCKOPT = 7, C_SETSOCKOPT = 8, C_SYSCTL = 9, C_DEVICE = 10,
            C_SOCK_OPS = 11, C_SKB = 12, C_POST_BIND6 = 13;

    /** The child sends a UDP datagram to itself over loopback: one packet out, one in. */
    static final String UDP_TO_SELF = "import socket\n"
            + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            + "s.bind(('127.0.0.1', 0))\n"
            + "s.sendto(b'x', s.getsockname())\n"
            + "s.recvfrom(16)\n";

    private TestCgroup cg;
    private BpfObject obj;
    private BpfMap counts;

    @BeforeEach
    void setUp() throws IOException {
        cg = TestCgroup.create();
        obj = BpfObject.openResource(OBJ).load();
        counts = obj.map("counts");
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (obj != null) {
                obj.close();
            }
        } finally {
            if (cg != null) { // null where create() skipped the test
                cg.close(); // a mount left behind would outlive the run
            }
        }
    }

    private long proof(String program, Cgroup point, int counter, String script) throws Exception {
        final BpfProgram p = obj.program(program);
        return AttachProof.runsAndDetaches(() -> p.attach(point), () -> cg.python(script).ok(),
                () -> counter(counts, counter));
    }

    @Test
    void skbEgressAndIngressCountTheCgroupsPackets() throws Exception {
        assertTrue(proof("count_egress", Cgroup.at(cg.path()), C_EGRESS, UDP_TO_SELF) >= 1);
        assertTrue(proof("count_ingress", Cgroup.at(cg.path()), C_INGRESS, UDP_TO_SELF) >= 1);
    }

    @Test
    void sectionWithoutDirectionAttachesWhereTheHookSays() throws Exception {
        Cgroup egress = Cgroup.at(cg.path()).hook(CgroupHook.EGRESS);
        try (BpfLink link = obj.program("count_skb").attach(egress)) {
            assertEquals("cgroup_skb/egress:" + cg.path(), link.target());
        }
        assertTrue(proof("count_skb", egress, C_SKB, UDP_TO_SELF) >= 1);
    }

    @Test
    void sockCreateCountsAndRefusesSockets() throws Exception {
        String udp = "import socket\n"
                + "try:\n"
                + "  socket.socket(socket.AF_INET, socket.SOCK_DGRAM); print('made')\n"
                + "except OSError as e:\n"
                + "  print('errno', e.errno)\n"
                + "socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n";
        proof("count_sock_create", Cgroup.at(cg.path()), C_SOCK_CREATE, udp);
        try (BpfLink link = obj.program("refuse_udp").attach(Cgroup.at(cg.path()))) {
            assertEquals("errno 1", cg.python(udp).ok(), "socket(AF_INET, SOCK_DGRAM) refused; the TCP one made");
        }
        assertEquals("made", cg.python(udp).ok());
    }

    @Test
    void sockReleaseAndPostBindCountSockets() throws Exception {
        String bindAndClose = "import socket\n"
                + "s = socket.socket()\n"
                + "s.bind(('127.0.0.1', 0))\n"
                + "s.close()\n";
        proof("count_sock_release", Cgroup.at(cg.path()), C_SOCK_RELEASE, bindAndClose);
        proof("count_post_bind4", Cgroup.at(cg.path()), C_POST_BIND4, bindAndClose);
        String bind6 = "import socket\n"
                + "s = socket.socket(socket.AF_INET6)\n"
                + "s.bind(('::1', 0))\n";
        proof("count_post_bind6", Cgroup.at(cg.path()), C_POST_BIND6, bind6);
    }

    @Test
    void sockoptProgramsRewriteAndRefuseSocketOptions() throws Exception {
        String get = "import socket\n"
                + "s = socket.socket()\n"
                + "print(s.getsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY))\n";
        String set = "import socket\n"
                + "s = socket.socket()\n"
                + "s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)\n"
                + "try:\n"
                + "  s.setsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY, 3); print('set')\n"
                + "except OSError as e:\n"
                + "  print('errno', e.errno)\n";
        assertEquals("0", cg.python(get).ok());
        try (BpfLink link = obj.program("sockopt_get").attach(Cgroup.at(cg.path()))) {
            assertEquals("77", cg.python(get).ok(), "getsockopt(SO_PRIORITY) rewritten by the program");
        }
        proof("sockopt_get", Cgroup.at(cg.path()), C_GETSOCKOPT, get);
        try (BpfLink link = obj.program("sockopt_set").attach(Cgroup.at(cg.path()))) {
            assertEquals("errno 1", cg.python(set).ok(), "setsockopt(SO_PRIORITY) refused, SO_KEEPALIVE passed");
        }
        assertEquals("set", cg.python(set).ok());
        proof("sockopt_set", Cgroup.at(cg.path()), C_SETSOCKOPT, set);
    }

    @Test
    void sysctlProgramSeesAndRefusesProcSysReads() throws Exception {
        String read = "import sys\n"
                + "print(open('/proc/sys/kernel/osrelease').read().strip() != '')\n"
                + "try:\n"
                + "  print(open('/proc/sys/kernel/ostype').read().strip())\n"
                + "except OSError as e:\n"
                + "  print('errno', e.errno)\n";
        assertEquals("True\nLinux", cg.python(read).ok());
        try (BpfLink link = obj.program("sysctl_guard").attach(Cgroup.at(cg.path()))) {
            assertEquals("True\nerrno 1", cg.python(read).ok(), "kernel/ostype refused, kernel/osrelease read");
        }
        proof("sysctl_guard", Cgroup.at(cg.path()), C_SYSCTL, read);
    }

    @Test
    void deviceProgramGuardsDeviceOpens() throws Exception {
        String open = "print(len(open('/dev/null', 'rb').read()))\n"
                + "try:\n"
                + "  print(len(open('/dev/zero', 'rb').read(4)))\n"
                + "except OSError as e:\n"
                + "  print('errno', e.errno)\n";
        assertEquals("0\n4", cg.python(open).ok());
        try (BpfLink link = obj.program("device_guard").attach(Cgroup.at(cg.path()))) {
            assertEquals("0\nerrno 1", cg.python(open).ok(), "/dev/zero refused, /dev/null opened");
        }
        proof("device_guard", Cgroup.at(cg.path()), C_DEVICE, open);
    }

    @Test
    void sockOpsCountsTheCgroupsTcpConnections() throws Exception {
        try (final ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Thread t = new Thread(() -> {
                while (true) {
                    try (Socket c = server.accept(); OutputStream out = c.getOutputStream()) {
                        out.write('\n');
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "sock_ops server");
            t.setDaemon(true);
            t.start();
            String connect = "import socket\n"
                    + "s = socket.create_connection(('127.0.0.1', " + server.getLocalPort() + "), 5)\n"
                    + "s.recv(1)\n";
            long perConnection = proof("count_sock_ops", Cgroup.at(cg.path()), C_SOCK_OPS, connect);
            assertEquals(2, perConnection, "TCP_CONNECT_CB and ACTIVE_ESTABLISHED_CB of the child's connection");
        }
    }
}
