package io.gevent4j.loop.sim;

import io.netty.channel.IoHandle;

/** What a loop registers with a {@link SimKernel}'s poller: a simulated file descriptor. */
public interface SimIoHandle extends IoHandle {
    /**
     * The simulated file descriptor.
     *
     * @return the result
     */
    int fd();
}
