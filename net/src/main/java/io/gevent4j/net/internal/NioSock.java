package io.gevent4j.net.internal;

import io.gevent4j.loop.IoWatcher;
import io.gevent4j.loop.Loop;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A {@code java.nio} channel in non-blocking mode, watched by the hub's NIO selector. */
final class NioSock implements Sock {
    private final SelectableChannel ch;
    private ServerSocketChannel server;
    private SocketChannel stream;
    private DatagramChannel dgram;

    private NioSock(SelectableChannel ch) throws IOException {
        this.ch = ch;
        ch.configureBlocking(false);
        if (ch instanceof ServerSocketChannel s) {
            server = s;
        } else if (ch instanceof SocketChannel s) {
            stream = s;
        } else {
            dgram = (DatagramChannel) ch;
        }
    }

    private static StandardProtocolFamily family(boolean v6) {
        return v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }

    static NioSock stream(boolean v6) throws IOException {
        return new NioSock(SocketChannel.open(family(v6)));
    }

    static NioSock server(boolean v6) throws IOException {
        return new NioSock(ServerSocketChannel.open(family(v6)));
    }

    static NioSock dgram(boolean v6) throws IOException {
        return new NioSock(DatagramChannel.open(family(v6)));
    }

    static IOException translate(IOException e) {
        if (e instanceof ClosedChannelException) {
            SocketException x = new SocketException("Socket closed");
            x.initCause(e);
            return x;
        }
        String m = e.getMessage();
        if (m != null && m.startsWith("Connection reset")) {
            SocketException x = new SocketException("Connection reset by peer");
            x.initCause(e);
            return x;
        }
        if (m != null && m.startsWith("Broken pipe")) {
            SocketException x = new SocketException("Broken pipe (the peer closed the connection)");
            x.initCause(e);
            return x;
        }
        return e;
    }

    @Override
    public IoWatcher watcher(Loop loop, int events) {
        return loop.io(ch, events);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        try {
            return stream.read(dst);
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        try {
            return stream.write(src);
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public int read(ByteBuf dst) throws IOException {
        if (dst.writableBytes() == 0) {
            return 0;
        }
        try {
            return dst.writeBytes(stream, dst.writableBytes());
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public int write(ByteBuf src) throws IOException {
        try {
            return src.readBytes(stream, src.readableBytes());
        } catch (IOException e) {
            throw translate(e);
        }
    }

    /** {@link java.nio.channels.FileChannel#transferTo} to the non-blocking channel: sendfile(2) where the JDK can. */
    @Override
    public long sendFile(java.nio.channels.FileChannel file, long position, long count) throws IOException {
        try {
            return file.transferTo(position, count, stream);
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public boolean connect(SocketAddress remote) throws IOException {
        try {
            return stream.connect(remote);
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public boolean finishConnect() throws IOException {
        try {
            return stream.finishConnect();
        } catch (IOException e) {
            throw translate(e);
        }
    }

    private SocketAddress pendingBind;

    @Override
    public void bind(SocketAddress local) throws IOException {
        if (server != null) {
            pendingBind = local; // bound with the backlog in listen()
        } else {
            ((NetworkChannel) ch).bind(local);
        }
    }

    @Override
    public void listen(int backlog) throws IOException {
        server.bind(pendingBind, backlog);
    }

    @Override
    public Sock accept() throws IOException {
        SocketChannel c = server.accept();
        return c == null ? null : new NioSock(c);
    }

    @Override
    public InetSocketAddress receive(ByteBuffer dst) throws IOException {
        return (InetSocketAddress) dgram.receive(dst);
    }

    @Override
    public boolean send(ByteBuffer src, InetSocketAddress target) throws IOException {
        return dgram.send(src, target) > 0 || !src.hasRemaining();
    }

    @Override
    public void shutdownInput() throws IOException {
        stream.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        stream.shutdownOutput();
    }

    @Override
    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) ((NetworkChannel) ch).getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public InetSocketAddress remoteAddress() {
        try {
            if (stream != null) {
                return (InetSocketAddress) stream.getRemoteAddress();
            }
            return dgram != null ? (InetSocketAddress) dgram.getRemoteAddress() : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public <T> void setOption(SocketOption<T> name, T value) throws IOException {
        ((NetworkChannel) ch).setOption(name, value);
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return ((NetworkChannel) ch).getOption(name);
    }

    @Override
    public int fd() {
        return -1;
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }

    @Override
    public String toString() {
        return ch.toString();
    }
}
