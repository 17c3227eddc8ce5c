/* SPDX-License-Identifier: Apache-2.0 */
/**
 * Attach options: how a program is attached ({@link io.github.bpf4j.link.XdpOptions}
 * for {@link io.github.bpf4j.BpfProgram#attachXdp(String, io.github.bpf4j.link.XdpOptions)}).
 * Each kind of attachment has its own immutable options type, so a flag of
 * one kind cannot be passed where another is meant.
 */
package io.github.bpf4j.link;
