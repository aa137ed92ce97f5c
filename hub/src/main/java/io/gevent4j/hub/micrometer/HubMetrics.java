package io.gevent4j.hub.micrometer;

import io.gevent4j.hub.Hub;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;

/**
 * A Micrometer binding of a hub's counters ({@link Hub#stats()}): {@code gevent4j.greenlets.alive}
 * (gauge), {@code gevent4j.greenlets.spawned} and {@code gevent4j.greenlets.failed} (counters),
 * {@code gevent4j.loop.iterations} (counter) and {@code gevent4j.watchers.active} (gauge), tagged with
 * {@code hub} = the owner thread's name. Micrometer is an optional dependency: add
 * {@code io.micrometer:micrometer-core} to use this class; nothing else in gevent4j needs it.
 *
 * <pre>{@code new HubMetrics(Gevent.getHub()).bindTo(registry);}</pre>
 */
public final class HubMetrics implements MeterBinder {
    private final Hub hub;

    /**
     * A binding of {@code hub}'s counters.
     *
     * @param hub the hub to expose
     */
    public HubMetrics(Hub hub) {
        this.hub = Objects.requireNonNull(hub, "hub");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags tags = Tags.of("hub", hub.owner().getName());
        Gauge.builder("gevent4j.greenlets.alive", hub, h -> h.stats().alive()).tags(tags)
                .description("greenlets whose body runs").register(registry);
        FunctionCounter.builder("gevent4j.greenlets.spawned", hub, h -> h.stats().spawned()).tags(tags)
                .description("greenlets that began running").register(registry);
        FunctionCounter.builder("gevent4j.greenlets.failed", hub, h -> h.stats().failed()).tags(tags)
                .description("greenlets that died of an exception").register(registry);
        FunctionCounter.builder("gevent4j.loop.iterations", hub, h -> h.stats().loopIterations()).tags(tags)
                .description("times the hub's loop went round").register(registry);
        Gauge.builder("gevent4j.watchers.active", hub,
                        h -> h.stats().watchers().values().stream().mapToInt(Integer::intValue).sum()).tags(tags)
                .description("active watchers of the hub's loop").register(registry);
    }
}
