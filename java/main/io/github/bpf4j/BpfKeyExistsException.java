/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/** An update with UPDATE_NO_EXIST found the key present (EEXIST). */
public class BpfKeyExistsException extends BpfException {
    private static final long serialVersionUID = 1L;

    public BpfKeyExistsException(String operation, int errno, String errnoName, String message, String hint) {
        super(operation, errno, errnoName, message, hint);
    }
}
