package io.gevent4j.bench.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One echo server of {@link EchoLoad} in a process of its own, for bench/run-all.sh (which measures its
 * CPU from /proc). Arguments: {@code kind port}, kind one of {@code netty} (epoll), {@code netty-io_uring},
 * {@code vthreads}, {@code gevent} (one hub; the loop backend from {@code -Dgevent4j.loop}), {@code gevent2}
 * (two hubs). Runs until killed.
 */
public final class EchoServer {
    private EchoServer() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        InetSocketAddress addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[1]));
        EchoLoad.Server s = switch (kind) {
            case "netty" -> EchoLoad.nettyServer(addr, false);
            case "netty-io_uring" -> EchoLoad.nettyServer(addr, true);
            case "vthreads" -> EchoLoad.virtualThreadServer(addr);
            case "gevent" -> EchoLoad.geventServer(addr, 1);
            case "gevent2" -> EchoLoad.geventServer(addr, 2);
            default -> throw new IllegalArgumentException("unknown echo server " + kind);
        };
        System.out.println(kind + " echo on " + addr);
        Thread.currentThread().join(); // until killed
        s.close();
    }
}
