package io.gevent4j.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Code written only against {@code com.sun.net.httpserver} runs on gevent4j: opted in with the JDK's
 * system property (set for this module's tests in its pom), the handler runs in a greenlet.
 */
class JdkHttpServerProviderTest {

    /** A handler that knows nothing of gevent4j. */
    static final class Echo implements HttpHandler {
        final AtomicReference<Boolean> ranOnVirtualThread = new AtomicReference<>();

        @Override
        public void handle(HttpExchange ex) throws IOException {
            ranOnVirtualThread.set(Thread.currentThread().isVirtual());
            byte[] in;
            try (InputStream body = ex.getRequestBody()) {
                in = body.readAllBytes();
            }
            String text = ex.getRequestMethod() + " " + ex.getRequestURI() + " " + ex.getHttpContext().getPath()
                    + " " + ex.getRequestHeaders().getFirst("X-Test") + " " + new String(in, StandardCharsets.UTF_8);
            byte[] out = text.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/plain");
            ex.getResponseHeaders().add("X-Reply", "yes");
            ex.sendResponseHeaders(200, out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        }
    }

    @Test
    void providerIsFoundAndJdkApiCodeRunsUnchanged() throws Exception {
        assertInstanceOf(JdkHttpServerProvider.class, HttpServerProvider.provider(), "chosen by -Dcom.sun.net.httpserver.HttpServerProvider");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        Echo echo = new Echo();
        server.createContext("/echo", echo);
        server.createContext("/stream", ex -> {
            ex.sendResponseHeaders(201, 0); // 0: length unknown, chunked
            try (OutputStream os = ex.getResponseBody()) {
                for (int i = 0; i < 3; i++) {
                    os.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
        });
        var ctx = server.createContext("/filtered", ex -> {
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        ctx.getFilters().add(new Filter() {
            @Override
            public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
                exchange.getResponseHeaders().add("X-Filtered", "1");
                chain.doFilter(exchange);
            }

            @Override
            public String description() {
                return "adds X-Filtered";
            }
        });
        server.start();
        try {
            int port = server.getAddress().getPort();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/echo/sub?q=1"))
                    .header("X-Test", "hdr").POST(HttpRequest.BodyPublishers.ofString("payload")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("POST /echo/sub?q=1 /echo hdr payload", r.body());
            assertEquals("yes", r.headers().firstValue("X-Reply").orElseThrow());
            assertTrue(echo.ranOnVirtualThread.get(), "the handler ran in a greenlet (a virtual thread)");

            HttpResponse<String> s = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/stream")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, s.statusCode());
            assertEquals("line 0\nline 1\nline 2\n", s.body());

            HttpResponse<String> f = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/filtered")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, f.statusCode());
            assertEquals("1", f.headers().firstValue("X-Filtered").orElseThrow());

            HttpResponse<String> none = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/nothing")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, none.statusCode());
        } finally {
            server.stop(1);
        }
    }

    @Test
    void httpsServerCreateServesTlsWithTheConfiguratorsContextAndParameters() throws Exception {
        com.sun.net.httpserver.HttpsServer server = com.sun.net.httpserver.HttpsServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        assertInstanceOf(JdkHttpsServer.class, server);
        AtomicReference<String> seen = new AtomicReference<>();
        server.createContext("/s", ex -> {
            com.sun.net.httpserver.HttpsExchange https = (com.sun.net.httpserver.HttpsExchange) ex;
            seen.set(https.getSSLSession().getProtocol() + " " + (ex.getHttpContext().getServer() == server));
            byte[] out = "secure".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        });
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, server::start, "no configurator yet");
        AtomicReference<InetSocketAddress> client = new AtomicReference<>();
        server.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(TestCerts.LOCAL.server()) {
            @Override
            public void configure(com.sun.net.httpserver.HttpsParameters params) {
                client.set(params.getClientAddress());
                javax.net.ssl.SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setProtocols(new String[] {"TLSv1.2"});
                params.setSSLParameters(p);
            }
        });
        server.start();
        try (HttpClient jdk = HttpClient.newBuilder().sslContext(TestCerts.LOCAL.client()).build()) {
            HttpResponse<String> r = jdk.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + server.getAddress().getPort() + "/s")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("secure", r.body());
            assertEquals("TLSv1.2 true", seen.get(), "the configurator's parameters apply; the context's server is the HttpsServer");
            assertEquals(InetAddress.getLoopbackAddress(), client.get().getAddress());
        } finally {
            server.stop(0);
        }
    }
}
