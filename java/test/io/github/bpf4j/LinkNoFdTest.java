/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Paths;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** A BpfLink of an attachment that is no BPF link (classic tc, legacy attaches): no fd, pin, update or info. */
class LinkNoFdTest {
    @Test
    void anAttachmentWithoutALinkRefusesWhatNeedsAnFdAndDetachesOnce() throws Exception {
        Kernel.requireBpf();
        try (BpfObject obj = BpfObject.openResource("bpf/sys_link.bpf.o").load()) {
            BpfProgram prog = obj.program("pass_a");
            AtomicInteger detached = new AtomicInteger();
            BpfLink link = new BpfLink(prog, "tc:lo ingress", detached::incrementAndGet);
            Executable[] calls = {link::fd, () -> link.pin(Paths.get("/sys/fs/bpf/x")), () -> link.update(prog),
                    link::detach, link::info, link::openIterator};
            for (Executable call : calls) {
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, call);
                assertTrue(e.getMessage().contains("tc:lo ingress is not a BPF link"), e.getMessage());
            }
            link.close();
            link.close();
            assertEquals(1, detached.get());
            assertThrows(IllegalStateException.class, link::info);
        }
    }
}
