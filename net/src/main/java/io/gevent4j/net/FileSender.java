package io.gevent4j.net;

import io.gevent4j.FileObject;
import io.gevent4j.loop.Loop;
import io.gevent4j.net.internal.Sock;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * {@link Socket#sendFile}: a file to a socket without ever blocking the hub on the disk.
 *
 * <p>The file goes in chunks. Before each chunk is sent, {@code mincore(2)} (through
 * {@link java.lang.foreign.MemorySegment#isLoaded()} on a transient read-only mapping, no native code of
 * ours) says whether its pages are in the page cache. A cold chunk is first read on the file pool
 * ({@link FileObject#threadPool()}) while the greenlet parks, which brings it into the cache. Then the
 * hub lets the kernel copy it to the socket with sendfile(2) (zero copy: Netty's epoll library, or
 * {@link FileChannel#transferTo} on NIO), which now finds every page in memory and never waits for the
 * disk. Where sendfile is not available for the socket or the file, and under TLS, the chunk is read
 * (on the hub when cached, else on the pool) and written like any other bytes ({@link #copy}).
 */
final class FileSender {
    /** Bytes checked, warmed and sent per step. */
    static final int CHUNK = 1 << 20;
    /** Chunks that were not in the page cache and were read in on the pool (for tests). */
    static final java.util.concurrent.atomic.AtomicLong warmed = new java.util.concurrent.atomic.AtomicLong();
    private static final ThreadLocal<ByteBuffer> POOL_SCRATCH =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(64 * 1024));

    private FileSender() {
    }

    /** Where {@link #copy} writes: all of the buffer, parking as needed. */
    @FunctionalInterface
    interface Sink {
        void write(ByteBuffer src) throws IOException;
    }

    /** Zero copy where the kernel allows it, else (from the first refusal on) {@link #copy}. */
    static long send(Socket socket, FileChannel file, long position, long count) throws IOException {
        IoCore core = socket.core;
        Sock sock = core.sock;
        long end = position + count;
        long pos = position;
        while (pos < end) {
            core.checkOpen();
            int len = (int) Math.min(CHUNK, end - pos);
            if (!isCached(file, pos, len)) {
                warm(file, pos, len);
            }
            long n = sendChunk(core, sock, file, pos, len);
            if (n < 0) { // the kernel refused this socket or file: copy from here on
                copy(file, pos, end - pos, socket::write);
                return count;
            }
            pos += n;
        }
        return count;
    }

    /**
     * Copies the range through a buffer into {@code sink} (TLS, or a file sendfile cannot take): a chunk
     * in the page cache is read on the hub, a cold one on the file pool.
     */
    static long copy(FileChannel file, long position, long count, Sink sink) throws IOException {
        long end = position + count;
        long pos = position;
        ByteBuffer buf = null;
        while (pos < end) {
            int len = (int) Math.min(CHUNK, end - pos);
            ByteBuffer data;
            if (isCached(file, pos, len)) {
                if (buf == null) {
                    buf = ByteBuffer.allocate((int) Math.min(CHUNK, count));
                }
                data = readFully(file, buf.clear().limit(len), pos);
            } else {
                long at = pos;
                warmed.incrementAndGet();
                data = FileObject.call(() -> readFully(file, ByteBuffer.allocate(len), at));
            }
            int n = data.remaining();
            if (n > 0) {
                sink.write(data);
            }
            if (n < len) { // what the file had is sent, as sendfile would
                throw shrank(file, pos + n, end);
            }
            pos += len;
        }
        return count;
    }

    /** Sends {@code file[pos, pos+len)} with sendfile; -1 if the kernel cannot do it (nothing sent then). */
    private static long sendChunk(IoCore core, Sock sock, FileChannel file, long pos, int len) throws IOException {
        long sent = 0;
        while (sent < len) {
            long n = sock.sendFile(file, pos + sent, len - sent);
            if (n < 0) {
                if (sent == 0) {
                    return -1;
                }
                return sent;
            }
            if (n > 0) {
                sent += n;
            } else if (pos + sent >= file.size()) {
                throw shrank(file, pos + sent, pos + len);
            } else {
                core.await(Loop.WRITE, "sendfile");
            }
        }
        return sent;
    }

    private static EOFException shrank(FileChannel file, long at, long end) {
        return new EOFException("the file ended at byte " + at + " before the " + end + " to send (did it shrink?)");
    }

    /** True if every page of the range is in the page cache; false if not, or if the file cannot be mapped. */
    static boolean isCached(FileChannel file, long pos, int len) {
        try (Arena arena = Arena.ofConfined()) {
            long size = file.size();
            if (pos >= size) {
                return true; // nothing to read: the send will report the end of file
            }
            return file.map(FileChannel.MapMode.READ_ONLY, pos, Math.min(len, size - pos), arena).isLoaded();
        } catch (IOException | RuntimeException e) {
            return false; // not mappable (a pipe, procfs...): treat as cold, the pool reads it
        }
    }

    /** Reads the range on the file pool (the greenlet parks), which leaves it in the page cache. */
    private static void warm(FileChannel file, long pos, int len) throws IOException {
        warmed.incrementAndGet();
        FileObject.call(() -> {
            ByteBuffer b = POOL_SCRATCH.get();
            long p = pos;
            long end = pos + len;
            while (p < end) {
                b.clear().limit((int) Math.min(b.capacity(), end - p));
                int n = file.read(b, p);
                if (n < 0) {
                    break;
                }
                p += n;
            }
            return null;
        });
    }

    private static ByteBuffer readFully(FileChannel file, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining() && file.read(b, pos + b.position()) > 0) {
            // fill
        }
        return b.flip();
    }
}
