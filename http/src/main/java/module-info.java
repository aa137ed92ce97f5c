/**
 * An HTTP/1.1 server with synchronous handlers and a cooperative client, on
 * {@link io.gevent4j.net.StreamServer}.
 *
 * <p>{@link io.gevent4j.http.JdkHttpServerProvider} serves code written against the JDK's
 * {@code com.sun.net.httpserver} API; it is opt-in (the JDK's system property
 * {@code com.sun.net.httpserver.HttpServerProvider}), never a side effect of this module.
 */
module io.gevent4j.http {
    requires transitive io.gevent4j.net;
    requires transitive jdk.httpserver;
    requires org.slf4j;

    exports io.gevent4j.http;
}
