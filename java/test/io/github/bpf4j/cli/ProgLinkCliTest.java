/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.Kernel;
import java.io.File;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code prog show|list|pin} and {@code link show|list|detach}, in-process through CliTest.run. */
class ProgLinkCliTest {
    private static final String SYS_LINK = "bpf/sys_link.bpf.o";

    @BeforeEach
    void privileged() {
        Kernel.requireBpf();
    }

    private static void requireTracepoint() {
        Assumptions.assumeTrue(new File("/sys/kernel/tracing/events/syscalls/sys_enter_write").isDirectory()
                || new File("/sys/kernel/debug/tracing/events/syscalls/sys_enter_write").isDirectory()
                || !new File("/sys/kernel/tracing/events").isDirectory(), "no syscalls/sys_enter_write tracepoint");
    }

    @Test
    void progShowListAndPin() throws Exception {
        try (Kernel.PrivateBpfFs fs = Kernel.privateBpfFs();
                BpfObject obj = BpfObject.openResource(SYS_LINK).load()) {
            BpfProgram prog = obj.program("count_writes");
            int id = prog.info().id();
            String tag = prog.info().tag();
            CliTest.Result show = CliTest.run("prog", "show", "id", String.valueOf(id));
            assertEquals(0, show.status, show.toString());
            assertTrue(show.out.startsWith(id + ": tracepoint  name count_writes  tag " + tag + "  gpl"), show.out);
            assertTrue(show.out.contains("\tloaded_at ") && show.out.contains("  uid 0"), show.out);
            assertTrue(show.out.contains("map_ids " + obj.map("config").info().id() + ","), show.out);

            CliTest.Result json = CliTest.run("-j", "prog", "show", "id", String.valueOf(id));
            assertEquals(0, json.status, json.toString());
            assertTrue(json.out.startsWith("{\"id\":" + id + ",\"type\":\"tracepoint\",\"name\":\"count_writes\",\"tag\":\""
                    + tag + "\",\"gpl_compatible\":true"), json.out);
            assertTrue(json.out.contains("\"map_ids\":[" + obj.map("config").info().id() + ","), json.out);

            CliTest.Result list = CliTest.run("prog", "list");
            assertEquals(0, list.status, list.toString());
            assertTrue(list.out.contains(id + ": tracepoint  name count_writes"), "prog list misses " + id);
            CliTest.Result named = CliTest.run("-j", "prog", "show", "name", "count_writes");
            assertTrue(named.out.startsWith("[") && named.out.contains("\"id\":" + id + ","), named.out);

            CliTest.Result pin = CliTest.run("prog", "pin", "id", String.valueOf(id), fs.resolve("p").toString());
            assertEquals(0, pin.status, pin.toString());
            try (BpfProgram pinned = BpfProgram.openPinned(fs.resolve("p"))) {
                assertEquals(id, pinned.info().id());
            }
            CliTest.Result byPin = CliTest.run("prog", "show", "pinned", fs.resolve("p").toString());
            assertTrue(byPin.out.startsWith(id + ": "), byPin.toString());
        }
    }

    @Test
    void progAndLinkCommandLineMistakesAreUsageErrors() {
        Kernel.requireSysAdmin("link/prog commands on ids");
        CliTest.Result r = CliTest.run("prog", "show", "id", "x");
        assertEquals(2, r.status, r.toString());
        assertTrue(r.err.contains("PROG_ID must be a positive number"), r.err);
        r = CliTest.run("link", "frob");
        assertEquals(2, r.status, r.toString());
        assertTrue(r.err.contains("the commands are show, list, detach, help"), r.err);
        r = CliTest.run("-j", "link", "show", "id", "2147483647");
        assertEquals(1, r.status, r.toString());
        assertTrue(r.out.startsWith("{\"error\":\"bpf_link_get_fd_by_id(2147483647) failed: ENOENT"), r.out);
        r = CliTest.run("prog", "help");
        assertEquals(0, r.status);
        assertTrue(r.out.contains("PROG := { id PROG_ID | pinned FILE | name PROG_NAME }"), r.out);
    }

    @Test
    void linkShowListAndDetach() throws Exception {
        Kernel.requireSysAdmin("link show/list by id");
        requireTracepoint();
        try (BpfObject obj = BpfObject.openResource(SYS_LINK).load();
                BpfLink link = obj.program("count_writes").attach()) {
            int id = link.info().id();
            int prog = obj.program("count_writes").info().id();
            CliTest.Result show = CliTest.run("link", "show", "id", String.valueOf(id));
            assertEquals(0, show.status, show.toString());
            assertEquals(id + ": perf_event  prog " + prog + "\n\ttracepoint sys_enter_write\n", show.out);
            CliTest.Result json = CliTest.run("--json", "link", "show", "id", String.valueOf(id));
            assertEquals("{\"id\":" + id + ",\"type\":\"perf_event\",\"prog_id\":" + prog
                    + ",\"event_type\":\"tracepoint\",\"name\":\"sys_enter_write\"}\n", json.out);
            CliTest.Result list = CliTest.run("link", "list");
            assertTrue(list.out.contains(id + ": perf_event  prog " + prog + "\n"), list.toString());
            // A tracepoint link has no BPF_LINK_DETACH: the kernel's answer, with what to do instead.
            CliTest.Result detach = CliTest.run("link", "detach", "id", String.valueOf(id));
            assertEquals(1, detach.status, detach.toString());
            assertTrue(detach.err.contains("bpf_link_detach") && detach.err.contains("close the link instead"),
                    detach.err);
        }
    }

    @Test
    void linkDetachStopsAStructOpsLink() throws Exception {
        Kernel.requireSysAdmin("link detach by id");
        try (BpfObject obj = BpfObject.openResource("bpf/sys_struct_ops.bpf.o").load()) {
            BpfLink link;
            try {
                link = obj.map("bpf4j_cc").attachStructOps();
            } catch (io.github.bpf4j.BpfException e) {
                Assumptions.assumeFalse("EEXIST".equals(e.errnoName()), "another run has bpf4j_cc registered");
                throw e;
            }
            try (BpfLink l = link) {
                CliTest.Result detach = CliTest.run("link", "detach", "id", String.valueOf(l.info().id()));
                assertEquals(0, detach.status, detach.toString());
                String available = new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get(
                        "/proc/sys/net/ipv4/tcp_available_congestion_control")), "US-ASCII");
                assertTrue(!available.contains("bpf4j_cc"), available);
            }
        }
    }
}
