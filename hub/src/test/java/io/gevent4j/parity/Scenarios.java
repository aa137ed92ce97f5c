package io.gevent4j.parity;

import io.gevent4j.AsyncResult;
import io.gevent4j.BoundedSemaphore;
import io.gevent4j.Channel;
import io.gevent4j.Event;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Group;
import io.gevent4j.JoinableQueue;
import io.gevent4j.LifoQueue;
import io.gevent4j.Permit;
import io.gevent4j.Pool;
import io.gevent4j.PriorityQueue;
import io.gevent4j.Queue;
import io.gevent4j.RLock;
import io.gevent4j.Semaphore;
import io.gevent4j.Timeout;
import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.LoopExit;
import io.gevent4j.hub.RawGreenlet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * gevent4j's side of the parity suite: each method is the Java twin of the function of the same name
 * in {@code parity/scenarios.py} and prints (to {@code out}) what gevent prints, line by line.
 * Differences on purpose are said where they are.
 */
final class Scenarios {
    private final Consumer<String> out;

    Scenarios(Consumer<String> out) {
        this.out = out;
    }

    private void out(String s) {
        out.accept(s);
    }

    /** Python's {@code str(bool)}. */
    private static String py(boolean b) {
        return b ? "True" : "False";
    }

    void spawn_sleep_join() {
        Greenlet<String> a = Gevent.spawn(() -> worker("a", 0, 20));
        Greenlet<String> b = Gevent.spawn(() -> worker("b", 10, 0));
        Greenlet<String> c = Gevent.spawn(() -> worker("c", 0, 0));
        out("spawned");
        Gevent.sleep(0);
        out("main after sleep(0)");
        List<Greenlet<String>> done = Gevent.joinall(List.of(a, b, c));
        out("joined " + done.stream().map(Greenlet::value).collect(Collectors.joining(" ")));
    }

    private String worker(String name, long... naps) {
        out(name + " start");
        for (long n : naps) {
            Gevent.sleep(n);
            out(name + " after sleep(" + (n == 0 ? "0" : String.format("0.%02d", n / 10)) + ")"); // Python's seconds
        }
        return name;
    }

    void links_run_before_join_returns() {
        Greenlet<Void> g = Gevent.spawn(() -> out("g runs"));
        g.link(src -> out("link ran"));
        g.join();
        out("after join");
        Greenlet<Void> h = Gevent.spawn(() -> out("h runs"));
        h.rawlink(() -> out("rawlink ran"));
        h.linkValue(src -> out("link_value ran"));
        h.linkException(src -> out("link_exception must not run"));
        h.join();
        out("after second join");
        Greenlet<Void> f = Gevent.spawn(() -> {
            throw new IllegalArgumentException("boom"); // Python's ValueError
        });
        f.linkException(src -> out("link_exception ran: ValueError"));
        f.linkValue(src -> out("link_value must not run"));
        f.join();
        out("failed successful=" + py(f.successful()));
        Greenlet<Void> late = Gevent.spawn(() -> { });
        late.join();
        late.link(src -> out("link added after death ran"));
        Gevent.sleep(0);
        out("end");
    }

    void kill_behind_queued_wakeup() {
        Greenlet<Void> n = Gevent.spawn(() -> {
            Gevent.sleep(0);
            out("resumed");
            Gevent.sleep(1000);
            out("must not print");
        });
        Gevent.sleep(0);
        n.kill();
        // gevent stores the GreenletExit as the value; gevent4j as killedBy() (a T cannot hold it)
        out("killed: dead=" + py(n.dead()) + " value=" + n.killedBy().getClass().getSimpleName());
    }

    void kill_before_start() {
        Greenlet<Void> g = Gevent.spawn(() -> out("must not run"));
        g.link(src -> out("link of a greenlet killed before start"));
        g.kill();
        out("dead=" + py(g.dead()) + " successful=" + py(g.successful()));
        Gevent.sleep(0);
        out("end");
    }

    void kill_with_exception_and_catch_exception() {
        Greenlet<Void> s = Gevent.spawn(() -> {
            while (true) {
                try {
                    Gevent.sleep(1000);
                } catch (Exception e) { // a kill is an Error: it passes, as gevent's BaseException
                    out("caught " + e.getClass().getSimpleName());
                }
            }
        });
        Gevent.sleep(0);
        s.kill();
        out("stubborn dead=" + py(s.dead()));
        Greenlet<Void> v = Gevent.spawn(() -> {
            try {
                Gevent.sleep(1000);
            } finally {
                out("victim finally");
            }
        });
        Gevent.sleep(0);
        v.kill(new IllegalArgumentException("bang"));
        out("victim successful=" + py(v.successful()) + " exception=ValueError".replace("ValueError",
                v.exception() instanceof IllegalArgumentException ? "ValueError" : String.valueOf(v.exception())));
    }

    void kill_nonblocking() {
        Greenlet<Void> g = Gevent.spawn(() -> {
            try {
                Gevent.sleep(1000);
            } finally {
                out("finally ran");
            }
        });
        Gevent.sleep(0);
        g.killAsync();
        out("after kill(block=False): dead=" + py(g.dead()));
        g.join();
        out("after join: dead=" + py(g.dead()));
        List<Greenlet<Void>> gs = IntStream.range(0, 3).mapToObj(i -> Gevent.spawn(() -> Gevent.sleep(1000))).toList();
        Gevent.sleep(0);
        Gevent.killall(gs);
        out("killall: " + gs.stream().map(x -> py(x.dead())).collect(Collectors.joining(" ")));
    }

    void timeouts() {
        Timeout outer = Timeout.start(Duration.ofMillis(50));
        try {
            Timeout inner = Timeout.start(Duration.ofMillis(20));
            try {
                Gevent.sleep(1000);
            } catch (Timeout t) {
                out("inner caught its own: " + py(t == inner));
            } finally {
                inner.cancel();
            }
            Gevent.sleep(1000);
        } catch (Timeout t) {
            out("outer caught its own: " + py(t == outer));
        } finally {
            outer.cancel();
        }
        Timeout never = new Timeout(null);
        never.start();
        Gevent.sleep(10);
        out("None never fires: pending=" + py(never.pending()));
        never.cancel();
        out("with_timeout default: " + Gevent.withTimeout(Duration.ofMillis(10), () -> {
            Gevent.sleep(1000);
            return "slept";
        }, "fallback"));
        try {
            Gevent.withTimeout(Duration.ofMillis(10), () -> Gevent.sleep(1000));
        } catch (Timeout t) {
            out("with_timeout raised Timeout");
        }
        try (Timeout t = Timeout.start(Duration.ofMillis(10))) {
            try {
                Gevent.sleep(1000);
            } catch (Exception e) {
                out("must not catch a Timeout as Exception");
            }
        } catch (Timeout t) {
            out("Timeout passed through except Exception");
        }
    }

    void events() {
        Event e = new Event();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (String n : List.of("w1", "w2", "w3")) {
            gs.add(Gevent.spawn(() -> {
                out(n + " waits");
                out(n + " woke: " + py(e.await()));
            }));
        }
        Gevent.sleep(0);
        e.set();
        out("set");
        e.clear();
        out("cleared");
        Gevent.joinall(gs);
        out("wait(0.01) on a clear event: " + py(e.await(Duration.ofMillis(10))));
        AsyncResult<Integer> r = new AsyncResult<>();
        List<Greenlet<Void>> getters = new ArrayList<>();
        for (String n : List.of("g1", "g2")) {
            getters.add(Gevent.spawn(() -> out(n + " got " + r.get())));
        }
        Gevent.sleep(0);
        r.set(42);
        out("result set");
        Gevent.joinall(getters);
    }

    void queue_getters_take_themselves() {
        Queue<Integer> q = new Queue<>();
        Greenlet<Void> a = Gevent.spawn(() -> {
            for (int i = 0; i < 2; i++) {
                out("A" + q.get());
            }
        });
        Greenlet<Void> b = Gevent.spawn(() -> out("B" + q.get()));
        Gevent.sleep(0);
        q.put(1);
        q.put(2);
        out("put 1 2");
        Gevent.sleep(0);
        q.put(3);
        Gevent.joinall(List.of(a, b));
    }

    void queue_kinds() {
        List<Queue<Integer>> kinds = List.of(new Queue<>(), new LifoQueue<>(), new PriorityQueue<>());
        List<String> names = List.of("Queue", "LifoQueue", "PriorityQueue");
        for (int k = 0; k < 3; k++) {
            Queue<Integer> q = kinds.get(k);
            for (int i : new int[] {3, 1, 2}) {
                q.put(i);
            }
            out(names.get(k) + ": " + q.get() + " " + q.get() + " " + q.get());
        }
        Queue<Integer> bounded = new Queue<>(1);
        List<Greenlet<Void>> ps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int item = i;
            ps.add(Gevent.spawn(() -> {
                bounded.put(item);
                out("p" + item + " put " + item);
            }));
        }
        Gevent.sleep(0);
        out("qsize " + bounded.qsize());
        for (int i = 0; i < 3; i++) {
            out("got " + bounded.get());
            Gevent.sleep(0);
        }
        Gevent.joinall(ps);
        try {
            bounded.getNowait();
        } catch (Queue.Empty e) {
            out("get_nowait: Empty");
        }
        bounded.putNowait(-1);
        try {
            bounded.putNowait(-2);
        } catch (Queue.Full e) {
            out("put_nowait: Full");
        }
        JoinableQueue<Integer> j = new JoinableQueue<>();
        Greenlet<Void> w = Gevent.spawn(() -> {
            while (true) {
                int item = j.get();
                out("work " + item);
                Gevent.sleep(0);
                j.taskDone();
            }
        });
        for (int i = 0; i < 3; i++) {
            j.put(i);
        }
        j.join();
        out("all tasks done");
        w.kill();
        Channel<String> ch = new Channel<>();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (String n : List.of("c1", "c2")) {
            gs.add(Gevent.spawn(() -> out(n + " got " + ch.get())));
        }
        Gevent.sleep(0);
        ch.put("a");
        out("put a");
        ch.put("b");
        out("put b");
        Gevent.joinall(gs);
    }

    void locks() {
        Semaphore s = new Semaphore(1);
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (String n : List.of("s1", "s2", "s3")) {
            gs.add(Gevent.spawn(() -> {
                try (Permit p = s.permit()) {
                    out(n + " holds");
                    Gevent.sleep(0);
                }
                out(n + " released");
            }));
        }
        Gevent.joinall(gs);
        BoundedSemaphore b = new BoundedSemaphore(1);
        b.acquire();
        b.release();
        try {
            b.release();
        } catch (IllegalStateException e) { // Python's ValueError
            out("BoundedSemaphore over-release: ValueError");
        }
        RLock lock = new RLock();
        List<Greenlet<Void>> rs = new ArrayList<>();
        for (String n : List.of("r1", "r2")) {
            rs.add(Gevent.spawn(() -> {
                try (Permit p1 = lock.permit(); Permit p2 = lock.permit()) {
                    out(n + " twice");
                    Gevent.sleep(0);
                }
            }));
        }
        Gevent.joinall(rs);
        s.acquire();
        out("acquire(blocking=False) of a held semaphore: " + py(!s.tryAcquire()));
        s.release();
    }

    void pools() {
        Pool p = new Pool(2);
        java.util.function.Function<Integer, Integer> work = n -> {
            Gevent.sleep(5 - n);
            return n * 10;
        };
        List<Integer> inputs = List.of(0, 1, 2, 3, 4);
        out("map " + p.map(work, inputs).stream().map(String::valueOf).collect(Collectors.joining(" ")));
        out("imap " + join(p.imap(work, inputs)));
        out("imap_unordered " + join(new Pool(5).imapUnordered(work, inputs)));
        Group g = new Group();
        g.spawn(() -> Gevent.sleep(10));
        g.spawn(() -> Gevent.sleep(20));
        out("group size " + g.size());
        g.join();
        out("group size after join " + g.size());
    }

    private static String join(Iterator<Integer> it) {
        List<String> s = new ArrayList<>();
        it.forEachRemaining(x -> s.add(String.valueOf(x)));
        return String.join(" ", s);
    }

    void iwait_order() {
        List<Greenlet<String>> gs = List.of(after(30, "slow"), after(10, "fast"), after(20, "mid"));
        List<String> order = new ArrayList<>();
        Gevent.iwait(gs).forEachRemaining(g -> order.add(g.value()));
        out("iwait " + String.join(" ", order));
        Event e1 = new Event();
        Event e2 = new Event();
        Gevent.spawnLater(Duration.ofMillis(10), e2::set);
        Gevent.spawnLater(Duration.ofMillis(20), e1::set);
        out("wait count=1 -> " + (Gevent.await(List.of(e1, e2), 1).get(0) == e2 ? "e2" : "e1"));
    }

    private static Greenlet<String> after(long ms, String v) {
        return Gevent.spawn(() -> {
            Gevent.sleep(ms);
            return v;
        });
    }

    void raw_switch_and_throw() {
        RawGreenlet[] gr = new RawGreenlet[2];
        gr[0] = new RawGreenlet(a -> {
            out("12");
            gr[1].switchTo();
            out("34");
            return null;
        });
        gr[1] = new RawGreenlet(a -> {
            out("56");
            gr[0].switchTo();
            out("78");
            return null;
        });
        gr[0].switchTo();
        out("main again; gr2 dead=" + py(gr[1].dead()));
        RawGreenlet c = new RawGreenlet(a -> {
            try {
                RawGreenlet.getcurrent().parent().switchTo("ready");
            } catch (IllegalArgumentException e) { // Python's ValueError
                out("thrown in: " + e.getMessage());
                return "caught";
            }
            return null;
        });
        out("switch returned " + c.switchTo());
        out("throw returned " + c.throwInto(new IllegalArgumentException("x")));
        RawGreenlet e = new RawGreenlet(a -> {
            Object v = a[0];
            while (true) {
                v = RawGreenlet.getcurrent().parent().switchTo((Integer) v * 2);
            }
        });
        out("echo " + e.switchTo(1) + " " + e.switchTo(5));
    }

    void loop_exit() {
        Event e = new Event();
        try {
            e.await();
        } catch (LoopExit x) {
            out("LoopExit");
        }
        Greenlet<Void> g = Gevent.spawn(() -> Gevent.sleep(10));
        g.join();
        out("join of a sleeper returns: " + py(true));
    }

    static final List<String> ALL = List.of("spawn_sleep_join", "links_run_before_join_returns",
            "kill_behind_queued_wakeup", "kill_before_start", "kill_with_exception_and_catch_exception",
            "kill_nonblocking", "timeouts", "events", "queue_getters_take_themselves", "queue_kinds", "locks",
            "pools", "iwait_order", "raw_switch_and_throw", "loop_exit");

    void run(String name) {
        switch (name) {
            case "spawn_sleep_join" -> spawn_sleep_join();
            case "links_run_before_join_returns" -> links_run_before_join_returns();
            case "kill_behind_queued_wakeup" -> kill_behind_queued_wakeup();
            case "kill_before_start" -> kill_before_start();
            case "kill_with_exception_and_catch_exception" -> kill_with_exception_and_catch_exception();
            case "kill_nonblocking" -> kill_nonblocking();
            case "timeouts" -> timeouts();
            case "events" -> events();
            case "queue_getters_take_themselves" -> queue_getters_take_themselves();
            case "queue_kinds" -> queue_kinds();
            case "locks" -> locks();
            case "pools" -> pools();
            case "iwait_order" -> iwait_order();
            case "raw_switch_and_throw" -> raw_switch_and_throw();
            case "loop_exit" -> loop_exit();
            default -> throw new IllegalArgumentException(name);
        }
    }

    /** Guards a scenario against a GreenletExit escaping to the platform thread by mistake. */
    static boolean isKill(Throwable t) {
        return t instanceof GreenletExit;
    }
}
