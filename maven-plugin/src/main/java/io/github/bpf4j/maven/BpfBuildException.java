package io.github.bpf4j.maven;

/**
 * A BPF build step failed for a reason the user can fix (no or too old clang,
 * a compile error, bad configuration). The mojo turns it into a build failure
 * carrying this message unchanged, so it is written for the person reading the
 * Maven log: what went wrong; what to do.
 */
public final class BpfBuildException extends Exception {
    private static final long serialVersionUID = 1L;

    public BpfBuildException(String message) {
        super(message);
    }

    public BpfBuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
