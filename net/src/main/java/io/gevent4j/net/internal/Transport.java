package io.gevent4j.net.internal;

import io.gevent4j.loop.Backend;
import io.gevent4j.loop.Loop;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Creates the {@link Sock}s that suit a loop's backend (simulated ones on {@link Backend#SIM}). */
public final class Transport {
    private Transport() {
    }

    /** True when {@code loop} watches file descriptors: sockets are Netty native sockets. */
    public static boolean isNative(Loop loop) {
        return loop.backend() != Backend.NIO;
    }

    /** A non-blocking TCP socket of the family of {@code addr} (IPv4 when null). */
    public static Sock stream(Loop loop, InetAddress addr) throws IOException {
        if (loop.sim() != null) {
            return SimSock.stream(loop.sim());
        }
        boolean v6 = addr instanceof Inet6Address;
        return isNative(loop) ? withScratch(NativeSock.stream(v6), loop) : NioSock.stream(v6);
    }

    private static NativeSock withScratch(NativeSock s, Loop loop) {
        s.scratchOf(loop);
        return s;
    }

    /** A non-blocking TCP listening socket bound to {@code local}. */
    public static Sock server(Loop loop, InetSocketAddress local, int backlog, boolean reuseAddress,
                              boolean reusePort) throws IOException {
        boolean v6 = local.getAddress() instanceof Inet6Address;
        Sock s = loop.sim() != null ? SimSock.stream(loop.sim())
                : isNative(loop) ? withScratch(NativeSock.stream(v6), loop) : NioSock.server(v6);
        try {
            s.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, reuseAddress);
            if (reusePort) {
                s.setOption(java.net.StandardSocketOptions.SO_REUSEPORT, true);
            }
            s.bind(local);
            s.listen(backlog);
            return s;
        } catch (Throwable e) { // also a kill or timeout: never leak the descriptor
            s.close();
            throw e;
        }
    }

    /**
     * The exception for a failed completion-based operation: {@code negErrno} is the negated
     * {@code errno} the kernel reported; resets and broken pipes read as {@code java.net} users know them.
     */
    public static IOException ioError(String op, int negErrno) {
        return NativeSock.translate(io.netty.channel.unix.Errors.newIOException(op, negErrno));
    }

    /** A non-blocking UDP socket of the family of {@code addr}. */
    public static Sock datagram(Loop loop, InetAddress addr) throws IOException {
        if (loop.sim() != null) {
            throw new UnsupportedOperationException("UDP is not simulated: datagram sockets need a real kernel");
        }
        boolean v6 = addr instanceof Inet6Address;
        return isNative(loop) ? withScratch(NativeSock.dgram(v6), loop) : NioSock.dgram(v6);
    }
}
