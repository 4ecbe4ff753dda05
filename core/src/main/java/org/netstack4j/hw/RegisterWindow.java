package org.netstack4j.hw;

/**
 * A device's memory-mapped registers as a driver sees them: 32-bit reads and writes at byte
 * offsets (a PCI BAR). The E1000 model implements it; a window over a real BAR could too.
 * Reads may have side effects (ICR and the statistics registers clear on read).
 */
public interface RegisterWindow {
    int read(int offset);

    void write(int offset, int value);
}
