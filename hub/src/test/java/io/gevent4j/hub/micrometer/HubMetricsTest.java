package io.gevent4j.hub.micrometer;

import io.gevent4j.Gevent;
import io.gevent4j.hub.Hub;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HubMetricsTest {
    @Test
    void aRegistrySeesTheHubsCounters() {
        Hub hub = Gevent.getHub();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new HubMetrics(hub).bindTo(registry);
        String tag = hub.owner().getName();
        double before = registry.get("gevent4j.greenlets.spawned").tag("hub", tag).functionCounter().count();
        Gevent.joinall(List.of(Gevent.spawn(() -> Gevent.sleep(1)), Gevent.spawn(() -> { })));
        assertEquals(before + 2, registry.get("gevent4j.greenlets.spawned").tag("hub", tag).functionCounter().count());
        assertEquals(0.0, registry.get("gevent4j.greenlets.alive").tag("hub", tag).gauge().value());
        assertTrue(registry.get("gevent4j.loop.iterations").tag("hub", tag).functionCounter().count() > 0);
        assertTrue(registry.get("gevent4j.watchers.active").tag("hub", tag).gauge().value() >= 1, "its keep-alive watcher");
    }
}
