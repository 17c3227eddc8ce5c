/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfObject;
import java.nio.file.Paths;

/**
 * LinkLifetimeTest's child JVM: attaches count_writes (a tracepoint) and, with a path argument, pins
 * the link there; prints "link <link id> prog <program id>" and exits without closing anything.
 * With the argument "struct_ops" it registers test-bpf/sys_struct_ops.bpf.c's congestion control
 * instead and prints "link <link id> prog 0".
 */
public final class LinkLifetimeChild {
    private LinkLifetimeChild() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("struct_ops")) {
            BpfObject cc = BpfObject.openResource("bpf/sys_struct_ops.bpf.o").load();
            BpfLink link = cc.map("bpf4j_cc").attachStructOps();
            System.out.println("link " + link.info().id() + " prog 0");
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
        BpfObject obj = BpfObject.openResource(LinkTestSupport.SYS_LINK).load();
        BpfLink link = obj.program("count_writes").attach();
        if (args.length > 0) {
            link.pin(Paths.get(args[0]));
        }
        System.out.println("link " + link.info().id() + " prog " + obj.program("count_writes").info().id());
        System.out.flush();
        // Neither close() nor the Cleaner: only the process exit ends what it holds.
        Runtime.getRuntime().halt(0);
    }
}
