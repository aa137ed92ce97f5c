package io.gevent4j.bench.ws;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.bench.BenchSupport;
import io.gevent4j.http.HttpClient;
import io.gevent4j.http.HttpServer;
import io.gevent4j.http.WebSocket;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * WebSocket echo: gevent4j's server (one hub thread, {@code receive}/{@code send} in a greenlet per
 * connection) against a raw Netty 4.2 server (one epoll event loop, {@code HttpServerCodec} +
 * {@code WebSocketServerProtocolHandler}, echoing each frame), same run, alternating rounds. The load
 * is a separate JVM: N connections of gevent4j's WebSocket client on one hub, each sending a 64-byte
 * text message and waiting for its echo, for the round's seconds. Prints messages/s and the server
 * JVM's CPU per message per round, then medians with spread and the ratio.
 *
 * <pre>
 * mvn -B -q -Pbench -pl bench -am verify -DskipTests -Dbench.main=io.gevent4j.bench.ws.WsEchoLoad -Dbench.args="5 64 5"
 * </pre>
 * Arguments: {@code [seconds per round=10] [connections=64] [rounds=5]}.
 */
public final class WsEchoLoad {
    private WsEchoLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("client")) {
            client(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int conns = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        HttpServer gevent = BenchSupport.startOnHubThread(HttpServer.create(any, (req, resp) -> {
            try (WebSocket ws = req.upgradeToWebSocket()) {
                for (WebSocket.Message m; (m = ws.receive()) != null; ) {
                    if (m.isText()) {
                        ws.send(m.text());
                    } else {
                        ws.send(m.data());
                    }
                }
            }
        }));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Channel netty = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096).childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler("/ws"), new Echo());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        String[] names = {"gevent4j", "netty"};
        String[] urls = {"ws://127.0.0.1:" + gevent.address().getPort() + "/ws",
                "ws://127.0.0.1:" + ((InetSocketAddress) netty.localAddress()).getPort() + "/ws"};
        List<List<Double>> rate = List.of(new ArrayList<>(), new ArrayList<>());
        List<List<Double>> cpu = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < 2; i++) {
            load(urls[i], conns, Math.max(2, seconds)); // warm-up
        }
        System.out.printf("%-5s %-9s %12s %16s%n", "round", "server", "msgs/s", "server CPU us/msg");
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int i = (r % 2 == 0) ? k : 1 - k;
                long cpu0 = BenchSupport.processCpuNanos();
                long msgs = load(urls[i], conns, seconds);
                long cpuNs = BenchSupport.processCpuNanos() - cpu0;
                double perMsg = cpuNs / 1e3 / msgs;
                rate.get(i).add((double) msgs / seconds);
                cpu.get(i).add(perMsg);
                System.out.printf(Locale.ROOT, "%-5d %-9s %12.0f %16.2f%n", r, names[i], (double) msgs / seconds, perMsg);
            }
        }
        System.out.println();
        for (int i = 0; i < 2; i++) {
            System.out.printf("%-9s msgs/s %s, server CPU us/msg %s%n", names[i], BenchSupport.spread(rate.get(i), "%.0f"),
                    BenchSupport.spread(cpu.get(i), "%.2f"));
        }
        System.out.printf(Locale.ROOT, "gevent4j/netty: throughput %.2f, CPU per message %.2f%n",
                BenchSupport.median(rate.get(0)) / BenchSupport.median(rate.get(1)),
                BenchSupport.median(cpu.get(0)) / BenchSupport.median(cpu.get(1)));
        gevent.stop();
        netty.close().sync();
        group.shutdownGracefully();
        System.exit(0);
    }

    /** Runs the client JVM; the echoed messages it counted. */
    private static long load(String url, int conns, int seconds) throws Exception {
        Process p = BenchSupport.childJvm(WsEchoLoad.class.getName(), "client", url, Integer.toString(conns),
                Integer.toString(seconds)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("client failed: " + out);
        }
        String[] lines = out.split("\n");
        return Long.parseLong(lines[lines.length - 1].trim());
    }

    private static void client(String url, int conns, int seconds) throws Exception {
        String msg = "x".repeat(64);
        LongAdder count = new LongAdder();
        try (HttpClient client = HttpClient.create()) {
            List<WebSocket> all = new ArrayList<>();
            for (int i = 0; i < conns; i++) {
                all.add(client.webSocket(url));
            }
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            List<Greenlet<Void>> gs = new ArrayList<>();
            for (WebSocket ws : all) {
                gs.add(Gevent.spawn(() -> {
                    while (System.nanoTime() < end) {
                        ws.send(msg);
                        if (ws.receive() == null) {
                            throw new IllegalStateException("closed by the server");
                        }
                        count.increment();
                    }
                    return null;
                }));
            }
            Gevent.joinall(gs);
            for (Greenlet<Void> g : gs) {
                g.get();
            }
            for (WebSocket ws : all) {
                ws.close();
            }
        }
        System.out.println(count.sum());
    }

    private static final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame t) {
                ctx.writeAndFlush(new TextWebSocketFrame(t.content().retain()));
            } else if (frame instanceof BinaryWebSocketFrame b) {
                ctx.writeAndFlush(new BinaryWebSocketFrame(b.content().retain()));
            }
        }
    }
}
