/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import java.nio.ByteBuffer;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/** {@link BpfMap#keys()} and {@link BpfMap#entries()}: whole-map reads, which allocate per element. */
final class MapIteration {
    private static final int ENTRIES_PER_BATCH = 256;

    private MapIteration() {}

    static Iterable<byte[]> keys(final BpfMap m) {
        m.requireKeys("keys");
        return new Iterable<byte[]>() {
            @Override
            public Iterator<byte[]> iterator() {
                return new KeyIterator(m);
            }
        };
    }

    /** Batches where the map has them; key by key where it refuses them before any element was read. */
    static List<Map.Entry<byte[], byte[]>> entries(BpfMap m) {
        m.requireKeys("entries");
        List<Map.Entry<byte[], byte[]>> out = new ArrayList<Map.Entry<byte[], byte[]>>();
        int keySize = m.keySize();
        int valueSize = m.valueBufferSize();
        ByteBuffer keys = ByteBuffer.allocateDirect(ENTRIES_PER_BATCH * keySize);
        ByteBuffer values = ByteBuffer.allocateDirect(ENTRIES_PER_BATCH * valueSize);
        BpfMap.BatchCursor cursor = m.batchCursor();
        try {
            while (!cursor.done()) {
                int n = m.lookupBatch(cursor, keys, values);
                for (int i = 0; i < n; i++) {
                    byte[] k = new byte[keySize];
                    byte[] v = new byte[valueSize];
                    keys.position(i * keySize);
                    keys.get(k);
                    values.position(i * valueSize);
                    values.get(v);
                    out.add(new AbstractMap.SimpleImmutableEntry<byte[], byte[]>(k, v));
                }
                keys.clear();
                values.clear();
            }
            return out;
        } catch (BpfInvalidArgumentException | BpfNotSupportedException e) {
            if (cursor.started && !out.isEmpty()) {
                throw e;
            }
        }
        for (byte[] k : keys(m)) {
            byte[] v = m.lookup(k);
            if (v != null) {
                out.add(new AbstractMap.SimpleImmutableEntry<byte[], byte[]>(k, v));
            }
        }
        return out;
    }

    private static final class KeyIterator implements Iterator<byte[]> {
        private final BpfMap map;
        private final Set<ByteBuffer> seen = new HashSet<ByteBuffer>();
        private byte[] previous;
        private byte[] next;
        private boolean end;

        KeyIterator(BpfMap map) {
            this.map = map;
        }

        @Override
        public boolean hasNext() {
            while (next == null && !end) {
                byte[] candidate = map.nextKey(previous);
                if (candidate == null) {
                    end = true;
                } else {
                    previous = candidate;
                    if (seen.add(ByteBuffer.wrap(candidate))) {
                        next = candidate;
                    } else if (seen.size() > 2L * map.entryCount() + 16) {
                        end = true; // the map keeps changing under us; stop rather than loop
                    }
                }
            }
            return next != null;
        }

        @Override
        public byte[] next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            byte[] k = next;
            next = null;
            return k;
        }

        @Override
        public void remove() {
            throw new UnsupportedOperationException("remove: delete the key with BpfMap.delete");
        }
    }
}
