package io.gevent4j.bench.http;

import io.gevent4j.bench.BenchSupport;
import io.gevent4j.http.HttpHandler;
import io.gevent4j.http.HttpServer;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTPS against plain HTTP, same server code, same run: gevent4j's {@link HttpServer} plaintext
 * "Hello, World!" on one hub thread, plain and {@link HttpServer#https} (TLS 1.3, EC P-256 self-signed),
 * loaded by wrk (keep-alive, so the handshake is paid once per connection) in alternating rounds.
 * Prints req/s and server CPU per request (this JVM's /proc/self/stat) per round, then medians with
 * the spread and the HTTPS/HTTP ratio. Needs wrk (apt-get install wrk).
 *
 * <pre>
 * mvn -B -q -Pbench -pl bench -am verify -DskipTests -Dbench.main=io.gevent4j.bench.http.HttpsLoad -Dbench.args="5 64 5"
 * </pre>
 * Arguments: {@code [seconds per round=10] [connections=64] [rounds=5]}.
 */
public final class HttpsLoad {
    private HttpsLoad() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int conns = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        SSLContext tls = BenchSupport.selfSignedServerContext();
        HttpHandler hello = (req, resp) -> resp.send("Hello, World!");
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        HttpServer plain = BenchSupport.startOnHubThread(HttpServer.create(any, hello));
        HttpServer https = BenchSupport.startOnHubThread(HttpServer.https(any, tls, hello));
        String[] names = {"http", "https"};
        String[] urls = {"http://127.0.0.1:" + plain.address().getPort() + "/", "https://127.0.0.1:" + https.address().getPort() + "/"};
        List<List<Double>> rps = List.of(new ArrayList<>(), new ArrayList<>());
        List<List<Double>> cpu = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < 2; i++) {
            wrk(urls[i], conns, Math.max(2, seconds)); // warm-up (TLS code needs the JIT more)
        }
        System.out.printf("%-5s %-6s %12s %16s%n", "round", "server", "req/s", "server CPU us/req");
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int i = (r % 2 == 0) ? k : 1 - k; // alternate which goes first
                long cpu0 = BenchSupport.processCpuNanos();
                double[] res = wrk(urls[i], conns, seconds);
                long cpuNs = BenchSupport.processCpuNanos() - cpu0;
                double perReq = cpuNs / 1e3 / res[1];
                rps.get(i).add(res[0]);
                cpu.get(i).add(perReq);
                System.out.printf(Locale.ROOT, "%-5d %-6s %12.0f %16.2f%n", r, names[i], res[0], perReq);
            }
        }
        System.out.println();
        for (int i = 0; i < 2; i++) {
            System.out.printf("%-6s req/s %s, server CPU us/req %s%n", names[i], BenchSupport.spread(rps.get(i), "%.0f"),
                    BenchSupport.spread(cpu.get(i), "%.2f"));
        }
        System.out.printf(Locale.ROOT, "https/http: throughput %.2f, CPU per request %.2f%n",
                BenchSupport.median(rps.get(1)) / BenchSupport.median(rps.get(0)),
                BenchSupport.median(cpu.get(1)) / BenchSupport.median(cpu.get(0)));
        System.out.println("https handshake failures counted by the server: " + https.handshakeFailures());
        plain.stop();
        https.stop();
        System.exit(0);
    }

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern TOTAL = Pattern.compile("([0-9]+) requests in");

    /** Runs wrk; {req/s, requests}. */
    static double[] wrk(String url, int conns, int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("wrk", "-t1", "-c" + conns, "-d" + seconds + "s", url).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Matcher m = RPS.matcher(out);
        Matcher t = TOTAL.matcher(out);
        if (!m.find() || !t.find() || out.contains("Non-2xx")) {
            throw new IOException("wrk failed or saw errors: " + out);
        }
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(t.group(1))};
    }
}
