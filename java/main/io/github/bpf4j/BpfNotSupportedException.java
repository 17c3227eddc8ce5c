/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/** This kernel (or this map type) does not support the operation: EOPNOTSUPP or ENOTSUPP. The message names the feature. */
public class BpfNotSupportedException extends BpfException {
    private static final long serialVersionUID = 1L;

    public BpfNotSupportedException(String operation, int errno, String errnoName, String message, String hint) {
        super(operation, errno, errnoName, message, hint);
    }
}
