/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.bpf4j.BpfLink;
import java.lang.ref.WeakReference;

/**
 * The proof every attach test makes: attached, an action the test takes makes
 * the program run (a counter it keeps grows); closed, the same action leaves
 * the counter alone; attached again, it runs, and forgotten, the Cleaner detaches it.
 * (Detach at process exit is LinkLifetimeTest's, in a child JVM.)
 */
public final class AttachProof {
    private AttachProof() {}

    public interface Attach {
        BpfLink attach() throws Exception;
    }

    public interface Action {
        void run() throws Exception;
    }

    public interface Count {
        long read() throws Exception;
    }

    /** Runs the three steps; returns how much one action moved the counter while attached. */
    public static long runsAndDetaches(Attach attach, Action action, Count count) throws Exception {
        long moved;
        try (BpfLink link = attach.attach()) {
            moved = delta(action, count);
            assertTrue(moved > 0, "the program did not run: " + link + " saw nothing of the action");
        }
        assertEquals(0, delta(action, count), "the program still runs after close()");
        WeakReference<BpfLink> forgotten = attachRunAndForget(attach, action, count);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (forgotten.get() != null || delta(action, count) != 0) {
            if (System.nanoTime() > deadline) {
                fail("a forgotten link was not detached within 10 s (reachable: " + (forgotten.get() != null) + ")");
            }
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(0, delta(action, count), "the program runs again after the Cleaner detached it");
        return moved;
    }

    /** How much one action moves the counter. */
    public static long delta(Action action, Count count) throws Exception {
        long before = count.read();
        action.run();
        return count.read() - before;
    }

    /** Attaches again and proves it runs, so "stopped after the Cleaner" is not "never ran". */
    private static WeakReference<BpfLink> attachRunAndForget(Attach attach, Action action, Count count)
            throws Exception {
        BpfLink link = attach.attach();
        assertTrue(delta(action, count) > 0, "attached again, the program did not run: " + link);
        return new WeakReference<BpfLink>(link);
    }
}
