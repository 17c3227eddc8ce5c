/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import java.nio.file.Paths;

/**
 * LinkExitTest's child JVM: attaches one program per hook, each its own program (so the program's
 * id names the hook), prints per hook {@code HOOK <name> link <link id or -> prog <program id>} or
 * {@code SKIP <name> <why>}, then {@code DONE}, and halts without closing anything (neither close()
 * nor the Cleaner runs: only the process exit ends what it holds).
 *
 * <p>Arguments: the root end of a veth (tcx, tc, XDP link), its namespace (sk_lookup,
 * flow_dissector), the root end of a second veth (XDP over netlink: one XDP program per device),
 * a cgroup v2 directory (cgroup link, legacy cgroup attach).
 */
public final class LinkExitChild {
    private LinkExitChild() {}

    interface Attach {
        BpfLink attach() throws Exception;
    }

    private static void hook(String name, BpfProgram program, Attach attach) throws Exception {
        BpfLink link = attach.attach();
        String id;
        try {
            id = Integer.toString(link.info().id());
        } catch (UnsupportedOperationException e) {
            id = "-"; // no BPF link of its own (tc, netlink XDP, legacy cgroup; a USDT's many uprobes)
        }
        System.out.println("HOOK " + name + " link " + id + " prog " + program.info().id());
    }

    public static void main(String[] args) throws Exception {
        String dev = args[0];
        String ns = args[1];
        String dev2 = args[2];
        String cgroup = args[3];

        String libc = Uprobe.mappedLibrary("libc.so.6");
        String jvm = Uprobe.mappedLibrary("libjvm.so");
        boolean usdt = UsdtTest.hasSection(jvm, ".note.stapsdt");
        TracingHooks h = usdt
                ? TracingHooks.open(0, 0, "on_tp_write", "on_raw_sys_enter", "on_btf_sys_enter", "on_malloc",
                        "on_libc_multi", "on_sample", "on_thread_start")
                : TracingHooks.open(0, 0, "on_tp_write", "on_raw_sys_enter", "on_btf_sys_enter", "on_malloc",
                        "on_libc_multi", "on_sample");
        h.load();
        final BpfProgram tp = h.program("on_tp_write");
        hook("tracepoint", tp, () -> tp.attach(Tracepoint.of("syscalls", "sys_enter_write")));
        final BpfProgram raw = h.program("on_raw_sys_enter");
        hook("raw_tp", raw, () -> raw.attach(RawTracepoint.of("sys_enter")));
        final BpfProgram btf = h.program("on_btf_sys_enter");
        hook("tp_btf", btf, () -> btf.attach(BtfTracing.loadTarget()));
        final BpfProgram up = h.program("on_malloc");
        hook("uprobe", up, () -> up.attach(Uprobe.of(libc, "malloc").thisProcess()));
        final BpfProgram multi = h.program("on_libc_multi");
        hook("uprobe.multi", multi, () -> multi.attach(UprobeMulti.symbols(libc, "malloc", "getpid").thisProcess()));
        if (usdt) {
            final BpfProgram thread = h.program("on_thread_start");
            hook("usdt", thread, () -> thread.attach(Usdt.of(jvm, "hotspot", "thread__start").thisProcess()));
        } else {
            System.out.println("SKIP usdt " + jvm + " carries no USDT probes (no .note.stapsdt)");
        }
        final BpfProgram sample = h.program("on_sample");
        hook("perf_event", sample, () -> sample.attach(
                PerfEvent.software(PerfSoftwareEvent.CPU_CLOCK).frequency(10).cpus(0)));

        BpfObject tc = BpfObject.openResource(NetTcxTest.OBJ).load();
        final BpfProgram tcx = tc.program("count_ports");
        hook("tcx", tcx, () -> tcx.attach(Tcx.ingress(dev)));
        final BpfProgram classic = tc.program("mark_a");
        hook("tc", classic, () -> classic.attach(Tc.egress(dev)));

        BpfObject xdp = BpfObject.openResource("bpf/net_xdp.bpf.o").load();
        final BpfProgram xdpLink = xdp.program("xdp_first");
        hook("xdp", xdpLink, () -> xdpLink.attach(Xdp.on(dev).mode(XdpMode.SKB)));
        final BpfProgram xdpNetlink = xdp.program("xdp_second");
        hook("xdp.netlink", xdpNetlink, () -> xdpNetlink.attach(Xdp.on(dev2).netlink()));

        BpfObject sockmap = BpfObject.openResource("bpf/net_sockmap.bpf.o").load();
        final BpfProgram verdict = sockmap.program("on_verdict");
        hook("sockmap", verdict, () -> verdict.attach(Sockmap.of(sockmap.map("socks"))));

        BpfObject netns = BpfObject.openResource("bpf/net_netns.bpf.o").load();
        final BpfProgram lookup = netns.program("on_lookup");
        hook("sk_lookup", lookup, () -> lookup.attach(Netns.named(ns)));
        final BpfProgram dissect = netns.program("on_dissect");
        hook("flow_dissector", dissect, () -> dissect.attach(Netns.named(ns)));
        // In this (the root) namespace: the program only counts and accepts, whatever else passes.
        final BpfProgram nf = netns.program("on_netfilter");
        try {
            hook("netfilter", nf, () -> nf.attach(Netfilter.ipv4(Netfilter.Hook.LOCAL_OUT)));
        } catch (BpfException e) {
            if (!e.errnoName().equals("EINVAL") && !e.errnoName().equals("EOPNOTSUPP")) {
                throw e;
            }
            System.out.println("SKIP netfilter " + e.getMessage());
        }

        BpfObject cg = BpfObject.openResource(CgroupHooksTest.OBJ).load();
        final BpfProgram egress = cg.program("count_egress");
        hook("cgroup", egress, () -> egress.attach(Cgroup.at(Paths.get(cgroup))));
        final BpfProgram ingress = cg.program("count_ingress");
        hook("cgroup.legacy", ingress, () -> ingress.attach(Cgroup.at(Paths.get(cgroup)).legacy()));

        BpfObject iter = BpfObject.openResource("bpf/sys_iter.bpf.o").load();
        final BpfProgram tasks = iter.program("tasks");
        hook("iter", tasks, () -> tasks.attach(Iter.of()));

        System.out.println("DONE");
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
