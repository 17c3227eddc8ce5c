/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.ringbuf;

import java.nio.ByteBuffer;

/**
 * Receives one ring buffer record.
 *
 * <p>{@code record} is a read-only view over the ring's mapped data pages, in
 * native byte order: the record's bytes are those from {@code position()} to
 * {@code limit()} (read them relatively, or absolutely from
 * {@code record.position()}). The same buffer object is handed to every
 * call, and its bytes belong to the producer again once the consumer
 * position is published: it is valid only during the call. Copy what you
 * keep (or use {@link RingBuffer#next()}).
 *
 * <p>An exception thrown here ends the drain: that record counts as
 * consumed, the position is published, and the exception propagates from
 * {@code consume}/{@code poll}.
 */
public interface RecordHandler {
    void onRecord(ByteBuffer record);
}
