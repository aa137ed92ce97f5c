package io.gevent4j;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import io.gevent4j.hub.RawGreenlet;
import io.gevent4j.hub.Waiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** gevent's Greenlet: lifecycle, results, kills, links, error reporting. */
@ExtendWith(FreshHub.class)
class GreenletTest {

    // ------------------------------------------------------------------ spawning and results

    @Test
    @Timeout(10)
    void spawnRunsTheTaskAndGetReturnsItsValue() {
        Greenlet<String> g = Gevent.spawn(() -> "hello");
        assertFalse(g.ready());
        assertTrue(g.started());
        assertEquals("hello", g.get());
        assertTrue(g.ready());
        assertTrue(g.successful());
        assertEquals("hello", g.value());
        assertNull(g.exception());
        assertTrue(g.dead());
    }

    @Test
    @Timeout(10)
    void spawnOfARunnableHasANullValue() {
        AtomicBoolean ran = new AtomicBoolean();
        Greenlet<Void> g = Gevent.spawn(() -> ran.set(true));
        g.join();
        assertTrue(ran.get());
        assertTrue(g.successful());
        assertNull(g.value());
    }

    @Test
    @Timeout(10)
    void createThenStart() {
        AtomicBoolean ran = new AtomicBoolean();
        Greenlet<Integer> g = new Greenlet<>(() -> {
            ran.set(true);
            return 5;
        });
        assertFalse(g.started());
        Gevent.sleep(5);
        assertFalse(ran.get(), "a greenlet runs only once started");
        assertSame(g, g.start());
        assertEquals(5, g.get());
        assertThrows(IllegalStateException.class, g::start, "a greenlet starts once");
    }

    @Test
    @Timeout(10)
    void getRethrowsTheFailureAndTheHubLogsItOnce() {
        try (LogCapture log = LogCapture.hub()) {
            IOException boom = new IOException("boom");
            Greenlet<String> g = Gevent.spawn(() -> {
                Gevent.sleep(1);
                throw boom;
            });
            g.join();
            assertTrue(g.ready());
            assertFalse(g.successful());
            assertSame(boom, g.exception());
            assertNull(g.value());
            // A checked exception of another greenlet: wrapped by get(), itself by get(IOException.class).
            java.util.concurrent.CompletionException thrown = assertThrows(java.util.concurrent.CompletionException.class, g::get);
            assertSame(boom, thrown.getCause());
            assertThrows(java.util.concurrent.CompletionException.class, () -> g.get(Duration.ofSeconds(1)));
            try {
                g.get(IOException.class);
                fail("get(IOException.class) returned");
            } catch (IOException e) { // compiles: get(Class) declares it
                assertSame(boom, e);
            }
            List<ILoggingEvent> events = log.about(g);
            assertEquals(1, events.size(), "logged once: " + log.events());
            assertEquals(IOException.class.getName(), events.get(0).getThrowableProxy().getClassName());
        }
    }

    @Test
    @Timeout(10)
    void anExceptionEscapingAGreenletDoesNotKillTheHub() {
        try (LogCapture log = LogCapture.hub()) {
            List<Greenlet<?>> failures = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                failures.add(Gevent.spawn(() -> {
                    throw new IllegalStateException("escaped");
                }));
            }
            Gevent.joinall(failures);
            Greenlet<String> later = Gevent.spawn(() -> {
                Gevent.sleep(1);
                return "still running";
            });
            assertEquals("still running", later.get());
            Gevent.sleep(1);
            assertEquals(3, log.withException(IllegalStateException.class).size(), "one report each: " + log.events());
            for (Greenlet<?> f : failures) {
                assertEquals(1, log.about(f).size());
            }
        }
    }

    @Test
    @Timeout(10)
    void joinWithTimeout() {
        Greenlet<Void> slow = Gevent.spawn(() -> Gevent.sleep(500));
        long t0 = System.nanoTime();
        assertFalse(slow.join(Duration.ofMillis(20)));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(20));
        assertFalse(slow.ready());
        assertTrue(slow.join(Duration.ofSeconds(5)));
        assertTrue(slow.ready());
        assertTrue(slow.join(Duration.ZERO), "joining a ready greenlet returns at once");
    }

    @Test
    @Timeout(10)
    void getWithTimeoutThrowsTimeout() {
        Greenlet<String> slow = Gevent.spawn(() -> {
            Gevent.sleep(500);
            return "late";
        });
        io.gevent4j.Timeout t = assertThrows(io.gevent4j.Timeout.class, () -> slow.get(Duration.ofMillis(20)));
        assertEquals(Duration.ofMillis(20), t.duration());
        assertEquals("late", slow.get(Duration.ofSeconds(5)));
    }

    @Test
    @Timeout(10)
    void spawnLaterStartsAfterTheDelay() {
        long t0 = System.nanoTime();
        Greenlet<Long> g = Gevent.spawnLater(Duration.ofMillis(30), () -> System.nanoTime() - t0);
        assertFalse(g.started());
        long waited = g.get();
        assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(30), "started after " + waited + " ns");
    }

    @Test
    @Timeout(10)
    void startLaterAndSpawnLaterOfARunnable() {
        AtomicInteger ran = new AtomicInteger();
        Greenlet<Void> a = Greenlet.of(ran::incrementAndGet).startLater(Duration.ofMillis(5));
        Greenlet<Void> b = Gevent.spawnLater(Duration.ZERO, () -> {
            ran.incrementAndGet();
        });
        Gevent.joinall(List.of(a, b));
        assertEquals(2, ran.get());
        assertThrows(IllegalArgumentException.class, () -> Greenlet.of(() -> { }).startLater(Duration.ofMillis(-1)));
    }

    @Test
    void nameDefaultsAndCanBeSet() {
        Greenlet<Void> g = Greenlet.of(() -> { });
        assertTrue(g.getName().startsWith("Greenlet-"), g.getName());
        assertEquals(g.getName(), g.getName());
        assertNotEqualsName(g, Greenlet.of(() -> { }));
        assertSame(g, g.setName("worker"));
        assertEquals("worker", g.getName());
        assertTrue(g.toString().contains("worker"));
    }

    private static void assertNotEqualsName(Greenlet<?> a, Greenlet<?> b) {
        assertFalse(a.getName().equals(b.getName()), a.getName() + " vs " + b.getName());
    }

    // ------------------------------------------------------------------ killing

    @Test
    @Timeout(10)
    void killRaisesGreenletExitAtTheBlockingPointAndRunsFinally() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> seen = new AtomicReference<>();
        Greenlet<String> g = Gevent.spawn(() -> {
            try {
                out.add("sleeping");
                Gevent.sleep(10_000);
                out.add("woke up");
                return "not killed";
            } catch (Throwable t) {
                seen.set(t);
                throw t;
            } finally {
                out.add("finally");
            }
        });
        Gevent.sleep(5);
        long t0 = System.nanoTime();
        g.kill();
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
        assertTrue(g.ready(), "kill() waits for the death");
        assertEquals(List.of("sleeping", "finally"), out);
        assertInstanceOf(GreenletExit.class, seen.get());
        assertTrue(g.successful(), "a GreenletExit death is a success");
        assertSame(seen.get(), g.killedBy(), "with the GreenletExit as what killed it");
        assertNull(g.value(), "a T-typed value cannot hold the GreenletExit");
        assertNull(g.exception());
        assertNull(g.get(), "get() of a killed greenlet returns, with no value");
    }

    @Test
    @Timeout(10)
    void killIsNotLogged() {
        try (LogCapture log = LogCapture.hub()) {
            Greenlet<Void> g = Gevent.spawn(() -> Gevent.sleep(10_000));
            Gevent.sleep(1);
            g.kill();
            Gevent.sleep(1);
            assertEquals(List.of(), log.events());
        }
    }

    @Test
    @Timeout(10)
    void killOfAGreenletCreatedButNotStartedMeansItNeverRuns() {
        AtomicBoolean ran = new AtomicBoolean();
        Greenlet<Void> g = Greenlet.of(() -> ran.set(true));
        g.kill();
        assertTrue(g.ready());
        assertTrue(g.successful());
        assertInstanceOf(GreenletExit.class, g.killedBy());
        Gevent.sleep(5);
        assertFalse(ran.get());
        assertThrows(IllegalStateException.class, g::start);
    }

    @Test
    @Timeout(10)
    void killOfASpawnedGreenletThatHasNotRunYetMeansItNeverRuns() {
        AtomicBoolean ran = new AtomicBoolean();
        Greenlet<Void> g = Gevent.spawn(() -> ran.set(true));
        g.kill();
        assertTrue(g.ready());
        assertFalse(ran.get(), "gevent: a greenlet killed before it got to run never runs");
        assertInstanceOf(GreenletExit.class, g.killedBy());
        Gevent.sleep(5);
        assertFalse(ran.get());
    }

    @Test
    @Timeout(10)
    void killWithoutBlockingFromAGreenletOfASpawnedOneMeansItNeverRuns() {
        AtomicBoolean ran = new AtomicBoolean();
        Greenlet<Boolean> killer = Gevent.spawn(() -> {
            Greenlet<Void> victim = Gevent.spawn(() -> ran.set(true));
            victim.killAsync(new GreenletExit());
            victim.join();
            return victim.successful();
        });
        assertTrue(killer.get());
        assertFalse(ran.get());
    }

    @Test
    @Timeout(10)
    void killOfAStartLaterGreenletCancelsTheStart() {
        AtomicBoolean ran = new AtomicBoolean();
        Greenlet<Void> g = Gevent.spawnLater(Duration.ofMillis(20), () -> ran.set(true));
        g.kill();
        assertTrue(g.ready());
        assertInstanceOf(GreenletExit.class, g.killedBy());
        Gevent.sleep(50);
        assertFalse(ran.get());
        assertEquals(0, Gevent.getHub().liveGreenlets());
    }

    @Test
    @Timeout(10)
    void killWithoutBlockReturnsAtOnceAndTheGreenletDiesSoon() {
        AtomicBoolean cleaned = new AtomicBoolean();
        Greenlet<Void> g = Gevent.spawn(() -> {
            try {
                Gevent.sleep(10_000);
            } finally {
                cleaned.set(true);
            }
        });
        Gevent.sleep(1);
        g.killAsync(new GreenletExit());
        assertFalse(g.ready(), "kill(block=false) does not wait");
        assertFalse(cleaned.get());
        g.join();
        assertTrue(cleaned.get());
        assertInstanceOf(GreenletExit.class, g.killedBy());
    }

    @Test
    @Timeout(10)
    void killWithACustomExceptionMakesItTheGreenletsException() {
        try (LogCapture ignored = LogCapture.hub()) {
            IllegalStateException custom = new IllegalStateException("custom kill");
            Greenlet<Void> g = Gevent.spawn(() -> Gevent.sleep(10_000));
            Gevent.sleep(1);
            g.kill(custom);
            assertTrue(g.ready());
            assertFalse(g.successful());
            assertSame(custom, g.exception());
            assertSame(custom, assertThrows(IllegalStateException.class, g::get));
        }
    }

    @Test
    @Timeout(10)
    void killNeverThrowsEvenWhenTheGreenletFailsWhileDying() {
        try (LogCapture ignored = LogCapture.hub()) {
            Greenlet<Void> g = Gevent.spawn(() -> {
                try {
                    Gevent.sleep(10_000);
                } finally {
                    throw new IllegalStateException("failed in finally");
                }
            });
            Gevent.sleep(1);
            g.kill(); // must not throw
            assertTrue(g.ready());
            assertInstanceOf(IllegalStateException.class, g.exception());
        }
    }

    @Test
    @Timeout(10)
    void killOfAReadyGreenletDoesNothing() {
        Greenlet<String> g = Gevent.spawn(() -> "v");
        g.join();
        g.kill();
        assertEquals("v", g.value());
        assertTrue(g.successful());
    }

    @Test
    @Timeout(10)
    void killWithATimeoutGivesUpWaitingForAStubbornGreenlet() {
        AtomicBoolean stop = new AtomicBoolean();
        Greenlet<Void> stubborn = Gevent.spawn(() -> {
            while (!stop.get()) {
                try {
                    Gevent.sleep(5);
                } catch (GreenletExit ignored) {
                    // refuses to die
                }
            }
        });
        Gevent.sleep(1);
        long t0 = System.nanoTime();
        stubborn.kill(new GreenletExit(), Duration.ofMillis(30));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(30));
        assertFalse(stubborn.ready());
        stop.set(true);
        stubborn.join();
    }

    @Test
    @Timeout(10)
    void killWhileBlockedOnAWaiter() {
        Waiter<String> w = new Waiter<>();
        AtomicBoolean cleaned = new AtomicBoolean();
        Greenlet<String> g = Gevent.spawn(() -> {
            try {
                return w.get();
            } finally {
                cleaned.set(true);
            }
        });
        Gevent.sleep(1);
        g.kill();
        assertTrue(cleaned.get());
        assertInstanceOf(GreenletExit.class, g.killedBy());
    }

    @Test
    @Timeout(10)
    void killWhileJoiningAnotherGreenlet() {
        Greenlet<Void> other = Gevent.spawn(() -> Gevent.sleep(10_000));
        Greenlet<Void> joiner = Gevent.spawn(() -> {
            other.join();
        });
        Gevent.sleep(1);
        joiner.kill();
        assertInstanceOf(GreenletExit.class, joiner.killedBy());
        assertFalse(other.ready(), "killing the joiner leaves the joined greenlet alone");
        other.kill();
        assertTrue(other.ready());
    }

    @Test
    @Timeout(10)
    void killWhileSuspendedInARawSwitch() {
        AtomicReference<RawGreenlet> inner = new AtomicReference<>();
        AtomicBoolean cleaned = new AtomicBoolean();
        Greenlet<Void> g = Gevent.spawn(() -> {
            try {
                // a child raw greenlet that blocks forever: g stays suspended in its switchTo
                RawGreenlet child = new RawGreenlet(a -> {
                    Gevent.sleep(10_000);
                    return null;
                });
                inner.set(child);
                child.switchTo();
            } finally {
                cleaned.set(true);
            }
        });
        Gevent.sleep(5);
        assertFalse(g.ready());
        g.kill();
        assertTrue(cleaned.get());
        assertInstanceOf(GreenletExit.class, g.killedBy());
        // clean up the child
        Gevent.getHub().throwTo(inner.get(), new GreenletExit());
        Gevent.sleep(1);
        assertTrue(inner.get().dead());
    }

    @Test
    @Timeout(10)
    void killWhileInThreadSleepInterruptsIt() {
        AtomicReference<Throwable> seen = new AtomicReference<>();
        AtomicBoolean cleaned = new AtomicBoolean();
        Greenlet<Void> g = Gevent.spawn(() -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                seen.set(e);
                throw e;
            } finally {
                cleaned.set(true);
            }
            return null;
        });
        Gevent.sleep(5);
        long t0 = System.nanoTime();
        g.kill();
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
        assertTrue(cleaned.get());
        assertInstanceOf(InterruptedException.class, seen.get(), "the JDK call is interrupted");
        assertTrue(g.successful(), "and the greenlet still counts as killed: " + g.exception());
        assertInstanceOf(GreenletExit.class, g.killedBy());
    }

    @Test
    @Timeout(10)
    void killWhileInThreadSleepOfARunnableThatWrapsTheInterrupt() {
        Greenlet<Void> g = Gevent.spawn(() -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        Gevent.sleep(5);
        g.kill();
        assertTrue(g.successful(), String.valueOf(g.exception()));
        assertInstanceOf(GreenletExit.class, g.killedBy());
    }

    @Test
    @Timeout(10)
    void killWhileInLinkedBlockingQueueTake() {
        LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
        AtomicBoolean cleaned = new AtomicBoolean();
        Greenlet<String> g = Gevent.spawn(() -> {
            try {
                return q.take();
            } finally {
                cleaned.set(true);
            }
        });
        Gevent.sleep(5);
        g.kill();
        assertTrue(cleaned.get());
        assertTrue(g.successful(), String.valueOf(g.exception()));
        assertInstanceOf(GreenletExit.class, g.killedBy());
        assertTrue(q.isEmpty());
    }

    @Test
    @Timeout(10)
    void aGreenletThatSurvivesAKillInAJdkCallGetsItAtItsNextGeventBlockingPoint() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> g = Gevent.spawn(() -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                out.add("interrupted");
            }
            try {
                Gevent.sleep(10_000);
                out.add("slept");
            } catch (GreenletExit e) {
                out.add("exit");
                throw e;
            }
        });
        Gevent.sleep(5);
        g.kill();
        assertEquals(List.of("interrupted", "exit"), out);
        assertInstanceOf(GreenletExit.class, g.killedBy());
    }

    @Test
    @Timeout(10)
    void aKillIsNotLostWhenTheGreenletWasJustWokenUp() {
        // The waiter already holds a value when the kill arrives: the greenlet takes the value and
        // gets the kill at its next blocking point instead of never.
        Waiter<String> w = new Waiter<>();
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> g = Gevent.spawn(() -> {
            out.add(w.get());
            Gevent.sleep(10_000);
            out.add("not killed");
        });
        Gevent.sleep(1);
        Greenlet<Void> killer = Gevent.spawn(() -> {
            w.switchTo("value");   // g is runnable now, but has not run yet
            g.killAsync(new GreenletExit());
        });
        assertTrue(g.join(Duration.ofSeconds(3)), "the kill was lost");
        assertTrue(killer.successful());
        assertInstanceOf(GreenletExit.class, g.killedBy());
    }

    @Test
    @Timeout(10)
    void aGreenletCanKillItself() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void>[] self = new Greenlet[1];
        self[0] = Gevent.spawn(() -> {
            try {
                self[0].kill();
                out.add("survived");
            } finally {
                out.add("finally");
            }
        });
        self[0].join();
        assertEquals(List.of("finally"), out);
        assertInstanceOf(GreenletExit.class, self[0].killedBy());
    }

    // ------------------------------------------------------------------ links

    @Test
    @Timeout(10)
    void rawlinksRunInOrderOnceTheGreenletIsReady() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> g = Gevent.spawn(() -> Gevent.sleep(5));
        Hub hub = Gevent.getHub();
        for (int i = 0; i < 5; i++) {
            int id = i;
            g.rawlink(() -> {
                assertTrue(hub.inHubThread());
                assertTrue(g.ready());
                out.add("link" + id);
            });
        }
        g.join();
        Gevent.sleep(1);
        assertEquals(List.of("link0", "link1", "link2", "link3", "link4"), out);
    }

    @Test
    @Timeout(10)
    void linkRunsTheCallbackInANewGreenletWithTheSource() {
        AtomicReference<Object> got = new AtomicReference<>();
        AtomicReference<RawGreenlet> ranIn = new AtomicReference<>();
        Greenlet<String> g = Gevent.spawn(() -> "x");
        g.link(src -> {
            got.set(src);
            ranIn.set(Gevent.getcurrent());
            Gevent.sleep(1); // may block: it is a greenlet
        });
        g.join();
        Gevent.sleep(10);
        assertSame(g, got.get());
        assertInstanceOf(Greenlet.class, ranIn.get());
        assertFalse(ranIn.get().isMain());
    }

    @Test
    @Timeout(10)
    void linkCallbacksRunInTheOrderTheyWereAdded() {
        List<Integer> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> g = Gevent.spawn(() -> Gevent.sleep(2));
        for (int i = 0; i < 5; i++) {
            int id = i;
            if (i % 2 == 0) {
                g.link(src -> out.add(id));
            } else {
                g.linkValue(src -> out.add(id));
            }
        }
        g.join();
        Gevent.sleep(5);
        assertEquals(List.of(0, 1, 2, 3, 4), out);
    }

    @Test
    @Timeout(10)
    void linkValueAndLinkExceptionFireOnlyForTheirOutcome() {
        try (LogCapture ignored = LogCapture.hub()) {
            List<String> out = Collections.synchronizedList(new ArrayList<>());
            Greenlet<String> ok = Gevent.spawn(() -> "fine");
            Greenlet<String> bad = Gevent.spawn(() -> {
                throw new IllegalStateException("bad");
            });
            for (Greenlet<String> g : List.of(ok, bad)) {
                String name = g == ok ? "ok" : "bad";
                g.linkValue(src -> out.add(name + ":value"));
                g.linkException(src -> out.add(name + ":exception"));
                g.link(src -> out.add(name + ":any"));
            }
            Gevent.joinall(List.of(ok, bad));
            Gevent.sleep(10);
            assertEquals(List.of("ok:any", "ok:value", "bad:any", "bad:exception"),
                    out.stream().sorted((a, b) -> {
                        int byName = Boolean.compare(a.startsWith("bad"), b.startsWith("bad"));
                        return byName != 0 ? byName : Boolean.compare(!a.endsWith(":any"), !b.endsWith(":any"));
                    }).toList());
            assertEquals(4, out.size());
        }
    }

    @Test
    @Timeout(10)
    void linksAddedAfterDeathStillFire() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<String> g = Gevent.spawn(() -> "done");
        g.join();
        g.rawlink(() -> out.add("raw"));
        g.link(src -> out.add("link"));
        g.linkValue(src -> out.add("value"));
        g.linkException(src -> out.add("exception"));
        assertEquals(List.of(), out, "never synchronously inside rawlink");
        Gevent.sleep(5);
        assertTrue(out.containsAll(List.of("raw", "link", "value")), out.toString());
        assertFalse(out.contains("exception"));
    }

    @Test
    @Timeout(10)
    void unlinkRemovesLinks() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> g = Gevent.spawn(() -> Gevent.sleep(5));
        Runnable raw = () -> out.add("raw");
        Consumer<Greenlet<Void>> link = src -> out.add("link");
        Runnable kept = () -> out.add("kept");
        g.rawlink(raw);
        g.link(link);
        g.rawlink(kept);
        assertTrue(g.unlink(raw));
        assertTrue(g.unlink(link));
        assertFalse(g.unlink(raw), "already removed");
        g.join();
        Gevent.sleep(5);
        assertEquals(List.of("kept"), out);
    }

    @Test
    @Timeout(10)
    void aFailingLinkIsReportedAndDoesNotStopTheOthers() {
        try (LogCapture log = LogCapture.hub()) {
            List<String> out = Collections.synchronizedList(new ArrayList<>());
            Greenlet<Void> g = Gevent.spawn(() -> { });
            Runnable bad = () -> {
                throw new IllegalStateException("bad link");
            };
            g.rawlink(bad);
            g.rawlink(() -> out.add("after"));
            g.join();
            Gevent.sleep(5);
            assertEquals(List.of("after"), out);
            assertEquals(1, log.withException(IllegalStateException.class).size(), log.events().toString());
        }
    }

    @Test
    @Timeout(10)
    void linksFireForAGreenletKilledBeforeItStarted() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Greenlet<Void> g = Greenlet.of(() -> { });
        g.rawlink(() -> out.add("raw"));
        g.kill();
        Gevent.sleep(5);
        assertEquals(List.of("raw"), out);
    }
}
