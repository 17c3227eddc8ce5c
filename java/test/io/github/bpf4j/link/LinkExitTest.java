/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static io.github.bpf4j.link.LinkTestSupport.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.ChildJvm;
import io.github.bpf4j.internal.Native;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the kernel keeps of a process's attachments once the process is gone: one child JVM
 * ({@link LinkExitChild}) attaches a program to every hook this machine has and halts without closing
 * anything; the parent then looks, per hook, at what is left.
 *
 * <p>Every BPF link ends with the process (its last fd closes): the link id is gone (ENOENT from
 * {@link BpfLink#fromId}), and so is the program's id (nothing else held it). The kernel frees both on
 * a work queue, so each is awaited (10 s at most). Hooks: tracepoint, raw_tp, tp_btf, uprobe,
 * uprobe.multi, USDT (skipped on JDKs without probes; a USDT is many uprobe links without one id:
 * only its program is checked), perf_event, tcx, XDP (link), sockmap, sk_lookup, flow_dissector,
 * netfilter (in the root namespace: the program only counts and accepts), cgroup link, iterator.
 * struct_ops is LinkLifetimeTest's.
 *
 * <p>Three attachments are no BPF links and OUTLIVE the process, as the kernel defines them (that is
 * what BPF links were made for): a classic tc filter (netlink; and the clsact qdisc bpf4j created for
 * it stays too: after a crash nobody removes either), an XDP program attached over netlink, and a
 * legacy cgroup attach (BPF_PROG_ATTACH). The test proves they are still attached, with the program
 * alive, after the child is gone; then removes each the way an operator would (tc filter del, ip link
 * set xdp off, BPF_PROG_DETACH) and proves the program then goes. Their only automatic cleanup is the
 * end of the device or cgroup they sit on.
 */
class LinkExitTest {
    private static final Pattern HOOK = Pattern.compile("HOOK (\\S+) link (\\S+) prog (\\d+)");
    private static final Pattern SKIP = Pattern.compile("SKIP (\\S+) (.*)");
    /** Hooks that are BPF links. */
    private static final List<String> LINKS = Arrays.asList("tracepoint", "raw_tp", "tp_btf", "uprobe",
            "uprobe.multi", "usdt", "perf_event", "tcx", "xdp", "sockmap", "sk_lookup", "flow_dissector",
            "netfilter", "cgroup", "iter");
    /** Hooks the child may skip, with the reason it printed. */
    private static final List<String> MAY_SKIP = Arrays.asList("usdt", "netfilter");

    private static boolean linkGone(int id) {
        try {
            BpfLink.fromId(id).close();
            return false;
        } catch (BpfException e) {
            return "ENOENT".equals(e.errnoName());
        }
    }

    private static boolean programGone(int id) {
        try {
            BpfProgram.fromId(id).close();
            return false;
        } catch (BpfException e) {
            return "ENOENT".equals(e.errnoName());
        }
    }

    /** The ids of the programs attached at {@code hook} of the cgroup. */
    private static int[] attached(String cgroup, CgroupHook hook) {
        int fd = Native.cgroupOpen(cgroup);
        assertTrue(fd >= 0, "open " + cgroup + ": " + fd);
        try {
            int[] ids = new int[64];
            int n = Native.cgroupQuery(fd, hook.attachType(), ids, new long[1]);
            assertTrue(n >= 0, "bpf_prog_query: " + n);
            return Arrays.copyOf(ids, n);
        } finally {
            Native.close(fd);
        }
    }

    @Test
    void everyBpfLinkEndsWithItsProcessAndTheAttachmentsThatAreNoLinksStay() throws Exception {
        String tc = NetFixture.find("tc");
        assumeTrue(tc != null, "no tc(8) (iproute2) on this machine");
        try (NetFixture net = new NetFixture(); NetFixture net2 = new NetFixture();
                TestCgroup cg = TestCgroup.create()) {
            String cgroup = cg.path().toString();
            ChildJvm.Result r = ChildJvm.run(LinkExitChild.class, net.rootDev, net.ns, net2.rootDev, cgroup);
            assertEquals(0, r.exitCode, r.toString());
            assertTrue(r.output.contains("DONE"), r.toString());
            Map<String, int[]> hooks = new LinkedHashMap<String, int[]>();
            for (Matcher m = HOOK.matcher(r.output); m.find();) {
                hooks.put(m.group(1), new int[] {m.group(2).equals("-") ? -1 : Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3))});
            }
            StringBuilder seen = new StringBuilder("LinkExitTest: the child attached");
            for (Map.Entry<String, int[]> e : hooks.entrySet()) {
                seen.append(" ").append(e.getKey()).append(e.getValue()[0] >= 0 ? " (link " + e.getValue()[0] + ")" : "");
            }
            System.out.println(seen);
            for (Matcher m = SKIP.matcher(r.output); m.find();) {
                assertTrue(MAY_SKIP.contains(m.group(1)), r.toString());
                System.out.println("LinkExitTest: not covered here: " + m.group(1) + ": " + m.group(2));
            }

            // The attachments that are no BPF links, right after the child's exit (its fds are closed by then).
            int tcProg = hooks.get("tc")[1];
            int xdpProg = hooks.get("xdp.netlink")[1];
            int legacyProg = hooks.get("cgroup.legacy")[1];
            String filters = NetFixture.cmd(tc, "filter", "show", "dev", net.rootDev, "egress").output;
            assertTrue(filters.contains("mark_a") && filters.contains("id " + tcProg), "the tc filter stays: " + filters);
            assertTrue(NetFixture.cmd(tc, "qdisc", "show", "dev", net.rootDev).output.contains("clsact"),
                    "the clsact qdisc bpf4j made for it stays");
            String link2 = NetFixture.cmd(net.ip, "-d", "-o", "link", "show", "dev", net2.rootDev).output;
            assertTrue(link2.contains("prog/xdp id " + xdpProg), "the netlink XDP program stays: " + link2);
            int[] ingress = attached(cgroup, CgroupHook.INGRESS);
            assertTrue(Arrays.equals(new int[] {legacyProg}, ingress),
                    "the legacy cgroup attach stays: " + Arrays.toString(ingress));

            StringBuilder outlived = new StringBuilder();
            for (Map.Entry<String, int[]> e : hooks.entrySet()) {
                if (!LINKS.contains(e.getKey())) {
                    continue;
                }
                final int link = e.getValue()[0];
                final int prog = e.getValue()[1];
                if (link >= 0 && !eventually(() -> linkGone(link))) {
                    outlived.append(" ").append(e.getKey()).append(" (link ").append(link).append(")");
                }
                if (!eventually(() -> programGone(prog))) {
                    outlived.append(" ").append(e.getKey()).append(" (program ").append(prog).append(")");
                }
            }
            assertEquals("", outlived.toString(), "outlived the child JVM that attached them:" + outlived);
            for (String h : LINKS) {
                assertTrue(hooks.containsKey(h) || MAY_SKIP.contains(h) && r.output.contains("SKIP " + h + " "),
                        "the child attached no " + h + ": " + r);
            }
            assertTrue(Arrays.equals(new int[0], attached(cgroup, CgroupHook.EGRESS)), "the cgroup link went");

            // Still attached, still holding their programs, until someone removes them.
            assertFalse(programGone(tcProg), "the tc filter holds its program");
            assertFalse(programGone(xdpProg), "the netlink XDP attachment holds its program");
            assertFalse(programGone(legacyProg), "the legacy cgroup attach holds its program");
            NetFixture.must(tc, "filter", "del", "dev", net.rootDev, "egress");
            NetFixture.must(net.ip, "link", "set", "dev", net2.rootDev, "xdp", "off");
            int cgFd = Native.cgroupOpen(cgroup);
            try (BpfProgram p = BpfProgram.fromId(legacyProg)) {
                assertEquals(0, Native.cgroupProgDetach(p.fd(), cgFd, CgroupHook.INGRESS.attachType()));
            } finally {
                Native.close(cgFd);
            }
            assertTrue(eventually(() -> programGone(tcProg)), "tc's program went with its filter");
            assertTrue(eventually(() -> programGone(xdpProg)), "XDP's program went with its attachment");
            assertTrue(eventually(() -> programGone(legacyProg)), "the legacy cgroup program went when detached");
        }
    }
}
