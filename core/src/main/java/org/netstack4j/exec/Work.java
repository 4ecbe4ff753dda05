package org.netstack4j.exec;

/**
 * The kinds of work a {@link CostModel} prices. Code says what it did ({@link Cpu#charge(Work)})
 * and the CPU's cost model says how long that took; the numbers live in one place, not in the
 * driver or the protocols.
 */
public enum Work {
    /** Entering and leaving an interrupt handler (vector, save/restore, the ICR read over the bus). Charged by the CPU itself, once per handler run. */
    INTERRUPT("interrupt entry+exit"),
    /** One call of a driver's poll routine, whatever it then finds (charged by the driver). */
    POLL("poll call"),
    /** Taking one frame off the receive ring: descriptor, buffer swap, refill (charged by the driver, per descriptor). */
    RX_FRAME("receive per frame"),
    /** Routing one packet on: Ethernet demux, IPv4 checks, route lookup, TTL, neighbour, transmit descriptor (charged by the stack). */
    FORWARD("forward per packet"),
    /**
     * Putting one descriptor on the transmit ring for a packet this host sends: the descriptor, the
     * buffer's bookkeeping, its share of the tail write (charged by the driver, per descriptor,
     * context descriptors included). A TCP segment cut by the card (TSO) costs one or two, not one per frame.
     */
    TX_DESCRIPTOR("transmit per descriptor"),
    /** Summing 1 KB for a TCP or UDP checksum in software (charged by the stack, pro rata; none when the card does it). */
    CHECKSUM_KB("software checksum per KB");

    private final String description;

    Work(String description) {
        this.description = description;
    }

    /** A few words for reports: "interrupt entry+exit". */
    public String description() {
        return description;
    }
}
