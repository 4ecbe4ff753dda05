package org.netstack4j.stack;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A host's counters: one long per {@link Counter}, written only by the host's loop. Others read
 * them once the loop has stopped, or accept a slightly stale view.
 */
public final class StackCounters {
    private static final Counter[] ALL = Counter.values();
    private final long[] values = new long[ALL.length];

    void count(Counter c) {
        values[c.ordinal()]++;
    }

    void add(Counter c, long n) {
        values[c.ordinal()] += n;
    }

    public long get(Counter c) {
        return values[c.ordinal()];
    }

    /** Counters grouped by protocol, {@code netstat -s} style; zeros included so the shape is stable. */
    public Map<String, Map<String, Long>> byProtocol() {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        for (Counter c : ALL) {
            out.computeIfAbsent(c.protocol(), k -> new LinkedHashMap<>()).put(c.netstatName(), values[c.ordinal()]);
        }
        return out;
    }
}
