/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.docs;

import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * What a README java block may use without declaring it (the README says so where it uses them):
 * an object {@code obj} with a program {@code prog}, one key and value as {@code byte[]} and as
 * {@code ByteBuffer}, a packet and an output buffer for test runs, a path, and {@code key(n)} /
 * {@code value(n)}, which make 4-byte native-order arrays. Only compiled, never run.
 */
public abstract class ReadmeContext {
    protected BpfObject obj;
    protected BpfProgram prog;
    protected byte[] key;
    protected byte[] value;
    protected ByteBuffer keyBuf;
    protected ByteBuffer valueBuf;
    protected ByteBuffer packet;
    protected ByteBuffer out;
    protected Path path;

    protected static byte[] key(int n) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(n).array();
    }

    protected static byte[] value(int n) {
        return key(n);
    }
}
