package org.netstack4j.hw.link;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Test double for a card's socket: records every frame the medium delivers, transmits on demand. */
final class RecordingConnector implements Connector {
    private final String name;
    private final boolean keep;
    private final List<byte[]> received = new ArrayList<>();
    private final AtomicLong count = new AtomicLong();
    private volatile Link output = Link.NOWHERE;
    private volatile boolean attached;
    private final Link input = this::receive;

    /** A connector that keeps a copy of every frame. */
    RecordingConnector(String name) {
        this(name, true);
    }

    /** With {@code keep == false} it only counts (for floods of frames). */
    RecordingConnector(String name, boolean keep) {
        this.name = name;
        this.keep = keep;
    }

    private void receive(MemorySegment frame, long offset, int length) {
        count.incrementAndGet();
        if (keep) {
            byte[] copy = frame.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
            synchronized (received) {
                received.add(copy);
            }
        }
    }

    @Override
    public Link input() {
        return input;
    }

    @Override
    public void attach(Link out) {
        output = out;
        attached = true;
    }

    @Override
    public void detach() {
        output = Link.NOWHERE;
        attached = false;
    }

    /** Transmits {@code frame} into whatever this connector is attached to. */
    void transmit(byte[] frame) {
        output.send(MemorySegment.ofArray(frame), 0, frame.length);
    }

    /** The link this connector transmits into (to test stale references). */
    Link output() {
        return output;
    }

    boolean attached() {
        return attached;
    }

    /** Copies of the frames received so far, in order. */
    List<byte[]> received() {
        synchronized (received) {
            return new ArrayList<>(received);
        }
    }

    long count() {
        return count.get();
    }

    void clear() {
        synchronized (received) {
            received.clear();
        }
        count.set(0);
    }

    @Override
    public String toString() {
        return "RecordingConnector[" + name + "]";
    }
}
