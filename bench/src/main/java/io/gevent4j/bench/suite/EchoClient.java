package io.gevent4j.bench.suite;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The echo load: one Netty epoll thread, a closed loop over {@code conns} connections (each sends
 * {@code size} bytes and sends again once they came back), counting round trips until closed.
 */
public final class EchoClient implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final LongAdder trips = new LongAdder();
    private final List<Channel> channels = new ArrayList<>();

    EchoClient(int port, int conns, int size) throws InterruptedException {
        this(new InetSocketAddress("127.0.0.1", port), conns, size);
    }

    /** Connects {@code conns} connections to {@code addr}, each sending {@code size} bytes in a closed loop. */
    public EchoClient(InetSocketAddress addr, int conns, int size) throws InterruptedException {
        Bootstrap b = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            int got;

                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                send(ctx);
                            }

                            private void send(ChannelHandlerContext ctx) {
                                ByteBuf m = ctx.alloc().directBuffer(size);
                                m.writeZero(size);
                                ctx.writeAndFlush(m);
                            }

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf in = (ByteBuf) msg;
                                got += in.readableBytes();
                                in.release();
                                while (got >= size) {
                                    got -= size;
                                    trips.increment();
                                    send(ctx);
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                });
        try {
            for (int i = 0; i < conns; i++) {
                channels.add(b.connect(addr).sync().channel());
            }
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
    }

    /** Round trips completed so far. */
    public long trips() {
        return trips.sum();
    }

    /** The client's one event-loop thread (to leave its CPU time out of a server's). */
    public Thread thread() throws InterruptedException {
        Thread[] t = new Thread[1];
        group.next().submit(() -> t[0] = Thread.currentThread()).sync();
        return t[0];
    }

    @Override
    public void close() throws InterruptedException {
        for (Channel c : channels) {
            c.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
