/**
 * The E1000 driver, readable top to bottom in {@link org.netstack4j.driver.E1000Driver}: reset and
 * initialisation in the manual's order, transmit the xv6 way done right, receive across any
 * number of ring wraps, and three ways to be woken (per-packet interrupt, NAPI, busy-poll). It
 * touches the card only through a {@link org.netstack4j.hw.RegisterWindow}, DMA memory and an
 * interrupt line, reading register offsets from {@link org.netstack4j.hw.e1000.E1000Registers}
 * as a real driver reads its datasheet; it never sees the model's objects. It may touch
 * {@code buffer}, {@code exec}, {@code wire} (addresses) and the register map.
 */
package org.netstack4j.driver;
