/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/**
 * A BPF operation failed. Carries which call failed, the errno (name and
 * number) and a one-line hint on what to do about it.
 */
public class BpfException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final int errno;
    private final String errnoName;
    private final String hint;

    public BpfException(String operation, int errno, String errnoName, String message, String hint) {
        super(operation + " failed: " + errnoName + " (" + errno + "): " + message
                + (hint == null || hint.isEmpty() ? "" : "\n  hint: " + hint));
        this.operation = operation;
        this.errno = errno;
        this.errnoName = errnoName;
        this.hint = hint;
    }

    /** The call that failed, as {@code c_function(subject)}, e.g. {@code bpf_map_update_elem(map 'counts', HASH)}. */
    public String operation() {
        return operation;
    }

    /** The positive errno (or libbpf's own code, 4000 and up). */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code EPERM}. */
    public String errnoName() {
        return errnoName;
    }

    /** What to do about it, in one line. */
    public String hint() {
        return hint;
    }
}
