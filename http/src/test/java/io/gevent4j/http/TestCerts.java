package io.gevent4j.http;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates made once per test JVM with the JDK's keytool: {@link #LOCAL} for
 * {@code localhost}, {@code gevent4j.test} and 127.0.0.1, {@link #OTHER} for {@code other.example} only.
 */
final class TestCerts {
    /** A certificate: its server and client contexts and a PEM file of it (curl's --cacert). */
    record Cert(SSLContext server, SSLContext client, Path pem) {
    }

    static final Path DIR;
    static final Cert LOCAL;
    static final Cert OTHER;

    static {
        try {
            DIR = Files.createTempDirectory("gevent4j-certs");
            DIR.toFile().deleteOnExit();
            LOCAL = make("local", "CN=localhost", "SAN=dns:localhost,dns:gevent4j.test,ip:127.0.0.1");
            OTHER = make("other", "CN=other.example", "SAN=dns:other.example");
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private TestCerts() {
    }

    private static Cert make(String name, String dname, String san) throws Exception {
        Path ks = DIR.resolve(name + ".p12");
        Path pem = DIR.resolve(name + ".pem");
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
                "-ext", san, "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", name, "-keystore", ks.toString(), "-storepass", "changeit",
                "-file", pem.toString());
        ks.toFile().deleteOnExit();
        pem.toFile().deleteOnExit();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = new FileInputStream(ks.toFile())) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        return new Cert(server, client, pem);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        String[] cmd = new String[args.length + 1];
        cmd[0] = keytool;
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + out);
        }
    }
}
