/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * What an fd is, from its /proc/self/fd link (as bpftool finds out): the
 * bpf() info calls answer for maps, programs and links alike, each with its
 * own layout, so a handle checks the kind before it reads info. "Not the
 * kind asked for" has no errno: it is an {@link IllegalArgumentException}
 * saying what the fd (or pin) is instead.
 */
public enum FdKind {
    MAP("a BPF map"), PROGRAM("a BPF program"), LINK("a BPF link"), OTHER_BPF("another BPF object"),
    OTHER("not a BPF object"), UNKNOWN("unknown (no /proc)");

    private final String words;

    FdKind(String words) {
        this.words = words;
    }

    /** The kind of an open fd of this process. */
    public static FdKind of(int fd) {
        String link = link(fd);
        if (link == null) {
            return UNKNOWN;
        }
        if (link.equals("anon_inode:bpf-map")) {
            return MAP;
        }
        if (link.equals("anon_inode:bpf-prog")) {
            return PROGRAM;
        }
        if (link.equals("anon_inode:bpf_link") || link.equals("anon_inode:bpf-link")) {
            return LINK;
        }
        return link.startsWith("anon_inode:bpf") ? OTHER_BPF : OTHER;
    }

    /** What /proc/self/fd/N links to (e.g. "pipe:[123]", "anon_inode:bpf-map", a path), or null. */
    public static String link(int fd) {
        try {
            return Files.readSymbolicLink(Paths.get("/proc/self/fd/" + fd)).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /**
     * Refuses {@code fd} unless it is of kind {@code wanted} (or unknowable),
     * saying what it is and where that kind is opened.
     *
     * @param method e.g. "Pins.openMap(/sys/fs/bpf/x)"
     * @param subject e.g. "the pin" or "fd 7"
     */
    public static void require(int fd, FdKind wanted, String method, String subject) {
        FdKind kind = of(fd);
        if (kind == wanted || kind == UNKNOWN) {
            return;
        }
        String what = kind == OTHER ? describe(-1, link(fd)) : kind.words;
        throw new IllegalArgumentException(method + ": " + subject + " is " + what + ", not " + wanted.words + "; "
                + opener(kind));
    }

    private static String opener(FdKind kind) {
        switch (kind) {
            case MAP: return "open maps with Pins.openMap or BpfMap.fromFd";
            case PROGRAM: return "open programs with BpfProgram.openPinned or BpfProgram.fromFd";
            case LINK: return "open links with BpfLink.openPinned or BpfLink.fromId";
            default: return "pass the fd or pin of the kind asked for";
        }
    }

    /** A reader's words for an fd's /proc link; fd 0-2 are named as the standard streams. */
    public static String describe(int fd, String link) {
        String what;
        if (link == null) {
            what = "unknown";
        } else if (link.startsWith("pipe:")) {
            what = "a pipe";
        } else if (link.startsWith("socket:")) {
            what = "a socket";
        } else if (link.equals("anon_inode:bpf-map")) {
            what = "a BPF map";
        } else if (link.equals("anon_inode:bpf-prog")) {
            what = "a BPF program";
        } else if (link.equals("anon_inode:bpf_link") || link.equals("anon_inode:bpf-link")) {
            what = "a BPF link";
        } else if (link.startsWith("anon_inode:")) {
            what = "an anonymous inode (" + link.substring(11) + ")";
        } else if (link.startsWith("/dev/")) {
            what = "a device (" + link + ")";
        } else if (link.startsWith("/")) {
            Path target = Paths.get(link);
            what = (Files.isDirectory(target) ? "the directory " : "the file ") + link;
        } else {
            what = link;
        }
        return fd >= 0 && fd <= 2 ? streamName(fd) + ", " + what : what;
    }

    /** "standard input" for 0, ... "standard error" for 2. */
    public static String streamName(int fd) {
        return new String[] {"standard input", "standard output", "standard error"}[fd];
    }
}
