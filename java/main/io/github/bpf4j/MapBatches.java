/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Buffers;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeLayout;
import java.nio.ByteBuffer;

/**
 * {@link BpfMap}'s batch operations. Keys and values are a ByteBuffer (its
 * {@code remaining()} bytes, position and limit left alone) or a whole
 * {@code byte[]}. Lookups fill room, so their operands may be larger than
 * what is written; updates and deletes read exactly their operands.
 *
 * <p>What the kernel (6.x, {@code generic_map_*_batch} and
 * {@code htab_map_*_batch}) does on a short count: update and delete walk
 * the keys in order and stop at the first that fails, reporting how many
 * went before it; a hash map's lookup returns whole buckets only, so a batch
 * may hold fewer elements than fit, and ENOENT ends the walk.
 */
final class MapBatches {
    // Batch operation codes, as in jni/map.c.
    // Batch codes: jni/layout.h's bpf4j_map_batch.
    static final int LOOKUP = NativeLayout.MAP_BATCH_LOOKUP;
    static final int LOOKUP_AND_DELETE = NativeLayout.MAP_BATCH_LOOKUP_AND_DELETE;
    static final int UPDATE = NativeLayout.MAP_BATCH_UPDATE;
    static final int DELETE = NativeLayout.MAP_BATCH_DELETE;

    /** Processed counts of update/delete batches, per thread so a batch allocates nothing. */
    private static final ThreadLocal<int[]> STATUS = new ThreadLocal<int[]>() {
        @Override
        protected int[] initialValue() {
            return new int[1];
        }
    };

    private MapBatches() {}

    static int read(BpfMap m, int op, BpfMap.BatchCursor cursor, Object keys, Object values, ElementFlags flags) {
        String call = op == LOOKUP ? "bpf_map_lookup_batch" : "bpf_map_lookup_and_delete_batch";
        long elemFlags = bits(flags);
        Handle handle = m.handle();
        handle.acquire();
        try {
            int f = m.heldFd(); // acquire() has just checked that the map is open
            m.requireKeys(call);
            if (cursor == null) {
                throw new NullPointerException(call + ": cursor is null; use " + m.name() + ".batchCursor()");
            }
            if (cursor.map != m) {
                throw new IllegalArgumentException(call + ": this cursor walks map '" + cursor.map.name()
                        + "', not map '" + m.name() + "' (its position means nothing here); use " + m.name()
                        + ".batchCursor()");
            }
            if (keys == null || values == null) {
                throw new NullPointerException(call + ": batch " + (keys == null ? "keys" : "values") + " of map '"
                        + m.name() + "' are null");
            }
            if (cursor.done) {
                return 0;
            }
            int count = Math.min(length(keys) / m.keyBytes(), length(values) / m.valueBufferSize());
            if (count <= 0) {
                throw new IllegalArgumentException(call + ": batch buffers of map '" + m.name() + "' hold no element:"
                        + " keys need " + m.keyBytes() + " bytes each, values " + m.valueBufferSize());
            }
            int status = batch(m, op, f, cursor, keys, values, count, elemFlags, cursor.status);
            if (status == -Errors.ENOENT) {
                cursor.done = true;
            } else if (status < 0) {
                throw Errors.mapException(Errors.Op.MAP_ELEM, m.op(call), -status, m.kind(), m.describeMap());
            }
            cursor.started = true; // only now is the out token the next call's start
            return cursor.status[0];
        } finally {
            handle.release();
        }
    }

    static int update(BpfMap m, Object keys, Object values, ElementFlags flags) {
        long elemFlags = bits(flags);
        if (values == null) {
            throw new NullPointerException("bpf_map_update_batch: batch values of map '" + m.name() + "' are null");
        }
        return write(m, UPDATE, "bpf_map_update_batch", keys, values, elemFlags);
    }

    static int delete(BpfMap m, Object keys) {
        return write(m, DELETE, "bpf_map_delete_batch", keys, null, 0);
    }

    /** Update or delete: whole keys, under the handle; returns how many elements the kernel processed. */
    private static int write(BpfMap m, int op, String call, Object keys, Object values, long elemFlags) {
        Handle handle = m.handle();
        handle.acquire();
        try {
            int f = m.heldFd(); // acquire() has just checked that the map is open
            m.requireKeys(call);
            int count = count(m, keys, call);
            if (count == 0) {
                return 0;
            }
            int[] processed = STATUS.get();
            int status = batch(m, op, f, null, keys, values, count, elemFlags, processed);
            if (op == DELETE) {
                // A delete stops at the first absent key (ENOENT): the count says how far it got.
                if (status < 0 && status != -Errors.ENOENT) {
                    throw Errors.mapException(Errors.Op.MAP_ELEM, m.op(call), -status, m.kind(), m.describeMap());
                }
                return processed[0];
            }
            if (status < 0) {
                // The kernel reports a count only from its loop: one that fails before it (EINVAL on flags)
                // leaves the count as given, which then says nothing about what was written (nothing).
                int done = processed[0] < count ? processed[0] : 0;
                throw Errors.mapException(Errors.Op.MAP_UPDATE,
                        m.op(call) + (done > 0 ? " after " + done + " of " + count : ""),
                        -status, m.kind(), m.describeMap());
            }
            return count;
        } finally {
            handle.release();
        }
    }

    private static long bits(ElementFlags flags) {
        if (flags == null) {
            throw new NullPointerException("element flags are null; pass ElementFlags.NONE");
        }
        return flags.bits();
    }

    private static int length(Object operand) {
        return operand instanceof byte[] ? ((byte[]) operand).length : ((ByteBuffer) operand).remaining();
    }

    /** Whole keys only: a trailing partial key would otherwise be dropped without a word. */
    private static int count(BpfMap m, Object keys, String call) {
        if (keys == null) {
            throw new NullPointerException(call + ": batch keys of map '" + m.name() + "' are null");
        }
        int remaining = length(keys);
        if (remaining % m.keyBytes() != 0) {
            throw new IllegalArgumentException(call + ": batch keys of map '" + m.name() + "' have " + remaining
                    + (keys instanceof byte[] ? " bytes" : " bytes remaining") + ", not a multiple of the key size "
                    + m.keyBytes());
        }
        return remaining / m.keyBytes();
    }

    private static int batch(BpfMap m, int op, int f, BpfMap.BatchCursor cursor, Object keys, Object values,
            int count, long elemFlags, int[] processed) {
        String name = m.name();
        int valueBufferSize = m.valueBufferSize();
        long valuesNeeded = values == null ? 0 : (long) count * valueBufferSize;
        if (valuesNeeded > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a batch of " + count + " values of map '" + name + "' needs "
                    + valuesNeeded + " bytes, more than one buffer holds: use smaller batches");
        }
        int keysLength = count * m.keyBytes();
        int valuesLength = (int) valuesNeeded;
        boolean read = op == LOOKUP || op == LOOKUP_AND_DELETE;
        // Lookups fill room (more is fine); updates and deletes read exactly count elements.
        int keysOffset = read ? room("batch keys", name, keys, keysLength)
                : Buffers.offset("batch keys", name, keys, keysLength, false);
        int valuesOffset = values == null ? 0 : read ? room("batch values", name, values, valuesLength)
                : Buffers.offset("batch values", name, values, valuesLength, false,
                        length(values) == valuesLength ? null : valuesSizeNote(m, count, valueBufferSize));
        if (cursor != null) {
            return Native.mapBatch(op, f, cursor.tokens, cursor.tokenSize, !cursor.started, Buffers.array(keys),
                    Buffers.direct(keys), keysOffset, keysLength, Buffers.array(values), Buffers.direct(values),
                    valuesOffset, valuesLength, count, elemFlags, processed);
        }
        return Native.mapBatch(op, f, null, 0, true, Buffers.array(keys), Buffers.direct(keys), keysOffset,
                keysLength, Buffers.array(values), Buffers.direct(values), valuesOffset, valuesLength, count,
                elemFlags, processed);
    }

    /** How an update's values size is made up; built only for a size mismatch, as the message. */
    private static String valuesSizeNote(BpfMap m, int count, int valueBufferSize) {
        return count + " keys x " + valueBufferSize + " bytes per value"
                + (m.kind().isPerCpu() ? "; " + m.valueSizeNote() : "");
    }

    /** Room to fill: a whole array, or a buffer's remaining bytes. */
    private static int room(String what, String name, Object operand, int needed) {
        if (operand instanceof byte[]) {
            return 0; // count was derived from its length
        }
        return Buffers.atLeast(what, name, (ByteBuffer) operand, needed, true);
    }
}
