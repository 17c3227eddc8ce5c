/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/** The kernel's software perf events ({@code PERF_COUNT_SW_*}, in its order), which every kernel has. */
public enum PerfSoftwareEvent {
    /** PERF_COUNT_SW_CPU_CLOCK: the per-CPU high-resolution timer, in nanoseconds (the usual sampling clock). */
    CPU_CLOCK,
    /** PERF_COUNT_SW_TASK_CLOCK: the running task's clock, in nanoseconds. */
    TASK_CLOCK,
    /** PERF_COUNT_SW_PAGE_FAULTS: page faults, minor and major. */
    PAGE_FAULTS,
    /** PERF_COUNT_SW_CONTEXT_SWITCHES: context switches. */
    CONTEXT_SWITCHES,
    /** PERF_COUNT_SW_CPU_MIGRATIONS: tasks moved to another CPU. */
    CPU_MIGRATIONS,
    /** PERF_COUNT_SW_PAGE_FAULTS_MIN: minor page faults (no disk I/O). */
    PAGE_FAULTS_MIN,
    /** PERF_COUNT_SW_PAGE_FAULTS_MAJ: major page faults (the page read from disk). */
    PAGE_FAULTS_MAJ,
    /** PERF_COUNT_SW_ALIGNMENT_FAULTS: unaligned accesses the kernel fixed up (zero on x86). */
    ALIGNMENT_FAULTS,
    /** PERF_COUNT_SW_EMULATION_FAULTS: instructions the kernel emulated (zero on x86). */
    EMULATION_FAULTS
}
