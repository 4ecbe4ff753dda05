package org.netstack4j.driver;

import org.netstack4j.buffer.PacketBuffer;

/** Where a driver hands each received frame (Ethernet II, no FCS). The sink owns the buffer and must release it. */
@FunctionalInterface
public interface FrameSink {
    void receive(PacketBuffer frame);
}
