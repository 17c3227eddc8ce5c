/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Buffers;
import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Handle;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeLayout;
import java.nio.ByteBuffer;

/**
 * {@link BpfMap}'s element operations, and the queue, stack and bloom filter
 * ones, which are the same system calls without a key. Each operand is a
 * {@code byte[]} or a ByteBuffer; nothing is allocated on the ByteBuffer
 * path, and no buffer's position or limit moves.
 */
final class MapElements {
    // Element operation codes: jni/layout.h's bpf4j_map_op.
    static final int OP_LOOKUP = NativeLayout.MAP_OP_LOOKUP;
    static final int OP_UPDATE = NativeLayout.MAP_OP_UPDATE;
    static final int OP_DELETE = NativeLayout.MAP_OP_DELETE;
    static final int OP_LOOKUP_AND_DELETE = NativeLayout.MAP_OP_LOOKUP_AND_DELETE;
    static final int OP_GET_NEXT_KEY = NativeLayout.MAP_OP_GET_NEXT_KEY;

    private MapElements() {}

    static boolean lookup(BpfMap m, Object key, Object value, ElementFlags flags) {
        return found(m, elem(m, OP_LOOKUP, key, value, bits(flags)), "bpf_map_lookup_elem");
    }

    static byte[] lookup(BpfMap m, byte[] key, ElementFlags flags) {
        byte[] value = new byte[m.valueBufferSize()];
        return lookup(m, key, value, flags) ? value : null;
    }

    /**
     * The mode's precondition errno is the answer false: NO_EXIST meets a
     * present key as EEXIST (an array, whose indexes all exist, always), EXIST
     * an absent one as ENOENT. Any other errno, or these under another mode,
     * is an exception.
     */
    static boolean update(BpfMap m, Object key, Object value, UpdateMode mode, ElementFlags flags) {
        if (mode == null) {
            throw new NullPointerException("update: mode is null; pass UpdateMode.ANY to create or replace");
        }
        int ret = elem(m, OP_UPDATE, key, value, mode.bits() | bits(flags));
        if (ret == 0) {
            return true;
        }
        if ((mode == UpdateMode.NO_EXIST && ret == -Errors.EEXIST) || (mode == UpdateMode.EXIST && ret == -Errors.ENOENT)) {
            return false;
        }
        throw Errors.mapException(Errors.Op.MAP_UPDATE, m.op("bpf_map_update_elem"), -ret, m.kind(), m.describeMap());
    }

    static boolean delete(BpfMap m, Object key) {
        return found(m, elem(m, OP_DELETE, key, null, 0), "bpf_map_delete_elem");
    }

    static boolean lookupAndDelete(BpfMap m, Object key, Object value, ElementFlags flags) {
        return found(m, elem(m, OP_LOOKUP_AND_DELETE, key, value, bits(flags)), "bpf_map_lookup_and_delete_elem");
    }

    static byte[] lookupAndDelete(BpfMap m, byte[] key, ElementFlags flags) {
        byte[] value = new byte[m.valueBufferSize()];
        return lookupAndDelete(m, key, value, flags) ? value : null;
    }

    static boolean nextKey(BpfMap m, Object key, Object next) {
        m.requireKeys("bpf_map_get_next_key");
        return found(m, elem(m, OP_GET_NEXT_KEY, key, next, 0), "bpf_map_get_next_key");
    }

    static byte[] nextKey(BpfMap m, byte[] key) {
        m.requireKeys("bpf_map_get_next_key");
        byte[] next = new byte[m.keySize()];
        return nextKey(m, key, next) ? next : null;
    }

    /** Queue and stack push take ANY or EXIST (overwrite when full); a bloom filter only ANY. */
    static void push(BpfMap m, Object value, UpdateMode mode) {
        if (mode == null) {
            throw new NullPointerException("push: mode is null; pass UpdateMode.ANY");
        }
        requireKeyless(m, "push");
        MapType type = m.kind();
        if (mode == UpdateMode.NO_EXIST || (mode == UpdateMode.EXIST && type == MapType.BLOOM_FILTER)) {
            throw new IllegalArgumentException("push: map '" + m.name() + "' is " + type + ", whose push takes "
                    + (type == MapType.BLOOM_FILTER ? "only UpdateMode.ANY" : "UpdateMode.ANY, or EXIST to drop the"
                    + " oldest value when full") + ", not " + mode);
        }
        int ret = elem(m, OP_UPDATE, null, value, mode.bits());
        if (ret < 0) {
            throw Errors.mapException(Errors.Op.MAP_UPDATE, m.op("push"), -ret, type, m.describeMap());
        }
    }

    static boolean pop(BpfMap m, Object value) {
        requireKeyless(m, "pop");
        return found(m, elem(m, OP_LOOKUP_AND_DELETE, null, value, 0), "pop");
    }

    static byte[] pop(BpfMap m) {
        byte[] value = new byte[m.valueSize()];
        return pop(m, value) ? value : null;
    }

    static boolean peek(BpfMap m, Object value) {
        requireKeyless(m, "peek");
        return found(m, elem(m, OP_LOOKUP, null, value, 0), "peek");
    }

    static byte[] peek(BpfMap m) {
        byte[] value = new byte[m.valueSize()];
        return peek(m, value) ? value : null;
    }

    static boolean contains(BpfMap m, Object value) {
        requireKeyless(m, "contains");
        return found(m, elem(m, OP_LOOKUP, null, value, 0), "contains");
    }

    private static long bits(ElementFlags flags) {
        if (flags == null) {
            throw new NullPointerException("element flags are null; pass ElementFlags.NONE");
        }
        return flags.bits();
    }

    /** push/pop/peek/contains are the keyless calls: on a keyed map they would only fail in the kernel. */
    private static void requireKeyless(BpfMap m, String call) {
        m.handle().ensureOpen();
        if (m.keyBytes() != 0) {
            throw new UnsupportedOperationException(call + ": map '" + m.name() + "' is " + m.kind() + ", which has"
                    + " keys; push, pop and peek are for QUEUE and STACK maps, push and contains for BLOOM_FILTER;"
                    + " use update/lookup/delete");
        }
    }

    /**
     * One element operation. Key and value are each a byte[] or a ByteBuffer;
     * a map without keys (queue, stack, bloom filter) takes no key. Returns
     * the native result: 0 or -errno.
     */
    static int elem(BpfMap m, int op, Object key, Object value, long opFlags) {
        Handle handle = m.handle();
        handle.acquire();
        try {
            int f = m.heldFd(); // acquire() has just checked that the map is open
            int keyLength = m.keyBytes();
            int valueLength = op == OP_DELETE ? 0 : op == OP_GET_NEXT_KEY ? keyLength : PerCpuLayout.valueBufferSize(m);
            if (keyLength == 0 && key != null && operandLength(key) != 0) {
                throw keyOfKeylessMap(m, key);
            }
            // get_next_key starts from the first key when given none.
            Object k = keyLength == 0 || (op == OP_GET_NEXT_KEY && key == null) ? null : key;
            Object v = valueLength == 0 ? null : value;
            int keyOffset = k == null ? 0 : Buffers.offset(op == OP_GET_NEXT_KEY ? "current key" : "key", m.name(),
                    k, keyLength, false);
            if (k == null) {
                if (keyLength != 0 && op != OP_GET_NEXT_KEY) {
                    throw keyIsNull(m);
                }
                keyLength = 0;
            }
            // A bloom filter's lookup reads the value it is asked about.
            boolean written = (op == OP_LOOKUP && m.kind() != MapType.BLOOM_FILTER) || op == OP_LOOKUP_AND_DELETE
                    || op == OP_GET_NEXT_KEY;
            int valueOffset = valueLength == 0 ? 0 : valueOffset(m, op, v, valueLength, written);
            byte[] keyArray = Buffers.array(k);
            byte[] valueArray = Buffers.array(v);
            if (keyArray == null && valueArray == null) {
                // Checked above: each operand is absent (null) or a direct buffer.
                return Native.mapElemDirect(op, f, (ByteBuffer) k, keyOffset, keyLength, (ByteBuffer) v,
                        valueOffset, valueLength, opFlags);
            }
            return Native.mapElem(op, f, keyArray, Buffers.direct(k), keyOffset, keyLength, valueArray,
                    Buffers.direct(v), valueOffset, valueLength, written, opFlags);
        } finally {
            handle.release();
        }
    }

    // The failure messages are built out of line: elem() then stays small enough for the JIT to inline
    // into each caller, where its op is a constant and its branches fold.
    private static IllegalArgumentException keyOfKeylessMap(BpfMap m, Object key) {
        return new IllegalArgumentException("key of map '" + m.name() + "' has " + operandLength(key)
                + " bytes, but " + m.kind() + " maps have no keys: pass null (or use push/pop/peek)");
    }

    private static NullPointerException keyIsNull(BpfMap m) {
        return new NullPointerException("key of map '" + m.name() + "' is null");
    }

    /** Buffers.offset for the value; the per-CPU size note is looked up only for a value of the wrong size. */
    private static int valueOffset(BpfMap m, int op, Object v, int valueLength, boolean written) {
        if (op == OP_GET_NEXT_KEY) {
            return Buffers.offset("next key", m.name(), v, valueLength, written);
        }
        String why = v != null && operandLength(v) == valueLength ? null : m.valueSizeNote();
        return Buffers.offset("value", m.name(), v, valueLength, written, why);
    }

    private static int operandLength(Object operand) {
        return operand instanceof byte[] ? ((byte[]) operand).length : ((ByteBuffer) operand).remaining();
    }

    /** 0 is true, ENOENT (the miss) false, anything else an exception. */
    static boolean found(BpfMap m, int ret, String call) {
        if (ret == 0) {
            return true;
        }
        if (ret == -Errors.ENOENT) {
            return false;
        }
        throw Errors.mapException(Errors.Op.MAP_ELEM, m.op(call), -ret, m.kind(), m.describeMap());
    }
}
