/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.btf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes raw BTF type by type, for tests of shapes no compiler output has (every kind, split BTF, mistakes). */
final class BtfBlob {
    private final List<int[]> types = new ArrayList<int[]>();
    private final Map<String, Integer> strings = new LinkedHashMap<String, Integer>();
    private final ByteArrayOutputStream stringBytes = new ByteArrayOutputStream();
    private final int firstId;
    private final int stringBase;
    private ByteOrder order = ByteOrder.LITTLE_ENDIAN;

    BtfBlob() {
        this(1, 0);
    }

    /** Split BTF over a base with {@code baseTypeCount} ids and {@code baseStrings} string bytes. */
    BtfBlob(int baseTypeCount, int baseStrings) {
        this.firstId = baseTypeCount;
        this.stringBase = baseStrings;
        if (baseStrings == 0) {
            str("");
        }
    }

    BtfBlob order(ByteOrder o) {
        order = o;
        return this;
    }

    int str(String s) {
        if (s.isEmpty() && stringBase > 0) {
            return 0;
        }
        Integer off = strings.get(s);
        if (off == null) {
            off = stringBase + stringBytes.size();
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            stringBytes.write(b, 0, b.length);
            stringBytes.write(0);
            strings.put(s, off);
        }
        return off;
    }

    static int info(BtfKind kind, int vlen, boolean flag) {
        return (flag ? 1 << 31 : 0) | kind.id() << 24 | vlen;
    }

    /** Adds a type of raw words (name offset, info, size/type, kind data...); returns its id. */
    int raw(int... words) {
        types.add(words);
        return firstId + types.size() - 1;
    }

    int integer(String name, int size, int encoding, int bits) {
        return raw(str(name), info(BtfKind.INT, 0, false), size, encoding << 24 | bits);
    }

    int ref(BtfKind kind, String name, int type) {
        return raw(str(name), info(kind, 0, false), type);
    }

    int array(int elem, int index, int n) {
        return raw(0, info(BtfKind.ARRAY, 0, false), 0, elem, index, n);
    }

    /** members: {name, type, bitOffset, bitfieldSize} each; bitfields set the kind flag. */
    int composite(BtfKind kind, String name, int size, Object[]... members) {
        boolean flag = false;
        for (Object[] m : members) {
            flag |= (Integer) m[3] != 0;
        }
        int[] w = new int[3 + 3 * members.length];
        w[0] = str(name);
        w[1] = info(kind, members.length, flag);
        w[2] = size;
        for (int i = 0; i < members.length; i++) {
            Object[] m = members[i];
            w[3 + 3 * i] = str((String) m[0]);
            w[4 + 3 * i] = (Integer) m[1];
            int off = (Integer) m[2];
            w[5 + 3 * i] = flag ? (Integer) m[3] << 24 | off : off;
        }
        return raw(w);
    }

    static Object[] m(String name, int type, int bitOffset, int bitfieldSize) {
        return new Object[] {name, type, bitOffset, bitfieldSize};
    }

    int enumeration(String name, int size, boolean signed, Object... namesAndValues) {
        int n = namesAndValues.length / 2;
        int[] w = new int[3 + 2 * n];
        w[0] = str(name);
        w[1] = info(BtfKind.ENUM, n, signed);
        w[2] = size;
        for (int i = 0; i < n; i++) {
            w[3 + 2 * i] = str((String) namesAndValues[2 * i]);
            w[4 + 2 * i] = (Integer) namesAndValues[2 * i + 1];
        }
        return raw(w);
    }

    int enum64(String name, boolean signed, Object... namesAndValues) {
        int n = namesAndValues.length / 2;
        int[] w = new int[3 + 3 * n];
        w[0] = str(name);
        w[1] = info(BtfKind.ENUM64, n, signed);
        w[2] = 8;
        for (int i = 0; i < n; i++) {
            long v = (Long) namesAndValues[2 * i + 1];
            w[3 + 3 * i] = str((String) namesAndValues[2 * i]);
            w[4 + 3 * i] = (int) v;
            w[5 + 3 * i] = (int) (v >>> 32);
        }
        return raw(w);
    }

    /** params: name, type pairs. */
    int proto(int ret, Object... params) {
        int n = params.length / 2;
        int[] w = new int[3 + 2 * n];
        w[1] = info(BtfKind.FUNC_PROTO, n, false);
        w[2] = ret;
        for (int i = 0; i < n; i++) {
            w[3 + 2 * i] = str((String) params[2 * i]);
            w[4 + 2 * i] = (Integer) params[2 * i + 1];
        }
        return raw(w);
    }

    int func(String name, int proto, int linkage) {
        return raw(str(name), info(BtfKind.FUNC, linkage, false), proto);
    }

    int var(String name, int type, int linkage) {
        return raw(str(name), info(BtfKind.VAR, 0, false), type, linkage);
    }

    /** vars: var id, offset, size triples. */
    int datasec(String name, int size, int... vars) {
        int n = vars.length / 3;
        int[] w = new int[3 + vars.length];
        w[0] = str(name);
        w[1] = info(BtfKind.DATASEC, n, false);
        w[2] = size;
        System.arraycopy(vars, 0, w, 3, vars.length);
        return raw(w);
    }

    int declTag(String value, int type, int component) {
        return raw(str(value), info(BtfKind.DECL_TAG, 0, false), type, component);
    }

    int fwd(String name, boolean union) {
        return raw(str(name), info(BtfKind.FWD, 0, union), 0);
    }

    int floating(String name, int size) {
        return raw(str(name), info(BtfKind.FLOAT, 0, false), size);
    }

    int stringBytes() {
        return stringBytes.size();
    }

    byte[] build() {
        int typeLen = 0;
        for (int[] t : types) {
            typeLen += 4 * t.length;
        }
        byte[] str = stringBytes.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(24 + typeLen + str.length).order(order);
        b.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(24).putInt(0).putInt(typeLen)
                .putInt(typeLen).putInt(str.length);
        for (int[] t : types) {
            for (int w : t) {
                b.putInt(w);
            }
        }
        b.put(str);
        return b.array();
    }
}
