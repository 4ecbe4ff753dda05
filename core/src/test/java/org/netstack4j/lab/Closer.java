package org.netstack4j.lab;

import java.util.ArrayList;
import java.util.List;

/**
 * What a test opened (switches, links, processes, networks), closed at the end in reverse order.
 * Every one is closed even if an earlier close fails; the first failure is then thrown, with the
 * later ones suppressed in it.
 */
public final class Closer implements AutoCloseable {
    private final List<AutoCloseable> open = new ArrayList<>();

    /** Keeps {@code c} for {@link #close} and returns it. */
    public <T extends AutoCloseable> T add(T c) {
        open.add(c);
        return c;
    }

    /** Forgets {@code c} (the test closed it itself); true if it was kept. */
    public boolean remove(AutoCloseable c) {
        return open.remove(c);
    }

    @Override
    public void close() throws Exception {
        Throwable first = null;
        for (AutoCloseable c : open.reversed()) {
            try {
                c.close();
            } catch (Throwable t) {
                if (first == null) {
                    first = t;
                } else {
                    first.addSuppressed(t);
                }
            }
        }
        open.clear();
        switch (first) {
            case null -> { }
            case Exception e -> throw e;
            case Error e -> throw e;
            default -> throw new IllegalStateException(first);
        }
    }
}
