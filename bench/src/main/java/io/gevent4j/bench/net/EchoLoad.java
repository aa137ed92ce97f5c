package io.gevent4j.bench.net;

import io.gevent4j.bench.suite.EchoClient;

import io.gevent4j.net.StreamServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Echo load test: one load client (Netty epoll, one thread, closed loop: each connection sends
 * {@code size} bytes and sends again once they came back) against, in turn and on the same port,
 * <ul>
 *   <li>{@code netty}: a raw Netty 4.2 echo server on native epoll, one event-loop thread
 *       ({@code ctx.write} on read, {@code flush} on read-complete);</li>
 *   <li>{@code vthreads}: a virtual thread per connection on a blocking {@code java.net.ServerSocket}
 *       (run with {@code -Djdk.virtualThreadScheduler.parallelism=1} for one server thread);</li>
 *   <li>{@code gevent}: gevent4j's {@link StreamServer} on one hub; {@code gevent2}: on two hubs with
 *       {@code SO_REUSEPORT}.</li>
 * </ul>
 * Not a test: run it by hand (see the module README / the report that quotes it).
 *
 * <pre>
 * java -Djdk.virtualThreadScheduler.parallelism=1 --add-opens java.base/java.lang=ALL-UNNAMED \
 *      -cp ... io.gevent4j.bench.net.EchoLoad [seconds=10] [connections=64] [size=64] [servers=netty,vthreads,gevent,gevent2]
 * </pre>
 */
public final class EchoLoad {
    static final int PORT = 17_000;

    private EchoLoad() {
    }

    interface Server extends AutoCloseable {
        @Override
        void close() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int conns = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        String[] servers = (args.length > 3 ? args[3] : "netty,vthreads,gevent,gevent2").split(",");
        System.out.printf("echo load: %d connections, %d-byte ping-pong, %d s measured after 3 s warm-up, %d cores%n",
                conns, size, seconds, Runtime.getRuntime().availableProcessors());
        Map<String, Double> rates = new LinkedHashMap<>();
        for (String name : servers) {
            try (Server s = start(name)) {
                double[] r = load(conns, size, 3, seconds);
                rates.put(name, r[0]);
                System.out.printf("%-9s %,12.0f round trips/s   %6.2f us server-side CPU per round trip%n", name, r[0], r[1]);
            }
            Thread.sleep(500);
        }
        Double netty = rates.get("netty");
        if (netty != null) {
            rates.forEach((k, v) -> System.out.printf("%-9s %.2fx of netty's rate%n", k, v / netty));
        }
        System.exit(0);
    }

    static Server start(String name) throws Exception {
        InetSocketAddress addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), PORT);
        return switch (name) {
            case "netty" -> nettyServer(addr);
            case "vthreads" -> virtualThreadServer(addr);
            case "gevent" -> geventServer(addr, 1);
            case "gevent2" -> geventServer(addr, 2);
            default -> throw new IllegalArgumentException("unknown server " + name);
        };
    }

    // ------------------------------------------------------------------ servers

    static Server nettyServer(InetSocketAddress addr) throws InterruptedException {
        return nettyServer(addr, false);
    }

    /** The raw Netty echo server on one event-loop thread, epoll or io_uring. */
    static Server nettyServer(InetSocketAddress addr, boolean uring) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                uring ? io.netty.channel.uring.IoUringIoHandler.newFactory() : EpollIoHandler.newFactory());
        Channel ch = new ServerBootstrap().group(group)
                .channel(uring ? io.netty.channel.uring.IoUringServerSocketChannel.class : EpollServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ctx.write(msg);
                            }

                            @Override
                            public void channelReadComplete(ChannelHandlerContext ctx) {
                                ctx.flush();
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close(); // a client reset at the end of the run
                            }
                        });
                    }
                }).bind(addr).sync().channel();
        return () -> {
            ch.close().sync();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        };
    }

    static Server virtualThreadServer(InetSocketAddress addr) throws IOException {
        java.net.ServerSocket ss = new java.net.ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(addr, 1024);
        List<java.net.Socket> open = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread acceptor = Thread.ofVirtual().start(() -> {
            while (!ss.isClosed()) {
                try {
                    java.net.Socket c = ss.accept();
                    c.setTcpNoDelay(true);
                    open.add(c);
                    Thread.ofVirtual().start(() -> {
                        byte[] buf = new byte[4096];
                        try (c) {
                            var in = c.getInputStream();
                            var out = c.getOutputStream();
                            int n;
                            while ((n = in.read(buf)) > 0) {
                                out.write(buf, 0, n);
                            }
                        } catch (IOException ignored) {
                            // client gone
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return () -> {
            ss.close();
            synchronized (open) {
                for (java.net.Socket c : open) {
                    c.close();
                }
            }
            acceptor.join();
        };
    }

    static Server geventServer(InetSocketAddress addr, int hubs) throws Exception {
        CountDownLatch up = new CountDownLatch(1);
        StreamServer[] box = new StreamServer[1];
        StreamServer.Handler echo = (s, a) -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(4096);
            try {
                while (s.read(buf.clear()) > 0) {
                    s.write(buf.flip());
                }
            } catch (java.net.SocketException reset) {
                // the load client closed its connections
            }
        };
        Thread t = null;
        if (hubs == 1) {
            // One hub on its own thread, serving until stopped.
            t = new Thread(() -> {
                try {
                    box[0] = new StreamServer(addr, echo).start();
                    up.countDown();
                    box[0].serveForever();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, "gevent-hub");
            t.start();
            up.await();
        } else {
            box[0] = new StreamServer(addr, echo).hubs(hubs).start();
        }
        Thread hubThread = t;
        return () -> {
            box[0].stop(java.time.Duration.ofMillis(100));
            if (hubThread != null) {
                hubThread.join(5000);
            }
        };
    }

    // ------------------------------------------------------------------ load client

    /**
     * Closed-loop ping-pong over {@code conns} connections.
     *
     * @return round trips per second, and CPU microseconds per round trip spent by this process outside
     *         the load client's thread (the server, plus GC and JIT): a figure that, unlike the rate,
     *         holds up when other processes compete for the cores
     */
    static double[] load(int conns, int size, int warmupSeconds, int seconds) throws Exception {
        try (EchoClient client = new EchoClient(new InetSocketAddress(InetAddress.getLoopbackAddress(), PORT), conns,
                size)) {
            Thread clientThread = client.thread();
            var threads = java.lang.management.ManagementFactory.getThreadMXBean();
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            Thread.sleep(warmupSeconds * 1000L);
            long t0 = System.nanoTime();
            long c0 = client.trips();
            long p0 = os.getProcessCpuTime();
            long k0 = threads.getThreadCpuTime(clientThread.threadId());
            Thread.sleep(seconds * 1000L);
            long c1 = client.trips();
            long p1 = os.getProcessCpuTime();
            long k1 = threads.getThreadCpuTime(clientThread.threadId());
            long t1 = System.nanoTime();
            double n = c1 - c0;
            return new double[] {n / ((t1 - t0) / 1e9), ((p1 - p0) - (k1 - k0)) / 1e3 / n};
        }
    }
}
