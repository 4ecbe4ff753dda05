package org.netstack4j.driver;

import org.netstack4j.buffer.PacketBuffer;

/** Where a driver hands each received frame (Ethernet II, no FCS). The sink owns the buffer and must release it. */
@FunctionalInterface
public interface FrameSink {
    void receive(PacketBuffer frame);

    /**
     * The driver has handed over every frame of this poll (or interrupt). A stack that deferred
     * work for the batch — frames to send, one tail write for all of them — does it now.
     */
    default void endOfBatch() {
    }
}
