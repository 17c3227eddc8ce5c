/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.bench;

import io.github.bpf4j.ArenaRegion;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.arena.ArenaHashTable;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Arena use case 1 under load: requests per second for "GET key" over UDP
 * answered (a) by the XDP program kv_get from the JVM-built arena table, in
 * the kernel, and (b) by a JVM UDP server doing the same lookups in the same
 * table. One client JVM in a network namespace of its own, behind a veth
 * pair; the same client, window and duration for both. Prints
 * "kv <name> <requests/s>" lines for java/bench/run.sh.
 *
 * <p>Arguments: the directory holding map_types.bpf.o (its XDP_PASS program
 * goes on the client's end, so native veth XDP_TX frames are delivered).
 * Traffic stays inside the namespaces this run creates.
 */
public final class KvThroughput {
    private static final int PORT = 9000;
    private static final int KEYS = 1024;
    private static final int SECONDS = 5;
    private static final int WINDOW = 32;
    private static final String NS = "bpf4jbench";
    private static final String ROOT_DEV = "bpf4jbv";
    private static final String PEER_DEV = "bpf4jbp";
    private static final String ROOT_IP = "10.199.250.1";
    private static final String PEER_IP = "10.199.250.2";

    private KvThroughput() {}

    public static void main(String[] args) throws Exception {
        String bpfDir = args[0];
        cleanUp();
        try {
            run("ip", "netns", "add", NS);
            run("ip", "link", "add", ROOT_DEV, "type", "veth", "peer", "name", PEER_DEV, "netns", NS);
            run("ip", "addr", "add", ROOT_IP + "/30", "dev", ROOT_DEV);
            run("ip", "link", "set", ROOT_DEV, "up");
            run("ip", "-n", NS, "addr", "add", PEER_IP + "/30", "dev", PEER_DEV);
            run("ip", "-n", NS, "link", "set", PEER_DEV, "up");
            try (BpfObject obj = BpfObject.openResource("io/github/bpf4j/bpf/arena_kv.bpf.o").load()) {
                ArenaRegion heap = obj.map("kv_arena").arena().region();
                long at = 4096;
                final ArenaHashTable table = ArenaHashTable.init(heap, at, 4096, 16, 64);
                for (int i = 0; i < KEYS; i++) {
                    table.put("k" + i, "v" + i);
                }
                obj.global("kv_table_ptr").putLong(0, heap.pointerAt(at));

                String xdp;
                try (BpfLink link = obj.program("kv_get").attachXdp(ROOT_DEV, io.github.bpf4j.link.XdpOptions.defaults().mode(io.github.bpf4j.link.XdpMode.DRIVER))) {
                    xdp = client(bpfDir, true);
                }
                String jvm;
                JvmServer server = new JvmServer(table);
                server.start();
                try {
                    jvm = client(bpfDir, false);
                } finally {
                    server.shutdown();
                }
                System.out.println("kv xdp " + xdp);
                System.out.println("kv jvm " + jvm);
            }
        } finally {
            cleanUp();
        }
    }

    /** Runs the client in the namespace; returns its "rps N" and "cpu_us_per_request X" lines. */
    private static String client(String bpfDir, boolean attachPass) throws Exception {
        String out = run("ip", "netns", "exec", NS, System.getProperty("java.home") + "/bin/java",
                "-XX:+IgnoreUnrecognizedVMOptions", "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Client.class.getName(), attachPass ? bpfDir : "-", ROOT_IP,
                String.valueOf(PORT), String.valueOf(KEYS), String.valueOf(SECONDS), String.valueOf(WINDOW));
        StringBuilder result = new StringBuilder();
        for (String line : out.split("\n")) {
            if (line.startsWith("rps ") || line.startsWith("cpu_us_per_request ")) {
                result.append(line.trim()).append(' ');
            }
        }
        if (result.length() == 0) {
            throw new IllegalStateException("client printed no rate:\n" + out);
        }
        return result.toString().trim();
    }

    /** The JVM's answer to the same requests: one thread, the same table. */
    private static final class JvmServer extends Thread {
        private final ArenaHashTable table;
        private final DatagramSocket socket;

        JvmServer(ArenaHashTable table) throws Exception {
            super("kv-jvm-server");
            this.table = table;
            this.socket = new DatagramSocket(new InetSocketAddress(ROOT_IP, PORT));
            setDaemon(true);
        }

        @Override
        public void run() {
            byte[] in = new byte[512];
            byte[] key = new byte[16];
            byte[] value = new byte[64];
            byte[] out = new byte[6 + 64];
            System.arraycopy("VALUE ".getBytes(StandardCharsets.US_ASCII), 0, out, 0, 6);
            DatagramPacket request = new DatagramPacket(in, in.length);
            DatagramPacket response = new DatagramPacket(out, out.length);
            java.nio.ByteBuffer k = java.nio.ByteBuffer.wrap(key);
            java.nio.ByteBuffer v = java.nio.ByteBuffer.wrap(value);
            try {
                while (!socket.isClosed()) {
                    request.setLength(in.length);
                    socket.receive(request);
                    int n = request.getLength();
                    if (n < 5 || in[0] != 'G' || in[1] != 'E' || in[2] != 'T' || in[3] != ' ') {
                        continue;
                    }
                    Arrays.fill(key, (byte) 0);
                    for (int i = 4, j = 0; i < n && j < 16 && in[i] != 0 && in[i] != '\r' && in[i] != '\n'; i++, j++) {
                        key[j] = in[i];
                    }
                    k.clear();
                    v.clear();
                    if (!table.get(k, v)) {
                        continue;
                    }
                    int len = 0;
                    while (len < 64 && value[len] != 0) {
                        len++;
                    }
                    System.arraycopy(value, 0, out, 6, len);
                    response.setLength(6 + len);
                    response.setSocketAddress(request.getSocketAddress());
                    socket.send(response);
                }
            } catch (Exception e) {
                // closed
            }
        }

        void shutdown() throws InterruptedException {
            socket.close();
            join(5000);
        }
    }

    /**
     * In the namespace. Arguments: directory of map_types.bpf.o ("-": attach
     * nothing), host, port, keys, seconds, window. Keeps `window` requests in
     * flight for `seconds` and prints "rps N".
     */
    public static final class Client {
        public static void main(String[] args) throws Exception {
            BpfObject pass = null;
            BpfLink link = null;
            if (!args[0].equals("-")) {
                pass = BpfObject.open(Paths.get(args[0], "map_types.bpf.o")).load();
                link = pass.program("pass").attachXdp(PEER_DEV, io.github.bpf4j.link.XdpOptions.defaults().mode(io.github.bpf4j.link.XdpMode.DRIVER));
            }
            InetAddress host = InetAddress.getByName(args[1]);
            int port = Integer.parseInt(args[2]);
            int keys = Integer.parseInt(args[3]);
            long seconds = Long.parseLong(args[4]);
            int window = Integer.parseInt(args[5]);
            List<byte[]> requests = new ArrayList<byte[]>();
            for (int i = 0; i < keys; i++) {
                // Padded like the tests' requests: a reply never outgrows its request.
                byte[] req = Arrays.copyOf(("GET k" + i).getBytes(StandardCharsets.US_ASCII), 22);
                req[20] = '\r';
                req[21] = '\n';
                requests.add(req);
            }
            byte[] buf = new byte[512];
            DatagramPacket reply = new DatagramPacket(buf, buf.length);
            try (DatagramSocket s = new DatagramSocket()) {
                s.connect(new InetSocketAddress(host, port));
                s.setSoTimeout(20);
                int next = 0;
                long warmEnd = System.nanoTime() + 1_000_000_000L;
                long end = warmEnd + seconds * 1_000_000_000L;
                long counted = 0;
                for (int i = 0; i < window; i++) {
                    s.send(new DatagramPacket(requests.get(next), 22));
                    next = (next + 1) % keys;
                }
                long busyAtStart = -1;
                for (long now = System.nanoTime(); now < end; now = System.nanoTime()) {
                    if (busyAtStart < 0 && now >= warmEnd) {
                        busyAtStart = busyTicks();
                    }
                    try {
                        reply.setLength(buf.length);
                        s.receive(reply);
                        if (now >= warmEnd) {
                            counted++;
                        }
                        s.send(new DatagramPacket(requests.get(next), 22));
                    } catch (SocketTimeoutException lost) {
                        // refill the window
                        for (int i = 0; i < window; i++) {
                            s.send(new DatagramPacket(requests.get(next), 22));
                        }
                    }
                    next = (next + 1) % keys;
                }
                long busy = busyTicks() - busyAtStart;
                System.out.println("rps " + counted / seconds);
                // USER_HZ is 100 on Linux: a tick is 10 ms of one CPU.
                System.out.println("cpu_us_per_request " + String.format(java.util.Locale.ROOT, "%.2f",
                        busy * 10_000.0 / Math.max(counted, 1)));
            } finally {
                if (link != null) {
                    link.close();
                    pass.close();
                }
            }
        }
    }

    /** Busy time of all CPUs together (user, system, irq, softirq...), in ticks, from /proc/stat. */
    static long busyTicks() throws java.io.IOException {
        String cpu = new String(java.nio.file.Files.readAllBytes(Paths.get("/proc/stat")), StandardCharsets.US_ASCII)
                .split("\n")[0];
        String[] f = cpu.trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < f.length; i++) {
            if (i != 4 && i != 5) { // idle, iowait
                busy += Long.parseLong(f[i]);
            }
        }
        return busy;
    }

    private static void cleanUp() throws Exception {
        runQuietly("ip", "link", "del", ROOT_DEV);
        runQuietly("ip", "netns", "del", NS);
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = read(p.getInputStream());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
        }
        return out;
    }

    private static void runQuietly(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        read(p.getInputStream());
        p.waitFor();
    }

    private static String read(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (int n; (n = in.read(buf)) > 0;) {
            out.write(buf, 0, n);
        }
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }
}
