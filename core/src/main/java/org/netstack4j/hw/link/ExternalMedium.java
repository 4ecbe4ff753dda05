package org.netstack4j.hw.link;

import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A medium outside this JVM that one card plugs into: a Linux TAP device ({@link TapDevice}), or
 * a switch in another process. Unlike a {@link Cable}, the far end is not a card of ours: frames
 * leave the JVM through a file descriptor and arrive on the medium's own receive thread, from
 * which they go to the card's input (hardware work runs where it starts).
 */
public interface ExternalMedium extends AutoCloseable {

    /** What this is, for people: {@code TAP device tap0}. */
    String describe();

    /**
     * Plugs {@code card} in and starts carrying frames: what the card transmits leaves through the
     * medium, and what arrives goes to {@code card.input()}. {@code wrap} is applied to each
     * direction, first to the outbound link (card to medium), then to the card's input, so a
     * capture or fault injector can sit on the wire as it does on a cable. Once only.
     */
    void connect(Connector card, UnaryOperator<Link> wrap);

    default void connect(Connector card) {
        connect(card, UnaryOperator.identity());
    }

    /** Frames and bytes each way, errors and drops, by name; zeros included, so the shape is stable. */
    Map<String, Long> counters();

    /**
     * What the medium's receive thread died of, if a bug ended it (a failed read of the device is
     * counted, not this); null while it runs or after it ended normally.
     */
    default Throwable receiverFailure() {
        return null;
    }

    /** The last error the medium met (a failed write, say), as one line; null if none. */
    default String lastError() {
        return null;
    }

    /**
     * Unplugs the card (its link goes down) and releases the medium. Afterwards nothing reaches
     * the card from the medium, and nothing the card sends reaches the medium: late frames are
     * counted, never written. Idempotent.
     */
    @Override
    void close();
}
