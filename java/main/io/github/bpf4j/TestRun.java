/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Buffers;
import io.github.bpf4j.internal.NativeLayout;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Native;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One {@code BPF_PROG_TEST_RUN} request and, after {@link BpfProgram#testRun(TestRun)},
 * its results. Reusable and meant to be reused: with direct buffers a run
 * allocates nothing. Not thread-safe: one per thread.
 *
 * <p>Every operand is a {@code ByteBuffer} (its {@code remaining()} bytes,
 * read at run time from its position; position and limit are left alone) or
 * a {@code byte[]} with an offset and length. An output receives at most
 * that many bytes; {@link #dataSizeOut()} and {@link #ctxSizeOut()} say how
 * much the program produced.
 *
 * <p>Options are methods, one per kernel flag: {@link #runOnCpu(int)}
 * ({@code BPF_F_TEST_RUN_ON_CPU}, raw_tp programs), {@link #xdpLiveFrames(boolean)}
 * ({@code BPF_F_TEST_XDP_LIVE_FRAMES}, with {@link #batchSize(int)}) and
 * {@link #skbChecksumComplete(boolean)} ({@code BPF_F_TEST_SKB_CHECKSUM_COMPLETE}).
 * Which program type takes which is the kernel's rule; a run that sets one
 * its type does not take fails with EINVAL, explained.
 *
 * <p>Buffers may be direct (used in place) or heap buffers with an accessible
 * array; a read-only heap buffer is refused with an
 * {@link IllegalArgumentException} at run time, since native code cannot
 * reach its bytes (a read-only direct buffer works as an input).
 */
public final class TestRun {
    // The kernel's BPF_F_TEST_* bits (uapi/linux/bpf.h).
    private static final int BPF_F_TEST_RUN_ON_CPU = 1;
    private static final int BPF_F_TEST_XDP_LIVE_FRAMES = 2;
    private static final int BPF_F_TEST_SKB_CHECKSUM_COMPLETE = 4;

    private static final int DATA_IN = NativeLayout.TEST_RUN_OPERAND_DATA_IN;
    private static final int DATA_OUT = NativeLayout.TEST_RUN_OPERAND_DATA_OUT;
    private static final int CTX_IN = NativeLayout.TEST_RUN_OPERAND_CTX_IN;
    private static final int CTX_OUT = NativeLayout.TEST_RUN_OPERAND_CTX_OUT;
    private static final int N = NativeLayout.TEST_RUN_OPERAND_LEN;
    private static final String[] OPERANDS = {"data in buffer", "data out buffer", "ctx in buffer", "ctx out buffer"};

    // Handed to the native call as they are, so nothing is allocated per run.
    private final byte[][] arrays = new byte[N][];
    private final ByteBuffer[] buffers = new ByteBuffer[N];
    private final int[] offsetsLengths = new int[2 * N];
    private final long[] results = new long[NativeLayout.TEST_RUN_LEN];

    private final ByteBuffer[] byteBuffers = new ByteBuffer[N];
    private final byte[][] byteArrays = new byte[N][];
    private final int[] arrayOffsets = new int[N];
    private final int[] arrayLengths = new int[N];
    /** Where each direct operand starts this run, or 0. */
    private final long[] addresses = new long[N];
    /** The buffers whose base addresses are in baseAddresses. */
    private final ByteBuffer[] addressOf = new ByteBuffer[N];
    private final long[] baseAddresses = new long[N];
    /** Where the native writes an all-direct run's results; see {@link #resultsAddress()}. */
    private ByteBuffer resultsBuffer;
    private long resultsAddress;
    private final Errors.TestRunOptions options = new Errors.TestRunOptions();
    private int repeat;

    /** The packet (or other data) the program runs on. */
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

    public TestRun dataOut(byte[] out, int offset, int length) {
        return set(DATA_OUT, out, offset, length);
    }

    /**
     * The program's context in: for packet programs a prefix of its context
     * struct ({@code struct __sk_buff}, {@code struct xdp_md}) with only the
     * fields the kernel lets a test set; for raw_tp and syscall programs
     * their arguments.
     */
    public TestRun ctxIn(ByteBuffer in) {
        return set(CTX_IN, in);
    }

    public TestRun ctxIn(byte[] in) {
        return set(CTX_IN, in, 0, in == null ? 0 : in.length);
    }

    public TestRun ctxIn(byte[] in, int offset, int length) {
        return set(CTX_IN, in, offset, length);
    }

    /** Where the context as the program left it goes (e.g. {@code __sk_buff} fields it wrote). */
    public TestRun ctxOut(ByteBuffer out) {
        return set(CTX_OUT, out);
    }

    public TestRun ctxOut(byte[] out) {
        return set(CTX_OUT, out, 0, out == null ? 0 : out.length);
    }

    public TestRun ctxOut(byte[] out, int offset, int length) {
        return set(CTX_OUT, out, offset, length);
    }

    /** Runs the program this many times in the kernel; the duration is the average. 0 means 1. */
    public TestRun repeat(int times) {
        if (times < 0) {
            throw new IllegalArgumentException("repeat: " + times + " is negative; pass 0 (once) or more");
        }
        this.repeat = times;
        return this;
    }

    /**
     * {@code BPF_F_TEST_RUN_ON_CPU}: runs on CPU {@code cpu} (raw_tp
     * programs; others run on the calling CPU). {@code -1} runs on the
     * calling CPU again, without the flag.
     */
    public TestRun runOnCpu(int cpu) {
        if (cpu < -1) {
            throw new IllegalArgumentException("runOnCpu: " + cpu + " is no CPU; pass a CPU index, or -1 for any");
        }
        options.cpu = cpu;
        return this;
    }

    /**
     * {@code BPF_F_TEST_XDP_LIVE_FRAMES} (XDP, Linux 5.18+): frames the
     * program returns XDP_TX or XDP_REDIRECT for are sent for real, in
     * batches of {@link #batchSize(int)}.
     */
    public TestRun xdpLiveFrames(boolean live) {
        options.liveFrames = live;
        return this;
    }

    /** Frames per batch for {@link #xdpLiveFrames(boolean)} runs; 0 is the kernel's default (64). */
    public TestRun batchSize(int frames) {
        if (frames < 0) {
            throw new IllegalArgumentException("batchSize: " + frames + " is negative; pass 0 for the default");
        }
        options.batchSize = frames;
        return this;
    }

    /**
     * {@code BPF_F_TEST_SKB_CHECKSUM_COMPLETE} (skb programs, Linux 5.19+):
     * the skb gets {@code CHECKSUM_COMPLETE} over the packet, as a receiving
     * NIC would set it.
     */
    public TestRun skbChecksumComplete(boolean complete) {
        options.checksumComplete = complete;
        return this;
    }

    public int repeat() {
        return repeat;
    }

    /** The CPU of {@link #runOnCpu(int)}, or -1. */
    public int cpu() {
        return options.cpu;
    }

    public boolean xdpLiveFrames() {
        return options.liveFrames;
    }

    public int batchSize() {
        return options.batchSize;
    }

    public boolean skbChecksumComplete() {
        return options.checksumComplete;
    }

    /** The program's return value in the last run. */
    public int retval() {
        return (int) results[NativeLayout.TEST_RUN_RETVAL];
    }

    /**
     * Average time of one repetition in nanoseconds, as the kernel measured
     * it (total time over {@link #repeat(int)}).
     */
    public long durationNanos() {
        return results[NativeLayout.TEST_RUN_DURATION];
    }

    /** Bytes of packet data the program produced (more than offered when the run failed with ENOSPC). */
    public int dataSizeOut() {
        return (int) results[NativeLayout.TEST_RUN_DATA_SIZE_OUT];
    }

    /** Bytes of context the program produced (more than offered when the run failed with ENOSPC). */
    public int ctxSizeOut() {
        return (int) results[NativeLayout.TEST_RUN_CTX_SIZE_OUT];
    }

    int kernelFlags() {
        return (options.cpu >= 0 ? BPF_F_TEST_RUN_ON_CPU : 0) | (options.liveFrames ? BPF_F_TEST_XDP_LIVE_FRAMES : 0)
                | (options.checksumComplete ? BPF_F_TEST_SKB_CHECKSUM_COMPLETE : 0);
    }

    /** The cpu the kernel gets: 0 unless runOnCpu is set (the kernel refuses a cpu without the flag). */
    int kernelCpu() {
        return Math.max(options.cpu, 0);
    }

    private TestRun set(int i, ByteBuffer b) {
        byteBuffers[i] = b;
        byteArrays[i] = null;
        addressOf[i] = null;
        return this;
    }

    private TestRun set(int i, byte[] a, int offset, int length) {
        if (a != null && (offset < 0 || length < 0 || offset > a.length - length)) {
            throw new IndexOutOfBoundsException(OPERANDS[i] + ": offset " + offset + ", length " + length
                    + " outside an array of " + a.length);
        }
        byteArrays[i] = a;
        addressOf[i] = null;
        arrayOffsets[i] = offset;
        arrayLengths[i] = length;
        byteBuffers[i] = null;
        return this;
    }

    /**
     * Runs the program {@code fd} (held open by the caller) with the operands as they are now: 0 with the
     * results in place, or -errno.
     */
    int run(int fd) {
        if (prepare()) {
            long[] at = addresses;
            int[] ol = offsetsLengths;
            long results = resultsAddress();
            int ret = Native.progTestRunDirect(fd, at[DATA_IN], ol[2 * DATA_IN + 1], at[DATA_OUT],
                    ol[2 * DATA_OUT + 1], at[CTX_IN], ol[2 * CTX_IN + 1], at[CTX_OUT], ol[2 * CTX_OUT + 1],
                    repeat, kernelFlags(), kernelCpu(), options.batchSize, results);
            for (int k = 0; k < NativeLayout.TEST_RUN_LEN; k++) {
                this.results[k] = resultsBuffer.getLong(8 * k);
            }
            return ret;
        }
        byte[][] a = arrays;
        ByteBuffer[] b = buffers;
        return Native.progTestRun(fd, a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], offsetsLengths, repeat,
                kernelFlags(), kernelCpu(), options.batchSize, results);
    }

    /**
     * Resolves the operands as they are now (buffer positions may have moved since they were set). True if
     * every operand is a direct buffer or absent: then {@link #addresses} hold where each starts (0 if
     * empty), checked here against the buffer's capacity as native code checks the others, and the results
     * need no zeroing (the native writes them all).
     */
    private boolean prepare() {
        for (int i = 0; i < N; i++) {
            ByteBuffer b = byteBuffers[i];
            if (byteArrays[i] != null || b != null && !b.isDirect()) {
                prepareArrays();
                return false;
            }
            int length = 0;
            addresses[i] = 0;
            if (b != null) {
                int position = b.position(); // read once: offset and length must agree
                length = b.limit() - position;
                Buffers.start(OPERANDS[i], null, b, position, i == DATA_OUT || i == CTX_OUT);
                if (length != 0) {
                    // capacity is final, so this holds whatever another thread does to position and limit
                    if (position < 0 || length < 0 || position > b.capacity() - length) {
                        throw new IllegalArgumentException(
                                "operand out of bounds (was the buffer changed by another thread?)");
                    }
                    addresses[i] = baseAddress(i, b) + position;
                }
            }
            offsetsLengths[2 * i + 1] = length;
        }
        return true;
    }

    /** For {@link Native#progTestRun}: a byte[] or heap buffer as its array, a direct buffer as itself. */
    private void prepareArrays() {
        for (int i = 0; i < N; i++) {
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

    /** A direct buffer's address never changes: asked of JNI once per buffer set, not per run. */
    private long baseAddress(int i, ByteBuffer b) {
        if (addressOf[i] != b) {
            long address = Native.bufferAddress(b);
            if (address == 0) {
                throw new IllegalArgumentException("buffer is not a direct ByteBuffer");
            }
            baseAddresses[i] = address;
            addressOf[i] = b;
        }
        return baseAddresses[i];
    }

    /** Made on the first all-direct run, so runs with byte[] operands never pay for a direct buffer. */
    private long resultsAddress() {
        if (resultsBuffer == null) {
            resultsBuffer = ByteBuffer.allocateDirect(8 * NativeLayout.TEST_RUN_LEN).order(ByteOrder.nativeOrder());
            resultsAddress = Native.bufferAddress(resultsBuffer);
        }
        return resultsAddress;
    }

    /** The exception for a failed run, from the kernel's errno and what this run asked for. */
    BpfException failure(String operation, int errno, ProgramType type) {
        int[] ol = offsetsLengths;
        return Errors.testRunException(operation, errno, type, repeat, options, ol[2 * DATA_IN + 1],
                ol[2 * DATA_OUT + 1], ol[2 * CTX_IN + 1], ol[2 * CTX_OUT + 1], Native.pageSize(),
                "data out offered " + ol[2 * DATA_OUT + 1] + " bytes, the program produced " + dataSizeOut()
                        + "; ctx out offered " + ol[2 * CTX_OUT + 1] + ", needed " + ctxSizeOut());
    }
}
