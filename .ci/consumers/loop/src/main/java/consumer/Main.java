package consumer;

import io.gevent4j.loop.Backend;
import io.gevent4j.loop.Loop;

import java.util.concurrent.TimeUnit;

/** Depends on gevent4j-loop alone: a timer and a cross-thread wake-up on the epoll loop. */
public final class Main {
    public static void main(String[] args) throws Exception {
        if (Main.class.getClassLoader().getResource("io/netty/channel/kqueue/KQueue.class") != null) {
            throw new AssertionError("kqueue classes are on the class path: the exclusion did not work");
        }
        try (Loop loop = new Loop()) {
            check(loop.backend() == Backend.EPOLL, "backend " + loop.backend());
            StringBuilder seen = new StringBuilder();
            loop.timer(10, 0, TimeUnit.MILLISECONDS).start(() -> seen.append("timer "));
            var async = loop.async();
            async.start(() -> {
                seen.append("async ");
                async.stop(); // an active async watcher keeps the loop alive
            });
            Thread.ofPlatform().start(async::send).join();
            loop.run();
            check(seen.toString().equals("async timer "), "seen: " + seen);
        }
        System.out.println("uses-loop: OK (epoll, no kqueue jars)");
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
