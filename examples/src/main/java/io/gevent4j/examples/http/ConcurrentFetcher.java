package io.gevent4j.examples.http;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.http.ClientResponse;
import io.gevent4j.http.HttpClient;
import io.gevent4j.http.HttpServer;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Downloads 500 URLs from a local server with a pool of 50 greenlets and prints a summary. The
 * server (answers after a random 0-20 ms, like a real backend) and the 50 fetchers share one
 * thread; the pool is 50 worker greenlets taking URLs from one queue. Ends by itself.
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

        ArrayDeque<String> queue = new ArrayDeque<>(); // greenlets of one hub never run at the same time
        for (int i = 0; i < urls; i++) {
            queue.add(base + i);
        }
        TreeMap<Integer, Integer> statuses = new TreeMap<>();
        long[] bytes = {0};
        long start = System.nanoTime();
        try (HttpClient client = HttpClient.create().maxIdlePerHost(poolSize)) {
            List<Greenlet<Void>> pool = new ArrayList<>();
            for (int w = 0; w < poolSize; w++) {
                pool.add(Gevent.spawn(() -> {
                    String url;
                    while ((url = queue.poll()) != null) {
                        ClientResponse r = client.get(url);
                        statuses.merge(r.status(), 1, Integer::sum);
                        bytes[0] += r.body().length;
                    }
                    return null;
                }));
            }
            Gevent.joinall(pool, null, true);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("fetched %d URLs with %d greenlets in %d ms: statuses %s, %d body bytes%n",
                urls, poolSize, ms, statuses, bytes[0]);
        System.out.printf("(one at a time it would take about %d ms: each answer waits 10 ms on average)%n", urls * 10);
        server.stop(Duration.ofSeconds(1));
    }
}
