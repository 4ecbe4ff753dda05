/**
 * The lab bench: assembles machines (a CPU, DMA memory, pools, E1000 cards and their drivers,
 * wired to IRQ lines) and runs experiments on them, such as {@link org.netstack4j.lab.FrameExchange}.
 * It is the only room that joins modelled hardware to software; the CLI, tests and benchmarks
 * build on it. It may touch {@code exec}, {@code buffer}, {@code hw}, {@code driver} and {@code wire}.
 */
package org.netstack4j.lab;
