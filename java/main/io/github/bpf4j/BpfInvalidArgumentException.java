/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/** The kernel (or bpf4j, before calling it) rejected an argument: EINVAL. The message names what was asked. */
public class BpfInvalidArgumentException extends BpfException {
    private static final long serialVersionUID = 1L;

    public BpfInvalidArgumentException(String operation, int errno, String errnoName, String message, String hint) {
        super(operation, errno, errnoName, message, hint);
    }
}
