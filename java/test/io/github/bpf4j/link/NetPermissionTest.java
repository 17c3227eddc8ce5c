/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfPermissionException;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.ChildJvm;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.Pins;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * Without CAP_NET_ADMIN, a network attach over netlink (classic tc, netlink
 * XDP) is refused, and the exception names the capability: a child JVM in a
 * network namespace of its own (unshare --net, so "lo" is its own) with
 * CAP_BPF alone (setpriv) opens programs this test loaded and pinned, and
 * tries the hooks on lo. BPF links (tcx, XDP links) are checked by the kernel
 * when the program is loaded (CAP_NET_ADMIN for networking types), not when
 * a pinned one is attached: Linux 6.18 lets them through; where a kernel
 * refuses, the message must name CAP_NET_ADMIN too.
 */
class NetPermissionTest {

    @Test
    void networkAttachWithoutCapNetAdminNamesIt() throws Exception {
        assumeTrue(ChildJvm.canUnshare(), ChildJvm.UNSHARE_REASON);
        assumeTrue(ChildJvm.canDropToNobody(), ChildJvm.DROP_REASON);
        try (Kernel.PrivateBpfFs fs = Kernel.privateBpfFs();
                BpfObject obj = BpfObject.openResource(NetTcxTest.OBJ).load()) {
            obj.program("count_ports").pin(fs.resolve("count_ports"));
            try (BpfObject xdp = BpfObject.openResource("bpf/net_xdp.bpf.o").load()) {
                xdp.program("xdp_first").pin(fs.resolve("xdp_first"));
            }
            String caps = "-all,+bpf";
            NetFixture.Cmd c = NetFixture.cmd("/usr/bin/unshare", "--net", "/usr/bin/setpriv", "--inh-caps=" + caps,
                    "--ambient-caps=" + caps, "--bounding-set=" + caps,
                    System.getProperty("java.home") + "/bin/java", "-XX:TieredStopAtLevel=1", "-cp",
                    System.getProperty("java.class.path"), Child.class.getName(),
                    fs.resolve("count_ports").toString(), fs.resolve("xdp_first").toString());
            assumeTrue(!c.output.contains("unshare failed"), "cannot make a network namespace: " + c);
            assertTrue(c.ok(), c.toString());
            System.out.println(c.output);
            for (String hook : new String[] {"tcx", "tc", "xdp-link", "xdp-netlink"}) {
                boolean link = hook.equals("tcx") || hook.equals("xdp-link");
                String line = line(c.output, hook);
                if (link && line.startsWith("OK ")) {
                    continue;
                }
                assertTrue(line.startsWith("PERM "), hook + ": " + c.output);
                assertTrue(line.contains("CAP_NET_ADMIN"), hook + " names the capability: " + line);
            }
        }
    }

    /** The child's line for {@code hook} without the hook's name, with the hint line after it. */
    private static String line(String output, String hook) {
        String[] lines = output.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith(hook + " ")) {
                return lines[i].substring(hook.length() + 1) + (i + 1 < lines.length ? "\n" + lines[i + 1] : "");
            }
        }
        return "";
    }

    /** Prints "&lt;hook&gt; PERM &lt;message&gt;" or "&lt;hook&gt; OK". */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            try (BpfProgram prog = Pins.openProgram(Paths.get(args[0]))) {
                attempt("tcx", () -> prog.attach(Tcx.egress("lo")));
                attempt("tc", () -> prog.attach(Tc.ingress("lo")));
            }
            try (BpfProgram xdp = Pins.openProgram(Paths.get(args[1]))) {
                attempt("xdp-link", () -> xdp.attach(Xdp.on("lo").mode(XdpMode.SKB)));
                attempt("xdp-netlink", () -> xdp.attach(Xdp.on("lo").mode(XdpMode.SKB).netlink()));
            }
        }

        private static void attempt(String hook, AttachProof.Attach attach) {
            try (BpfLink link = attach.attach()) {
                System.out.println(hook + " OK " + link);
            } catch (BpfPermissionException e) {
                System.out.println(hook + " PERM " + e.getMessage());
            } catch (Exception e) {
                System.out.println(hook + " OTHER " + e);
            }
        }
    }
}
