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
    FORWARD("forward per packet");

    private final String description;

    Work(String description) {
        this.description = description;
    }

    /** A few words for reports: "interrupt entry+exit". */
    public String description() {
        return description;
    }
}
