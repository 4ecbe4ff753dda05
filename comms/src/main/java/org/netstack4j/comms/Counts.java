package org.netstack4j.comms;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** A counter per event of an enum, safe from any thread; shown with snake_case names. */
public final class Counts<E extends Enum<E>> {
    private final E[] names;
    private final AtomicLongArray values;

    public Counts(Class<E> events) {
        this.names = events.getEnumConstants();
        this.values = new AtomicLongArray(names.length);
    }

    public void add(E event) {
        values.incrementAndGet(event.ordinal());
    }

    public long get(E event) {
        return values.get(event.ordinal());
    }

    /** Every counter, in declaration order, named as JSON keys are ({@code late_answers_discarded}). */
    public Map<String, Long> toMap() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (E e : names) {
            out.put(e.name().toLowerCase(Locale.ROOT), values.get(e.ordinal()));
        }
        return out;
    }

    @Override
    public String toString() {
        return toMap().toString();
    }
}
