/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/**
 * EPERM or EACCES outside the verifier: the process lacks a privilege
 * (root, or CAP_BPF with CAP_PERFMON / CAP_NET_ADMIN), or the object forbids
 * the access (a frozen or read-only map). The message names what is missing.
 */
public class BpfPermissionException extends BpfException {
    private static final long serialVersionUID = 1L;

    public BpfPermissionException(String operation, int errno, String errnoName, String message, String hint) {
        super(operation, errno, errnoName, message, hint);
    }
}
