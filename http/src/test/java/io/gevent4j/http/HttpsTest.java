package io.gevent4j.http;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTPS: HttpServer over SslSocket against curl, the JDK's client and ours. */
class HttpsTest {
    static final HttpHandler INFO = (req, resp) -> {
        byte[] body = req.bodyBytes();
        resp.send(req.scheme() + " secure=" + req.isSecure() + " sni=" + req.sniHostName()
                + " protocol=" + req.sslSession().getProtocol() + " body=" + new String(body, StandardCharsets.UTF_8));
    };

    @Test
    void curlGetsAlpnHttp11AndTheServerSeesItsSniName() throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/curl").canExecute(), "curl not installed");
        try (ServerRunner r = ServerRunner.https(TestCerts.LOCAL.server(), INFO, s -> { })) {
            int port = r.port();
            Process p = new ProcessBuilder("/usr/bin/curl", "-sS", "-v", "--max-time", "10",
                    "--cacert", TestCerts.LOCAL.pem().toString(),
                    "--resolve", "gevent4j.test:" + port + ":127.0.0.1",
                    "https://gevent4j.test:" + port + "/a", "https://gevent4j.test:" + port + "/b")
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), err);
            assertEquals("https secure=true sni=gevent4j.test protocol=TLSv1.3 body="
                    + "https secure=true sni=gevent4j.test protocol=TLSv1.3 body=", out);
            assertTrue(err.lines().anyMatch(l -> l.contains("ALPN") && l.contains("http/1.1") && l.contains("accepted")), err);
            assertTrue(err.contains("Re-using existing connection") || err.contains("Reusing existing connection")
                    || err.lines().filter(l -> l.contains("Connected to")).count() == 1, "keep-alive over TLS: " + err);
        }
    }

    @Test
    void jdkHttpClientOfferingH2IsServedHttp11OverAlpn() throws Exception {
        try (ServerRunner r = ServerRunner.https(TestCerts.LOCAL.server(), INFO, s -> { });
             java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder().sslContext(TestCerts.LOCAL.client())
                     .version(java.net.http.HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build()) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> resp = jdk.send(HttpRequest.newBuilder(URI.create("https://localhost:" + r.port() + "/x"))
                        .POST(HttpRequest.BodyPublishers.ofString("n" + i)).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, resp.statusCode());
                assertEquals(java.net.http.HttpClient.Version.HTTP_1_1, resp.version());
                assertEquals("https secure=true sni=localhost protocol=TLSv1.3 body=n" + i, resp.body());
            }
        }
    }

    @Test
    void ourClientVerifiesTheCertificateAndTheHostName() throws Exception {
        try (ServerRunner local = ServerRunner.https(TestCerts.LOCAL.server(), INFO, s -> { });
             ServerRunner other = ServerRunner.https(TestCerts.OTHER.server(), INFO, s -> { })) {
            HttpClientTest.onHub(hub -> {
                try (HttpClient c = HttpClient.create().sslContext(TestCerts.LOCAL.client())) {
                    ClientResponse resp = c.post("https://localhost:" + local.port() + "/", "text/plain",
                            "hi".getBytes(StandardCharsets.UTF_8));
                    assertEquals("https secure=true sni=localhost protocol=TLSv1.3 body=hi", resp.bodyString());
                    // an IP address: verified against the certificate's IP entry, no SNI sent
                    assertEquals("https secure=true sni=null protocol=TLSv1.3 body=", c.get(local.url("/")).bodyString());
                    assertEquals(2, c.idleConnections(), "both connections pooled: localhost and 127.0.0.1");
                }
                try (HttpClient untrusting = HttpClient.create()) { // the JDK's trust store: self-signed is refused
                    assertThrows(SSLHandshakeException.class, () -> untrusting.get(local.url("/")));
                }
                try (HttpClient c = HttpClient.create().sslContext(TestCerts.OTHER.client())) {
                    // trusted certificate, but for other.example: refused by default...
                    SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                            () -> c.get("https://localhost:" + other.port() + "/"));
                    assertTrue(e.getMessage().contains("localhost") || String.valueOf(e.getCause()).contains("localhost"), e.toString());
                }
                try (HttpClient c = HttpClient.create().sslContext(TestCerts.OTHER.client()).hostnameVerification(false)) {
                    // ...accepted when verification is turned off
                    assertEquals(200, c.get("https://localhost:" + other.port() + "/").status());
                }
                try (HttpClient c = HttpClient.create().sslContext(TestCerts.LOCAL.client())) {
                    assertThrows(IllegalArgumentException.class, () -> c.get("ftp://localhost/"));
                }
            });
        }
    }

    @Test
    void badHandshakesCloseOnlyTheirConnectionAndAreCountedNotLogged() throws Exception {
        try (ProbeRegressionTest.Errors log = new ProbeRegressionTest.Errors();
             ServerRunner r = ServerRunner.https(TestCerts.LOCAL.server(), INFO, s -> s.handshakeTimeout(Duration.ofMillis(300)))) {
            try (RawClient plain = new RawClient(r.port())) { // plain HTTP to the TLS port
                plain.socket.setSoTimeout(5_000);
                plain.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                assertTrue(plain.closedByServer());
            }
            try (RawClient silent = new RawClient(r.port())) { // says nothing: closed at the handshake timeout
                silent.socket.setSoTimeout(5_000);
                assertTrue(silent.closedByServer());
            }
            try (RawClient garbage = new RawClient(r.port())) {
                garbage.socket.setSoTimeout(5_000);
                garbage.socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5});
                assertTrue(garbage.closedByServer());
            }
            for (int i = 0; i < 100 && r.server.handshakeFailures() < 3; i++) {
                Thread.sleep(10);
            }
            assertEquals(3, r.server.handshakeFailures());
            // the server goes on serving real clients
            try (java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder().sslContext(TestCerts.LOCAL.client()).build()) {
                assertEquals(200, jdk.send(HttpRequest.newBuilder(URI.create("https://localhost:" + r.port() + "/")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode());
            }
            assertEquals(List.of(), log.errors(), "failed handshakes are not errors");
        }
    }
}
