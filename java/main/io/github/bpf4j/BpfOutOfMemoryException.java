/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/** The kernel could not give the memory asked for, or the size is beyond its limits: ENOMEM or E2BIG at creation. The message says the size. */
public class BpfOutOfMemoryException extends BpfException {
    private static final long serialVersionUID = 1L;

    public BpfOutOfMemoryException(String operation, int errno, String errnoName, String message, String hint) {
        super(operation, errno, errnoName, message, hint);
    }
}
