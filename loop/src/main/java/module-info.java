/**
 * The event loop: {@link io.gevent4j.loop.Loop} and its watchers over Netty's epoll, kqueue and NIO
 * {@code IoHandler}s.
 *
 * <p>Netty's epoll and kqueue classes are optional ({@code requires static}): only the backend in use
 * is loaded. On the module path Netty's native jars are resolved only when asked for, e.g. with
 * {@code --add-modules ALL-MODULE-PATH}; without them the loop falls back to NIO and logs why.
 */
module io.gevent4j.loop {
    requires transitive io.netty.transport;
    requires io.netty.common;
    requires static io.netty.transport.classes.epoll;
    requires static io.netty.transport.classes.kqueue;
    requires static io.netty.transport.classes.io_uring;
    requires io.netty.transport.unix.common;
    requires org.slf4j;
    requires jdk.jfr; // LoopIterationEvent

    exports io.gevent4j.loop;
    exports io.gevent4j.loop.sim;
    exports io.gevent4j.loop.internal to io.gevent4j.hub, io.gevent4j.net, io.gevent4j.http, io.gevent4j.monkey;
    // internal.Diagnostics asks whether an SLF4J provider is bound
    uses org.slf4j.spi.SLF4JServiceProvider;
}
