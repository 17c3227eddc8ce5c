/* SPDX-License-Identifier: Apache-2.0 */
/**
 * Event streams from BPF programs: {@link io.github.bpf4j.ringbuf.RingBuffer}
 * reads a {@code BPF_MAP_TYPE_RINGBUF} in place over its mapped pages (no copy,
 * no native call per record, nothing allocated per record), and
 * {@link io.github.bpf4j.ringbuf.RingBufferPoller} waits on several rings in
 * one thread. {@code bpf/include/bpf4j/ringbuf.h} is the BPF side's
 * reserve-or-count helper, whose drop counter
 * {@link io.github.bpf4j.ringbuf.RingBuffer#drops(io.github.bpf4j.BpfMap)} reads.
 */
package io.github.bpf4j.ringbuf;
