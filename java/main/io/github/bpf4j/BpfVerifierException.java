/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/**
 * The kernel's verifier rejected a program. {@link #verifierLog()} holds its
 * whole log; the message quotes the line that says why.
 */
public class BpfVerifierException extends BpfException {
    private static final long serialVersionUID = 1L;

    private final String verifierLog;

    public BpfVerifierException(String operation, int errno, String errnoName, String message, String hint,
            String verifierLog) {
        super(operation, errno, errnoName, message, hint);
        this.verifierLog = verifierLog;
    }

    /** The verifier's complete log, as the kernel wrote it. */
    public String verifierLog() {
        return verifierLog;
    }
}
