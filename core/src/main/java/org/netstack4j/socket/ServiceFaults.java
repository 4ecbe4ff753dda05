package org.netstack4j.socket;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What went wrong for a service while it went on serving: errors caused by one datagram (or one
 * connection) are counted by cause, and each cause is logged at most once a minute, so a peer
 * that repeats a bad request cannot flood the log. A bounded number of causes is kept; the rest
 * are counted together under "other".
 */
public final class ServiceFaults {
    private static final System.Logger LOG = System.getLogger("org.netstack4j.service");
    private static final long LOG_INTERVAL_NANOS = 60_000_000_000L;
    private static final int MAX_CAUSES = 32;

    private final String service;
    private final LongSupplier clock;
    private final Map<String, Long> counts = new LinkedHashMap<>();
    private final Map<String, Long> lastLogged = new LinkedHashMap<>();
    private long total;

    /** @param clock nanoseconds on the host's application clock (simulated time in a simulation) */
    public ServiceFaults(String service, LongSupplier clock) {
        this.service = service;
        this.clock = clock;
    }

    /** Counts {@code fault} and logs it unless its cause was logged within the last minute. */
    public synchronized void record(Exception fault) {
        total++;
        String cause = fault.getClass().getSimpleName();
        if (!counts.containsKey(cause) && counts.size() >= MAX_CAUSES) {
            cause = "other";
        }
        counts.merge(cause, 1L, Long::sum);
        long now = clock.getAsLong();
        Long last = lastLogged.get(cause);
        if (last == null || now - last >= LOG_INTERVAL_NANOS) {
            lastLogged.put(cause, now);
            LOG.log(System.Logger.Level.WARNING, "{0}: {1} (counted; the service goes on; {2} so far)",
                    service, fault.getMessage() != null ? cause + ": " + fault.getMessage() : cause, counts.get(cause));
        }
    }

    /** Faults so far, all causes. */
    public synchronized long total() {
        return total;
    }

    /** Faults by cause (exception class), in the order first seen. */
    public synchronized Map<String, Long> byCause() {
        return Map.copyOf(counts);
    }
}
