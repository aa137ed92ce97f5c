package io.gevent4j.loop;

import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/** Helpers shared by the loop tests: watchdogs, backends, pipes and socket pairs on every backend. */
final class TestSupport {
    private TestSupport() {
    }

    /** Generous bound for anything that must "happen promptly": far below the long timers tests use. */
    static final long PROMPT_MS = 5_000;
    /** A timer delay that no test ever waits for. */
    static final long FAR_SECONDS = 60;

    private static final ScheduledExecutorService WATCHDOGS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "loop-test-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** The backends that load on this machine (NIO always; epoll on Linux; kqueue on macOS/BSD). */
    static Stream<Backend> backends() {
        return Arrays.stream(Backend.values()).filter(Backend::isAvailable);
    }

    static boolean haveProcFd() {
        return Files.isDirectory(Path.of("/proc/self/fd"));
    }

    /** Open file descriptors of this process. */
    static long fdCount() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Breaks the loop from another thread if it is still running after {@code millis}: a test whose loop
     * hangs fails instead of hanging the build. Works whatever the loop waits for (even with no timer).
     */
    static final class Guard implements AutoCloseable {
        private final AtomicBoolean fired = new AtomicBoolean();
        private final ScheduledFuture<?> future;

        Guard(Loop loop, long millis) {
            future = WATCHDOGS.scheduleAtFixedRate(() -> {
                fired.set(true);
                try {
                    loop.breakLoop();
                } catch (RuntimeException ignored) {
                    // destroyed meanwhile
                }
            }, millis, 200, TimeUnit.MILLISECONDS);
        }

        boolean fired() {
            return fired.get();
        }

        @Override
        public void close() {
            future.cancel(false);
        }
    }

    static Guard guard(Loop loop) {
        return new Guard(loop, PROMPT_MS);
    }

    /** Runs {@code r} on another thread after {@code millis}. */
    static Thread later(long millis, ThrowingRunnable r) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(millis);
                r.run();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, "loop-test-later");
        t.setDaemon(true);
        t.start();
        return t;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    // ------------------------------------------------------------------ pipes

    /** A unidirectional pipe usable on the given backend: fds for epoll/kqueue, channels for NIO. */
    abstract static class TestPipe implements AutoCloseable {
        /** A watcher on the read end. */
        abstract IoWatcher watchReader(Loop loop, int events);

        /** A watcher on the write end. */
        abstract IoWatcher watchWriter(Loop loop, int events);

        abstract void write(int bytes) throws IOException;

        /** Reads what is available: the byte count, or -1 at EOF. */
        abstract int drain() throws IOException;

        abstract void closeWriter() throws IOException;

        abstract void closeReader() throws IOException;

        /** The read end's descriptor number (native backends only). */
        abstract int readFd();

        @Override
        public void close() throws IOException {
            closeWriter();
            closeReader();
        }

        static TestPipe open(Backend backend) throws IOException {
            return backend.usesFileDescriptors() ? new FdPipe() : new NioPipe();
        }
    }

    static final class FdPipe extends TestPipe {
        final FileDescriptor reader;
        final FileDescriptor writer;

        FdPipe() throws IOException {
            FileDescriptor[] p = FileDescriptor.pipe();
            reader = p[0];
            writer = p[1];
        }

        @Override
        IoWatcher watchReader(Loop loop, int events) {
            return loop.io(reader.intValue(), events);
        }

        @Override
        IoWatcher watchWriter(Loop loop, int events) {
            return loop.io(writer.intValue(), events);
        }

        @Override
        void write(int bytes) throws IOException {
            ByteBuffer b = ByteBuffer.allocateDirect(bytes);
            int done = 0;
            while (done < bytes) {
                done += writer.write(b, done, bytes);
            }
        }

        @Override
        int drain() throws IOException {
            ByteBuffer b = ByteBuffer.allocateDirect(4096);
            int total = 0;
            for (;;) {
                int n = reader.read(b, 0, b.capacity());
                if (n < 0) {
                    return total == 0 ? -1 : total;
                }
                if (n == 0) {
                    return total;
                }
                total += n;
            }
        }

        @Override
        void closeWriter() throws IOException {
            writer.close();
        }

        @Override
        void closeReader() throws IOException {
            reader.close();
        }

        @Override
        int readFd() {
            return reader.intValue();
        }
    }

    static final class NioPipe extends TestPipe {
        final Pipe pipe;

        NioPipe() throws IOException {
            pipe = Pipe.open();
            pipe.source().configureBlocking(false);
            pipe.sink().configureBlocking(false);
        }

        @Override
        IoWatcher watchReader(Loop loop, int events) {
            return loop.io(pipe.source(), events);
        }

        @Override
        IoWatcher watchWriter(Loop loop, int events) {
            return loop.io(pipe.sink(), events);
        }

        @Override
        void write(int bytes) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(bytes);
            while (b.hasRemaining()) {
                pipe.sink().write(b);
            }
        }

        @Override
        int drain() throws IOException {
            ByteBuffer b = ByteBuffer.allocate(4096);
            int total = 0;
            for (;;) {
                b.clear();
                int n = pipe.source().read(b);
                if (n < 0) {
                    return total == 0 ? -1 : total;
                }
                if (n == 0) {
                    return total;
                }
                total += n;
            }
        }

        @Override
        void closeWriter() throws IOException {
            pipe.sink().close();
        }

        @Override
        void closeReader() throws IOException {
            pipe.source().close();
        }

        @Override
        int readFd() {
            throw new UnsupportedOperationException();
        }
    }

    // ------------------------------------------------------------------ socket pairs

    /** A connected TCP pair over loopback: {@link #watch} watches the local end, the peer is plain NIO. */
    abstract static class TestSocketPair implements AutoCloseable {
        SocketChannel peer;

        /** A watcher on the local end (one descriptor or channel: several calls share it). */
        abstract IoWatcher watch(Loop loop, int events);

        void peerWrite(int bytes) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(bytes);
            while (b.hasRemaining()) {
                peer.write(b);
            }
        }

        abstract void closeLocal() throws IOException;

        @Override
        public void close() throws IOException {
            closeLocal();
            peer.close();
        }

        static TestSocketPair open(Backend backend) throws IOException {
            return backend.usesFileDescriptors() ? new FdSocketPair() : new NioSocketPair();
        }
    }

    static final class FdSocketPair extends TestSocketPair {
        final Socket local;

        FdSocketPair() throws IOException {
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                local = Socket.newSocketStream();
                local.connect(server.getLocalAddress()); // non-blocking: may be in progress
                peer = server.accept();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!local.finishConnect()) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("connect did not finish");
                    }
                    Thread.onSpinWait();
                }
            }
        }

        @Override
        IoWatcher watch(Loop loop, int events) {
            return loop.io(local.intValue(), events);
        }

        @Override
        void closeLocal() throws IOException {
            local.close();
        }
    }

    static final class NioSocketPair extends TestSocketPair {
        final SocketChannel local;

        NioSocketPair() throws IOException {
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                local = SocketChannel.open(server.getLocalAddress());
                peer = server.accept();
                local.configureBlocking(false);
            }
        }

        @Override
        IoWatcher watch(Loop loop, int events) {
            return loop.io(local, events);
        }

        @Override
        void closeLocal() throws IOException {
            local.close();
        }
    }
}
