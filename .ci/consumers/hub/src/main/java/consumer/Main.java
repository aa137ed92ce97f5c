package consumer;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Queue;
import io.gevent4j.Timeout;

import java.time.Duration;
import java.util.List;

/** Depends on gevent4j-hub alone: greenlets handing work over a queue, and a timeout. */
public final class Main {
    public static void main(String[] args) throws Exception {
        if (Main.class.getClassLoader().getResource("io/netty/channel/kqueue/KQueue.class") != null) {
            throw new AssertionError("kqueue classes are on the class path: the exclusion did not work");
        }
        Queue<Integer> queue = new Queue<>(2);
        Greenlet<Integer> consumer = Gevent.spawn(() -> {
            int sum = 0;
            for (int i = 0; i < 100; i++) {
                sum += queue.take();
            }
            return sum;
        });
        Greenlet<?> producer = Gevent.spawn(() -> {
            for (int i = 1; i <= 100; i++) {
                queue.put(i);
            }
        });
        Gevent.joinall(List.of(consumer, producer), Duration.ofSeconds(10));
        check(consumer.get() == 5050, "sum " + consumer.get());
        boolean timedOut = false;
        try (Timeout t = Timeout.start(Duration.ofMillis(20))) {
            Gevent.sleep(5_000);
        } catch (Timeout t) {
            timedOut = true;
        }
        check(timedOut, "Timeout did not interrupt the sleep");
        System.out.println("uses-hub: OK (queue hand-off, timeout)");
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
