/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfObject;
import java.nio.file.Paths;

/**
 * LinkLifetimeTest's child JVM: attaches count_writes (a tracepoint) and, with a path argument, pins
 * the link there; prints "link <link id> prog <program id>" and exits without closing anything.
 */
public final class LinkLifetimeChild {
    private LinkLifetimeChild() {}

    public static void main(String[] args) {
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
