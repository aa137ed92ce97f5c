package io.gevent4j;

import io.gevent4j.internal.Offload;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;

/**
 * Cooperative file I/O (gevent's {@code FileObjectThread}): every call that can block on the disk runs
 * on a bounded pool of platform threads ({@link #threadPool()}) while the calling greenlet parks, so
 * the other greenlets of its hub keep running. Called on a thread without a hub, the calls simply
 * block, like {@link java.nio.file.Files}.
 *
 * <pre>{@code
 * byte[] page = FileObject.readAllBytes(Path.of("index.html"));     // parks this greenlet only
 * try (FileObject f = FileObject.open(log, CREATE, APPEND)) {
 *     f.write(line.getBytes(UTF_8));
 * }
 * }</pre>
 *
 * <h2>Kills and timeouts</h2>
 * A kill or {@link Timeout} reaches a greenlet parked in a call at once. The pool work it leaves behind
 * is cancelled if it has not started; a whole-file operation of the static methods
 * ({@link #readAllBytes(Path)}, {@link #write(Path, byte[], OpenOption...)}...) that is running is
 * interrupted, which closes its own channel (an operation the JDK does not make interruptible, such as
 * {@link #copy}, finishes in the background); a file that {@link #open} opened after its caller left is
 * closed. An operation of an open {@code FileObject} that is running finishes in the background: the
 * file's position is then unspecified (positional reads and writes are unaffected), and its
 * {@link #inputStream()}/{@link #outputStream()} refuse further use. No file descriptor is leaked
 * either way. Buffers passed to a call are never touched after the call returned or was interrupted
 * (data goes through a buffer of the call's own, at most {@value #CHUNK} bytes per trip to the pool).
 *
 * <h2>Threads</h2>
 * A {@code FileObject} may be used from any greenlet or thread; each operation is atomic as a
 * {@link FileChannel}'s is. {@link #close()} runs on the caller's thread (it does not queue behind
 * busy pool threads) and makes operations in flight on the pool fail with
 * {@link java.nio.channels.AsynchronousCloseException}.
 */
public final class FileObject implements Closeable {
    /** Most bytes one trip to the pool reads or writes (1 MiB). */
    public static final int CHUNK = 1 << 20;
    /** Buffer size of the {@link #inputStream()}/{@link #outputStream()} views. */
    private static final int STREAM_BUFFER = 64 * 1024;
    /** The system property that sizes the pool (default 10, as gevent's hub thread pool). */
    public static final String THREADS_PROPERTY = "gevent4j.fileobject.threads";

    private static final class Holder {
        static final ThreadPool POOL = new ThreadPool(Math.max(1, Integer.getInteger(THREADS_PROPERTY, 10)));
    }

    private final Path path;
    private final FileChannel channel;

    private FileObject(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /**
     * The pool that runs the blocking work of every {@code FileObject} of this JVM: at most
     * {@code -Dgevent4j.fileobject.threads} (default 10) threads, which exit when idle.
     *
     * @return the pool file work runs on
     */
    public static ThreadPool threadPool() {
        return Holder.POOL;
    }

    /**
     * A blocking call for {@link #call}.
     *
     * @param <T> the result type
     */
    @FunctionalInterface
    public interface IoCallable<T> {
        /**
         * Does the blocking work.
         *
         * @return its result
         * @throws IOException if it fails
         */
        T call() throws IOException;
    }

    /**
     * Runs any blocking file work (a directory walk, attributes, a library's own file I/O) on the file
     * pool while the calling greenlet parks, and returns its value or throws its exception. The work
     * must finish inside {@code work}: a lazily filled {@code Stream} or an open stream returned from it
     * would do its I/O later, on the caller's thread. A kill or timeout of the caller interrupts the
     * work if it runs (interruptible channels then close) and cancels it if it has not started.
     *
     * @param <T> the result type
     * @param work the blocking work
     * @return the result
     * @throws IOException if an I/O error occurs
     */
    public static <T> T call(IoCallable<? extends T> work) throws IOException {
        return call(work, null);
    }

    /**
     * {@link #call(IoCallable)} for work that returns a resource (an open channel...): if the caller was
     * killed or timed out before the work finished, {@code dispose} gets the value instead (on the pool's
     * thread), so that it can be closed.
     *
     * @param <T> the result type
     * @param dispose what releases a result nobody takes
     * @param work the blocking work
     * @return the result
     * @throws IOException if an I/O error occurs
     */
    public static <T> T call(IoCallable<? extends T> work, java.util.function.Consumer<? super T> dispose)
            throws IOException {
        Objects.requireNonNull(work, "work");
        return Offload.call(Holder.POOL, work::call, true, dispose);
    }

    // ------------------------------------------------------------------ whole files

    /**
     * {@link Files#readAllBytes} off the hub.
     *
     * @param path the file
     * @return the file's bytes
     * @throws IOException if an I/O error occurs
     */
    public static byte[] readAllBytes(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        return call(() -> Files.readAllBytes(path));
    }

    /**
     * {@link Files#readString(Path)} (UTF-8) off the hub.
     *
     * @param path the file
     * @return the file's text
     * @throws IOException if an I/O error occurs
     */
    public static String readString(Path path) throws IOException {
        return readString(path, StandardCharsets.UTF_8);
    }

    /**
     * {@link Files#readString(Path, Charset)} off the hub.
     *
     * @param charset the charset
     * @param path the file
     * @return the file's text
     * @throws IOException if an I/O error occurs
     */
    public static String readString(Path path, Charset charset) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(charset, "charset");
        return call(() -> Files.readString(path, charset));
    }

    /**
     * {@link Files#readAllLines(Path)} (UTF-8) off the hub.
     *
     * @param path the file
     * @return the file's lines
     * @throws IOException if an I/O error occurs
     */
    public static List<String> readAllLines(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        return call(() -> Files.readAllLines(path));
    }

    /**
     * {@link Files#write(Path, byte[], OpenOption...)} off the hub.
     *
     * @param bytes the bytes
     * @param options the options
     * @param path the file
     * @return the number of bytes written
     * @throws IOException if an I/O error occurs
     */
    public static Path write(Path path, byte[] bytes, OpenOption... options) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(bytes, "bytes");
        OpenOption[] opts = options.clone();
        return call(() -> Files.write(path, bytes, opts));
    }

    /**
     * {@link Files#writeString(Path, CharSequence, OpenOption...)} (UTF-8) off the hub.
     *
     * @param options the options
     * @param path the file
     * @param text the text
     * @return the file
     * @throws IOException if an I/O error occurs
     */
    public static Path writeString(Path path, CharSequence text, OpenOption... options) throws IOException {
        return writeString(path, text, StandardCharsets.UTF_8, options);
    }

    /**
     * {@link Files#writeString(Path, CharSequence, Charset, OpenOption...)} off the hub.
     *
     * @param charset the charset
     * @param options the options
     * @param path the file
     * @param text the text
     * @return the file
     * @throws IOException if an I/O error occurs
     */
    public static Path writeString(Path path, CharSequence text, Charset charset, OpenOption... options)
            throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(charset, "charset");
        String s = text.toString(); // a mutable CharSequence is read on this thread, not the pool's
        OpenOption[] opts = options.clone();
        return call(() -> Files.writeString(path, s, charset, opts));
    }

    /**
     * {@link Files#copy(Path, Path, CopyOption...)} off the hub. The JDK's copy is not interruptible: if
     * the caller is killed while it runs, it completes in the background.
     *
     * @param options the options
     * @param source what to copy
     * @param target where to copy to
     * @return the number of bytes copied
     * @throws IOException if an I/O error occurs
     */
    public static Path copy(Path source, Path target, CopyOption... options) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        CopyOption[] opts = options.clone();
        return call(() -> Files.copy(source, target, opts));
    }

    /**
     * Opens {@code path} (as {@link #open}) and returns its {@link #inputStream()}: closing it closes the file.
     *
     * @param options the options
     * @param path the file
     * @return a stream that reads the file
     * @throws IOException if an I/O error occurs
     */
    public static InputStream newInputStream(Path path, OpenOption... options) throws IOException {
        return open(path, options.length == 0 ? new OpenOption[] {StandardOpenOption.READ} : options).inputStream();
    }

    /**
     * Opens {@code path} for writing (by default {@code CREATE, TRUNCATE_EXISTING, WRITE}, as
     * {@link Files#newOutputStream}) and returns its {@link #outputStream()}: closing it flushes and closes
     * the file.
     *
     * @param options the options
     * @param path the file
     * @return a stream that writes to the file
     * @throws IOException if an I/O error occurs
     */
    public static OutputStream newOutputStream(Path path, OpenOption... options) throws IOException {
        OpenOption[] opts = options.length == 0
                ? new OpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE}
                : withWrite(options);
        return open(path, opts).outputStream();
    }

    private static OpenOption[] withWrite(OpenOption[] options) {
        for (OpenOption o : options) {
            if (o == StandardOpenOption.READ) {
                throw new IllegalArgumentException("READ not allowed for an output stream");
            }
            if (o == StandardOpenOption.WRITE) {
                return options;
            }
        }
        OpenOption[] out = java.util.Arrays.copyOf(options, options.length + 1);
        out[options.length] = StandardOpenOption.WRITE;
        return out;
    }

    // ------------------------------------------------------------------ open files

    /**
     * Opens (or creates) a file as {@link FileChannel#open(Path, OpenOption...)} does, off the hub. No
     * option means {@code READ}.
     *
     * @param options the options
     * @param path the file
     * @return this
     * @throws IOException if an I/O error occurs
     */
    public static FileObject open(Path path, OpenOption... options) throws IOException {
        Objects.requireNonNull(path, "path");
        OpenOption[] opts = options.clone();
        FileChannel ch = Offload.call(Holder.POOL, () -> FileChannel.open(path, opts), false, FileObject::closeQuietly);
        return new FileObject(path, ch);
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nobody is left to tell
        }
    }

    /**
     * The path this file was opened with.
     *
     * @return the file
     */
    public Path path() {
        return path;
    }

    /**
     * The channel underneath, for APIs that take a {@link FileChannel} and keep the hub's thread off the
     * disk themselves, such as {@code io.gevent4j.net.Socket.sendFile}. Its own blocking methods, called
     * in a greenlet, block the whole hub.
     *
     * @return the file's channel
     */
    public FileChannel channel() {
        return channel;
    }

    /**
     * True until {@link #close()}.
     *
     * @return true on success
     */
    public boolean isOpen() {
        return channel.isOpen();
    }

    private void checkOpen() throws IOException {
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
    }

    /**
     * Reads at most {@code min(dst.remaining(), CHUNK)} bytes at the file's position into {@code dst},
     * advancing both.
     *
     * @return the number of bytes read, -1 at end of file
     * @param dst where to read to, from its position up to its limit
     * @throws IOException if an I/O error occurs
     */
    public int read(ByteBuffer dst) throws IOException {
        return read(dst, -1);
    }

    /**
     * Reads at most {@code min(dst.remaining(), CHUNK)} bytes at {@code position} into {@code dst}; the
     * file's position does not change.
     *
     * @return the number of bytes read, -1 if {@code position} is at or past the end of file
     * @param dst where to read to, from its position up to its limit
     * @param position the position in the file
     * @throws IOException if an I/O error occurs
     */
    public int read(ByteBuffer dst, long position) throws IOException {
        if (position < -1) {
            throw new IllegalArgumentException("negative position: " + position);
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("read-only buffer");
        }
        checkOpen();
        int want = Math.min(dst.remaining(), CHUNK);
        if (want == 0) {
            return 0;
        }
        ByteBuffer tmp = ByteBuffer.allocate(want);
        int n = Offload.call(Holder.POOL, () -> position < 0 ? channel.read(tmp) : channel.read(tmp, position),
                false, null);
        if (n > 0) {
            dst.put(tmp.flip());
        }
        return n;
    }

    /**
     * Reads at most {@code len} (and {@value #CHUNK}) bytes into {@code b[off..]}; -1 at end of file.
     *
     * @param b the bytes
     * @param len the number of bytes
     * @param off the offset of the first byte
     * @return the number of bytes read, or -1 at the end
     * @throws IOException if an I/O error occurs
     */
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        return read(ByteBuffer.wrap(b, off, len));
    }

    /**
     * Reads from the file's position to the end of file, in one trip to the pool.
     *
     * @return the file's bytes
     * @throws IOException if an I/O error occurs
     */
    public byte[] readAllBytes() throws IOException {
        checkOpen();
        return Offload.call(Holder.POOL, () -> {
            long left = channel.size() - channel.position();
            if (left > Integer.MAX_VALUE - 8) {
                throw new OutOfMemoryError("file too large for one array: " + path);
            }
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream((int) Math.max(0, left));
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (channel.read(buf.clear()) > 0) {
                out.write(buf.array(), 0, buf.position());
            }
            return out.toByteArray();
        }, false, null);
    }

    /**
     * Writes all of {@code src} at the file's position (or at its end if opened with {@code APPEND}), in
     * trips of at most {@value #CHUNK} bytes; {@code src}'s position advances as the chunks are written.
     *
     * @return the number of bytes written
     * @param src the bytes to write, from its position to its limit
     * @throws IOException if an I/O error occurs
     */
    public int write(ByteBuffer src) throws IOException {
        return write(src, -1);
    }

    /**
     * Writes all of {@code src} at {@code position}; the file's position does not change.
     *
     * @return the number of bytes written
     * @param position the position in the file
     * @param src the bytes to write, from its position to its limit
     * @throws IOException if an I/O error occurs
     */
    public int write(ByteBuffer src, long position) throws IOException {
        if (position < -1) {
            throw new IllegalArgumentException("negative position: " + position);
        }
        checkOpen();
        int total = 0;
        while (src.hasRemaining()) {
            int len = Math.min(src.remaining(), CHUNK);
            ByteBuffer tmp = ByteBuffer.allocate(len).put(0, src, src.position(), len);
            long at = position < 0 ? -1 : position + total;
            Offload.call(Holder.POOL, () -> {
                writeFully(tmp, at);
                return null;
            }, false, null);
            src.position(src.position() + len);
            total += len;
        }
        return total;
    }

    /**
     * Writes all of {@code b[off, off+len)} at the file's position.
     *
     * @param b the bytes
     * @param len the number of bytes
     * @param off the offset of the first byte
     * @throws IOException if an I/O error occurs
     */
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        write(ByteBuffer.wrap(b, off, len));
    }

    /**
     * Writes all of {@code b} at the file's position.
     *
     * @param b the bytes
     * @throws IOException if an I/O error occurs
     */
    public void write(byte[] b) throws IOException {
        write(ByteBuffer.wrap(b));
    }

    /** Pool side: writes all of {@code buf} at {@code at} (-1: the channel's position). */
    private void writeFully(ByteBuffer buf, long at) throws IOException {
        long pos = at;
        while (buf.hasRemaining()) {
            if (pos < 0) {
                channel.write(buf);
            } else {
                pos += channel.write(buf, pos);
            }
        }
    }

    /**
     * The file's position.
     *
     * @return the position
     * @throws IOException if an I/O error occurs
     */
    public long position() throws IOException {
        checkOpen();
        return Offload.call(Holder.POOL, channel::position, false, null);
    }

    /**
     * Sets the file's position.
     *
     * @param newPosition the new position
     * @return this
     * @throws IOException if an I/O error occurs
     */
    public FileObject position(long newPosition) throws IOException {
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position: " + newPosition);
        }
        checkOpen();
        Offload.call(Holder.POOL, () -> channel.position(newPosition), false, null);
        return this;
    }

    /**
     * The file's current size.
     *
     * @return the size in bytes
     * @throws IOException if an I/O error occurs
     */
    public long size() throws IOException {
        checkOpen();
        return Offload.call(Holder.POOL, channel::size, false, null);
    }

    /**
     * Truncates the file to {@code size} bytes (no effect if it is smaller).
     *
     * @param size the size
     * @return this
     * @throws IOException if an I/O error occurs
     */
    public FileObject truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size: " + size);
        }
        checkOpen();
        Offload.call(Holder.POOL, () -> channel.truncate(size), false, null);
        return this;
    }

    /**
     * Forces written data (and metadata if asked) to the storage device ({@code fsync}).
     *
     * @param metaData whether to write the file's metadata too (as {@link java.nio.channels.FileChannel#force})
     * @throws IOException if an I/O error occurs
     */
    public void force(boolean metaData) throws IOException {
        checkOpen();
        Offload.call(Holder.POOL, () -> {
            channel.force(metaData);
            return null;
        }, false, null);
    }

    /** One trip to the pool filling {@code b[off, off+len)} from the file's position as far as one read goes. */
    private int readInto(byte[] b, int off, int len) throws IOException {
        return Offload.call(Holder.POOL, () -> channel.read(ByteBuffer.wrap(b, off, len)), false, null);
    }

    /**
     * A buffered stream reading from the file's position; one trip to the pool per 64 KiB. Closing it
     * closes the file. If a read is interrupted by a kill or a {@link Timeout}, the stream is unusable
     * afterwards ({@link IOException}): the interrupted read may still move the file's position.
     *
     * @return a stream that reads the file
     */
    public InputStream inputStream() {
        return new In();
    }

    /**
     * A buffered stream writing at the file's position; one trip to the pool per 64 KiB (and on
     * {@code flush}). Closing it flushes and closes the file. If a write is interrupted by a kill or a
     * {@link Timeout}, the stream is unusable afterwards ({@link IOException}).
     *
     * @return a stream that writes to the file
     */
    public OutputStream outputStream() {
        return new Out();
    }

    /**
     * Closes the file, on the calling thread. Operations running on the pool fail with
     * {@link java.nio.channels.AsynchronousCloseException}. Idempotent.
     */
    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "FileObject[" + path + (channel.isOpen() ? "]" : ", closed]");
    }

    private static IOException broken() {
        return new IOException("stream unusable: an earlier operation was interrupted (kill or timeout) "
                + "while it was in flight, so the file position is unknown");
    }

    /** The buffered input view; the buffer is the pool's during a trip and replaced if a trip is abandoned. */
    private final class In extends InputStream {
        private byte[] buf = new byte[STREAM_BUFFER];
        private int pos;
        private int lim;
        private boolean eof;
        private boolean broken;

        private boolean fill() throws IOException {
            if (broken) {
                throw broken();
            }
            if (eof) {
                return false;
            }
            int n;
            try {
                n = readInto(buf, 0, buf.length);
            } catch (IOException e) {
                throw e; // the trip ended: nothing runs on in the background
            } catch (RuntimeException | Error e) {
                abandoned(); // a kill or timeout: the read may still run, into the old buffer
                throw e;
            }
            pos = 0;
            lim = Math.max(n, 0);
            eof = n < 0;
            return n > 0;
        }

        private void abandoned() {
            broken = true;
            buf = new byte[STREAM_BUFFER];
            pos = lim = 0;
        }

        @Override
        public int read() throws IOException {
            if (pos == lim && !fill()) {
                return -1;
            }
            return buf[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (pos == lim && !fill()) {
                return -1;
            }
            int n = Math.min(len, lim - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            return lim - pos;
        }

        @Override
        public void close() throws IOException {
            FileObject.this.close();
        }
    }

    /** The buffered output view; the buffer is the pool's during a trip and replaced if a trip is abandoned. */
    private final class Out extends OutputStream {
        private byte[] buf = new byte[STREAM_BUFFER];
        private int count;
        private boolean broken;
        private boolean closed;

        private void drain() throws IOException {
            if (broken) {
                throw broken();
            }
            if (count == 0) {
                return;
            }
            byte[] b = buf;
            int n = count;
            checkOpen();
            try {
                Offload.call(Holder.POOL, () -> {
                    writeFully(ByteBuffer.wrap(b, 0, n), -1);
                    return null;
                }, false, null);
            } catch (IOException e) {
                throw e;
            } catch (RuntimeException | Error e) {
                broken = true; // a kill or timeout: the write may still run, from the old buffer
                buf = new byte[STREAM_BUFFER];
                count = 0;
                throw e;
            }
            count = 0;
        }

        @Override
        public void write(int b) throws IOException {
            checkUsable();
            if (count == buf.length) {
                drain();
            }
            buf[count++] = (byte) b;
        }

        private void checkUsable() throws IOException {
            if (closed) {
                throw new IOException("stream closed");
            }
            if (broken) {
                throw broken();
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            checkUsable();
            while (len > 0) {
                if (count == buf.length) {
                    drain();
                }
                int n = Math.min(len, buf.length - count);
                System.arraycopy(b, off, buf, count, n);
                count += n;
                off += n;
                len -= n;
            }
        }

        @Override
        public void flush() throws IOException {
            if (!closed) {
                drain();
            }
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                drain();
            } finally {
                FileObject.this.close();
            }
        }
    }
}
