/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.ringbuf;

import java.nio.ByteBuffer;

/**
 * Receives one ring buffer record in place, as an offset into the ring: the
 * record's bytes are {@code data}'s bytes {@code offset} to
 * {@code offset + length}, to be read with absolute gets
 * ({@code data.getLong(offset)}). {@code data} is a read-only view over the
 * ring's mapped pages in native byte order, the same object on every call,
 * and nothing about it changes between calls: the consumer moves no position
 * or limit per record. That is the difference from {@link RecordHandler},
 * whose per-record view is positioned and limited for each call; this form
 * drains small records about a fifth to a third faster when the handler
 * itself does little (BENCHMARKS.md, ring buffer drain). Do not change {@code data}'s limit or byte order: later
 * records are read through it with the offsets as given.
 *
 * <p>As with {@link RecordHandler}, the bytes belong to the producer again
 * once the call returns and the consumer position is published, so copy what
 * you keep; an exception thrown here ends the drain, with this record
 * counted as consumed.
 */
public interface OffsetRecordHandler {
    void onRecord(ByteBuffer data, int offset, int length);
}
