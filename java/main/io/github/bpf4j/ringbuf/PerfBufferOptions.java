/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.ringbuf;

import java.util.Arrays;

/**
 * Options of {@link io.github.bpf4j.BpfMap#perfBuffer(PerfBufferOptions)}:
 * ring size per CPU, when the kernel wakes a {@link PerfBuffer#poll}, and
 * which CPUs get a ring. Setters return {@code this}; an instance is read
 * once, when the perf buffer opens.
 */
public final class PerfBufferOptions {
    /** 64 pages (256 KiB with 4 KiB pages) per CPU. */
    public static final int DEFAULT_PAGES = 64;

    private int pages = DEFAULT_PAGES;
    private int wakeupEvents = 1;
    private int wakeupBytes;
    private int[] cpus;

    /**
     * Data pages of each CPU's ring, a power of 2 (the kernel's rule); the
     * kernel maps one more page for the ring's metadata.
     *
     * @throws IllegalArgumentException if {@code pages} is not a positive power of 2
     */
    public PerfBufferOptions pagesPerCpu(int pages) {
        if (pages <= 0 || (pages & (pages - 1)) != 0) {
            throw new IllegalArgumentException("pagesPerCpu: " + pages + " is not a power of 2; the kernel maps"
                    + " a perf ring of 2^n data pages (e.g. 8, 64, 256)");
        }
        this.pages = pages;
        return this;
    }

    /**
     * Wake a poll every {@code n} samples (default 1: every sample) on a
     * CPU; replaces {@link #wakeupBytes}. Fewer wake-ups cost less, but a
     * sample waits until {@code n} have come (or a poll's timeout).
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public PerfBufferOptions wakeupEvents(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("wakeupEvents: " + n + "; pass 1 or more samples per wake-up");
        }
        this.wakeupEvents = n;
        this.wakeupBytes = 0;
        return this;
    }

    /**
     * Wake a poll once {@code bytes} are waiting in a CPU's ring (the
     * kernel's watermark); replaces {@link #wakeupEvents}.
     *
     * @throws IllegalArgumentException if {@code bytes < 1}
     */
    public PerfBufferOptions wakeupBytes(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("wakeupBytes: " + bytes + "; pass 1 or more bytes per wake-up");
        }
        this.wakeupBytes = bytes;
        return this;
    }

    /**
     * The CPUs that get a ring (default: every online CPU). A program on
     * another CPU that writes with {@code BPF_F_CURRENT_CPU} gets
     * {@code -ENOENT}.
     *
     * @throws IllegalArgumentException if empty, negative or repeated
     */
    public PerfBufferOptions cpus(int... cpus) {
        if (cpus.length == 0) {
            throw new IllegalArgumentException("cpus: no CPU given; pass at least one (or leave the default, every"
                    + " online CPU)");
        }
        int[] sorted = cpus.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] < 0 || (i > 0 && sorted[i] == sorted[i - 1])) {
                throw new IllegalArgumentException("cpus: " + Arrays.toString(cpus) + " has "
                        + (sorted[i] < 0 ? "a negative" : "a repeated") + " CPU; pass distinct CPU indexes");
            }
        }
        this.cpus = sorted;
        return this;
    }

    int pages() {
        return pages;
    }

    int wakeupEventCount() {
        return wakeupEvents;
    }

    int wakeupByteCount() {
        return wakeupBytes;
    }

    /** Sorted, or null for every online CPU. */
    int[] cpuList() {
        return cpus == null ? null : cpus.clone();
    }

    @Override
    public String toString() {
        return "PerfBufferOptions{pagesPerCpu=" + pages + (wakeupBytes > 0 ? ", wakeupBytes=" + wakeupBytes
                : ", wakeupEvents=" + wakeupEvents) + (cpus == null ? ", online CPUs" : ", cpus=" + Arrays.toString(cpus))
                + "}";
    }
}
