/**
 * Cooperative networking on the hub's own loop: {@link io.gevent4j.net.Socket},
 * {@link io.gevent4j.net.ServerSocket}, {@link io.gevent4j.net.StreamServer}, UDP, TLS and DNS.
 */
module io.gevent4j.net {
    requires transitive io.gevent4j.hub;
    requires transitive io.netty.buffer;
    requires io.netty.transport.unix.common;
    requires static io.netty.transport.classes.epoll; // zero-copy sendfile(2) where epoll is in use
    requires static io.netty.transport.classes.io_uring; // completion-based sockets (UringStream)
    requires org.slf4j;

    exports io.gevent4j.net;
}
