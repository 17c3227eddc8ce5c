/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/**
 * EPERM or EACCES for lack of a privilege: the process lacks a capability
 * (root, or CAP_BPF with CAP_PERFMON / CAP_NET_ADMIN), including where the
 * verifier refuses a feature for it (an arena needs CAP_BPF and CAP_PERFMON),
 * or the object forbids the access (a frozen or read-only map). The message
 * names what is missing.
 */
public class BpfPermissionException extends BpfException {
    private static final long serialVersionUID = 1L;

    public BpfPermissionException(String operation, int errno, String errnoName, String message, String hint) {
        super(operation, errno, errnoName, message, hint);
    }
}
