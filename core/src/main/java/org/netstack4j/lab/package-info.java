/**
 * The lab bench: assembles machines (a CPU, DMA memory, pools, E1000 cards and their drivers,
 * wired to IRQ lines) and networks of them — bare, as in {@link org.netstack4j.lab.FrameExchange},
 * or with a host stack on each, as in {@link org.netstack4j.lab.Network}, simulated or on real
 * threads. {@link org.netstack4j.lab.LabWorld} is the xv6 lab's two-host world and
 * {@link org.netstack4j.lab.Demo} the checks run on it. It is the only room that joins modelled
 * hardware to software; the CLI, tests and benchmarks build on it. It may touch every other room.
 */
package org.netstack4j.lab;
