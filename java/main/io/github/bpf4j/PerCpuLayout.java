/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Native;

/**
 * The kernel's value layout: an element takes round_up(value size, 8)
 * bytes ({@link #stride}), which is one CPU's slot of a per-CPU value and
 * one element of an mmapped array. The one place that computes it, for
 * {@link BpfMap}, {@link TypedMap}'s per-CPU views and {@code MapMmap}.
 */
final class PerCpuLayout {
    private static final int POSSIBLE_CPUS_UNKNOWN = -1;
    private static volatile int possibleCpus = POSSIBLE_CPUS_UNKNOWN;

    private PerCpuLayout() {}

    /** round_up(valueSize, 8): the kernel copies per-CPU values and lays out array elements in 8-byte units. */
    static int stride(int valueSize) {
        return (valueSize + 7) & ~7;
    }

    /** {@link #stride(int)} for sizes an object declares, which may be beyond any map the kernel creates. */
    static long stride(long valueSize) {
        return (valueSize + 7) & ~7L;
    }

    static int possibleCpus() {
        int cpus = possibleCpus;
        if (cpus == POSSIBLE_CPUS_UNKNOWN) {
            Native.ensureLoaded();
            cpus = possibleCpus = Errors.check(Errors.Op.OTHER, "libbpf_num_possible_cpus", Native.numPossibleCpus());
        }
        return cpus;
    }

    /** The value size, or for a per-CPU map one stride per possible CPU. */
    static int valueBufferSize(BpfMap m) {
        MapType type = m.kind();
        int valueSize = m.valueBytes();
        if (!type.isPerCpu()) {
            return valueSize;
        }
        long size = stride(valueSize) * (long) possibleCpus();
        if (size > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException("per-CPU map '" + m.name() + "' needs " + size
                    + " bytes per value, more than a Java array holds");
        }
        return (int) size;
    }

    static int slotOffset(int valueSize, int cpu) {
        if (cpu < 0 || cpu >= possibleCpus()) {
            throw new IndexOutOfBoundsException("cpu " + cpu + " of " + possibleCpus() + " possible CPUs");
        }
        return cpu * stride(valueSize);
    }

    static void require(BpfMap m) {
        MapType type = m.type();
        if (!type.isPerCpu()) {
            throw new UnsupportedOperationException("map '" + m.name() + "' is " + type + ", not a per-CPU map");
        }
    }

    /** One {@code valueSize}-byte array per CPU, cut from a whole per-CPU value. */
    static byte[][] split(byte[] all, int valueSize) {
        byte[][] values = new byte[possibleCpus()][];
        for (int cpu = 0; cpu < values.length; cpu++) {
            values[cpu] = new byte[valueSize];
            System.arraycopy(all, slotOffset(valueSize, cpu), values[cpu], 0, valueSize);
        }
        return values;
    }

    /** A whole per-CPU value from one array per possible CPU, each exactly {@code valueSize} bytes. */
    static byte[] join(byte[][] perCpu, int valueSize) {
        int cpus = possibleCpus();
        if (perCpu.length != cpus) {
            throw new IllegalArgumentException(perCpu.length + " values for " + cpus + " possible CPUs");
        }
        byte[] all = new byte[stride(valueSize) * cpus];
        for (int cpu = 0; cpu < cpus; cpu++) {
            if (perCpu[cpu] == null) {
                throw new NullPointerException("value for cpu " + cpu + " is null");
            }
            if (perCpu[cpu].length != valueSize) {
                throw new IllegalArgumentException("value for cpu " + cpu + " has " + perCpu[cpu].length
                        + " bytes, needs " + valueSize);
            }
            System.arraycopy(perCpu[cpu], 0, all, slotOffset(valueSize, cpu), valueSize);
        }
        return all;
    }

    /** {@code value} for every possible CPU. */
    static byte[][] same(byte[] value) {
        byte[][] same = new byte[possibleCpus()][];
        for (int cpu = 0; cpu < same.length; cpu++) {
            same[cpu] = value;
        }
        return same;
    }

    static String sizeNote(MapType type, int valueSize) {
        return type + " values are round_up(" + valueSize + ", 8) x " + possibleCpus()
                + " possible CPUs = valueBufferSize(); lookupPerCpu/updatePerCpu slice them for you";
    }
}
