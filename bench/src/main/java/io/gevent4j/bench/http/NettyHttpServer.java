package io.gevent4j.bench.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Baseline: a raw Netty 4.2 {@link HttpServerCodec} hello world on native epoll (or io_uring) with
 * {@code threads} event-loop threads (the usual tuned shape: responses written in
 * {@code channelRead}, flushed once in {@code channelReadComplete}, so pipelined requests are batched).
 * Arguments: {@code port [threads] [epoll|io_uring]}.
 */
public final class NettyHttpServer {
    private NettyHttpServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        boolean uring = args.length > 2 && args[2].equals("io_uring");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads,
                uring ? io.netty.channel.uring.IoUringIoHandler.newFactory() : EpollIoHandler.newFactory());
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(uring ? io.netty.channel.uring.IoUringServerSocketChannel.class : EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new Hello());
                        }
                    });
            var ch = b.bind("127.0.0.1", port).sync().channel();
            System.out.println("netty http on " + ch.localAddress() + ", threads=" + threads + (uring ? ", io_uring" : ", epoll"));
            ch.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    private static final class Hello extends SimpleChannelInboundHandler<HttpObject> {
        private static final ByteBuf BODY = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer().writeBytes("Hello, World!".getBytes(StandardCharsets.US_ASCII)));
        private static final CharSequence SERVER = io.netty.util.AsciiString.cached("netty");
        private static volatile long dateSecond;
        private static volatile CharSequence date;

        private static CharSequence date() {
            long s = System.currentTimeMillis() / 1000;
            if (s != dateSecond) {
                date = new io.netty.util.AsciiString(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(java.time.ZoneOffset.UTC)));
                dateSecond = s;
            }
            return date;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest req) {
                boolean keepAlive = HttpUtil.isKeepAlive(req);
                FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        BODY.duplicate(), false);
                resp.headers()
                        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                        .set(HttpHeaderNames.SERVER, SERVER)
                        .set(HttpHeaderNames.DATE, date())
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.readableBytes());
                if (keepAlive) {
                    ctx.write(resp);
                } else {
                    resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    ctx.write(resp).addListener(ChannelFutureListener.CLOSE);
                }
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
