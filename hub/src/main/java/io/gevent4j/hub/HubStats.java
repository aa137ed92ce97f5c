package io.gevent4j.hub;

import java.util.Map;

/**
 * A hub's counters, as a service exposes them (see {@link Hub#stats()}; a Micrometer binding is in
 * {@code io.gevent4j.hub.micrometer}).
 *
 * @param owner          the name of the hub's owner thread
 * @param alive          greenlets whose body runs now
 * @param spawned        greenlets that began running since the hub was made
 * @param failed         of those, the ones that died of an exception (a kill is not a failure)
 * @param loopIterations times the loop went round
 * @param watchers       active watchers by kind ({@code io}, {@code timer}, {@code idle}, ...)
 */
public record HubStats(String owner, int alive, long spawned, long failed, long loopIterations,
                       Map<String, Integer> watchers) {
}
