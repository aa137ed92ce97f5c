package io.gevent4j.net.internal;

import io.gevent4j.loop.IoWatcher;
import io.gevent4j.loop.Loop;
import io.gevent4j.loop.internal.Carrier;
import io.netty.buffer.ByteBuf;
import io.netty.channel.unix.DatagramSocketAddress;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.Socket;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A socket made with Netty's JNI ({@code netty-transport-native-unix-common}): created non-blocking,
 * watched by the hub's epoll/kqueue through its file descriptor.
 */
final class NativeSock implements Sock {
    /**
     * Heap buffers go through a direct scratch buffer shared by the sockets of one loop: a loop runs one
     * operation at a time, whichever of its hub's threads runs it. Looked up once per socket (accepted
     * sockets take their listener's), not once per read.
     */
    private static final int SCRATCH = 64 * 1024;
    private static final Map<Object, ByteBuffer> SCRATCHES = new WeakHashMap<>();
    private ByteBuffer scratch;

    private final Socket socket;
    private final int fd;
    /** accept(2)'s peer address scratch of a listening socket. */
    private byte[] acceptAddress;

    private NativeSock(Socket socket) {
        this.socket = socket;
        this.fd = socket.intValue();
    }

    /** Opens the family-specific socket through Netty's protected factories. */
    private static final class Factory extends Socket {
        private Factory() {
            super(-1);
        }

        static int stream(boolean v6) {
            return newSocketStream0(v6);
        }

        static int dgram(boolean v6) {
            return newSocketDgram0(v6);
        }
    }

    /*
     * Made only for a loop on epoll or kqueue (Transport): that backend has loaded Netty's JNI library,
     * which registers the unix-common natives used here. No backend class is named in this file, so
     * a class path with only one system's Netty jars works.
     */
    static NativeSock stream(boolean v6) throws IOException {
        try {
            return new NativeSock(new Socket(Factory.stream(v6)));
        } catch (io.netty.channel.ChannelException e) {
            throw new SocketException("cannot create a socket: " + e.getMessage());
        }
    }

    static NativeSock dgram(boolean v6) throws IOException {
        try {
            return new NativeSock(new Socket(Factory.dgram(v6)));
        } catch (io.netty.channel.ChannelException e) {
            throw new SocketException("cannot create a socket: " + e.getMessage());
        }
    }

    /** Shares {@code owner}'s scratch buffer (the loop the socket belongs to). */
    void scratchOf(Object owner) {
        synchronized (SCRATCHES) {
            scratch = SCRATCHES.computeIfAbsent(owner, k -> ByteBuffer.allocateDirect(SCRATCH));
        }
    }

    private ByteBuffer scratch() {
        ByteBuffer b = scratch;
        if (b == null) {
            Thread t = Carrier.current(); // a socket made without a loop: one buffer per platform thread
            synchronized (SCRATCHES) {
                b = SCRATCHES.computeIfAbsent(t, k -> ByteBuffer.allocateDirect(SCRATCH));
            }
        }
        return b.clear();
    }

    /** Netty's errno exceptions turned into the ones JDK socket users know. */
    static IOException translate(IOException e) {
        if (e instanceof Errors.NativeIoException n) {
            int err = n.expectedErr();
            if (err == Errors.ERRNO_ECONNRESET_NEGATIVE) {
                return withCause(new SocketException("Connection reset by peer"), e);
            }
            if (err == Errors.ERRNO_EPIPE_NEGATIVE) {
                return withCause(new SocketException("Broken pipe (the peer closed the connection)"), e);
            }
            if (err == Errors.ERROR_ECONNREFUSED_NEGATIVE) {
                return withCause(new ConnectException("Connection refused"), e);
            }
        }
        if (e instanceof ClosedChannelException) {
            return withCause(new SocketException("Socket closed"), e);
        }
        return e;
    }

    private static IOException withCause(IOException x, Throwable cause) {
        x.initCause(cause);
        return x;
    }

    @Override
    public IoWatcher watcher(Loop loop, int events) {
        return loop.io(fd, events);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int pos = dst.position();
        int lim = dst.limit();
        if (pos == lim) {
            return 0;
        }
        try {
            if (dst.isDirect()) {
                int n = socket.read(dst, pos, lim);
                if (n > 0) {
                    dst.position(pos + n);
                }
                return n;
            }
            ByteBuffer s = scratch();
            int n = socket.read(s, 0, Math.min(lim - pos, s.capacity()));
            if (n > 0) {
                dst.put(s.limit(n));
            }
            return n;
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int pos = src.position();
        int lim = src.limit();
        if (pos == lim) {
            return 0;
        }
        try {
            if (src.isDirect()) {
                int n = socket.send(src, pos, lim);
                if (n > 0) {
                    src.position(pos + n);
                }
                return n;
            }
            ByteBuffer s = scratch();
            int len = Math.min(lim - pos, s.capacity());
            s.put(0, src, pos, len);
            int n = socket.send(s, 0, len);
            if (n > 0) {
                src.position(pos + n);
            }
            return n;
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public int read(ByteBuf dst) throws IOException {
        int wi = dst.writerIndex();
        int len = dst.writableBytes();
        if (len == 0) {
            return 0;
        }
        try {
            int n;
            if (dst.hasMemoryAddress()) {
                n = socket.recvAddress(dst.memoryAddress(), wi, wi + len);
            } else if (dst.nioBufferCount() == 1 && dst.isDirect()) {
                ByteBuffer nb = dst.internalNioBuffer(wi, len);
                n = socket.read(nb, nb.position(), nb.limit());
            } else {
                ByteBuffer s = scratch();
                n = socket.read(s, 0, Math.min(len, s.capacity()));
                if (n > 0) {
                    dst.setBytes(wi, s.limit(n));
                }
            }
            if (n > 0) {
                dst.writerIndex(wi + n);
            }
            return n;
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public int write(ByteBuf src) throws IOException {
        int ri = src.readerIndex();
        int len = src.readableBytes();
        if (len == 0) {
            return 0;
        }
        try {
            int n;
            if (src.hasMemoryAddress()) {
                n = socket.sendAddress(src.memoryAddress(), ri, ri + len);
            } else if (src.nioBufferCount() == 1 && src.isDirect()) {
                ByteBuffer nb = src.internalNioBuffer(ri, len);
                n = socket.send(nb, nb.position(), nb.limit());
            } else {
                ByteBuffer s = scratch();
                int l = Math.min(len, s.capacity());
                src.getBytes(ri, s.limit(l));
                n = socket.send(s, 0, l);
            }
            if (n > 0) {
                src.readerIndex(ri + n);
            }
            return n;
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public long sendFile(java.nio.channels.FileChannel file, long position, long count) throws IOException {
        try {
            return LinuxSendFile.send(fd, file, position, count);
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public boolean connect(SocketAddress remote) throws IOException {
        try {
            return socket.connect(remote);
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public boolean finishConnect() throws IOException {
        try {
            return socket.finishConnect();
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public void bind(SocketAddress local) throws IOException {
        socket.bind(local);
    }

    @Override
    public void listen(int backlog) throws IOException {
        socket.listen(backlog);
    }

    @Override
    public Sock accept() throws IOException {
        byte[] addr = acceptAddress;
        if (addr == null) {
            addr = acceptAddress = new byte[26];
        }
        int nfd;
        try {
            nfd = socket.accept(addr);
        } catch (IOException e) {
            throw translate(e);
        }
        if (nfd < 0) {
            return null;
        }
        NativeSock c = new NativeSock(new Socket(nfd));
        c.scratch = scratch;
        return c;
    }

    @Override
    public InetSocketAddress receive(ByteBuffer dst) throws IOException {
        int pos = dst.position();
        int lim = dst.limit();
        try {
            DatagramSocketAddress a;
            if (dst.isDirect()) {
                a = socket.recvFrom(dst, pos, lim);
                if (a != null) {
                    dst.position(pos + a.receivedAmount());
                }
            } else {
                ByteBuffer s = scratch();
                a = socket.recvFrom(s, 0, Math.min(lim - pos, s.capacity()));
                if (a != null) {
                    dst.put(s.limit(a.receivedAmount()));
                }
            }
            return a == null ? null : new InetSocketAddress(a.getAddress(), a.getPort());
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public boolean send(ByteBuffer src, InetSocketAddress target) throws IOException {
        int pos = src.position();
        int lim = src.limit();
        ByteBuffer b = src;
        int p = pos;
        int l = lim;
        if (!src.isDirect()) {
            b = scratch();
            if (lim - pos > b.capacity()) {
                b = ByteBuffer.allocateDirect(lim - pos);
            }
            b.put(0, src, pos, lim - pos);
            p = 0;
            l = lim - pos;
        }
        int n = socket.sendTo(b, p, l, target.getAddress(), target.getPort());
        if (n <= 0 && l > p) {
            return false;
        }
        src.position(lim);
        return true;
    }

    @Override
    public void shutdownInput() throws IOException {
        socket.shutdown(true, false);
    }

    @Override
    public void shutdownOutput() throws IOException {
        socket.shutdown(false, true);
    }

    @Override
    public InetSocketAddress localAddress() {
        return socket.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return socket.remoteAddress();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> void setOption(SocketOption<T> name, T value) throws IOException {
        if (name == StandardSocketOptions.TCP_NODELAY) {
            socket.setTcpNoDelay((Boolean) value);
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            socket.setReuseAddress((Boolean) value);
        } else if (name == StandardSocketOptions.SO_REUSEPORT) {
            socket.setReusePort((Boolean) value);
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            socket.setKeepAlive((Boolean) value);
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            socket.setReceiveBufferSize((Integer) value);
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            socket.setSendBufferSize((Integer) value);
        } else if (name == StandardSocketOptions.SO_LINGER) {
            socket.setSoLinger((Integer) value);
        } else if (name == StandardSocketOptions.SO_BROADCAST) {
            socket.setBroadcast((Boolean) value);
        } else if (name == StandardSocketOptions.IP_TOS) {
            socket.setTrafficClass((Integer) value);
        } else {
            throw new UnsupportedOperationException("socket option " + name);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(SocketOption<T> name) throws IOException {
        Object v;
        if (name == StandardSocketOptions.TCP_NODELAY) {
            v = socket.isTcpNoDelay();
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            v = socket.isReuseAddress();
        } else if (name == StandardSocketOptions.SO_REUSEPORT) {
            v = socket.isReusePort();
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            v = socket.isKeepAlive();
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            v = socket.getReceiveBufferSize();
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            v = socket.getSendBufferSize();
        } else if (name == StandardSocketOptions.SO_LINGER) {
            v = socket.getSoLinger();
        } else if (name == StandardSocketOptions.SO_BROADCAST) {
            v = socket.isBroadcast();
        } else if (name == StandardSocketOptions.IP_TOS) {
            v = socket.getTrafficClass();
        } else {
            throw new UnsupportedOperationException("socket option " + name);
        }
        return (T) v;
    }

    @Override
    public int fd() {
        return fd;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    @Override
    public String toString() {
        return "fd " + fd;
    }
}
