/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Reads and checks raw BTF: first the header and the extent of every type
 * (so that every later read is in bounds), then each type's fields against
 * the kernel's rules (kinds, names, ids, int encodings, members and variables
 * inside their owner), then that no chain of references loops without a
 * pointer in it (a struct containing itself, typedefs in a circle), which
 * would make sizes and the generator's walk endless.
 */
final class BtfParser {
    /** libbpf's MAX_RESOLVE_DEPTH is 32; nested structs in vmlinux go deeper through members, not chains. */
    static final int MAX_DEPTH = 32;
    static final int INT_SIGNED = 1;
    static final int INT_CHAR = 2;
    static final int INT_BOOL = 4;

    private final byte[] raw;
    private final ByteBuffer buf;
    private final Btf base;
    private final String origin;

    private BtfParser(byte[] raw, ByteBuffer buf, Btf base, String origin) {
        this.raw = raw;
        this.buf = buf;
        this.base = base;
        this.origin = origin;
    }

    /** Words per trailing item of a kind (members 3, enum values 2, ...), 0 when it has none. */
    static int itemWords(BtfKind kind) {
        switch (kind) {
            case STRUCT:
            case UNION:
            case DATASEC:
            case ENUM64:
                return 3;
            case ENUM:
            case FUNC_PROTO:
                return 2;
            default:
                return 0;
        }
    }

    /** Words of kind data right after the 12-byte header. */
    private static int extraWords(BtfKind kind) {
        switch (kind) {
            case INT:
            case VAR:
            case DECL_TAG:
                return 1;
            case ARRAY:
                return 3;
            default:
                return 0;
        }
    }

    static Btf parse(byte[] raw, Btf base, String origin) {
        if (raw.length < Btf.HEADER_SIZE) {
            throw bad(origin, "only " + raw.length + " bytes, less than the 24-byte BTF header");
        }
        ByteBuffer buf = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int magic = buf.getShort(0) & 0xffff;
        if (magic == Integer.reverseBytes(Btf.magic()) >>> 16) {
            buf.order(ByteOrder.BIG_ENDIAN);
        } else if (magic != Btf.magic()) {
            throw bad(origin, String.format("magic 0x%04x is not BTF's 0xeb9f", magic));
        }
        if (base != null && base.order() != buf.order()) {
            throw bad(origin, "its byte order " + buf.order() + " differs from its base's " + base.order());
        }
        return new BtfParser(raw, buf, base, origin).run();
    }

    private Btf run() {
        int version = raw[2] & 0xff;
        int flags = raw[3] & 0xff;
        if (version != 1) {
            throw fail("BTF version " + version + ", not 1");
        }
        if (flags != 0) {
            throw fail("header flags 0x" + Integer.toHexString(flags) + ", not 0");
        }
        long hdrLen = u32(4);
        if (hdrLen < Btf.HEADER_SIZE || hdrLen > raw.length) {
            throw fail("header length " + hdrLen + " outside 24.." + raw.length);
        }
        for (int i = Btf.HEADER_SIZE; i < hdrLen; i++) {
            if (raw[i] != 0) {
                throw fail("the header's unknown bytes past 24 are not zero (a newer BTF format?)");
            }
        }
        long typeOff = u32(8);
        long typeLen = u32(12);
        long strOff = u32(16);
        long strLen = u32(20);
        long dataLen = raw.length - hdrLen;
        if (typeOff + typeLen > dataLen || strOff + strLen > dataLen) {
            throw fail("type section (" + typeOff + "+" + typeLen + ") or string section (" + strOff + "+" + strLen
                    + ") runs past the " + dataLen + " data bytes");
        }
        if (typeOff % 4 != 0 || typeLen % 4 != 0) {
            throw fail("type section offset " + typeOff + " or length " + typeLen + " not a multiple of 4");
        }
        if (typeOff < strOff + strLen && strOff < typeOff + typeLen) {
            throw fail("type and string sections overlap");
        }
        if (strLen == 0 ? base == null : raw[(int) (hdrLen + strOff + strLen - 1)] != 0) {
            throw fail("the string section does not end with a NUL byte");
        }
        if (base == null && raw[(int) (hdrLen + strOff)] != 0) {
            throw fail("the string section does not start with the empty string");
        }
        if ((long) (base == null ? 0 : base.stringSpace()) + strLen > Integer.MAX_VALUE) {
            throw fail("string section too large");
        }
        int[] offsets = scanTypes((int) (hdrLen + typeOff), (int) typeLen);
        Btf btf = new Btf(raw, buf.order(), base, (int) (hdrLen + strOff), (int) strLen, offsets, origin);
        new BtfChecks(btf, origin).run();
        return btf;
    }

    /** Where each type starts; checks that each one's kind is known and its data fits. */
    private int[] scanTypes(int start, int length) {
        int[] offsets = new int[16];
        int count = 0;
        int end = start + length;
        int firstId = base == null ? 1 : base.typeCount();
        for (int at = start; at < end;) {
            int id = firstId + count;
            if (end - at < 12) {
                throw fail("type [" + id + "] is cut off: " + (end - at) + " bytes left of its 12-byte header");
            }
            int info = buf.getInt(at + 4);
            BtfKind kind = BtfKind.of(info >>> 24 & 0x1f);
            if (kind == null || kind == BtfKind.VOID) {
                throw fail("type [" + id + "] has unknown kind " + (info >>> 24 & 0x1f));
            }
            if ((info & 0x60ff0000) != 0) {
                throw fail("type [" + id + "] " + kind + " has reserved info bits set (0x" + Integer.toHexString(info)
                        + ")");
            }
            long bytes = 12 + 4L * extraWords(kind) + 4L * itemWords(kind) * (info & 0xffff);
            if (bytes > end - at) {
                throw fail("type [" + id + "] " + kind + " needs " + bytes + " bytes; " + (end - at) + " are left");
            }
            if (count == offsets.length) {
                offsets = Arrays.copyOf(offsets, count * 2);
            }
            if ((long) id + 1 > Integer.MAX_VALUE) {
                throw fail("too many types");
            }
            offsets[count++] = at;
            at += (int) bytes;
        }
        return Arrays.copyOf(offsets, count);
    }

    private long u32(int at) {
        return buf.getInt(at) & 0xffffffffL;
    }

    private IllegalArgumentException fail(String what) {
        return bad(origin, what);
    }

    static IllegalArgumentException bad(String origin, String what) {
        return new IllegalArgumentException("Btf.parse: " + origin + " is malformed: " + what
                + "; give well-formed BTF (what clang -g emits, or /sys/kernel/btf/*)");
    }

    // --- layout, shared with BtfType -----------------------------------------------------------------------

    /** btf__resolve_size; validation has ruled out loops, so only the depth bound guards it. */
    static long resolveSize(BtfType type, String method) {
        BtfType t = type;
        long factor = 1;
        for (int depth = 0;; depth++) {
            if (depth > MAX_DEPTH) {
                throw new UnsupportedOperationException(method + ": " + type + " refers on more than " + MAX_DEPTH
                        + " times; libbpf gives up there too");
            }
            switch (t.kind()) {
                case INT:
                case ENUM:
                case ENUM64:
                case STRUCT:
                case UNION:
                case DATASEC:
                case FLOAT:
                    return multiply(factor, t.word(2) & 0xffffffffL, type, method);
                case PTR:
                    return multiply(factor, BtfType.POINTER_SIZE, type, method);
                case TYPEDEF:
                case VOLATILE:
                case CONST:
                case RESTRICT:
                case TYPE_TAG:
                case VAR:
                    t = t.type();
                    break;
                case ARRAY:
                    factor = multiply(factor, t.length(), type, method);
                    t = t.elementType();
                    break;
                default:
                    throw new UnsupportedOperationException(method + ": " + type
                            + (t == type ? "" : " (through " + t + ")") + " has no size: it is " + t.kind());
            }
        }
    }

    private static long multiply(long a, long b, BtfType type, String method) {
        if (b != 0 && a > Integer.MAX_VALUE / b) {
            throw new UnsupportedOperationException(method + ": " + type + " is larger than 2 GiB");
        }
        return a * b;
    }

    /** btf__align_of. */
    static int alignment(BtfType t, int depth) {
        if (depth > MAX_DEPTH * 8) {
            throw new UnsupportedOperationException("BtfType.alignment(): " + t + " nests too deeply");
        }
        switch (t.kind()) {
            case INT:
            case ENUM:
            case ENUM64:
            case FLOAT:
                return (int) Math.min(BtfType.POINTER_SIZE, t.word(2) & 0xffffffffL);
            case PTR:
                return BtfType.POINTER_SIZE;
            case TYPEDEF:
            case VOLATILE:
            case CONST:
            case RESTRICT:
            case TYPE_TAG:
            case VAR:
                return alignment(t.type(), depth + 1);
            case ARRAY:
                return alignment(t.elementType(), depth + 1);
            case STRUCT:
            case UNION: {
                int max = 1;
                for (BtfType.Member m : t.members()) {
                    int align = alignment(m.type(), depth + 1);
                    max = Math.max(max, align);
                    if (m.bitfieldSize() == 0 && m.bitOffset() % (8L * align) != 0) {
                        return 1; // a member off its alignment: the struct is packed
                    }
                }
                return (t.word(2) & 0xffffffffL) % max != 0 ? 1 : max;
            }
            default:
                throw new UnsupportedOperationException("BtfType.alignment(): " + t + " is " + t.kind()
                        + ", which has no alignment");
        }
    }
}
