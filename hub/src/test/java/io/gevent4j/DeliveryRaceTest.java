package io.gevent4j;

import io.gevent4j.hub.Waiter;

import io.gevent4j.hub.GreenletExit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kill or timeout that reaches a greenlet after its wait was satisfied but before it ran again must
 * not be lost (it is raised at its next blocking point), and a timeout cancelled in that window must
 * not be raised later.
 */
@org.junit.jupiter.api.Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
class DeliveryRaceTest {

    @Test
    void killArrivingAfterWakeUpBeforeResumeIsRaisedAtNextBlockingPoint() {
        Event e = new Event();
        AtomicBoolean finishedSleep = new AtomicBoolean();
        Greenlet<Object> g = Gevent.spawn(() -> {
            e.await();
            Gevent.sleep(3_000);
            finishedSleep.set(true);
            return "survived";
        });
        Gevent.sleep(0); // g parks in e.await()
        e.set();         // g's waiter is satisfied, g is queued to run
        g.hub().throwTo(g, new GreenletExit("late kill"));
        assertTrue(g.join(Duration.ofSeconds(2)), "the kill was lost");
        assertInstanceOf(GreenletExit.class, g.killedBy());
        assertFalse(finishedSleep.get());
    }

    @Test
    void timeoutCancelledBeforeTheGreenletSawItIsNeverRaised() {
        Waiter<Object> w = new Waiter<>();
        Timeout[] own = new Timeout[1];
        Greenlet<String> g = Gevent.spawn(() -> {
            Timeout t = own[0] = Timeout.start(Duration.ofSeconds(30));
            try {
                w.get();
            } finally {
                t.cancel();
            }
            Gevent.sleep(50); // a stale timeout would surface here
            return "ok";
        });
        Gevent.sleep(0);
        w.switchTo(null); // from the main greenlet: g is woken, queued behind what is runnable
        // g's own timeout expires exactly while g is woken but not yet running again.
        g.hub().throwTo(g, own[0]);
        assertTrue(g.join(Duration.ofSeconds(2)));
        assertTrue(g.successful(), () -> "stale timeout raised: " + g.exception());
    }

    @Test
    void foreignTimeoutInThatWindowIsStillRaisedLater() {
        Event e = new Event();
        Greenlet<String> g = Gevent.spawn(() -> {
            e.await();
            Gevent.sleep(3_000);
            return "slept";
        });
        Gevent.sleep(0);
        e.set();
        Timeout other = new Timeout(Duration.ZERO);
        g.hub().throwTo(g, other);
        assertTrue(g.join(Duration.ofSeconds(2)));
        assertTrue(g.exception() == other);
    }
}
