package io.gevent4j.loop.sim;

import io.netty.channel.IoOps;

/**
 * The interest submitted for a simulated descriptor.
 *
 * @param events {@code Loop.READ}, {@code Loop.WRITE} or both
 */
public record SimIoOps(int events) implements IoOps {
}
