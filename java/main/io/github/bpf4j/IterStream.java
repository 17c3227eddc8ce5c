/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import io.github.bpf4j.internal.Errors;
import io.github.bpf4j.internal.Native;
import io.github.bpf4j.internal.NativeOwner;
import java.io.IOException;
import java.io.InputStream;

/**
 * One read session of an iterator link (an fd from bpf_iter_create): the
 * program runs as the stream is read. Owns the fd through a NativeOwner, so a
 * forgotten stream is closed once unreachable.
 */
final class IterStream extends InputStream {
    private final NativeOwner owner;
    private final int fd;
    private final String target;
    private boolean ended;

    IterStream(int fd, String target) {
        this.fd = fd;
        this.target = target;
        this.owner = NativeOwner.ofFd(this, "iterator session of " + target, fd);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (off < 0 || len < 0 || len > b.length - off) {
            throw new IndexOutOfBoundsException("read(byte[" + b.length + "], " + off + ", " + len + ")");
        }
        if (len == 0) {
            return 0;
        }
        if (owner.handle().isClosed()) {
            throw new IOException("iterator stream of " + target + " is closed");
        }
        owner.handle().acquire();
        try {
            if (ended) {
                return -1;
            }
            int n = Native.iterRead(fd, b, off, Math.min(len, 1 << 20));
            if (n < 0) {
                throw new IOException(Errors.of(Errors.Op.ITER, "read(iterator of " + target + ")", -n, null));
            }
            if (n == 0) {
                ended = true;
                return -1;
            }
            return n;
        } finally {
            owner.handle().release();
        }
    }

    @Override
    public void close() {
        owner.close();
    }
}
