/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A network namespace, for the programs that attach to one as a whole, as a BPF link (CAP_NET_ADMIN):
 * SEC("sk_lookup") (Linux 5.9+; picks the socket for a new connection or datagram) and
 * SEC("flow_dissector") (Linux 5.8 as a link; one per namespace). The link holds the namespace while
 * attached.
 *
 * <pre>{@code
 * try (BpfLink link = prog.attach(Netns.named("blue"))) { ... }
 * }</pre>
 */
public final class Netns extends AttachPoint {
    private final Path path;
    private final int fd;

    private Netns(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /** The calling thread's network namespace (/proc/thread-self/ns/net). */
    public static Netns current() {
        return new Netns(Paths.get("/proc/thread-self/ns/net"), -1);
    }

    /** The namespace of a file such as /proc/&lt;pid&gt;/ns/net or a bind mount of one. */
    public static Netns path(Path path) {
        if (path == null) {
            throw new NullPointerException("path is null");
        }
        return new Netns(path, -1);
    }

    /** The namespace {@code ip netns add name} made: /run/netns/&lt;name&gt;. */
    public static Netns named(String name) {
        if (name == null) {
            throw new NullPointerException("name is null");
        }
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("'" + name + "' is no namespace name (ip netns list)");
        }
        return new Netns(Paths.get("/run/netns", name), -1);
    }

    /** The namespace of {@code fd}, an open namespace file (read when the attach is made, not kept). */
    public static Netns fd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd " + fd + " is negative");
        }
        return new Netns(null, fd);
    }

    /** The namespace file, or null if given as an fd. */
    public Path path() {
        return path;
    }

    /** The fd given, or -1 if given as a path. */
    public int fd() {
        return fd;
    }

    @Override
    public String target() {
        return "netns:" + (path != null ? path.toString() : "fd " + fd);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Netns && InterfacePoint.eq(((Netns) o).path, path) && ((Netns) o).fd == fd;
    }

    @Override
    public int hashCode() {
        return (path == null ? 0 : path.hashCode()) * 31 + fd;
    }
}
