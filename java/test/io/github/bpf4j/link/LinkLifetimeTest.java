/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static io.github.bpf4j.link.LinkTestSupport.count;
import static io.github.bpf4j.link.LinkTestSupport.countThisThread;
import static io.github.bpf4j.link.LinkTestSupport.eventually;
import static io.github.bpf4j.link.LinkTestSupport.writes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.ChildJvm;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.LinkType;
import io.github.bpf4j.Pins;
import java.io.File;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Links end with the process that made them (it exits without closing them), unless pinned: then
 * the link survives, still runs, and goes only when unpinned. LinkExitTest does the same for every
 * other attach type in one child JVM (and shows the attachments that are no links outliving it).
 */
class LinkLifetimeTest {
    private static final Pattern IDS = Pattern.compile("link (\\d+) prog (\\d+)");

    @TempDir
    Path tmp;

    @BeforeEach
    void privileged() {
        Kernel.requireBpf();
        LinkTestSupport.requireWriteTracepoint();
    }

    private static int[] ids(ChildJvm.Result r) {
        assertEquals(0, r.exitCode, r.toString());
        Matcher m = IDS.matcher(r.output);
        assertTrue(m.find(), r.toString());
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    private static boolean gone(int linkId) {
        try {
            BpfLink.fromId(linkId).close();
            return false;
        } catch (BpfException e) {
            return "ENOENT".equals(e.errnoName());
        }
    }

    @Test
    void aLinkEndsWithItsProcess() throws Exception {
        Kernel.requireSysAdmin("checking by id that a link is gone");
        int[] ids = ids(ChildJvm.run(LinkLifetimeChild.class));
        assertTrue(eventually(() -> gone(ids[0])), "link " + ids[0] + " outlived the child JVM that attached it");
    }

    @Test
    void aStructOpsRegistrationEndsWithItsProcess() throws Exception {
        Kernel.requireSysAdmin("checking by id that a link is gone");
        Path available = java.nio.file.Paths.get("/proc/sys/net/ipv4/tcp_available_congestion_control");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(available), "no " + available);
        org.junit.jupiter.api.Assumptions.assumeFalse(new String(java.nio.file.Files.readAllBytes(available),
                "US-ASCII").contains("bpf4j_cc"), "another run has bpf4j_cc registered");
        int[] ids = ids(ChildJvm.run(LinkLifetimeChild.class, "struct_ops"));
        assertTrue(eventually(() -> gone(ids[0])), "struct_ops link " + ids[0] + " outlived its process");
        assertTrue(eventually(() -> {
            try {
                return !new String(java.nio.file.Files.readAllBytes(available), "US-ASCII").contains("bpf4j_cc");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }), "bpf4j_cc still registered after its process ended");
    }

    @Test
    void aPinnedLinkOutlivesItsProcessAndStillRunsUntilUnpinned() throws Exception {
        try (Kernel.PrivateBpfFs fs = Kernel.privateBpfFs()) {
            Path pin = fs.resolve("child_link");
            int[] ids = ids(ChildJvm.run(LinkLifetimeChild.class, pin.toString()));
            File file = tmp.resolve("w").toFile();
            try (BpfLink link = BpfLink.openPinned(pin); BpfProgram prog = BpfProgram.fromId(ids[1])) {
                assertEquals(ids[0], link.info().id());
                assertEquals(LinkType.PERF_EVENT, link.info().type());
                assertEquals(ids[1], link.info().programId());
                // The child's maps, found through the program: a service reusing what a previous instance pinned.
                BpfMap config = null;
                BpfMap counts = null;
                for (int mapId : prog.info().mapIds()) {
                    BpfMap m = BpfMap.fromId(mapId);
                    if (m.name().equals("config")) {
                        config = m;
                    } else if (m.name().equals("counts")) {
                        counts = m;
                    } else {
                        m.close();
                    }
                }
                try (BpfMap cfg = config; BpfMap cnt = counts) {
                    countThisThread(cfg);
                    long before = count(cnt);
                    writes(file, 7);
                    assertEquals(7, count(cnt) - before, "the pinned link of an exited process does not run");
                }
            }
            Pins.unpin(pin);
            assertTrue(eventually(() -> gone(ids[0])), "link " + ids[0] + " outlived its pin");
        }
    }
}
