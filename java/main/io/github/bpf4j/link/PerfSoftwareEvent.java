/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/** The kernel's software perf events ({@code PERF_COUNT_SW_*}, in its order), which every kernel has. */
public enum PerfSoftwareEvent {
    CPU_CLOCK, TASK_CLOCK, PAGE_FAULTS, CONTEXT_SWITCHES, CPU_MIGRATIONS, PAGE_FAULTS_MIN, PAGE_FAULTS_MAJ,
    ALIGNMENT_FAULTS, EMULATION_FAULTS
}
