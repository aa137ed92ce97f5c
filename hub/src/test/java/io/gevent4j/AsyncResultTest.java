package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import io.gevent4j.hub.Hub;
import io.gevent4j.hub.LoopExit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
class AsyncResultTest {

    @Test
    void getReturnsTheValueAnotherGreenletSets() {
        AsyncResult<String> r = new AsyncResult<>();
        assertFalse(r.ready());
        Gevent.spawn(() -> {
            Gevent.sleep(10);
            r.set("hello");
        });
        assertEquals("hello", r.get());
        assertTrue(r.ready());
        assertTrue(r.successful());
        assertEquals("hello", r.value());
        assertNull(r.exception());
    }

    @Test
    void getThrowsACheckedExceptionWrappedAndAsItselfWhenItsTypeIsNamed() throws Exception {
        AsyncResult<String> r = new AsyncResult<>();
        IOException boom = new IOException("boom");
        Gevent.spawn(() -> r.setException(boom));
        java.util.concurrent.CompletionException e = assertThrows(java.util.concurrent.CompletionException.class, r::get);
        assertSame(boom, e.getCause());
        IOException io = assertThrows(IOException.class, () -> r.get(IOException.class));
        assertSame(boom, io);
        IllegalStateException unchecked = new IllegalStateException("bad");
        AsyncResult<String> u = new AsyncResult<>();
        u.setException(unchecked);
        assertSame(unchecked, assertThrows(IllegalStateException.class, u::get));
        assertSame(unchecked, assertThrows(IllegalStateException.class, () -> u.get(IOException.class)));
        assertFalse(r.successful());
        assertSame(boom, r.exception());
    }

    @Test
    void waitersWakeInFifoOrder() {
        AsyncResult<Integer> r = new AsyncResult<>();
        List<Integer> order = new ArrayList<>();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int n = i;
            gs.add(Gevent.spawn(() -> {
                r.get();
                order.add(n);
            }));
        }
        Gevent.sleep(0);
        assertEquals(4, r.waiters());
        r.set(7);
        Gevent.joinall(gs);
        assertEquals(List.of(0, 1, 2, 3), order);
    }

    @Test
    void getWithTimeoutThrowsTimeoutAndAwaitReturnsFalse() {
        AsyncResult<String> r = new AsyncResult<>();
        assertThrows(Timeout.class, () -> r.get(Duration.ofMillis(20)));
        assertFalse(r.await(Duration.ofMillis(20)));
        assertThrows(Timeout.class, r::getNowait);
        assertEquals(0, r.waiters());
        r.set("x");
        assertEquals("x", r.getNowait());
        assertEquals("x", r.get(Duration.ZERO));
    }

    @Test
    void killWhileBlockedInGetLeavesTheResultUnchanged() {
        AsyncResult<String> r = new AsyncResult<>();
        Greenlet<String> g = Gevent.spawn(() -> r.get());
        Gevent.sleep(0);
        assertEquals(1, r.waiters());
        g.kill();
        assertInstanceOf(GreenletExit.class, g.killedBy());
        assertEquals(0, r.waiters());
        assertFalse(r.ready());
        r.set("later");
        assertEquals("later", r.get());
    }

    @Test
    void timeoutWhileBlockedInGetIsRaised() {
        AsyncResult<String> r = new AsyncResult<>();
        Greenlet<String> g = Gevent.spawn(() -> Gevent.withTimeout(Duration.ofMillis(20), r::get, "timed out"));
        assertEquals("timed out", g.get());
        assertEquals(0, r.waiters());
    }

    @Test
    void settingAgainReplacesTheValueAsInGevent() {
        AsyncResult<String> r = new AsyncResult<>();
        CompletableFuture<String> f = r.toCompletableFuture();
        r.set("a");
        r.set("b");
        assertEquals("b", r.get());
        assertEquals("a", f.join(), "the future keeps the first outcome");
    }

    @Test
    void toCompletableFutureCompletesWithTheOutcome() throws Exception {
        AsyncResult<Integer> ok = new AsyncResult<>();
        CompletableFuture<Integer> f = ok.toCompletableFuture();
        assertFalse(f.isDone());
        ok.set(42);
        assertEquals(42, f.get(1, TimeUnit.SECONDS));
        AsyncResult<Integer> bad = new AsyncResult<>();
        bad.setException(new IllegalStateException("no"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> bad.toCompletableFuture().get());
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void fromACompletionStageCompletedByAnotherThreadKeepsTheHubAliveUntilThen() {
        CompletableFuture<String> f = new CompletableFuture<>();
        AsyncResult<String> r = AsyncResult.from(f);
        CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException ignored) {
                // pool thread
            }
            f.complete("from another thread");
        });
        // Nothing else runs on this hub: without the external wait this would be a LoopExit.
        assertEquals("from another thread", r.get());
    }

    @Test
    void fromAFailedStageUnwrapsCompletionException() {
        CompletableFuture<String> f = CompletableFuture.supplyAsync(() -> {
            throw new IllegalArgumentException("bad");
        });
        AsyncResult<String> r = AsyncResult.from(f.thenApply(s -> s + "!"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::get);
        assertEquals("bad", e.getMessage());
    }

    @Test
    void fromAnAlreadyCompletedStageIsReadyAndReleasesTheHub() {
        AsyncResult<Integer> r = AsyncResult.from(CompletableFuture.completedFuture(5));
        assertTrue(r.ready());
        assertEquals(5, r.get());
        // The hub must not keep counting an external wait: a wait for nothing is a LoopExit again.
        Gevent.sleep(0);
        assertThrows(LoopExit.class, () -> new Event().await());
    }

    @Test
    void geventAwaitAcceptsAsyncResults() {
        AsyncResult<String> a = new AsyncResult<>();
        AsyncResult<String> b = new AsyncResult<>();
        Gevent.spawnLater(Duration.ofMillis(20), () -> b.set("b"));
        Gevent.spawnLater(Duration.ofMillis(40), () -> a.set("a"));
        assertEquals(List.of(b, a), Gevent.await(List.of(a, b), Duration.ofSeconds(5)));
    }

    @Test
    void aPlatformThreadSetsAndTheOwnerWaits() throws Exception {
        AsyncResult<String> r = new AsyncResult<>();
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(30);
            } catch (InterruptedException ignored) {
                // test thread
            }
            r.set("done");
        });
        try (var _ = Hub.current().externalWait()) {
            t.start();
            assertEquals("done", r.get(Duration.ofSeconds(5)));
        }
        t.join();
    }

    @Test
    void aPlatformThreadWaitsForAResultAGreenletSets() throws Exception {
        AsyncResult<String> r = new AsyncResult<>();
        String[] got = new String[1];
        Thread t = new Thread(() -> got[0] = r.get(Duration.ofSeconds(5)));
        t.start();
        Gevent.sleep(30);
        r.set("for the thread");
        t.join(5_000);
        assertEquals("for the thread", got[0]);
    }
}
