package org.netstack4j.driver;

import java.util.Locale;

/** How a driver is woken to do its receive work. */
public enum WakeMode {
    /** An interrupt per packet (or per ITR interval); all receive work is done in the handler. */
    INTERRUPT,
    /** The handler masks the card and schedules a poll; the poll works to a budget and unmasks when done (Linux NAPI). */
    NAPI,
    /** No interrupts: the CPU never sleeps and polls the rings itself (RTnet's real-time I/O task). */
    BUSY_POLL;

    /** Parses the command-line names {@code interrupt}, {@code napi} and {@code poll}. */
    public static WakeMode parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "interrupt", "irq" -> INTERRUPT;
            case "napi" -> NAPI;
            case "poll", "busy-poll", "busy_poll" -> BUSY_POLL;
            default -> throw new IllegalArgumentException("unknown wake mode '" + text + "' (expected interrupt, napi or poll)");
        };
    }

    /** The command-line name. */
    public String cliName() {
        return switch (this) {
            case INTERRUPT -> "interrupt";
            case NAPI -> "napi";
            case BUSY_POLL -> "poll";
        };
    }
}
