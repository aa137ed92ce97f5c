/**
 * Deterministic simulation: {@link io.gevent4j.sim.Simulation} runs a scenario of real gevent4j code -
 * hub, greenlets, queues, sockets, servers - on a simulated kernel whose clock is virtual and whose
 * network faults come from a seed, and checks that it did not hang, leak or fail;
 * {@link io.gevent4j.sim.SimSeeds} turns a scenario into a property test over many seeds and prints the
 * command that replays a failing one. A scenario may use no real thread: a thread pool, a second hub,
 * UDP or name resolution is outside the simulation.
 */
package io.gevent4j.sim;
