package io.gevent4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class LocalTest {

    /** Sets, yields to the others, and reads back: what each greenlet sees is its own. */
    private static List<String> isolation(java.util.function.Consumer<String> set,
                                          java.util.function.Supplier<String> get) {
        List<String> seen = new ArrayList<>();
        List<Greenlet<Void>> gs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String mine = "g" + i;
            gs.add(Gevent.spawn(() -> {
                set.accept(mine);
                Gevent.sleep(0);
                Gevent.sleep(1);
                seen.add(mine + ":" + get.get());
            }));
        }
        Gevent.joinall(gs);
        return seen;
    }

    @Test
    void localValuesAreIsolatedPerGreenlet() {
        Local<String> local = new Local<>();
        local.set("main");
        List<String> seen = isolation(local::set, local::get);
        assertEquals(List.of("g0:g0", "g1:g1", "g2:g2", "g3:g3", "g4:g4"), seen);
        assertEquals("main", local.get(), "the owner thread keeps its own value");
    }

    @Test
    void plainThreadLocalGivesTheSameIsolation() {
        ThreadLocal<String> local = new ThreadLocal<>();
        local.set("main");
        List<String> seen = isolation(local::set, local::get);
        assertEquals(List.of("g0:g0", "g1:g1", "g2:g2", "g3:g3", "g4:g4"), seen);
        assertEquals("main", local.get());
    }

    @Test
    void nothingIsInheritedBySpawnedGreenlets() {
        Local<String> local = new Local<>();
        ThreadLocal<String> plain = new ThreadLocal<>();
        Greenlet<String> parent = Gevent.spawn(() -> {
            local.set("parent");
            plain.set("parent");
            return Gevent.spawn(() -> local.get() + "/" + plain.get()).get();
        });
        assertEquals("null/null", parent.get());
    }

    @Test
    void withInitialRunsOncePerGreenlet() {
        AtomicInteger calls = new AtomicInteger();
        Local<List<String>> local = Local.withInitial(() -> {
            calls.incrementAndGet();
            return new ArrayList<>();
        });
        List<Greenlet<Integer>> gs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            gs.add(Gevent.spawn(() -> {
                local.get().add("a");
                Gevent.sleep(0);
                local.get().add("b");
                return local.get().size();
            }));
        }
        for (Greenlet<Integer> g : gs) {
            assertEquals(2, g.get());
        }
        assertEquals(3, calls.get());
        local.remove();
        assertTrue(local.get().isEmpty());
    }

    @Test
    void removeForgetsTheValue() {
        Local<String> local = new Local<>();
        Greenlet<String> g = Gevent.spawn(() -> {
            local.set("x");
            local.remove();
            return String.valueOf(local.get());
        });
        assertEquals("null", g.get());
    }

    private static boolean collected(WeakReference<?> ref) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (ref.get() == null) {
                return true;
            }
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return false;
            }
        }
        return ref.get() == null;
    }

    @Test
    void localValueIsReleasedWhenItsGreenletDiesEvenIfTheGreenletIsStillReferenced() {
        Local<Object> local = new Local<>();
        List<WeakReference<Object>> refs = new ArrayList<>();
        Greenlet<Void> g = Gevent.spawn(() -> {
            Object value = new byte[1 << 20];
            refs.add(new WeakReference<>(value));
            local.set(value);
        });
        g.join();
        assertTrue(g.successful());
        assertNull(local.get());
        assertTrue(collected(refs.get(0)), "the dead greenlet's value is still reachable");
        assertTrue(g.ready()); // g itself is still strongly referenced here
    }

    @Test
    void threadLocalValueIsReleasedWhenItsGreenletDies() {
        ThreadLocal<Object> local = new ThreadLocal<>();
        List<WeakReference<Object>> refs = new ArrayList<>();
        Greenlet<Void> g = Gevent.spawn(() -> {
            Object value = new byte[1 << 20];
            refs.add(new WeakReference<>(value));
            local.set(value);
        });
        g.join();
        assertTrue(collected(refs.get(0)), "the dead greenlet's value is still reachable");
        assertTrue(g.ready());
    }

    @Test
    void aKilledGreenletsValueIsReleasedToo() {
        Local<Object> local = new Local<>();
        List<WeakReference<Object>> refs = new ArrayList<>();
        Greenlet<Void> g = Gevent.spawn(() -> {
            Object value = new Object();
            refs.add(new WeakReference<>(value));
            local.set(value);
            Gevent.sleep(10_000);
        });
        Gevent.sleep(0);
        g.kill();
        assertTrue(collected(refs.get(0)));
    }
}
