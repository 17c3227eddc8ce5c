/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Buffers;
import io.github.bpf4j.internal.NativeLayout;
import java.nio.ByteBuffer;

/**
 * One {@code BPF_PROG_TEST_RUN} request and, after {@link BpfProgram#testRun(TestRun)},
 * its results. Reusable and meant to be reused: with direct buffers a run
 * allocates nothing. Not thread-safe: one per thread.
 *
 * <p>Buffers are read at run time from their position to their limit; an
 * output buffer receives data at its position, up to its limit, and its
 * position and limit are left alone: {@link #dataSizeOut()} says how much
 * the program produced.
 *
 * <p>Buffers may be direct (used in place) or heap buffers with an accessible
 * array; a read-only heap buffer is refused with an
 * {@link IllegalArgumentException} at run time, since native code cannot
 * reach its bytes (a read-only direct buffer works as an input).
 */
public final class TestRun {
    /** {@code BPF_F_TEST_RUN_ON_CPU}: run on {@link #cpu(int)}. */
    public static final int F_RUN_ON_CPU = 1;
    /** {@code BPF_F_TEST_XDP_LIVE_FRAMES}: XDP frames go out for real. */
    public static final int F_XDP_LIVE_FRAMES = 2;
    /** {@code BPF_F_TEST_SKB_CHECKSUM_COMPLETE}. */
    public static final int F_SKB_CHECKSUM_COMPLETE = 4;

    private static final int DATA_IN = 0;
    private static final int DATA_OUT = 1;
    private static final int CTX_IN = 2;
    private static final int CTX_OUT = 3;
    private static final String[] OPERANDS = {"data in buffer", "data out buffer", "ctx in buffer", "ctx out buffer"};

    // Handed to the native call as they are, so nothing is allocated per run.
    final byte[][] arrays = new byte[4][];
    final ByteBuffer[] buffers = new ByteBuffer[4];
    final int[] offsetsLengths = new int[8];
    final long[] results = new long[NativeLayout.TEST_RUN_LEN];

    private final ByteBuffer[] byteBuffers = new ByteBuffer[4];
    private final byte[][] byteArrays = new byte[4][];
    private final int[] arrayOffsets = new int[4];
    private final int[] arrayLengths = new int[4];
    private int repeat;
    private int flags;
    private int cpu;
    private int batchSize;

    public TestRun dataIn(ByteBuffer in) {
        return set(DATA_IN, in);
    }

    public TestRun dataIn(byte[] in) {
        return set(DATA_IN, in, 0, in == null ? 0 : in.length);
    }

    public TestRun dataIn(byte[] in, int offset, int length) {
        return set(DATA_IN, in, offset, length);
    }

    /** Where the program's (possibly modified) packet goes; its remaining bytes are the size offered. */
    public TestRun dataOut(ByteBuffer out) {
        return set(DATA_OUT, out);
    }

    public TestRun dataOut(byte[] out) {
        return set(DATA_OUT, out, 0, out == null ? 0 : out.length);
    }

    public TestRun ctxIn(ByteBuffer in) {
        return set(CTX_IN, in);
    }

    public TestRun ctxIn(byte[] in) {
        return set(CTX_IN, in, 0, in == null ? 0 : in.length);
    }

    public TestRun ctxOut(ByteBuffer out) {
        return set(CTX_OUT, out);
    }

    public TestRun ctxOut(byte[] out) {
        return set(CTX_OUT, out, 0, out == null ? 0 : out.length);
    }

    /** Runs the program this many times in the kernel; the duration is the average. 0 means 1. */
    public TestRun repeat(int times) {
        if (times < 0) {
            throw new IllegalArgumentException("repeat must be >= 0: " + times);
        }
        this.repeat = times;
        return this;
    }

    /** {@link #F_RUN_ON_CPU}, {@link #F_XDP_LIVE_FRAMES}, {@link #F_SKB_CHECKSUM_COMPLETE}. */
    public TestRun flags(int testRunFlags) {
        this.flags = testRunFlags;
        return this;
    }

    /** The CPU to run on; needs {@link #F_RUN_ON_CPU}. */
    public TestRun cpu(int cpuIndex) {
        this.cpu = cpuIndex;
        return this;
    }

    /** Frames per batch for {@link #F_XDP_LIVE_FRAMES}. */
    public TestRun batchSize(int frames) {
        this.batchSize = frames;
        return this;
    }

    public int repeat() {
        return repeat;
    }

    public int flags() {
        return flags;
    }

    public int cpu() {
        return cpu;
    }

    public int batchSize() {
        return batchSize;
    }

    /** The program's return value in the last run. */
    public int retval() {
        return (int) results[NativeLayout.TEST_RUN_RETVAL];
    }

    /** Average run time in nanoseconds, as measured by the kernel. */
    public long durationNanos() {
        return results[NativeLayout.TEST_RUN_DURATION];
    }

    /** Bytes of packet data the program produced (more than offered when the run failed with ENOSPC). */
    public int dataSizeOut() {
        return (int) results[NativeLayout.TEST_RUN_DATA_SIZE_OUT];
    }

    public int ctxSizeOut() {
        return (int) results[NativeLayout.TEST_RUN_CTX_SIZE_OUT];
    }

    private TestRun set(int i, ByteBuffer b) {
        byteBuffers[i] = b;
        byteArrays[i] = null;
        return this;
    }

    private TestRun set(int i, byte[] a, int offset, int length) {
        if (a != null && (offset < 0 || length < 0 || offset > a.length - length)) {
            throw new IndexOutOfBoundsException(OPERANDS[i] + ": offset " + offset + ", length " + length
                    + " outside an array of " + a.length);
        }
        byteArrays[i] = a;
        arrayOffsets[i] = offset;
        arrayLengths[i] = length;
        byteBuffers[i] = null;
        return this;
    }

    /** Resolves the operands as they are now (buffer positions may have moved since they were set). */
    void prepare() {
        for (int i = 0; i < 4; i++) {
            ByteBuffer b = byteBuffers[i];
            byte[] a = byteArrays[i];
            if (b != null) {
                int position = b.position(); // read once: offset and length must agree
                int length = b.limit() - position;
                arrays[i] = Buffers.array(b);
                buffers[i] = Buffers.direct(b);
                offsetsLengths[2 * i] = Buffers.start(OPERANDS[i], null, b, position, i == DATA_OUT || i == CTX_OUT);
                offsetsLengths[2 * i + 1] = length;
            } else {
                arrays[i] = a;
                buffers[i] = null;
                offsetsLengths[2 * i] = a == null ? 0 : arrayOffsets[i];
                offsetsLengths[2 * i + 1] = a == null ? 0 : arrayLengths[i];
            }
        }
        java.util.Arrays.fill(results, 0);
    }

    String spaceReport() {
        return "data out offered " + offsetsLengths[2 * DATA_OUT + 1] + " bytes, the program produced "
                + dataSizeOut() + "; ctx out offered " + offsetsLengths[2 * CTX_OUT + 1] + ", needed " + ctxSizeOut();
    }
}
