/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.link.AttachPoint;

/** SCAFFOLD: replaced by the family's implementation. */
final class CgroupAttach {
    private CgroupAttach() {}

    /** The link, or null if {@code point} is not of this family. */
    static BpfLink attach(BpfProgram program, AttachPoint point) {
        return null;
    }
}
