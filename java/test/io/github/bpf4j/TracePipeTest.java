/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The trace pipe is one stream for the whole machine: other processes' (and
 * other test runs') bpf_printk lines come through it too, so these tests
 * recognise their own lines by a nonce, never by "the next line", and skip
 * when another process holds the pipe.
 */
class TracePipeTest {
    /** What "promptly" means here, generous for a machine whose CPUs are busy; typically 25 ms. */
    private static final long PROMPT_MILLIS = 2_000;
    /** Reads wait in 25 ms slices, so close() wakes them within one: a second is forty slices of slack. */
    private static final long CLOSE_PROMPT_MILLIS = 1_000;
    /** Lines the writer may be ahead of the readers: a few KB, less than the smallest ring buffer. */
    private static final int IN_FLIGHT = 16;

    @Test
    void parsesTraceLines() {
        String line = "     mmap_loader-14933   [003] .....  8469.272544: bpf_trace_printk: buf: hello from bpf";
        assertEquals("buf: hello from bpf", TracePipe.message(line));
        assertEquals(14933, TracePipe.threadId(line));
        String dashedComm = "  C2 Compiler-Th-77 [001] d..1 1.0: bpf_trace_printk: x";
        assertEquals(77, TracePipe.threadId(dashedComm));
        assertNull(TracePipe.message("no marker here"));
        assertEquals(-1, TracePipe.threadId("garbage"));
    }

    /** The id trace lines carry for this thread is currentThreadId(), wherever the tests run (a container too). */
    @Test
    void currentThreadIdIsTheIdThisThreadsTraceLinesCarry() {
        try (TracePipe pipe = Kernel.openTracePipe();
                BpfObject obj = BpfObject.openResource(MmapRoundTripTest.OBJECT).load()) {
            String mine = "tid " + Kernel.nonce(11);
            ByteBuffer buf = obj.map("buf_map").mmap();
            byte[] text = (mine + "\0").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < text.length; i++) {
                buf.put(i, text[i]);
            }
            obj.program("test_prog").testRun();
            String line = Kernel.awaitTrace(pipe, -1, "buf: " + mine, 10, TimeUnit.SECONDS);
            assertTrue(line != null, "no 'buf: " + mine + "' line within 10 s");
            assertEquals(TracePipe.threadId(line), TracePipe.currentThreadId(), line + "\npid namespace "
                    + TracePipe.pidNamespace());
        }
    }

    /**
     * In a pid namespace of its own a thread's gettid() is not the id its trace lines carry; currentThreadId()
     * still is. unshare --pid --mount-proc gives the child a /proc of its namespace, as a container has.
     */
    @Test
    void currentThreadIdInAPidNamespaceOfItsOwn() throws Exception {
        Kernel.requireBpf();
        assumeTrue(ChildJvm.canUnshare(), ChildJvm.UNSHARE_REASON);
        ChildJvm.Result r = ChildJvm.runUnder(java.util.Arrays.asList("/usr/bin/unshare", "--pid", "--fork",
                "--mount-proc"), TraceTidChild.class);
        String out = r.output.trim();
        assumeTrue(!out.endsWith("busy"), "another process reads the trace pipe");
        assertEquals(0, r.exitCode, out);
        String last = out.substring(out.lastIndexOf('\n') + 1);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "ns=(\\S+) gettid=(\\d+) current=(-?\\d+) line=(\\S+)").matcher(last);
        assertTrue(m.matches(), out);
        assertFalse(m.group(1).equals(TracePipe.INITIAL_PID_NAMESPACE), "the child's own pid namespace: " + out);
        assertEquals(m.group(4), m.group(3), "currentThreadId() is the id of the child's trace line: " + out);
        assertFalse(m.group(2).equals(m.group(4)), "gettid() there is not (else this proves nothing): " + out);
    }

    @Test
    void onlyOneReaderAndAForgottenPipeIsFreed() throws Exception {
        TracePipe first = Kernel.openTracePipe();
        String path = first.path();
        // Count only this pipe's fd: other tests' objects may be freed by the Cleaner meanwhile.
        assertEquals(1, Kernel.fdsOpenOn(path).size(), "this process's fds on " + path);
        BpfException busy = assertThrows(BpfException.class, TracePipe::open);
        assertEquals("EBUSY", busy.errnoName());
        assertTrue(busy.hint().contains("one reader at a time"), busy.hint());
        assertEquals("open(" + path + ") failed: EBUSY (16): the trace pipe has a reader already",
                busy.getMessage().split("\n")[0]);
        first = null; // forgotten, never closed
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Kernel.fdsOpenOn(path).isEmpty() && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(new ArrayList<Integer>(), Kernel.fdsOpenOn(path), "a forgotten TracePipe was never closed");
    }

    @Test
    void readTimesOutWithNullAndClosedPipeThrows() {
        TracePipe pipe = Kernel.openTracePipe();
        try {
            // Any process may print at any time: a timeout shows only in a quiet moment, so try for one.
            long quietDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            long waited = -1;
            while (waited < 0 && System.nanoTime() < quietDeadline) {
                long start = System.nanoTime();
                if (pipe.readLine(200, TimeUnit.MILLISECONDS) == null) {
                    waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                }
            }
            assumeTrue(waited >= 0, "the trace pipe was never quiet for 200 ms in 10 s (other processes print)");
            assertTrue(waited >= 190, "returned null after " + waited + " ms, before its 200 ms timeout");
        } finally {
            pipe.close();
        }
        assertThrows(IllegalStateException.class, () -> pipe.readLine(1, TimeUnit.MILLISECONDS));
        pipe.close(); // idempotent
    }

    /** Several threads read one pipe: every line arrives whole, exactly once, at one of them. */
    @Test
    void severalReadersShareThePipeAndEachLineGoesToOneOfThemWhole() throws Exception {
        final int lines = 300;
        final int readers = 4;
        try (TracePipe pipe = Kernel.openTracePipe();
                BpfObject obj = BpfObject.openResource(MmapRoundTripTest.OBJECT).load()) {
            ByteBuffer buf = obj.map("buf_map").mmap();
            BpfProgram prog = obj.program("test_prog");
            final String prefix = "buf: " + Kernel.nonce(8) + "-";
            final Set<String> seen = ConcurrentHashMap.newKeySet();
            final AtomicReference<Throwable> failure = new AtomicReference<Throwable>();
            final CountDownLatch allSeen = new CountDownLatch(lines);
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicReference<String> lost = new AtomicReference<String>();
            final AtomicLong[] perReader = new AtomicLong[readers];
            List<Thread> threads = new ArrayList<Thread>();
            for (int t = 0; t < readers; t++) {
                final AtomicLong mine = perReader[t] = new AtomicLong();
                Thread reader = new Thread(() -> {
                    try {
                        while (!stop.get()) {
                            String line = pipe.readLine(100, TimeUnit.MILLISECONDS);
                            if (line == null) {
                                continue;
                            }
                            String message = TracePipe.message(line);
                            if (line.contains("[LOST ")) {
                                lost.set(line); // the kernel's ring buffer overflowed
                            }
                            if (message == null || !message.startsWith(prefix)) {
                                continue; // another process's line
                            }
                            int i = Integer.parseInt(message.substring(prefix.length()));
                            if (i < 0 || i >= lines || !seen.add(message)) {
                                throw new AssertionError("line torn or read twice: " + line);
                            }
                            mine.incrementAndGet();
                            allSeen.countDown();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "trace-reader-" + t);
                threads.add(reader);
                reader.start();
            }
            try {
                for (int i = 0; i < lines; i++) {
                    // The ring buffer may be as small as 7 KB a CPU (buffer_size_kb before expansion):
                    // a writer far ahead of the readers would overwrite its own unread lines.
                    long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (i - seen.size() > IN_FLIGHT && System.nanoTime() < wait && failure.get() == null) {
                        Thread.sleep(1);
                    }
                    byte[] text = (prefix.substring(5) + i + "\0").getBytes(StandardCharsets.US_ASCII);
                    for (int b = 0; b < text.length; b++) {
                        buf.put(b, text[b]);
                    }
                    assertEquals(0, prog.testRun().retval());
                }
                boolean all = allSeen.await(60, TimeUnit.SECONDS);
                if (failure.get() != null) {
                    throw new AssertionError("a reader failed", failure.get());
                }
                // With this test's lines paced, an overflow means others printed a flood meanwhile.
                assumeTrue(all || lost.get() == null, "other processes overflowed the trace buffer: " + lost.get());
                assertTrue(all, "lines seen: " + seen.size() + " of " + lines);
            } finally {
                stop.set(true);
                for (Thread t : threads) {
                    t.join(10_000);
                    assertFalse(t.isAlive(), t.getName() + " did not stop");
                }
            }
            assertNull(failure.get());
            assertEquals(lines, seen.size());
            StringBuilder shares = new StringBuilder();
            for (AtomicLong n : perReader) {
                shares.append(' ').append(n.get());
            }
            System.out.println("trace pipe: " + lines + " lines over " + readers + " readers:" + shares);
        }
    }

    /**
     * An interrupt ends a read promptly, both the one waiting in poll and the one
     * waiting for its turn, and the interrupt status stays set.
     */
    @Test
    void anInterruptEndsABlockedReadPromptlyAndTheStatusStays() throws Exception {
        try (TracePipe pipe = Kernel.openTracePipe()) {
            Reader a = new Reader(pipe);
            Reader b = new Reader(pipe);
            a.start();
            b.start();
            // One of them polls the pipe, the other waits for its turn (seen in their stacks, not assumed).
            awaitStates(a, b);
            long interruptedAt = System.nanoTime();
            a.interrupt();
            b.interrupt();
            for (Reader r : new Reader[] {a, b}) {
                r.join(10_000);
                assertFalse(r.isAlive(), "an interrupted read did not return");
                if (r.failure != null) {
                    throw new AssertionError(r.getName() + " failed", r.failure);
                }
                long ms = TimeUnit.NANOSECONDS.toMillis(r.returnedAt - interruptedAt);
                assertTrue(ms < PROMPT_MILLIS, r.getName() + " returned " + ms + " ms after the interrupt");
                assertTrue(r.interruptedAfter, "the interrupt status was cleared");
                System.out.println("trace pipe: interrupted read returned after " + ms + " ms");
            }
        }
    }

    @Test
    void aThreadInterruptedBeforeTheCallReturnsAtOnce() {
        try (TracePipe pipe = Kernel.openTracePipe()) {
            Thread.currentThread().interrupt();
            long start = System.nanoTime();
            assertNull(pipe.readLine(30, TimeUnit.SECONDS));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(Thread.interrupted(), "the interrupt status was cleared");
            assertTrue(ms < PROMPT_MILLIS, "returned after " + ms + " ms");
        } finally {
            Thread.interrupted();
        }
    }

    /** close() on another thread ends blocked reads with null, promptly, and then frees the fd. */
    @Test
    void closeFromAnotherThreadEndsBlockedReads() throws Exception {
        TracePipe pipe = Kernel.openTracePipe();
        String path = pipe.path();
        Reader a = new Reader(pipe);
        Reader b = new Reader(pipe);
        a.start();
        b.start();
        awaitStates(a, b);
        a.closing = true;
        b.closing = true;
        long start = System.nanoTime();
        pipe.close();
        long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(closeMs < CLOSE_PROMPT_MILLIS, "close() took " + closeMs + " ms");
        for (Reader r : new Reader[] {a, b}) {
            r.join(10_000);
            assertFalse(r.isAlive(), "a read did not end at close()");
            if (r.failure != null) {
                throw new AssertionError(r.getName() + " failed instead of returning null", r.failure);
            }
            assertFalse(r.interruptedAfter);
            long ms = TimeUnit.NANOSECONDS.toMillis(r.returnedAt - start);
            assertTrue(ms < CLOSE_PROMPT_MILLIS, r.getName() + " returned " + ms + " ms after close()");
        }
        System.out.println("trace pipe: close() with two blocked readers took " + closeMs + " ms");
        assertEquals(new ArrayList<Integer>(), Kernel.fdsOpenOn(path), "the fd is closed");
        assertThrows(IllegalStateException.class, () -> pipe.readLine(1, TimeUnit.SECONDS));
    }

    /** Reads until a read returns null (lines of other processes just go by). */
    private static final class Reader extends Thread {
        private final TracePipe pipe;
        volatile long returnedAt;
        volatile boolean interruptedAfter;
        volatile Throwable failure;
        /** Set just before the test closes the pipe. */
        volatile boolean closing;

        Reader(TracePipe pipe) {
            this.pipe = pipe;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                while (pipe.readLine(60, TimeUnit.SECONDS) != null) {
                    // another process's line
                }
                returnedAt = System.nanoTime();
                interruptedAfter = isInterrupted();
            } catch (IllegalStateException e) {
                returnedAt = System.nanoTime();
                if (!closing) {
                    failure = e;
                } // else another process's line came just before close(): this is the next call, after it
            } catch (Throwable e) {
                returnedAt = System.nanoTime();
                failure = e;
            }
        }
    }

    /** Waits until one reader is in the native poll and the other waits for its turn. */
    private static void awaitStates(Reader a, Reader b) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if ((in(a, "pollRead") && in(b, "lockReader")) || (in(b, "pollRead") && in(a, "lockReader"))) {
                return;
            }
            Thread.sleep(1);
        }
        throw new AssertionError("the readers never blocked: " + stack(a) + "\n" + stack(b));
    }

    private static boolean in(Thread t, String method) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getMethodName().equals(method)) {
                return true;
            }
        }
        return false;
    }

    private static String stack(Thread t) {
        StringBuilder s = new StringBuilder(t.getName());
        for (StackTraceElement e : t.getStackTrace()) {
            s.append("\n  at ").append(e);
        }
        return s.toString();
    }
}
