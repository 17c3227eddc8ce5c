/* SPDX-License-Identifier: Apache-2.0 */
/**
 * Java twins of the data structures in bpf4j's BPF headers
 * ({@code bpf/include/bpf4j/}): the same bytes, read and written in place in
 * a {@link io.github.bpf4j.BpfArena}, so a structure a BPF program built is
 * read by the JVM without copying, and the reverse.
 *
 * <ul>
 * <li>{@link io.github.bpf4j.arena.ArenaList}: {@code bpf4j/arena_list.h}, a
 * singly linked list of {@code __u64};</li>
 * <li>{@link io.github.bpf4j.arena.ArenaHashTable}: {@code bpf4j/arena_htab.h},
 * format "BHT1", a fixed-capacity open-addressing hash table.</li>
 * </ul>
 *
 * <p>Both work on every kind of arena: pointers are stored in the form the
 * arena's programs use ({@link io.github.bpf4j.ArenaRegion#pointerAt}, 32 bits
 * under {@code BPF_F_NO_USER_CONV}), and in an arena with
 * {@code BPF_F_SEGV_ON_FAULT} every access goes through the kernel
 * ({@link io.github.bpf4j.ArenaRegion#readChecked}-style), so a page the
 * program has not allocated is a {@link io.github.bpf4j.BpfException}
 * (EFAULT), never a crash.
 *
 * <p>Like their C counterparts they allow one writer at a time (a BPF program
 * or the JVM) and readers concurrently with it; a structure that was corrupted
 * (a pointer outside the arena, a list with a cycle) gives an
 * {@link java.lang.IllegalStateException}, never an endless loop.
 */
package io.github.bpf4j.arena;
