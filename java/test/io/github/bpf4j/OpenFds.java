package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Finds the fd a Java API just opened, for tests that hand raw fds to the kernel.
 * A snapshot maps each fd number to what it links to: comparing numbers alone
 * is racy, because a Cleaner or another thread may close fd N after the
 * snapshot and the open under test may then get N again.
 */
final class OpenFds {
    private OpenFds() {}

    static Map<Integer, String> snapshot() {
        Map<Integer, String> links = new HashMap<Integer, String>();
        String[] names = new File("/proc/self/fd").list();
        for (String n : names == null ? new String[0] : names) {
            try {
                links.put(Integer.parseInt(n), Files.readSymbolicLink(Paths.get("/proc/self/fd", n)).toString());
            } catch (IOException closedMeanwhile) {
                // the fd of the directory listing itself, or one closed by another thread
            }
        }
        return links;
    }

    static Map<Integer, String> none() {
        return Collections.emptyMap();
    }

    /** The one fd that links to exactly {@code target} and did not (as that target) in {@code before}. */
    static int newFd(Map<Integer, String> before, String target) {
        return find(before, target, true);
    }

    /** An fd that appeared since {@code before} and links to something starting with {@code kind}. */
    static int newFdOfKind(Map<Integer, String> before, String kind) {
        return find(before, kind, false);
    }

    private static int find(Map<Integer, String> before, String target, boolean exact) {
        int found = -1;
        for (Map.Entry<Integer, String> e : snapshot().entrySet()) {
            String link = e.getValue();
            boolean matches = exact ? link.equals(target) : link.startsWith(target);
            if (matches && !link.equals(before.get(e.getKey()))) {
                if (exact) {
                    assertEquals(-1, found, "two new fds point at " + target);
                } else if (found != -1) {
                    continue;
                }
                found = e.getKey();
            }
        }
        assertNotEquals(-1, found, "no new fd points at " + target + (exact ? "" : "*"));
        return found;
    }
}
