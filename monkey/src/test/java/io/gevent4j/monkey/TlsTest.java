package io.gevent4j.monkey;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JDK's TLS sockets are java.net sockets too: created in greenlets they ride on the patch. */
@Timeout(60)
class TlsTest {
    @BeforeAll
    static void patch() {
        Monkey.patchAll();
    }

    @Test
    void tlsClientsAndServerInGreenletsOfOneHub(@TempDir Path dir) throws Exception {
        Path ks = dir.resolve("ks.p12");
        Path keytool = Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "test", "-keyalg", "EC",
                "-dname", "CN=localhost", "-ext", "SAN=IP:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", "secret", "-keypass", "secret")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        KeyStore store = KeyStore.getInstance(ks.toFile(), "secret".toCharArray());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "secret".toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

        long before = GreenSocketImpl.CONNECTIONS.get();
        List<String> replies = Gevent.spawn(() -> {
            try (SSLServerSocket server = (SSLServerSocket) ctx.getServerSocketFactory()
                    .createServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
                int n = 5;
                Greenlet<Void> acceptor = Gevent.spawn(() -> {
                    for (int i = 0; i < n; i++) {
                        SSLSocket c = (SSLSocket) server.accept();
                        Gevent.spawn(() -> {
                            try (c) {
                                InputStream in = c.getInputStream();
                                int b = in.read();
                                c.getOutputStream().write(("tls " + b).getBytes(StandardCharsets.UTF_8));
                                c.getOutputStream().flush();
                            }
                            return null;
                        });
                    }
                    return null;
                });
                List<Greenlet<String>> clients = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int v = i;
                    clients.add(Gevent.spawn(() -> {
                        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(
                                InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                            s.getOutputStream().write(v);
                            s.getOutputStream().flush();
                            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                        }
                    }));
                }
                List<String> r = new ArrayList<>();
                for (var c : clients) {
                    r.add(c.get());
                }
                acceptor.get();
                return r;
            }
        }).get();
        assertEquals(List.of("tls 0", "tls 1", "tls 2", "tls 3", "tls 4"), replies);
        assertTrue(GreenSocketImpl.CONNECTIONS.get() - before >= 10, "TLS sockets did not go through the patch");
    }
}
