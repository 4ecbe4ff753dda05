package org.netstack4j.hw.link;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Taps on a medium: links that record every frame into a {@link PcapWriter} and then pass it on
 * unchanged, like a port mirror. A tap sees what enters the link it wraps, so a capture wrapped
 * around a fault injector's output records what the far card receives, and one wrapped around
 * its input records what the near card sent.
 */
public final class Capture implements Link {
    private final Link inner;
    private final PcapWriter writer;

    private Capture(Link inner, PcapWriter writer) {
        this.inner = inner;
        this.writer = writer;
    }

    /** A link that records each frame into {@code writer}, then forwards it to {@code inner}. */
    public static Link wrap(Link inner, PcapWriter writer) {
        return new Capture(Objects.requireNonNull(inner, "inner"), Objects.requireNonNull(writer, "writer"));
    }

    /** Joins {@code a} and {@code b} with a cable whose two directions are both recorded into {@code writer}. */
    public static Cable cable(Connector a, Connector b, PcapWriter writer) {
        Objects.requireNonNull(writer, "writer");
        return Cable.connect(a, b, link -> wrap(link, writer));
    }

    @Override
    public void send(MemorySegment frame, long offset, int length) {
        writer.write(frame, offset, length);
        inner.send(frame, offset, length);
    }
}
