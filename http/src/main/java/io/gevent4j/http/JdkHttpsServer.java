package io.gevent4j.http;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * {@link HttpsServer} on a gevent4j {@link HttpServer#https HTTPS server}: everything is
 * {@link JdkHttpServer}'s; the {@link HttpsConfigurator} gives the {@code SSLContext} and configures
 * each connection's engine, and exchanges are {@link com.sun.net.httpserver.HttpsExchange}s.
 */
final class JdkHttpsServer extends HttpsServer {
    private final JdkHttpServer core = new JdkHttpServer(this);

    @Override
    public void setHttpsConfigurator(HttpsConfigurator config) {
        core.setHttpsConfigurator(config);
    }

    @Override
    public HttpsConfigurator getHttpsConfigurator() {
        return core.getHttpsConfigurator();
    }

    @Override
    public void bind(InetSocketAddress addr, int backlog) throws IOException {
        core.bind(addr, backlog);
    }

    @Override
    public void start() {
        core.start();
    }

    @Override
    public void setExecutor(Executor executor) {
        core.setExecutor(executor);
    }

    @Override
    public Executor getExecutor() {
        return core.getExecutor();
    }

    @Override
    public void stop(int delay) {
        core.stop(delay);
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        return core.createContext(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return core.createContext(path);
    }

    @Override
    public void removeContext(String path) {
        core.removeContext(path);
    }

    @Override
    public void removeContext(HttpContext context) {
        core.removeContext(context);
    }

    @Override
    public InetSocketAddress getAddress() {
        return core.getAddress();
    }
}
