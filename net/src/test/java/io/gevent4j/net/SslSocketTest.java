package io.gevent4j.net;

import io.gevent4j.Gevent;
import io.gevent4j.loop.Backend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.DataInputStream;
import java.io.FileInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS against the JDK's own SSLSocket/SSLServerSocket with a self-signed certificate made here. */
class SslSocketTest {
    static SSLContext server;
    static SSLContext client;
    static final InetAddress LO = InetAddress.getLoopbackAddress();

    @BeforeAll
    static void makeCertificate(@TempDir Path dir) throws Exception {
        Path ks = dir.resolve("test.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "test", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool failed: " + outText);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = new FileInputStream(ks.toFile())) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void ourClientAgainstJdkSslServerSocketWithSni(Backend backend) throws Exception {
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 50, LO)) {
            AtomicReference<String> sni = new AtomicReference<>();
            AtomicReference<Throwable> err = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try (SSLSocket c = (SSLSocket) ss.accept()) {
                    c.setSoTimeout(10_000);
                    byte[] msg = new DataInputStream(c.getInputStream()).readNBytes(5);
                    var names = ((ExtendedSSLSession) c.getSession()).getRequestedServerNames();
                    sni.set(names.isEmpty() ? null : ((SNIHostName) names.get(0)).getAsciiName());
                    c.getOutputStream().write(new String(msg, StandardCharsets.US_ASCII).toUpperCase().getBytes(StandardCharsets.US_ASCII));
                    c.getOutputStream().write(new byte[100_000]); // larger than one TLS record
                } catch (Throwable e) {
                    err.set(e);
                }
            });
            t.start();
            OnHub.run(backend, hub -> {
                try (SslSocket s = SslSocket.client(Socket.connect(new InetSocketAddress(LO, ss.getLocalPort())), client, "localhost")) {
                    s.handshake(Duration.ofSeconds(10));
                    s.write("hello".getBytes(StandardCharsets.US_ASCII));
                    ByteBuffer b = ByteBuffer.allocate(5);
                    s.readFully(b);
                    assertEquals("HELLO", new String(b.array(), StandardCharsets.US_ASCII));
                    s.readFully(ByteBuffer.allocate(100_000));
                    assertEquals(-1, s.read(ByteBuffer.allocate(1)), "server's close_notify reads as EOF");
                    assertTrue(s.getSession().getProtocol().startsWith("TLS"));
                }
            });
            t.join(10_000);
            if (err.get() != null) {
                throw new AssertionError(err.get());
            }
            assertEquals("localhost", sni.get());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void sendFileOverTlsArrivesWholeAtAJdkSslServer(Backend backend, @TempDir Path dir) throws Exception {
        byte[] data = new byte[2 * FileSender.CHUNK + 333]; // several chunks, many TLS records
        new java.util.Random(5).nextBytes(data);
        Path file = dir.resolve("tls.bin");
        java.nio.file.Files.write(file, data);
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 50, LO)) {
            AtomicReference<Object> got = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try (SSLSocket c = (SSLSocket) ss.accept()) {
                    c.setSoTimeout(20_000);
                    got.set(c.getInputStream().readNBytes(data.length)); // then closes: the client sees EOF
                } catch (Throwable e) {
                    got.set(e);
                }
            });
            t.start();
            OnHub.run(backend, hub -> {
                try (SslSocket s = SslSocket.client(Socket.connect(new InetSocketAddress(LO, ss.getLocalPort())), client, "localhost");
                     java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
                    s.handshake(Duration.ofSeconds(10));
                    assertEquals(data.length - 1, s.sendFile(ch, 1, data.length - 1));
                    assertThrows(java.io.EOFException.class, () -> s.sendFile(ch, data.length - 1, 2));
                    // Read to the server's close (and past its session tickets), so our close sends no reset.
                    while (s.read(ByteBuffer.allocate(1024)) >= 0) {
                        // drain
                    }
                }
            });
            t.join(20_000);
            if (got.get() instanceof Throwable e) {
                throw new AssertionError(e);
            }
            byte[] expected = new byte[data.length]; // the range from 1, then the last byte once more
            System.arraycopy(data, 1, expected, 0, data.length - 1);
            expected[data.length - 1] = data[data.length - 1];
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, (byte[]) got.get());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "IO_URING", "NIO"})
    void jdkSslClientAgainstOurTlsStreamServer(Backend backend) throws Exception {
        OnHub.run(backend, hub -> {
            StreamServer srv = StreamServer.tls(new InetSocketAddress(LO, 0), server, (s, a) -> {
                byte[] buf = new byte[4096];
                int n;
                while ((n = s.read(buf, 0, buf.length)) > 0) {
                    s.write(ByteBuffer.wrap(buf, 0, n));
                }
            }).start();
            AtomicReference<Object> result = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket(LO, srv.address().getPort())) {
                    c.setSoTimeout(10_000);
                    var p = c.getSSLParameters();
                    p.setServerNames(java.util.List.of(new SNIHostName("localhost")));
                    c.setSSLParameters(p);
                    byte[] data = new byte[50_000];
                    java.util.Arrays.fill(data, (byte) 'x');
                    c.getOutputStream().write(data);
                    byte[] back = new DataInputStream(c.getInputStream()).readNBytes(data.length);
                    result.set(java.util.Arrays.equals(data, back));
                } catch (Throwable e) {
                    result.set(e);
                }
            });
            t.start();
            while (t.isAlive()) {
                Gevent.sleep(5);
            }
            srv.stop(Duration.ofSeconds(1));
            assertEquals(Boolean.TRUE, result.get());
        });
    }

    @Test
    void handshakeTimeoutAndPeerClosingDuringHandshake() throws Exception {
        OnHub.run(Backend.EPOLL, hub -> {
            try (ServerSocket silent = ServerSocket.bind(new InetSocketAddress(LO, 0))) {
                Socket raw = Socket.connect(silent.localAddress());
                Socket peer = silent.accept(); // never answers the ClientHello
                try (SslSocket s = SslSocket.client(raw, client, "localhost")) {
                    long t0 = System.nanoTime();
                    SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> s.handshake(Duration.ofMillis(100)));
                    assertTrue(e.getMessage().contains("TLS handshake timed out"), e.getMessage());
                    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(3));
                }
                peer.close();
                Socket raw2 = Socket.connect(silent.localAddress());
                Socket peer2 = silent.accept();
                peer2.close(); // peer hangs up before answering
                try (SslSocket s = SslSocket.client(raw2, client, "localhost")) {
                    assertThrows(SSLHandshakeException.class, () -> s.handshake(Duration.ofSeconds(5)));
                }
            }
        });
    }

    @Test
    void wrongHostNameFailsVerification() throws Exception {
        OnHub.run(Backend.EPOLL, hub -> {
            StreamServer srv = StreamServer.tls(new InetSocketAddress(LO, 0), server, (s, a) -> s.read(ByteBuffer.allocate(1))).start();
            try (SslSocket s = SslSocket.client(Socket.connect(srv.address()), client, "example.com")) {
                assertThrows(SSLHandshakeException.class, () -> s.handshake(Duration.ofSeconds(5)));
            }
            srv.stop(Duration.ofMillis(200));
        });
    }
}
