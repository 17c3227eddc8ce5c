/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.btf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Raw BTF, built type by type (little-endian): for well-formed and deliberately malformed test inputs. */
final class BtfBytes {
    static final int INT = 1, PTR = 2, ARRAY = 3, STRUCT = 4, UNION = 5, ENUM = 6, FWD = 7, TYPEDEF = 8,
            VOLATILE = 9, CONST = 10, RESTRICT = 11, FUNC = 12, FUNC_PROTO = 13, VAR = 14, DATASEC = 15;

    private final ByteArrayOutputStream types = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private final int firstId;
    private final int baseStrings;
    private int next;

    /** Base BTF: ids from 1, strings from offset 0 (the empty name). */
    BtfBytes() {
        this(1, 0);
        strings.write(0);
    }

    /** Split BTF on a base of {@code baseTypes} types (ids 1 .. baseTypes - 1) and {@code baseStrings} bytes of strings. */
    BtfBytes(int baseTypes, int baseStrings) {
        this.firstId = baseTypes;
        this.baseStrings = baseStrings;
        this.next = baseTypes;
    }

    int str(String s) {
        int off = baseStrings + strings.size();
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        strings.write(b, 0, b.length);
        strings.write(0);
        return off;
    }

    /** One type record: name, kind, vlen, kflag, size-or-type, then the kind's words; returns its id. */
    int type(String name, int kind, int vlen, boolean kflag, int sizeOrType, int... tail) {
        int nameOff = name == null ? 0 : str(name);
        word(nameOff);
        word((kflag ? 1 << 31 : 0) | kind << 24 | vlen);
        word(sizeOrType);
        for (int w : tail) {
            word(w);
        }
        return next++;
    }

    int intType(String name, int size) {
        return type(name, INT, 0, false, size, 1 << 24 | size * 8); // signed, all bits
    }

    int ptr(int to) {
        return type(null, PTR, 0, false, to);
    }

    int typedef(String name, int to) {
        return type(name, TYPEDEF, 0, false, to);
    }

    int constOf(int to) {
        return type(null, CONST, 0, false, to);
    }

    /** members: {type, bit offset} pairs, named m0, m1, ... */
    int struct(String name, int size, int... members) {
        int[] tail = new int[members.length / 2 * 3];
        for (int i = 0; i < members.length / 2; i++) {
            tail[i * 3] = str("m" + i);
            tail[i * 3 + 1] = members[i * 2];
            tail[i * 3 + 2] = members[i * 2 + 1];
        }
        return type(name, STRUCT, members.length / 2, false, size, tail);
    }

    int array(int elem, int index, int count) {
        return type(null, ARRAY, 0, false, 0, elem, index, count);
    }

    int proto(int ret, int... params) {
        int[] tail = new int[params.length * 2];
        for (int i = 0; i < params.length; i++) {
            tail[i * 2] = 0;
            tail[i * 2 + 1] = params[i];
        }
        return type(null, FUNC_PROTO, params.length, false, ret, tail);
    }

    int func(String name, int proto) {
        return type(name, FUNC, 0, false, proto);
    }

    /** The id the next type gets. */
    int nextId() {
        return next;
    }

    int firstId() {
        return firstId;
    }

    byte[] bytes() {
        byte[] t = types.toByteArray();
        byte[] s = strings.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(24 + t.length + s.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(24);
        b.putInt(0).putInt(t.length).putInt(t.length).putInt(s.length);
        b.put(t).put(s);
        return b.array();
    }

    private void word(int w) {
        types.write(w);
        types.write(w >>> 8);
        types.write(w >>> 16);
        types.write(w >>> 24);
    }

    /** The header facts of raw BTF a split BTF needs: its type count (ids 1 .. count - 1) and string bytes. */
    static int[] countsOf(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int hdr = b.getInt(4);
        int typeOff = b.getInt(8);
        int typeLen = b.getInt(12);
        int strLen = b.getInt(20);
        int pos = hdr + typeOff;
        int end = pos + typeLen;
        int count = 1;
        while (pos < end) {
            int info = b.getInt(pos + 4);
            pos += 12 + tailSize(info >>> 24 & 0x1f, info & 0xffff);
            count++;
        }
        return new int[] {count, strLen};
    }

    /** The id of the first INT named {@code name} in raw BTF, or -1. */
    static int intId(byte[] raw, String name) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int hdr = b.getInt(4);
        int pos = hdr + b.getInt(8);
        int end = pos + b.getInt(12);
        int strs = hdr + b.getInt(16);
        byte[] want = name.getBytes(StandardCharsets.UTF_8);
        for (int id = 1; pos < end; id++) {
            int nameOff = b.getInt(pos);
            int info = b.getInt(pos + 4);
            int kind = info >>> 24 & 0x1f;
            if (kind == INT && raw[strs + nameOff + want.length] == 0) {
                boolean same = true;
                for (int i = 0; i < want.length && same; i++) {
                    same = raw[strs + nameOff + i] == want[i];
                }
                if (same) {
                    return id;
                }
            }
            pos += 12 + tailSize(kind, info & 0xffff);
        }
        return -1;
    }

    static int tailSize(int kind, int vlen) {
        switch (kind) {
            case INT:
            case 14: // VAR
            case 17: // DECL_TAG
                return 4;
            case ARRAY:
                return 12;
            case STRUCT:
            case UNION:
            case DATASEC:
            case 19: // ENUM64
                return vlen * 12;
            case ENUM:
            case FUNC_PROTO:
                return vlen * 8;
            default:
                return 0;
        }
    }
}
