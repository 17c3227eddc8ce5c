/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static io.github.bpf4j.link.LinkTestSupport.exit;
import static io.github.bpf4j.link.LinkTestSupport.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.LinkInfo;
import io.github.bpf4j.LinkType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * struct_ops (test-bpf/sys_struct_ops.bpf.c): a TCP congestion control registered while its link is
 * open, chosen by connections in a private network namespace whose default it is.
 */
class StructOpsTest {
    private static final String CC = "bpf4j_cc";

    @BeforeEach
    void privileged() {
        Kernel.requireBpf();
    }

    private static boolean available() throws Exception {
        String s = new String(Files.readAllBytes(Paths.get("/proc/sys/net/ipv4/tcp_available_congestion_control")),
                StandardCharsets.US_ASCII);
        return java.util.Arrays.asList(s.trim().split("\\s+")).contains(CC);
    }

    private static BpfLink register(BpfMap map) {
        try {
            return map.attachStructOps();
        } catch (BpfException e) {
            Assumptions.assumeFalse("EEXIST".equals(e.errnoName()), "another run has " + CC + " registered: " + e);
            throw e;
        }
    }

    @Test
    void aCongestionControlIsRegisteredWhileItsLinkIsOpenAndRuns() throws Exception {
        Assumptions.assumeTrue(Files.exists(Paths.get("/proc/sys/net/ipv4/tcp_available_congestion_control")),
                "no /proc/sys/net/ipv4");
        try (BpfObject obj = BpfObject.openResource("bpf/sys_struct_ops.bpf.o").load()) {
            BpfMap map = obj.map(CC);
            assertFalse(available(), CC + " registered before attachStructOps");
            try (BpfLink link = register(map)) {
                assertTrue(available(), CC + " not in tcp_available_congestion_control while attached");
                assertNull(link.program());
                LinkInfo info = link.info();
                assertEquals(LinkType.STRUCT_OPS, info.type());
                assertEquals(map.info().id(), info.mapId());
                assertEquals("struct_ops:" + CC, link.target());
                long inits = connectionsInAPrivateNetns(obj);
                assertTrue(inits >= 2, "cc_init ran " + inits + " times for a loopback connection (client and"
                        + " server side each choose the default)");
            }
            assertFalse(available(), CC + " still registered after close");

            // Detach unregisters too, with the link's fd still valid.
            try (BpfLink link = register(map)) {
                assertTrue(available());
                link.detach();
                assertFalse(available(), CC + " still registered after detach");
                assertEquals(LinkType.STRUCT_OPS, link.info().type());
            }

            // Forgotten, the Cleaner unregisters it.
            java.lang.ref.WeakReference<BpfLink> forgotten = new java.lang.ref.WeakReference<BpfLink>(register(map));
            assertTrue(available());
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (forgotten.get() != null || available()) {
                assertTrue(System.nanoTime() < deadline, "a forgotten struct_ops link was not unregistered within"
                        + " 10 s (reachable: " + (forgotten.get() != null) + ")");
                System.gc();
                Thread.sleep(20);
            }
        }
    }

    @Test
    void aNameRegisteredTwiceIsEexistNamingWhy() throws Exception {
        try (BpfObject first = BpfObject.openResource("bpf/sys_struct_ops.bpf.o").load();
                BpfObject second = BpfObject.openResource("bpf/sys_struct_ops.bpf.o").load();
                BpfLink link = register(first.map(CC))) {
            BpfException e = assertThrows(BpfException.class, () -> second.map(CC).attachStructOps());
            assertEquals("EEXIST", e.errnoName());
            assertTrue(e.getMessage().contains("bpf_map__attach_struct_ops(map '" + CC + "')"), e.getMessage());
            assertTrue(e.getMessage().contains("names are system-wide"), e.getMessage());
        }
    }

    @Test
    void onlyStructOpsMapsRegister() throws Exception {
        try (BpfObject obj = BpfObject.openResource(LinkTestSupport.SYS_LINK).load()) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> obj.map("counts").attachStructOps());
            assertTrue(e.getMessage().contains("not STRUCT_OPS"), e.getMessage());
        }
        try (BpfObject opened = BpfObject.openResource("bpf/sys_struct_ops.bpf.o")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> opened.map(CC).attachStructOps());
            assertTrue(e.getMessage().contains("load()"), e.getMessage());
        }
    }

    /** A TCP connection over loopback in a network namespace whose default congestion control is ours. */
    private static long connectionsInAPrivateNetns(BpfObject obj) throws Exception {
        String python = sh("sh", "-c", "command -v python3").trim();
        Assumptions.assumeTrue(!python.isEmpty(), "no python3 to make a TCP connection in a network namespace");
        String ns = "bpf4jcc-" + Kernel.nonce(8);
        Assumptions.assumeTrue(exit("ip", "netns", "add", ns) == 0, "cannot create a network namespace");
        try {
            long before = inits(obj);
            String script = "import socket\n"
                    + "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
                    + "c = socket.create_connection(s.getsockname()); a, _ = s.accept()\n"
                    + "print(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).split(b'\\0')[0].decode())\n";
            String out = sh("ip", "netns", "exec", ns, "sh", "-c", "ip link set lo up && sysctl -qw"
                    + " net.ipv4.tcp_congestion_control=" + CC + " && " + python + " -c \"$0\"", script);
            assertEquals(CC, out.trim(), "the namespace's connection did not use " + CC + ": " + out);
            return inits(obj) - before;
        } finally {
            exit("ip", "netns", "del", ns);
        }
    }

    private static long inits(BpfObject obj) {
        BpfMap bss = obj.dataMap(".bss");
        byte[] v = bss.lookup(new byte[4]);
        return ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong(0);
    }
}
