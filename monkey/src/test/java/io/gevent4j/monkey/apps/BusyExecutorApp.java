package io.gevent4j.monkey.apps;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** A program whose executor task holds the hub's thread without blocking (a busy loop). */
public class BusyExecutorApp {
    public static void main(String[] args) throws Exception {
        try (ExecutorService tasks = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Long> f = tasks.submit(BusyExecutorApp::spin);
            System.out.println("done " + (f.get() > 0));
        }
    }

    static long spin() {
        long end = System.nanoTime() + 600_000_000L;
        long n = 0;
        while (System.nanoTime() < end) {
            n += (n & 1) + 1;
        }
        return n;
    }
}
