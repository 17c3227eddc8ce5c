/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import java.util.Arrays;

/**
 * The tracing family's attach points (kprobes, uprobes, USDT, tracepoints,
 * BTF tracing, perf events): immutable values, equal when their class and
 * every option are.
 */
abstract class TracingPoint extends AttachPoint {
    TracingPoint() {}

    /** Every option, for equals and hashCode (arrays compared by content). */
    abstract Object[] values();

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && Arrays.deepEquals(values(), ((TracingPoint) o).values());
    }

    @Override
    public final int hashCode() {
        return getClass().hashCode() * 31 + Arrays.deepHashCode(values());
    }

    static String requireName(String what, String value) {
        if (value == null) {
            throw new NullPointerException(what + " is null");
        }
        if (value.isEmpty() || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " '" + value.replace("\0", "\\0") + "': must be non-empty and"
                    + " hold no NUL character");
        }
        return value;
    }

    static int requirePid(int pid) {
        if (pid <= 0 && pid != -1) {
            throw new IllegalArgumentException("pid " + pid + ": give a process id (> 0), or -1 for every process");
        }
        return pid;
    }

    static String cookieText(long cookie) {
        return cookie == 0 ? "" : ", cookie 0x" + Long.toHexString(cookie);
    }

    static String pidText(int pid) {
        return pid == -1 ? "" : ", pid " + pid;
    }

    /** This process's id (Java 8 has no ProcessHandle): /proc/self is a link to it. */
    static int currentPid() {
        try {
            return Integer.parseInt(java.nio.file.Files.readSymbolicLink(java.nio.file.Paths.get("/proc/self"))
                    .toString());
        } catch (java.io.IOException | NumberFormatException e) {
            throw new IllegalStateException("thisProcess(): cannot read this process's id from /proc/self (" + e
                    + "); pass the pid explicitly");
        }
    }

    static String[] copyNames(String what, String... names) {
        if (names == null) {
            throw new NullPointerException(what + " is null");
        }
        if (names.length == 0) {
            throw new IllegalArgumentException(what + ": give at least one");
        }
        String[] copy = names.clone();
        for (String n : copy) {
            requireName(what + " element", n);
        }
        return copy;
    }

    static long[] copyLongs(String what, long[] values, int expected) {
        if (values == null) {
            return null;
        }
        if (expected >= 0 && values.length != expected) {
            throw new IllegalArgumentException(what + ": " + values.length + " given for " + expected
                    + " probes; give one per probe, in the same order");
        }
        return values.clone();
    }
}
