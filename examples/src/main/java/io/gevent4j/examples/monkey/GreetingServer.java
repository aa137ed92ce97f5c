package io.gevent4j.examples.monkey;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An ordinary blocking server that knows nothing of gevent4j: {@code java.net.ServerSocket},
 * {@code java.net.Socket}, {@code Thread.sleep}, a virtual thread per client, no platform threads.
 * Each client sends its name on a line; the server thinks for 200 ms and answers
 * {@code hello NAME (N in service)}, N being how many clients were being served at that moment.
 *
 * <p>Run it unmodified on one hub thread with the launcher:
 * <pre>
 * java --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.net=ALL-UNNAMED \
 *      --enable-native-access=ALL-UNNAMED -cp ... \
 *      io.gevent4j.monkey.Main io.gevent4j.examples.monkey.GreetingServer 8007
 * </pre>
 * Under the launcher {@code main} runs in a greenlet, the server socket and every accepted socket are
 * gevent4j's cooperative sockets on the hub's own epoll, and the per-client virtual threads run on the
 * hub too, as greenlets of it (a virtual thread started in a greenlet is one): one platform
 * thread serves every client at once.
 *
 * <p>Arguments: {@code [port (0: any; default 8007)] [clients to serve before exiting (default: forever)]}.
 */
public class GreetingServer {
    private static final AtomicInteger IN_SERVICE = new AtomicInteger();

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8007;
        long clients = args.length > 1 ? Long.parseLong(args[1]) : Long.MAX_VALUE;
        try (ServerSocket server = new ServerSocket(port, 128, InetAddress.getLoopbackAddress());
             ExecutorService perClient = Executors.newVirtualThreadPerTaskExecutor()) {
            System.out.println("listening on " + server.getLocalPort());
            for (long i = 0; i < clients; i++) {
                Socket client = server.accept();
                perClient.submit(() -> serve(client));
            }
        } // closing the executor waits for the clients in service
        System.out.println("served " + clients + " clients");
    }

    private static Void serve(Socket client) throws IOException, InterruptedException {
        try (client;
             var in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
             var out = new PrintWriter(client.getOutputStream(), true, StandardCharsets.UTF_8)) {
            String name = in.readLine();
            int now = IN_SERVICE.incrementAndGet();
            try {
                Thread.sleep(200); // "thinking": a blocking call, cooperative in a greenlet's virtual thread
                out.println("hello " + name + " (" + Math.max(now, IN_SERVICE.get()) + " in service)");
            } finally {
                IN_SERVICE.decrementAndGet();
            }
        }
        return null;
    }
}
