package io.gevent4j.subprocess;

import io.gevent4j.internal.Offload;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fallback where the hub cannot watch a pipe (the NIO and kqueue loops): the JDK's own blocking
 * stream of the {@link Process}, each read or write on a helper thread while the greenlet parks. The
 * helpers are unbounded (one per blocked pipe call, as the JDK would need) and exit when idle.
 *
 * <p>A read or write interrupted by a kill or timeout keeps running on its helper; its bytes are lost
 * to the caller, so the pipe refuses further use ({@link IOException}) rather than return data out of
 * order.
 */
final class ThreadPipe extends Pipe {
    private static final AtomicInteger THREADS = new AtomicInteger();
    static final ExecutorService HELPERS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "gevent4j-subprocess-io-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private final InputStream in;
    private final OutputStream out;
    private final String name;
    private volatile boolean broken;
    private volatile boolean closed;

    ThreadPipe(InputStream in, OutputStream out, String name) {
        this.in = in;
        this.out = out;
        this.name = name;
    }

    private void check() throws IOException {
        if (closed) {
            throw new IOException(name + " closed");
        }
        if (broken) {
            throw new IOException(name + " unusable: an earlier call on it was interrupted (kill or timeout) while "
                    + "its helper thread was still reading or writing");
        }
    }

    @Override
    int read(byte[] b, int off, int len) throws IOException {
        check();
        if (len == 0) {
            return 0;
        }
        byte[] tmp = new byte[Math.min(len, 64 * 1024)];
        int n;
        try {
            n = Offload.call(HELPERS, () -> in.read(tmp, 0, tmp.length), false, null);
        } catch (IOException e) {
            throw closed ? new IOException(name + " closed", e) : e;
        } catch (RuntimeException | Error e) {
            broken = true;
            throw e;
        }
        if (closed) {
            throw new IOException(name + " closed"); // the helper saw end of stream because we closed it
        }
        if (n > 0) {
            System.arraycopy(tmp, 0, b, off, n);
        }
        return n;
    }

    @Override
    void write(byte[] b, int off, int len) throws IOException {
        check();
        byte[] copy = java.util.Arrays.copyOfRange(b, off, off + len);
        try {
            Offload.call(HELPERS, () -> {
                out.write(copy);
                out.flush();
                return null;
            }, false, null);
        } catch (IOException e) {
            throw closed ? new IOException(name + " closed", e) : e;
        } catch (RuntimeException | Error e) {
            broken = true;
            throw e;
        }
    }

    @Override
    void close() {
        closed = true;
        try {
            if (in != null) {
                in.close();
            }
            if (out != null) {
                out.close();
            }
        } catch (IOException ignored) {
            // a broken pipe on the final flush: the child is gone
        }
    }

    @Override
    public String toString() {
        return name + "[thread-backed" + (closed ? ", closed]" : "]");
    }
}
