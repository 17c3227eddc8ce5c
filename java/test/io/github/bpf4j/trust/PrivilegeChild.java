/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.trust;

import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.Pins;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfPermissionException;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import io.github.bpf4j.TestRun;
import io.github.bpf4j.TracePipe;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Paths;

/**
 * Run by {@link PrivilegeTest} in a child JVM with reduced privileges: tries
 * one operation of each class and prints one line per operation,
 * {@code RESULT <op> OK|PERM|FAIL|SKIP <detail>}.
 *
 * <p>Arguments: the pinned map's path, its id, a bpffs directory this user
 * may write, and a tag naming the capability set (for pin names).
 */
public final class PrivilegeChild {
    private PrivilegeChild() {}

    interface Op {
        String run() throws Exception;
    }

    private static BpfObject socketFilter;
    private static BpfObject xdp;

    public static void main(String[] args) {
        final String pinned = args[0];
        final int mapId = Integer.parseInt(args[1]);
        final String pinDir = args[2];
        final String tag = args[3];
        op("createMap", () -> {
            try (BpfMap m = BpfMap.create(MapSpec.of(MapType.ARRAY).keySize(4).valueSize(8).maxEntries(1)
                    .name("t_priv_child"))) {
                m.update(new byte[4], new byte[8]);
                return "created " + m;
            }
        });
        op("pinnedMapOps", () -> {
            try (BpfMap m = Pins.openMap(Paths.get(pinned))) {
                byte[] v = m.lookup(new byte[4]);
                long seed = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong();
                m.update(key(1), CloseStormTest.longBytes(seed + 1));
                return "read " + seed;
            }
        });
        op("mmap", () -> {
            try (BpfMap m = Pins.openMap(Paths.get(pinned))) {
                ByteBuffer b = m.mmap();
                b.putLong(16, b.getLong(0) + 2);
                return "mapped " + b.capacity() + " bytes, slot 0 = " + b.getLong(0);
            }
        });
        op("loadSocketFilter", () -> {
            socketFilter = BpfObject.openResource("bpf/trust_socket.bpf.o").load();
            return "loaded " + socketFilter.programs();
        });
        op("loadXdp", () -> {
            xdp = BpfObject.openResource(UseAfterCloseTest.TRUST).load();
            return "loaded " + xdp.programs();
        });
        op("loadTracing", () -> {
            try (BpfObject o = BpfObject.openResource("bpf/trust_trace.bpf.o").load()) {
                return "loaded " + o.programs();
            }
        });
        op("loadArena", () -> {
            // Syscall programs only: the arena is what asks for CAP_PERFMON (the verifier's own check).
            try (BpfObject o = BpfObject.openResource("bpf/arena_heap.bpf.o").load()) {
                return "loaded " + o.programs();
            }
        });
        op("attachUprobe", () -> attachUprobe("on_malloc", false));
        op("attachUprobeMulti", () -> attachUprobe("on_libc_multi", true));
        op("testRun", () -> {
            if (socketFilter == null) {
                return "SKIP no program could be loaded";
            }
            BpfProgram p = socketFilter.program("keep_all");
            int ret = p.testRun(new TestRun().dataIn(Kernel.packet(1, 2, 3))).retval();
            // A socket filter sees the packet without its 14-byte Ethernet header.
            return ret == 50 ? "returned 50" : "FAIL returned " + ret + ", expected the packet length 64 - 14";
        });
        op("attachXdp", () -> {
            if (xdp == null) {
                return "SKIP no XDP program could be loaded";
            }
            try (BpfLink link = xdp.program("count_packet").attachXdp("lo", io.github.bpf4j.link.XdpOptions.defaults().mode(io.github.bpf4j.link.XdpMode.SKB))) {
                return "attached " + link;
            }
        });
        op("fromId", () -> {
            try (BpfMap m = BpfMap.fromId(mapId)) {
                return "opened " + m;
            }
        });
        op("pin", () -> {
            try (BpfMap m = Pins.openMap(Paths.get(pinned))) {
                m.pin(Paths.get(pinDir, "again-" + tag));
                return "pinned at " + pinDir + "/again-" + tag;
            }
        });
        op("tracePipe", () -> {
            try (TracePipe pipe = TracePipe.open()) {
                return "opened " + pipe.path();
            }
        });
        if (socketFilter != null) {
            socketFilter.close();
        }
        if (xdp != null) {
            xdp.close();
        }
        System.out.println("DONE");
    }

    /** A uprobe on this JVM's libc malloc: a perf event (uprobe) or a BPF link (uprobe.multi). */
    private static String attachUprobe(String program, boolean multi) {
        try (BpfObject o = BpfObject.openResource("bpf/trace_hooks.bpf.o")) {
            for (BpfProgram p : o.programs()) {
                p.setAutoload(p.name().equals(program));
            }
            try {
                o.load();
            } catch (BpfPermissionException e) {
                return "SKIP the uprobe program cannot be loaded: " + e.getMessage();
            }
            String libc = io.github.bpf4j.link.Uprobe.mappedLibrary("libc.so.6");
            try (BpfLink link = o.program(program).attach(multi
                    ? io.github.bpf4j.link.UprobeMulti.symbols(libc, "malloc").thisProcess()
                    : io.github.bpf4j.link.Uprobe.of(libc, "malloc").thisProcess())) {
                return "attached " + link;
            }
        }
    }

    private static byte[] key(int k) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(k).array();
    }

    private static void op(String name, Op op) {
        String line;
        try {
            String detail = op.run();
            line = detail.startsWith("SKIP ") || detail.startsWith("FAIL ") ? detail : "OK " + detail;
        } catch (BpfPermissionException e) {
            line = "PERM " + e.getMessage();
        } catch (Throwable t) {
            line = "FAIL " + t;
        }
        System.out.println("RESULT " + name + " " + line.replace('\n', ' ').replace('\r', ' '));
        System.out.flush();
    }
}
