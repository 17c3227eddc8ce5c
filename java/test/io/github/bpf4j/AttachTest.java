/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.internal.AttachErrors;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.ringbuf.RingBuffer;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link BpfProgram#attach()} against the real kernel: a tracepoint producer
 * (test-bpf/attach_write.bpf.c) at syscalls/sys_enter_write, filtered to this
 * test's thread, recording every write(2) into a ring buffer.
 */
class AttachTest {
    static final String OBJ = "bpf/attach_write.bpf.o";
    private static final int WRITES = 100_000;
    private BpfObject obj;

    @AfterEach
    void close() {
        if (obj != null) {
            obj.close();
        }
    }

    /** Loads the object with the filter set to the calling thread (the one that will write). */
    private BpfObject loadForThisThread() throws IOException {
        // The ids bpf_get_current_pid_tgid() gives: /proc/thread-self's inside a container are not them.
        int tgid = Kernel.hostPid();
        int tid = Kernel.hostTid();
        obj = BpfObject.openResource(OBJ);
        obj.setGlobal("target_tgid", u32(tgid));
        obj.setGlobal("target_tid", u32(tid));
        return obj.load();
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, v).array();
    }

    private static void assumeTracepoint() {
        Assumptions.assumeTrue(new File("/sys/kernel/tracing/events/syscalls/sys_enter_write").isDirectory()
                        || new File("/sys/kernel/debug/tracing/events/syscalls/sys_enter_write").isDirectory()
                        || !new File("/sys/kernel/tracing/events").isDirectory(),
                "this kernel has no syscalls/sys_enter_write tracepoint (CONFIG_FTRACE_SYSCALLS)");
    }

    /** One write(2) per call: a direct buffer through a FileChannel goes to the kernel as it is. */
    private static void writes(FileChannel ch, ByteBuffer buf, int first, int count) throws IOException {
        for (int i = first; i < first + count; i++) {
            buf.clear().limit(i);
            while (buf.hasRemaining()) { // /dev/null takes everything at once: one iteration
                ch.write(buf);
            }
        }
    }

    @Test
    void tracepointRecordsEveryWriteOfThisThreadInOrder() throws Exception {
        assumeTracepoint();
        loadForThisThread();
        RingBuffer ring = obj.map("writes").ringBuffer();
        ByteBuffer buf = ByteBuffer.allocateDirect(WRITES);
        final long[] next = {1};
        final long[] fd = {-1};
        try (FileOutputStream out = new FileOutputStream("/dev/null"); FileChannel ch = out.getChannel();
                BpfLink link = obj.program("on_write").attach()) {
            assertEquals("tp/syscalls/sys_enter_write", link.target());
            assertTrue(link.fd() >= 0);
            writes(ch, buf, 1, WRITES);
        }
        int got = ring.consume(r -> {
            assertEquals(24, r.remaining());
            long seq = r.getLong(r.position());
            long f = r.getLong(r.position() + 8);
            long count = r.getLong(r.position() + 16);
            assertEquals(next[0], seq, "in order, none lost");
            assertEquals(seq, count, "write number n wrote n bytes");
            if (fd[0] < 0) {
                fd[0] = f;
            }
            assertEquals(fd[0], f, "all to the same fd");
            next[0]++;
        });
        assertEquals(WRITES, got, "one record per write(2)");
        assertEquals(0, RingBuffer.drops(obj.map("drops")));
    }

    @Test
    void closingTheLinkDetaches() throws Exception {
        assumeTracepoint();
        loadForThisThread();
        RingBuffer ring = obj.map("writes").ringBuffer();
        ByteBuffer buf = ByteBuffer.allocateDirect(64);
        try (FileOutputStream out = new FileOutputStream("/dev/null"); FileChannel ch = out.getChannel()) {
            BpfLink link = obj.program("on_write").attach();
            writes(ch, buf, 1, 10);
            link.close();
            link.close(); // idempotent
            assertThrows(IllegalStateException.class, link::fd);
            writes(ch, buf, 11, 10);
        }
        assertEquals(10, ring.consume(r -> { }), "the writes before close, none after");
    }

    @Test
    void forgottenLinkIsDetachedByTheGarbageCollector() throws Exception {
        assumeTracepoint();
        loadForThisThread();
        RingBuffer ring = obj.map("writes").ringBuffer();
        ByteBuffer buf = ByteBuffer.allocateDirect(64);
        try (FileOutputStream out = new FileOutputStream("/dev/null"); FileChannel ch = out.getChannel()) {
            attachAndForget(obj.program("on_write"));
            writes(ch, buf, 1, 1);
            assertEquals(1, ring.consume(r -> { }), "attached while the link is reachable or not yet collected");
            long deadline = System.currentTimeMillis() + 20_000;
            boolean detached = false;
            while (!detached && System.currentTimeMillis() < deadline) {
                System.gc();
                Thread.sleep(20);
                ring.consume(r -> { });
                writes(ch, buf, 1, 5);
                detached = ring.consume(r -> { }) == 0;
            }
            assertTrue(detached, "the cleaner detached the forgotten link");
        }
    }

    private static void attachAndForget(BpfProgram p) {
        p.attach();
    }

    @Test
    void kprobeOnAKernelWithoutKprobesIsNotSupported() throws Exception {
        Assumptions.assumeFalse(new File("/sys/bus/event_source/devices/kprobe").exists()
                || new File("/sys/kernel/tracing/kprobe_events").exists(), "this kernel has kprobes");
        loadForThisThread();
        BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class,
                () -> obj.program("on_open").attach());
        assertTrue(e.getMessage().contains("CONFIG_KPROBES"), e.getMessage());
        assertTrue(e.getMessage().contains("bpf_program__attach(program 'on_open', kprobe/do_sys_openat2)"),
                e.getMessage());
        assertTrue(e.hint().contains("fentry"), e.hint());
    }

    @Test
    void sectionsWithoutAutomaticAttachSayWhatToCall() throws Exception {
        loadForThisThread();
        BpfNotSupportedException xdp = assertThrows(BpfNotSupportedException.class,
                () -> obj.program("pass").attach());
        assertTrue(xdp.getMessage().contains("section 'xdp'"), xdp.getMessage());
        assertTrue(xdp.hint().contains("attachXdp"), xdp.hint());
        assertEquals("EOPNOTSUPP", xdp.errnoName());
        BpfNotSupportedException raw = assertThrows(BpfNotSupportedException.class,
                () -> obj.program("untargeted").attach());
        assertTrue(raw.getMessage().contains("names no target"), raw.getMessage());
        assertTrue(raw.hint().contains("SEC(\"raw_tp/<tracepoint>\")"), raw.hint());
    }

    @Test
    void aMissingTracepointIsNamed() throws Exception {
        loadForThisThread();
        BpfException e = assertThrows(BpfException.class, () -> obj.program("on_nothing").attach());
        assertEquals("ENOENT", e.errnoName());
        assertTrue(e.getMessage().contains("no tracepoint syscalls/sys_enter_bpf4j_nonexistent"), e.getMessage());
        assertTrue(e.hint().contains("/sys/kernel/tracing/events"), e.hint());
    }

    /** The messages of errnos this kernel does not produce here, from the one mapping. */
    @Test
    void everyAttachFailureGetsAHintForItsSection() {
        String call = "bpf_program__attach(program 'p', tp/sched/sched_switch)";
        BpfException perm = AttachErrors.ofAttach(call, Errors.EPERM, "tp/sched/sched_switch", false);
        assertTrue(perm instanceof BpfPermissionException, perm.toString());
        assertTrue(perm.hint().contains("CAP_PERFMON") && perm.hint().contains("CAP_BPF"), perm.hint());
        BpfException inval = AttachErrors.ofAttach(call, Errors.EINVAL, "tp/sched/sched_switch", false);
        assertTrue(inval instanceof BpfInvalidArgumentException, inval.toString());
        assertTrue(inval.hint().contains("section"), inval.hint());
        BpfException syscall = AttachErrors.ofAttach("bpf_program__attach(program 'p', syscall)", Errors.EOPNOTSUPP,
                "syscall", false);
        assertTrue(syscall.hint().contains("testRun()"), syscall.hint());
        BpfException tc = AttachErrors.ofAttach("bpf_program__attach(program 'p', tc)", Errors.EOPNOTSUPP, "tc", false);
        assertTrue(tc.getMessage().contains("section 'tc'") && tc.hint().contains("attach(AttachPoint)"), tc.hint());
        BpfException uprobe = AttachErrors.ofAttach("bpf_program__attach(program 'p', uprobe/nope:f)", Errors.ENOENT,
                "uprobe/nope:f", false);
        assertTrue(uprobe.getMessage().contains("'nope:f'") && uprobe.hint().contains("uprobe/<binary>:<function>"),
                uprobe.hint());
    }

    @Test
    void attachBeforeLoadAndAfterCloseAreRefused() {
        BpfObject opened = BpfObject.openResource(OBJ);
        BpfProgram p = opened.program("on_write");
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, p::attach);
            assertTrue(e.getMessage().contains("load()"), e.getMessage());
        } finally {
            opened.close();
        }
        assertThrows(IllegalStateException.class, p::attach);
    }
}
