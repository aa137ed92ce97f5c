package io.gevent4j.hub;

import io.gevent4j.FreshHub;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Raw greenlets: switchTo, throwInto, parents, getcurrent, dead. */
@ExtendWith(FreshHub.class)
class RawGreenletTest {

    @Test
    @Timeout(10)
    void the12_56_34Program() {
        List<Integer> out = new ArrayList<>();
        RawGreenlet[] g = new RawGreenlet[2];
        g[0] = new RawGreenlet(a -> {
            out.add(12);
            g[1].switchTo();
            out.add(34);
            return null;
        });
        g[1] = new RawGreenlet(a -> {
            out.add(56);
            g[0].switchTo();
            out.add(78);
            return null;
        });
        assertNull(g[0].switchTo());
        assertEquals(List.of(12, 56, 34), out);
        assertTrue(g[0].dead());
        assertFalse(g[1].dead());
        assertTrue(g[1].started());
    }

    @Test
    @Timeout(10)
    void switchToPassesValuesBothWays() {
        RawGreenlet main = RawGreenlet.getcurrent();
        List<Object> seenByChild = new ArrayList<>();
        RawGreenlet child = new RawGreenlet(args -> {
            seenByChild.add(List.of(args));
            Object x = main.switchTo("first " + args[0]);       // to main, and wait for the next value
            seenByChild.add(x);
            Object y = main.switchTo("second " + x);
            seenByChild.add(y);
            return "result " + y;
        });
        assertEquals("first a", child.switchTo("a"));
        assertEquals("second b", child.switchTo("b"));
        assertEquals("result c", child.switchTo("c"), "the run function's return value goes to the parent");
        assertTrue(child.dead());
        assertEquals(List.of(List.of("a"), "b", "c"), seenByChild);
    }

    @Test
    @Timeout(10)
    void severalArgumentsArriveAsAnArray() {
        RawGreenlet main = RawGreenlet.getcurrent();
        AtomicReference<Object[]> startArgs = new AtomicReference<>();
        RawGreenlet child = new RawGreenlet(args -> {
            startArgs.set(args);
            Object x = main.switchTo(1, 2);
            return x;
        });
        Object back = child.switchTo("x", "y", "z");
        assertArrayEquals(new Object[]{"x", "y", "z"}, startArgs.get());
        assertArrayEquals(new Object[]{1, 2}, (Object[]) back);
        assertNull(child.switchTo(), "no value is null");
    }

    @Test
    @Timeout(10)
    void anExceptionFromTheChildPropagatesToTheParentsSwitch() {
        IllegalStateException boom = new IllegalStateException("boom");
        RawGreenlet child = new RawGreenlet(args -> {
            throw boom;
        });
        assertSame(boom, assertThrows(IllegalStateException.class, child::switchTo));
        assertTrue(child.dead());
    }

    @Test
    @Timeout(10)
    void greenletExitThrownInEndsItNormallyAndTheParentReceivesIt() {
        RawGreenlet main = RawGreenlet.getcurrent();
        List<String> out = new ArrayList<>();
        RawGreenlet child = new RawGreenlet(args -> {
            try {
                main.switchTo("suspended");
                out.add("resumed");
                return "normal end";
            } finally {
                out.add("finally");
            }
        });
        assertEquals("suspended", child.switchTo());
        GreenletExit exit = new GreenletExit();
        Object back = child.throwInto(exit);
        assertSame(exit, back, "the parent receives the GreenletExit as a value");
        assertEquals(List.of("finally"), out);
        assertTrue(child.dead());
    }

    @Test
    @Timeout(10)
    void anotherExceptionThrownInComesBackIfUncaught() {
        RawGreenlet main = RawGreenlet.getcurrent();
        RawGreenlet child = new RawGreenlet(args -> main.switchTo());
        child.switchTo();
        IllegalArgumentException e = new IllegalArgumentException("thrown in");
        assertSame(e, assertThrows(IllegalArgumentException.class, () -> child.throwInto(e)));
        assertTrue(child.dead());
    }

    @Test
    @Timeout(10)
    void aChildCanCatchWhatIsThrownIn() {
        RawGreenlet main = RawGreenlet.getcurrent();
        RawGreenlet child = new RawGreenlet(args -> {
            try {
                main.switchTo();
                return "not thrown";
            } catch (IllegalStateException e) {
                return "caught " + e.getMessage();
            }
        });
        child.switchTo();
        assertEquals("caught x", child.throwInto(new IllegalStateException("x")));
    }

    @Test
    @Timeout(10)
    void throwIntoAnUnstartedGreenletKillsItWithoutRunningIt() {
        List<String> out = new ArrayList<>();
        RawGreenlet a = new RawGreenlet(args -> {
            out.add("ran");
            return null;
        });
        GreenletExit exit = new GreenletExit();
        assertSame(exit, a.throwInto(exit));
        assertTrue(a.dead());

        RawGreenlet b = new RawGreenlet(args -> {
            out.add("ran");
            return null;
        });
        IllegalStateException e = new IllegalStateException("never started");
        assertSame(e, assertThrows(IllegalStateException.class, () -> b.throwInto(e)));
        assertTrue(b.dead());
        assertEquals(List.of(), out);
    }

    @Test
    @Timeout(10)
    void switchingToADeadGreenletGoesToItsParent() {
        RawGreenlet main = RawGreenlet.getcurrent();
        RawGreenlet waiting = new RawGreenlet(args -> {
            Object v = main.switchTo("waiting ready");
            return "waiting got " + v;
        });
        assertEquals("waiting ready", waiting.switchTo());
        RawGreenlet done = new RawGreenlet(args -> "done result");
        assertEquals("done result", done.switchTo());
        assertTrue(done.dead());
        // from main, a dead greenlet whose parent is main: the switch comes straight back
        assertEquals("echo", done.switchTo("echo"));
        // re-parented onto the waiting greenlet: the switch goes there
        done.setParent(waiting);
        assertSame(waiting, done.parent());
        assertEquals("waiting got hello", done.switchTo("hello"));
        assertTrue(waiting.dead());
    }

    @Test
    void parentAndSetParentRejectCycles() {
        RawGreenlet main = RawGreenlet.getcurrent();
        RawGreenlet a = new RawGreenlet(args -> null);
        RawGreenlet b = new RawGreenlet(args -> null, a);
        assertSame(main, a.parent());
        assertSame(a, b.parent());
        assertNull(main.parent());
        assertThrows(IllegalArgumentException.class, () -> a.setParent(b), "a -> b -> a");
        assertThrows(IllegalArgumentException.class, () -> a.setParent(a));
        assertSame(main, a.parent(), "a rejected change leaves the parent alone");
        RawGreenlet c = new RawGreenlet(args -> null, b);
        assertThrows(IllegalArgumentException.class, () -> a.setParent(c), "a -> c -> b -> a");
        b.setParent(main);
        a.setParent(c); // no cycle any more: a -> c -> b -> main
        assertSame(c, a.parent());
    }

    @Test
    @Timeout(10)
    void aParentOnAnotherHubIsRejected() throws Exception {
        AtomicReference<RawGreenlet> foreign = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            foreign.set(Hub.current().mainGreenlet());
            Hub.current().destroy();
        });
        t.join(5_000);
        RawGreenlet a = new RawGreenlet(args -> null);
        assertThrows(IllegalArgumentException.class, () -> a.setParent(foreign.get()));
        // a greenlet made with a parent of another hub belongs to that hub: no switching to it from here
        RawGreenlet theirs = new RawGreenlet(args -> null, foreign.get());
        assertEquals(foreign.get().hub(), theirs.hub());
        assertThrows(IllegalStateException.class, theirs::switchTo);
    }

    @Test
    @Timeout(10)
    void getcurrentInsideAndOutside() {
        RawGreenlet main = RawGreenlet.getcurrent();
        assertTrue(main.isMain());
        assertSame(Hub.current().mainGreenlet(), main);
        assertSame(main, Gevent.getcurrent());
        AtomicReference<RawGreenlet> inside = new AtomicReference<>();
        RawGreenlet g = new RawGreenlet(args -> {
            inside.set(RawGreenlet.getcurrent());
            return null;
        });
        g.switchTo();
        assertSame(g, inside.get());
        assertSame(main, RawGreenlet.getcurrent());
    }

    @Test
    @Timeout(10)
    void deadAndActive() {
        RawGreenlet main = RawGreenlet.getcurrent();
        RawGreenlet g = new RawGreenlet(args -> main.switchTo());
        assertFalse(g.dead());
        assertFalse(g.started());
        assertFalse(g.isActive());
        g.switchTo();
        assertFalse(g.dead());
        assertTrue(g.started());
        assertTrue(g.isActive());
        g.switchTo();
        assertTrue(g.dead());
        assertFalse(g.isActive());
        assertFalse(main.dead(), "the main greenlet never dies");
        assertTrue(main.isActive());
    }

    @Test
    @Timeout(10)
    void aRawGreenletMayBlockOnTheHubAndComeBack() {
        RawGreenlet g = new RawGreenlet(args -> {
            Gevent.sleep(10);
            return "slept";
        });
        assertEquals("slept", g.switchTo());
    }

    @Test
    @Timeout(10)
    void rawGreenletsInsideASpawnedGreenletReturnToIt() {
        Greenlet<List<String>> outer = Gevent.spawn(() -> {
            List<String> out = Collections.synchronizedList(new ArrayList<>());
            RawGreenlet me = RawGreenlet.getcurrent();
            RawGreenlet child = new RawGreenlet(args -> {
                out.add("child sees parent " + (RawGreenlet.getcurrent().parent() == me));
                return "child done";
            });
            out.add((String) child.switchTo());
            return out;
        });
        assertEquals(List.of("child sees parent true", "child done"), outer.get());
    }

    @Test
    @Timeout(10)
    void switchingToAGreenletOfAnotherHubIsRejected() throws Exception {
        AtomicReference<Throwable> err = new AtomicReference<>();
        RawGreenlet mine = new RawGreenlet(args -> null);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                mine.switchTo();
            } catch (Throwable e) {
                err.set(e);
            } finally {
                Hub h = Hub.currentIfAny();
                if (h != null) {
                    h.destroy();
                }
            }
        });
        t.join(5_000);
        assertInstanceOf(IllegalStateException.class, err.get());
        assertFalse(mine.started());
    }

    @Test
    @Timeout(10)
    void switchingToAGreenletBlockedOnTheHubIsRejected() {
        Greenlet<Void> sleeper = Gevent.spawn(() -> Gevent.sleep(5_000));
        Gevent.sleep(1);
        assertThrows(IllegalStateException.class, sleeper::switchTo);
        sleeper.kill();
    }
}
