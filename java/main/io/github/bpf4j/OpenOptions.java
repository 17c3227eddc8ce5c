/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

/**
 * Options for {@link BpfObject#open(java.nio.file.Path, OpenOptions)} and its
 * siblings. Immutable: every setter returns a new instance.
 *
 * <pre>{@code
 * OpenOptions opts = OpenOptions.defaults().maxMapMemory(64L << 20);
 * try (BpfObject obj = BpfObject.open(path, opts)) { ... }
 * }</pre>
 */
public final class OpenOptions {
    /** No bound on map memory. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private static final OpenOptions DEFAULTS = new OpenOptions(UNLIMITED);

    private final long maxMapMemory;

    private OpenOptions(long maxMapMemory) {
        this.maxMapMemory = maxMapMemory;
    }

    /** No bounds: what {@link BpfObject#open(java.nio.file.Path)} uses. */
    public static OpenOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Bounds the kernel memory the object's maps may ask for, in total, as
     * estimated right after open (before anything reaches the kernel). An
     * object over the bound is refused with an {@link IllegalArgumentException}
     * that names the largest map and its size, so a corrupt or hostile object
     * cannot make the kernel allocate gigabytes (which stalls the calling
     * thread for seconds). The estimate, per map, is
     * <ul>
     * <li>{@code max_entries × (key_size + value_size)} for most maps (global
     * data sections such as {@code .bss}, {@code .data} and {@code .rodata} are
     * one-entry arrays, so their section size counts);</li>
     * <li>{@code max_entries × (key_size + round_up(value_size, 8) × possible CPUs)}
     * for per-CPU maps;</li>
     * <li>{@code max_entries × page size} for an arena ({@code max_entries} is
     * its page count) and {@code max_entries} bytes for a ring buffer.</li>
     * </ul>
     * It leaves out the kernel's per-element bookkeeping, so it is a lower
     * bound of what the kernel allocates; pick the bound with headroom.
     *
     * @param bytes the bound, &gt; 0, or {@link #UNLIMITED}
     * @return new options with the bound
     */
    public OpenOptions maxMapMemory(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maxMapMemory must be > 0 bytes (or OpenOptions.UNLIMITED), got " + bytes);
        }
        return new OpenOptions(bytes);
    }

    /** The bound on map memory in bytes, {@link #UNLIMITED} when there is none. */
    public long maxMapMemory() {
        return maxMapMemory;
    }

    @Override
    public String toString() {
        return "OpenOptions[maxMapMemory=" + (maxMapMemory == UNLIMITED ? "unlimited" : maxMapMemory + " bytes") + "]";
    }
}
