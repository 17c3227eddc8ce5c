/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/**
 * The key is present already (EEXIST) where the call needed it absent.
 * Element updates answer false instead (see {@link UpdateMode#NO_EXIST}).
 */
public class BpfKeyExistsException extends BpfException {
    private static final long serialVersionUID = 1L;

    public BpfKeyExistsException(String operation, int errno, String errnoName, String message, String hint) {
        super(operation, errno, errnoName, message, hint);
    }
}
