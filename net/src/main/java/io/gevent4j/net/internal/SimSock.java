package io.gevent4j.net.internal;

import io.gevent4j.loop.IoWatcher;
import io.gevent4j.loop.Loop;
import io.gevent4j.loop.sim.SimKernel;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.ByteBuffer;

/**
 * A TCP socket of a {@link SimKernel} (the {@link io.gevent4j.loop.Backend#SIM} loop's kernel): a
 * simulated file descriptor, watched by the loop like a native one. Datagrams are not simulated.
 */
final class SimSock implements Sock {
    private final SimKernel kernel;
    private final int fd;
    /** Closed: the number may name another socket already, never touch it again (Netty's FileDescriptor does the same). */
    private boolean closed;

    private SimSock(SimKernel kernel, int fd) {
        this.kernel = kernel;
        this.fd = fd;
    }

    static SimSock stream(SimKernel kernel) {
        return new SimSock(kernel, kernel.socket());
    }

    private int openFd() throws SocketException {
        if (closed) {
            throw new SocketException("Socket closed");
        }
        return fd;
    }

    @Override
    public IoWatcher watcher(Loop loop, int events) {
        return loop.io(fd, events);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return kernel.read(openFd(), dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return kernel.write(openFd(), src);
    }

    /** No zero copy in the simulation: a piece of the file is read and written like any data. */
    @Override
    public long sendFile(java.nio.channels.FileChannel file, long position, long count) throws IOException {
        ByteBuffer tmp = ByteBuffer.allocate((int) Math.min(count, 64 * 1024));
        int r = file.read(tmp, position);
        if (r <= 0) {
            return 0;
        }
        return kernel.write(openFd(), tmp.flip());
    }

    @Override
    public int read(ByteBuf dst) throws IOException {
        int len = dst.writableBytes();
        if (len == 0) {
            return 0;
        }
        ByteBuffer tmp = ByteBuffer.allocate(len);
        int n = kernel.read(openFd(), tmp);
        if (n > 0) {
            dst.writeBytes(tmp.flip());
        }
        return n;
    }

    @Override
    public int write(ByteBuf src) throws IOException {
        int len = src.readableBytes();
        if (len == 0) {
            return 0;
        }
        ByteBuffer tmp = ByteBuffer.allocate(len);
        src.getBytes(src.readerIndex(), tmp);
        int n = kernel.write(openFd(), tmp.flip());
        if (n > 0) {
            src.skipBytes(n);
        }
        return n;
    }

    @Override
    public boolean connect(SocketAddress remote) throws IOException {
        return kernel.connect(openFd(), (InetSocketAddress) remote);
    }

    @Override
    public boolean finishConnect() throws IOException {
        return kernel.finishConnect(openFd());
    }

    @Override
    public void bind(SocketAddress local) throws IOException {
        kernel.bind(openFd(), (InetSocketAddress) local);
    }

    @Override
    public void listen(int backlog) throws IOException {
        kernel.listen(openFd(), backlog);
    }

    @Override
    public Sock accept() throws IOException {
        int nfd = kernel.accept(openFd());
        return nfd < 0 ? null : new SimSock(kernel, nfd);
    }

    @Override
    public InetSocketAddress receive(ByteBuffer dst) {
        throw new UnsupportedOperationException("datagrams are not simulated");
    }

    @Override
    public boolean send(ByteBuffer src, InetSocketAddress target) {
        throw new UnsupportedOperationException("datagrams are not simulated");
    }

    @Override
    public void shutdownInput() throws IOException {
        kernel.shutdownInput(openFd());
    }

    @Override
    public void shutdownOutput() throws IOException {
        kernel.shutdownOutput(openFd());
    }

    @Override
    public InetSocketAddress localAddress() {
        return closed ? null : kernel.localAddress(fd);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return closed ? null : kernel.remoteAddress(fd);
    }

    @Override
    public <T> void setOption(SocketOption<T> name, T value) throws IOException {
        kernel.setOption(openFd(), name, value);
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return kernel.getOption(openFd(), name);
    }

    @Override
    public int fd() {
        return fd;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            kernel.close(fd);
        }
    }

    @Override
    public String toString() {
        return "sim fd " + fd;
    }
}
