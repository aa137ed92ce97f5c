package io.gevent4j;

import io.gevent4j.hub.GreenletExit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A kill or a timeout must interrupt a greenlet blocked in join/joinall/await/iwait. */
@org.junit.jupiter.api.Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
class KillWhileJoiningTest {

    @Test
    void killWhileBlockedInGreenletJoin() {
        Greenlet<Object> sleeper = Gevent.spawn(() -> {
            Gevent.sleep(2_000);
            return null;
        });
        AtomicBoolean continued = new AtomicBoolean();
        Greenlet<Object> joiner = Gevent.spawn(() -> {
            sleeper.join();
            continued.set(true);
            return null;
        });
        Gevent.sleep(0);
        joiner.kill();
        assertInstanceOf(GreenletExit.class, joiner.killedBy());
        assertFalse(continued.get(), "the kill was swallowed by join()");
        sleeper.kill();
    }

    @Test
    void timeoutWhileBlockedInGreenletGet() {
        Greenlet<Object> sleeper = Gevent.spawn(() -> {
            Gevent.sleep(2_000);
            return null;
        });
        Greenlet<String> g = Gevent.spawn(() -> Gevent.withTimeout(Duration.ofMillis(20), () -> {
            sleeper.get();
            return "joined";
        }, "timed out"));
        assertEquals("timed out", g.get());
        sleeper.kill();
    }

    @Test
    void killWhileBlockedInJoinall() {
        Greenlet<Object> sleeper = Gevent.spawn(() -> {
            Gevent.sleep(2_000);
            return null;
        });
        AtomicBoolean continued = new AtomicBoolean();
        Greenlet<Object> joiner = Gevent.spawn(() -> {
            Gevent.joinall(List.of(sleeper));
            continued.set(true);
            return null;
        });
        Gevent.sleep(0);
        joiner.kill();
        assertInstanceOf(GreenletExit.class, joiner.killedBy());
        assertFalse(continued.get(), "the kill was swallowed by joinall()");
        assertTrue(sleeper.join(Duration.ZERO) || !sleeper.ready());
        sleeper.kill();
    }
}
