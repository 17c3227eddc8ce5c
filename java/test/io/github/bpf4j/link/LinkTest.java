/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static io.github.bpf4j.link.LinkTestSupport.count;
import static io.github.bpf4j.link.LinkTestSupport.countThisThread;
import static io.github.bpf4j.link.LinkTestSupport.eventually;
import static io.github.bpf4j.link.LinkTestSupport.exit;
import static io.github.bpf4j.link.LinkTestSupport.sh;
import static io.github.bpf4j.link.LinkTestSupport.writes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfInvalidArgumentException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfNotSupportedException;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfPermissionException;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.LinkInfo;
import io.github.bpf4j.LinkType;
import io.github.bpf4j.Pins;
import io.github.bpf4j.internal.Native;
import java.io.File;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BpfLink as an owned handle: pin, openPinned, fromId, update, detach, info. */
class LinkTest {
    @TempDir
    Path tmp;

    private String dummy;

    @BeforeEach
    void privileged() {
        Kernel.requireBpf();
    }

    @AfterEach
    void deleteDummy() throws Exception {
        if (dummy != null) {
            exit("ip", "link", "del", dummy);
        }
    }

    @Test
    void aPinnedLinkOutlivesItsHandleUntilUnpinned() throws Exception {
        LinkTestSupport.requireWriteTracepoint();
        File file = tmp.resolve("w").toFile();
        try (Kernel.PrivateBpfFs fs = Kernel.privateBpfFs();
                BpfObject obj = BpfObject.openResource(LinkTestSupport.SYS_LINK).load()) {
            BpfMap counts = obj.map("counts");
            countThisThread(obj.map("config"));
            BpfProgram prog = obj.program("count_writes");
            Path pin = fs.resolve("writes_link");
            int linkId;
            try (BpfLink link = prog.attach()) {
                LinkInfo info = link.info();
                linkId = info.id();
                assertEquals(LinkType.PERF_EVENT, info.type());
                assertEquals("tracepoint", info.perfEventType());
                assertEquals("sys_enter_write", info.name());
                assertEquals(prog.info().id(), info.programId());
                assertSame(prog, link.program());
                link.pin(pin);
                BpfException twice = assertThrows(BpfException.class, () -> link.pin(pin));
                assertEquals("EEXIST", twice.errnoName());
            }
            long before = count(counts);
            writes(file, 5);
            assertEquals(5, count(counts) - before, "the pinned link stopped running when its handle closed");

            try (BpfLink reopened = BpfLink.openPinned(pin); BpfLink byId = BpfLink.fromId(linkId)) {
                assertNull(reopened.program(), "a link on its own has no program handle");
                assertEquals(linkId, reopened.info().id());
                assertEquals(linkId, byId.info().id());
                assertTrue(reopened.target().contains("tracepoint sys_enter_write"), reopened.target());
                assertTrue(reopened.fd() >= 0);
                assertTrue(reopened.toString().contains("sys_enter_write"), reopened.toString());
            }
            Pins.unpin(pin);
            assertTrue(eventually(() -> {
                try {
                    BpfLink.fromId(linkId).close();
                    return false;
                } catch (BpfException e) {
                    return "ENOENT".equals(e.errnoName());
                }
            }), "link " + linkId + " still exists with no pin and no fd");
            // The id goes first; the kernel detaches the program after it (deferred): wait for that too.
            assertTrue(eventually(() -> {
                try {
                    long b = count(counts);
                    writes(file, 5);
                    return count(counts) == b;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }), "the link still runs 10 s after its last holder went");
        }
    }

    @Test
    void openPinnedRefusesOtherKindsAndOpenMapRefusesALink() throws Exception {
        LinkTestSupport.requireWriteTracepoint();
        try (Kernel.PrivateBpfFs fs = Kernel.privateBpfFs();
                BpfObject obj = BpfObject.openResource(LinkTestSupport.SYS_LINK).load();
                BpfLink link = obj.program("count_writes").attach()) {
            obj.map("counts").pin(fs.resolve("m"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> BpfLink.openPinned(fs.resolve("m")));
            assertTrue(e.getMessage().contains("the pin is a BPF map, not a BPF link"), e.getMessage());
            link.pin(fs.resolve("l"));
            e = assertThrows(IllegalArgumentException.class, () -> Pins.openMap(fs.resolve("l")));
            assertTrue(e.getMessage().contains("open links with BpfLink.openPinned"), e.getMessage());
            BpfException none = assertThrows(BpfException.class, () -> BpfLink.openPinned(fs.resolve("nothing")));
            assertEquals("ENOENT", none.errnoName());
        }
    }

    @Test
    void fromIdOfNoLinkIsEnoent() {
        Kernel.requireSysAdmin("BpfLink.fromId");
        BpfException e = assertThrows(BpfException.class, () -> BpfLink.fromId(Integer.MAX_VALUE));
        assertEquals("ENOENT", e.errnoName());
        assertTrue(e.getMessage().contains("bpf_link_get_fd_by_id(" + Integer.MAX_VALUE + ")"), e.getMessage());
    }

    @Test
    void tracepointLinksCannotBeUpdatedOrDetached() throws Exception {
        LinkTestSupport.requireWriteTracepoint();
        try (BpfObject obj = BpfObject.openResource(LinkTestSupport.SYS_LINK).load();
                BpfLink link = obj.program("count_writes").attach()) {
            BpfException update = assertThrows(BpfException.class, () -> link.update(obj.program("count_writes")));
            assertTrue(update instanceof BpfInvalidArgumentException || update instanceof BpfNotSupportedException,
                    update.toString());
            assertTrue(update.getMessage().contains("bpf_link_update(link tp/syscalls/sys_enter_write"),
                    update.getMessage());
            BpfNotSupportedException detach = assertThrows(BpfNotSupportedException.class, link::detach);
            assertTrue(detach.getMessage().contains("close the link instead"), detach.getMessage());
        }
    }

    @Test
    void updateSwapsTheProgramAtomicallyAndDetachKeepsTheLink() throws Exception {
        dummy = "b4jl" + Kernel.nonce(6);
        if (exit("ip", "link", "add", dummy, "type", "dummy") != 0) {
            // No dummy driver here: a veth pair (deleting one end deletes both).
            Assumptions.assumeTrue(exit("ip", "link", "add", dummy, "type", "veth", "peer", "name", dummy + "p") == 0,
                    "cannot create a dummy or veth network device (ip link add)");
        }
        assertEquals(0, exit("ip", "link", "set", dummy, "up"));
        try (BpfObject obj = BpfObject.openResource(LinkTestSupport.SYS_LINK).load()) {
            BpfProgram a = obj.program("pass_a");
            BpfProgram b = obj.program("pass_b");
            int idA = a.info().id();
            int idB = b.info().id();
            try (BpfLink link = a.attachXdp(dummy, XdpOptions.defaults().mode(XdpMode.SKB))) {
                LinkInfo info = link.info();
                assertEquals(LinkType.XDP, info.type());
                assertEquals(Native.ifIndex(dummy), info.ifindex());
                assertEquals("xdp", info.attachType());
                assertEquals(idA, info.programId());
                assertTrue(xdpOf(dummy).contains("id " + idA), xdpOf(dummy));

                link.update(b);
                assertEquals(idB, link.info().programId());
                assertSame(b, link.program());
                assertTrue(xdpOf(dummy).contains("id " + idB), "the device does not run the new program: "
                        + xdpOf(dummy));

                BpfException stale = assertThrows(BpfException.class, () -> link.update(a, a));
                assertFalse(stale instanceof BpfPermissionException, "a failed expectation is no permission problem");
                assertEquals("EPERM", stale.errnoName());
                assertTrue(stale.getMessage().contains("no longer runs the expected program"), stale.getMessage());
                assertEquals(idB, link.info().programId());
                link.update(a, b);
                assertEquals(idA, link.info().programId());

                link.detach();
                assertFalse(xdpOf(dummy).contains("prog/xdp"), "still attached after detach: " + xdpOf(dummy));
                assertEquals(LinkType.XDP, link.info().type(), "a detached link still answers");
                assertTrue(link.fd() >= 0);
            }
        }
    }

    private static String xdpOf(String dev) throws Exception {
        return sh("ip", "-d", "link", "show", "dev", dev);
    }
}
