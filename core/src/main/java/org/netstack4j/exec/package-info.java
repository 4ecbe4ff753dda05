/**
 * Where code runs: clocks, timers, the CPU that owns an interface, and the interrupt lines into it.
 *
 * <p>A {@link org.netstack4j.exec.Cpu} is one host's processor: interrupt handlers first, then
 * scheduled jobs, one at a time. It runs either on its own platform thread ({@link
 * org.netstack4j.exec.CpuThread}, with a {@link org.netstack4j.exec.RealTimeline}) or inside a
 * {@link org.netstack4j.exec.Simulation}, which drives every CPU and timer of a network from one
 * thread in simulated time. This room depends on nothing else in netstack4j.
 */
package org.netstack4j.exec;
