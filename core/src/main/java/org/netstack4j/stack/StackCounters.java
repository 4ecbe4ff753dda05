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

    /**
     * Counters grouped by protocol, {@code netstat -s} style, keyed by {@link #key} (snake_case:
     * {@code in_datagrams}, {@code reasm_oks}); zeros included so the shape is stable. Text output
     * shows the netstat names again with {@link #netstatName(String, String)}.
     */
    public Map<String, Map<String, Long>> byProtocol() {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        for (Counter c : ALL) {
            out.computeIfAbsent(c.protocol(), k -> new LinkedHashMap<>()).put(KEYS[c.ordinal()], values[c.ordinal()]);
        }
        return out;
    }

    private static final String[] KEYS = new String[ALL.length];
    private static final Map<String, String> NETSTAT_NAMES = new LinkedHashMap<>();

    static {
        for (Counter c : ALL) {
            KEYS[c.ordinal()] = key(c);
            NETSTAT_NAMES.put(c.protocol() + "/" + KEYS[c.ordinal()], c.netstatName());
        }
    }

    /**
     * A counter's key in {@link #byProtocol} and in JSON: its netstat name in snake_case, split
     * where a lower-case letter or digit meets a capital, and before a capitalised word that follows
     * an acronym ({@code InDatagrams} is {@code in_datagrams}, {@code ReasmOKs} is {@code reasm_oks}).
     */
    public static String key(Counter c) {
        String name = c.netstatName();
        StringBuilder sb = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (i > 0 && Character.isUpperCase(ch)) {
                char before = name.charAt(i - 1);
                boolean wordAfterAcronym = Character.isUpperCase(before) && i + 2 < name.length()
                        && Character.isLowerCase(name.charAt(i + 1)) && Character.isLowerCase(name.charAt(i + 2));
                if (Character.isLowerCase(before) || Character.isDigit(before) || wordAfterAcronym) {
                    sb.append('_');
                }
            }
            sb.append(Character.toLowerCase(ch));
        }
        return sb.toString();
    }

    /** The netstat name of the counter {@code key} of {@code protocol} (for text output); the key itself if none. */
    public static String netstatName(String protocol, String key) {
        return NETSTAT_NAMES.getOrDefault(protocol + "/" + key, key);
    }
}
