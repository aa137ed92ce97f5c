package io.gevent4j.examples.http;

import io.gevent4j.Gevent;
import io.gevent4j.Pool;
import io.gevent4j.http.ClientResponse;
import io.gevent4j.http.HttpClient;
import io.gevent4j.http.HttpServer;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;

/**
 * Downloads 500 URLs from a local server with a {@link Pool} of 50 greenlets and prints a summary.
 * The server (answers after a random 0-20 ms, like a real backend) and the 50 fetchers share one
 * thread; {@code Pool.imapUnordered} keeps at most 50 downloads in flight. Ends by itself.
 */
public final class ConcurrentFetcher {
    private ConcurrentFetcher() {
    }

    public static void main(String[] args) throws Exception {
        int urls = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int poolSize = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), (req, resp) -> {
            Gevent.sleep((long) (Math.random() * 20));
            resp.send("item " + req.path() + "\n");
        }).start();
        String base = "http://127.0.0.1:" + server.address().getPort() + "/item/";

        List<String> all = new ArrayList<>();
        for (int i = 0; i < urls; i++) {
            all.add(base + i);
        }
        TreeMap<Integer, Integer> statuses = new TreeMap<>();
        long[] bytes = {0};
        long start = System.nanoTime();
        try (HttpClient client = HttpClient.create().maxIdlePerHost(poolSize)) {
            Pool pool = new Pool(poolSize);
            Iterator<ClientResponse> responses = pool.imapUnordered(url -> {
                try {
                    return client.get(url);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, all);
            while (responses.hasNext()) {
                ClientResponse r = responses.next();
                statuses.merge(r.status(), 1, Integer::sum);
                bytes[0] += r.body().length;
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("fetched %d URLs with %d greenlets in %d ms: statuses %s, %d body bytes%n",
                urls, poolSize, ms, statuses, bytes[0]);
        System.out.printf("(one at a time it would take about %d ms: each answer waits 10 ms on average)%n", urls * 10);
        server.stop(Duration.ofSeconds(1));
    }
}
