/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import io.github.bpf4j.btf.Btf;
import io.github.bpf4j.btf.BtfKind;
import io.github.bpf4j.btf.BtfType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** What ViewProgram needs to know of BTF types as C: how to name them, index them, and declare them in .bss. */
final class CTypes {
    /** Types whose fields the kernel manages when it finds them in a map value: such views are raw bytes. */
    private static final Set<String> KERNEL_MANAGED = new HashSet<String>(Arrays.asList("bpf_spin_lock",
            "bpf_res_spin_lock", "bpf_timer", "bpf_wq", "bpf_list_head", "bpf_list_node", "bpf_rb_root",
            "bpf_rb_node", "bpf_refcount", "bpf_task_work"));

    private CTypes() {}

    /** The C lvalue of element {@code flat} (row-major, as Java counts) of an array of {@code dims}. */
    static String element(String array, int[] dims, int flat) {
        StringBuilder s = new StringBuilder(array);
        int[] at = new int[dims.length];
        for (int d = dims.length - 1, rest = flat; d >= 0; d--) {
            at[d] = rest % dims[d];
            rest /= dims[d];
        }
        for (int i : at) {
            s.append('[').append(i).append(']');
        }
        return s.toString();
    }

    static int[] dims(BtfType type) {
        List<Integer> out = new ArrayList<Integer>();
        for (BtfType t = type.resolved(); t.kind() == BtfKind.ARRAY; t = t.elementType().resolved()) {
            out.add((int) t.length());
        }
        int[] dims = new int[out.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = out.get(i);
        }
        return dims;
    }

    static String whyNoField(BtfType.Member m, BtfType r) {
        if (r.kind() == BtfKind.ARRAY && dims(r).length > 0 && dims(r)[0] == 0) {
            return "a flexible array member (no fixed size to read)";
        }
        if (m.bitfieldSize() != 0) {
            return "a bitfield of no scalar type";
        }
        return "zero-sized or no type Java holds (" + r.kind() + ")";
    }

    /** Why a type cannot be named in C, or null: btf_dump renames duplicate names, and says nothing of where. */
    static String unspellable(Btf btf, BtfType t) {
        if (!t.name().isEmpty()) {
            int same = 0;
            for (BtfType o : btf.types()) {
                if (isTag(o) && o.name().equals(t.name())) {
                    same++;
                }
            }
            return same == 1 ? null : same + " tagged types of the BTF are named '" + t.name()
                    + "' (btf_dump renames all but one, and does not say which)";
        }
        return typedefOf(btf, t) != null ? null : "anonymous, and no typedef names it";
    }

    private static boolean isTag(BtfType t) {
        BtfKind k = t.kind();
        return k == BtfKind.STRUCT || k == BtfKind.UNION || k == BtfKind.ENUM || k == BtfKind.ENUM64;
    }

    static String spelling(Btf btf, BtfType t) {
        if (t.name().isEmpty()) {
            return typedefOf(btf, t);
        }
        return (t.kind() == BtfKind.STRUCT ? "struct " : t.kind() == BtfKind.UNION ? "union " : "enum ") + t.name();
    }

    private static String typedefOf(Btf btf, BtfType t) {
        for (BtfType o : btf.types()) {
            if (o.kind() == BtfKind.TYPEDEF && o.type() != null && o.type().id() == t.id()) {
                return o.name();
            }
        }
        return null;
    }

    /** Whether the kernel would manage part of {@code t} in a map value (a lock, timer, list, kptr...). */
    static boolean managed(BtfType t) {
        return managed(t, new HashSet<Integer>());
    }

    private static boolean managed(BtfType t, Set<Integer> seen) {
        if (!seen.add(t.id())) {
            return false;
        }
        if (KERNEL_MANAGED.contains(t.name())) {
            return true;
        }
        for (BtfType.Member m : t.members()) {
            BtfType x = m.type();
            while (x.kind() == BtfKind.ARRAY || x.kind() == BtfKind.TYPEDEF || x.kind() == BtfKind.CONST
                    || x.kind() == BtfKind.VOLATILE || x.kind() == BtfKind.RESTRICT) {
                x = x.kind() == BtfKind.ARRAY ? x.elementType() : x.type();
            }
            if (x.kind() == BtfKind.TYPE_TAG || x.kind() == BtfKind.PTR && x.type() != null
                    && x.type().kind() == BtfKind.TYPE_TAG) {
                return true; // a kptr (or another tagged pointer) the verifier lets no plain store reach
            }
            if ((x.kind() == BtfKind.STRUCT || x.kind() == BtfKind.UNION) && managed(x, seen)) {
                return true;
            }
        }
        return false;
    }

    /** The most members of any union in {@code t} (by value, not through pointers): the rounds it needs. */
    static int unionWidth(BtfType t) {
        if (t.kind() != BtfKind.STRUCT && t.kind() != BtfKind.UNION) {
            return 1;
        }
        int width = t.kind() == BtfKind.UNION ? t.members().size() : 1;
        for (BtfType.Member m : t.members()) {
            BtfType r = m.type().resolved();
            while (r.kind() == BtfKind.ARRAY) {
                r = r.elementType().resolved();
            }
            width = Math.max(width, unionWidth(r));
        }
        return width;
    }
}
