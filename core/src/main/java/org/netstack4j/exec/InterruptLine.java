package org.netstack4j.exec;

/**
 * The wire from a device's interrupt pin to a CPU. Level-triggered, as on PCI: the device holds
 * the line high while it has an unmasked cause, and the CPU keeps running the handler while the
 * line is high. Raising the line never runs driver code on the caller's thread; it only marks
 * the interrupt pending and wakes the CPU that owns it.
 */
public interface InterruptLine {
    void level(boolean high);

    /** A line connected to nothing (a card before it is plugged into a CPU). */
    InterruptLine UNCONNECTED = high -> { };
}
