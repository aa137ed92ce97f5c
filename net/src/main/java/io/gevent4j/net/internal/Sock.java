package io.gevent4j.net.internal;

import io.gevent4j.loop.IoWatcher;
import io.gevent4j.loop.Loop;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;

/**
 * One non-blocking OS socket, native ({@link NativeSock}: Netty's {@code io.netty.channel.unix.Socket}
 * watched by file descriptor) or NIO ({@link NioSock}: a {@code java.nio} channel in non-blocking mode).
 * Every operation returns at once: 0 (or null/false) means "would block", -1 means end of stream.
 * Not for application code: the public classes of {@code io.gevent4j.net} wrap it.
 */
public interface Sock {
    /** An I/O watcher for this socket on {@code loop}. */
    IoWatcher watcher(Loop loop, int events);

    /** Bytes read into {@code dst} (its position advances), 0 if none are ready, -1 on EOF. */
    int read(ByteBuffer dst) throws IOException;

    /** Bytes written from {@code src} (its position advances), 0 if the send buffer is full. */
    int write(ByteBuffer src) throws IOException;

    /** Bytes read into {@code dst}'s writable part (its writer index advances), 0 if none, -1 on EOF. */
    int read(ByteBuf dst) throws IOException;

    /** Bytes written from {@code src}'s readable part (its reader index advances). */
    int write(ByteBuf src) throws IOException;

    /**
     * Lets the kernel copy {@code file[position, position+count)} to this stream socket (sendfile(2))
     * without blocking on the socket.
     *
     * @return the bytes sent, 0 if the send buffer is full (or the file ends at {@code position}), or -1
     *         if this socket cannot send that file directly (the caller copies the bytes instead)
     */
    long sendFile(java.nio.channels.FileChannel file, long position, long count) throws IOException;

    /** Starts connecting; true if connected at once. */
    boolean connect(SocketAddress remote) throws IOException;

    /** True once the connection is established; throws if it failed. */
    boolean finishConnect() throws IOException;

    void bind(SocketAddress local) throws IOException;

    void listen(int backlog) throws IOException;

    /** An accepted connection, or null if none is waiting. */
    Sock accept() throws IOException;

    /** Receives one datagram into {@code dst}; null if none is waiting. */
    InetSocketAddress receive(ByteBuffer dst) throws IOException;

    /** Sends one datagram; false if the send buffer is full. */
    boolean send(ByteBuffer src, InetSocketAddress target) throws IOException;

    void shutdownInput() throws IOException;

    void shutdownOutput() throws IOException;

    InetSocketAddress localAddress();

    InetSocketAddress remoteAddress();

    <T> void setOption(SocketOption<T> name, T value) throws IOException;

    <T> T getOption(SocketOption<T> name) throws IOException;

    /** The file descriptor, or -1 on NIO. */
    int fd();

    void close() throws IOException;
}
