package io.gevent4j.http;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Runs code written against the JDK's {@code com.sun.net.httpserver} API on gevent4j: a server whose
 * handlers run in greenlets of a gevent4j hub, unchanged.
 *
 * <p>Opt-in, never a side effect of having gevent4j on the class path: either for the whole JVM with
 * the JDK's own switch,
 * {@code -Dcom.sun.net.httpserver.HttpServerProvider=io.gevent4j.http.JdkHttpServerProvider}
 * (then {@code com.sun.net.httpserver.HttpServer.create(...)} returns our server), or for one server
 * with {@code new JdkHttpServerProvider().createHttpServer(address, 0)}.
 *
 * <p>Differences from the JDK's server: {@code start()} runs the server on a new platform thread
 * with its own hub (handlers are greenlets there; {@code setExecutor} is accepted and ignored);
 * parsing is the strict one of {@link io.gevent4j.http.HttpServer}. {@code HttpsServer.create(...)}
 * serves TLS through {@link io.gevent4j.http.HttpServer#https}: its {@code HttpsConfigurator} must be set
 * before {@code start()}, gives the {@code SSLContext} and is asked to configure each connection
 * (its {@code SSLParameters} are applied, ALPN {@code http/1.1} added unless they name protocols);
 * exchanges are {@code HttpsExchange}s with the connection's {@code SSLSession}.
 */
public final class JdkHttpServerProvider extends HttpServerProvider {
    /** Public no-argument constructor, as the JDK's system property switch requires. */
    public JdkHttpServerProvider() {
    }

    @Override
    public HttpServer createHttpServer(InetSocketAddress addr, int backlog) throws IOException {
        JdkHttpServer s = new JdkHttpServer();
        if (addr != null) {
            s.bind(addr, backlog);
        }
        return s;
    }

    @Override
    public HttpsServer createHttpsServer(InetSocketAddress addr, int backlog) throws IOException {
        JdkHttpsServer s = new JdkHttpsServer();
        if (addr != null) {
            s.bind(addr, backlog);
        }
        return s;
    }
}
