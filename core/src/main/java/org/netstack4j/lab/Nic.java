package org.netstack4j.lab;

import org.netstack4j.buffer.BufferPool;
import org.netstack4j.driver.E1000Driver;
import org.netstack4j.exec.Irq;
import org.netstack4j.hw.e1000.E1000;

/** One network interface of a {@link Machine}: the modelled card, its IRQ line, its driver and its receive pool. */
public record Nic(String name, E1000 card, Irq irq, E1000Driver driver, BufferPool rxPool) {
}
