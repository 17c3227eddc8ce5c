/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * The generic hardware perf events ({@code PERF_COUNT_HW_*}, in the kernel's order): they need a PMU the
 * kernel drives, which virtual machines often lack (attaching then fails with ENOENT or EOPNOTSUPP).
 */
public enum PerfHardwareEvent {
    CPU_CYCLES, INSTRUCTIONS, CACHE_REFERENCES, CACHE_MISSES, BRANCH_INSTRUCTIONS, BRANCH_MISSES, BUS_CYCLES,
    STALLED_CYCLES_FRONTEND, STALLED_CYCLES_BACKEND, REF_CPU_CYCLES
}
