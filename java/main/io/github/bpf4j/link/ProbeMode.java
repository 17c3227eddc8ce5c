/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * How a kprobe or uprobe is made (libbpf's {@code enum probe_attach_mode}, in its
 * order): the kernel refuses a mode it lacks with EOPNOTSUPP.
 */
public enum ProbeMode {
    /** The newest the kernel has: a BPF link over a perf event (Linux 5.15+), else a perf event, else legacy. */
    DEFAULT,
    /** A probe created in tracefs ({@code kprobe_events}/{@code uprobe_events}), for kernels before 4.17. */
    LEGACY,
    /** A perf event of the kprobe/uprobe PMU, the program set on it with an ioctl (no BPF link). */
    PERF,
    /** A BPF link over the perf event (Linux 5.15+). */
    LINK
}
