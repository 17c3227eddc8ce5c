/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.arena;

import io.github.bpf4j.ArenaRegion;
import java.util.ConcurrentModificationException;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;

/**
 * The Java twin of {@code struct bpf4j_list} ({@code bpf4j/arena_list.h}): a
 * singly linked list of {@code long} values in a BPF arena, read and written
 * in place. Native byte order:
 *
 * <pre>
 * list head (16 bytes)                     node (16 bytes)
 *   0  first  8-byte pointer                 0  next   8-byte pointer
 *   8  count  u64, nodes linked in           8  value  u64
 * </pre>
 *
 * <p>Pointers are stored in the form the arena's programs store
 * ({@link ArenaRegion#pointerAt}: a user address, or its low 32 bits in a
 * {@code BPF_F_NO_USER_CONV} arena); 0 is NULL. This class speaks of nodes
 * by their arena <em>offsets</em>; -1 stands for NULL.
 *
 * <p>Walking a list a program built (arena use case 2):
 *
 * <pre>{@code
 * ArenaRegion r = obj.map("arena").arena().region();
 * ArenaList list = ArenaList.at(r, r.offsetOf(listPtr));   // listPtr: a pointer the program published
 * for (long v : list.values()) { ... }
 * }</pre>
 *
 * <p>Building one a program walks: {@link #init} a head, then
 * {@link #pushFront} nodes at offsets of your choosing (this class allocates
 * nothing in the arena).
 *
 * <p>Walks are bounded: a walk reads {@code first} before {@code count}, so
 * a list that only grows by {@code push_front} (BPF's or this class's)
 * never has more nodes than the count read after it; more nodes than that,
 * a cycle, or a pointer outside the arena is an
 * {@link IllegalStateException}, never an endless loop. In an arena with
 * {@code BPF_F_SEGV_ON_FAULT} every access goes through the kernel
 * ({@link ArenaRegion#readLongChecked}, {@link ArenaRegion#writeChecked}),
 * so a node in a page the program has not allocated is a
 * {@link io.github.bpf4j.BpfException} (EFAULT), never a crash.
 *
 * <p>Like the C list: one writer at a time (a program or the JVM); readers
 * may walk while it pushes. Instances hold no state besides the head's place
 * and may be shared between threads.
 */
public final class ArenaList {
    /** Bytes of a list head. */
    public static final int HEAD_SIZE = 16;
    /** Bytes of a node. */
    public static final int NODE_SIZE = 16;

    private static final int FIRST = 0;
    private static final int COUNT = 8;
    private static final int NEXT = 0;
    private static final int VALUE = 8;

    private final ArenaRegion region;
    private final long head;
    private final boolean checked;

    private ArenaList(ArenaRegion region, long head) {
        this.region = region;
        this.head = head;
        this.checked = region.arena().segvOnFault();
    }

    /**
     * The list whose head is at {@code headOffset}, as it is (nothing is read or written yet).
     *
     * @throws IllegalArgumentException if the head is not 8-byte aligned or not inside the arena
     */
    public static ArenaList at(ArenaRegion region, long headOffset) {
        if (region == null) {
            throw new NullPointerException("region is null");
        }
        checkPlace(region, headOffset, HEAD_SIZE, "list head");
        return new ArenaList(region, headOffset);
    }

    /** Writes an empty list head ({@code first} NULL, {@code count} 0) at {@code headOffset} and returns it. */
    public static ArenaList init(ArenaRegion region, long headOffset) {
        ArenaList list = at(region, headOffset);
        list.store(headOffset + COUNT, 0);
        list.store(headOffset + FIRST, 0);
        return list;
    }

    /** The region the list lives in. */
    public ArenaRegion region() {
        return region;
    }

    /** Where the head is. */
    public long headOffset() {
        return head;
    }

    /** The head's {@code count}: how many nodes the writers linked in. */
    public long count() {
        return load(head + COUNT);
    }

    /** The first node's offset, or -1 for an empty list. */
    public long first() {
        return pointerTo(head + FIRST, "first");
    }

    /** The offset of the node after {@code nodeOffset}, or -1 at the end. */
    public long next(long nodeOffset) {
        checkNode(nodeOffset);
        return pointerTo(nodeOffset + NEXT, "next");
    }

    /** The value of the node at {@code nodeOffset}. */
    public long value(long nodeOffset) {
        checkNode(nodeOffset);
        return load(nodeOffset + VALUE);
    }

    /** Changes the value of the node at {@code nodeOffset} in place. */
    public void setValue(long nodeOffset, long value) {
        checkNode(nodeOffset);
        store(nodeOffset + VALUE, value);
    }

    /**
     * Links a new node at {@code nodeOffset} (16 bytes of arena memory the
     * caller owns, 8-byte aligned) in front of the list, as
     * {@code bpf4j_list_push_front} does: the node's {@code next} and
     * {@code value} are written first, then {@code first} points to it (an
     * atomic compare-and-set, so a reader never sees a half-written node),
     * then {@code count} grows by one.
     *
     * @throws ConcurrentModificationException if another writer changed {@code first} meanwhile
     */
    public void pushFront(long nodeOffset, long value) {
        checkNode(nodeOffset);
        long oldFirst = load(head + FIRST); // the stored form, copied as is (like n->next = l->first)
        long pointer = region.pointerAt(nodeOffset);
        if (checked) {
            // Each process_vm_writev is a system call: the node is in place before the head moves.
            byte[] node = new byte[NODE_SIZE];
            putLong(node, NEXT, oldFirst);
            putLong(node, VALUE, value);
            region.writeChecked(nodeOffset, node, 0, NODE_SIZE);
            if (region.readLongChecked(head + FIRST) != oldFirst) {
                throw concurrent();
            }
            store(head + FIRST, pointer);
            store(head + COUNT, load(head + COUNT) + 1);
        } else {
            region.putLong(nodeOffset + VALUE, value);
            region.putLong(nodeOffset + NEXT, oldFirst);
            if (!region.compareAndSetLong(head + FIRST, oldFirst, pointer)) { // a full barrier: publishes the node
                throw concurrent();
            }
            region.getAndAddLong(head + COUNT, 1);
        }
    }

    /**
     * Every node's offset, first to last, read as the walk goes.
     *
     * @throws IllegalStateException on a corrupt list (more nodes than the
     *     count, a cycle, a pointer outside the arena)
     */
    public long[] nodeOffsets() {
        return collect(false);
    }

    /** Every node's value, first to last. */
    public long[] values() {
        return collect(true);
    }

    /** How many nodes a walk from {@code first} visits (not the head's {@code count}). */
    public long length() {
        long n = 0;
        for (Walk w = new Walk(); w.hasNext(); w.nextLong()) {
            n++;
        }
        return n;
    }

    private long[] collect(boolean values) {
        long[] out = new long[16];
        int n = 0;
        for (Walk w = new Walk(); w.hasNext();) {
            long node = w.nextLong();
            if (n == out.length) {
                if (n >= Integer.MAX_VALUE - 16) {
                    throw new IllegalStateException("list at offset " + head + " is too long for an array");
                }
                long[] bigger = new long[(int) Math.min(Integer.MAX_VALUE - 8, 2L * n)];
                System.arraycopy(out, 0, bigger, 0, n);
                out = bigger;
            }
            out[n++] = values ? load(node + VALUE) : node;
        }
        long[] result = new long[n];
        System.arraycopy(out, 0, result, 0, n);
        return result;
    }

    /**
     * A walk bounded twice: by the count (read after first) and by Brent's
     * cycle detection, which needs O(1) memory and finds a cycle within a
     * few times its length, whatever the count says.
     */
    private final class Walk implements PrimitiveIterator.OfLong {
        private long node;
        private final long limit;
        private long visited;
        // Brent: the tortoise waits at a node while the hare takes power steps, then jumps ahead.
        private long tortoise = -1;
        private long power = 1;
        private long lambda;

        Walk() {
            node = first();
            limit = count();
        }

        @Override
        public boolean hasNext() {
            return node >= 0;
        }

        @Override
        public long nextLong() {
            if (node < 0) {
                throw new NoSuchElementException();
            }
            long current = node;
            if (++visited > limit) {
                throw corrupt("has more nodes than its count " + limit + " (a cycle, or a writer that does not"
                        + " push at the front)");
            }
            node = ArenaList.this.next(current);
            if (node >= 0) {
                if (node == tortoise) {
                    throw corrupt("has a cycle through the node at offset " + node);
                }
                if (++lambda == power) {
                    tortoise = node;
                    power <<= 1;
                    lambda = 0;
                }
            }
            return current;
        }
    }

    // ----

    private long pointerTo(long at, String field) {
        long stored = load(at);
        if (stored == 0) {
            return -1;
        }
        long target;
        try {
            target = region.offsetOf(stored);
        } catch (IllegalArgumentException e) {
            throw corrupt("has a '" + field + "' pointer (at offset " + at + ") outside the arena: " + e.getMessage());
        }
        if ((target & 7) != 0 || target > region.size() - NODE_SIZE) {
            throw corrupt("has a '" + field + "' pointer (at offset " + at + ") to offset " + target
                    + ", where no 8-byte aligned node fits");
        }
        return target;
    }

    private long load(long offset) {
        return checked ? region.readLongChecked(offset) : region.getLong(offset);
    }

    private void store(long offset, long value) {
        if (checked) {
            region.writeLongChecked(offset, value);
        } else {
            region.putLong(offset, value);
        }
    }

    private static void putLong(byte[] b, int at, long v) {
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder()).putLong(at, v);
    }

    private void checkNode(long nodeOffset) {
        checkPlace(region, nodeOffset, NODE_SIZE, "list node");
    }

    private static void checkPlace(ArenaRegion region, long offset, int size, String what) {
        if (offset < 0 || offset > region.size() - size || (offset & 7) != 0) {
            throw new IllegalArgumentException(what + " at offset " + offset + " must be 8-byte aligned and its "
                    + size + " bytes inside the arena of " + region.size() + " bytes");
        }
    }

    private IllegalStateException corrupt(String what) {
        return new IllegalStateException("arena list at offset " + head + " of '" + region.arena().map().name()
                + "' " + what);
    }

    private ConcurrentModificationException concurrent() {
        return new ConcurrentModificationException("arena list at offset " + head + ": another writer changed"
                + " 'first' during pushFront (one writer at a time)");
    }

    @Override
    public String toString() {
        return "ArenaList[offset " + head + " of " + region.arena().map().name() + "]";
    }
}
