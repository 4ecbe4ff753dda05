package org.netstack4j.driver;

import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.exec.Job;
import org.netstack4j.wire.MacAddress;

import java.util.Map;

/**
 * What the stack needs of a network card's driver: bring it up with a place for received
 * frames, hand it frames to send (with back-pressure), and read its counters. Everything runs on
 * the CPU that owns the interface.
 */
public interface NetDevice {

    String name();

    /** The card's MAC; known once the device is up. */
    MacAddress mac();

    /** Largest Ethernet payload the device carries (1500 for Ethernet II without jumbo frames). */
    default int mtu() {
        return 1500;
    }

    WakeMode mode();

    /**
     * What the device does for the stack: checksums, TCP segmentation. None unless a device says
     * otherwise, so TAP and every other device keep the software path. The stack asks this before
     * leaving work to the device, and the device honours only what it offers here.
     */
    default Offloads offloads() {
        return Offloads.NONE;
    }

    /** Resets and starts the device; each received frame goes to {@code sink} on the owning CPU. */
    void bringUp(FrameSink sink);

    void tearDown();

    /**
     * Queues a whole Ethernet frame for sending without telling the card yet.
     *
     * @return false if the device cannot take it now: the caller keeps the frame
     */
    boolean queue(PacketBuffer frame);

    /** Tells the card about everything queued since the last flush. */
    void flush();

    /** A job to schedule when the device can take frames again after {@link #queue} refused one. */
    void setTransmitWaiter(Job waiter);

    /** The device's counters by name, {@code ethtool -S} style. */
    Map<String, Long> counterMap();
}
