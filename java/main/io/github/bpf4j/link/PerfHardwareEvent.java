/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * The generic hardware perf events ({@code PERF_COUNT_HW_*}, in the kernel's order): they need a PMU the
 * kernel drives, which virtual machines often lack (attaching then fails with ENOENT or EOPNOTSUPP).
 */
public enum PerfHardwareEvent {
    /** PERF_COUNT_HW_CPU_CYCLES: CPU cycles (scaled by frequency changes). */
    CPU_CYCLES,
    /** PERF_COUNT_HW_INSTRUCTIONS: retired instructions. */
    INSTRUCTIONS,
    /** PERF_COUNT_HW_CACHE_REFERENCES: last-level cache accesses. */
    CACHE_REFERENCES,
    /** PERF_COUNT_HW_CACHE_MISSES: last-level cache misses. */
    CACHE_MISSES,
    /** PERF_COUNT_HW_BRANCH_INSTRUCTIONS: retired branch instructions. */
    BRANCH_INSTRUCTIONS,
    /** PERF_COUNT_HW_BRANCH_MISSES: mispredicted branches. */
    BRANCH_MISSES,
    /** PERF_COUNT_HW_BUS_CYCLES: bus cycles (not every CPU counts them). */
    BUS_CYCLES,
    /** PERF_COUNT_HW_STALLED_CYCLES_FRONTEND: cycles the instruction fetch stalled (few CPUs count them). */
    STALLED_CYCLES_FRONTEND,
    /** PERF_COUNT_HW_STALLED_CYCLES_BACKEND: cycles execution stalled (few CPUs count them). */
    STALLED_CYCLES_BACKEND,
    /** PERF_COUNT_HW_REF_CPU_CYCLES: cycles at the reference clock, unaffected by frequency scaling. */
    REF_CPU_CYCLES
}
