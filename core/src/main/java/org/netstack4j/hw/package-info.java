/**
 * The world outside a host's software: simulated, or real where a medium leads out of the JVM (a
 * Linux TAP device). Hardware talks to software only through a
 * {@link org.netstack4j.hw.RegisterWindow}, DMA memory and an interrupt line; {@code hw.e1000}
 * is the card, {@code hw.link} the media. This room may touch {@code buffer} and {@code exec}
 * (for timers), never {@code driver} or {@code stack}.
 */
package org.netstack4j.hw;
