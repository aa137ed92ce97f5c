/**
 * A simulated kernel for deterministic tests: {@link io.gevent4j.loop.sim.SimKernel} (virtual clock,
 * descriptors, in-memory TCP, an epoll-like poller) and {@link io.gevent4j.loop.sim.SimFaults} (what it
 * injects, all drawn from one seed). A {@link io.gevent4j.loop.Loop} on
 * {@link io.gevent4j.loop.Backend#SIM} polls it; {@code io.gevent4j.sim.Simulation} (module hub) runs
 * whole scenarios - the real hub, sockets and servers - on it.
 */
package io.gevent4j.loop.sim;
