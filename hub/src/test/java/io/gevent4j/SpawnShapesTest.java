package io.gevent4j;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The shapes a Java user passes to {@code spawn} compile and do what they say: method references to
 * void and value methods, with and without checked exceptions, lambdas of both kinds, a Callable
 * variable. (This class compiling is half the test.)
 */
class SpawnShapesTest {
    private int ran;

    void work() {
        ran++;
    }

    void workThrowing() throws IOException {
        ran++;
        throw new IOException("checked");
    }

    String compute() {
        return "value";
    }

    String computeThrowing() throws IOException {
        return "checked value";
    }

    static void staticWork() {
    }

    @Test
    void methodReferencesAndLambdasOfEveryShape() {
        Greenlet<Void> a = Gevent.spawn(this::work);
        Greenlet<Void> b = Gevent.spawn(this::workThrowing);
        Greenlet<String> c = Gevent.spawn(this::compute);
        Greenlet<String> d = Gevent.spawn(this::computeThrowing);
        Greenlet<Void> e = Gevent.spawn(SpawnShapesTest::staticWork);
        Greenlet<Void> f = Gevent.spawn(() -> {
            Thread.sleep(1); // a checked InterruptedException in a void block: fine
        });
        Greenlet<Integer> g = Gevent.spawn(() -> 6 * 7);
        Callable<String> callable = () -> "from a variable";
        Greenlet<String> h = Gevent.spawn(callable);
        Gevent.joinall(java.util.List.of(a, b, c, d, e, f, g, h));
        assertEquals(2, ran);
        assertNull(a.get());
        CompletionException wrapped = assertThrows(CompletionException.class, b::get);
        assertInstanceOf(IOException.class, wrapped.getCause());
        assertEquals("value", c.get());
        assertEquals("checked value", d.get());
        assertEquals(42, g.get());
        assertEquals("from a variable", h.get());
        assertSame(wrapped.getCause(), b.exception());
    }
}
