package io.gevent4j.loop;

import io.gevent4j.loop.internal.Carrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.gevent4j.loop.TestSupport.guard;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ThreadCheckTest {

    /** Runs every call on {@code thread} and returns what each threw (or null). */
    private static Map<String, Throwable> callAll(Thread.Builder builder, Map<String, Executable> calls)
            throws InterruptedException {
        Map<String, Throwable> thrown = new LinkedHashMap<>();
        Thread t = builder.start(() -> {
            for (var e : calls.entrySet()) {
                try {
                    e.getValue().execute();
                    thrown.put(e.getKey(), null);
                } catch (Throwable x) {
                    thrown.put(e.getKey(), x);
                }
            }
        });
        assertTrue(t.join(java.time.Duration.ofSeconds(10)));
        return thrown;
    }

    private static Map<String, Executable> ownerOnlyCalls(Loop loop, TimerWatcher timer, IdleWatcher idle) {
        Map<String, Executable> calls = new LinkedHashMap<>();
        calls.put("timer()", () -> loop.timer(1, 0, MILLISECONDS));
        calls.put("idle()", loop::idle);
        calls.put("prepare()", loop::prepare);
        calls.put("check()", loop::check);
        calls.put("async()", loop::async);
        calls.put("runCallback()", () -> loop.runCallback(() -> { }));
        calls.put("executeNext()", () -> loop.executeNext(() -> { }));
        calls.put("run()", loop::run);
        calls.put("ioSourceCount()", loop::ioSourceCount);
        calls.put("destroy()", loop::destroy);
        calls.put("start()", () -> timer.start(() -> { }));
        calls.put("stop()", timer::stop);
        calls.put("again()", timer::again);
        calls.put("ref()", idle::ref);
        calls.put("unref()", idle::unref);
        calls.put("close()", idle::close);
        if (loop.backend().usesFileDescriptors()) {
            calls.put("io(fd)", () -> loop.io(0, Loop.READ));
        } else {
            calls.put("io(channel)", () -> loop.io(java.nio.channels.Pipe.open().source(), Loop.READ));
        }
        return calls;
    }

    @Test
    void ownerOnlyCallsFromAnotherPlatformThreadThrowAHelpfulIllegalStateException() throws InterruptedException {
        try (Loop loop = new Loop()) {
            TimerWatcher timer = loop.timer(1, 0, TimeUnit.SECONDS);
            timer.start(() -> { });
            IdleWatcher idle = loop.idle();
            Map<String, Throwable> thrown = callAll(Thread.ofPlatform().name("intruder"),
                    ownerOnlyCalls(loop, timer, idle));
            for (var e : thrown.entrySet()) {
                Throwable x = e.getValue();
                assertTrue(x instanceof IllegalStateException, e.getKey() + " threw " + x);
                String msg = x.getMessage();
                assertTrue(msg.contains(Thread.currentThread().getName()), e.getKey() + ": names the owner: " + msg);
                assertTrue(msg.contains("intruder"), e.getKey() + ": names the caller: " + msg);
                assertTrue(msg.contains("execute()") && msg.contains("send()"),
                        e.getKey() + ": says what other threads may call: " + msg);
            }
            // Nothing changed on the loop.
            assertTrue(timer.isActive());
            assertFalse(idle.isClosed());
            assertFalse(loop.isDestroyed());
            assertFalse(loop.hasPending());
            timer.stop();
        }
    }

    @Test
    void anOrdinaryVirtualThreadIsNotTheOwner() throws InterruptedException {
        try (Loop loop = new Loop()) {
            TimerWatcher timer = loop.timer(1, 0, TimeUnit.SECONDS);
            IdleWatcher idle = loop.idle();
            AtomicReference<Boolean> inLoop = new AtomicReference<>();
            Map<String, Executable> calls = ownerOnlyCalls(loop, timer, idle);
            calls.put("inLoopThread", () -> inLoop.set(loop.inLoopThread()));
            Map<String, Throwable> thrown = callAll(Thread.ofVirtual().name("vt"), calls);
            assertEquals(Boolean.FALSE, inLoop.get());
            thrown.remove("inLoopThread");
            for (var e : thrown.entrySet()) {
                assertTrue(e.getValue() instanceof IllegalStateException, e.getKey() + " threw " + e.getValue());
            }
        }
    }

    @Test
    void threadSafeCallsWorkFromAnyThread() throws InterruptedException {
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            AsyncWatcher a = loop.async();
            AtomicInteger asyncCalls = new AtomicInteger();
            a.start(() -> {
                asyncCalls.incrementAndGet();
                a.stop();
            });
            List<String> log = new ArrayList<>();
            Callback toCancel = loop.runCallback(() -> log.add("cancelled"));
            Map<String, Executable> calls = new LinkedHashMap<>();
            calls.put("execute", () -> loop.execute(() -> log.add("execute")));
            calls.put("runCallbackThreadsafe", () -> loop.runCallbackThreadsafe(() -> log.add("threadsafe")));
            calls.put("send", a::send);
            calls.put("Callback.stop", toCancel::stop);
            calls.put("inLoopThread", loop::inLoopThread);
            for (Thread.Builder b : List.of(Thread.ofPlatform(), Thread.ofVirtual())) {
                Map<String, Throwable> thrown = callAll(b, calls);
                for (var e : thrown.entrySet()) {
                    assertNull(e.getValue(), e.getKey() + " from " + b);
                }
            }
            loop.run();
            assertFalse(g.fired());
            assertEquals(List.of("execute", "threadsafe", "execute", "threadsafe"), log);
            assertEquals(1, asyncCalls.get());
            // breakLoop from another thread is accepted too
            Map<String, Throwable> thrown = callAll(Thread.ofPlatform(), Map.of("breakLoop", loop::breakLoop));
            assertNull(thrown.get("breakLoop"));
        }
    }

    @Test
    void aVirtualThreadMountedOnTheOwnerCountsAsTheOwner() throws Exception {
        assumeTrue(Carrier.available(), "needs --add-opens java.base/java.lang=ALL-UNNAMED");
        Constructor<?> ctor;
        try {
            Class<?> builderClass = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
            ctor = builderClass.getDeclaredConstructor(Executor.class);
            ctor.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            assumeTrue(false, "no custom virtual-thread scheduler on this JDK: " + e);
            return;
        }
        try (Loop loop = new Loop(); TestSupport.Guard g = guard(loop)) {
            // A "greenlet": a virtual thread whose scheduler runs it on the loop's thread.
            Thread.Builder.OfVirtual builder = (Thread.Builder.OfVirtual) ctor.newInstance((Executor) loop);
            AtomicBoolean inLoop = new AtomicBoolean();
            AtomicBoolean isVirtual = new AtomicBoolean();
            AtomicInteger fired = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            builder.start(() -> {
                try {
                    isVirtual.set(Thread.currentThread().isVirtual());
                    inLoop.set(loop.inLoopThread());
                    TimerWatcher t = loop.timer(1, 0, MILLISECONDS);
                    t.start(fired::incrementAndGet);
                    loop.runCallback(() -> { });
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            loop.run();
            assertFalse(g.fired());
            assertNull(failure.get(), () -> "owner-only call failed in a virtual thread mounted on the owner: "
                    + failure.get());
            assertTrue(isVirtual.get());
            assertTrue(inLoop.get());
            assertEquals(1, fired.get());
            assertNotNull(loop.owner());
        }
    }
}
