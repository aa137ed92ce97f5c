package io.gevent4j.http;

import io.gevent4j.hub.Hub;
import io.gevent4j.net.Socket;

import javax.net.ssl.SSLSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.FileChannel;
import java.time.Duration;

/**
 * A {@link Transport} over memory for the WebSocket fuzz target: reads return the peer's bytes in
 * pieces of at most {@code chunk}, then the end of the stream; writes are collected. A reader that
 * keeps reading after the end (a spin) fails the test. The hub is the calling thread's own.
 */
final class MemoryTransport implements Transport {
    private final byte[] input;
    private final int chunk;
    private final Hub hub;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private int pos;
    private int reads;
    private final int maxReads;
    private boolean closed;

    MemoryTransport(byte[] input, int chunk, Hub hub) {
        this.input = input;
        this.chunk = chunk;
        this.hub = hub;
        // every read but the last few returns at least one byte
        this.maxReads = input.length + 16;
    }

    /** What this side wrote. */
    byte[] written() {
        return output.toByteArray();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new SocketException("closed");
        }
        if (++reads > maxReads) {
            throw new AssertionError("the reader spins: " + reads + " reads for " + input.length + " bytes");
        }
        if (pos == input.length) {
            return -1;
        }
        int n = Math.min(Math.min(len, chunk), input.length - pos);
        System.arraycopy(input, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new SocketException("closed");
        }
        output.write(b, off, len);
    }

    @Override
    public long sendFile(FileChannel file, long position, long count) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void shutdownOutput() {
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public Hub hub() {
        return hub;
    }

    @Override
    public void setTimeout(Duration timeout) {
        // no waiting in memory: the input is all there, then it ends
    }

    @Override
    public Socket socket() {
        throw new UnsupportedOperationException("an in-memory transport has no socket");
    }

    @Override
    public SSLSession session() {
        return null;
    }
}
