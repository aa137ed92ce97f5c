package io.gevent4j.examples.primitives;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Queue;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The seed documents' producer/consumer, with a {@link Queue}: one producer puts work items, three
 * workers take them; {@code Queue.get} parks a worker until an item arrives, and a bounded queue
 * parks the producer when the workers fall behind. A {@code null}-free sentinel ends each worker.
 */
public final class ProducerConsumer {
    private static final String STOP = "stop";

    private ProducerConsumer() {
    }

    /** Runs it; returns the items in the order they were processed. */
    public static List<String> run(PrintStream out, int items, int workers) {
        Queue<String> tasks = new Queue<>(3);   // small on purpose: the producer waits for the workers
        List<String> done = new ArrayList<>();
        List<Greenlet<Void>> all = new ArrayList<>();
        for (int w = 1; w <= workers; w++) {
            String name = "worker-" + w;
            all.add(Gevent.spawn(() -> {
                while (true) {
                    String task = tasks.get();
                    if (task.equals(STOP)) {
                        out.println(name + " quitting");
                        return;
                    }
                    out.println(name + " got " + task);
                    done.add(task);
                    Gevent.sleep(1);     // pretend to work
                }
            }));
        }
        all.add(Gevent.spawn(() -> {
            for (int i = 1; i <= items; i++) {
                tasks.put("task-" + i);
            }
            for (int w = 0; w < workers; w++) {
                tasks.put(STOP);
            }
        }));
        Gevent.joinall(all);
        return done;
    }

    public static void main(String[] args) {
        List<String> done = run(System.out, 12, 3);
        System.out.println(done.size() + " tasks done");
    }
}
