/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Map;
import java.util.TreeMap;

/**
 * The BPF fds (maps, programs, links, BTF) of this process, each named by its
 * number AND the kernel object it holds (the {@code map_id}/{@code prog_id}/
 * {@code link_id}/{@code btf_id} line of its fdinfo), so that a comparison of
 * two snapshots sees one leaked fd even when it reuses the number of an fd the
 * cleaner closed in between: a count, or a set of numbers, cannot.
 *
 * <p>Other fds (the JVM's jars, sockets, /dev/urandom) are left out: the JDK
 * opens and closes them on other threads at any moment.
 */
final class BpfFds {
    private final Map<Integer, String> fds;

    private BpfFds(Map<Integer, String> fds) {
        this.fds = fds;
    }

    static BpfFds snapshot() {
        Map<Integer, String> fds = new TreeMap<Integer, String>();
        String[] names = new File("/proc/self/fd").list();
        for (String n : names == null ? new String[0] : names) {
            String target;
            try {
                target = Files.readSymbolicLink(Paths.get("/proc/self/fd", n)).toString();
            } catch (IOException closedMeanwhile) {
                continue; // the listing's own fd, or one another thread closed
            }
            if (!target.startsWith("anon_inode:bpf") && !target.startsWith("anon_inode:btf")) {
                continue;
            }
            String id = objectId(n);
            if (id != null) {
                fds.put(Integer.valueOf(n), target + " " + id);
            }
        }
        return new BpfFds(fds);
    }

    /** The fdinfo line naming the kernel object, or null if the fd was closed while we looked. */
    private static String objectId(String fd) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/fdinfo", fd), StandardCharsets.US_ASCII)) {
                if (line.startsWith("map_id:") || line.startsWith("prog_id:") || line.startsWith("link_id:")
                        || line.startsWith("btf_id:")) {
                    return line.replaceAll("\\s+", " ").trim();
                }
            }
            return "(no id in fdinfo)";
        } catch (IOException closedMeanwhile) {
            return null;
        }
    }

    /** The fds open now that were not open in {@code before} on the same kernel object. */
    Map<Integer, String> addedSince(BpfFds before) {
        Map<Integer, String> added = new TreeMap<Integer, String>();
        for (Map.Entry<Integer, String> e : fds.entrySet()) {
            if (!e.getValue().equals(before.fds.get(e.getKey()))) {
                added.put(e.getKey(), e.getValue());
            }
        }
        return added;
    }

    /** Fails, listing them, if a BPF fd was opened since {@code before} and is still open. */
    static void assertNoneAddedSince(BpfFds before, String what) {
        Map<Integer, String> added = snapshot().addedSince(before);
        if (!added.isEmpty()) {
            fail(what + ": BPF fds left open: " + added);
        }
    }

    int count() {
        return fds.size();
    }

    @Override
    public String toString() {
        return fds.toString();
    }
}
