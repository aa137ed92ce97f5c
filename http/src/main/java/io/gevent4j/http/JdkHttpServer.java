package io.gevent4j.http;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import io.gevent4j.hub.Hub;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * {@link com.sun.net.httpserver.HttpServer} on a gevent4j {@link HttpServer} and its own hub thread.
 * For HTTPS the same server sits behind {@link JdkHttpsServer}, which passes itself as the facade
 * contexts report and its {@link HttpsConfigurator}.
 */
final class JdkHttpServer extends com.sun.net.httpserver.HttpServer {
    private final List<Context> contexts = new CopyOnWriteArrayList<>();
    private final com.sun.net.httpserver.HttpServer facade;
    private final boolean secure;
    private volatile HttpsConfigurator configurator;
    private InetSocketAddress address;
    private int backlog;
    private Executor executor;
    private volatile HttpServer server;
    private Thread thread;

    JdkHttpServer() {
        this.facade = this;
        this.secure = false;
    }

    /** The HTTPS server behind {@code facade}. */
    JdkHttpServer(JdkHttpsServer facade) {
        this.facade = facade;
        this.secure = true;
    }

    void setHttpsConfigurator(HttpsConfigurator c) {
        this.configurator = Objects.requireNonNull(c, "null HttpsConfigurator");
    }

    HttpsConfigurator getHttpsConfigurator() {
        return configurator;
    }

    @Override
    public synchronized void bind(InetSocketAddress addr, int backlog) throws IOException {
        if (address != null) {
            throw new BindException("already bound");
        }
        this.address = Objects.requireNonNull(addr, "addr");
        this.backlog = backlog;
    }

    @Override
    public synchronized void start() {
        if (address == null) {
            throw new IllegalStateException("server not bound");
        }
        if (thread != null) {
            throw new IllegalStateException("server already started");
        }
        // The JDK's server binds in bind(); ours binds here, on the hub thread that will own the
        // listening socket: until then getAddress() returns the requested address.
        if (secure) {
            HttpsConfigurator c = configurator;
            if (c == null) {
                throw new IllegalStateException("HttpsConfigurator not set");
            }
            server = HttpServer.https(address, c.getSSLContext(), this::dispatch)
                    .sslEngineConfigurer(engine -> configure(c, engine));
        } else {
            server = HttpServer.create(address, this::dispatch);
        }
        if (backlog > 0) {
            server.backlog(backlog);
        }
        CompletableFuture<InetSocketAddress> started = new CompletableFuture<>();
        HttpServer s = server;
        thread = new Thread(() -> {
            Hub hub = Hub.current();
            try {
                s.start();
                started.complete(s.address());
                s.serveForever();
            } catch (Throwable e) {
                started.completeExceptionally(e);
            } finally {
                hub.destroy();
            }
        }, "gevent4j-jdk-httpserver");
        thread.start();
        try {
            address = started.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("server failed to start", e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e);
        }
    }

    @Override
    public void setExecutor(Executor executor) {
        this.executor = executor; // handlers run in greenlets; kept for getExecutor() only
    }

    @Override
    public Executor getExecutor() {
        return executor;
    }

    @Override
    public void stop(int delay) {
        if (delay < 0) {
            throw new IllegalArgumentException("negative delay");
        }
        HttpServer s = server;
        if (s == null || thread == null) {
            return;
        }
        s.stop(Duration.ofSeconds(delay));
        try {
            thread.join(TimeUnit.SECONDS.toMillis(delay + 10L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public HttpContext createContext(String path, com.sun.net.httpserver.HttpHandler handler) {
        Context c = createContext(path);
        c.setHandler(handler);
        return c;
    }

    @Override
    public Context createContext(String path) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("context path must start with /: " + path);
        }
        synchronized (contexts) {
            for (Context c : contexts) {
                if (c.path.equals(path)) {
                    throw new IllegalArgumentException("cannot add context to list");
                }
            }
            Context c = new Context(path);
            contexts.add(c);
            return c;
        }
    }

    @Override
    public void removeContext(String path) {
        if (!contexts.removeIf(c -> c.path.equals(path))) {
            throw new IllegalArgumentException("cannot remove element from list");
        }
    }

    @Override
    public void removeContext(HttpContext context) {
        if (!contexts.remove(context)) {
            throw new IllegalArgumentException("cannot remove element from list");
        }
    }

    @Override
    public InetSocketAddress getAddress() {
        HttpServer s = server;
        return thread != null && s != null ? s.address() : address;
    }

    // ------------------------------------------------------------------ dispatch

    private void dispatch(Request req, Response resp) throws IOException {
        String path = req.rawPath();
        Context best = null;
        for (Context c : contexts) {
            if (path.startsWith(c.path) && (best == null || c.path.length() > best.path.length())) {
                best = c;
            }
        }
        if (best == null || best.handler == null) {
            resp.send(404, "<h1>404 Not Found</h1>No context found for request");
            return;
        }
        URI uri;
        try {
            uri = new URI(req.target());
        } catch (java.net.URISyntaxException e) {
            throw new HttpStatusException(400, "request-target is not a URI");
        }
        Exchange ex = new Exchange(best, req, resp, uri);
        HttpExchange facadeExchange = secure ? new SecureExchange(ex) : ex;
        try {
            new Filter.Chain(best.filters, (com.sun.net.httpserver.HttpHandler) exchange -> {
                Authenticator auth = ((Context) exchange.getHttpContext()).authenticator;
                if (auth != null) {
                    Authenticator.Result r = auth.authenticate(exchange);
                    if (r instanceof Authenticator.Success ok) {
                        ex.principal = ok.getPrincipal();
                    } else {
                        int code = r instanceof Authenticator.Failure f ? f.getResponseCode()
                                : ((Authenticator.Retry) r).getResponseCode();
                        exchange.sendResponseHeaders(code, -1);
                        exchange.close();
                        return;
                    }
                }
                ((Context) exchange.getHttpContext()).handler.handle(exchange);
            }).doFilter(facadeExchange);
        } finally {
            ex.close();
        }
    }

    final class Context extends HttpContext {
        final String path;
        volatile com.sun.net.httpserver.HttpHandler handler;
        final Map<String, Object> attributes = new java.util.concurrent.ConcurrentHashMap<>();
        final List<Filter> filters = new CopyOnWriteArrayList<>();
        volatile Authenticator authenticator;

        Context(String path) {
            this.path = path;
        }

        @Override
        public com.sun.net.httpserver.HttpHandler getHandler() {
            return handler;
        }

        @Override
        public void setHandler(com.sun.net.httpserver.HttpHandler h) {
            Objects.requireNonNull(h, "handler");
            if (handler != null) {
                throw new IllegalArgumentException("handler already set");
            }
            handler = h;
        }

        @Override
        public String getPath() {
            return path;
        }

        @Override
        public com.sun.net.httpserver.HttpServer getServer() {
            return facade;
        }

        @Override
        public Map<String, Object> getAttributes() {
            return attributes;
        }

        @Override
        public List<Filter> getFilters() {
            return filters;
        }

        @Override
        public Authenticator setAuthenticator(Authenticator auth) {
            Authenticator old = authenticator;
            authenticator = auth;
            return old;
        }

        @Override
        public Authenticator getAuthenticator() {
            return authenticator;
        }
    }

    /** Applies the JDK configurator's choices to one connection's engine, keeping ALPN. */
    private static void configure(HttpsConfigurator c, SSLEngine engine) {
        Params p = new Params(c, new InetSocketAddress(engine.getPeerHost(), engine.getPeerPort()));
        c.configure(p);
        SSLParameters sp = p.applied;
        if (sp == null) {
            sp = engine.getSSLParameters();
            if (p.getCipherSuites() != null) {
                sp.setCipherSuites(p.getCipherSuites());
            }
            if (p.getProtocols() != null) {
                sp.setProtocols(p.getProtocols());
            }
            if (p.getNeedClientAuth()) {
                sp.setNeedClientAuth(true);
            } else if (p.getWantClientAuth()) {
                sp.setWantClientAuth(true);
            }
        }
        if (sp.getApplicationProtocols().length == 0) {
            sp.setApplicationProtocols(HttpServer.ALPN);
        }
        engine.setSSLParameters(sp);
    }

    private static final class Params extends HttpsParameters {
        private final HttpsConfigurator configurator;
        private final InetSocketAddress client;
        SSLParameters applied;

        Params(HttpsConfigurator configurator, InetSocketAddress client) {
            this.configurator = configurator;
            this.client = client;
        }

        @Override
        public HttpsConfigurator getHttpsConfigurator() {
            return configurator;
        }

        @Override
        public InetSocketAddress getClientAddress() {
            return client;
        }

        @Override
        public void setSSLParameters(SSLParameters params) {
            this.applied = params;
        }
    }

    /** The exchange of an HTTPS server: the same exchange, plus its TLS session. */
    private static final class SecureExchange extends HttpsExchange {
        private final Exchange ex;

        SecureExchange(Exchange ex) {
            this.ex = ex;
        }

        @Override
        public SSLSession getSSLSession() {
            return ex.req.sslSession();
        }

        @Override
        public Headers getRequestHeaders() {
            return ex.getRequestHeaders();
        }

        @Override
        public Headers getResponseHeaders() {
            return ex.getResponseHeaders();
        }

        @Override
        public URI getRequestURI() {
            return ex.getRequestURI();
        }

        @Override
        public String getRequestMethod() {
            return ex.getRequestMethod();
        }

        @Override
        public HttpContext getHttpContext() {
            return ex.getHttpContext();
        }

        @Override
        public void close() {
            ex.close();
        }

        @Override
        public InputStream getRequestBody() {
            return ex.getRequestBody();
        }

        @Override
        public OutputStream getResponseBody() {
            return ex.getResponseBody();
        }

        @Override
        public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
            ex.sendResponseHeaders(rCode, responseLength);
        }

        @Override
        public InetSocketAddress getRemoteAddress() {
            return ex.getRemoteAddress();
        }

        @Override
        public int getResponseCode() {
            return ex.getResponseCode();
        }

        @Override
        public InetSocketAddress getLocalAddress() {
            return ex.getLocalAddress();
        }

        @Override
        public String getProtocol() {
            return ex.getProtocol();
        }

        @Override
        public Object getAttribute(String name) {
            return ex.getAttribute(name);
        }

        @Override
        public void setAttribute(String name, Object value) {
            ex.setAttribute(name, value);
        }

        @Override
        public void setStreams(InputStream i, OutputStream o) {
            ex.setStreams(i, o);
        }

        @Override
        public HttpPrincipal getPrincipal() {
            return ex.getPrincipal();
        }
    }

    private static final class Exchange extends HttpExchange {
        private final Context context;
        final Request req;
        private final Response resp;
        private final URI uri;
        private final Headers requestHeaders = new Headers();
        private final Headers responseHeaders = new Headers();
        private final Map<String, Object> attributes = new HashMap<>();
        private InputStream in;
        private OutputStream out;
        private OutputStream body; // the response's stream once headers were sent
        private int code = -1;
        HttpPrincipal principal;

        Exchange(Context context, Request req, Response resp, URI uri) {
            this.context = context;
            this.req = req;
            this.resp = resp;
            this.uri = uri;
            HttpHeaders h = req.headers();
            for (int i = 0; i < h.size(); i++) {
                requestHeaders.add(h.nameAt(i), h.valueAt(i));
            }
            this.in = req.body();
            this.out = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (body == null) {
                        throw new IOException("sendResponseHeaders() not called");
                    }
                    body.write(b, off, len);
                }

                @Override
                public void flush() throws IOException {
                    if (body != null) {
                        body.flush();
                    }
                }

                @Override
                public void close() throws IOException {
                    if (body != null) {
                        body.close();
                    }
                }
            };
        }

        @Override
        public Headers getRequestHeaders() {
            return requestHeaders;
        }

        @Override
        public Headers getResponseHeaders() {
            return responseHeaders;
        }

        @Override
        public URI getRequestURI() {
            return uri;
        }

        @Override
        public String getRequestMethod() {
            return req.method();
        }

        @Override
        public HttpContext getHttpContext() {
            return context;
        }

        @Override
        public void close() {
            try {
                if (code < 0) {
                    return; // nothing sent: the server answers with an empty 200 after the handler
                }
                out.close();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public InputStream getRequestBody() {
            return in;
        }

        @Override
        public OutputStream getResponseBody() {
            return out;
        }

        @Override
        public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
            if (code >= 0) {
                throw new IOException("headers already sent");
            }
            code = rCode;
            resp.status(rCode);
            for (Map.Entry<String, List<String>> e : responseHeaders.entrySet()) {
                List<String> values = new ArrayList<>(e.getValue());
                if (e.getKey().equalsIgnoreCase("Content-Length") || e.getKey().equalsIgnoreCase("Transfer-Encoding")) {
                    continue;
                }
                for (String v : values) {
                    resp.addHeader(e.getKey(), v);
                }
            }
            if (responseLength < 0 || rCode == 204 || rCode == 304) {
                resp.send(new byte[0]);
                body = OutputStream.nullOutputStream();
                return;
            }
            if (responseLength > 0) {
                resp.header("Content-Length", Long.toString(responseLength));
            }
            body = resp.outputStream();
        }

        @Override
        public InetSocketAddress getRemoteAddress() {
            return req.remoteAddress();
        }

        @Override
        public int getResponseCode() {
            return code;
        }

        @Override
        public InetSocketAddress getLocalAddress() {
            return req.localAddress();
        }

        @Override
        public String getProtocol() {
            return req.version();
        }

        @Override
        public Object getAttribute(String name) {
            return attributes.get(name);
        }

        @Override
        public void setAttribute(String name, Object value) {
            if (value == null) {
                attributes.remove(name);
            } else {
                attributes.put(name, value);
            }
        }

        @Override
        public void setStreams(InputStream i, OutputStream o) {
            if (i != null) {
                in = i;
            }
            if (o != null) {
                out = o;
            }
        }

        @Override
        public HttpPrincipal getPrincipal() {
            return principal;
        }
    }
}
