package io.gevent4j.subprocess;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The parent's end of one of a child's standard streams, read or written cooperatively. Two kinds:
 * {@link NativePipe} (a non-blocking pipe watched by the hub's own epoll) and {@link ThreadPipe} (the
 * JDK's blocking stream, each call on a helper thread).
 */
abstract class Pipe {
    /** Reads at least one byte (parking until some arrive); -1 at end of stream. */
    abstract int read(byte[] b, int off, int len) throws IOException;

    /** Writes all of {@code b[off, off+len)}, parking while the pipe is full. */
    abstract void write(byte[] b, int off, int len) throws IOException;

    /** Closes this end; a greenlet blocked on it gets an {@link IOException}. Idempotent, any thread. */
    abstract void close();

    /** An {@link InputStream} view; closing it closes the pipe. */
    final InputStream inputStream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = Pipe.this.read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                return len == 0 ? 0 : Pipe.this.read(b, off, len);
            }

            @Override
            public void close() {
                Pipe.this.close();
            }
        };
    }

    /** An {@link OutputStream} view (unbuffered: every write reaches the pipe); closing it closes the pipe. */
    final OutputStream outputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                Pipe.this.write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                Pipe.this.write(b, off, len);
            }

            @Override
            public void close() {
                Pipe.this.close();
            }
        };
    }
}
