package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import io.gevent4j.hub.RawGreenlet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every virtual thread that runs on a hub is one of its greenlets, whoever started it: virtual threads
 * a greenlet starts with {@code Thread.ofVirtual()}, the tasks of a virtual-thread executor, structured
 * concurrency's forks and {@code CompletableFuture}s on such an executor are adopted by the hub.
 */
@ExtendWith(FreshHub.class)
class AdoptedThreadsTest {

    /** What a virtual thread sees of itself: "adopted=true hub=true hubThread=true". */
    private static String whoAmI(Hub hub) {
        RawGreenlet me = RawGreenlet.getcurrent();
        return "adopted=" + me.isAdopted() + " hub=" + (Hub.current() == hub && me.hub() == hub)
                + " hubThread=" + hub.inHubThread();
    }

    private static final String ADOPTED = "adopted=true hub=true hubThread=true";

    @Test
    void aVirtualThreadStartedInAGreenletIsAGreenletOfItsHub() {
        Hub hub = Gevent.getHub();
        String seen = Gevent.spawn(() -> {
            AtomicReference<String> r = new AtomicReference<>();
            Thread t = Thread.ofVirtual().start(() -> r.set(whoAmI(hub)));
            t.join(); // a JDK wait: parks only this greenlet
            return r.get();
        }).get();
        assertEquals(ADOPTED, seen);
    }

    @Test
    void executorTasksAreGreenletsThatCountAsLiveAndTakeTurnsAtBlockingPoints() {
        Hub hub = Gevent.getHub();
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        List<Integer> liveInside = Collections.synchronizedList(new ArrayList<>());
        int[] liveBeforeAndAfter = Gevent.spawn(() -> {
            int before = hub.liveGreenlets();
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 3; i++) {
                    int n = i;
                    ex.submit(() -> {
                        mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                        order.add("start " + n + " " + whoAmI(hub));
                        liveInside.add(hub.liveGreenlets());
                        running.decrementAndGet();
                        Gevent.sleep(20); // a gevent wait: the others run meanwhile
                        mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                        order.add("end " + n);
                        running.decrementAndGet();
                        return null;
                    });
                }
            } // close() waits for the tasks: a JDK wait, cooperative
            return new int[] {before, hub.liveGreenlets()};
        }).get();
        assertEquals(List.of("start 0 " + ADOPTED, "start 1 " + ADOPTED, "start 2 " + ADOPTED,
                "end 0", "end 1", "end 2"), order);
        assertEquals(1, mostAtOnce.get(), "greenlets of one hub never run at the same time");
        assertEquals(List.of(2, 3, 4), liveInside, "the spawning greenlet and each started task are live");
        assertEquals(liveBeforeAndAfter[0], liveBeforeAndAfter[1], "tasks that ended are no longer live");
        assertEquals(0, hub.liveGreenlets());
    }

    @Test
    void completableFuturesOnAVirtualThreadExecutorRunAsGreenlets() {
        Hub hub = Gevent.getHub();
        String seen = Gevent.spawn(() -> {
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                return CompletableFuture.supplyAsync(() -> whoAmI(hub), ex)
                        .thenApplyAsync(s -> s + " | " + whoAmI(hub), ex)
                        .get();
            }
        }).get();
        assertEquals(ADOPTED + " | " + ADOPTED, seen);
    }

    @Test
    void virtualThreadsStartedByAnAdoptedThreadAreAdoptedToo() {
        Hub hub = Gevent.getHub();
        String seen = Gevent.spawn(() -> {
            AtomicReference<String> r = new AtomicReference<>();
            Thread outer = Thread.ofVirtual().start(() -> {
                Thread inner = Thread.ofVirtual().start(() -> r.set(whoAmI(hub)));
                try {
                    inner.join();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            outer.join();
            return r.get();
        }).get();
        assertEquals(ADOPTED, seen);
    }

    @Test
    void aKillReachesAnExecutorTaskBlockedOnTheHub() {
        String outcome = Gevent.spawn(() -> {
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                AtomicReference<RawGreenlet> task = new AtomicReference<>();
                Event started = new Event();
                Future<String> f = ex.submit(() -> {
                    task.set(RawGreenlet.getcurrent());
                    started.set();
                    try {
                        new Event().await(); // nothing will ever set it
                        return "woke up";
                    } catch (GreenletExit e) {
                        return "killed: " + e.getMessage();
                    }
                });
                started.await();
                Gevent.getHub().throwTo(task.get(), new GreenletExit("stop"));
                return f.get();
            }
        }).get();
        assertEquals("killed: stop", outcome);
    }

    @Test
    void aTimeoutWorksInAnExecutorTask() {
        String outcome = Gevent.spawn(() -> {
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                return ex.submit(() -> {
                    Timeout t = Timeout.start(Duration.ofMillis(20));
                    try {
                        Gevent.sleep(10_000);
                        return "slept";
                    } catch (Timeout e) {
                        return e == t ? "timed out" : "another timeout: " + e;
                    } finally {
                        t.close();
                    }
                }).get();
            }
        }).get();
        assertEquals("timed out", outcome);
    }

    /**
     * An adopted thread keeps the JDK's interrupt contract: shutdownNow interrupts the tasks, and a task
     * waiting on the hub wakes with a CancellationException, its interrupt status still set.
     */
    @Test
    void shutdownNowWakesATaskWaitingOnTheHub() {
        String outcome = Gevent.spawn(() -> {
            ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
            Event started = new Event();
            Future<String> f = ex.submit(() -> {
                started.set();
                try {
                    new Event().await();
                    return "woke up";
                } catch (CancellationException e) {
                    return "cancelled, interrupted=" + Thread.currentThread().isInterrupted();
                }
            });
            started.await();
            ex.shutdownNow();
            ex.close();
            return f.get();
        }).get();
        assertEquals("cancelled, interrupted=true", outcome);
    }

    @Test
    void aGreenletTheHubStartedStillIgnoresInterruptsWhileWaitingOnTheHub() {
        Hub hub = Gevent.getHub();
        Event ev = new Event();
        AtomicReference<Thread> thread = new AtomicReference<>();
        Greenlet<String> g = Gevent.spawn(() -> {
            thread.set(Thread.currentThread());
            ev.await();
            return "woke normally, interrupted=" + Thread.currentThread().isInterrupted();
        });
        Gevent.sleep(0);
        Greenlet<Void> interrupter = Gevent.spawn(() -> {
            thread.get().interrupt();
            Gevent.sleep(10);
            ev.set();
        });
        assertEquals("woke normally, interrupted=true", g.get());
        interrupter.join();
        assertFalse(RawGreenlet.getcurrent().isAdopted());
        assertTrue(hub.mainGreenlet().isMain());
    }

    // ------------------------------------------------------------------ structured concurrency

    /**
     * JDK 25's StructuredTaskScope is a preview API: javac refuses it without --enable-preview, but the
     * JVM lets code call it (it checks nothing at run time), so these tests reach it reflectively.
     */
    private static final class Scope implements AutoCloseable {
        private static final Class<?> STS = type("java.util.concurrent.StructuredTaskScope");
        private static final Class<?> SUBTASK = type("java.util.concurrent.StructuredTaskScope$Subtask");
        private final Object scope = call(STS, "open", null, new Class<?>[0]);

        private static Class<?> type(String name) {
            try {
                return Class.forName(name);
            } catch (ClassNotFoundException e) {
                throw new AssertionError(e);
            }
        }

        private static Object call(Class<?> type, String method, Object target, Class<?>[] types, Object... args) {
            try {
                Method m = type.getMethod(method, types);
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }

        /** fork: returns the subtask's get() as a supplier. */
        <T> java.util.function.Supplier<T> fork(Callable<T> task) {
            Object subtask = call(STS, "fork", scope, new Class<?>[] {Callable.class}, task);
            @SuppressWarnings("unchecked")
            java.util.function.Supplier<T> get = () -> (T) call(SUBTASK, "get", subtask, new Class<?>[0]);
            return get;
        }

        void join() {
            call(STS, "join", scope, new Class<?>[0]);
        }

        @Override
        public void close() {
            call(STS, "close", scope, new Class<?>[0]);
        }
    }

    @Test
    void structuredConcurrencyForksAreGreenletsOfTheScopeOwnersHub() {
        Hub hub = Gevent.getHub();
        List<String> seen = Gevent.spawn(() -> {
            RawGreenlet owner = RawGreenlet.getcurrent();
            try (Scope scope = new Scope()) {
                // forks inherit the owner's scoped values, the binding of the current greenlet among them
                var a = scope.fork(() -> {
                    Gevent.sleep(10);
                    return whoAmI(hub) + " owner=" + (RawGreenlet.getcurrent() == owner);
                });
                var b = scope.fork(() -> whoAmI(hub));
                scope.join();
                return List.of(a.get(), b.get());
            }
        }).get();
        assertEquals(List.of(ADOPTED + " owner=false", ADOPTED), seen);
    }

    @Test
    void aFailingForkCancelsASiblingBlockedOnTheHubAndTheScopeCloses() {
        AtomicReference<String> sibling = new AtomicReference<>();
        String outcome = Gevent.spawn(() -> {
            try (Scope scope = new Scope()) {
                scope.fork(() -> {
                    try {
                        new Event().await(); // would wait forever
                        sibling.set("woke up");
                    } catch (CancellationException e) {
                        sibling.set("cancelled, interrupted=" + Thread.currentThread().isInterrupted());
                    }
                    return null;
                });
                scope.fork(() -> {
                    Gevent.sleep(10);
                    throw new IllegalStateException("boom");
                });
                try {
                    scope.join();
                    return "joined";
                } catch (RuntimeException e) {
                    return e.getClass().getSimpleName() + ": " + e.getCause().getMessage();
                }
            }
        }).get();
        assertEquals("FailedException: boom", outcome);
        assertEquals("cancelled, interrupted=true", sibling.get());
    }

    @Test
    void anAdoptedThreadIsNotTheGreenletWhoseScopedValueItInherited() {
        Gevent.spawn(() -> {
            RawGreenlet owner = RawGreenlet.getcurrent();
            try (Scope scope = new Scope()) {
                var fork = scope.fork(RawGreenlet::getcurrent);
                scope.join();
                assertNotSame(owner, fork.get());
                assertSame(owner.hub(), fork.get().hub());
                assertTrue(fork.get().dead(), "its thread ended");
            }
            return null;
        }).get();
    }
}
