/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/** An update found the map full (E2BIG): delete elements, raise max_entries, or use an LRU map. */
public class BpfMapFullException extends BpfException {
    private static final long serialVersionUID = 1L;

    public BpfMapFullException(String operation, int errno, String errnoName, String message, String hint) {
        super(operation, errno, errnoName, message, hint);
    }
}
