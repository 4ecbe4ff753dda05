package org.netstack4j.hw.link;

import java.lang.foreign.MemorySegment;

/**
 * One direction of a medium: a frame sent in comes out at the far end, or is dropped there and
 * counted. Frames are Ethernet II without FCS. The frame is only borrowed for the duration of
 * the call: whatever keeps it longer (a switch queue, a delay) copies it.
 */
@FunctionalInterface
public interface Link {
    void send(MemorySegment frame, long offset, int length);

    /** A link that leads nowhere (an unplugged connector); it swallows frames. */
    Link NOWHERE = (frame, offset, length) -> { };
}
