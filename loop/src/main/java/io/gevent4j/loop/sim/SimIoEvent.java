package io.gevent4j.loop.sim;

import io.netty.channel.IoEvent;

/**
 * Readiness reported by a {@link SimKernel}'s poller.
 *
 * @param events {@code Loop.READ}, {@code Loop.WRITE} or both (an error or hang-up reports both)
 */
public record SimIoEvent(int events) implements IoEvent {
}
