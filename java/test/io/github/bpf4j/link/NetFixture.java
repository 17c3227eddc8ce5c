/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.Kernel;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A veth pair for the network attach tests, as ArenaXdpTest makes it: the
 * root end in this process's namespace, the peer in a private namespace,
 * names and a /30 unique to the instance (random nonce), so tests of other
 * runs and helpers on the same kernel never meet. Only the namespace
 * outlives a killed run (the veth goes with it); a later run deletes a
 * leftover only if its pid (in the name) is gone from this pid namespace.
 *
 * <pre>
 *   this namespace                        namespace bpf4jnet-&lt;pidns&gt;-&lt;pid&gt;-&lt;nonce&gt;
 *   bpf4jn&lt;nonce&gt; 10.198.x.y+1/30 -- veth -- bpf4jq&lt;nonce&gt; 10.198.x.y+2/30
 * </pre>
 */
final class NetFixture implements AutoCloseable {
    private static final String PID = pid();
    private static final String PID_NS = pidNamespace();
    private static final Pattern OURS = Pattern.compile("bpf4jnet-(\\d+)-(\\d+)-[0-9a-z]+");

    final String nonce = Kernel.nonce(8);
    final String ns = "bpf4jnet-" + PID_NS + "-" + PID + "-" + nonce;
    final String rootDev = "bpf4jn" + nonce;
    final String peerDev = "bpf4jq" + nonce;
    final String ip;
    String rootIp;
    String peerIp;

    /** Creates the pair, or skips the test saying what is missing. */
    NetFixture() throws Exception {
        Kernel.requireBpf();
        ip = find("ip");
        assumeTrue(ip != null, "no ip(8) (iproute2) on this machine");
        removeLeftovers();
        pickSubnet();
        Cmd add = cmd(ip, "netns", "add", ns);
        assumeTrue(add.ok(), "cannot create a network namespace: " + add);
        Cmd veth = cmd(ip, "link", "add", rootDev, "type", "veth", "peer", "name", peerDev, "netns", ns);
        if (!veth.ok()) {
            cmd(ip, "netns", "del", ns);
            assumeTrue(false, "cannot create a veth pair: " + veth);
        }
        must(ip, "addr", "add", rootIp + "/30", "dev", rootDev);
        must(ip, "link", "set", rootDev, "up");
        must(ip, "-n", ns, "addr", "add", peerIp + "/30", "dev", peerDev);
        must(ip, "-n", ns, "link", "set", peerDev, "up");
        must(ip, "-n", ns, "link", "set", "lo", "up");
        // The neighbour entry up front: no ARP exchange in the middle of a counted action.
        String mac = cmd(ip, "-n", ns, "-o", "link", "show", peerDev).output.replaceAll("(?s).*link/ether (\\S+).*",
                "$1");
        must(ip, "neigh", "replace", peerIp, "lladdr", mac.trim(), "dev", rootDev, "nud", "permanent");
    }

    @Override
    public void close() throws Exception {
        cmd(ip, "link", "del", rootDev);
        cmd(ip, "netns", "del", ns);
    }

    int rootIndex() throws Exception {
        String out = cmd(ip, "-o", "link", "show", rootDev).output;
        return Integer.parseInt(out.substring(0, out.indexOf(':')).trim());
    }

    /** {@code count} UDP datagrams of {@code size} bytes of payload from this namespace to the peer's port. */
    void udp(int port, int count, int size) throws Exception {
        try (DatagramSocket s = new DatagramSocket()) {
            byte[] payload = new byte[size];
            for (int i = 0; i < count; i++) {
                s.send(new DatagramPacket(payload, size, new InetSocketAddress(InetAddress.getByName(peerIp), port)));
            }
        }
    }

    /** A TCP connection attempt to the peer's port, which nothing listens on: a SYN out, a RST back. */
    void tcpRefused(int port) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(peerIp), port), 2000);
            fail("something listens on " + peerIp + ":" + port);
        } catch (java.net.ConnectException expected) {
            // refused: the RST came back
        }
    }

    /** The u64 value of a HASH map keyed by a u16 port (native order), 0 if absent. */
    static long byPort(io.github.bpf4j.BpfMap map, int port) {
        byte[] key = ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort((short) port).array();
        byte[] value = map.lookup(key);
        return value == null ? 0 : ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getLong();
    }

    /** A random port in 20000..59999 for one test. */
    static int port() {
        return 20000 + new java.security.SecureRandom().nextInt(40000);
    }

    // ---- processes

    static final class Cmd {
        final int exit;
        final String output;
        final List<String> command;

        Cmd(List<String> command, int exit, String output) {
            this.command = command;
            this.exit = exit;
            this.output = output;
        }

        boolean ok() {
            return exit == 0;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " -> exit " + exit + ": " + output.trim();
        }
    }

    static Cmd cmd(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> copy(p.getInputStream(), out), "cmd-output");
        reader.setDaemon(true);
        reader.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out after 120 s: " + String.join(" ", command));
        }
        reader.join(5000);
        synchronized (out) {
            return new Cmd(Arrays.asList(command), p.exitValue(), new String(out.toByteArray(), StandardCharsets.UTF_8));
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] b = new byte[4096];
        try {
            for (int n; (n = in.read(b)) > 0;) {
                synchronized (out) {
                    out.write(b, 0, n);
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    static void must(String... command) throws Exception {
        Cmd c = cmd(command);
        if (!c.ok()) {
            fail(c.toString());
        }
    }

    private void removeLeftovers() throws Exception {
        for (String line : cmd(ip, "netns", "list").output.split("\n")) {
            Matcher m = OURS.matcher(line);
            if (m.lookingAt() && m.group(1).equals(PID_NS) && !new File("/proc/" + m.group(2)).exists()) {
                cmd(ip, "netns", "del", m.group());
            }
        }
    }

    private void pickSubnet() throws Exception {
        java.util.Random random = new java.security.SecureRandom();
        String inUse = cmd(ip, "-o", "addr", "show").output;
        for (int tries = 0; tries < 50; tries++) {
            String net = "10.198." + random.nextInt(256) + ".";
            int base = 4 * random.nextInt(64);
            boolean taken = false;
            for (int host = base; host < base + 4; host++) {
                taken |= inUse.contains(" " + net + host + "/");
            }
            if (!taken) {
                rootIp = net + (base + 1);
                peerIp = net + (base + 2);
                return;
            }
        }
        throw new AssertionError("no free /30 in 10.198.0.0/16: " + inUse);
    }

    private static String pidNamespace() {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Paths.get("/proc/self/ns/pid")).toString()
                    .replaceAll("\\D", "");
        } catch (IOException e) {
            return "0";
        }
    }

    static String find(String tool) {
        List<String> dirs = new ArrayList<String>(Arrays.asList("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(Arrays.asList(path.split(File.pathSeparator)));
        }
        for (String d : dirs) {
            File f = new File(d, tool);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    private static String pid() {
        try {
            return new File("/proc/self").getCanonicalFile().getName();
        } catch (IOException e) {
            String name = java.lang.management.ManagementFactory.getRuntimeMXBean().getName();
            return name.substring(0, name.indexOf('@'));
        }
    }
}
