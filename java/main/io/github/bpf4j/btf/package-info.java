/* SPDX-License-Identifier: Apache-2.0 */
/**
 * BPF Type Format, read in Java: {@link io.github.bpf4j.btf.Btf} is a
 * validated, immutable type graph of a BPF object
 * ({@link io.github.bpf4j.BpfObject#btf()}), of the running kernel
 * ({@link io.github.bpf4j.btf.Btf#vmlinux()}, kernel modules as split BTF) or
 * of a file; {@link io.github.bpf4j.btf.BtfType} is one type, of a
 * {@link io.github.bpf4j.btf.BtfKind}, with its members, enumerators,
 * parameters or section variables. It is what the skeleton generator
 * ({@code io.github.bpf4j.gen}) reads layouts from, and lets a service look
 * up a struct's layout at run time.
 */
package io.github.bpf4j.btf;
