/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.btf;

/**
 * The kinds of BTF type ({@code BTF_KIND_*} of {@code <linux/btf.h>}), in the
 * kernel's numbering: {@link #id()} is the number stored in a type's info word.
 */
public enum BtfKind {
    /** Type id 0 only: {@code void}. */
    VOID,
    /** An integer: size in bytes, bits, signedness (also {@code char} and {@code _Bool}). */
    INT,
    /** A pointer to another type. */
    PTR,
    /** A fixed-length array. */
    ARRAY,
    /** A struct: members at bit offsets, some of them bitfields. */
    STRUCT,
    /** A union: members that overlap at offset 0. */
    UNION,
    /** An enum of 32-bit (or smaller) values. */
    ENUM,
    /** A forward declaration of a struct or union ({@link BtfType#isUnionForward()}). */
    FWD,
    /** A typedef: another name for a type. */
    TYPEDEF,
    /** {@code volatile}. */
    VOLATILE,
    /** {@code const}. */
    CONST,
    /** {@code restrict}. */
    RESTRICT,
    /** A function (its signature is a {@link #FUNC_PROTO}). */
    FUNC,
    /** A function signature: return type and parameters. */
    FUNC_PROTO,
    /** A global or static variable (placed by a {@link #DATASEC}). */
    VAR,
    /** A data section ({@code .bss}, {@code .data}, ...): variables at byte offsets. */
    DATASEC,
    /** A floating-point type. */
    FLOAT,
    /** An attribute tag on a declaration, member or parameter. */
    DECL_TAG,
    /** An attribute tag on a type (a modifier, like {@code const}). */
    TYPE_TAG,
    /** An enum of 64-bit values. */
    ENUM64;

    private static final BtfKind[] BY_ID = values();

    /** The kernel's number for this kind ({@code BTF_KIND_INT} is 1). */
    public int id() {
        return ordinal();
    }

    /** The kind numbered {@code id}, or null if there is none (a newer kernel's kind). */
    static BtfKind of(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /** A qualifier or tag that leaves the layout alone: const, volatile, restrict, type tag. */
    boolean isModifier() {
        return this == CONST || this == VOLATILE || this == RESTRICT || this == TYPE_TAG;
    }
}
